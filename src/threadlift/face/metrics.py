"""Frontal-view measurements, each defined once: name, area, landmarks, formula, unit.

Every formula works on face-frame millimetres (see :mod:`threadlift.face.frame`): x toward the
patient's left, y down, origin between the pupils, so the inter-pupillary line (IPL) is y = 0.
Sided measurements are written for the patient's left side and applied to the mirrored face for
the right (:func:`threadlift.face.frame.right_side_as_left`), so both sides share one formula.
Each measurement's error budget against head pose (noise floor, sensitivity, yaw and pitch limits)
is computed from its formula in :mod:`threadlift.face.pose_budget`; the two together generate
``docs/measurements.md`` (``make docs``, :mod:`threadlift.face.reference`).
Methods and indices: face-measurement.md §1.5 (Emotrics), §2.3, §3.3-§3.8.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from threadlift.face import landmarks as lm
from threadlift.face.frame import right_side_as_left

Points = NDArray[np.float64]


@dataclass(frozen=True)
class Measure:
    name: str
    area: str
    unit: str
    sided: bool
    landmarks: tuple[int, ...]
    formula: str
    compute: Callable[[Points], float]
    # Where the measurement lies on the face (two face-frame points, mm), for drawing; left side.
    segment: Callable[[Points], tuple[Points, Points]] | None = None
    # Measured on the landmarks with the head's pitch undone in 3D (:func:`threadlift.face.pose.level_pitch`):
    # set only where re-rendered real faces show that it reduces the error
    # (tests/integration/test_pose_compensation.py).
    pitch_corrected: bool = False


def _curve_y_at(points: Points, indices: tuple[int, ...], x: float) -> float:
    """Height of the polyline through ``indices`` at abscissa ``x`` (linear between points)."""
    chain = points[list(indices)]
    order = np.argsort(chain[:, 0])
    return float(np.interp(x, chain[order, 0], chain[order, 1]))


def _brow_height_mid_pupil(p: Points) -> float:
    pupil = p[lm.IRIS_CENTRE_LEFT]
    return float(pupil[1] - _curve_y_at(p, lm.UPPER_BROW_LEFT, pupil[0]))


def _brow_height_lateral(p: Points) -> float:
    pupil = p[lm.IRIS_CENTRE_LEFT]
    canthus_x = p[lm.LATERAL_CANTHUS_LEFT, 0]
    return float(pupil[1] - _curve_y_at(p, lm.UPPER_BROW_LEFT, canthus_x))


def _canthal_tilt(p: Points) -> float:
    medial, lateral = p[lm.MEDIAL_CANTHUS_LEFT], p[lm.LATERAL_CANTHUS_LEFT]
    return float(np.degrees(np.arctan2(medial[1] - lateral[1], lateral[0] - medial[0])))


def _palpebral_fissure(p: Points) -> float:
    x = p[lm.IRIS_CENTRE_LEFT, 0]
    return _curve_y_at(p, lm.LOWER_LID_LEFT, x) - _curve_y_at(p, lm.UPPER_LID_LEFT, x)


def _malar_below_ipl(p: Points) -> float:
    return float(p[list(lm.MALAR_LEFT), 1].mean())


def _cheek_below_alar_base(p: Points) -> float:
    return float(p[lm.CHEEK_CENTRE_LEFT, 1] - p[lm.ALAR_BASE_LEFT, 1])


def _commissure_below_ipl(p: Points) -> float:
    return float(p[lm.COMMISSURE_LEFT, 1])


def _line_through(points: Points) -> tuple[Points, Points]:
    """Total-least-squares line: (centroid, unit direction)."""
    centroid = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - centroid, full_matrices=False)
    return centroid, vt[0]


def _menton(p: Points) -> Points:
    return np.asarray(p[list(lm.MENTON_REGION)].mean(axis=0), dtype=np.float64)


def _gonion(p: Points) -> Points:
    """Intersection of the ramus line and the mandibular-body line (patient's left)."""
    ramus_point, ramus_dir = _line_through(p[list(lm.RAMUS_LEFT)])
    body_point, body_dir = _line_through(p[list(lm.MANDIBULAR_BODY_LEFT)])
    system = np.stack([ramus_dir, -body_dir], axis=1)
    if abs(np.linalg.det(system)) < 1e-6:  # parallel lines: fall back to the oval's corner vertex
        return np.asarray(p[397], dtype=np.float64)
    t, _ = np.linalg.solve(system, body_point - ramus_point)
    return np.asarray(ramus_point + t * ramus_dir, dtype=np.float64)


def _jowl_geometry(p: Points) -> tuple[Points, Points, float]:
    """Foot on the gonion-menton line, the most outward outline point, and its signed distance."""
    gonion, menton = _gonion(p), _menton(p)
    chord = (menton - gonion) / max(float(np.linalg.norm(menton - gonion)), 1e-9)
    outward = np.array([chord[1], -chord[0]])  # lateral and downward for the left side
    outline = p[list(lm.JOWL_OUTLINE_LEFT)]
    depths = (outline - gonion) @ outward
    deepest = outline[int(np.argmax(depths))]
    foot = gonion + ((deepest - gonion) @ chord) * chord
    return foot, deepest.copy(), float(depths.max())


def _jowl_depth(p: Points) -> float:
    return _jowl_geometry(p)[2]


def _jawline_angle(p: Points) -> float:
    _, direction = _line_through(p[list(lm.MANDIBULAR_BODY_LEFT)])
    return float(np.degrees(np.arctan(abs(direction[1]) / max(abs(direction[0]), 1e-9))))


def _lower_face_width(p: Points) -> float:
    return float(np.linalg.norm(_gonion(p) - _gonion(right_side_as_left(p)) * [-1.0, 1.0]))


def _ipd(p: Points) -> float:
    return float(np.linalg.norm(p[lm.IRIS_CENTRE_LEFT] - p[lm.IRIS_CENTRE_RIGHT]))


def _middle_third(p: Points) -> float:
    return float(p[lm.SUBNASALE, 1] - p[lm.GLABELLA, 1])


def _lower_third(p: Points) -> float:
    return float(_menton(p)[1] - p[lm.SUBNASALE, 1])


def _stomion_y(p: Points) -> float:
    return float((p[lm.UPPER_LIP_INNER_CENTRE, 1] + p[lm.LOWER_LIP_INNER_CENTRE, 1]) / 2)


def _thirds_ratio(p: Points) -> float:
    return _middle_third(p) / _lower_third(p)


def _lip_chin_ratio(p: Points) -> float:
    stomion = _stomion_y(p)
    return float((stomion - p[lm.SUBNASALE, 1]) / (_menton(p)[1] - stomion))


def _vertical_to(p: Points, x: float, y: float, y_from: float = 0.0) -> tuple[Points, Points]:
    return np.array([x, y_from]), np.array([x, y])


def _seg_brow_mid(p: Points) -> tuple[Points, Points]:
    pupil = p[lm.IRIS_CENTRE_LEFT]
    return pupil.copy(), np.array([pupil[0], _curve_y_at(p, lm.UPPER_BROW_LEFT, pupil[0])])


def _seg_brow_lateral(p: Points) -> tuple[Points, Points]:
    x = p[lm.LATERAL_CANTHUS_LEFT, 0]
    return np.array([x, p[lm.IRIS_CENTRE_LEFT, 1]]), np.array([x, _curve_y_at(p, lm.UPPER_BROW_LEFT, x)])


def _seg_fissure(p: Points) -> tuple[Points, Points]:
    x = p[lm.IRIS_CENTRE_LEFT, 0]
    return np.array([x, _curve_y_at(p, lm.UPPER_LID_LEFT, x)]), np.array([x, _curve_y_at(p, lm.LOWER_LID_LEFT, x)])


def _seg_canthi(p: Points) -> tuple[Points, Points]:
    return p[lm.MEDIAL_CANTHUS_LEFT].copy(), p[lm.LATERAL_CANTHUS_LEFT].copy()


def _seg_malar(p: Points) -> tuple[Points, Points]:
    centroid = p[list(lm.MALAR_LEFT)].mean(axis=0)
    return _vertical_to(p, float(centroid[0]), float(centroid[1]))


def _seg_cheek(p: Points) -> tuple[Points, Points]:
    cheek = p[lm.CHEEK_CENTRE_LEFT]
    return _vertical_to(p, float(cheek[0]), float(cheek[1]), float(p[lm.ALAR_BASE_LEFT, 1]))


def _seg_commissure(p: Points) -> tuple[Points, Points]:
    corner = p[lm.COMMISSURE_LEFT]
    return _vertical_to(p, float(corner[0]), float(corner[1]))


def _seg_jowl(p: Points) -> tuple[Points, Points]:
    foot, deepest, _ = _jowl_geometry(p)
    return foot, deepest


def _seg_body(p: Points) -> tuple[Points, Points]:
    return _gonion(p), _menton(p)


def _seg_gonions(p: Points) -> tuple[Points, Points]:
    return _gonion(right_side_as_left(p)) * [-1.0, 1.0], _gonion(p)


def _seg_pair(a: int, b: int) -> Callable[[Points], tuple[Points, Points]]:
    return lambda p: (p[a].copy(), p[b].copy())


def _seg_vertical_between(top: int, bottom: int) -> Callable[[Points], tuple[Points, Points]]:
    return lambda p: (np.array([p[bottom, 0], p[top, 1]]), p[bottom].copy())


MEASURES: tuple[Measure, ...] = (
    Measure("brow_height_mid_pupil_mm", "brow", "mm", True, (*lm.UPPER_BROW_LEFT, 473),
            "pupil centre to the upper brow border along the perpendicular to the IPL through the pupil "
            "(Emotrics brow height, §1.5)", _brow_height_mid_pupil, _seg_brow_mid, pitch_corrected=True),
    Measure("brow_height_lateral_mm", "brow", "mm", True, (*lm.UPPER_BROW_LEFT, 473, 263),
            "height of the upper brow border above the pupil centre, on the perpendicular through the "
            "lateral canthus (§3.3 lateral brow)", _brow_height_lateral, _seg_brow_lateral),
    Measure("lateral_canthal_tilt_deg", "brow", "deg", True, (362, 263),
            "angle of the medial-to-lateral canthus line above the IPL (positive: lateral canthus higher)",
            _canthal_tilt, _seg_canthi, pitch_corrected=True),
    Measure("palpebral_fissure_height_mm", "brow", "mm", True, lm.UPPER_LID_LEFT + lm.LOWER_LID_LEFT,
            "upper to lower lid margin on the perpendicular to the IPL through the pupil (§1.5, §3.3)",
            _palpebral_fissure, _seg_fissure),
    Measure("malar_below_ipl_mm", "midface", "mm", True, lm.MALAR_LEFT,
            "distance of the malar-region centroid below the IPL (larger = lower; §2.3, §3.4)", _malar_below_ipl,
            _seg_malar, pitch_corrected=True),
    Measure("cheek_below_alar_base_mm", "midface", "mm", True, (425, 358),
            "height of the cheek centre below the alar base, perpendicular to the IPL (midface descent, §3.4)",
            _cheek_below_alar_base, _seg_cheek, pitch_corrected=True),
    Measure("commissure_below_ipl_mm", "mouth", "mm", True, (291,),
            "distance of the oral commissure below the IPL (§3.4 step 3)", _commissure_below_ipl,
            _seg_commissure, pitch_corrected=True),
    Measure("jowl_depth_mm", "jawline", "mm", True,
            lm.RAMUS_LEFT + lm.JOWL_OUTLINE_LEFT + lm.MENTON_REGION,
            "largest outward bulge of the face outline between gonion and chin beyond the gonion-menton line "
            "(§3.5 contour deviation); gonion = ramus line x mandibular-body line", _jowl_depth, _seg_jowl,
            pitch_corrected=True),
    Measure("jawline_angle_deg", "jawline", "deg", True, lm.MANDIBULAR_BODY_LEFT,
            "angle below the IPL of the line fitted along the mandibular body (§3.5 mandibular-border angle)",
            _jawline_angle, _seg_body, pitch_corrected=True),
    Measure("lower_face_width_mm", "jawline", "mm", False, lm.RAMUS_LEFT + lm.MANDIBULAR_BODY_LEFT,
            "bigonial width between the constructed gonions (§3.5 lower-face width)", _lower_face_width,
            _seg_gonions),
    Measure("interpupillary_distance_mm", "proportions", "mm", False, (468, 473),
            "distance between the iris centres", _ipd,
            _seg_pair(lm.IRIS_CENTRE_RIGHT, lm.IRIS_CENTRE_LEFT)),
    Measure("middle_third_mm", "proportions", "mm", False, (9, 2),
            "glabella to subnasale, perpendicular to the IPL (§3.8)", _middle_third,
            _seg_vertical_between(lm.GLABELLA, lm.SUBNASALE)),
    Measure("lower_third_mm", "proportions", "mm", False, (2, *lm.MENTON_REGION),
            "subnasale to menton, perpendicular to the IPL (§3.8)", _lower_third,
            _seg_vertical_between(lm.SUBNASALE, lm.MENTON), pitch_corrected=True),
    Measure("middle_to_lower_third_ratio", "proportions", "ratio", False, (9, 2, *lm.MENTON_REGION),
            "middle third / lower third (§3.8; the hairline is not detected, so no upper third)", _thirds_ratio,
            pitch_corrected=True),
    Measure("upper_lip_to_chin_ratio", "proportions", "ratio", False, (2, 13, 14, *lm.MENTON_REGION),
            "subnasale-stomion / stomion-menton (§3.8 lower-face sub-ratio)", _lip_chin_ratio),
)

MEASURES_BY_NAME = {m.name: m for m in MEASURES}


def compute(measure: Measure, points_mm: Points) -> float | tuple[float, float]:
    """Value of ``measure`` on face-frame points (478, 2): a float, or (left, right) when sided."""
    if not measure.sided:
        return measure.compute(points_mm)
    return measure.compute(points_mm), measure.compute(right_side_as_left(points_mm))


def fit_midline(points_mm: Points) -> tuple[float, float]:
    """Least-squares facial midline x = a + b*y through the self-symmetric landmarks (§2.4, §3.7)."""
    mid = points_mm[list(lm.MIDLINE)]
    design = np.stack([np.ones(len(mid)), mid[:, 1]], axis=1)
    (a, b), *_ = np.linalg.lstsq(design, mid[:, 0], rcond=None)
    return float(a), float(b)


def reflect_across_midline(points_mm: Points, midline: tuple[float, float]) -> Points:
    a, b = midline
    direction = np.array([b, 1.0]) / np.hypot(b, 1.0)
    base = np.array([a, 0.0])
    offset = points_mm - base
    along = offset @ direction
    return np.asarray(base + 2 * along[:, None] * direction - offset, dtype=np.float64)


def asymmetry_mm(points_mm: Points) -> dict[str, float]:
    """Mirror asymmetry: RMS distance between each left point and its reflected right partner (§3.7).

    Returns the RMS per region of :data:`threadlift.face.landmarks.ASYMMETRY_REGIONS` and ``overall``
    over every mirror pair of the mesh.

    Examples
    --------
    >>> from threadlift.face.landmarks import canonical_face_cm
    >>> symmetric = canonical_face_cm()[:, :2] * [10.0, -10.0]  # mm, y down
    >>> asymmetry_mm(symmetric)["overall"]
    0.0
    """
    midline = fit_midline(points_mm)
    reflected = reflect_across_midline(points_mm, midline)
    mirror = lm.mirror_map()
    result = {}
    for region, left in lm.ASYMMETRY_REGIONS.items():
        indices = np.array(left)
        gaps = np.linalg.norm(points_mm[indices] - reflected[mirror[indices]], axis=1)
        result[region] = round(float(np.sqrt((gaps**2).mean())), 6)
    paired = np.flatnonzero(mirror != np.arange(lm.N_LANDMARKS))
    gaps = np.linalg.norm(points_mm[paired] - reflected[mirror[paired]], axis=1)
    result["overall"] = round(float(np.sqrt((gaps**2).mean())), 6)
    return result
