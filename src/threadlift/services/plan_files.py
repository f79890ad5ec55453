"""Plans as files, for the command line: suggested from a photo, read and checked, edited, drawn.

No record is involved: the clinician names the plan and the photo. The checks and the edits are those
of the plan page and the JSON API (:func:`threadlift.services.planning.edit_document`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from PIL import Image

from threadlift.face.analysis import FaceAnalysis, default_analyzer
from threadlift.face.load import load_photo
from threadlift.plan.draw import png_bytes, to_svg
from threadlift.plan.edit import parse_edits
from threadlift.plan.model import Plan
from threadlift.plan.preview import expected_lifts, preview
from threadlift.plan.scene import build_scene
from threadlift.plan.suggest import PlanInput, suggest
from threadlift.plan.validate import parse, validate
from threadlift.reports.marking_sheet import marking_sheet_pdf
from threadlift.services.planning import edit_document
from threadlift.services.types import CheckedPlan

MAP_FORMATS = (".png", ".svg", ".pdf")
PREVIEW_WHOLE_PHOTO_PX = 10**6  # the preview is drawn on the photo at its full size


def analysed(photo: Path, *, mm_per_px: float | None = None, marker_mm: float | None = None) -> FaceAnalysis:
    """The photo's analysis; raises :class:`threadlift.face.errors.PhotoError` for an unusable file."""
    return default_analyzer().analyze(photo, mm_per_px=mm_per_px, marker_mm=marker_mm)


def suggest_from_photo(photo: Path, concerns: Sequence[str], *, now: datetime, age_years: int | None = None,
                       laxity_grade: float | None = None, avoid_materials: Sequence[str] = (),
                       weight_kg: float | None = None, jurisdiction: str = "UK", mm_per_px: float | None = None,
                       marker_mm: float | None = None) -> Plan:
    """A suggested plan from a frontal photo; raises ``ValueError`` for an area that cannot be planned."""
    analysis = analysed(photo, mm_per_px=mm_per_px, marker_mm=marker_mm)
    return suggest(PlanInput.from_analysis(analysis), concerns, now=now, age_years=age_years,
                   laxity_grade=laxity_grade, avoid_materials=avoid_materials, weight_kg=weight_kg,
                   jurisdiction=jurisdiction)


def checked_plan(text: str | bytes) -> Plan:
    """A plan document, checked and with its flags recomputed; raises :class:`PlanInvalid`."""
    return validate(parse(text))


def edited(text: str | bytes, edits: object) -> CheckedPlan:
    """The plan with ``edits`` (JSON-like, as the API takes them) applied and checked, as the plan page
    and the API check them. Raises :class:`PlanInvalid` only when the plan or an edit cannot be read."""
    return edit_document(parse(text), parse_edits(edits))


def map_file(plan: Plan, photo: Path, suffix: str, *, printed_at: datetime) -> bytes:
    """The marking map drawn on ``photo``: PNG, SVG, or the printable A4 sheet (PDF)."""
    if suffix not in MAP_FORMATS:
        raise ValueError(f"write a {', '.join(MAP_FORMATS[:-1])} or {MAP_FORMATS[-1]} file")
    scene = build_scene(plan, analysed(photo))
    if suffix == ".png":
        return png_bytes(scene)
    if suffix == ".svg":
        return to_svg(scene).encode()
    return marking_sheet_pdf(plan, scene, printed_at=printed_at)


def lift_preview(plan: Plan, photo: Path, image_format: str = "PNG") -> tuple[bytes, dict[str, tuple[float, float]]]:
    """The photo with the plan's expected lift per area and side (an illustration, not a prediction),
    and those lifts in mm (left, right) by area; raises ``ValueError`` when nothing can be previewed."""
    picture = preview(plan, load_photo(photo, working_long_side_px=PREVIEW_WHOLE_PHOTO_PX).rgb, analysed(photo))
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format=image_format)
    return buffer.getvalue(), expected_lifts(plan)
