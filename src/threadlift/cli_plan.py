"""``threadlift plan``: suggest a plan from a photo, validate an edited plan, render it, preview it.

``threadlift plan PHOTO --concern jawline ...`` is ``threadlift plan suggest PHOTO ...``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer._click.core import Context  # typer 0.29 vendors click: the Context TyperGroup expects
from typer.core import TyperGroup

if TYPE_CHECKING:
    from threadlift.face.analysis import FaceAnalysis
    from threadlift.plan.model import Plan

EXIT_PLAN_INVALID = 12
RENDER_FORMATS = (".png", ".svg", ".pdf")
_out = Console()
_err = Console(stderr=True)


class _SuggestByDefault(TyperGroup):
    """Run ``suggest`` when the first argument is not a subcommand (``threadlift plan PHOTO ...``)."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["suggest", *args]
        return super().parse_args(ctx, args)


plan_app = typer.Typer(cls=_SuggestByDefault, no_args_is_help=True,
                       help="Treatment plans: suggest (the default), validate, render, preview.")


def _say(console: Console, text: str) -> None:
    console.print(escape(text), highlight=False, soft_wrap=True)


def _fail(text: str, code: int) -> typer.Exit:
    _say(_err, f"error: {text}")
    return typer.Exit(code)


@plan_app.command("suggest")
def suggest_command(
    photo: Annotated[Path, typer.Argument(help="A standard frontal photo of the patient.")],
    concern: Annotated[list[str], typer.Option(help="An area to treat (repeat): brow, midface, nasolabial, "
                                               "jawline, marionette, neck.")],
    out: Annotated[str, typer.Option(help="Where to write the plan JSON ('-' for stdout).")],
    age: Annotated[int | None, typer.Option(min=0, max=120, help="The patient's age in years.")] = None,
    laxity: Annotated[float | None, typer.Option(min=0, max=4, help="Laxity grade 0-4 (Alexiades-Armenakas); "
                                                 "3.5 and above gives a referral instead of threads.")] = None,
    weight_kg: Annotated[float | None, typer.Option(min=20, max=400, help="Weight (or ideal body weight when "
                                                    "obese) for the anaesthetic maximum.")] = None,
    jurisdiction: Annotated[str, typer.Option(help="UK or US: sets the anaesthetic maximum.")] = "UK",
    avoid_material: Annotated[list[str] | None, typer.Option(help="A material the patient must not receive "
                                                            "(allergy, SEL-09); repeat.")] = None,
    mm_per_px: Annotated[float | None, typer.Option(help="Known scale, mm per original pixel.")] = None,
    marker_mm: Annotated[float | None, typer.Option(help="Side of a printed ArUco marker in the photo, mm.")] = None,
) -> None:
    """Suggest threads, vectors and counts per area and side from a frontal photo."""
    from threadlift.plan.suggest import PlanInput, suggest

    if jurisdiction not in ("UK", "US"):
        raise _fail(f"--jurisdiction {jurisdiction}: choose UK or US", 2)
    analysis = _analyse(photo, mm_per_px=mm_per_px, marker_mm=marker_mm)
    try:
        plan = suggest(PlanInput.from_analysis(analysis), concern, now=datetime.now(UTC), age_years=age,
                       laxity_grade=laxity, avoid_materials=avoid_material or (), weight_kg=weight_kg,
                       jurisdiction=jurisdiction)
    except ValueError as error:
        raise _fail(str(error), 2) from None
    _write_text(out, plan.model_dump_json(indent=2, exclude_none=True) + "\n")
    _summary(plan, console=_err if out == "-" else _out)


@plan_app.command("validate")
def validate_command(
    plan_file: Annotated[Path, typer.Argument(help="A plan JSON, e.g. after the clinician's edits.")],
    out: Annotated[str | None, typer.Option(help="Write the checked plan (flags and anaesthetic recomputed) "
                                            "here ('-' for stdout).")] = None,
) -> None:
    """Check an edited plan against the schema and the catalogue; recompute flags and the anaesthetic plan."""
    plan = _load_plan(plan_file)
    if out is not None:
        _write_text(out, plan.model_dump_json(indent=2, exclude_none=True) + "\n")
    _summary(plan, console=_err if out == "-" else _out)
    _say(_err if out == "-" else _out, f"{plan_file}: valid")


@plan_app.command("render")
def render_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan JSON.")],
    photo: Annotated[Path, typer.Argument(help="A frontal photo of the same patient (any size or framing).")],
    out: Annotated[Path, typer.Option(help="map.png, map.svg or map.pdf (an A4 marking sheet).")],
) -> None:
    """Draw the marking map on a photo: PNG, SVG, or the printable A4 sheet (PDF)."""
    from threadlift.plan.scene import build_scene

    if out.suffix.lower() not in RENDER_FORMATS:
        raise _fail(f"--out {out}: write a .png, .svg or .pdf file", 2)
    plan = _load_plan(plan_file)
    scene = build_scene(plan, _analyse(photo))
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".png":
        from threadlift.plan.draw import png_bytes

        out.write_bytes(png_bytes(scene))
    elif suffix == ".svg":
        from threadlift.plan.draw import to_svg

        out.write_text(to_svg(scene), encoding="utf-8")
    else:
        from threadlift.reports.marking_sheet import marking_sheet_pdf

        out.write_bytes(marking_sheet_pdf(plan, scene, printed_at=datetime.now(UTC)))
    _say(_out, f"marking map written to {out}")


@plan_app.command("preview")
def preview_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan JSON.")],
    photo: Annotated[Path, typer.Argument(help="A frontal photo of the same patient.")],
    out: Annotated[Path, typer.Option(help="Where to write the preview (PNG or JPEG).")],
) -> None:
    """Preview the plan's expected lift per area and side on a photo: an illustration, not a prediction."""
    from PIL import Image

    from threadlift.face.load import load_photo
    from threadlift.plan.preview import expected_lifts, preview

    plan = _load_plan(plan_file)
    analysis = _analyse(photo)
    try:
        picture = preview(plan, load_photo(photo, working_long_side_px=10**6).rgb, analysis)
    except ValueError as error:
        raise _fail(str(error), 2) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(picture).save(out)
    lifts = ", ".join(f"{area} L {left:g} / R {right:g} mm" for area, (left, right) in expected_lifts(plan).items())
    _say(_out, f"preview written to {out} ({lifts}; illustration, not a prediction)")


def _analyse(photo: Path, *, mm_per_px: float | None = None, marker_mm: float | None = None) -> FaceAnalysis:
    from threadlift.face.analysis import default_analyzer
    from threadlift.face.errors import PhotoError

    try:
        return default_analyzer().analyze(photo, mm_per_px=mm_per_px, marker_mm=marker_mm)
    except PhotoError as error:
        raise _fail(f"{photo}: {error.message} [{error.code}]", error.exit_code) from None


def _load_plan(path: Path) -> Plan:
    from threadlift.plan.validate import PlanInvalid, parse, validate

    try:
        text = path.read_bytes()
    except OSError as error:
        raise _fail(f"{path}: cannot read the plan ({error.strerror})", 2) from None
    try:
        return validate(parse(text))
    except PlanInvalid as error:
        raise _fail(f"{path}: {error}", EXIT_PLAN_INVALID) from None


def _write_text(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    _say(_err, f"plan written to {path}")


def _summary(plan: Plan, console: Console | None = None) -> None:
    console = console or _out
    table = Table(title="Plan", title_justify="left")
    for column in ("area", "side", "threads", "design", "expected lift"):
        table.add_column(column)
    designs: dict[tuple[str, str], set[str]] = {}
    for thread in plan.threads:
        designs.setdefault((thread.area, thread.side.value), set()).add(thread.design.replace("_", " "))
    for area in plan.areas:
        lift = "" if area.expected_lift_mm is None else f"{area.expected_lift_mm:g} mm"
        table.add_row(area.area, area.side.value, str(area.count),
                      ", ".join(sorted(designs.get((area.area, area.side.value), set()))), lift)
    console.print(table)
    warnings = [f for f in plan.danger_flags if f.level == "warning"]
    cautions = len(plan.danger_flags) - len(warnings)
    for flag in warnings:
        _say(console, f"warning: {flag.thread_id} {flag.kind.replace('_', ' ')} {flag.zone.replace('_', ' ')}"
                      f"{' (' + flag.point + ')' if flag.point else ''} {flag.source}")
    if cautions:
        _say(console, f"{cautions} caution(s): paths crossing or passing near a zone (see danger_flags)")
    if plan.referral is not None:
        _say(console, f"referral: {plan.referral.text}")
    for warning in plan.warnings:
        _say(console, f"note: {warning}")
    la = plan.local_anaesthetic
    if la is not None:
        maximum = "enter --weight-kg for the maximum" if la.maximum_mg is None else f"maximum {la.maximum_mg:g} mg"
        _say(console, f"local anaesthetic: {la.points} points, {la.total_mg:g} mg ({maximum})")

