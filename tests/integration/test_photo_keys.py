"""The photo key: outside the data folder, private, made once for an empty clinic, never silently
replaced; photo files name their key; a legacy file (before key ids) still opens."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from threadlift.bootstrap import build
from threadlift.config import ConfigurationError, Settings, default_key_file
from threadlift.store.keys import KeyRing, key_id, new_key, write_key_file
from threadlift.store.vault import PhotoVault, VaultError

PROGRAM = str(Path(sys.executable).with_name("threadlift"))


def settings(folder: Path, **overrides: object) -> Settings:
    return Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'threadlift.db'}", **overrides)  # type: ignore[arg-type]


def threadlift(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROGRAM, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          env={**os.environ, **env})


def test_an_empty_clinic_makes_its_key_outside_the_data_folder_and_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # a machine where no key was made yet
    env = {"THREADLIFT_DATA_DIR": str(tmp_path / "clinic")}
    first = threadlift("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    made = threadlift("admin", "verify-audit", env=env)
    key = default_key_file()
    assert key == tmp_path / "config" / "threadlift" / "photo-vault.key"
    assert made.returncode == 0 and f"created the photo key at {key}" in made.stderr
    assert key.stat().st_mode & 0o777 == 0o600 and not key.is_relative_to(tmp_path / "clinic")
    again = threadlift("admin", "verify-audit", env=env)
    assert "created" not in again.stderr  # made once


def test_a_clinic_with_photos_but_no_key_refuses_rather_than_make_one(tmp_path):
    key_file = tmp_path / "keys" / "photo.key"
    vault = PhotoVault(tmp_path / "clinic" / "photos", new_key())
    vault.put(b"a photo")
    with pytest.raises(ConfigurationError, match=r"holds 1 photo file.*none is made"):
        build(settings(tmp_path / "clinic", key_file=key_file))
    assert not key_file.exists()


def test_a_key_that_does_not_open_the_vault_is_refused(tmp_path):
    vault = PhotoVault(tmp_path / "clinic" / "photos", new_key())
    vault.put(b"a photo")
    wrong = tmp_path / "keys" / "other.key"
    write_key_file(wrong, KeyRing((new_key(),)))
    result = threadlift("admin", "verify-audit", env={"THREADLIFT_DATA_DIR": str(tmp_path / "clinic"),
                                                      "THREADLIFT_KEY_FILE": str(wrong)})
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "does not open the photos" in result.stderr and "THREADLIFT_KEY_FILE" in result.stderr
    assert sorted(p.name for p in (tmp_path / "clinic" / "photos").iterdir()) == list(vault.names())


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_a_key_file_others_can_read_is_refused(tmp_path, mode):
    key = tmp_path / "keys" / "photo.key"
    write_key_file(key, KeyRing((new_key(),)))
    key.chmod(mode)
    before = key.read_bytes()
    result = threadlift("admin", "verify-audit", env={"THREADLIFT_DATA_DIR": str(tmp_path / "clinic"),
                                                      "THREADLIFT_KEY_FILE": str(key)})
    assert result.returncode == 2 and f"chmod 600 {key}" in result.stderr and result.stderr.count("\n") == 1
    assert key.read_bytes() == before and key.stat().st_mode & 0o777 == mode


def test_a_key_inside_the_data_folder_is_refused_and_an_old_one_must_be_moved(tmp_path):
    clinic = tmp_path / "clinic"
    with pytest.raises(ConfigurationError, match="inside the data folder"):
        build(settings(clinic, key_file=clinic / "keys" / "photo.key"))
    clinic.mkdir(exist_ok=True)
    legacy = clinic / "photo-vault.key"  # where earlier versions kept it
    legacy.write_text(base64.b64encode(new_key()).decode())
    legacy.chmod(0o600)
    with pytest.raises(ConfigurationError, match=r"Move it out: mkdir -p -m 700 .* && mv "):
        build(settings(clinic, key_file=tmp_path / "keys" / "photo.key"))


def test_threadlift_key_from_the_environment(tmp_path):
    key = new_key()
    env = {"THREADLIFT_DATA_DIR": str(tmp_path / "clinic"), "THREADLIFT_KEY": base64.b64encode(key).decode()}
    assert threadlift("db", "upgrade", env=env).returncode == 0
    result = threadlift("admin", "verify-audit", env=env)
    assert result.returncode == 0 and "created" not in result.stderr
    bad = threadlift("admin", "verify-audit", env={**env, "THREADLIFT_KEY": "not a key"})
    assert bad.returncode == 2 and "THREADLIFT_KEY must be 32 bytes" in bad.stderr


def test_photo_files_carry_their_key_id_and_legacy_files_still_open(tmp_path):
    key = new_key()
    vault = PhotoVault(tmp_path / "photos", key)
    name = vault.put(b"new photo")
    assert vault.file_key_id(name) == key_id(key)
    legacy_name = "a" * 48  # written before key ids: nonce || ciphertext, the name as associated data
    nonce = os.urandom(12)
    (tmp_path / "photos" / legacy_name).write_bytes(nonce + AESGCM(key).encrypt(nonce, b"old photo",
                                                                              legacy_name.encode()))
    assert vault.get(legacy_name) == b"old photo" and vault.file_key_id(legacy_name) is None
    tampered = bytearray((tmp_path / "photos" / name).read_bytes())
    tampered[-1] ^= 1
    (tmp_path / "photos" / name).write_bytes(bytes(tampered))
    with pytest.raises(VaultError, match="integrity"):
        vault.get(name)


def test_config_show_names_every_setting_its_value_and_source_with_secrets_masked(tmp_path):
    import json

    from threadlift.config import SETTINGS

    key = base64.b64encode(new_key()).decode()
    env = {"THREADLIFT_DATABASE_URL": "postgresql://clinic:s3cret-pw@db.internal/clinic", "THREADLIFT_KEY": key,
           "THREADLIFT_TIMEZONE": "America/New_York"}
    shown = threadlift("config", "show", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    rows = {row["variable"]: row for row in json.loads(shown.stdout)}
    assert list(rows) == [s.variable for s in SETTINGS]
    assert "s3cret-pw" not in shown.stdout and key not in shown.stdout
    assert rows["THREADLIFT_DATABASE_URL"]["value"] == "postgresql+psycopg://clinic:***@db.internal/clinic"
    assert rows["THREADLIFT_KEY"]["value"].startswith("******** (key id ")
    assert rows["THREADLIFT_TIMEZONE"] == {**rows["THREADLIFT_TIMEZONE"], "value": "America/New_York",
                                           "source": "environment"}
    assert rows["THREADLIFT_DATA_DIR"]["source"] == "default: the platform's data directory"
    assert rows["THREADLIFT_DATA_DIR"]["value"] == str(Path(os.environ["XDG_DATA_HOME"]) / "threadlift")
    table = threadlift("config", "show", env=env)
    assert table.returncode == 0 and "THREADLIFT_SESSION_IDLE_MINUTES" in table.stdout


def test_the_health_probe_reports_a_key_that_became_unusable(tmp_path):
    from fastapi.testclient import TestClient

    from threadlift.store import migrate
    from threadlift.web.app import create_app

    key = tmp_path / "keys" / "photo.key"
    clinic = settings(tmp_path / "clinic", key_file=key)
    clinic.ensure_data_dir()
    migrate.upgrade(clinic.database_url)
    client = TestClient(create_app(build(clinic)))
    healthy = client.get("/api/health")
    assert healthy.status_code == 200 and healthy.json()["photo_key"] == "ok" and healthy.json()["database"] == "ok"
    key.chmod(0o644)
    exposed = client.get("/api/health")
    assert exposed.status_code == 503
    assert exposed.json()["status"] == "unavailable" and exposed.json()["photo_key"].startswith("unusable")
    assert len(exposed.headers["x-request-id"]) == 16


def test_the_health_probe_reports_a_key_file_that_no_longer_opens_the_photos(tmp_path):
    """The probe tries the key file as it is on disk now (what the server would read next), without
    taking it up: a key file overwritten with another key is reported, and put back it is healthy again."""
    from fastapi.testclient import TestClient

    from tests.helpers.backups import staffed_clinic
    from threadlift.web.app import create_app

    key = tmp_path / "keys" / "photo.key"
    clinic = staffed_clinic(settings(tmp_path / "clinic", key_file=key), patients=1, photos_each=1)
    client = TestClient(create_app(clinic))
    assert client.get("/api/health").status_code == 200
    saved = key.read_bytes()
    write_key_file(key, KeyRing((new_key(),)))  # a private, well-formed key: another clinic's
    for _ in range(2):  # the first probe must not hide the change from the second
        wrong = client.get("/api/health")
        assert wrong.status_code == 503 and wrong.json()["photo_key"] == "unusable (VaultError)", wrong.json()
    key.write_bytes(saved)
    assert client.get("/api/health").json()["photo_key"] == "ok"
