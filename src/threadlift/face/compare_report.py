"""Comparisons as JSON documents (schema: ``threadlift/face/data/comparison.schema.json``)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from threadlift.face.areas import ALL_AREAS, Side
from threadlift.face.compare import AreaChange, Comparison, MeasurementChange, Series

COMPARISON_SCHEMA_VERSION = "1.0"  # the comparison document's own version (analysis documents have theirs)


def comparison_to_dict(c: Comparison, *, days_since_baseline: int | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": COMPARISON_SCHEMA_VERSION,
        "before": _photo(c.before),
        "after": _photo(c.after),
        "days_since_baseline": days_since_baseline,
        "comparable": {"ok": c.comparable, "forced": c.forced,
                       "reasons": [{"code": r.code, "message": r.message} for r in c.reasons]},
        "registration": None,
        "areas": None,
        "measurement_changes": None,
    }
    if not c.measured or c.registration is None:
        return doc
    doc["registration"] = {"error_mm": round(c.registration.error_mm, 3),
                           "points_used": list(c.registration.points_used),
                           "residual_flow_on_rigid_tissue_mm": round(c.flow_noise_mm or 0.0, 3)}
    doc["areas"] = {area.value: {side.value: _area(c.areas.get(area, {}).get(side)) for side in Side}
                    for area in ALL_AREAS}
    doc["measurement_changes"] = {name: _measurement(change) for name, change in c.measurement_changes.items()}
    return doc


def series_to_dict(series: Series) -> dict[str, Any]:
    comparisons = [comparison_to_dict(c, days_since_baseline=day)
                   for c, day in zip(series.comparisons, series.days, strict=True)]
    return {"schema_version": COMPARISON_SCHEMA_VERSION, "baseline": comparisons[0]["before"],
            "comparisons": comparisons}


def _photo(a: Any) -> dict[str, Any]:
    return {"path": a.photo.path, "sha256": a.photo.sha256, "view": a.view.value,
            "captured_at": a.photo.captured_at.isoformat() if a.photo.captured_at else None}


def _area(change: AreaChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {"dx_mm": round(change.lateral_mm, 2), "dy_mm": round(change.lift_mm, 2),
            "uncertainty_mm": round(change.uncertainty_mm, 2), "measurable": change.measurable,
            "summary": describe(change)}


def describe(change: AreaChange) -> str:
    """Words a patient can read: a lift with its ±, or no measurable change."""
    if not change.measurable:
        return f"no measurable change (±{change.uncertainty_mm:.1f} mm)"
    verb = "lifted" if change.lift_mm >= 0 else "dropped"
    return (f"{verb} {abs(change.lift_mm):.1f} mm, moved {change.lateral_mm:+.1f} mm sideways "
            f"(±{change.uncertainty_mm:.1f} mm)")


def _measurement(change: MeasurementChange) -> dict[str, Any]:
    digits = 4 if change.unit == "ratio" else 2
    doc: dict[str, Any] = {"unit": change.unit}
    if change.withheld:
        doc["withheld"] = change.withheld
    elif change.left is not None and change.right is not None:
        doc.update(left=round(change.left, digits), right=round(change.right, digits))
    elif change.value is not None:
        doc["value"] = round(change.value, digits)
    return doc


@lru_cache(maxsize=1)
def comparison_schema() -> dict[str, Any]:
    text = resources.files("threadlift.face.data").joinpath("comparison.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema
