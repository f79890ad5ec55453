"""The analysis as a JSON document (schema: ``threadlift/face/data/analysis.schema.json``)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from threadlift.face.metrics import MEASURES_BY_NAME

if TYPE_CHECKING:
    from threadlift.face.analysis import FaceAnalysis
    from threadlift.face.errors import PhotoError
    from threadlift.face.measure import MeasurementResult

SCHEMA_VERSION = "1.1"

_DECIMALS = {"mm": 2, "deg": 2, "ratio": 4}


def _round(value: float | None, unit: str) -> float | None:
    return None if value is None else round(float(value), _DECIMALS.get(unit, 3))


def measurement_to_dict(result: MeasurementResult, sided: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {"unit": result.unit}
    if sided:
        doc.update(left=_round(result.left, result.unit), right=_round(result.right, result.unit),
                   difference=_round(result.difference, result.unit))
    else:
        doc["value"] = _round(result.value, result.unit)
    for key, spread in (("uncertainty", result.uncertainty), ("absolute_uncertainty", result.absolute_uncertainty)):
        if spread is not None:
            doc[key] = ({part: _round(u, result.unit) for part, u in spread.items()} if sided
                        else _round(spread["value"], result.unit))
    if result.pose_corrected:
        doc["pose_corrected"] = True
    if result.withheld:
        doc["withheld"] = result.withheld
    return doc


def _pose_to_dict(a: FaceAnalysis) -> dict[str, Any]:
    sight = a.line_of_sight

    def angle(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    camera = {"focal_length_px": round(sight.focal_length_px, 1), "focal_length_source": sight.focal_source.value,
              "focal_length_35mm": sight.focal_length_35mm, "principal_point": sight.principal_point,
              "camera_distance_mm": round(sight.camera_distance_mm), "azimuth_deg": angle(sight.azimuth_deg),
              "elevation_deg": angle(sight.elevation_deg)}
    return {"yaw_deg": round(a.pose.yaw_deg, 2), "pitch_deg": round(a.pose.pitch_deg, 2),
            "roll_deg": round(a.pose.roll_deg, 2), "reference": "line_of_sight", "camera": camera}


def analysis_to_dict(a: FaceAnalysis) -> dict[str, Any]:
    c = a.calibration
    x, y, w, h = a.bbox_px
    return {
        "schema_version": SCHEMA_VERSION,
        "image": {"path": a.photo.path, "width": a.photo.original_width_px, "height": a.photo.original_height_px,
                  "sha256": a.photo.sha256, "format": a.photo.format,
                  "captured_at": a.photo.captured_at.isoformat() if a.photo.captured_at else None},
        "face": {
            "bbox": {"x": round(x, 1), "y": round(y, 1), "width": round(w, 1), "height": round(h, 1)},
            "landmarks": [[round(float(v), 2) for v in point] for point in a.landmarks_px],
            "landmark_spread_px": round(float(a.landmark_spread_px.mean()), 3),
            "refinement_passes": a.passes_used,
            "faces_found": a.faces_found,
            "fallback_detector": a.used_fallback_detector,
        },
        "pose": _pose_to_dict(a),
        "view": a.view.value,
        "calibration": {
            "mm_per_px": round(c.mm_per_px, 6), "method": c.method.value,
            "uncertainty_mm_per_px": None if c.uncertainty_mm_per_px is None else round(c.uncertainty_mm_per_px, 6),
            "absolute_uncertainty_mm_per_px": (None if c.absolute_uncertainty_mm_per_px is None
                                               else round(c.absolute_uncertainty_mm_per_px, 6)),
            "detail": c.detail,
        },
        "quality": {"ok": a.quality.ok, "issues": [{"code": i.code, "message": i.message} for i in a.quality.issues],
                    "figures": a.quality.figures},
        "measurements": {name: measurement_to_dict(result, name in MEASURES_BY_NAME and MEASURES_BY_NAME[name].sided)
                         for name, result in a.measurements.items()},
        "symmetry": {region: measurement_to_dict(result, False) for region, result in a.symmetry.items()},
        "severity": {area: {"grade": e.grade, "rule": e.rule, "source": e.source, "estimate": True,
                            **({"withheld": e.withheld} if e.withheld else {})}
                     for area, e in a.severity.items()},
        "warnings": list(a.warnings),
    }


def error_to_dict(path: str | None, error: PhotoError) -> dict[str, Any]:
    """A failed photo, for JSON Lines output: the line says which file and why."""
    return {"schema_version": SCHEMA_VERSION, "image": {"path": path},
            "error": {"code": error.code, "message": error.message}}


@lru_cache(maxsize=1)
def analysis_schema() -> dict[str, Any]:
    text = resources.files("threadlift.face.data").joinpath("analysis.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema

