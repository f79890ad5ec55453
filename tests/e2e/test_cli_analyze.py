"""`threadlift analyze` as a user runs it: files in, JSON, overlays, messages and exit codes out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from tests.helpers.photos import faces_dir, png_claiming, read_rgb
from threadlift.cli import app
from threadlift.face.report import analysis_schema

pytestmark = pytest.mark.mediapipe
runner = CliRunner()


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("photos")
    files = {"good": faces_dir() / "obama3.jpg", "takeo": faces_dir() / "takeo.png"}
    files["empty"] = folder / "empty.jpg"
    files["empty"].write_bytes(b"")
    files["text"] = folder / "notes.jpg"
    files["text"].write_text("a consultation note, not a photo")
    files["truncated"] = folder / "truncated.jpg"
    files["truncated"].write_bytes((faces_dir() / "obama2.jpg").read_bytes()[:20000])
    files["huge"] = folder / "huge.png"
    files["huge"].write_bytes(png_claiming(20000, 20000))
    files["no_face"] = folder / "wall.png"
    Image.fromarray(np.full((600, 400, 3), 140, np.uint8)).save(files["no_face"])
    pair = read_rgb("obama3.jpg")[::2, ::2]
    files["two_faces"] = folder / "two.jpg"
    Image.fromarray(np.ascontiguousarray(np.hstack([pair, pair[:, :, :]]))).save(files["two_faces"], quality=92)
    files["missing"] = folder / "missing.jpg"
    return files


def test_one_photo_gives_json_that_matches_the_schema_and_an_overlay(photos, tmp_path):
    out, overlay = tmp_path / "result.json", tmp_path / "overlay.png"
    result = runner.invoke(app, ["analyze", str(photos["good"]), "--json", str(out), "--overlay", str(overlay)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    jsonschema.validate(document, analysis_schema())
    assert document["image"]["width"] == 1434 and len(document["face"]["landmarks"]) == 478
    assert document["calibration"]["method"] == "iris"
    assert set(document["severity"]) == {"brow", "midface", "jawline", "neck"}
    with Image.open(overlay) as picture:
        assert picture.format == "PNG" and min(picture.size) > 500
    assert "patient's right" not in result.stdout  # with --json, the JSON is the output
    table = runner.invoke(app, ["analyze", str(photos["good"])])
    assert table.exit_code == 0 and "patient's right" in table.stdout and "severity: brow" in table.stdout


def test_json_to_stdout_is_pure_json(photos):
    result = runner.invoke(app, ["analyze", str(photos["good"]), "--json", "-", "--mm-per-px", "0.3"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["calibration"] == {**document["calibration"], "mm_per_px": 0.3, "method": "manual"}


def test_several_photos_give_json_lines_and_one_bad_file_does_not_stop_the_rest(photos, tmp_path):
    out, folder = tmp_path / "batch.jsonl", tmp_path / "overlays"
    result = runner.invoke(app, ["analyze", str(photos["good"]), str(photos["text"]), str(photos["takeo"]),
                                 "--json", str(out), "--overlay", str(folder)])
    assert result.exit_code == 4  # the one failure's class
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [("error" in line) for line in lines] == [False, True, False]
    for line in lines:
        jsonschema.validate(line, analysis_schema())
    assert lines[1]["error"]["code"] == "not_an_image"
    assert sorted(p.name for p in folder.iterdir()) == ["obama3.overlay.png", "takeo.overlay.png"]


@pytest.mark.parametrize("key, code, exit_code", [
    ("empty", "not_an_image", 4), ("text", "not_an_image", 4), ("truncated", "corrupt_image", 5),
    ("huge", "too_large", 6), ("no_face", "no_face", 7), ("missing", "unreadable_file", 3)])
def test_each_bad_input_has_its_own_message_and_exit_code(photos, key, code, exit_code):
    result = runner.invoke(app, ["analyze", str(photos[key])])
    assert result.exit_code == exit_code
    assert f"[{code}]" in result.stderr and str(photos[key]) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_two_faces_warn_by_default_and_are_refused_with_strict(photos):
    relaxed = runner.invoke(app, ["analyze", str(photos["two_faces"]), "--json", "-"])
    assert relaxed.exit_code == 0
    assert json.loads(relaxed.stdout)["face"]["faces_found"] == 2
    strict = runner.invoke(app, ["analyze", str(photos["two_faces"]), "--strict"])
    assert strict.exit_code == 8 and "[multiple_faces]" in strict.stderr


def test_mixed_failures_exit_with_the_general_code(photos):
    result = runner.invoke(app, ["analyze", str(photos["empty"]), str(photos["truncated"])])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 2


def test_scale_options_are_checked(photos):
    both = runner.invoke(app, ["analyze", str(photos["good"]), "--mm-per-px", "0.1", "--marker-mm", "30"])
    assert both.exit_code == 2 and "not both" in both.stderr
    no_marker = runner.invoke(app, ["analyze", str(photos["good"]), "--marker-mm", "30"])
    assert no_marker.exit_code == 9 and "no ArUco marker" in no_marker.stderr


def test_the_installed_command_never_shows_a_traceback(photos, tmp_path):
    command = [sys.executable, "-m", "threadlift.cli", "analyze", str(photos["truncated"]), str(photos["huge"])]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    assert "truncated" in finished.stderr and "megapixel" in finished.stderr


def test_overlays_of_photos_with_the_same_name_do_not_overwrite_each_other(photos, tmp_path):
    twin = tmp_path / "elsewhere" / photos["good"].name
    twin.parent.mkdir()
    twin.write_bytes(photos["good"].read_bytes())
    folder = tmp_path / "overlays"
    result = runner.invoke(app, ["analyze", str(photos["good"]), str(twin), "--overlay", str(folder), "--fast"])
    assert result.exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["obama3-2.overlay.png", "obama3.overlay.png"]
