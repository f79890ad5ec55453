"""Benchmark of the records API: 10,000 patients with full episodes, 50 concurrent clients.

Seeds a database (SQLite file and a PostgreSQL schema) with 10,000 fictional patients, each with an
episode built through the domain at a realistic stage, starts ``threadlift serve``'s app under
uvicorn in its own process, and measures the latency of patient search (GET /api/patients?search=)
and of an episode read (GET /api/episodes/{id}) from 50 concurrent clients, every request
authenticated and audited as in production. Two loads: clients working at a clinic's pace (a
request every 0.5 s each on average, 100 requests/s in all) and clients firing back to back
(saturation, to show the ceiling). Before them, the baseline: GET /api/auth/me at the clinic's pace,
authenticated but reading no record. Prints p50 and p99 per database, operation and load, with the
share of CPU time the hypervisor took away meanwhile (steal), on a virtual machine.

Usage: python bench/records.py [--patients 10000] [--seconds 20] [--databases sqlite postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import bench_database  # noqa: E402
from threadlift import seed  # noqa: E402
from threadlift.bootstrap import services_on  # noqa: E402
from threadlift.clinic.policy import ClinicPolicy  # noqa: E402
from threadlift.clinic.roles import Role  # noqa: E402
from threadlift.clinic.staff import StaffAccount  # noqa: E402
from threadlift.config import Settings  # noqa: E402
from threadlift.services import consents, people  # noqa: E402
from threadlift.services.commands import AddConsentDocument, CreateUser  # noqa: E402
from threadlift.store import migrate  # noqa: E402
from threadlift.store.db import make_engine  # noqa: E402
from threadlift.store.repository import name_token_rows  # noqa: E402
from threadlift.store.tables import (  # noqa: E402
    EpisodeRow,
    FollowUpRow,
    PatientNameTokenRow,
    PatientRow,
    ThreadLotRow,
    ThreadUseRow,
)
from threadlift.store.vault import PhotoVault  # noqa: E402

PASSWORD = "benchmark password 2026"
CLIENTS = 50
WARM_UP_S = 3.0


def seed_database(url: str, folder: Path, count: int) -> tuple[list[str], list[str]]:
    """Returns search terms and episode ids to request."""
    migrate.upgrade(url)
    services = services_on(Settings(data_dir=folder, database_url=url),
                           PhotoVault(folder / "photos", secrets.token_bytes(32)))
    people.create_user(services, None, CreateUser(account=StaffAccount(
        username="dr-bench", display_name="Dr Bench", role=Role.CLINICIAN, password=PASSWORD)))
    consents.add_consent_document(services, None, AddConsentDocument(document=seed.CONSENT_DOCUMENT))
    rng = random.Random(2026)
    now = datetime.now(UTC)
    today = now.date()
    lots = [seed.thread_lot(rng, today - timedelta(days=days), i) for i, days in enumerate(range(0, 700, 50))]
    policy = ClinicPolicy()
    patient_rows, token_rows, episode_rows, use_rows, follow_rows = [], [], [], [], []
    episode_ids, names = [], []
    for stage, _ in zip(seed.stages(rng), range(count), strict=False):
        person = seed.patient(rng, today)
        start = now - timedelta(days=seed.DAYS_AGO[stage] + rng.randint(0, 30))
        episode = seed.episode_at(stage, rng, person, lots, clinician="dr-bench", nurse="dr-bench", start=start,
                                  policy=policy)
        search_name = f"{person.family_name} {person.given_name}".lower()
        token_rows += name_token_rows(str(person.id), search_name)
        patient_rows.append({"id": str(person.id), "family_name": person.family_name, "given_name": person.given_name,
                             "search_name": search_name,
                             "date_of_birth": person.date_of_birth, "sex": person.sex.value, "phone": person.phone,
                             "email": person.email, "weight_kg": person.weight_kg, "height_cm": person.height_cm,
                             "dosing_weight_kg": None, "created_at": now, "updated_at": now})
        episode_rows.append({"id": str(episode.id), "patient_id": str(person.id), "state": episode.state.value,
                             "opened_at": episode.opened_at, "updated_at": now, "version": 1,
                             "document": episode.model_dump(mode="json")})
        if episode.procedure:
            use_rows += [{"lot_id": str(t.lot_id), "episode_id": str(episode.id), "patient_id": str(person.id),
                          "area": t.area, "side": t.side.value, "vector": t.vector, "placed_at": t.at}
                         for t in episode.procedure.threads]
        follow_rows += [{"episode_id": str(episode.id), "position": i, "patient_id": str(person.id), "name": f.name,
                         "kind": f.kind, "due_on": f.due_on, "status": f.status.value}
                        for i, f in enumerate(episode.follow_ups)]
        episode_ids.append(str(episode.id))
        names.append(f"{person.family_name[:4]} {person.given_name[:3]}")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(ThreadLotRow), [{"id": str(lot.id), **{k: getattr(v, "value", v) for k, v in
                                                   lot.model_dump(exclude={"id"}).items()}} for lot in lots])
        for table, rows in ((PatientRow, patient_rows), (PatientNameTokenRow, token_rows), (EpisodeRow, episode_rows),
                            (ThreadUseRow, use_rows), (FollowUpRow, follow_rows)):
            for chunk in range(0, len(rows), 2000):
                connection.execute(insert(table), rows[chunk:chunk + 2000])
    # A clinic's database is not measured a second after a bulk load: bring it to the state routine
    # maintenance keeps it in (statistics gathered, the bulk load's dirty pages written out), so the
    # figures are not the load's aftermath (autovacuum, a checkpoint) landing in the first seconds.
    engine.dispose()
    if url.startswith("postgresql"):
        maintenance = create_engine(url, isolation_level="AUTOCOMMIT")
        with maintenance.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
            connection.execute(text("CHECKPOINT"))
        maintenance.dispose()
    else:
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)) as connection:
            connection.execute("ANALYZE")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return names, episode_ids


def start_server(url: str, folder: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "THREADLIFT_DATABASE_URL": url, "THREADLIFT_DATA_DIR": str(folder),
           "THREADLIFT_KEY_FILE": str(folder.with_name(folder.name + ".key"))}  # never the real home's key
    command = [sys.executable, "-m", "uvicorn", "threadlift.web.asgi:app", "--port", str(port), "--workers",
               str(workers), "--log-level", "warning", "--no-access-log"]
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if workers == 1 and len(cores) >= 2:
        command = ["taskset", "-c", str(cores[0]), *command]  # server on one core, load generator on another
    server = subprocess.Popen(command, env=env)
    for _ in range(120):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.25)
    server.kill()
    raise RuntimeError("the server did not start")


class Connection:
    """A kept-alive HTTP/1.1 connection with almost no client-side cost, so the clock measures the
    server (httpx on the same machine cost more per request than the server did)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def get(self, target: str, token: str) -> tuple[int, bytes]:
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        return status, await self.reader.readexactly(length)


async def load(port: int, names: list[str], episodes: list[str], seconds: float, think_s: float | None,
               baseline: bool = False) -> dict[str, list[float]]:
    """Latencies per operation. ``baseline``: every request is GET /api/auth/me instead, an
    authenticated request that reads no record: the floor of the server, the machine and the clock."""
    login = httpx.post(f"http://127.0.0.1:{port}/api/auth/login",
                       json={"username": "dr-bench", "password": PASSWORD})
    token = login.json()["token"]
    timings: dict[str, list[float]] = {"auth/me": []} if baseline else {"search": [], "episode": []}
    # The first seconds open database connections and warm caches; they are run but not counted.
    measure_from = time.perf_counter() + WARM_UP_S
    deadline = measure_from + seconds

    async def client_loop(index: int) -> None:
        rng = random.Random(index)
        connection = await Connection.open(port)
        while time.perf_counter() < deadline:
            if think_s:
                await asyncio.sleep(rng.expovariate(1 / think_s))
            kind = "auth/me" if baseline else "search" if rng.random() < 0.5 else "episode"
            if baseline:
                target = "/api/auth/me"
            elif kind == "search":
                target = "/api/patients?limit=20&search=" + quote(rng.choice(names))
            else:
                target = f"/api/episodes/{rng.choice(episodes)}"
            started = time.perf_counter()
            status, body = await connection.get(target, token)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise RuntimeError(f"{target}: {status} {body[:200]!r}")
            if started >= measure_from:
                timings[kind].append(elapsed)
        connection.writer.close()

    await asyncio.gather(*(client_loop(i) for i in range(CLIENTS)))
    return timings


def cpu_times() -> list[int]:
    """The machine's CPU time by kind (user, nice, system, idle, iowait, irq, softirq, steal, ...)."""
    try:
        return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return []


def steal_percent(before: list[int], after: list[int]) -> str:
    """Time the hypervisor gave this virtual machine's CPUs to someone else: latency no code here causes."""
    spent = [b - a for a, b in zip(before, after, strict=False)]
    return f"{100 * spent[7] / sum(spent):.1f}%" if len(spent) > 7 and sum(spent) else "n/a"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if args.workers == 1 and len(cores) >= 2:
        os.sched_setaffinity(0, {cores[-1]})
    print(f"{args.patients} patients with episodes; {CLIENTS} concurrent clients; uvicorn workers: {args.workers}")
    print(f"{'database':10} {'load':26} {'operation':9} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'steal':>6}")
    for kind in args.databases:
        with tempfile.TemporaryDirectory() as folder_name, bench_database(kind, Path(folder_name)) as url:
            folder = Path(folder_name)
            started = time.perf_counter()
            names, episodes = seed_database(url, folder, args.patients)
            print(f"{kind:10} seeded in {time.perf_counter() - started:.0f} s")
            port = 18000 + secrets.randbelow(1000)
            server = start_server(url, folder, port, args.workers)
            try:
                for label, think, baseline in (("baseline, clinic pace", 0.5, True),
                                               ("clinic pace (100 req/s)", 0.5, False),
                                               ("back to back (saturation)", None, False)):
                    before = cpu_times()
                    timings = asyncio.run(load(port, names, episodes, args.seconds, think, baseline))
                    steal = steal_percent(before, cpu_times())
                    for operation, values in timings.items():
                        print(f"{kind:10} {label:26} {operation:9} {len(values):8d} "
                              f"{statistics.median(values):8.1f} {percentile(values, 0.99):8.1f} {steal:>6}")
            finally:
                server.terminate()
                server.wait(timeout=30)
    print("target: p99 under 50 ms on both databases (at clinic pace); the baseline is an authenticated request "
          "that reads no record, at the same pace in the same run")


if __name__ == "__main__":
    main()
