"""Backup, verify and restore times against a plain copy of the same files, in the same run.

Two clinics: the demo clinic (``threadlift demo``'s data) and the records benchmark's 10,000 patients
(``bench/records.py``'s seeding) with one photo each (a 12-megapixel-class phone JPEG is several MB;
these are the sample portrait re-encoded at 1024 x 1024, about 150 kB, so that the run fits on a
developer's disk), on SQLite and PostgreSQL. Each round times, in turn: the baseline (``cp -r`` of the
data folder for SQLite; for PostgreSQL ``cp -r`` of the photo folder plus a bare ``pg_dump -Fc``),
``threadlift backup`` (passphrase), ``backup verify`` and ``restore`` into an empty target, each as the
operator runs it (a new process). Prints medians over the rounds.

Usage: python bench/backup.py [--patients 10000] [--rounds 3] [--databases sqlite postgresql] [--skip-demo]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from uuid import uuid4

from PIL import Image
from sqlalchemy import create_engine, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import POSTGRES  # noqa: E402
from bench.records import seed_database  # noqa: E402
from threadlift.config import Settings, vault_keys  # noqa: E402
from threadlift.store.snapshot import libpq  # noqa: E402
from threadlift.store.tables import EpisodeRow, PhotoRow  # noqa: E402
from threadlift.store.vault import PhotoVault  # noqa: E402

PROGRAM = str(Path(sys.executable).with_name("threadlift"))
PASSPHRASE = "benchmark backup passphrase"


def photo_bytes(seed: int) -> bytes:
    sample = resources.files("threadlift.face.data").joinpath("sample_astronaut.png").read_bytes()
    with Image.open(io.BytesIO(sample)) as picture:
        big = picture.convert("RGB").resize((1024, 1024))
    big.putpixel((seed % 1024, (seed // 1024) % 1024), (seed % 256, 0, 0))  # each photo its own bytes
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def add_photos(settings: Settings) -> int:
    """One photo per episode, stored as the upload service stores them."""
    keys = vault_keys(settings)
    vault = PhotoVault(settings.photo_dir, keys.ring)
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        episodes = connection.execute(select(EpisodeRow.id, EpisodeRow.patient_id)).all()
    template = photo_bytes(0)
    rows = []
    for n, (episode_id, patient_id) in enumerate(episodes):
        data = template[:-2] + n.to_bytes(4, "big") + template[-2:] if n else template
        name = vault.put(data)
        digest = hashlib.sha256(data).hexdigest()
        rows.append({"id": str(uuid4()), "patient_id": patient_id, "episode_id": episode_id, "view": "frontal",
                     "stage": "baseline", "stored_name": name, "original_sha256": digest, "stored_sha256": digest,
                     "content_type": "image/jpeg", "size_bytes": len(data), "location_removed": False,
                     "uploaded_at": datetime.now(UTC), "uploaded_by": "bench", "quality_ok": True, "analysis": {}})
    with engine.begin() as connection:
        for start in range(0, len(rows), 2000):
            connection.execute(insert(PhotoRow), rows[start:start + 2000])
    engine.dispose()
    return len(rows)


def run(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed: {done.stderr.strip()[-500:]}")


def fresh_database() -> str:
    name = f"bench_restore_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return POSTGRES.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)"))
    admin.dispose()


def measure(label: str, settings: Settings, work: Path, rounds: int) -> None:
    env = {**os.environ, "THREADLIFT_DATA_DIR": str(settings.data_dir), "THREADLIFT_DATABASE_URL":
           settings.database_url, "THREADLIFT_KEY_FILE": str(settings.key_path)}
    secret = work / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    secret.chmod(0o600)
    postgresql = settings.database_url.startswith("postgresql")
    times: dict[str, list[float]] = {"plain copy": [], "backup": [], "verify": [], "restore": []}
    size = 0
    for n in range(rounds):
        copy_target, archive = work / f"copy-{n}", work / f"clinic-{n}.tlbackup"
        target_dir, target_key = work / f"restored-{n}", work / f"restored-{n}.key"
        start = time.perf_counter()
        shutil.copytree(settings.photo_dir if postgresql else settings.data_dir, copy_target)
        if postgresql:
            uri, pg_env = libpq(settings.database_url)
            subprocess.run(["pg_dump", "-Fc", "-f", str(work / "bare.pgdump"), uri], env=pg_env, check=True)
        times["plain copy"].append(time.perf_counter() - start)
        start = time.perf_counter()
        run(PROGRAM, "backup", str(archive), "--passphrase-file", str(secret), env=env)
        times["backup"].append(time.perf_counter() - start)
        size = archive.stat().st_size
        start = time.perf_counter()
        run(PROGRAM, "backup", "verify", str(archive), "--passphrase-file", str(secret), env=env)
        times["verify"].append(time.perf_counter() - start)
        target_url = fresh_database() if postgresql else f"sqlite:///{target_dir / 'threadlift.db'}"
        restore_env = {**env, "THREADLIFT_DATA_DIR": str(target_dir), "THREADLIFT_DATABASE_URL": target_url,
                       "THREADLIFT_KEY_FILE": str(target_key)}
        start = time.perf_counter()
        run(PROGRAM, "restore", str(archive), "--passphrase-file", str(secret), env=restore_env)
        times["restore"].append(time.perf_counter() - start)
        for leftover in (copy_target, target_dir):
            shutil.rmtree(leftover, ignore_errors=True)
        archive.unlink()
        target_key.unlink(missing_ok=True)
        if postgresql:
            drop_database(target_url)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{label:34} " + "  ".join(f"{name} {value:6.2f} s" for name, value in medians.items())
          + f"   archive {size / 1e6:7.1f} MB   ({rounds} rounds)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="threadlift-bench-backup-") as scratch:
        work = Path(scratch)
        os.environ["XDG_CONFIG_HOME"] = str(work / "config")  # the demo's key made here, not in the real home
        if not args.skip_demo:
            demo = work / "demo"
            run(PROGRAM, "demo", "--data-dir", str(demo), "--no-serve", env=dict(os.environ))
            from threadlift.config import demo_key_file

            settings = Settings(data_dir=demo, database_url=f"sqlite:///{demo / 'threadlift.db'}",
                                key_file=demo_key_file())
            measure("demo clinic (SQLite)", settings, work, args.rounds)
        for kind in args.databases:
            folder = work / f"records-{kind}"
            folder.mkdir()
            url = fresh_database() if kind == "postgresql" else f"sqlite:///{folder / 'threadlift.db'}"
            try:
                seed_database(url, folder, args.patients)
                settings = Settings(data_dir=folder, database_url=url, key_file=work / f"{kind}.key")
                count = add_photos(settings)
                measure(f"{args.patients} patients, {count} photos ({kind})", settings, work, args.rounds)
            finally:
                if kind == "postgresql":
                    drop_database(url)


if __name__ == "__main__":
    main()
