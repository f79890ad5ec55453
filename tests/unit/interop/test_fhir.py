"""FHIR export: every resource validates with fhir.resources (R5 and R4B), references resolve in the
Bundle, ids are stable, measurements carry units, sites and laterality, withdrawn photos stay home."""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import replace

import pytest

from tests.helpers.exports import CLINIC, NOW, STAGES, record_at
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.record import PatientRecord
from threadlift.interop.fhir import bundle, patient_resources
from threadlift.interop.fhir.check import InvalidFhir, validate
from threadlift.interop.fhir.r4b import to_r4b

AREAS = {"brow_height_mid_pupil_mm": "brow", "lateral_canthal_tilt_deg": "brow", "lower_face_width_mm": "jawline"}


def export(record: PatientRecord) -> list[dict]:
    return patient_resources(record, CLINIC, measurement_areas=AREAS, photo_sha1={p.id: "ab" * 20
                                                                                   for p in record.photos})


def kinds(resources: list[dict]) -> Counter[str]:
    return Counter(r["resourceType"] for r in resources)


def of(resources: list[dict], kind: str) -> list[dict]:
    return [r for r in resources if r["resourceType"] == kind]


@pytest.mark.parametrize("stage", STAGES, ids=[s.value for s in STAGES])
def test_every_stage_exports_valid_r5_and_r4b_with_references_inside(stage):
    resources = export(record_at(stage))
    validate(resources, "R5")
    validate(to_r4b(resources), "R4B")
    document = bundle(resources, CLINIC, bundle_id="b1", timestamp=NOW.isoformat())
    validate([document], "R5")
    assert len({e["fullUrl"] for e in document["entry"]}) == len(resources)


def test_what_each_stage_adds():
    counts = {stage: kinds(export(record_at(stage))) for stage in STAGES}
    assert counts[State.CONSULTATION]["QuestionnaireResponse"] == 1
    assert "ClinicalImpression" not in counts[State.CONSULTATION]
    assert counts[State.ASSESSED]["ClinicalImpression"] == 1
    assert counts[State.CONSENTED]["Consent"] == 2  # the procedure's and photography's
    assert counts[State.PLANNED]["CarePlan"] == 1 and counts[State.PLANNED]["ServiceRequest"] == 1
    procedure = counts[State.PROCEDURE]
    assert procedure["Procedure"] == 1 and procedure["MedicationAdministration"] >= 1
    assert procedure["DeviceUsage"] >= 2 and procedure["AdverseEvent"] == 1
    assert counts[State.DISCHARGED]["Appointment"] == 6 and counts[State.DISCHARGED]["CarePlan"] == 2


def test_a_patient_with_no_episode_is_the_patient_alone():
    record = record_at(State.CONSULTATION, with_photos=False)
    alone = PatientRecord(record.patient)
    resources = export(alone)
    validate(resources)
    assert [r["resourceType"] for r in resources] == ["Patient", "Organization"]  # the clinic that holds the record
    assert resources[0]["name"][0]["family"] == record.patient.family_name


def test_ids_are_stable_across_exports():
    record = record_at(State.FOLLOW_UP)
    first = json.dumps(export(record), sort_keys=True)
    reloaded = replace(record, episodes=tuple(Episode.model_validate_json(e.model_dump_json())
                                              for e in record.episodes))
    assert json.dumps(export(reloaded), sort_keys=True) == first


def test_the_procedure_names_each_thread_and_lot():
    resources = export(record_at(State.OBSERVATION))
    procedure = of(resources, "Procedure")[-1]
    threads = of(resources, "DeviceUsage")
    assert len(procedure["focalDevice"]) == len(threads)
    devices = {d["id"]: d for d in of(resources, "Device")}
    lot = devices[procedure["focalDevice"][0]["manipulated"]["reference"].split("/")[1]]
    assert lot["lotNumber"] and lot["expirationDate"] and lot["manufacturer"] == "Example Threads Ltd"
    sites = {b["id"]: b for b in of(resources, "BodyStructure")}
    site = sites[threads[0]["bodySite"]["reference"]["reference"].split("/")[1]]
    assert site["includedStructure"][0]["laterality"]["coding"][0]["code"] in ("7771000", "24028007")
    injection = of(resources, "MedicationAdministration")[0]
    assert injection["dosage"]["dose"]["code"] == "mg" and injection["partOf"] == [{"reference":
                                                                                    f"Procedure/{procedure['id']}"}]
    signed = [p for p in of(resources, "Provenance") if p["target"][0]["reference"].startswith("Procedure/")]
    assert signed and signed[0]["signature"][0]["who"]["reference"].startswith("Practitioner/")


def test_measurements_carry_ucum_units_site_laterality_photo_and_software():
    resources = export(record_at(State.FOLLOW_UP))
    photos = of(resources, "DocumentReference")
    assert len(photos) == 2
    assert {i["system"].rsplit("/", 1)[1] for i in photos[0]["identifier"]} == {"sha256-as-received",
                                                                               "sha256-as-stored"}
    assert photos[0]["content"][0]["attachment"]["hash"] and "data" not in photos[0]["content"][0]["attachment"]
    measured = [o for o in of(resources, "Observation")
                if o["code"]["coding"][0]["system"].endswith("/face-measurement")]
    brow = [o for o in measured if o["code"]["coding"][0]["code"] == "brow_height_mid_pupil_mm"]
    assert len(brow) == 4  # two photos, two sides
    left = next(o for o in brow if "left" in o["bodyStructure"]["display"])
    assert left["valueQuantity"]["system"] == "http://unitsofmeasure.org" and left["valueQuantity"]["code"] == "mm"
    assert left["bodySite"]["coding"][0]["code"] == "brow"
    assert left["derivedFrom"][0]["reference"].startswith("DocumentReference/")
    software = next(d for d in of(resources, "Device") if d["id"] == left["device"]["reference"].split("/")[1])
    assert software["version"][0]["value"] == "0.1.0"
    tilt = next(o for o in measured if o["code"]["coding"][0]["code"] == "lateral_canthal_tilt_deg")
    assert tilt["valueQuantity"]["code"] == "deg"
    codes = {o["code"]["coding"][0]["code"] for o in measured}
    assert "malar_below_ipl_mm" not in codes  # withheld by the pose gate: not exported as a value
    change = next(o for o in of(resources, "Observation") if o["code"]["coding"][0]["system"].endswith(
        "/face-measurement-change") and "left" in o.get("bodyStructure", {}).get("display", ""))
    assert change["valueQuantity"]["value"] == pytest.approx(1.6) and len(change["derivedFrom"]) == 4


def test_uncertainty_from_the_analysis_is_carried():
    record = record_at(State.CONSENTED)
    photo = record.photos[0]
    analysis = copy.deepcopy(dict(photo.analysis))
    analysis["measurements"]["brow_height_mid_pupil_mm"]["uncertainty"] = {"left": 0.4, "right": 0.5}
    record = PatientRecord(record.patient, record.episodes, (type(photo)(**{**photo.__dict__, "analysis": analysis}),),
                           record.photo_consents, record.consent_documents, record.lots, record.staff)
    resources = export(record)
    left = next(o for o in of(resources, "Observation") if o["code"]["coding"][0]["code"] ==
                "brow_height_mid_pupil_mm" and "left" in o["bodyStructure"]["display"])
    assert left["valueQuantity"]["extension"][0]["valueDecimal"] == 0.4
    validate(resources)


def test_consent_carries_the_signed_text_and_the_signature():
    resources = export(record_at(State.CONSENTED))
    treatment = next(c for c in of(resources, "Consent") if c["category"][0]["coding"][0]["code"] == "treatment")
    assert treatment["decision"] == "permit" and treatment["identifier"][0]["value"]
    assert "thread lift" in __import__("base64").b64decode(treatment["sourceAttachment"][0]["data"]).decode()
    signature = next(p for p in of(resources, "Provenance") if p["target"][0]["reference"] ==
                     f"Consent/{treatment['id']}")["signature"][0]
    assert signature["sigFormat"] == "image/png" and signature["who"]["reference"].startswith("Patient/")


def test_adverse_event_names_seriousness_outcome_lot_and_procedure():
    resources = export(record_at(State.FOLLOW_UP))
    event = of(resources, "AdverseEvent")[0]
    assert event["seriousness"]["coding"][0]["code"] == "serious"
    assert event["outcome"][0]["coding"][0]["code"] == "recovering"
    suspects = {s["instanceReference"]["reference"].split("/")[0] for s in event["suspectEntity"]}
    assert suspects == {"Device", "Procedure"}
    condition = event["resultingEffect"][0]["reference"]
    procedure = of(resources, "Procedure")[-1]
    assert {"reference": condition} in [c.get("reference") and {"reference": c["reference"]["reference"]}
                                        for c in procedure["complication"]]


def test_follow_ups_are_appointments_due_on_their_day():
    resources = export(record_at(State.FOLLOW_UP))
    appointments = of(resources, "Appointment")
    statuses = Counter(a["status"] for a in appointments)
    assert statuses == {"fulfilled": 2, "proposed": 4}  # two done so far; the rest due, not yet booked
    assert all(a["requestedPeriod"][0]["start"] for a in appointments)
    assert appointments[0]["class"][0]["coding"][0]["code"] == "VR"  # the day-1 call


def test_withdrawn_photo_consent_keeps_photos_and_their_measurements_home():
    record = record_at(State.FOLLOW_UP, withdrawn=True)
    leaving = export(record.without_withdrawn_photos())
    validate(leaving)
    assert not of(leaving, "DocumentReference")
    assert not [o for o in of(leaving, "Observation") if "derivedFrom" in o]
    photography = next(c for c in of(leaving, "Consent") if c["category"][0]["coding"][0]["code"] == "photography")
    assert photography["status"] == "inactive" and "end" in photography["period"]
    everything = export(record)  # what subject access gives the patient
    assert len(of(everything, "DocumentReference")) == 2


def test_r4b_turns_photos_into_media_and_follows_every_reference():
    converted = to_r4b(export(record_at(State.FOLLOW_UP)))
    validate(converted, "R4B")
    assert kinds(converted)["Media"] == 2 and not kinds(converted)["DocumentReference"]
    assert kinds(converted)["DeviceUseStatement"] >= 2 and not kinds(converted)["DeviceUsage"]
    assert "DocumentReference/" not in json.dumps(converted)
    left = next(o for o in of(converted, "Observation") if o.get("bodySite", {}).get("text") == "patient's left brow")
    [extension] = left["bodySite"]["extension"]
    assert extension["url"] == "http://hl7.org/fhir/StructureDefinition/bodySite"
    structure = next(b for b in of(converted, "BodyStructure")
                     if f"BodyStructure/{b['id']}" == extension["valueReference"]["reference"])
    assert structure["locationQualifier"][0]["coding"][0]["code"] == "7771000"  # SNOMED CT: left


def test_the_checker_refuses_what_a_fhir_reader_would():
    resources = export(record_at(State.OBSERVATION))
    procedure = next(r for r in resources if r["resourceType"] == "Procedure" and "focalDevice" in r)
    missing = [copy.deepcopy(r) for r in resources]
    next(r for r in missing if r["id"] == procedure["id"]).pop("status")
    with pytest.raises(InvalidFhir, match="status"):
        validate(missing)
    dangling = [r for r in resources if r["resourceType"] != "Device"]
    with pytest.raises(InvalidFhir, match="does not resolve"):
        validate(dangling)
    wrong = [copy.deepcopy(r) for r in resources]
    next(r for r in wrong if r["id"] == procedure["id"])["status"] = "done-ish"
    with pytest.raises(InvalidFhir, match="done-ish"):
        validate(wrong)
    misdirected = [copy.deepcopy(r) for r in resources]
    next(r for r in misdirected if r["id"] == procedure["id"])["subject"] = {"reference": f"Device/{procedure['id']}"}
    with pytest.raises(InvalidFhir):
        validate(misdirected)


def test_corrections_are_exported_beside_what_they_correct_in_r5_and_r4b():
    """Issue 14: a consultation entered in error keeps its Encounter with FHIR's status for it and a Provenance
    of who marked it and why; each signed amendment is a Provenance carrying the original and the new text."""
    from threadlift.clinic.corrections import AmendedField, AmendmentEntry, EntryKind, ErrorEntry

    record = record_at(State.FOLLOW_UP)
    episode = record.episodes[0]
    at = episode.history[-1].at
    episode.amend(AmendmentEntry(field=AmendedField.CONDITIONS, value="asthma", reason="Omitted at the "
                                 "consultation"), "dr-hale", at)
    episode.mark_entered_in_error(ErrorEntry(kind=EntryKind.CONSULTATION, index=0, reason="Recorded on the wrong "
                                             "patient"), "dr-hale", at)
    resources = export(record)
    validate(resources)
    validate(to_r4b(resources), "R4B")
    [consulted] = [r for r in of(resources, "Encounter") if r["type"][0]["coding"][0]["code"] == "consultation"]
    assert consulted["status"] == "entered-in-error"
    provenances = {p["activity"].get("text", ""): p for p in of(resources, "Provenance")}
    assert any(text == "marked as entered in error: Recorded on the wrong patient" for text in provenances)
    [amended] = [p for p in of(resources, "Provenance") if p.get("extension")]
    parts = {e["url"]: e for e in amended["extension"][0]["extension"]}
    assert parts["amended"]["valueString"] == "asthma" and parts["field"]["valueCode"] == "conditions"
    assert amended["target"] == [{"reference": f"EpisodeOfCare/{episode.id}"}]


def test_the_medical_history_leaves_as_conditions_allergies_and_medication_statements_in_r5_and_r4b():
    """Issue 16 §1: Condition, AllergyIntolerance and MedicationStatement from the medical history (no demo patient
    has an allergy or a medicine, so this is where they are checked)."""
    from threadlift.clinic.consultation import Allergy, AllergyKind, DiabetesControl, Medicine, MedicineClass

    record = record_at(State.ASSESSED, with_photos=False)
    episode = record.episodes[0]
    history = episode.consultation.history.model_copy(update={
        "conditions": ["hypothyroidism"], "keloid_or_hypertrophic_scarring": True,
        "diabetes": DiabetesControl.CONTROLLED,
        "allergies": [Allergy(substance="lidocaine", kind=AllergyKind.AMIDE_LOCAL_ANAESTHETIC, anaphylaxis=True),
                      Allergy(substance="PDO thread", kind=AllergyKind.THREAD_POLYMER, material="PDO")],
        "medicines": [Medicine(name="apixaban", medicine_class=MedicineClass.ANTICOAGULANT),
                      Medicine(name="fish oil", medicine_class=MedicineClass.SUPPLEMENT_BLOOD_THINNING,
                               prescribed=False)]})
    changed = episode.model_copy(update={"consultation": episode.consultation.model_copy(update={"history": history})})
    resources = export(replace(record, episodes=(changed,)))
    validate(resources)
    converted = to_r4b(resources)
    validate(converted, "R4B")
    conditions = {c["code"]["text"] for c in of(resources, "Condition")}
    assert conditions == {"hypothyroidism", "keloid or hypertrophic scarring", "diabetes controlled"}
    lidocaine, polymer = of(resources, "AllergyIntolerance")
    assert lidocaine["criticality"] == "high" and lidocaine["category"] == ["medication"]
    assert lidocaine["reaction"][0]["manifestation"][0]["concept"]["text"] == "anaphylaxis"
    assert polymer["code"]["text"] == "PDO thread (PDO)" and "criticality" not in polymer
    assert all(a["patient"]["reference"] == f"Patient/{record.patient.id}" for a in (lidocaine, polymer))
    apixaban, fish_oil = of(resources, "MedicationStatement")
    assert apixaban["medication"]["concept"]["text"] == "apixaban" and apixaban["status"] == "recorded"
    assert apixaban["category"][0]["coding"][0]["code"] == "anticoagulant"
    assert fish_oil["note"][0]["text"].startswith("not prescribed")
    statements = of(converted, "MedicationStatement")
    assert statements[0]["medicationCodeableConcept"]["text"] == "apixaban"  # R4B's medication[x]
    assert len(of(converted, "AllergyIntolerance")) == 2 and len(of(converted, "Condition")) == 3


def test_a_change_since_baseline_names_the_software_that_measured_it():
    resources = export(record_at(State.FOLLOW_UP))
    software = {d["id"] for d in of(resources, "Device") if "version" in d}
    changes = [o for o in of(resources, "Observation") if o["code"]["coding"][0]["system"].endswith(
        "/face-measurement-change")]
    assert changes and all(o["device"]["reference"].split("/")[1] in software for o in changes)


def test_a_seeded_episode_carries_the_reported_history_without_changing_the_rest():
    """The demo clinic's patients who report a condition, a medicine and an allergy (demo_clinic.REPORTED_HISTORY)
    walk the same pathway as the others, and their export holds the history's resources."""
    import random

    from tests.helpers.exports import CLINICIAN, NURSE, lots
    from threadlift import seed
    from threadlift.clinic.policy import ClinicPolicy
    from threadlift.demo_clinic import REPORTED_HISTORY

    def walked(history: dict | None) -> Episode:
        rng = random.Random(3)
        stock = lots(rng)
        person = seed.patient(rng, NOW.date())
        return seed.episode_at(State.CLOSED, rng, person, stock, clinician=CLINICIAN, nurse=NURSE,
                               start=NOW.replace(year=2025), policy=ClinicPolicy(), history=history)

    plain, reporting = walked(None), walked(REPORTED_HISTORY)
    assert reporting.state is State.CLOSED and reporting.suitability.decision == plain.suitability.decision
    assert [(t.area, t.lot) for t in reporting.procedure.threads] == [(t.area, t.lot) for t in plain.procedure.threads]
    history = reporting.consultation.history
    assert history.smoker == plain.consultation.history.smoker and history.conditions == ["hypothyroidism, treated"]
    record = record_at(State.CLOSED, with_photos=False)
    kinds_ = kinds(export(replace(record, episodes=(reporting.model_copy(update={"patient_id": record.patient.id}),))))
    assert kinds_["Condition"] == 1 and kinds_["MedicationStatement"] == 1 and kinds_["AllergyIntolerance"] == 1
