"""FHIR exports through the service (SQLite and PostgreSQL): checked, audited, photos hashed, withdrawn
photos left home, roles enforced; the clinic in bulk as NDJSON."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import update

from tests.helpers.exports import store_patient
from tests.helpers.records import Clinic
from threadlift.clinic.episode import State
from threadlift.clinic.errors import InvalidInput, NotFound
from threadlift.interop.fhir.check import validate
from threadlift.services import exports
from threadlift.services.base import PermissionDenied
from threadlift.store.tables import PhotoRow


def user(clinic: Clinic, name: str):  # type: ignore[no-untyped-def]
    with clinic.services.uow(read_only=True) as uow:
        return uow.users.by_username(name)


def exports_logged(clinic: Clinic) -> list[tuple[str | None, dict]]:
    with clinic.services.uow(read_only=True) as uow:
        return [(r.entity_id, dict(r.detail)) for r in uow.audit.entries(limit=1000) if r.action == "export"]


def test_a_patients_bundle_is_valid_complete_and_audited(clinic: Clinic):
    patient_id = store_patient(clinic.services, State.FOLLOW_UP)
    bundle = exports.fhir_bundle(clinic.services, user(clinic, "dr-hale"), patient_id)
    assert bundle["type"] == "collection"
    validate([bundle])
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds["DocumentReference"] == 2 and kinds["AdverseEvent"] == 1 and kinds["Patient"] == 1
    practitioners = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner"]
    assert {p["name"][0]["text"] for p in practitioners} >= {"Dr Hale"}
    again = exports.fhir_bundle(clinic.services, user(clinic, "admin"), patient_id)
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in bundle["entry"]]  # stable ids
    rows = exports_logged(clinic)
    assert len(rows) == 2 and rows[0][0] == str(patient_id)
    assert rows[0][1]["resources"] == len(bundle["entry"]) and "name" not in json.dumps(rows[0][1])
    # R4B, with the pixels, on request
    bundle = exports.fhir_bundle(clinic.services, None, patient_id, version="R4B", include_pixels=True)
    validate([bundle], "R4B")
    media = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Media"]
    assert len(media) == 2 and all(m["content"]["data"] and m["content"]["hash"] for m in media)
    with pytest.raises(InvalidInput, match="R5 or R4B"):
        exports.fhir_bundle(clinic.services, None, patient_id, version="STU3")


def test_who_may_export_and_what_stops_an_export(clinic: Clinic):
    patient_id = store_patient(clinic.services, State.CONSENTED, with_photos=False)
    for who in ("reception-kim", "nurse-ade"):
        with pytest.raises(PermissionDenied):
            exports.fhir_bundle(clinic.services, user(clinic, who), patient_id)
    with pytest.raises(NotFound):
        exports.fhir_bundle(clinic.services, user(clinic, "dr-hale"), patient_id.__class__(int=7))
    alone = exports.fhir_bundle(clinic.services, user(clinic, "dr-hale"), store_patient(
        clinic.services, State.CONSULTATION, with_photos=False, seed_value=5))
    validate([alone])
    photographed = store_patient(clinic.services, State.CONSENTED, seed_value=6)
    with clinic.services.uow() as uow:  # a photo that no longer matches its recorded hash stops the export
        uow.session.execute(update(PhotoRow).values(stored_sha256="0" * 64))
        uow.commit()
    with pytest.raises(InvalidInput, match="altered"):
        exports.fhir_bundle(clinic.services, None, photographed)


def test_withdrawn_photos_are_left_out_and_counted(clinic: Clinic):
    patient_id = store_patient(clinic.services, State.FOLLOW_UP, withdrawn=True)
    bundle = exports.fhir_bundle(clinic.services, None, patient_id)
    assert not [e for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
    [(_, detail)] = exports_logged(clinic)
    assert detail["photos_left_out"] == 2


def test_the_clinic_in_bulk_is_ndjson_per_type_with_shared_resources_once(clinic: Clinic, tmp_path):
    store_patient(clinic.services, State.CLOSED, seed_value=1)
    store_patient(clinic.services, State.PLANNED, seed_value=2)
    store_patient(clinic.services, State.CONSULTATION, seed_value=3, with_photos=False)
    withdrawn = store_patient(clinic.services, State.FOLLOW_UP, seed_value=4, withdrawn=True)
    result = exports.fhir_bulk(clinic.services, user(clinic, "admin"), tmp_path / "bulk")
    assert result.patients == 4 and result.files["Patient"] == 4
    everything = []
    for kind, count in result.files.items():
        lines = (tmp_path / "bulk" / f"{kind}.ndjson").read_text().splitlines()
        assert len(lines) == count
        everything += [json.loads(line) for line in lines]
    validate(everything)  # every reference resolves across the files
    photos = [r for r in everything if r["resourceType"] == "DocumentReference"]
    assert len(photos) == 3 and not [p for p in photos if p["subject"]["reference"] == f"Patient/{withdrawn}"]
    assert result.files["Organization"] == 1 and result.files["Questionnaire"] == 1
    assert len({(r["resourceType"], r["id"]) for r in everything}) == len(everything)
