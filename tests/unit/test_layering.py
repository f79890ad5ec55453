"""Layering rules of ../shared/DESIGN.md, checked on the source (no import-linter needed)."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "threadlift"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_adapter_imports_mediapipe():
    offenders = [p.name for p in (SRC / "face").glob("*.py")
                 if p.name != "_mediapipe.py" and any(m.startswith("mediapipe") for m in imported_modules(p))]
    assert offenders == []


def test_measurement_modules_do_no_image_io_or_drawing():
    for name in ("metrics.py", "frame.py", "severity.py", "landmarks.py"):
        modules = imported_modules(SRC / "face" / name)
        assert not any(m.split(".")[0] in {"cv2", "PIL", "mediapipe", "rich", "typer"} for m in modules), name


# DESIGN.md's table: which of our packages each package may import.
MAY_IMPORT = {
    "face": {"face"},
    "clinic": {"clinic"},
    "plan": {"plan", "face", "clinic"},
    "reports": {"reports", "plan", "clinic", "store"},
    "interop": {"interop", "clinic", "plan", "store"},
}


def test_packages_import_only_the_layers_below_them():
    offenders = []
    for package, allowed in MAY_IMPORT.items():
        for path in (SRC / package).rglob("*.py"):
            for module in imported_modules(path):
                parts = module.split(".")
                if parts[0] == "threadlift" and len(parts) > 1 and parts[1] not in allowed:
                    offenders.append(f"{path.relative_to(SRC)} imports {module}")
    assert offenders == []
