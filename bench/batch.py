"""Photos per second of ``threadlift batch analyze`` on Ray with 1 and 2 workers, against the same photos
analysed one after another by ``threadlift analyze`` (the CLI) in the same run (issue 18 §4); and pairs per
second of ``threadlift batch compare`` on Ray with 1 and 2 workers, against the same pairs compared one after
another by the batch driver without Ray.

The photos are the shared real faces (../shared/data/faces), copied under distinct names until there are
``--photos`` of them. Each round runs, in turn: the CLI on all the photos and on one (so its start-up and
model loading cancel out: per photo = (T_all - T_one) / (n - 1)); the batch driver without Ray (the same
rows and Parquet files, analysed in this process); and the Ray actor pool with 1 and then 2 workers on a Ray
started once. A Ray run's steady rate is taken from its first result to its last (actors started, models
loaded); its total includes starting the actors. Medians over ``--rounds``; the machine's load average is
printed beside them, since the cores are shared.

The ``--pairs`` follow-up pairs are each shared face against a copy of itself under another name (listed in a
CSV manifest as ``batch compare`` reads it): the engine does all of a comparison's work (both photos analysed,
registered, the flow measured in every area), the lift being zero. ``--pairs 0`` leaves them out.

    parallel efficiency = rate(2 workers) / (2 x rate(1 worker))
    Ray's overhead per photo = 1 / rate(1 worker) - the CLI's time per photo

Usage: python bench/batch.py [--photos N] [--pairs N] [--rounds N] [--passes N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from threadlift.services import batch, batch_compare, batch_ray

FACES = ("takeo.png", "astronaut.png", "obama2.jpg", "obama3.jpg", "breakingbad.jpg")


def faces_dir() -> Path:
    here = Path(__file__).resolve()
    for candidate in [Path(os.environ.get("THREADLIFT_FACES_DIR", "/nonexistent"))] + [
            parent / "shared" / "data" / "faces" for parent in here.parents]:
        if (candidate / "README.md").is_file():
            return candidate
    return Path("/work/shared/data/faces")


def photo_folder(root: Path, count: int) -> list[Path]:
    folder = root / "photos"
    folder.mkdir()
    paths = []
    for n in range(count):
        name = FACES[n % len(FACES)]
        target = folder / f"{n:04d}-{name}"
        shutil.copy(faces_dir() / name, target)
        paths.append(target)
    return paths


def cli_seconds(paths: list[Path], passes: int) -> float:
    program = str(Path(sys.executable).with_name("threadlift"))
    start = time.perf_counter()
    subprocess.run([program, "analyze", *map(str, paths), "--json", os.devnull, "--no-table", "--passes",
                    str(passes)], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def pair_manifest(root: Path, count: int) -> Path:
    """``count`` pairs, each a shared face and a copy of it, in a manifest as ``batch compare`` reads it."""
    folder = root / "pairs"
    folder.mkdir()
    lines = ["baseline,follow_up"]
    for n in range(count):
        name = FACES[n % len(FACES)]
        for visit in ("0", "1"):
            shutil.copy(faces_dir() / name, folder / f"{n:04d}-{visit}-{name}")
        lines.append(f"{n:04d}-0-{name},{n:04d}-1-{name}")
    manifest = folder / "pairs.csv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def driver_run(items: list[object], out: Path, job: batch.Job, runner: batch.Runner) -> tuple[float, float, float]:
    """(total seconds, seconds to the first result, steady seconds per item from the first to the last)."""
    shutil.rmtree(out, ignore_errors=True)
    stamps: list[float] = []
    start = time.perf_counter()
    summary = batch.run(items, out, job=job, runner=runner, progress=lambda result: stamps.append(time.perf_counter()))
    total = time.perf_counter() - start
    if summary.failures:
        raise SystemExit(f"{summary.failures} {job.noun}s failed: {summary.failed}")
    return total, stamps[0] - start, (stamps[-1] - stamps[0]) / (len(stamps) - 1)


def rate_lines(noun: str, serial: list[float], ray: dict[int, list[tuple[float, float, float]]],
               baseline: str) -> list[str]:
    """Serial and Ray rates (medians), the parallel efficiency and Ray's overhead per item."""
    driver = statistics.median(serial)
    steady = {w: statistics.median(r[2] for r in runs) for w, runs in ray.items()}
    totals = {w: statistics.median(r[0] for r in runs) for w, runs in ray.items()}
    firsts = {w: statistics.median(r[1] for r in runs) for w, runs in ray.items()}
    lines = [f"{'batch driver, serial, no Ray':38} {1 / driver:6.2f} {noun}s/s  ({driver:.3f} s per {noun}{baseline})"]
    for workers in (1, 2):
        label = f"batch on Ray, {workers} worker" + ("s" if workers > 1 else "")
        lines.append(f"{label:38} {1 / steady[workers]:6.2f} {noun}s/s  ({steady[workers]:.3f} s per {noun} "
                     f"steady; whole run {totals[workers]:.1f} s, first result after {firsts[workers]:.1f} s)")
    lines.append(f"{'parallel efficiency, 2 workers':38} {steady[1] / (2 * steady[2]):6.2f}")
    lines.append(f"{f'Ray overhead per {noun}, 1 worker':38} {1000 * (steady[1] - driver):+6.0f} ms against the driver "
                 "without Ray")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=16)
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--passes", type=int, default=2)
    args = parser.parse_args()
    load_before = os.getloadavg()
    analyse, compare = batch.PhotoJob(args.passes), batch_compare.CompareJob(args.passes)
    with tempfile.TemporaryDirectory(prefix="tl-bench-batch-") as folder:
        root = Path(folder)
        paths = photo_folder(root, args.photos)
        photos: list[object] = [batch.Item(key=str(p), path=str(p)) for p in paths]
        pairs: list[object] = list(batch_compare.manifest_pairs(pair_manifest(root, args.pairs))) if args.pairs else []
        started = time.perf_counter()
        batch_ray.start(None, 2)
        ray_init = time.perf_counter() - started
        cli_per_photo, driver_per_photo, driver_per_pair = [], [], []
        ray: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
        ray_pairs: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
        try:
            for _ in range(args.rounds):
                every, one = cli_seconds(paths, args.passes), cli_seconds(paths[:1], args.passes)
                cli_per_photo.append((every - one) / (len(paths) - 1))
                driver_per_photo.append(driver_run(photos, root / "serial", analyse, batch.serial_runner)[2])
                for workers in (1, 2):
                    ray[workers].append(driver_run(photos, root / f"ray{workers}", analyse,
                                                   batch_ray.actor_runner(workers)))
                if pairs:
                    driver_per_pair.append(driver_run(pairs, root / "pairs-serial", compare, batch.serial_runner)[2])
                    for workers in (1, 2):
                        ray_pairs[workers].append(driver_run(pairs, root / f"pairs-ray{workers}", compare,
                                                             batch_ray.actor_runner(workers)))
        finally:
            batch_ray.shutdown()
    load_after = os.getloadavg()
    cli = statistics.median(cli_per_photo)
    steady_1 = statistics.median(r[2] for r in ray[1])
    print(f"{args.photos} photos and {args.pairs} pairs ({', '.join(FACES)} repeated), {args.passes} passes, "
          f"{args.rounds} rounds, medians; {os.cpu_count()} CPUs; load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after")
    print(f"{'threadlift analyze (CLI), serial':38} {1 / cli:6.2f} photos/s  ({cli:.3f} s per photo; baseline)")
    print("\n".join(rate_lines("photo", driver_per_photo, ray, "")))
    print(f"{'Ray overhead per photo against the CLI':38} {1000 * (steady_1 - cli):+6.0f} ms")
    if pairs:
        print("\n".join(rate_lines("pair", driver_per_pair, ray_pairs, "; baseline")))
    print(f"{'ray.init() on this machine':38} {ray_init:6.1f} s")


if __name__ == "__main__":
    main()
