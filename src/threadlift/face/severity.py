"""Severity estimates 0-4 per area, each with the rule that produced it and its source.

These are estimates to help the clinician, not diagnoses, and the output says so. Only the brow
has a published millimetre scale. Validated midface, jawline and neck scales (Merz, §4) are
photonumeric: judged by eye against reference images, with no millimetre cut-offs, so the bands
for those areas are ThreadLift's own ([DESIGN]) and live in :class:`SeveritySettings` for a clinic
to tune against its clinicians' grades.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from threadlift.face.landmarks import canonical_face_cm
from threadlift.face.metrics import MEASURES_BY_NAME, compute


def _canonical_value(name: str) -> float:
    """A measurement on MediaPipe's canonical (population-average) face, as a neutral reference."""
    points = canonical_face_cm()[:, :2] * [10.0, -10.0]
    value = compute(MEASURES_BY_NAME[name], points - (points[468] + points[473]) / 2)
    return float(value[0] if isinstance(value, tuple) else value)


@dataclass(frozen=True)
class SeveritySettings:
    # Brow ptosis grade by lateral brow height, cm -> mm: >18 normal, 17-15 I, 14-12 II, 11-9 III, <8 IV
    # (thread-lift-clinical.md §3.2 [BROWGRADE]); lower bounds of grades 0-3.
    brow_lower_bounds_mm: tuple[float, float, float, float] = (18.0, 15.0, 12.0, 9.0)
    # [DESIGN] millimetres of excess over the canonical face per grade step.
    midface_step_mm: float = 2.0
    jowl_step_mm: float = 1.5
    # Cervicomental angle: 105-120° youthful (Ellenbogen and Karlin, face-measurement.md §3.6); [DESIGN]
    # 10° per grade above that.
    neck_upper_bounds_deg: tuple[float, float, float, float] = (120.0, 130.0, 140.0, 150.0)
    midface_reference_mm: float = field(default_factory=lambda: _canonical_value("cheek_below_alar_base_mm"))
    jowl_reference_mm: float = field(default_factory=lambda: _canonical_value("jowl_depth_mm"))


@dataclass(frozen=True)
class SeverityEstimate:
    grade: int | None
    rule: str
    source: str
    basis_value: float | None = None
    withheld: str | None = None


BROW_SOURCE = ("[BROWGRADE] Real et al., cited in Aesthetic Plast Surg 2023 (thread-lift-clinical.md §3.2); the "
               "Frankfort plane is not visible on a frontal photo and is approximated by the inter-pupillary line")
DESIGN_SOURCE = ("[DESIGN] ThreadLift band, not a validated cut-off: the Merz scales for this area are photonumeric "
                 "(face-measurement.md §4)")
NECK_SOURCE = ("Ellenbogen and Karlin youthful cervicomental angle 105-120° (face-measurement.md §3.6); bands above it "
               "are [DESIGN]")


def grade_brow(lateral_heights_mm: Sequence[float], s: SeveritySettings) -> SeverityEstimate:
    lowest = min(lateral_heights_mm)
    grade = next((g for g, bound in enumerate(s.brow_lower_bounds_mm) if lowest >= bound), 4)
    return SeverityEstimate(grade, f"lower lateral brow {lowest:.1f} mm above the pupil line: grade {grade} of the "
                            "brow ptosis scale (>=18 mm normal, 15-18 I, 12-15 II, 9-12 III, <9 IV)",
                            BROW_SOURCE, round(lowest, 2))


def _stepped(excess: float, step: float) -> int:
    return int(min(4, max(0, excess // step)))


def grade_midface(cheek_below_alar_mm: Sequence[float], s: SeveritySettings) -> SeverityEstimate:
    worst = max(cheek_below_alar_mm)
    grade = _stepped(worst - s.midface_reference_mm, s.midface_step_mm)
    rule = (f"cheek centre {worst:.1f} mm below the alar base against {s.midface_reference_mm:.1f} mm on the "
            f"average face; one grade per {s.midface_step_mm:g} mm lower")
    return SeverityEstimate(grade, rule, DESIGN_SOURCE, round(worst, 2))


def grade_jawline(jowl_depths_mm: Sequence[float], s: SeveritySettings) -> SeverityEstimate:
    worst = max(jowl_depths_mm)
    grade = _stepped(worst - s.jowl_reference_mm, s.jowl_step_mm)
    rule = (f"jowl bulge {worst:.1f} mm beyond the gonion-menton line against {s.jowl_reference_mm:.1f} mm on "
            f"the average face; one grade per {s.jowl_step_mm:g} mm more")
    return SeverityEstimate(grade, rule, DESIGN_SOURCE, round(worst, 2))


def grade_neck(cervicomental_angle_deg: float, s: SeveritySettings) -> SeverityEstimate:
    angle = cervicomental_angle_deg
    grade = next((g for g, bound in enumerate(s.neck_upper_bounds_deg) if angle <= bound), 4)
    return SeverityEstimate(grade, f"cervicomental angle {angle:.0f}°: grade {grade} (<=120° youthful, then one grade "
                            "per 10°)", NECK_SOURCE, round(angle, 1))


def withheld(area: str, reason: str) -> SeverityEstimate:
    source = {"brow": BROW_SOURCE, "neck": NECK_SOURCE}.get(area, DESIGN_SOURCE)
    return SeverityEstimate(None, "not graded", source, None, reason)
