"""Patient search through the name-token index, on SQLite and PostgreSQL; and units that log reads."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from threadlift.clinic.patient import Patient, Sex
from threadlift.store import audit, migrate
from threadlift.store.db import make_engine, session_factory
from threadlift.store.repository import _after_prefix, name_tokens
from threadlift.store.tables import AuditRow
from threadlift.store.unit_of_work import SqlUnitOfWork as UnitOfWork

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NAMES = [("Okafor", "Adaeze"), ("Okafor", "Daniel"), ("Smith-Jones", "Claire"), ("O'Neil", "Sean"),
         ("van der Berg", "Ingrid"), ("Żółkiewska", "Agnieszka"), ("Núñez", "Mateo"), ("Hale", "Sofia"),
         ("Halevi", "Omar"), ("Percent%", "Under_score")]


@pytest.fixture
def units(database):  # type: ignore[no-untyped-def]
    migrate.upgrade(database)
    factory = session_factory(make_engine(database))
    with UnitOfWork(factory) as uow:
        for i, (family, given) in enumerate(NAMES):
            uow.patients.add(Patient(family_name=family, given_name=given, date_of_birth=date(1970 + i, 3, 4),
                                     sex=Sex.FEMALE, email=f"p{i}@example.org"))
        uow.commit()
    return factory


def found(factory, text: str, **page: int) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, read_only=True) as uow:
        patients, total = uow.patients.search(text, **page)
    return [f"{p.family_name} {p.given_name}" for p in patients], total


def test_each_word_must_start_a_name_in_any_order_and_case(units):
    assert found(units, "okaf ada") == (["Okafor Adaeze"], 1)
    assert found(units, "ADA okaf") == (["Okafor Adaeze"], 1)
    assert found(units, "okafor") == (["Okafor Adaeze", "Okafor Daniel"], 2)
    assert found(units, "kafor") == ([], 0)  # a prefix, not any substring


def test_parts_of_hyphenated_apostrophed_and_several_word_names_are_found(units):
    assert found(units, "jones")[0] == ["Smith-Jones Claire"]
    assert found(units, "smith")[0] == ["Smith-Jones Claire"]
    assert found(units, "neil")[0] == ["O'Neil Sean"]
    assert found(units, "o'n")[0] == ["O'Neil Sean"]
    assert found(units, "berg ingrid")[0] == ["van der Berg Ingrid"]
    assert found(units, "der")[0] == ["van der Berg Ingrid"]


def test_accents_do_not_matter_either_way(units):
    """Issue 14: "marta" did not find "Márta"."""
    assert found(units, "żół")[0] == ["Żółkiewska Agnieszka"]
    assert found(units, "NÚÑ")[0] == ["Núñez Mateo"]
    assert found(units, "nun")[0] == ["Núñez Mateo"]
    assert found(units, "zol")[0] == []  # ł is a letter of its own, not an l with an accent
    assert found(units, "okafór")[0] == ["Okafor Adaeze", "Okafor Daniel"]


def test_like_wildcards_in_the_text_are_plain_characters(units):
    assert found(units, "percent%")[0] == ["Percent% Under_score"]
    assert found(units, "%")[0] == []
    assert found(units, "under_")[0] == ["Percent% Under_score"]
    assert found(units, "u_")[0] == []


def test_a_date_of_birth_narrows_the_search(units):
    assert found(units, "1970-03-04") == (["Okafor Adaeze"], 1)
    assert found(units, "okafor 1971-03-04") == (["Okafor Daniel"], 1)
    assert found(units, "hale 1971-03-04") == ([], 0)


def test_pages_come_in_name_order_with_the_total_of_all_matches(units):
    everyone, total = found(units, "", limit=50)  # the order of punctuation is the database's collation
    assert total == len(NAMES) and sorted(everyone) == sorted(f"{f} {g}" for f, g in NAMES)
    assert found(units, "hale") == (["Hale Sofia", "Halevi Omar"], 2)
    assert found(units, "hale", limit=1, offset=1) == (["Halevi Omar"], 2)
    assert found(units, "hale", limit=1, offset=5) == ([], 2)


def test_a_renamed_patient_is_found_by_the_new_name_only(units):
    with UnitOfWork(units) as uow:
        patient = uow.patients.search("hale sof")[0][0]
        uow.patients.update(patient.model_copy(update={"family_name": "Brennan"}))
        uow.commit()
    assert found(units, "hale sof")[0] == []
    assert found(units, "brennan sof")[0] == ["Brennan Sofia"]


def test_name_tokens_and_prefix_bounds():
    assert name_tokens("smith-jones o'neil van") == {"smith-jones", "jones", "o'neil", "neil", "van"}
    assert name_tokens("núñez márta") == {"núñez", "nunez", "márta", "marta"}
    assert _after_prefix("smi") == "smj"
    assert _after_prefix("a\U0010ffff") == "b"
    assert _after_prefix("\U0010ffff") is None
    assert _after_prefix("a\ud7ff") == "a\ue000"  # never a surrogate, which no database can store


def audit_rows(factory) -> int:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, read_only=True) as uow:
        return int(uow.session.execute(select(func.count()).select_from(AuditRow)).scalar_one())


def log_read(uow: UnitOfWork, entity_id: str) -> None:
    uow.log(at=AT, user_id="u1", action="read", entity_type="patient", entity_id=entity_id, detail={})


def test_a_read_is_logged_when_its_unit_commits_and_not_before(units):
    with UnitOfWork(units, logs_reads=True) as uow:
        uow.patients.search("okafor")
        log_read(uow, "p1")
        assert audit_rows(units) == 0
        uow.commit()
    assert audit_rows(units) == 1
    with UnitOfWork(units, logs_reads=True) as uow:  # a read that fails before its commit logs nothing
        log_read(uow, "p2")
    assert audit_rows(units) == 1
    with UnitOfWork(units, read_only=True) as uow:
        assert audit.verify(uow.session) is None


def test_a_reader_does_not_hold_up_writers_while_it_reads(units):
    """A unit that logs reads takes the audit head (and SQLite's write lock) only at its commit."""
    written = threading.Event()

    def write() -> None:
        with UnitOfWork(units) as uow:
            audit.append(uow.session, at=AT, user_id="u2", action="update", entity_type="patient", entity_id="p3")
            uow.commit()
        written.set()

    with UnitOfWork(units, logs_reads=True) as reader:
        reader.patients.search("hale")
        log_read(reader, "p1")
        writer = threading.Thread(target=write)
        writer.start()
        assert written.wait(timeout=10), "a writer waited for a reader to finish"
        reader.commit()
    writer.join()
    assert audit_rows(units) == 2
    with UnitOfWork(units, read_only=True) as uow:
        assert audit.verify(uow.session) is None
