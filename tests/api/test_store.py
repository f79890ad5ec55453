"""Persistence on SQLite and PostgreSQL: migrations, the audit chain, the photo vault, concurrency."""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from PIL import Image, UnidentifiedImageError
from sqlalchemy import delete, inspect, select, text, update

from tests.helpers.clinic import patient
from tests.helpers.exports import episode as built_episode
from tests.helpers.records import Clinic
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.errors import RecordLocked
from threadlift.services.audit import verify_audit
from threadlift.store import audit, migrate
from threadlift.store.db import make_engine, session_factory
from threadlift.store.tables import AuditRow, Base, EpisodeRow
from threadlift.store.unit_of_work import SqlUnitOfWork as UnitOfWork
from threadlift.store.vault import PhotoVault, VaultError

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_migrations_upgrade_from_empty_and_downgrade_one_step(database):
    migrate.upgrade(database)
    assert migrate.current(database) == migrate.head()
    engine = make_engine(database)
    tables = set(inspect(engine).get_table_names())
    assert {"patients", "episodes", "audit_log", "thread_uses", "photos"} <= tables
    for revision, gone in (("0007", "idempotent_requests"), ("0004", "sign_in_failures"), ("0003", "outbox"),
                           ("0002", "gais_ratings"), ("0001", "patient_name_tokens")):
        while migrate.current(database) != revision:
            migrate.downgrade(database)  # one step
        assert gone not in set(inspect(engine).get_table_names())
        assert "patients" in set(inspect(engine).get_table_names())
    migrate.upgrade(database)
    assert migrate.current(database) == migrate.head()
    migrate.downgrade(database, "base")
    assert migrate.current(database) is None
    assert "patients" not in set(inspect(engine).get_table_names())
    engine.dispose()


def test_the_migrations_build_exactly_the_tables_the_store_declares(database):
    """Alembic's own comparison of the migrated database with ``store/tables.py``: no column, index or
    constraint that one has and the other lacks."""
    migrate.upgrade(database)
    engine = make_engine(database)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_follow_ups_recorded_before_0003_get_their_completion_time(database):
    migrate.upgrade(database, "0002")
    ep, stock, person = built_episode(State.FOLLOW_UP)
    factory = session_factory(make_engine(database))
    with UnitOfWork(factory) as uow:
        for lot in stock:
            uow.lots.add(lot)
        uow.patients.add(person)
        uow.session.execute(text("INSERT INTO episodes (id, patient_id, state, opened_at, updated_at, version, "
                                 "document) VALUES (:id, :patient, :state, :at, :at, 1, :doc)"),
                            {"id": str(ep.id), "patient": str(person.id), "state": ep.state.value, "at": ep.opened_at,
                             "doc": ep.model_dump_json()})
        for i, f in enumerate(ep.follow_ups):
            uow.session.execute(text("INSERT INTO follow_ups (episode_id, position, patient_id, name, kind, due_on, "
                                     "status) VALUES (:e, :i, :p, :n, :k, :d, :s)"),
                                {"e": str(ep.id), "i": i, "p": str(person.id), "n": f.name, "k": f.kind,
                                 "d": f.due_on, "s": f.status.value})
        uow.session.commit()
    migrate.upgrade(database)
    with UnitOfWork(factory) as uow:
        times = uow.session.execute(text("SELECT position, completed_at FROM follow_ups ORDER BY position")).all()
    done = [f.completed_at for f in ep.follow_ups]
    assert [t is not None for _, t in times] == [d is not None for d in done] == [True, True] + [False] * 4
    assert str(times[1][1])[:16].replace("T", " ") == str(done[1])[:16].replace("T", " ")
    factory.kw["bind"].dispose()


def test_episodes_recorded_before_0015_get_their_procedure_times_from_their_documents(database):
    """The day's board reads the procedure's start and end from the episode's row: episodes stored before
    the columns existed get them from their documents, locked records included."""
    migrate.upgrade(database, "0014")
    done, stock, person = built_episode(State.DISCHARGED)
    consulted = built_episode(State.CONSULTATION)[0].model_copy(update={"patient_id": person.id})
    episodes = [done, consulted]
    factory = session_factory(make_engine(database))
    with UnitOfWork(factory) as uow:
        for lot in stock:
            uow.lots.add(lot)
        uow.patients.add(person)
        for ep in episodes:
            uow.session.execute(text("INSERT INTO episodes (id, patient_id, state, opened_at, updated_at, version, "
                                     "document) VALUES (:id, :patient, :state, :at, :at, 1, :doc)"),
                                {"id": str(ep.id), "patient": str(person.id), "state": ep.state.value,
                                 "at": ep.opened_at, "doc": ep.model_dump_json()})
        uow.session.commit()
    migrate.upgrade(database)
    with UnitOfWork(factory) as uow:
        stored = {row.id: (row.procedure_started_at, row.procedure_ended_at) for row in uow.session.execute(
            select(EpisodeRow.id, EpisodeRow.procedure_started_at, EpisodeRow.procedure_ended_at))}
    assert done.procedure is not None and done.procedure.ended_at is not None
    assert stored == {str(done.id): (done.procedure.started_at, done.procedure.ended_at),
                      str(consulted.id): (None, None)}
    factory.kw["bind"].dispose()


def chained(database: str, rows: int = 5) -> UnitOfWork:
    migrate.upgrade(database)
    factory = session_factory(make_engine(database))
    with UnitOfWork(factory) as uow:
        for i in range(rows):
            audit.append(uow.session, at=AT, user_id="u1", action="read", entity_type="patient", entity_id=f"p{i}",
                         detail={"n": i})
        uow.commit()
    return UnitOfWork(factory)


def test_an_intact_audit_chain_verifies(database):
    with chained(database) as uow:
        assert audit.verify(uow.session) is None


@pytest.mark.parametrize("tamper, row, problem", [
    ("edit", 3, "edited"), ("delete", 2, "deleted"), ("insert", 3, "inserted"), ("truncate", 5, "deleted")])
def test_tampering_with_the_audit_trail_is_found(database, tamper, row, problem):
    with chained(database) as uow:
        session = uow.session
        if tamper == "edit":
            session.execute(update(AuditRow).where(AuditRow.id == 3).values(action="delete"))
        elif tamper == "delete":
            session.execute(delete(AuditRow).where(AuditRow.id == 2))
        elif tamper == "insert":  # slip a forged row in by renumbering the ones after it
            for row_id in (5, 4, 3):
                session.execute(update(AuditRow).where(AuditRow.id == row_id).values(id=row_id + 1))
            session.add(AuditRow(id=3, at=AT, user_id="intruder", action="read", entity_type="patient", entity_id="x",
                                 detail={}, prev_hash="f" * 64, hash="e" * 64))
        else:
            session.execute(delete(AuditRow).where(AuditRow.id == 5))
        session.commit()
        found = audit.verify(session)
    assert found is not None and (found.row_id, found.problem) == (row, problem), found


def test_verify_audit_through_the_service(clinic: Clinic):
    assert verify_audit(clinic.services, None) is None
    with UnitOfWork(clinic.services.uow_factory.sessions) as uow:  # type: ignore[attr-defined]
        uow.session.execute(update(AuditRow).where(AuditRow.id == 2).values(entity_id="someone-else"))
        uow.commit()
    problem = verify_audit(clinic.services, None)
    assert problem is not None and problem.row_id == 2 and problem.problem == "edited"


def test_a_photo_comes_back_byte_identical_and_is_unreadable_on_disk(tmp_path):
    vault = PhotoVault(tmp_path / "vault", secrets.token_bytes(32))
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 90)).save(buffer, "JPEG")
    original = buffer.getvalue()
    name = vault.put(original)
    assert vault.get(name) == original
    on_disk = (tmp_path / "vault" / name).read_bytes()
    assert original not in on_disk and hashlib.sha256(on_disk).hexdigest() != hashlib.sha256(original).hexdigest()
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(on_disk))
    assert (tmp_path / "vault" / name).stat().st_mode & 0o077 == 0
    other = PhotoVault(tmp_path / "vault", secrets.token_bytes(32))
    with pytest.raises(VaultError, match=r"sealed with key [0-9a-f]{16}, which this clinic's key file does not hold"):
        other.get(name)


def test_a_stored_photo_through_the_api_is_byte_identical(clinic: Clinic, tmp_path):
    from tests.api.test_pathway import PATIENT, jpeg, ok

    c = clinic
    person = ok(c.call("reception-kim", "POST", "/api/patients", json=PATIENT), 201)
    episode = ok(c.call("reception-kim", "POST", f"/api/patients/{person['id']}/episodes"), 201)
    ok(c.call("reception-kim", "POST", f"/api/patients/{person['id']}/photo-consents",
              json={"scopes": ["clinical_record"]}), 201)
    data = jpeg("obama3.jpg")
    photo = ok(c.call("nurse-ade", "POST", f"/api/episodes/{episode['id']}/photos", data={"view": "frontal"},
                      files={"file": ("x.jpg", data, "image/jpeg")}), 201)
    back = c.call("dr-hale", "GET", f"/api/photos/{photo['id']}/image").content
    assert back == data and photo["original_sha256"] == hashlib.sha256(data).hexdigest()
    assert c.call("reception-kim", "GET", f"/api/photos/{photo['id']}/image").status_code == 403
    stored = list((tmp_path / "photos").iterdir())
    assert len(stored) == 1 and data not in stored[0].read_bytes()

    with c.services.uow(read_only=True) as uow:  # a listing without the analysis: the same record otherwise
        whole, = uow.photos.for_episode(episode["id"])
        listed, = uow.photos.listed([whole.id])
    assert whole.analysis["measurements"] and listed.analysis == {}
    assert listed == whole.model_copy(update={"analysis": {}})


def test_two_saves_of_one_episode_cannot_overwrite_each_other(clinic: Clinic):
    services = clinic.services
    person = patient()
    with services.uow() as uow:
        uow.patients.add(person)
        episode = Episode(patient_id=person.id, opened_at=AT)
        uow.episodes.add(episode)
        uow.commit()
    with services.uow(read_only=True) as reader:  # a client reads the episode, then thinks
        theirs, version = reader.episodes.get_with_version(episode.id)
    with services.uow() as first:
        mine = first.episodes.get(episode.id)
        mine.cancel_reason = "first"
        first.episodes.save(mine)
        first.commit()
    theirs.cancel_reason = "second"
    with services.uow() as second, pytest.raises(RecordLocked, match="changed by someone else"):
        second.episodes.save(theirs, expected_version=version)


def test_sqlite_uses_write_ahead_logging(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_rows_hashed_by_the_database_verify_in_python(database):
    """PostgreSQL hashes appended rows in SQL; the bytes must be those row_hash makes."""
    migrate.upgrade(database)
    factory = session_factory(make_engine(database))
    details = [{}, {"note": "Żółć ✓", "ids": [1, 2]}, {"z": {"b": 1, "a": None}, "n": 1.5}]
    with UnitOfWork(factory) as uow:
        for i, detail in enumerate(details * 2):
            audit.append(uow.session, at=AT, user_id=None if i % 2 else "u1", action="read", entity_type="patient",
                         entity_id=None if i == 3 else f"p{i}", detail=detail)
        uow.commit()
    with UnitOfWork(factory, read_only=True) as uow:
        assert audit.verify(uow.session) is None
        assert len(uow.session.execute(select(AuditRow)).all()) == 6


def test_the_reads_of_a_unit_append_in_order_and_chain_whoever_else_appends_meanwhile(database):
    """A unit that logs reads appends its rows at commit (on PostgreSQL in one statement that hashes them in
    SQL, one after another): with eight threads committing such units and single changes at once, every row
    lands once, each unit's rows in their order, and the chain verifies."""
    from concurrent.futures import ThreadPoolExecutor
    from zoneinfo import ZoneInfo

    migrate.upgrade(database)
    factory = session_factory(make_engine(database))
    details = [{}, {"note": "Żółć ✓", "ids": [1, 2]}, {"z": {"b": 1, "a": None}, "n": 1.5}]

    def reads(unit: int) -> None:
        for round_ in range(5):
            with UnitOfWork(factory, logs_reads=True) as uow:
                for i, detail in enumerate(details):
                    uow.log(at=datetime(2026, 11, 2, 23, 30, i, 120, tzinfo=ZoneInfo("Pacific/Kiritimati")),
                            user_id=None if i == 1 else f"u{unit}", action="read", entity_type="patient",
                            entity_id=f"p{unit}-{round_}-{i}", detail=detail)
                uow.commit()
            with UnitOfWork(factory) as uow:
                uow.log(at=AT, user_id=f"u{unit}", action="change", entity_type="patient", entity_id=None, detail={})
                uow.commit()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(reads, range(8)))
    with UnitOfWork(factory, read_only=True) as uow:
        assert audit.verify(uow.session) is None
        rows = [(row.id, row.entity_id) for row in uow.session.execute(select(AuditRow).order_by(AuditRow.id))
                .scalars()]
    assert [row_id for row_id, _ in rows] == list(range(1, 8 * 5 * 4 + 1))
    placed = {entity: row_id for row_id, entity in rows if entity}
    for unit in range(8):
        for round_ in range(5):
            first = placed[f"p{unit}-{round_}-0"]
            assert [placed[f"p{unit}-{round_}-{i}"] for i in range(3)] == [first, first + 1, first + 2]
    factory.kw["bind"].dispose()


def test_the_audit_verifies_whatever_the_time_zone_of_the_session_or_of_the_instant(clinic: Clinic):
    """Each row's hash holds its time in UTC: rows appended with an instant in another offset, and read back
    by a PostgreSQL session whose TimeZone is not UTC, still verify."""
    from zoneinfo import ZoneInfo

    with UnitOfWork(clinic.services.uow_factory.sessions) as uow:  # type: ignore[attr-defined]
        for zone in ("Pacific/Kiritimati", "Pacific/Honolulu", "UTC"):
            audit.append(uow.session, at=datetime(2026, 11, 2, 23, 30, 0, 120, tzinfo=ZoneInfo(zone)),
                         user_id=None, action="test", entity_type="clock", entity_id=None, detail={"zone": zone})
        uow.commit()
    assert verify_audit(clinic.services, None) is None
    if clinic.url.startswith("postgresql"):
        for zone in ("America/New_York", "Asia/Kolkata"):
            engine = make_engine(clinic.url + f"%20-c%20timezone%3D{zone}")
            with session_factory(engine)() as session:
                assert session.execute(text("SHOW TimeZone")).scalar() == zone
                assert audit.verify(session) is None
            engine.dispose()
