"""Benchmark of a mixed read/write load on the records API: 50 clients, 30% writes, for a bounded time.

Seeds each database as bench/records.py does (fictional patients with episodes at every stage), serves
the app under uvicorn in its own process, and runs 50 concurrent clients back to back for ``--seconds``:
70% reads (patient search, an episode) and 30% writes (a patient registered, a patient's phone number
changed), every request authenticated and audited as in production. Before it, in the same run, the
baseline: the same clients on GET /api/auth/me (authenticated, reads no record). Prints requests/s,
p50 and p99 per database and operation, errors, and the machine's steal and load average.

Usage: python bench/mixed.py [--patients 10000] [--seconds 20] [--databases sqlite postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import bench_database  # noqa: E402
from bench.records import (  # noqa: E402
    CLIENTS,
    PASSWORD,
    WARM_UP_S,
    Connection,
    cpu_times,
    percentile,
    seed_database,
    start_server,
    steal_percent,
)

WRITE_SHARE = 0.30


async def send(connection: Connection, method: str, target: str, token: str, body: dict[str, object] | None = None,
               ) -> tuple[int, bytes]:
    payload = b"" if body is None else json.dumps(body).encode()
    head = f"{method} {target} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
    connection.writer.write(head.encode() + b"\r\n" + payload)
    await connection.writer.drain()
    answer = await connection.reader.readuntil(b"\r\n\r\n")
    status = int(answer.split(b" ", 2)[1])
    length = next(int(line.split(b":")[1]) for line in answer.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    return status, await connection.reader.readexactly(length)


async def mixed(port: int, names: list[str], episodes: list[str], patients: list[str], seconds: float,
                baseline: bool) -> tuple[dict[str, list[float]], int]:
    token = httpx.post(f"http://127.0.0.1:{port}/api/auth/login",
                       json={"username": "dr-bench", "password": PASSWORD}).json()["token"]
    timings: dict[str, list[float]] = ({"auth/me": []} if baseline else
                                       {"search": [], "episode": [], "register": [], "update": []})
    errors = 0
    measure_from = time.perf_counter() + WARM_UP_S
    deadline = measure_from + seconds

    async def client(index: int) -> None:
        nonlocal errors
        rng = random.Random(index)
        connection = await Connection.open(port)
        while time.perf_counter() < deadline:
            body: dict[str, object] | None = None
            if baseline:
                kind, method, target = "auth/me", "GET", "/api/auth/me"
            elif rng.random() < WRITE_SHARE:
                if rng.random() < 0.5:
                    kind, method, target = "register", "POST", "/api/patients"
                    body = {"family_name": f"Mixed{rng.randrange(10**6)}", "given_name": "Bench",
                            "date_of_birth": "1980-05-06", "sex": "female"}
                else:
                    kind, method, target = "update", "PATCH", f"/api/patients/{rng.choice(patients)}"
                    body = {"phone": f"+44 20 7946 {rng.randrange(10**4):04d}"}
            elif rng.random() < 0.5:
                kind, method, target = "search", "GET", "/api/patients?limit=20&search=" + quote(rng.choice(names))
            else:
                kind, method, target = "episode", "GET", f"/api/episodes/{rng.choice(episodes)}"
            started = time.perf_counter()
            status, _ = await send(connection, method, target, token, body)
            elapsed = (time.perf_counter() - started) * 1000
            if status >= 400:
                errors += 1
            if started >= measure_from:
                timings[kind].append(elapsed)
        connection.writer.close()

    await asyncio.gather(*(client(i) for i in range(CLIENTS)))
    return timings, errors


def patient_ids(port: int, names: list[str]) -> list[str]:
    token = httpx.post(f"http://127.0.0.1:{port}/api/auth/login",
                       json={"username": "dr-bench", "password": PASSWORD}).json()["token"]
    found: list[str] = []
    for name in names[:200]:
        answer = httpx.get(f"http://127.0.0.1:{port}/api/patients", params={"search": name, "limit": 1},
                           headers={"Authorization": f"Bearer {token}"}).json()
        items = answer["items"] if isinstance(answer, dict) else answer
        found += [item["id"] for item in items]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) >= 2:
        os.sched_setaffinity(0, {cores[-1]})  # the server gets the other core (bench/records.py)
    print(f"{args.patients} patients; {CLIENTS} clients back to back, {WRITE_SHARE:.0%} writes; {args.seconds:g} s "
          f"per load; load average {os.getloadavg()[0]:.1f}")
    print(f"{'database':10} {'load':9} {'operation':9} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6} {'steal':>6}")
    for kind in args.databases:
        with tempfile.TemporaryDirectory() as folder_name, bench_database(kind, Path(folder_name)) as url:
            folder = Path(folder_name)
            names, episodes = seed_database(url, folder, args.patients)
            port = 18000 + secrets.randbelow(1000)
            server = start_server(url, folder, port, 1)
            try:
                patients = patient_ids(port, names)
                for label, baseline in (("baseline", True), ("mixed", False)):
                    before = cpu_times()
                    timings, errors = asyncio.run(mixed(port, names, episodes, patients, args.seconds, baseline))
                    steal = steal_percent(before, cpu_times())
                    total = sum(len(v) for v in timings.values())
                    print(f"{kind:10} {label:9} {'all':9} {total:8d} {total / args.seconds:7.0f} "
                          f"{statistics.median([x for v in timings.values() for x in v]):8.1f} "
                          f"{percentile([x for v in timings.values() for x in v], 0.99):8.1f} {errors:6d} {steal:>6}")
                    for operation, values in timings.items():
                        if values and not baseline:
                            rate = len(values) / args.seconds
                            print(f"{kind:10} {label:9} {operation:9} {len(values):8d} {rate:7.0f} "
                                  f"{statistics.median(values):8.1f} {percentile(values, 0.99):8.1f}")
            finally:
                server.terminate()
                server.wait(timeout=30)
    print(f"load average at the end {os.getloadavg()[0]:.1f} (2 cores shared with other work: compare against the "
          "baseline of the same run)")


if __name__ == "__main__":
    main()
