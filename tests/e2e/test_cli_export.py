"""`threadlift export fhir` as the server's operator runs it: files written, bad ids refused with exit 1."""

from __future__ import annotations

import base64
import json
import secrets
import zipfile

import pytest
from typer.testing import CliRunner

from tests.helpers.exports import store_patient
from tests.helpers.records import PASSWORD, STAFF
from threadlift import bootstrap, seed
from threadlift.cli import app
from threadlift.clinic.episode import State
from threadlift.config import Settings
from threadlift.interop.fhir.check import validate
from threadlift.services import consents, people
from threadlift.services.commands import AddConsentDocument, CreateUser
from threadlift.services.types import StaffAccount
from threadlift.store import migrate

runner = CliRunner()


@pytest.fixture
def operator_clinic(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A clinic on disk as `threadlift serve` would use it, with the operator's environment set."""
    env = {"THREADLIFT_DATA_DIR": str(tmp_path / "data"), "THREADLIFT_KEY": base64.b64encode(
        secrets.token_bytes(32)).decode(), "THREADLIFT_CLINIC_NAME": "Riverside Aesthetics"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("THREADLIFT_DATABASE_URL", raising=False)
    settings = Settings.from_env(env)
    settings.ensure_data_dir()
    migrate.upgrade(settings.database_url)
    services = bootstrap.build(settings)
    for username, role in STAFF.items():
        people.create_user(services, None, CreateUser(account=StaffAccount(
            username=username, display_name=username.replace("-", " ").title(), role=role, password=PASSWORD)))
    consents.add_consent_document(services, None, AddConsentDocument(document=seed.CONSENT_DOCUMENT))
    return services


def test_export_one_patient_all_patients_and_refuse_unknown_ones(operator_clinic, tmp_path):
    patient_id = store_patient(operator_clinic, State.FOLLOW_UP)
    done = runner.invoke(app, ["export", "fhir", "--patient", str(patient_id), "--out", str(tmp_path / "p.json")])
    assert done.exit_code == 0, done.output
    bundle = json.loads((tmp_path / "p.json").read_text())
    validate([bundle])
    assert any(e["resource"].get("name") == "Riverside Aesthetics" for e in bundle["entry"])
    r4b = runner.invoke(app, ["export", "fhir", "--patient", str(patient_id), "--r4b", "--out",
                              str(tmp_path / "4.json")])
    assert r4b.exit_code == 0 and "R4B" in r4b.stdout
    validate([json.loads((tmp_path / "4.json").read_text())], "R4B")
    bulk = runner.invoke(app, ["export", "fhir", "--all", "--out", str(tmp_path / "bulk")])
    assert bulk.exit_code == 0 and "Patient.ndjson  1" in bulk.stdout
    unknown = runner.invoke(app, ["export", "fhir", "--patient", "8d6f0c9e-0000-4000-8000-000000000000",
                                  "--out", str(tmp_path / "x.json")])
    assert unknown.exit_code == 1 and "no patient" in unknown.stderr and not (tmp_path / "x.json").exists()
    garbled = runner.invoke(app, ["export", "fhir", "--patient", "Okafor", "--out", str(tmp_path / "x.json")])
    assert garbled.exit_code == 1 and "not a patient id" in garbled.stderr
    both = runner.invoke(app, ["export", "fhir", "--out", str(tmp_path / "x.json")])
    assert both.exit_code == 2


def test_subject_access_archive_from_the_command_line(operator_clinic, tmp_path):
    patient_id = store_patient(operator_clinic, State.FOLLOW_UP, withdrawn=True)
    done = runner.invoke(app, ["export", "patient", str(patient_id), "--out", str(tmp_path / "sar.zip")])
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(tmp_path / "sar.zip") as zipped:
        names = set(zipped.namelist())
        readme = zipped.read("README.txt").decode()
    photos = [n for n in names if n.startswith("photos/")]
    assert len(photos) == 2 and "consent to its use was withdrawn" in readme  # the patient's own, withdrawn or not
    assert {"README.txt", "record.fhir.json"} <= names and any(n.endswith("-consent.pdf") for n in names)
    unknown = runner.invoke(app, ["export", "patient", "8d6f0c9e-0000-4000-8000-000000000000", "--out",
                                  str(tmp_path / "x.zip")])
    assert unknown.exit_code == 1 and "no patient" in unknown.stderr and not (tmp_path / "x.zip").exists()


def test_a_patient_with_no_episode_is_exported_alone_and_valid(operator_clinic, tmp_path):
    import random

    from tests.helpers.exports import NOW

    person = seed.patient(random.Random(4), NOW.date())
    with operator_clinic.uow() as uow:
        uow.patients.add(person)
        uow.commit()
    done = runner.invoke(app, ["export", "fhir", "--patient", str(person.id), "--out", str(tmp_path / "alone.json")])
    assert done.exit_code == 0, done.output
    bundle = json.loads((tmp_path / "alone.json").read_text())
    validate([bundle])
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient", "Organization"]
    sar = runner.invoke(app, ["export", "patient", str(person.id), "--out", str(tmp_path / "alone.zip")])
    assert sar.exit_code == 0, sar.output
    with zipfile.ZipFile(tmp_path / "alone.zip") as zipped:
        assert sorted(zipped.namelist()) == ["README.txt", "record.fhir.json"]
        validate([json.loads(zipped.read("record.fhir.json"))])
