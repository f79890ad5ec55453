"""Before/after comparison: how far the tissue of each treated area moved, with an honest ±.

The two photos are aligned on points a lift does not move (:mod:`threadlift.face.register`), the
tissue movement is measured on the pixels (:mod:`threadlift.face.flow`) inside each area's
outline (:mod:`threadlift.face.areas`), and every displacement carries the uncertainty from the
registration residual, the flow's movement of the nasal bridge (which should not move), the
flow's own error on less textured skin, the calibration and the spread inside the area. A change
inside its uncertainty is reported as no measurable change. Pairs that cannot be compared are
refused with the reason unless forced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from threadlift.face import landmarks as lm
from threadlift.face.analysis import Analyzer, FaceAnalysis, default_analyzer
from threadlift.face.areas import (
    FRONTAL_AREAS,
    Area,
    Side,
    outline_mm,
    rigid_outlines_mm,
    to_face_frame_vector,
)
from threadlift.face.flow import FlowGrid, dense_displacement_mm, remove_residual_alignment, resample
from threadlift.face.load import Photo
from threadlift.face.pose import View
from threadlift.face.register import Registration, register

_EDGE_PX = 4  # 1.6 mm on the flow grid: half a DIS patch


@dataclass(frozen=True)
class CompareSettings:
    max_yaw_difference_deg: float = 3.0  # 2° of yaw already fakes 3.2 mm at the jaw (face-measurement.md §3.2)
    max_pitch_difference_deg: float = 5.0  # vertical distances change 0.6 mm per 5° (§3.2)
    max_expression_change: float = 0.06  # mouth opening or corner lift, as a fraction of mouth width
    # Eye and nose proportions of one person differ by under 2% between photos; of two people by 7-20%
    # (measured on ../shared/data/faces); a lift does not touch them.
    max_proportion_difference: float = 0.05
    coverage_factor: float = 2.0  # the ± is an expanded uncertainty, about a 95% interval
    min_uncertainty_mm: float = 0.2  # half a flow-grid pixel: below this the pixels cannot vouch
    # The flow's own error away from the rigid tissue (1 SD): on rotated, rescaled, recompressed
    # copies of unchanged photos it read up to 0.3 mm in the jawline and nasolabial areas, where the
    # skin has little texture, while the rigid tissue read 0.11-0.13 mm (measured here, obama3 and
    # astronaut, tests/integration/test_compare.py).
    flow_error_mm: float = 0.15


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass(frozen=True)
class AreaChange:
    """Movement of one area on one side, face frame: lateral (toward the patient's side) and up, mm."""

    lateral_mm: float
    lift_mm: float
    uncertainty_mm: float

    @property
    def magnitude_mm(self) -> float:
        return float(np.hypot(self.lateral_mm, self.lift_mm))

    @property
    def measurable(self) -> bool:
        return self.magnitude_mm > self.uncertainty_mm


@dataclass(frozen=True)
class MeasurementChange:
    unit: str
    value: float | None = None
    left: float | None = None
    right: float | None = None
    withheld: str | None = None


@dataclass(frozen=True)
class Displacement:
    """The dense field behind the area figures, kept for pictures."""

    grid: FlowGrid
    field_mm: NDArray[np.float32]  # (H, W, 2) face-frame mm, before -> after


@dataclass(frozen=True)
class Comparison:
    before: FaceAnalysis
    after: FaceAnalysis
    reasons: tuple[Reason, ...]
    forced: bool
    registration: Registration | None = None
    areas: dict[Area, dict[Side, AreaChange | None]] = field(default_factory=dict)
    measurement_changes: dict[str, MeasurementChange] = field(default_factory=dict)
    flow_noise_mm: float | None = None
    displacement: Displacement | None = None

    @property
    def comparable(self) -> bool:
        return not self.reasons

    @property
    def measured(self) -> bool:
        return self.registration is not None


def compare(before: FaceAnalysis | Photo | str | Path | bytes | NDArray[np.uint8],
            after: FaceAnalysis | Photo | str | Path | bytes | NDArray[np.uint8], *, force: bool = False,
            analyzer: Analyzer | None = None, settings: CompareSettings | None = None) -> Comparison:
    """Compare two photos of one patient (analyses, or anything :meth:`Analyzer.analyze` accepts).

    A pair that cannot be compared comes back with ``reasons`` and no areas, unless ``force``.
    """
    s = settings or CompareSettings()
    first, second = (_analysed(x, analyzer) for x in (before, after))
    reasons = comparability(first, second, s)
    if reasons and not force:
        return Comparison(first, second, reasons, forced=False)
    registration = register(first.landmarks_px, second.landmarks_px, first.calibration.mm_per_px)
    frame = first.frame
    points_mm = frame.to_mm(first.landmarks_px)
    grid = FlowGrid.around(points_mm)
    before_grey = resample(first.photo.rgb, first.photo.scale, grid, frame)
    after_grey = resample(second.photo.rgb, second.photo.scale, grid, frame, registration)
    rigid = np.zeros((grid.height_px, grid.width_px), bool)
    for outline in rigid_outlines_mm(points_mm):
        rigid |= grid.mask(outline)
    field_mm, noise = remove_residual_alignment(dense_displacement_mm(before_grey, after_grey), grid, rigid)
    relative_scale = _relative_scale_uncertainty(first, second)
    areas: dict[Area, dict[Side, AreaChange | None]] = {}
    for area in FRONTAL_AREAS:
        areas[area] = {side: _area_change(field_mm, grid, points_mm, area, side, registration.error_mm, noise,
                                          relative_scale, s) if _side_visible(first.view, side) else None
                       for side in (Side.LEFT, Side.RIGHT)}
    areas[Area.NECK] = {Side.LEFT: None, Side.RIGHT: None}
    return Comparison(first, second, reasons, force and bool(reasons), registration, areas,
                      measurement_changes(first, second), noise, Displacement(grid, field_mm))


def comparability(before: FaceAnalysis, after: FaceAnalysis, s: CompareSettings | None = None) -> tuple[Reason, ...]:
    """Why two analyses cannot be compared (empty when they can)."""
    s = s or CompareSettings()
    reasons = []
    if before.view is not after.view:
        reasons.append(Reason("different_views", f"the before photo is a {before.view.value.replace('_', ' ')} view "
                              f"and the after photo a {after.view.value.replace('_', ' ')} view; compare photos "
                              "taken from the same angle"))
    yaw = after.pose.yaw_deg - before.pose.yaw_deg
    pitch = after.pose.pitch_deg - before.pose.pitch_deg
    if abs(yaw) > s.max_yaw_difference_deg:
        reasons.append(Reason("pose_difference", f"the head is turned {abs(yaw):.1f}° differently (limit "
                              f"{s.max_yaw_difference_deg:g}°); retake the photo matching the baseline pose"))
    if abs(pitch) > s.max_pitch_difference_deg:
        reasons.append(Reason("pose_difference", f"the head is tilted {abs(pitch):.1f}° differently up or down (limit "
                              f"{s.max_pitch_difference_deg:g}°); retake the photo matching the baseline pose"))
    change = _expression_change(before, after)
    if change > s.max_expression_change:
        reasons.append(Reason("expression_change", "the expression differs between the photos (mouth or eyes); "
                              "compare photos with the same relaxed, neutral expression"))
    difference = proportion_difference(before, after)
    if difference > s.max_proportion_difference:
        reasons.append(Reason("different_person", f"eye and nose proportions differ by {100 * difference:.0f}% (limit "
                              f"{100 * s.max_proportion_difference:.0f}%), more than any lift explains; check that "
                              "both photos are of the same patient"))
    return tuple(reasons)


def proportion_difference(before: FaceAnalysis, after: FaceAnalysis) -> float:
    """RMS relative difference of eye and nose proportions (scale-free, untouched by a lift)."""
    first, second = _proportions(before), _proportions(after)
    return float(np.sqrt(np.mean((second / first - 1.0) ** 2)))


def _proportions(a: FaceAnalysis) -> NDArray[np.float64]:
    p = a.frame.to_mm(a.landmarks_px)
    ipd = float(np.linalg.norm(p[lm.IRIS_CENTRE_LEFT] - p[lm.IRIS_CENTRE_RIGHT]))

    def gap(i: int, j: int) -> float:
        return float(np.linalg.norm(p[i] - p[j])) / ipd

    return np.array([gap(133, 362), gap(33, 263), gap(98, 327), gap(129, 358),
                     (gap(33, 133) + gap(263, 362)) / 2, (p[2, 1] - p[168, 1]) / ipd, (p[1, 1] - p[168, 1]) / ipd])


def _expression_change(before: FaceAnalysis, after: FaceAnalysis) -> float:
    keys = ("mouth_opening", "commissure_lift")
    changes = [abs(after.quality.figures[k] - before.quality.figures[k]) for k in keys
               if k in before.quality.figures and k in after.quality.figures]
    closed = {"eyes_closed"} & ({i.code for i in before.quality.issues} ^ {i.code for i in after.quality.issues})
    return max([*changes, 1.0 if closed else 0.0])


def _side_visible(view: View, side: Side) -> bool:
    if view is View.FRONTAL:
        return True
    if view is View.OBLIQUE_LEFT:
        return side is Side.LEFT
    if view is View.OBLIQUE_RIGHT:
        return side is Side.RIGHT
    return False


def _relative_scale_uncertainty(before: FaceAnalysis, after: FaceAnalysis) -> float:
    calibration = before.calibration
    if calibration.uncertainty_mm_per_px is None:
        return 0.0
    return calibration.uncertainty_mm_per_px / calibration.mm_per_px


def _area_change(field_mm: NDArray[np.float32], grid: FlowGrid, points_mm: NDArray[np.float64], area: Area,
                 side: Side, registration_error_mm: float, noise_mm: float, relative_scale: float,
                 s: CompareSettings) -> AreaChange | None:
    outline = grid.mask(outline_mm(points_mm, area, side))
    if outline.sum() < 20:
        return None
    # The flow blends motion across its patches; the area's edge is read from its core instead.
    core = cv2.erode(outline.astype(np.uint8), np.ones((2 * _EDGE_PX + 1, 2 * _EDGE_PX + 1), np.uint8)).astype(bool)
    mask = core if core.sum() >= 20 else outline
    vectors = field_mm[mask].astype(np.float64)
    median = np.median(vectors, axis=0)
    lateral, lift = to_face_frame_vector(median, side)
    magnitude = float(np.hypot(lateral, lift))
    # The flow is smooth over about a 8 x 8 px patch, so only n/64 samples are independent.
    spread = float(np.median(np.linalg.norm(vectors - median, axis=1))) * 1.4826
    independent = max(1.0, mask.sum() / 64.0)
    standard = float(np.sqrt(registration_error_mm**2 + noise_mm**2 + s.flow_error_mm**2
                             + (relative_scale * magnitude) ** 2 + (spread / np.sqrt(independent)) ** 2))
    return AreaChange(lateral, lift, max(s.coverage_factor * standard, s.min_uncertainty_mm))


def measurement_changes(before: FaceAnalysis, after: FaceAnalysis) -> dict[str, MeasurementChange]:
    """After minus before for every measurement both photos report."""
    changes = {}
    for name, first in before.measurements.items():
        second = after.measurements.get(name)
        if second is None:
            continue
        reason = first.withheld or second.withheld
        if reason:
            changes[name] = MeasurementChange(first.unit, withheld=reason)
        elif first.left is not None and second.left is not None and first.right is not None \
                and second.right is not None:
            changes[name] = MeasurementChange(first.unit, left=second.left - first.left,
                                              right=second.right - first.right)
        elif first.value is not None and second.value is not None:
            changes[name] = MeasurementChange(first.unit, value=second.value - first.value)
    return changes


@dataclass(frozen=True)
class Series:
    """Several photos of one patient over time, each compared with the first (the baseline)."""

    comparisons: tuple[Comparison, ...]
    days: tuple[int | None, ...]  # days since the baseline, for each comparison

    def lift_over_time(self, area: Area, side: Side) -> list[tuple[int | None, AreaChange | None]]:
        return [(day, c.areas.get(area, {}).get(side)) for day, c in zip(self.days, self.comparisons, strict=True)]


def compare_series(photos: Sequence[FaceAnalysis | Photo | str | Path | bytes | NDArray[np.uint8]],
                   dates: Sequence[date | None] | None = None, *, force: bool = False,
                   analyzer: Analyzer | None = None, settings: CompareSettings | None = None) -> Series:
    """Compare each later photo with the first. ``dates`` default to the photos' EXIF capture dates."""
    if len(photos) < 2:
        raise ValueError("a series needs a baseline and at least one later photo")
    analyses = [_analysed(p, analyzer) for p in photos]
    if dates is None:
        dates = [a.photo.captured_at.date() if a.photo.captured_at else None for a in analyses]
    if len(dates) != len(analyses):
        raise ValueError(f"{len(dates)} dates for {len(analyses)} photos; give one date per photo")
    baseline = dates[0]
    days = tuple((d - baseline).days if d is not None and baseline is not None else None for d in dates[1:])
    comparisons = tuple(compare(analyses[0], later, force=force, analyzer=analyzer, settings=settings)
                        for later in analyses[1:])
    return Series(comparisons, days)


def _analysed(item: FaceAnalysis | Photo | str | Path | bytes | NDArray[np.uint8],
              analyzer: Analyzer | None) -> FaceAnalysis:
    if isinstance(item, FaceAnalysis):
        return item
    return (analyzer or default_analyzer()).analyze(item)
