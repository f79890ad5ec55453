"""What every FHIR mapper shares: stable ids, references, code systems, and the resources collected.

Ids are stable across exports: a record that has its own id keeps it (patient, episode, lot, photo,
adverse event, consents); every other resource's id is a UUID derived (version 5) from the record
it comes from and its place there, so exporting twice gives the same ids and references.
Codes: the FHIR and HL7 terminology codes used here are checked against the published value sets
(named beside each); everything specific to thread lifts uses ThreadLift's own code systems, whose
codes are the enum values of :mod:`threadlift.clinic` ([records-standards c3]: no SNOMED code is
hard-coded without a terminology check).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from threadlift.clinic.episode import Episode
from threadlift.clinic.record import PatientRecord

Resource = dict[str, Any]

NAMESPACE = UUID("6f1c7d0e-3b57-4f43-9a43-2d0c1b8e5a10")
CODES = "https://threadlift.org/fhir/CodeSystem/"
IDENTIFIERS = "https://threadlift.org/fhir/sid/"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
# http://hl7.org/fhir/ValueSet/bodystructure-laterality (SNOMED CT qualifier values)
LATERALITY = {"left": ("7771000", "Left"), "right": ("24028007", "Right"), "both": ("51440002", "Right and left")}
# urn:iso-astm:E1762-95:2013 (http://hl7.org/fhir/ValueSet/signature-type)
SIGNATURE_TYPES = "urn:iso-astm:E1762-95:2013"
AUTHOR_SIGNATURE = ("1.2.840.10065.1.12.1.1", "Author's Signature")
CONSENT_SIGNATURE = ("1.2.840.10065.1.12.1.7", "Consent Signature")
UNITS = {"mm": ("mm", "mm"), "deg": ("deg", "degree"), "ratio": ("1", "ratio"), "mg": ("mg", "mg"),
         "g": ("g", "g"), "mL": ("mL", "mL"), "/min": ("/min", "beats/minute"), "mm[Hg]": ("mm[Hg]", "mmHg"),
         "{score}": ("{score}", "score"), "wk": ("wk", "weeks")}


@dataclass(frozen=True)
class ClinicInfo:
    """The exporting clinic: its name (settings), jurisdiction, time zone (for dates) and FHIR base URL."""

    name: str
    jurisdiction: str
    timezone: str = "Europe/London"
    base_url: str = "https://threadlift.invalid/fhir"
    software_version: str = ""


def rid(kind: str, *parts: object) -> str:
    """A stable id for a resource derived from a record: the same parts give the same id."""
    return str(uuid5(NAMESPACE, "/".join([kind, *(str(p) for p in parts)])))


def ref(resource_type: str, resource_id: str | UUID, display: str | None = None) -> dict[str, str]:
    reference = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        reference["display"] = display
    return reference


def ref_to(resource: Resource) -> dict[str, str]:
    return ref(resource["resourceType"], resource["id"])


def coding(system_name: str, code: str, display: str | None = None) -> dict[str, str]:
    """A coding in one of ThreadLift's code systems (``system_name`` under :data:`CODES`), or in an
    external system when ``system_name`` is already a URL."""
    system = system_name if ":" in system_name else CODES + system_name
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(system_name: str, code: str, text: str | None = None, display: str | None = None) -> dict[str, Any]:
    return {"coding": [coding(system_name, code, display)], "text": text or words(code)}


def text_concept(text: str) -> dict[str, str]:
    return {"text": text}


def words(code: str) -> str:
    return code.replace("_", " ")


def quantity(value: float, unit: str, digits: int = 2) -> dict[str, Any]:
    code, shown = UNITS[unit]
    return {"value": round(float(value), digits), "unit": shown, "system": UCUM, "code": code}


def laterality(side: str) -> dict[str, Any] | None:
    if side not in LATERALITY:
        return None
    code, display = LATERALITY[side]
    return {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": f"patient's {side}"
            if side != "both" else "both sides"}


def instant(moment: datetime) -> str:
    """A FHIR instant/dateTime: always with its zone (records are kept in UTC)."""
    if moment.tzinfo is None:
        raise ValueError("a time without a zone cannot be exported")
    return moment.isoformat()


@dataclass
class Context:
    """One export's state: the record, the clinic, and the resources made so far (deduplicated)."""

    record: PatientRecord
    clinic: ClinicInfo
    include_pixels: bool = False
    photo_bytes: Mapping[UUID, bytes] = field(default_factory=dict)
    photo_sha1: Mapping[UUID, str] = field(default_factory=dict)  # hex, of the stored file (Attachment.hash)
    measurement_areas: Mapping[str, str] = field(default_factory=dict)  # measurement name -> face area
    resources: dict[tuple[str, str], Resource] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic.timezone)

    def local_date(self, moment: datetime) -> date:
        """The clinic's date of ``moment`` (never UTC's)."""
        return moment.astimezone(self.zone).date()

    def add(self, resource: Resource) -> Resource:
        self.resources.setdefault((resource["resourceType"], resource["id"]), resource)
        return resource

    @property
    def patient_ref(self) -> dict[str, str]:
        return ref("Patient", self.record.patient.id, self.record.patient.display_name)

    def organization_ref(self) -> dict[str, str]:
        organization = self.add({"resourceType": "Organization", "id": rid("Organization", self.clinic.name),
                                 "active": True, "name": self.clinic.name})
        return ref("Organization", organization["id"], self.clinic.name)

    def practitioner_ref(self, staff_id: str) -> dict[str, str]:
        """A reference to the member of staff ``staff_id``; their Practitioner resource is added once."""
        practitioner_id = rid("Practitioner", staff_id)
        member = self.record.staff.get(staff_id)
        resource: Resource = {"resourceType": "Practitioner", "id": practitioner_id,
                              "identifier": [{"system": IDENTIFIERS + "staff", "value": staff_id}]}
        if member is not None:
            resource["active"] = True
            resource["name"] = [{"text": member.display_name}]
        self.add(resource)
        return ref("Practitioner", practitioner_id, member.display_name if member else None)


def mark_in_error(resource: Resource, episode: Episode, kind: str, index: int) -> Resource:
    """``resource``, for an entry recorded in error: with FHIR's status for it and the reason as a note."""
    marked = next((e for e in episode.entered_in_error if e.kind == kind and e.index == index), None)
    if marked is not None:
        resource["status"] = "entered-in-error"
        resource.setdefault("note", []).append({"text": f"entered in error ({marked.at.isoformat()}): "
                                                        f"{marked.reason}"})
    return resource


def in_error_provenance(ctx: Context, episode: Episode, kind: str, target: Resource) -> None:
    """For a resource with no note (Consent, Encounter) entered in error: its status, and a Provenance saying who
    marked it, when and why."""
    marked = next((e for e in episode.entered_in_error if e.kind == kind and e.index == 0), None)
    if marked is None:
        return
    target["status"] = "entered-in-error"
    ctx.add({"resourceType": "Provenance", "id": rid("Provenance", episode.id, "entered-in-error", kind),
             "target": [ref_to(target)], "occurredDateTime": instant(marked.at), "recorded": instant(marked.at),
             "patient": ctx.patient_ref,
             "activity": {"coding": [coding("provenance-activity", "entered_in_error")],
                          "text": f"marked as entered in error: {marked.reason}"},
             "agent": [{"who": ctx.practitioner_ref(marked.by)}]})
