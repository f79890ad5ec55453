"""The command line as an operator meets it: quick help, a version, one-line setup errors (exit 2),
destructive commands that ask first or need --yes, bad option values refused before any work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers.photos import faces_dir
from threadlift import __version__
from threadlift.cli import app
from threadlift.store import migrate

runner = CliRunner()
THREADLIFT = [str(Path(sys.executable).with_name("threadlift"))]  # the installed program, as operators run it


def run(args: list[str], env: dict[str, str] | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """The real program in its own process, stdin not a terminal (as in a script or a cron job)."""
    return subprocess.run([*THREADLIFT, *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={**os.environ, **(env or {})}, **kwargs)  # type: ignore[call-overload]


def loaded_by(code: str, *modules: str) -> list[str]:
    """Which of ``modules`` a fresh interpreter has loaded after running ``code``."""
    probe = f"import sys; {code}; print(','.join(m for m in {modules!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    return [m for m in loaded.stdout.strip().split(",") if m]


def test_version_and_help_do_not_load_the_photo_analysis():
    assert runner.invoke(app, ["--version"]).stdout.strip() == f"threadlift {__version__}"
    assert loaded_by("import threadlift.cli; from typer.testing import CliRunner; "
                     "CliRunner().invoke(threadlift.cli.app, ['--help'])",
                     "mediapipe", "cv2", "numpy", "sqlalchemy", "fastapi", "PIL") == []

    # Shell completion: the script (whatever shell runs this test: --show-completion detects the parent
    # shell, so the script is asked for by name), then what it completes.
    script = run([], {"_THREADLIFT_COMPLETE": "source_bash"})
    assert script.returncode == 0 and "_THREADLIFT_COMPLETE=complete_bash" in script.stdout, script.stderr
    completed = run([], {"_THREADLIFT_COMPLETE": "complete_bash", "COMP_WORDS": "threadlift admin rot",
                         "COMP_CWORD": "2"})
    assert completed.stdout.split() == ["rotate-key"], completed.stderr


def test_backup_restore_and_administration_do_not_load_the_photo_analysis():
    """What these commands import (the composition root included): MediaPipe and OpenCV cost seconds
    to import, more than a demo clinic's whole backup."""
    assert loaded_by("import threadlift.bootstrap, threadlift.cli_backup, threadlift.cli_admin, "
                     "threadlift.services.backup, threadlift.services.restore, threadlift.services.operations, "
                     "threadlift.services.people, threadlift.services.audit",
                     "mediapipe", "cv2", "numpy", "PIL", "threadlift.face") == []


@pytest.mark.parametrize(("variable", "value", "named"), [
    ("THREADLIFT_TIMEZONE", "Mars/Base", "THREADLIFT_TIMEZONE"),
    ("THREADLIFT_JURISDICTION", "Atlantis", "THREADLIFT_JURISDICTION"),
    ("THREADLIFT_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere", "THREADLIFT_DATABASE_URL"),
    ("THREADLIFT_DATABASE_URL", "mysql://clinic:s3cret@db/clinic", "THREADLIFT_DATABASE_URL"),
    ("THREADLIFT_DATABASE_URL", "clinic.db", "THREADLIFT_DATABASE_URL"),
    ("THREADLIFT_DATA_DIR", "{tmp}/a-file", "THREADLIFT_DATA_DIR"),
    ("THREADLIFT_DATA_DIR", "/proc/threadlift-data", "THREADLIFT_DATA_DIR"),  # cannot be created
])
def test_a_bad_setting_is_one_line_that_names_it_and_exit_code_2(tmp_path, variable, value, named):
    (tmp_path / "a-file").write_text("not a folder")
    setting = {"THREADLIFT_DATA_DIR": str(tmp_path / "data"), variable: value.format(tmp=tmp_path)}
    result = run(["db", "upgrade"], setting)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr


def test_db_downgrade_needs_yes_without_a_terminal_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("THREADLIFT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("THREADLIFT_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    url = f"sqlite:///{tmp_path / 'data' / 'threadlift.db'}"
    refused = run(["db", "downgrade", "base"])
    assert refused.returncode == 2 and "--yes" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert migrate.current(url) == migrate.head()
    done = run(["db", "downgrade", "--yes"])
    assert done.returncode == 0, done.stderr
    assert migrate.current(url) != migrate.head()


def test_db_downgrade_asks_at_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setenv("THREADLIFT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("THREADLIFT_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    monkeypatch.setattr("threadlift.cli_common.stdin_is_terminal", lambda: True)
    declined = runner.invoke(app, ["db", "downgrade", "base"], input="n\n")
    assert declined.exit_code == 1 and "nothing was changed" in declined.stderr
    assert migrate.current(f"sqlite:///{tmp_path / 'data' / 'threadlift.db'}") == migrate.head()


def test_demo_reset_of_a_folder_that_is_not_a_demo_clinic_needs_yes(tmp_path):
    clinic = tmp_path / "real-clinic"
    clinic.mkdir()
    (clinic / "threadlift.db").write_bytes(b"a clinic's records")
    refused = run(["demo", "--data-dir", str(clinic), "--reset", "--no-serve"])
    assert refused.returncode == 2 and "not a demo clinic" in refused.stderr
    assert (clinic / "threadlift.db").read_bytes() == b"a clinic's records"


@pytest.mark.mediapipe  # the demo clinic's photos are analysed as it is built
def test_demo_reset_with_yes_replaces_the_folder_and_no_serve_says_how_to_serve(tmp_path):
    clinic = tmp_path / "not-a-demo"
    clinic.mkdir()
    (clinic / "notes.txt").write_text("kept until --yes")
    built = run(["demo", "--data-dir", str(clinic), "--reset", "--yes", "--no-serve"],
                {"XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert built.returncode == 0, built.stderr
    assert not (clinic / "notes.txt").exists() and (clinic / "demo-accounts.json").exists()
    assert f"serve it with: threadlift demo --data-dir {clinic}" in built.stdout and "Ctrl+C" not in built.stdout


def test_help_writes_brackets_as_they_are():
    assert "pip install 'threadlift[cluster]'" in run(["batch", "--help"], {"COLUMNS": "200"}).stdout


@pytest.mark.parametrize("option", [["--mm-per-px", "-1"], ["--mm-per-px", "0"], ["--marker-mm", "-5"],
                                    ["--passes", "0"]])
def test_bad_option_values_exit_2_before_any_work(option):
    result = runner.invoke(app, ["analyze", str(faces_dir() / "obama3.jpg"), *option])
    assert result.exit_code == 2, result.output


@pytest.mark.mediapipe
def test_table_with_json_to_stdout_goes_to_stderr():
    result = run(["analyze", str(faces_dir() / "obama3.jpg"), "--json", "-", "--table"])
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # stdout is the JSON alone
    assert document["image"]["width"] == 1434
    assert "patient's right" in result.stderr
