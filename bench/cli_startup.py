"""How long ``threadlift --help`` takes, against an empty Python start in the same run.

Each round starts ``python -c pass`` and ``threadlift --help`` (and ``threadlift --version``) once, in
turn, so load from elsewhere falls on baseline and subject alike. Prints medians in milliseconds and
fails (exit 1) when ``--help`` takes 0.5 s or more (issue 15).

Usage: python bench/cli_startup.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

LIMIT_S = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    program = str(Path(sys.executable).with_name("threadlift"))
    commands = {"python -c pass": [sys.executable, "-c", "pass"], "threadlift --help": [program, "--help"],
                "threadlift --version": [program, "--version"]}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"{name:22} median {1000 * median:7.1f} ms   (min {1000 * min(times[name]):6.1f}, "
              f"max {1000 * max(times[name]):6.1f}; {args.rounds} rounds)")
    over = medians["threadlift --help"] - medians["python -c pass"]
    print(f"{'--help over baseline':22}        {1000 * over:7.1f} ms")
    if medians["threadlift --help"] >= LIMIT_S:
        print(f"threadlift --help takes {medians['threadlift --help']:.2f} s: over the {LIMIT_S} s limit")
        sys.exit(1)


if __name__ == "__main__":
    main()
