"""``threadlift batch analyze|compare``: analyse a folder of photos, or compare the follow-up pairs a CSV
manifest lists, or do either over the clinic's whole photo vault, on Ray.

Local by default (Ray on this machine's cores), ``--address`` for an existing cluster. One row per photo (or
pair) goes to a Parquet dataset folder (``--out``); one that fails is a row with its error code. A re-run
skips what is done for the same engine version. For the vault, each photo's new analysis (each pair's lift
per area) is also kept in the database beside the earlier ones. Needs the optional extra:
``pip install 'threadlift[cluster]'``.
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

batch_app = typer.Typer(help="Analyse many photos, or compare many follow-up pairs, on Ray (a folder or manifest, "
                             "or the clinic's photo vault), results to Parquet. Needs pip install "
                             "'threadlift\\[cluster]'.", no_args_is_help=True)  # \\[: not Rich markup
EXIT_FAILED = 1
EXIT_USAGE = 2


Workers = Annotated[int | None, typer.Option(min=1, max=4096, help="Actors (each holds one photo engine); "
                                            "default: this machine's cores.")]
Address = Annotated[str | None, typer.Option(help="An existing Ray cluster (e.g. ray://head:10001 or auto); "
                                             "default: Ray on this machine.")]
Passes = Annotated[int, typer.Option(min=1, max=10, help="Refinement passes per photo (as threadlift analyze).")]
Checkpoint = Annotated[int, typer.Option(min=1, max=100_000, help="Rows per Parquet part file: what a stopped run "
                                         "keeps.")]


@batch_app.command("analyze")
def analyze(
    out: Annotated[Path, typer.Option(help="Folder for the results (a Parquet dataset: one part file per "
                                           "checkpoint). A re-run into the same folder skips what is done.")],
    folder: Annotated[Path | None, typer.Argument(help="Folder of photo files (searched with its sub-folders).")]
    = None,
    vault: Annotated[bool, typer.Option("--vault", help="The clinic's stored photos instead of a folder; each new "
                                                        "analysis is kept in the database as a new version.")]
    = False,
    workers: Workers = None,
    address: Address = None,
    passes: Passes = 2,
    checkpoint: Checkpoint = 200,
) -> None:
    """Analyse photos on Ray: pose, calibration, each measurement with its uncertainty, quality codes."""
    from threadlift.services import batch

    items, services = _items(vault, folder, "give a FOLDER of photos, or --vault for the clinic's stored photos",
                             batch.vault_items, batch.folder_items, FileNotFoundError, "photos", "the photo vault",
                             "analysed")
    _run_and_report(items, out, batch.PhotoJob(passes), "analysed", workers, address, services, checkpoint)


@batch_app.command("compare")
def compare(
    out: Annotated[Path, typer.Option(help="Folder for the results (a Parquet dataset, one row per pair: lift per "
                                           "area and side in mm with its ±). A re-run into it skips what is done.")],
    manifest: Annotated[Path | None, typer.Argument(help="CSV manifest of the pairs. Its first line names the "
                                                    "columns baseline and follow_up (the pair's two photo files, "
                                                    "relative to the manifest's folder or absolute) and, "
                                                    "optionally, days_after_procedure; then one pair per line, e.g. "
                                                    "'visit-0/anna.jpg,visit-3m/anna.jpg,91'.")] = None,
    vault: Annotated[bool, typer.Option("--vault", help="The clinic's stored photos instead of a manifest: each "
                                                        "follow-up photo against its episode's baseline photo of "
                                                        "the same view (same patient and episode). Each pair's lift "
                                                        "per area is kept in the database as a new version (the "
                                                        "durability figures read it); earlier ones stay.")] = False,
    workers: Workers = None,
    address: Address = None,
    passes: Passes = 2,
    checkpoint: Checkpoint = 200,
) -> None:
    """Compare each follow-up photo with its baseline on Ray: lift per area in mm with its ±, poses and quality
    codes; a pair that cannot be compared is a row with its error code (not_comparable, no_face, ...)."""
    from threadlift.services import batch_compare

    pairs, services = _items(vault, manifest, "give a MANIFEST (CSV of baseline,follow_up photo paths), or --vault "
                             "for the clinic's stored follow-up photos", batch_compare.vault_pairs,
                             batch_compare.manifest_pairs, batch_compare.ManifestError, "pairs",
                             "the photo vault (a follow-up photo with a baseline of the same view and episode)",
                             "compared")
    _run_and_report(pairs, out, batch_compare.CompareJob(passes), "compared", workers, address, services, checkpoint)


def _items(vault: bool, source: Path | None, usage: str, from_vault: Any, from_source: Any,
           refused: type[Exception], nouns: str, vault_is: str, verb: str) -> tuple[list[Any], Any]:
    """The work items (from the vault, or from ``source``: a folder or manifest) and, for the vault, the
    clinic's services. Exits 2 with what to do on bad usage or an unreadable source, 1 when there is nothing."""
    if (source is None) == (not vault):
        _say(_err, f"error: {usage}")
        raise typer.Exit(EXIT_USAGE)
    services = _ray_and_services(vault)
    try:
        items = from_vault(services) if services is not None else from_source(source)
    except refused as error:
        _say(_err, f"error: {error}")
        raise typer.Exit(EXIT_USAGE) from None
    if not items:
        _say(_err, f"error: no {nouns} in {vault_is if vault else source}; nothing was {verb}")
        raise typer.Exit(EXIT_FAILED)
    return items, services


def _ray_and_services(vault: bool) -> Any:
    """Stop with the extra's name when Ray is missing; the clinic's services for a vault run (else None)."""
    from threadlift.services import batch_ray

    try:
        batch_ray.require_ray()
    except batch_ray.RayMissing as missing:
        _say(_err, f"error: {missing}")
        raise typer.Exit(EXIT_USAGE) from None
    if not vault:
        return None
    from threadlift.bootstrap import build

    return build()


def _run_and_report(items: list[Any], out: Path, job: Any, verb: str, workers: int | None, address: str | None,
                    services: Any, checkpoint: int) -> None:
    """Run ``job`` on Ray, then the summary: done, skipped, failed per error code; exit 1 when any failed."""
    from threadlift.services import batch_ray

    count = workers or os.cpu_count() or 1
    try:
        summary = _run(items, out, job, count, address, services, checkpoint)
    finally:
        batch_ray.shutdown()
    noun = job.noun
    _say(_out, f"{summary.done} {verb}, {summary.skipped} already done for this engine version, "
               f"{summary.failures} failed; results in {out}")
    for code, failed in sorted(summary.failed.items()):
        _say(_err, f"  {code}: {failed} {noun}{'s' if failed != 1 else ''}")
    if summary.failures:
        _say(_err, f"the failed {noun}s are rows with their error code in {out}; fix them and run again (done "
                   f"{noun}s are skipped)")
        raise typer.Exit(EXIT_FAILED)


def _run(items: list[Any], out: Path, job: Any, workers: int, address: str | None, services: Any,
         checkpoint: int) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from threadlift.services import batch, batch_ray

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn(f"{{task.fields[rate]}} {job.noun}s/s"), TimeRemainingColumn())
    with Progress(*columns, console=_err, transient=False, disable=not _err.is_terminal) as progress:
        doing = "Comparing" if job.noun == "pair" else "Analysing"
        task = progress.add_task(f"{doing} on {workers} worker{'s' if workers != 1 else ''}", total=len(items),
                                 rate="-")
        started: list[float] = []

        def advance(result: Any) -> None:
            now = time.perf_counter()
            started.append(now) if not started else None
            done = progress.tasks[0].completed + 1
            rate = f"{(done - 1) / (now - started[0]):.2f}" if done > 1 and now > started[0] else "-"
            progress.update(task, advance=1, rate=rate)

        summary = batch.run(items, out, job=job, runner=batch_ray.actor_runner(workers, address), svc=services,
                            progress=advance, checkpoint=checkpoint)
        progress.update(task, completed=len(items))
    return summary
