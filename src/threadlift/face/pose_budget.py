"""Each measurement's error budget against head pose: its noise floor, how fast pose changes it, and
the yaw and pitch at which that change reaches the noise floor.

A head that is not square to the line of sight foreshortens a face, but not every distance alike:
pitch moves the brow against the pupil because the brow sits 6 mm in front of it, and leaves the
distance between the pupils alone; yaw falsifies left/right differences at once and lengths only
slowly. So each measurement gets its own limits, computed here and never typed in:

* **Noise floor** (standard uncertainty, scale held fixed): MediaPipe's landmark repeatability per
  face region (face-measurement.md §6.3, frontal column, as a fraction of the inter-pupillary
  distance), propagated through the measurement's own formula on the canonical face with a
  numerical Jacobian, landmarks taken as independent.
* **Sensitivity**: the change of the measurement when MediaPipe's canonical face
  (:func:`threadlift.face.landmarks.canonical_face_cm`) is viewed at a known yaw or pitch against the
  line of sight (:func:`threadlift.face.pose.project_canonical`, 1.2 m, as face-measurement.md §3.2
  simulates) and measured through the same face frame and iris scale as a photo.
* **Limit**: the smallest angle, either way, at which some reported component (each side, their
  difference, or the single value) changes by its noise floor; capped at the frontal view's limit.

Within the limits a measurement is reported with the pose's share (the canonical face's change at
the measured pose) added to its uncertainty; beyond them it is withheld.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from threadlift.face import landmarks as lm
from threadlift.face.calibrate import from_iris
from threadlift.face.frame import FaceFrame
from threadlift.face.metrics import MEASURES, Measure, asymmetry_mm, compute
from threadlift.face.pose import FRONTAL_VIEW_MAX_YAW_DEG, project_canonical

# MediaPipe landmark repeatability, radial SD as % of the inter-pupillary distance, on a frontal face
# (face-measurement.md §6.3, "takeo" column: 25 re-runs under ±2° rotation, ±5% scale, ±15 px shift,
# JPEG q85). Points of no listed region take the cheek's figure, the interior of the face.
LANDMARK_NOISE_PERCENT_IPD: dict[str, float] = {
    "iris": 0.49,
    "eyelids and canthi": 0.56,
    "brow": 0.84,
    "mouth": 0.73,
    "lower face outline": 0.83,
    "upper face outline": 0.97,
    "cheek and midline": 0.75,
}
NOISE_SOURCE = "face-measurement.md §6.3 (MediaPipe landmark repeatability, frontal face)"

MAX_LIMIT_DEG = FRONTAL_VIEW_MAX_YAW_DEG
"""No limit beyond the frontal view: further out, the canonical face is no longer a fair model of the
patient's own, and the frontal measurements are withheld by the view anyway."""

_STEP_DEG = 0.5
_MIRROR_PAIRS = lm.mirror_map()


@dataclass(frozen=True)
class Budget:
    """One measurement's error budget. Components: ``("left", "right", "difference")`` or ``("value",)``."""

    name: str
    unit: str
    components: tuple[str, ...]
    uncertainty: tuple[float, ...]  # standard (k=1), per component, in ``unit``; scale held fixed
    yaw_change_per_deg: float  # largest component change over the first degree of yaw, either way
    pitch_change_per_deg: float
    yaw_limit_deg: float
    pitch_limit_deg: float


def landmark_noise_px(ipd_px: float) -> NDArray[np.float64]:
    """Standard deviation of each landmark's position (per axis), pixels, for a face of ``ipd_px``."""
    percent = np.full(lm.N_LANDMARKS, LANDMARK_NOISE_PERCENT_IPD["cheek and midline"])
    for region, indices in _noise_regions().items():
        percent[list(indices)] = LANDMARK_NOISE_PERCENT_IPD[region]
    # §6.3 gives a radial SD; per axis it is that over sqrt(2).
    return np.asarray(percent / 100.0 * ipd_px / np.sqrt(2.0), dtype=np.float64)


def _noise_regions() -> dict[str, tuple[int, ...]]:
    def both_sides(indices: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(sorted(set(indices) | set(lm.mirrored(indices))))

    lower = both_sides(lm.JAW_OVAL_LEFT + lm.MENTON_REGION)
    return {  # later entries win where sets overlap (a canthus is on both lids)
        "upper face outline": tuple(i for i in lm.FACE_OVAL if i not in lower),
        "lower face outline": lower,
        "cheek and midline": (),
        "mouth": lm.LIPS,
        "brow": both_sides(lm.UPPER_BROW_LEFT + lm.LOWER_BROW_LEFT),
        "eyelids and canthi": both_sides(lm.UPPER_LID_LEFT + lm.LOWER_LID_LEFT),
        "iris": tuple(range(lm.IRIS_CENTRE_RIGHT, lm.N_LANDMARKS)),
    }


def components(value: float | tuple[float, float]) -> NDArray[np.float64]:
    """A measurement's reported numbers as an array: (left, right, left - right) or (value,)."""
    if isinstance(value, tuple):
        return np.array([value[0], value[1], value[0] - value[1]])
    return np.array([value])


def _measure_canonical(points_px: NDArray[np.float64], mm_per_px: float | None = None, *,
                       measures: tuple[Measure, ...] = MEASURES,
                       asymmetry: bool = True) -> dict[str, NDArray[np.float64]]:
    """Measurements' components on projected points, through the photo's own path (frame, scale)."""
    scale = from_iris(points_px).mm_per_px if mm_per_px is None else mm_per_px
    points_mm = FaceFrame.from_landmarks(points_px, scale).to_mm(points_px)
    result = {m.name: components(compute(m, points_mm)) for m in measures}
    if asymmetry:
        result.update({f"asymmetry_{region}": np.array([value])
                       for region, value in asymmetry_mm(points_mm).items()})
    return result


def _readers() -> dict[int, tuple[Measure, ...]]:
    """For each landmark, the measurements whose value it can move (either side; the face frame's
    pupils move them all)."""
    readers: dict[int, list[Measure]] = {}
    for m in MEASURES:
        for index in {*m.landmarks, *lm.mirrored(m.landmarks), lm.IRIS_CENTRE_LEFT, lm.IRIS_CENTRE_RIGHT}:
            readers.setdefault(index, []).append(m)
    return {index: tuple(found) for index, found in readers.items()}


@lru_cache(maxsize=4096)
def _canonical_at(yaw_deg: float, pitch_deg: float) -> dict[str, NDArray[np.float64]]:
    return _measure_canonical(project_canonical(yaw_deg, pitch_deg, 0.0))


def pose_change(name: str, yaw_deg: float, pitch_deg: float) -> NDArray[np.float64]:
    """How much each component of ``name`` moves on the canonical face at this pose (absolute, unit of
    the measurement): the pose's share of a measurement's uncertainty."""
    at_pose = _canonical_at(round(yaw_deg, 2), round(pitch_deg, 2))[name]
    frontal = _canonical_at(0.0, 0.0)[name]
    return np.asarray(np.abs(at_pose - frontal), dtype=np.float64)


def _noise_floor() -> dict[str, NDArray[np.float64]]:
    """Standard uncertainty of every component from landmark noise, scale held fixed (GUM propagation)."""
    points = project_canonical(0.0, 0.0, 0.0)
    scale = from_iris(points).mm_per_px
    ipd_px = float(np.linalg.norm(points[lm.IRIS_CENTRE_LEFT, :2] - points[lm.IRIS_CENTRE_RIGHT, :2]))
    sigma = landmark_noise_px(ipd_px)
    base = _measure_canonical(points, scale, asymmetry=False)
    step = 1e-3 * ipd_px
    variance = {name: np.zeros_like(value) for name, value in base.items()}
    for index, measures in _readers().items():
        for axis in (0, 1):
            moved = points.copy()
            moved[index, axis] += step
            for name, value in _measure_canonical(moved, scale, measures=measures, asymmetry=False).items():
                variance[name] += ((value - base[name]) / step * sigma[index]) ** 2
    floor = {name: np.sqrt(v) for name, v in variance.items()}
    for region in (*lm.ASYMMETRY_REGIONS, "overall"):
        # The mirror asymmetry is an RMS of gaps: at a perfectly symmetric face noise alone makes it
        # sqrt(mean(2 (sigma_left^2 + sigma_right^2))) per pair (both axes), not zero.
        floor[f"asymmetry_{region}"] = np.array([_asymmetry_noise_mm(region, sigma, scale)])
    return floor


def _asymmetry_noise_mm(region: str, sigma_px: NDArray[np.float64], mm_per_px: float) -> float:
    left = np.array(lm.ASYMMETRY_REGIONS[region]) if region != "overall" else np.arange(lm.N_LANDMARKS)
    right = _MIRROR_PAIRS[left]
    paired = left != right
    gaps = 2.0 * (sigma_px[left[paired]] ** 2 + sigma_px[right[paired]] ** 2)
    return float(np.sqrt(gaps.mean()) * mm_per_px)


def _limit(change: Callable[[float], NDArray[np.float64]], floor: NDArray[np.float64]) -> float:
    """Smallest angle at which some component's change reaches its floor: the first crossing on a
    0.5° grid, interpolated linearly (the changes are smooth in the angle)."""
    previous_angle, previous_margin = 0.0, float(np.max(change(0.0) - floor))
    for angle in np.arange(_STEP_DEG, MAX_LIMIT_DEG + _STEP_DEG / 2, _STEP_DEG):
        margin = float(np.max(change(float(angle)) - floor))
        if margin >= 0:
            fraction = -previous_margin / max(margin - previous_margin, 1e-12)
            return round(previous_angle + fraction * (float(angle) - previous_angle), 2)
        previous_angle, previous_margin = float(angle), margin
    return MAX_LIMIT_DEG


def _either_way(name: str, axis: str) -> Callable[[float], NDArray[np.float64]]:
    def change(angle: float) -> NDArray[np.float64]:
        ahead, back = ((pose_change(name, angle, 0.0), pose_change(name, -angle, 0.0)) if axis == "yaw"
                       else (pose_change(name, 0.0, angle), pose_change(name, 0.0, -angle)))
        return np.asarray(np.maximum(ahead, back), dtype=np.float64)
    return change


@lru_cache(maxsize=1)
def budgets() -> dict[str, Budget]:
    """The error budget of every frontal measurement and every asymmetry region (``asymmetry_<region>``)."""
    floor = _noise_floor()
    names = [(m.name, m.unit, ("left", "right", "difference") if m.sided else ("value",)) for m in MEASURES]
    names += [(f"asymmetry_{region}", "mm", ("value",)) for region in (*lm.ASYMMETRY_REGIONS, "overall")]
    result = {}
    for name, unit, parts in names:
        yaw, pitch = _either_way(name, "yaw"), _either_way(name, "pitch")
        result[name] = Budget(
            name, unit, parts, tuple(float(u) for u in floor[name]),
            float(yaw(1.0).max()), float(pitch(1.0).max()),
            _limit(yaw, floor[name]), _limit(pitch, floor[name]))
    return result
