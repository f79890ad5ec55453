"""Photos and what was measured on them: DocumentReference per photo (hashes, view; pixels only when
asked), the analysis software as a Device, one Observation per measurement and side (UCUM units,
body site, laterality on a BodyStructure, derivedFrom the photo, device the software), the
severity estimates, and the change of each measurement on a follow-up photo against the baseline.

The stored analysis is read through :func:`measured_values` alone, so a field the analysis gains
(per-measurement uncertainty, pose details) is one change there.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from threadlift.clinic.photos import PhotoRecord
from threadlift.interop.fhir.base import (
    IDENTIFIERS,
    Context,
    Resource,
    concept,
    instant,
    laterality,
    quantity,
    ref,
    ref_to,
    rid,
    text_concept,
    words,
)
from threadlift.interop.fhir.consultation import category

# DICOM modality XC, External-camera Photography (http://dicom.nema.org/resources/ontology/DCM).
CAMERA = {"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "XC",
                      "display": "External-camera Photography"}]}
FHIR_UNITS = {"mm", "deg", "ratio"}
# Core extensions for a measurement's uncertainty (http://hl7.org/fhir/StructureDefinition/iso21090-uncertainty):
# the ± here is an expanded uncertainty of about 95% (coverage factor 2), so its type is "U".
UNCERTAINTY = "http://hl7.org/fhir/StructureDefinition/iso21090-uncertainty"
UNCERTAINTY_TYPE = "http://hl7.org/fhir/StructureDefinition/iso21090-uncertaintyType"


@dataclass(frozen=True)
class MeasuredValue:
    name: str
    unit: str
    side: str | None  # the patient's left or right; None for a single value
    value: float
    uncertainty: float | None = None


def _uncertainty(doc: Mapping[str, Any], side: str | None) -> float | None:
    """A measurement's ± when the analysis gives one: ``uncertainty`` (a number, or one per side), or
    ``left_uncertainty`` / ``right_uncertainty``."""
    found = doc.get(f"{side}_uncertainty") if side else None
    if found is None:
        shared = doc.get("uncertainty")
        found = shared.get(side) if isinstance(shared, Mapping) and side else shared
    return float(found) if isinstance(found, (int, float)) else None


def measured_values(analysis: Mapping[str, Any]) -> Iterator[MeasuredValue]:
    """Every reported value of a stored analysis (withheld ones are skipped: the pose falsified them)."""
    for name, doc in (analysis.get("measurements") or {}).items():
        if doc.get("withheld") or doc.get("unit") not in FHIR_UNITS:
            continue
        if "left" in doc:
            for side in ("left", "right"):
                if doc.get(side) is not None:
                    yield MeasuredValue(name, doc["unit"], side, float(doc[side]), _uncertainty(doc, side))
        elif doc.get("value") is not None:
            yield MeasuredValue(name, doc["unit"], None, float(doc["value"]), _uncertainty(doc, None))


def _method(analysis: Mapping[str, Any], view: str) -> str:
    calibration = analysis.get("calibration") or {}
    pose = analysis.get("pose") or {}
    parts = [f"Measured on a {words(view)} photo from 478 face landmarks in the face frame (millimetres, the "
             f"patient's left and right)"]
    if calibration.get("method"):
        parts.append(f"scale from the {words(str(calibration['method']))} ({calibration.get('mm_per_px')} mm/px)")
    if pose:
        angles = ", ".join(f"{k.removesuffix('_deg')} {float(v):+.1f}°" for k, v in pose.items()
                           if isinstance(v, (int, float)))
        parts.append(f"head pose {angles}" if angles else "")
    return "; ".join(p for p in parts if p)


def _software(ctx: Context, analysis: Mapping[str, Any]) -> dict[str, str]:
    software = analysis.get("software") or {}
    version = str(software.get("version") or ctx.clinic.software_version or "unknown")
    schema = str(analysis.get("schema_version", "unknown"))
    device = ctx.add({
        "resourceType": "Device", "id": rid("Device", "face-analysis", version, schema),
        "displayName": "ThreadLift face analysis", "name": [{"value": "ThreadLift face analysis",
                                                               "type": "user-friendly-name"}],
        "manufacturer": "ThreadLift (open source, Apache-2.0)",
        "type": [text_concept("photo measurement software (MediaPipe face mesh landmarks, iris or marker scale)")],
        "version": [{"type": text_concept("software"), "value": version},
                    {"type": text_concept("analysis document schema"), "value": schema}]})
    return ref_to(device)


def _where(area: str, side: str) -> str:
    if side in ("left", "right"):
        return f"patient's {side} {words(area)}"
    return f"{words(area)}, {'both sides' if side == 'both' else side}"


def body_structure(ctx: Context, area: str, side: str) -> dict[str, str]:
    structure: Resource = {"resourceType": "BodyStructure",
                           "id": rid("BodyStructure", ctx.record.patient.id, area, side),
                           "description": _where(area, side),
                           "includedStructure": [{"structure": concept("face-area", area)}],
                           "patient": ctx.patient_ref}
    lateral = laterality(side)
    if lateral:
        structure["includedStructure"][0]["laterality"] = lateral
    return ref("BodyStructure", ctx.add(structure)["id"], structure["description"])


def photo_resources(ctx: Context, photo: PhotoRecord, encounter: dict[str, str] | None,
                    episode: dict[str, str]) -> dict[str, str]:
    """The photo's DocumentReference and its measurement Observations; returns the photo's reference."""
    attachment: dict[str, Any] = {"contentType": photo.content_type, "size": photo.size_bytes,
                                  "title": f"{words(photo.view)} photo ({words(photo.stage)})",
                                  "creation": instant(photo.uploaded_at)}
    sha1 = ctx.photo_sha1.get(photo.id)
    if sha1:
        attachment["hash"] = base64.b64encode(bytes.fromhex(sha1)).decode()
    if ctx.include_pixels and photo.id in ctx.photo_bytes:
        attachment["data"] = base64.b64encode(ctx.photo_bytes[photo.id]).decode()
    document: Resource = {
        "resourceType": "DocumentReference", "id": str(photo.id), "status": "current", "docStatus": "final",
        "identifier": [{"system": IDENTIFIERS + "sha256-as-received", "value": photo.original_sha256},
                       {"system": IDENTIFIERS + "sha256-as-stored", "value": photo.stored_sha256}],
        "type": concept("photo-view", photo.view, f"{words(photo.view)} clinical photograph"),
        "category": [concept("document-category", "clinical_photograph")], "modality": [CAMERA],
        "subject": ctx.patient_ref, "date": instant(photo.uploaded_at),
        "author": [ctx.practitioner_ref(photo.uploaded_by)],
        "custodian": ctx.organization_ref(), "context": [episode, *([encounter] if encounter else [])],
        "bodySite": [{"concept": text_concept("face")}],
        "description": f"{words(photo.view)} photo, {words(photo.stage)}; location data removed before storage",
        "content": [{"attachment": attachment}]}
    wrong = photo.entered_in_error
    if wrong is not None:  # kept, with FHIR's status for it; its measurements likewise
        document["status"] = "entered-in-error"
        document["description"] += (f"; entered in error ({wrong.at.isoformat()}, "
                                    f"{ctx.practitioner_ref(wrong.by).get('display', 'staff')}): {wrong.reason}")
    ctx.add(document)
    photo_ref = ref_to(document)
    analysis = photo.analysis
    if not analysis:
        return photo_ref
    software = _software(ctx, analysis)
    common = {"status": "entered-in-error" if wrong else "final", "category": category("imaging"),
              "subject": ctx.patient_ref,
              "effectiveDateTime": _taken(photo), "issued": instant(photo.uploaded_at),
              "method": text_concept(_method(analysis, photo.view)), "device": software, "derivedFrom": [photo_ref],
              **({"encounter": encounter} if encounter else {})}
    quality = analysis.get("quality") or {}
    problems = [f"{i.get('code')}: {i.get('message')}" for i in quality.get("issues", [])]
    for value in measured_values(analysis):
        observation: Resource = {"resourceType": "Observation", "id": measurement_id(photo, value), **common,
                                 "code": concept("face-measurement", value.name),
                                 "valueQuantity": quantity(value.value, value.unit, 4 if value.unit == "ratio" else 2)}
        area = ctx.measurement_areas.get(value.name)
        if area:
            observation["bodySite"] = concept("face-area", area)
            if value.side:
                observation["bodyStructure"] = body_structure(ctx, area, value.side)
        notes = []
        if value.uncertainty is not None:
            observation["valueQuantity"]["extension"] = [
                {"url": UNCERTAINTY, "valueDecimal": round(value.uncertainty, 3)},
                {"url": UNCERTAINTY_TYPE, "valueCode": "U"}]
            notes.append(f"± {value.uncertainty:.2f} {value.unit} (about 95%)")
        if problems:
            notes.append("photo quality problems, measured anyway: " + "; ".join(problems))
        if notes:
            observation["note"] = [{"text": n} for n in notes]
        ctx.add(observation)
    for area, grade in (analysis.get("severity") or {}).items():
        if grade.get("grade") is None:
            continue
        ctx.add({"resourceType": "Observation", "id": rid("Observation", photo.id, "severity", area), **common,
                 "code": concept("face-severity-estimate", "severity_grade", "Severity estimate 0-4 from the photo "
                                                                          "(an estimate for the clinician)"),
                 "bodySite": concept("face-area", area), "valueInteger": int(grade["grade"]),
                 "note": [{"text": f"rule {grade.get('rule')} {grade.get('source', '')}".strip()}]})
    return photo_ref


def measurement_id(photo: PhotoRecord, value: MeasuredValue) -> str:
    return rid("Observation", photo.id, value.name, value.side or "value")


def change_resources(ctx: Context, baseline: PhotoRecord, later: PhotoRecord) -> None:
    """After minus before for each measurement both photos report (derivedFrom both photos and values; device
    the software that measured the follow-up photo)."""
    before = {(v.name, v.side): v for v in measured_values(baseline.analysis)}
    days = (ctx.local_date(later.uploaded_at) - ctx.local_date(baseline.uploaded_at)).days
    for value in measured_values(later.analysis):
        first = before.get((value.name, value.side))
        if first is None or first.unit != value.unit:
            continue
        change: Resource = {
            "resourceType": "Observation", "id": rid("Observation", later.id, "change", value.name, value.side or ""),
            "status": "final", "category": category("imaging"), "subject": ctx.patient_ref,
            "code": concept("face-measurement-change", value.name, f"change of {words(value.name)} since baseline"),
            "effectiveDateTime": _taken(later), "device": _software(ctx, later.analysis),
            "valueQuantity": quantity(value.value - first.value, value.unit, 4 if value.unit == "ratio" else 2),
            "derivedFrom": [ref("DocumentReference", baseline.id), ref("DocumentReference", later.id),
                            ref("Observation", measurement_id(baseline, first)),
                            ref("Observation", measurement_id(later, value))],
            "note": [{"text": f"after minus before, {days} days after the baseline photo; both measured from photos"}]}
        area = ctx.measurement_areas.get(value.name)
        if area:
            change["bodySite"] = concept("face-area", area)
            if value.side:
                change["bodyStructure"] = body_structure(ctx, area, value.side)
        ctx.add(change)


def _taken(photo: PhotoRecord) -> str:
    captured = (photo.analysis.get("image") or {}).get("captured_at") if photo.analysis else None
    return str(captured) if captured and ("+" in captured[10:] or captured.endswith("Z")) \
        else instant(photo.uploaded_at)
