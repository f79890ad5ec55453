"""Backups that go wrong, as an operator meets them: each a one-line error with its exit code, and
nothing changed on disk. Killed with SIGKILL, a backup or a restore leaves the clinic as it was or as
it should be after, never half."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers.backups import PASSPHRASE, passphrase_file, photos, staffed_clinic, table_contents
from threadlift.bootstrap import build
from threadlift.cli import app
from threadlift.config import Settings
from threadlift.services import audit
from threadlift.services.base import Services
from threadlift.store import migrate

runner = CliRunner()
PROGRAM = str(Path(sys.executable).with_name("threadlift"))


def clinic(folder: Path, patients: int = 4, photos_each: int = 1) -> Services:
    return staffed_clinic(Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'threadlift.db'}",
                                   key_file=folder.parent / f"{folder.name}.key"), patients, photos_each)


def use(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("THREADLIFT_DATA_DIR", str(folder))
    monkeypatch.setenv("THREADLIFT_KEY_FILE", str(folder.parent / f"{folder.name}.key"))
    monkeypatch.delenv("THREADLIFT_DATABASE_URL", raising=False)


def snapshot_of(folder: Path) -> dict[str, object]:
    """Every file under ``folder`` and its hash, the database by its rows (SQLite rewrites its own files
    when a reader closes): to show that nothing changed."""
    if not folder.exists():
        return {}
    files: dict[str, object] = {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                                for p in sorted(folder.rglob("*")) if p.is_file() and "threadlift.db" not in p.name}
    if (folder / "threadlift.db").exists():
        files["threadlift.db"] = table_contents(f"sqlite:///{folder / 'threadlift.db'}")
    return files


def one_line(result) -> str:  # type: ignore[no-untyped-def]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return str(lines[0])


@pytest.fixture
def archive(tmp_path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    clinic(tmp_path / "source")
    use(monkeypatch, tmp_path / "source")
    path = tmp_path / "clinic.tlbackup"
    made = runner.invoke(app, ["backup", str(path), "--passphrase-file", str(passphrase_file(tmp_path))])
    assert made.exit_code == 0, made.output
    return path


def test_verify_and_every_bad_archive(archive, tmp_path, monkeypatch):
    secret = tmp_path / "passphrase"
    ok = runner.invoke(app, ["backup", "verify", str(archive), "--passphrase-file", str(secret)])
    assert ok.exit_code == 0 and "every member matches its SHA-256" in ok.stdout
    use(monkeypatch, tmp_path / "target")
    data = archive.read_bytes()
    cases = {
        "truncated": (data[:len(data) // 2], 4, "cut off"),
        "last byte gone": (data[:-1], 4, "cut off"),
        "corrupted": (data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 1]) + data[len(data) // 2 + 1:], 4,
                      "damaged"),
        "not a backup": (b"PK\x03\x04 a zip file, not a backup" * 10, 4, "not a ThreadLift backup"),
        "empty": (b"", 4, "not a ThreadLift backup"),
    }
    for name, (content, code, words) in cases.items():
        bad = tmp_path / f"{name}.tlbackup"
        bad.write_bytes(content)
        for command in (["backup", "verify"], ["restore"]):
            result = runner.invoke(app, [*command, str(bad), "--passphrase-file", str(secret)])
            assert result.exit_code == code and words in one_line(result), (name, command, result.stderr)
        assert snapshot_of(tmp_path / "target") == {}, name
        assert not (tmp_path / "target.key").exists(), name  # no photo key made for a restore that failed
    (tmp_path / "wrong").mkdir()
    wrong = passphrase_file(tmp_path / "wrong", "not the passphrase at all")
    refused = runner.invoke(app, ["restore", str(archive), "--passphrase-file", str(wrong)])
    assert refused.exit_code == 3 and "wrong passphrase" in one_line(refused)
    assert snapshot_of(tmp_path / "target") == {} and not (tmp_path / "target.key").exists()
    restored = runner.invoke(app, ["restore", str(archive), "--passphrase-file", str(secret)])
    assert restored.exit_code == 0, restored.output
    assert (tmp_path / "target.key").stat().st_mode & 0o777 == 0o600  # made once the archive checked out


def test_a_backup_from_a_newer_schema_and_a_non_empty_target_are_refused(tmp_path, monkeypatch):
    services = clinic(tmp_path / "newer")
    with sqlite3.connect(tmp_path / "newer" / "threadlift.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    use(monkeypatch, tmp_path / "newer")
    secret = passphrase_file(tmp_path)
    assert runner.invoke(app, ["backup", str(tmp_path / "newer.tlbackup"), "--passphrase-file", str(secret)]) \
        .exit_code == 0
    use(monkeypatch, tmp_path / "target")
    newer = runner.invoke(app, ["restore", str(tmp_path / "newer.tlbackup"), "--passphrase-file", str(secret)])
    assert newer.exit_code == 2 and "9999_from_the_future, newer than this ThreadLift" in one_line(newer)
    assert snapshot_of(tmp_path / "target") == {}
    clinic(tmp_path / "occupied")
    before = snapshot_of(tmp_path / "occupied")
    with sqlite3.connect(tmp_path / "newer" / "threadlift.db") as db:
        db.execute(f"UPDATE alembic_version SET version_num = '{migrate.head()}'")
    use(monkeypatch, tmp_path / "newer")
    assert runner.invoke(app, ["backup", str(tmp_path / "ok.tlbackup"), "--passphrase-file", str(secret)]) \
        .exit_code == 0
    use(monkeypatch, tmp_path / "occupied")
    occupied = runner.invoke(app, ["restore", str(tmp_path / "ok.tlbackup"), "--passphrase-file", str(secret)])
    assert occupied.exit_code == 2 and "not empty" in one_line(occupied)
    unasked = runner.invoke(app, ["restore", str(tmp_path / "ok.tlbackup"), "--passphrase-file", str(secret),
                                  "--replace"])
    assert unasked.exit_code == 2 and "--yes" in one_line(unasked)
    assert snapshot_of(tmp_path / "occupied") == before
    replaced = runner.invoke(app, ["restore", str(tmp_path / "ok.tlbackup"), "--passphrase-file", str(secret),
                                   "--replace", "--yes"])
    assert replaced.exit_code == 0 and "audit trail intact" in replaced.stdout, replaced.output
    assert photos(build(Settings.from_env())) == photos(services)
    weak = passphrase_file(tmp_path / "occupied", "password123456")
    refused = runner.invoke(app, ["backup", str(tmp_path / "weak.tlbackup"), "--passphrase-file", str(weak)])
    assert refused.exit_code == 2 and "passphrase" in one_line(refused)
    exposed = passphrase_file(tmp_path / "occupied", PASSPHRASE)
    exposed.chmod(0o644)
    refused = runner.invoke(app, ["backup", str(tmp_path / "x.tlbackup"), "--passphrase-file", str(exposed)])
    assert refused.exit_code == 2 and "chmod 600" in one_line(refused)
    assert not (tmp_path / "weak.tlbackup").exists() and not (tmp_path / "x.tlbackup").exists()


def test_a_backup_sealed_for_a_public_key_opens_only_with_its_private_key(tmp_path, monkeypatch):
    services = clinic(tmp_path / "source")
    use(monkeypatch, tmp_path / "source")
    assert runner.invoke(app, ["backup", "keygen", str(tmp_path / "offsite.pem")]).exit_code == 0
    assert runner.invoke(app, ["backup", "keygen", str(tmp_path / "other.pem")]).exit_code == 0
    assert (tmp_path / "offsite.pem").stat().st_mode & 0o777 == 0o600
    public = str(tmp_path / "offsite.pem.pub")
    made = runner.invoke(app, ["backup", str(tmp_path / "k.tlbackup"), "--recipient", public])
    assert made.exit_code == 0, made.output
    use(monkeypatch, tmp_path / "target")
    other = runner.invoke(app, ["restore", str(tmp_path / "k.tlbackup"), "--identity", str(tmp_path / "other.pem")])
    assert other.exit_code == 3 and "sealed for another key" in one_line(other)
    passphrase = runner.invoke(app, ["backup", "verify", str(tmp_path / "k.tlbackup"), "--passphrase-file",
                                     str(passphrase_file(tmp_path))])
    assert passphrase.exit_code == 3 and "--identity" in one_line(passphrase)
    assert snapshot_of(tmp_path / "target") == {}
    done = runner.invoke(app, ["restore", str(tmp_path / "k.tlbackup"), "--identity", str(tmp_path / "offsite.pem")])
    assert done.exit_code == 0, done.output
    assert photos(build(Settings.from_env())) == photos(services)


def _kill_when(process: subprocess.Popen[bytes], ready, limit_s: float = 60) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and process.poll() is None:
        if ready():
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            return True
        time.sleep(0.002)
    process.wait(timeout=60)
    return False


def test_kill_9_during_backup_and_restore_leaves_the_clinic_whole(tmp_path):
    source = clinic(tmp_path / "source", patients=20, photos_each=4)
    env = {**os.environ, "THREADLIFT_DATA_DIR": str(tmp_path / "source"),
           "THREADLIFT_KEY_FILE": str(tmp_path / "source.key")}
    secret = str(passphrase_file(tmp_path))
    before = snapshot_of(tmp_path / "source")
    out = tmp_path / "killed.tlbackup"
    backup = subprocess.Popen([PROGRAM, "backup", str(out), "--passphrase-file", secret], env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = tmp_path / ".killed.tlbackup.partial"
    killed = _kill_when(backup, lambda: partial.exists() and partial.stat().st_size > 300_000)
    assert killed, "the backup finished before it could be killed"
    assert not out.exists()  # no file that looks like a backup
    after = snapshot_of(tmp_path / "source")
    leftovers = set(after) - set(before)  # the killed run's private copy of the database, and nothing else
    assert {k: v for k, v in after.items() if k not in leftovers} == before
    assert all(name.startswith(".backup-database.") for name in leftovers)
    assert audit.verify_audit(source, None) is None
    assert subprocess.run([PROGRAM, "backup", str(out), "--passphrase-file", secret], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True).returncode == 0
    assert not [p for p in (tmp_path / "source").iterdir() if p.name.startswith(".backup-database.")]
    target = clinic(tmp_path / "target", patients=2)  # a clinic the restore replaces
    target_env = {**env, "THREADLIFT_DATA_DIR": str(tmp_path / "target"),
                  "THREADLIFT_KEY_FILE": str(tmp_path / "target.key")}
    old, new = photos(target), photos(source)
    new_names = {name for name in new}

    def unpacking() -> bool:  # the archive half read into a staging folder beside the target
        return any(len(list((p / "photos").glob("*"))) >= 20 for p in tmp_path.glob(".target.restore-*")
                   if (p / "photos").is_dir())

    def swapped() -> bool:  # the restored clinic is in place; the old one is being cleared away
        return (tmp_path / "target" / "photos").is_dir() and bool(
            new_names & {p.name for p in (tmp_path / "target" / "photos").iterdir()})

    for moment, expected in ((unpacking, old), (swapped, new)):
        restore = subprocess.Popen([PROGRAM, "restore", str(out), "--passphrase-file", secret, "--replace", "--yes"],
                                   env=target_env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        killed = _kill_when(restore, moment)
        # the window after the swap is short: a restore that finished first is the expected outcome too
        assert killed or moment is swapped, f"the restore finished before {moment.__name__}"
        now = build(Settings.from_env(target_env))
        assert photos(now) == expected  # the old clinic or the restored one, never a mixture
        assert audit.verify_audit(now, None) is None
    finished = subprocess.run([PROGRAM, "restore", str(out), "--passphrase-file", secret, "--replace", "--yes"],
                              env=target_env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert photos(build(Settings.from_env(target_env))) == new
    assert not list(tmp_path.glob(".target.restore-*"))  # a killed run's staging folder is cleared


def test_an_older_backup_is_migrated_as_it_is_restored(tmp_path, monkeypatch):
    services = clinic(tmp_path / "old")
    migrate.downgrade(services.settings.database_url, "0001")  # a clinic on the first release's schema
    use(monkeypatch, tmp_path / "old")
    secret = str(passphrase_file(tmp_path))
    assert runner.invoke(app, ["backup", str(tmp_path / "old.tlbackup"), "--passphrase-file", secret]).exit_code == 0
    use(monkeypatch, tmp_path / "new")
    restored = runner.invoke(app, ["restore", str(tmp_path / "old.tlbackup"), "--passphrase-file", secret])
    assert restored.exit_code == 0 and "migrated from 0001" in restored.stdout, restored.output
    assert migrate.current(f"sqlite:///{tmp_path / 'new' / 'threadlift.db'}") == migrate.head()
    assert photos(build(Settings.from_env())) == photos(services)
