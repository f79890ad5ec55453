"""GAIS and the patient's report of the effect leave the clinic as Observations (OUT-01, OUT-03): valid R5 and
R4B, the scale's version and direction in the code system and the components, the rater as performer."""

from __future__ import annotations

from tests.helpers.exports import CLINIC, CLINICIAN, NOW, record_at
from threadlift.clinic.episode import State
from threadlift.clinic.ratings import AssessmentEntry, EffectReport
from threadlift.interop.fhir import patient_resources
from threadlift.interop.fhir.check import validate
from threadlift.interop.fhir.r4b import to_r4b


def test_gais_ratings_and_the_effect_report_are_observations_with_their_scale():
    record = record_at(State.FOLLOW_UP)
    episode = record.episodes[0]
    episode.assess_follow_up(1, AssessmentEntry(clinician_gais=2, patient_gais=3,
                                                effect=EffectReport(noticeable=False, lost_after_weeks=1)),
                             NOW, CLINICIAN)
    resources = patient_resources(record, CLINIC)
    validate(resources, "R5")
    validate(to_r4b(resources), "R4B")
    surveys = [r for r in resources if r["resourceType"] == "Observation"
               and r["category"][0]["coding"][0]["code"] == "survey"]
    gais = {r["code"]["text"]: r for r in surveys if r["code"]["coding"][0]["code"] == "gais"}
    clinician = gais["Global Aesthetic Improvement Scale, rated by the clinician"]
    patient = gais["Global Aesthetic Improvement Scale, rated by the patient"]
    assert clinician["valueCodeableConcept"]["coding"][0] == {
        "system": "https://threadlift.org/fhir/CodeSystem/gais-5-point-standard-form-1-best", "code": "2",
        "display": "much improved"}
    assert clinician["performer"][0]["reference"].startswith("Practitioner/")
    assert patient["performer"][0]["reference"] == f"Patient/{record.patient.id}"
    components = {c["code"]["coding"][0]["code"]: c for c in patient["component"]}
    assert components["best_score"]["valueInteger"] == 1 and components["standard_score"]["valueInteger"] == 3
    assert components["scale_version"]["valueString"] == "5-point standard form"
    effect = next(r for r in surveys if r["code"]["coding"][0]["code"] == "effect_noticeable")
    assert effect["valueBoolean"] is False
    assert effect["component"][0]["valueQuantity"] == {"value": 1.0, "unit": "weeks",
                                                       "system": "http://unitsofmeasure.org", "code": "wk"}
    again = patient_resources(record, CLINIC)
    assert [r["id"] for r in again] == [r["id"] for r in resources]  # stable ids
