"""``threadlift plan``: suggest a plan from a photo, edit it, validate it, render it, preview it.

``threadlift plan PHOTO --concern jawline ...`` is ``threadlift plan suggest PHOTO ...``. The checks and
the edits are the plan page's and the JSON API's (one use case: ``threadlift.services``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer._click.core import Context  # typer 0.29 vendors click: the Context TyperGroup expects
from typer.core import TyperGroup

if TYPE_CHECKING:
    from threadlift.services.types import PlanDocument as Plan

EXIT_PLAN_INVALID = 12
T = TypeVar("T")
_out = Console()
_err = Console(stderr=True)


class _SuggestByDefault(TyperGroup):
    """Run ``suggest`` when the first argument is not a subcommand (``threadlift plan PHOTO ...``)."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["suggest", *args]
        return super().parse_args(ctx, args)


plan_app = typer.Typer(cls=_SuggestByDefault, no_args_is_help=True,
                       help="Treatment plans: suggest (the default), edit, validate, render, preview.")


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
    from threadlift.services.plan_files import suggest_from_photo

    if jurisdiction not in ("UK", "US"):
        raise _fail(f"--jurisdiction {jurisdiction}: choose UK or US", 2)
    try:
        plan = _photo_work(photo, lambda: suggest_from_photo(
            photo, concern, now=datetime.now(UTC), age_years=age, laxity_grade=laxity,
            avoid_materials=avoid_material or (), weight_kg=weight_kg, jurisdiction=jurisdiction,
            mm_per_px=mm_per_px, marker_mm=marker_mm))
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


@plan_app.command("edit")
def edit_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan JSON to edit.")],
    out: Annotated[str, typer.Option(help="Where to write the edited plan ('-' for stdout); written even with "
                                     "problems, so the editing can go on.")],
    move: Annotated[list[str] | None, typer.Option(help="Move a point: THREAD.entry|anchor|exit=X,Y (face frame, "
                                                   "mm: x toward the patient's left, y down); repeat.")] = None,
    add: Annotated[list[str] | None, typer.Option(help="Add a thread: AREA:left|right; repeat.")] = None,
    remove: Annotated[list[str] | None, typer.Option(help="Remove a thread by id; repeat.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Change a thread: THREAD.FIELD=VALUE, FIELD "
                                                   "one of design, material, gauge, length_mm, cones, "
                                                   "depth_plane, anchored (yes/no); repeat.")] = None,
    edits_file: Annotated[Path | None, typer.Option("--edits", help="Edits as JSON, a list as the API takes "
                                                    "them ([{\"op\": \"move\", ...}]), applied first.")] = None,
) -> None:
    """Edit a plan as the plan page does (sets, moves, then additions and removals, in that order), check
    it with the page's checks and print its danger-zone flags. Exit 12 when the result has problems."""
    import json

    from threadlift.services.plan_files import edited
    from threadlift.services.types import PlanInvalid

    text = _read(plan_file)
    try:
        listed = json.loads(_read(edits_file)) if edits_file else []
    except json.JSONDecodeError as error:
        raise _fail(f"{edits_file}: not JSON ({error.msg}, line {error.lineno})", 2) from None
    if not isinstance(listed, list):
        raise _fail(f"{edits_file}: give a JSON list of edits", 2)
    try:
        result = edited(text, [*listed, *_edits(set_ or [], move or [], add or [], remove or [])])
    except PlanInvalid as error:
        raise _fail(f"{plan_file}: {error}", EXIT_PLAN_INVALID) from None
    _write_text(out, result.plan.model_dump_json(indent=2, exclude_none=True) + "\n")
    console = _err if out == "-" else _out
    _summary(result.plan, console=console)
    if result.problems:
        for problem in result.problems:
            _say(_err, f"problem: {problem}")
        raise typer.Exit(EXIT_PLAN_INVALID)
    _say(console, f"{plan_file}: edited; the result is valid")


def _edits(sets: list[str], moves: list[str], adds: list[str], removes: list[str]) -> list[dict[str, object]]:
    """The options as the API's edits; a malformed option stops the command (exit 2) saying which."""
    edits: list[dict[str, object]] = []
    for option in sets:
        target, _, value = option.partition("=")
        thread, _, field = target.rpartition(".")
        if not thread or not field or not value:
            raise _fail(f"--set {option}: write THREAD.FIELD=VALUE, e.g. L-jawline-1.design=mono", 2)
        edits.append({"op": "set", "thread": thread, field: {"yes": True, "no": False}.get(value, value)
                      if field == "anchored" else value})
    for option in moves:
        target, _, where = option.partition("=")
        thread, _, point = target.rpartition(".")
        x, _, y = where.partition(",")
        if not thread or not point or not x or not y:
            raise _fail(f"--move {option}: write THREAD.POINT=X,Y, e.g. L-jawline-1.exit=52.5,61", 2)
        edits.append({"op": "move", "thread": thread, "point": point, "x_mm": x, "y_mm": y})
    for option in adds:
        area, _, side = option.partition(":")
        edits.append({"op": "add", "area": area, "side": side or "left"})
    edits += [{"op": "remove", "thread": thread} for thread in removes]
    return edits


@plan_app.command("render")
def render_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan JSON.")],
    photo: Annotated[Path, typer.Argument(help="A frontal photo of the same patient (any size or framing).")],
    out: Annotated[Path, typer.Option(help="map.png, map.svg or map.pdf (an A4 marking sheet).")],
) -> None:
    """Draw the marking map on a photo: PNG, SVG, or the printable A4 sheet (PDF)."""
    from threadlift.services.plan_files import MAP_FORMATS, map_file

    suffix = out.suffix.lower()
    if suffix not in MAP_FORMATS:
        raise _fail(f"--out {out}: write a .png, .svg or .pdf file", 2)
    plan = _load_plan(plan_file)
    drawn = _photo_work(photo, lambda: map_file(plan, photo, suffix, printed_at=datetime.now(UTC)))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(drawn)
    _say(_out, f"marking map written to {out}")


@plan_app.command("preview")
def preview_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan JSON.")],
    photo: Annotated[Path, typer.Argument(help="A frontal photo of the same patient.")],
    out: Annotated[Path, typer.Option(help="Where to write the preview (PNG or JPEG).")],
) -> None:
    """Preview the plan's expected lift per area and side on a photo: an illustration, not a prediction."""
    from threadlift.services.plan_files import lift_preview

    plan = _load_plan(plan_file)
    image_format = "JPEG" if out.suffix.lower() in (".jpg", ".jpeg") else "PNG"
    try:
        picture, expected = _photo_work(photo, lambda: lift_preview(plan, photo, image_format))
    except ValueError as error:
        raise _fail(str(error), 2) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(picture)
    lifts = ", ".join(f"{area} L {left:g} / R {right:g} mm" for area, (left, right) in expected.items())
    _say(_out, f"preview written to {out} ({lifts}; illustration, not a prediction)")


def _photo_work(photo: Path, work: Callable[[], T]) -> T:
    """Run work on a photo; an unusable photo is one line on stderr and its exit code."""
    from threadlift.services.types import PhotoError

    try:
        return work()
    except PhotoError as error:
        raise _fail(f"{photo}: {error.message} [{error.code}]", error.exit_code) from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise _fail(f"{path}: cannot read the plan ({error.strerror})", 2) from None  # or the edits


def _load_plan(path: Path) -> Plan:
    from threadlift.services.plan_files import checked_plan
    from threadlift.services.types import PlanInvalid

    try:
        return checked_plan(_read(path))
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

