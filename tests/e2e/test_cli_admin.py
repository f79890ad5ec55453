"""`threadlift db` and `threadlift admin` as an operator runs them."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from threadlift.cli import app
from threadlift.store import migrate

runner = CliRunner()


def test_migrate_create_users_and_verify_the_audit_trail(tmp_path, monkeypatch):
    monkeypatch.setenv("THREADLIFT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("THREADLIFT_DATABASE_URL", raising=False)
    monkeypatch.delenv("THREADLIFT_KEY", raising=False)
    assert f"revision {migrate.head()}" in runner.invoke(app, ["db", "upgrade"]).stdout
    assert (tmp_path / "data").stat().st_mode & 0o077 == 0
    made = runner.invoke(app, ["admin", "create-user", "alice", "--role", "clinician", "--display-name", "Dr Alice"],
                         input="a long enough password\na long enough password\n")
    assert made.exit_code == 0 and "created clinician alice" in made.stdout
    weak = runner.invoke(app, ["admin", "create-user", "bob", "--role", "nurse", "--display-name", "Bob"],
                         input="short\nshort\n")
    assert weak.exit_code == 2 and "12 characters" in weak.stderr
    bad_role = runner.invoke(app, ["admin", "create-user", "eve", "--role", "owner", "--display-name", "Eve"])
    assert bad_role.exit_code == 2
    assert runner.invoke(app, ["admin", "verify-audit"]).exit_code == 0
    assert (tmp_path / "data" / "photo-vault.key").stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(tmp_path / "data" / "threadlift.db") as connection:
        connection.execute("UPDATE audit_log SET user_id = 'someone-else' WHERE id = 1")
    broken = runner.invoke(app, ["admin", "verify-audit"])
    assert broken.exit_code == 11 and "row 1 (edited)" in broken.stderr
    assert "revision 0001" in runner.invoke(app, ["db", "downgrade", "--yes"]).stdout  # one step back
