"""`threadlift admin rotate-key`: every photo sealed again under a new key, resumably; killed at any
moment, every photo still opens with the key file as it is, and a second run finishes the job."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from threadlift.config import Settings, vault_keys
from threadlift.store import migrate
from threadlift.store.keys import read_key_file
from threadlift.store.vault import PhotoVault

PROGRAM = str(Path(sys.executable).with_name("threadlift"))
PHOTOS = 240


def clinic(tmp_path: Path) -> tuple[dict[str, str], PhotoVault, dict[str, str]]:
    env = {**os.environ, "THREADLIFT_DATA_DIR": str(tmp_path / "clinic"),
           "THREADLIFT_KEY_FILE": str(tmp_path / "keys" / "photo.key")}
    settings = Settings.from_env(env)
    settings.ensure_data_dir()
    migrate.upgrade(settings.database_url)
    keys = vault_keys(settings)
    vault = PhotoVault(settings.photo_dir, keys.ring, keys.key_file)
    originals = {}
    for i in range(PHOTOS):
        data = os.urandom(60_000) + i.to_bytes(4, "big")
        originals[vault.put(data)] = hashlib.sha256(data).hexdigest()
    return env, vault, originals


def all_open(tmp_path: Path, originals: dict[str, str]) -> PhotoVault:
    """A vault built from the key file as it is now opens every photo, byte for byte."""
    ring = read_key_file(tmp_path / "keys" / "photo.key")
    vault = PhotoVault(tmp_path / "clinic" / "photos", ring)
    assert sorted(vault.names()) == sorted(originals)
    for name, digest in originals.items():
        assert hashlib.sha256(vault.get(name)).hexdigest() == digest
    return vault


def test_rotation_killed_midway_leaves_every_photo_readable_and_resumes(tmp_path):
    env, vault, originals = clinic(tmp_path)
    old_id = vault.ring.current_id
    key_file = tmp_path / "keys" / "photo.key"
    killed_after = None
    for attempt in range(3):  # kill once some files, but not all, are re-sealed (bounded: a few seconds)
        process = subprocess.Popen([PROGRAM, "admin", "rotate-key"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            ring = read_key_file(key_file) if key_file.exists() else None
            if ring is not None and len(ring.keys) > 1:
                done = sum(vault.file_key_id(n) == ring.current_id for n in originals)
                if done >= 3 + attempt * 20:
                    os.kill(process.pid, signal.SIGKILL)
                    killed_after = done
                    break
            time.sleep(0.005)
        process.wait(timeout=30)
        if killed_after is not None:
            break
    assert killed_after is not None and killed_after < PHOTOS, "the rotation finished before it could be killed"
    ring = read_key_file(key_file)
    assert len(ring.keys) == 2 and ring.keys[1] == vault.ring.current and ring.current_id != old_id
    all_open(tmp_path, originals)  # half way: old files under the old key, new under the new, all open
    resumed = subprocess.run([PROGRAM, "admin", "rotate-key"], env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0 and resumed.stdout.startswith("resumed: "), resumed.stderr
    assert read_key_file(key_file).current_id == ring.current_id  # the same new key, not a third one
    rotated = all_open(tmp_path, originals)
    assert all(rotated.file_key_id(n) == ring.current_id for n in originals)
    assert not list((tmp_path / "clinic" / "photos").glob(".*"))  # no temporary file left
    retired = subprocess.run([PROGRAM, "admin", "rotate-key", "--retire"], env=env, capture_output=True, text=True,
                             timeout=60)
    assert retired.returncode == 0 and f"retired key(s) {old_id.hex()}" in retired.stdout
    assert read_key_file(key_file).keys == (ring.current,)
    all_open(tmp_path, originals)
    audit = subprocess.run([PROGRAM, "admin", "verify-audit"], env=env, capture_output=True, text=True, timeout=60)
    assert audit.returncode == 0


def test_retire_refuses_while_photos_need_the_old_key_and_env_keys_cannot_rotate(tmp_path):
    env, vault, originals = clinic(tmp_path)
    from threadlift.store.keys import KeyRing, new_key, write_key_file

    key_file = tmp_path / "keys" / "photo.key"
    write_key_file(key_file, KeyRing((new_key(), vault.ring.current)))  # a rotation that re-sealed nothing yet
    refused = subprocess.run([PROGRAM, "admin", "rotate-key", "--retire"], env=env, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2 and f"{PHOTOS} photo file(s) still need an old key" in refused.stderr
    assert len(read_key_file(key_file).keys) == 2
    all_open(tmp_path, originals)
    import base64

    from_env = {**env, "THREADLIFT_KEY": base64.b64encode(vault.ring.current).decode()}
    from_env.pop("THREADLIFT_KEY_FILE")
    no_file = subprocess.run([PROGRAM, "admin", "rotate-key"], env=from_env, capture_output=True, text=True, timeout=60)
    assert no_file.returncode == 2 and "THREADLIFT_KEY_FILE" in no_file.stderr
