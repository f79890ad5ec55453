"""``threadlift batch analyze``: analyse a folder of photos, or the clinic's whole photo vault, on Ray.

Local by default (Ray on this machine's cores), ``--address`` for an existing cluster. One row per photo goes
to a Parquet dataset folder (``--out``); a photo that fails is a row with its error code. A re-run skips what
is done for the same engine version. For the vault, each photo's new analysis is also kept in the database
beside the one made at upload. Needs the optional extra: ``pip install 'threadlift[cluster]'``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from threadlift.cli_common import err as _err
from threadlift.cli_common import out as _out
from threadlift.cli_common import plain as _say

batch_app = typer.Typer(help="Analyse many photos on Ray (a folder, or the clinic's photo vault), results to "
                             "Parquet. Needs pip install 'threadlift[cluster]'.", no_args_is_help=True)
EXIT_FAILED = 1
EXIT_USAGE = 2


@batch_app.command("analyze")
def analyze(
    out: Annotated[Path, typer.Option(help="Folder for the results (a Parquet dataset: one part file per "
                                           "checkpoint). A re-run into the same folder skips what is done.")],
    folder: Annotated[Path | None, typer.Argument(help="Folder of photo files (searched with its sub-folders).")]
    = None,
    vault: Annotated[bool, typer.Option("--vault", help="The clinic's stored photos instead of a folder; each new "
                                                        "analysis is kept in the database as a new version.")]
    = False,
    workers: Annotated[int | None, typer.Option(min=1, max=4096, help="Actors (each holds one photo engine); "
                                                "default: this machine's cores.")] = None,
    address: Annotated[str | None, typer.Option(help="An existing Ray cluster (e.g. ray://head:10001 or auto); "
                                                "default: Ray on this machine.")] = None,
    passes: Annotated[int, typer.Option(min=1, max=10, help="Refinement passes per photo (as threadlift "
                                        "analyze).")] = 2,
    checkpoint: Annotated[int, typer.Option(min=1, max=100_000, help="Rows per Parquet part file: what a stopped "
                                            "run keeps.")] = 200,
) -> None:
    """Analyse photos on Ray: pose, calibration, each measurement with its uncertainty, quality codes."""
    if (folder is None) == (not vault):
        _say(_err, "error: give a FOLDER of photos, or --vault for the clinic's stored photos")
        raise typer.Exit(EXIT_USAGE)
    from threadlift.services import batch, batch_ray

    try:
        batch_ray.require_ray()
    except batch_ray.RayMissing as missing:
        _say(_err, f"error: {missing}")
        raise typer.Exit(EXIT_USAGE) from None
    services = None
    if vault:
        from threadlift.bootstrap import build

        services = build()
        items = batch.vault_items(services)
        where = "the photo vault"
    else:
        assert folder is not None
        try:
            items = batch.folder_items(folder)
        except FileNotFoundError as error:
            _say(_err, f"error: {error}")
            raise typer.Exit(EXIT_USAGE) from None
        where = str(folder)
    if not items:
        _say(_err, f"error: no photos in {where}; nothing was analysed")
        raise typer.Exit(EXIT_FAILED)
    count = workers or os.cpu_count() or 1
    try:
        summary = _run(items, out, passes, count, address, services, checkpoint)
    finally:
        batch_ray.shutdown()
    _say(_out, f"{summary.analysed} analysed, {summary.skipped} already done for this engine version, "
               f"{summary.failures} failed; results in {out}")
    for code, photos in sorted(summary.failed.items()):
        _say(_err, f"  {code}: {photos} photo{'s' if photos != 1 else ''}")
    if summary.failures:
        _say(_err, f"the failed photos are rows with their error code in {out}; fix them and run again (done photos "
                   "are skipped)")
        raise typer.Exit(EXIT_FAILED)


def _run(items: list[Any], out: Path, passes: int, workers: int, address: str | None, services: Any,
         checkpoint: int) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from threadlift.services import batch, batch_ray

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} photos/s"), TimeRemainingColumn())
    with Progress(*columns, console=_err, transient=False, disable=not _err.is_terminal) as progress:
        task = progress.add_task(f"Analysing on {workers} worker{'s' if workers != 1 else ''}", total=len(items),
                                 rate="-")
        started: list[float] = []

        def advance(result: Any) -> None:
            now = time.perf_counter()
            started.append(now) if not started else None
            done = progress.tasks[0].completed + 1
            rate = f"{(done - 1) / (now - started[0]):.2f}" if done > 1 and now > started[0] else "-"
            progress.update(task, advance=1, rate=rate)

        summary = batch.run(items, out, passes=passes, runner=batch_ray.actor_runner(workers, address),
                            svc=services, progress=advance, checkpoint=checkpoint)
        progress.update(task, completed=len(items))
    return summary
