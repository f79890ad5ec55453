"""`threadlift db` and `threadlift admin` as an operator runs them."""

from __future__ import annotations

import json
import sqlite3

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from threadlift.cli import app
from threadlift.config import default_key_file
from threadlift.store import migrate

runner = CliRunner()


def test_migrate_create_users_and_verify_the_audit_trail(tmp_path, monkeypatch):
    monkeypatch.setenv("THREADLIFT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("THREADLIFT_DATABASE_URL", raising=False)
    monkeypatch.delenv("THREADLIFT_KEY", raising=False)
    assert f"revision {migrate.head()}" in runner.invoke(app, ["db", "upgrade"]).stdout
    assert (tmp_path / "data").stat().st_mode & 0o077 == 0
    monkeypatch.setattr("threadlift.cli_admin.stdin_is_terminal", lambda: True)  # as if typed at a terminal
    made = runner.invoke(app, ["admin", "create-user", "alice", "--role", "clinician", "--display-name", "Dr Alice"],
                         input="a long enough password\na long enough password\n")  # at a terminal: asked twice
    assert made.exit_code == 0 and "created clinician alice" in made.stdout
    weak = runner.invoke(app, ["admin", "create-user", "bob", "--role", "nurse", "--display-name", "Bob"],
                         input="short\nshort\n")
    assert weak.exit_code == 2 and "12 characters" in weak.stderr
    bad_role = runner.invoke(app, ["admin", "create-user", "eve", "--role", "owner", "--display-name", "Eve"])
    assert bad_role.exit_code == 2
    _locked_out_and_unlocked("alice", "a long enough password")
    assert runner.invoke(app, ["admin", "verify-audit"]).exit_code == 0
    key_file = default_key_file()  # outside the data folder
    assert key_file.stat().st_mode & 0o777 == 0o600 and not (tmp_path / "data" / "photo-vault.key").exists()
    with sqlite3.connect(tmp_path / "data" / "threadlift.db") as connection:
        connection.execute("UPDATE audit_log SET user_id = 'someone-else' WHERE id = 1")
    broken = runner.invoke(app, ["admin", "verify-audit"])
    assert broken.exit_code == 11 and "row 1 (edited)" in broken.stderr
    head = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision(migrate.head())
    assert f"revision {head.down_revision}" in runner.invoke(app, ["db", "downgrade", "--yes"]).stdout  # one step


def _locked_out_and_unlocked(username: str, password: str) -> None:
    """Wrong passwords lock the account (issue 13); `threadlift admin unlock` lifts the lock."""
    from threadlift.bootstrap import build
    from threadlift.services import people
    from threadlift.services.commands import Login

    services = build()
    for attempt in range(5):
        with pytest.raises((people.LoginFailed, people.SignInLocked)):
            people.login(services, Login(username=username, password=f"wrong guess {attempt}"), "192.0.2.7")
    with pytest.raises(people.SignInLocked):  # the right password, during the lock
        people.login(services, Login(username=username, password=password), "192.0.2.7")
    unlocked = runner.invoke(app, ["admin", "unlock", username])
    assert unlocked.exit_code == 0 and f"{username} unlocked" in unlocked.stdout
    assert people.login(services, Login(username=username, password=password), "192.0.2.7").user.username == username
    services.uow_factory.close()  # type: ignore[attr-defined]


def test_user_administration_from_the_command_line(tmp_path, monkeypatch):
    """Provisioning scripts pipe passwords with --password-stdin; a leaver is deactivated; the policy is
    the same as the API's."""
    import subprocess
    import sys
    from pathlib import Path

    monkeypatch.setenv("THREADLIFT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("THREADLIFT_DATABASE_URL", raising=False)
    program = str(Path(sys.executable).with_name("threadlift"))

    def threadlift(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """The real program, as a provisioning script runs it (stdin a pipe, not a terminal)."""
        return subprocess.run([program, *args], input=stdin, capture_output=True, text=True, timeout=60,
                              stdin=None if stdin is not None else subprocess.DEVNULL)

    made = threadlift("admin", "create-user", "carol", "--role", "admin", "--display-name", "Carol",
                      "--password-stdin", stdin="a long enough password\n")
    assert made.returncode == 0 and "created admin carol" in made.stdout, made.stderr
    assert "GetPassWarning" not in made.stderr
    piped = threadlift("admin", "create-user", "dave", "--role", "nurse", "--display-name", "Dave")
    assert piped.returncode == 2 and "--password-stdin" in piped.stderr and "Warning" not in piped.stderr

    def admin(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]  # the same, in this process
        return runner.invoke(app, ["admin", *args], input=stdin)

    admin("create-user", "dave", "--role", "nurse", "--display-name", "Dave", "--password-stdin",
          stdin="dave's own passphrase\n")
    weak = admin("set-password", "dave", "--password-stdin", stdin="password123456\n")
    assert weak.exit_code == 2 and "common or breached" in weak.stderr
    assert admin("set-password", "dave", "--password-stdin", stdin="a fresh passphrase\n").exit_code == 0
    assert admin("deactivate", "dave").exit_code == 0
    listed = admin("list-users", "--json")
    rows = {row["username"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert rows["dave"]["active"] is False and rows["carol"]["active"] is True
    assert "deactivated" in admin("list-users").stdout
    last = admin("deactivate", "carol")
    assert last.exit_code == 2 and "only active administrator" in last.stderr
    assert admin("reactivate", "dave").exit_code == 0
    missing = admin("deactivate", "nobody")
    assert missing.exit_code == 1 and "no user nobody" in missing.stderr
