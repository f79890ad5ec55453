"""Frontal measurements of one photo, each within its own pose limits and with its uncertainty.

A measurement is withheld, with the reason and the one thing to change, when the view is not frontal
or the head's yaw or pitch passes that measurement's limit (:mod:`threadlift.face.pose_budget`).
Otherwise it is reported with an expanded uncertainty that adds, in quadrature, its landmark noise
floor, the scale's uncertainty and the pose's share (the change the measured pose makes on the
canonical face). ``uncertainty`` is for comparing photos of the same patient (the scale's spread
within the photo); ``absolute_uncertainty`` adds the spread of the scale reference itself (for the
iris, between people), which matters for a value read on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from threadlift.face.calibrate import Calibration
from threadlift.face.frame import FaceFrame
from threadlift.face.landmarks import ASYMMETRY_REGIONS
from threadlift.face.metrics import MEASURES, Measure, asymmetry_mm, compute
from threadlift.face.pose import HeadPose, View, level_pitch
from threadlift.face.pose_budget import Budget, budgets, components, pose_change

COVERAGE_FACTOR = 2.0
"""Expanded uncertainty, about a 95% interval, as ``compare`` reports its changes."""


@dataclass(frozen=True)
class MeasurementResult:
    """One measurement of one photo. Uncertainties are expanded (k = 2), in ``unit``, per reported number."""

    unit: str
    value: float | None = None
    left: float | None = None
    right: float | None = None
    withheld: str | None = None
    uncertainty: dict[str, float] | None = None  # keys: "value", or "left", "right", "difference"
    absolute_uncertainty: dict[str, float] | None = None
    pose_corrected: bool = False

    @property
    def difference(self) -> float | None:
        """Left minus right, when both sides are reported."""
        if self.left is None or self.right is None:
            return None
        return self.left - self.right


def measure_frontal(landmarks_px: NDArray[np.float64], pose: HeadPose, view: View, calibration: Calibration, *,
                    enforce_pose_limits: bool = True) -> tuple[dict[str, MeasurementResult],
                                                               dict[str, MeasurementResult]]:
    """The frontal measurements and the mirror asymmetry per region (``overall`` included).

    ``enforce_pose_limits=False`` reports every value whatever the pose (for repeatability studies);
    the pose's share still enters the uncertainty.
    """
    points_mm, levelled_mm = face_frame_points(landmarks_px, pose, calibration.mm_per_px)
    table = budgets()
    measurements = {}
    for m in MEASURES:
        reason = _withheld(table[m.name], pose, view, enforce_pose_limits)
        if reason is not None:
            measurements[m.name] = MeasurementResult(m.unit, withheld=reason)
            continue
        value = compute(m, levelled_mm if m.pitch_corrected else points_mm)
        measurements[m.name] = _result(m, value, table[m.name], pose, calibration)
    asymmetry = asymmetry_mm(points_mm)
    symmetry = {}
    for region in (*ASYMMETRY_REGIONS, "overall"):
        budget = table[f"asymmetry_{region}"]
        reason = _withheld(budget, pose, view, enforce_pose_limits)
        symmetry[region] = (MeasurementResult("mm", withheld=reason) if reason is not None
                            else _result(None, asymmetry[region], budget, pose, calibration))
    return measurements, symmetry


def face_frame_points(landmarks_px: NDArray[np.float64], pose: HeadPose,
                      mm_per_px: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The landmarks in face-frame millimetres as photographed, and with the head's pitch undone."""
    levelled = level_pitch(landmarks_px, pose)
    return (FaceFrame.from_landmarks(landmarks_px, mm_per_px).to_mm(landmarks_px),
            FaceFrame.from_landmarks(levelled, mm_per_px).to_mm(levelled))


def _withheld(budget: Budget, pose: HeadPose, view: View, enforce: bool) -> str | None:
    if view is not View.FRONTAL:
        return f"needs a frontal photo; this is a {view.value.replace('_', ' ')} view"
    if not enforce:
        return None
    if abs(pose.yaw_deg) > budget.yaw_limit_deg:
        return (f"head turned {abs(pose.yaw_deg):.1f}°, beyond this measurement's ±{budget.yaw_limit_deg:.1f}° limit; "
                "ask the patient to face the camera squarely")
    if abs(pose.pitch_deg) > budget.pitch_limit_deg:
        direction = "raised" if pose.pitch_deg > 0 else "lowered"
        return (f"chin {direction} {abs(pose.pitch_deg):.1f}°, beyond this measurement's "
                f"±{budget.pitch_limit_deg:.1f}° limit; level the head, camera at eye height")
    return None


def _result(measure: Measure | None, value: float | tuple[float, float], budget: Budget, pose: HeadPose,
            calibration: Calibration) -> MeasurementResult:
    numbers = components(value)
    floor = np.array(budget.uncertainty)
    share = pose_change(budget.name, pose.yaw_deg, pose.pitch_deg)
    scaled = budget.unit == "mm"  # degrees and ratios do not depend on the scale
    within = _scale_fraction(calibration, absolute=False) if scaled else 0.0
    absolute = _scale_fraction(calibration, absolute=True) if scaled else 0.0

    def expanded(fraction: float) -> dict[str, float]:
        total = COVERAGE_FACTOR * np.sqrt(floor**2 + (numbers * fraction) ** 2 + share**2)
        return {part: float(u) for part, u in zip(budget.components, total, strict=True)}

    corrected = measure is not None and measure.pitch_corrected
    if isinstance(value, tuple):
        return MeasurementResult(budget.unit, left=value[0], right=value[1], uncertainty=expanded(within),
                                 absolute_uncertainty=expanded(absolute), pose_corrected=corrected)
    return MeasurementResult(budget.unit, value=float(value), uncertainty=expanded(within),
                             absolute_uncertainty=expanded(absolute), pose_corrected=corrected)


def _scale_fraction(calibration: Calibration, *, absolute: bool) -> float:
    spread = calibration.absolute_uncertainty_mm_per_px if absolute else calibration.uncertainty_mm_per_px
    return 0.0 if spread is None else spread / calibration.mm_per_px
