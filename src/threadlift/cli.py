"""The ``threadlift`` command line. Thin: parse, call the library, print; no measuring here."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.markup import escape

from threadlift import __version__
from threadlift.cli_admin import admin_app
from threadlift.cli_backup import backup_app, restore
from threadlift.cli_batch import batch_app
from threadlift.cli_common import SafeGroup
from threadlift.cli_common import err as _err
from threadlift.cli_common import out as _out
from threadlift.cli_export import export_app
from threadlift.cli_ops import config_app, db_app, demo, serve
from threadlift.cli_outcomes import outcomes_app
from threadlift.cli_plan import plan_app

if TYPE_CHECKING:  # imported where used: --help must not load the photo analysis (MediaPipe, OpenCV)
    from rich.progress import Progress
    from rich.table import Table

app = typer.Typer(cls=SafeGroup, help="ThreadLift: objective face measurement and clinical records for thread-lift "
                  "practices.", no_args_is_help=True, pretty_exceptions_enable=False)

EXIT_SEVERAL_KINDS = 1
EXIT_INTERNAL = 70


def _show_version(value: bool) -> None:
    if value:
        _plain(_out, f"threadlift {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """ThreadLift: objective face measurement and clinical records for thread-lift practices."""


def _positive(value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise typer.BadParameter("must be a positive number")
    return value


@app.command()
def analyze(
    photos: Annotated[list[Path], typer.Argument(help="Photo files (JPEG, PNG, HEIC, WebP, TIFF).")],
    json_out: Annotated[str | None, typer.Option("--json", help="Write JSON here ('-' for stdout); "
                                                 "JSON Lines when several photos.")] = None,
    overlay: Annotated[Path | None, typer.Option(help="Annotated PNG; a folder when several photos.")] = None,
    mm_per_px: Annotated[float | None, typer.Option(callback=_positive, help="Known scale, mm per original pixel "
                                                    "(overrides all).")] = None,
    marker_mm: Annotated[float | None, typer.Option(callback=_positive, help="Side of a printed ArUco marker in the "
                                                    "photo, mm.")] = None,
    strict: Annotated[bool, typer.Option(help="Refuse photos with several faces instead of measuring the largest.")]
    = False,
    passes: Annotated[int, typer.Option(min=1, max=10, help="Refinement passes averaged per photo (even numbers "
                                        "keep left/right symmetric); 4 or 6 are a little steadier.")] = 2,
    fast: Annotated[bool, typer.Option(help="One refinement pass per photo (same as --passes 1): fastest, about "
                                            "twice as noisy.")]
    = False,
    table: Annotated[bool | None, typer.Option("--table/--no-table", help="Print the summary table (default: only "
                                               "without --json).")] = None,
) -> None:
    """Measure faces on photos: pose, quality, millimetre measurements, symmetry and severity estimates."""
    if mm_per_px is not None and marker_mm is not None:
        _plain(_err, "error: give either --mm-per-px or --marker-mm, not both")
        raise typer.Exit(2)
    from threadlift.services.analysis import analyse, analyser, failure_document, write_overlay
    from threadlift.services.types import PhotoError

    several = len(photos) > 1
    overlay_target = _overlay_target(overlay, several)
    analyzer = analyser(passes=1 if fast else passes)
    stream, close_stream = _json_stream(json_out)
    failures: Counter[int] = Counter()
    overlay_names: set[str] = set()
    try:
        with _progress(len(photos)) as progress:
            task = progress.add_task("Analysing", total=len(photos))
            for path in photos:
                try:
                    result = analyse(analyzer, path, mm_per_px=mm_per_px, marker_mm=marker_mm, strict=strict)
                except PhotoError as error:
                    failures[error.exit_code] += 1
                    _plain(_err, f"error: {path}: {error.message} [{error.code}]")
                    if stream is not None:
                        _write_json(stream, failure_document(path, error), several)
                    progress.advance(task)
                    continue
                document = result.to_dict()
                if stream is not None:
                    _write_json(stream, document, several)
                if overlay_target is not None:
                    target = overlay_target / _unique(f"{path.stem}.overlay.png", overlay_names) if several \
                        else overlay_target
                    write_overlay(result, target)
                if table or (table is None and json_out is None):
                    # with --json - the table goes to stderr: stdout stays parseable JSON
                    (_err if json_out == "-" else _out).print(_summary(document))
                progress.advance(task)
    except Exception as error:  # never a traceback for a clinician; say what to do instead
        _plain(_err, f"internal error: {type(error).__name__}: {error}. Please report it with the photo's format and "
                   "size (not the photo).")
        raise typer.Exit(EXIT_INTERNAL) from None
    finally:
        if close_stream and stream is not None:
            stream.close()
    if overlay_target is not None and len(photos) > sum(failures.values()):
        _plain(_err, f"overlay written to {overlay_target}")
    if failures:
        raise typer.Exit(next(iter(failures)) if len(failures) == 1 else EXIT_SEVERAL_KINDS)


@app.command()
def sample(
    out: Annotated[Path, typer.Option(help="Folder for the overlay and JSON.")] = Path("threadlift-sample"),
) -> None:
    """Analyse the sample photo shipped with ThreadLift (a public-domain NASA portrait)."""
    from threadlift.services.analysis import DEFAULT_PASSES, sample_photo

    with sample_photo() as path:
        out.mkdir(parents=True, exist_ok=True)
        analyze([path], json_out=str(out / "sample.json"), overlay=out / "sample.overlay.png", mm_per_px=None,
                marker_mm=None, strict=False, passes=DEFAULT_PASSES, fast=False, table=True)
    _plain(_out, f"JSON: {out / 'sample.json'}   overlay: {out / 'sample.overlay.png'}")


EXIT_NOT_COMPARABLE = 10

app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")
app.add_typer(plan_app, name="plan")
app.add_typer(config_app, name="config")
app.add_typer(backup_app, name="backup")
app.add_typer(export_app, name="export")
app.add_typer(outcomes_app, name="outcomes")
app.add_typer(batch_app, name="batch")


@app.command()
def compare(
    photos: Annotated[list[Path], typer.Argument(help="Baseline photo, then one or more later photos.")],
    json_out: Annotated[str | None, typer.Option("--json", help="Write JSON here ('-' for stdout).")] = None,
    image: Annotated[Path | None, typer.Option(help="Aligned pair, overlay and arrows in mm (PNG); the last photo "
                                               "against the baseline when several.")] = None,
    plot: Annotated[Path | None, typer.Option(help="Lift over time (PNG), with three or more photos.")] = None,
    dates: Annotated[str | None, typer.Option(help="Dates of the photos, YYYY-MM-DD,... (default: EXIF capture "
                                              "date).")] = None,
    force: Annotated[bool, typer.Option(help="Compare even a pair that is not comparable; the result says so.")]
    = False,
) -> None:
    """Measure tissue movement per area between a baseline photo and later ones, in mm with its ±."""
    if len(photos) < 2:
        _plain(_err, "error: give a baseline photo and at least one later photo")
        raise typer.Exit(2)
    if plot is not None and len(photos) < 3:
        _plain(_err, "error: --plot needs three or more photos (a baseline and two follow-ups)")
        raise typer.Exit(2)
    from threadlift.services.analysis import (
        UnusablePhoto,
        compare_files,
        comparison_document,
        series_document,
        write_comparison_picture,
        write_lift_plot,
    )

    parsed_dates = _parse_dates(dates, len(photos))
    with _progress(len(photos)) as progress:
        task = progress.add_task("Analysing", total=len(photos))
        try:
            series = compare_files(photos, parsed_dates, force=force, analysed=lambda _: progress.advance(task))
        except UnusablePhoto as failed:
            _plain(_err, f"error: {failed}")
            raise typer.Exit(failed.error.exit_code) from None
        except ValueError as error:
            _plain(_err, f"error: {error}")
            raise typer.Exit(2) from None
    document = comparison_document(series.comparisons[0], series.days[0]) if len(photos) == 2 \
        else series_document(series)
    stream, close_stream = _json_stream(json_out)
    if stream is not None:
        _write_json(stream, document, False)
        if close_stream:
            stream.close()
    if json_out is None:
        for comparison, day in zip(series.comparisons, series.days, strict=True):
            if comparison.measured:  # refusals are explained on stderr below
                _out.print(_comparison_table(comparison_document(comparison, day)))
    last = series.comparisons[-1]
    if image is not None and last.displacement is not None:
        _plain(_err, f"comparison picture written to {write_comparison_picture(last, image)}")
    if plot is not None:
        try:
            _plain(_err, f"plot written to {write_lift_plot(series, plot)}")
        except ValueError as error:
            _plain(_err, f"error: {error}")
            raise typer.Exit(2) from None
    refused = [c for c in series.comparisons if not c.comparable and not c.forced]
    for comparison in refused:
        for reason in comparison.reasons:
            _plain(_err, f"not comparable: {comparison.after.photo.path}: {reason.message} [{reason.code}]")
    if refused:
        raise typer.Exit(EXIT_NOT_COMPARABLE)


@app.command()
def simulate(
    photo: Annotated[Path, typer.Argument(help="The photo to preview a lift on (frontal).")],
    lift: Annotated[list[str], typer.Option(help="AREA=MM, e.g. --lift brow=2 --lift midface=3 (areas: brow, "
                                            "midface, nasolabial, jawline, commissure).")],
    out: Annotated[Path, typer.Option(help="Where to write the preview (PNG or JPEG).")],
    side: Annotated[str, typer.Option(help="both, left or right (the patient's sides).")] = "both",
) -> None:
    """Preview a lift of a few millimetres on a photo: an illustration, not a prediction."""
    from threadlift.services.analysis import SIDES, lift_preview
    from threadlift.services.types import PhotoError

    lifts = _parse_lifts(lift)
    if side not in SIDES:
        _plain(_err, f"error: --side {side}: choose both, left or right")
        raise typer.Exit(2)
    try:
        picture = lift_preview(photo, lifts, side)
    except PhotoError as error:
        _plain(_err, f"error: {photo}: {error.message} [{error.code}]")
        raise typer.Exit(error.exit_code) from None
    except ValueError as error:
        _plain(_err, f"error: {error}")
        raise typer.Exit(2) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    from PIL import Image

    Image.fromarray(picture).save(out)
    _plain(_out, f"preview written to {out} (illustration, not a prediction)")


def _parse_lifts(entries: list[str]) -> dict[str, float]:
    lifts: dict[str, float] = {}
    for entry in entries:
        area, _, value = entry.partition("=")
        try:
            lifts[area.strip()] = float(value)
        except ValueError:
            _plain(_err, f"error: --lift {entry}: write AREA=MM, e.g. --lift midface=3")
            raise typer.Exit(2) from None
    return lifts


def _parse_dates(text: str | None, count: int) -> list[Any] | None:
    if text is None:
        return None
    from datetime import date

    parts = [p.strip() for p in text.split(",")]
    if len(parts) != count:
        _plain(_err, f"error: --dates has {len(parts)} dates for {count} photos; give one YYYY-MM-DD per photo")
        raise typer.Exit(2)
    try:
        return [date.fromisoformat(p) for p in parts]
    except ValueError:
        _plain(_err, f"error: --dates {text}: use YYYY-MM-DD,YYYY-MM-DD,...")
        raise typer.Exit(2) from None


def _comparison_table(doc: dict[str, Any]) -> Table:
    from rich.table import Table

    days = doc.get("days_since_baseline")
    title = (f"{escape(str(doc['before']['path']))} -> {escape(str(doc['after']['path']))}"
             + (f"  ·  day {days}" if days is not None else ""))
    table = Table(title=title, title_justify="left", caption_justify="left")
    table.add_column("area")
    table.add_column("patient's right", justify="right")
    table.add_column("patient's left", justify="right")
    for area, sides in doc["areas"].items():
        if sides["left"] is None and sides["right"] is None:
            continue
        table.add_row(area, *(escape(sides[s]["summary"]) if sides[s] else "" for s in ("right", "left")))
    error_mm = doc["registration"]["error_mm"]
    caption = f"lift = up, mm; ± holds about 95% of the time; registration error {error_mm:.2f} mm"
    if doc["comparable"]["forced"]:
        caption += "\n[red]NOT COMPARABLE (forced):[/red] " + "; ".join(r["code"] for r in doc["comparable"]["reasons"])
    table.caption = caption
    return table


def _unique(name: str, taken: set[str]) -> str:
    """Photos from different folders may share a name; their overlays must not overwrite each other."""
    stem, suffix = name.split(".", 1)
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}.{suffix}"
    taken.add(candidate)
    return candidate


def _plain(console: Console, text: str) -> None:
    """One unwrapped line of plain text (file names may contain brackets; messages stay on one line)."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _overlay_target(overlay: Path | None, several: bool) -> Path | None:
    if overlay is None:
        return None
    if several:
        if overlay.exists() and not overlay.is_dir():
            _plain(_err, f"error: --overlay {overlay} must be a folder when several photos are given")
            raise typer.Exit(2)
        overlay.mkdir(parents=True, exist_ok=True)
    elif overlay.is_dir():
        _plain(_err, f"error: --overlay {overlay} is a folder; give a file name ending in .png")
        raise typer.Exit(2)
    return overlay


def _json_stream(json_out: str | None) -> tuple[TextIO | None, bool]:
    if json_out is None:
        return None, False
    if json_out == "-":
        return sys.stdout, False
    target = Path(json_out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return target.open("w", encoding="utf-8"), True
    except OSError as error:
        _plain(_err, f"error: cannot write {target}: {error.strerror}")
        raise typer.Exit(2) from None


def _write_json(stream: TextIO, document: dict[str, Any], lines: bool) -> None:
    stream.write(json.dumps(document, separators=(",", ":")) if lines else json.dumps(document, indent=2))
    stream.write("\n")
    stream.flush()


def _progress(total: int) -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=_err, transient=True, disable=total < 2 or not _err.is_terminal)


def _summary(doc: dict[str, Any]) -> Table:
    from rich.table import Table

    pose, cal, quality = doc["pose"], doc["calibration"], doc["quality"]
    spread = cal["uncertainty_mm_per_px"]
    scale = f"{cal['mm_per_px']:.4f} mm/px ({cal['method']}" + (f", ±{100 * spread / cal['mm_per_px']:.1f}%)"
                                                                 if spread is not None else ")")
    title = (f"{escape(str(doc['image']['path']))}  ·  {doc['view']}  ·  yaw {pose['yaw_deg']:+.1f}° "
             f"pitch {pose['pitch_deg']:+.1f}° roll {pose['roll_deg']:+.1f}° (to the line of sight)  ·  {scale}")
    reasons: list[str] = []

    def withheld(reason: str) -> str:
        if reason not in reasons:
            reasons.append(reason)
        return f"[dim]withheld ({reasons.index(reason) + 1})[/dim]"

    table = Table(title=title, title_justify="left", caption_justify="left")
    table.add_column("measurement")
    table.add_column("patient's right", justify="right")
    table.add_column("patient's left", justify="right")
    table.add_column("value / L−R", justify="right")
    for name, m in doc["measurements"].items():
        spread = m.get("uncertainty")
        if m.get("withheld"):
            table.add_row(name, "", "", withheld(m["withheld"]))
        elif "left" in m:
            table.add_row(name, *(_fmt(m[part], spread and spread[part]) for part in ("right", "left", "difference")))
        else:
            table.add_row(name, "", "", _fmt(m["value"], spread))
    for region, m in doc["symmetry"].items():
        shown = withheld(m["withheld"]) if m.get("withheld") else _fmt(m["value"], m["uncertainty"])
        table.add_row(f"asymmetry_mm ({region})", "", "", shown)
    for area, grade in doc["severity"].items():
        shown = f"grade {grade['grade']} (estimate)" if grade["grade"] is not None else withheld(grade["withheld"])
        table.add_row(f"severity: {area}", "", "", shown)
    notes = [f"({i}) {escape(reason)}" for i, reason in enumerate(reasons, start=1)]
    notes.append("± expanded uncertainty (about 95%) for comparing photos of this patient; the JSON's "
                 "absolute_uncertainty adds the spread of the scale reference")
    table.caption = "\n".join([*notes, _quality_caption(quality)])
    return table


def _quality_caption(quality: dict[str, Any]) -> str:
    if quality["ok"]:
        return "[green]quality OK[/green]"
    problems = "\n".join(f"  {i['code']}: {escape(i['message'])}" for i in quality["issues"])
    return f"[red]quality problems (measured anyway; treat with care):[/red]\n{problems}"


def _fmt(value: float | None, uncertainty: float | None = None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if uncertainty is None else f"{value:.2f} ± {uncertainty:.2f}"


app.command()(demo)
app.command()(serve)
app.command()(restore)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
