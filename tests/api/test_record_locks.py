"""Signed and locked records are guarded in the store too (migration 0010's triggers): a bulk UPDATE of a
signed consent, an ended procedure or a discharge is refused whole, on SQLite and PostgreSQL, while the
pathway's own saves of the rest of an episode go on."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from tests.helpers.exports import episode as built_episode
from threadlift.clinic.episode import State
from threadlift.clinic.followup import FollowUpStatus
from threadlift.store import migrate
from threadlift.store.db import make_engine, session_factory
from threadlift.store.tables import EpisodeRow
from threadlift.store.unit_of_work import SqlUnitOfWork as UnitOfWork


@pytest.fixture
def stored(database):  # type: ignore[no-untyped-def]
    """A database at head holding a discharged episode (signed, ended, discharged) and one at consultation."""
    migrate.upgrade(database)
    factory = session_factory(make_engine(database))
    done, lots, person = built_episode(State.FOLLOW_UP)
    early, _, _ = built_episode(State.CONSULTATION, seed_value=12)
    early = early.model_copy(update={"patient_id": person.id})
    with UnitOfWork(factory) as uow:
        for lot in lots:
            uow.lots.add(lot)
        uow.patients.add(person)
        uow.episodes.add(done)
        uow.episodes.add(early)
        uow.commit()
    yield factory, done.id, early.id
    factory.kw["bind"].dispose()


def documents(factory) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    with factory() as session:
        return {row.id: row.document for row in session.execute(select(EpisodeRow)).scalars()}


@pytest.mark.parametrize("part, change", [
    ("consent", lambda d: d["consent"].update(typed_name="Someone Else")),
    ("consent", lambda d: d.update(consent=None)),
    ("procedure", lambda d: d["procedure"]["threads"].pop()),
    ("procedure", lambda d: d["procedure"].update(ended_at=None)),
    ("discharge", lambda d: d["discharge"].update(aftercare_version="1999.1")),
])
def test_a_bulk_update_of_a_locked_part_is_refused_whole(stored, part, change):
    factory, done, _ = stored
    before = documents(factory)
    rows = []
    for episode_id, document in before.items():
        edited = copy.deepcopy({**document, "note": "bulk edit"})
        if episode_id == str(done):
            change(edited)
        rows.append({"id": episode_id, "document": edited})
    with factory() as session, pytest.raises(IntegrityError, match="record_locked"):
        session.execute(update(EpisodeRow), rows)  # one statement per row, in one transaction
        session.commit()
    assert documents(factory) == before  # the unlocked episode in the batch is not changed either


def test_the_rest_of_a_signed_episode_still_saves(stored):
    factory, done, _ = stored
    with UnitOfWork(factory) as uow:
        episode, version = uow.episodes.get_with_version(done)
        index = next(i for i, f in enumerate(episode.follow_ups) if f.status is FollowUpStatus.SCHEDULED)
        episode.complete_follow_up(index, FollowUpStatus.MISSED, episode.follow_ups[index].completed_at
                                   or episode.discharge.discharged_at, "nurse-ade")  # type: ignore[union-attr]
        uow.episodes.save(episode, expected_version=version)
        uow.commit()
    assert documents(factory)[str(done)]["follow_ups"][index]["status"] == "missed"


def test_a_consent_form_version_is_never_rewritten(stored):
    factory, _, _ = stored
    with factory() as session:
        session.execute(text("INSERT INTO consent_documents (procedure_type, version, title, text, sha256, created_at)"
                             " VALUES ('thread_lift', '1', 't', 'the text', :h, CURRENT_TIMESTAMP)"), {"h": "0" * 64})
        session.commit()
        with pytest.raises(IntegrityError, match="record_locked"):
            session.execute(text("UPDATE consent_documents SET text = 'another text'"))


def test_corrections_are_appended_after_signing_and_never_rewritten(stored):
    """Issue 14: an amendment and an entry marked in error are added to a signed, discharged episode (outside its
    locked parts); migration 0013's triggers then refuse any UPDATE that changes or removes one."""
    from threadlift.clinic.corrections import AmendedField, AmendmentEntry, EntryKind, ErrorEntry

    factory, done, _ = stored
    with UnitOfWork(factory) as uow:
        episode, version = uow.episodes.get_with_version(done)
        at = episode.history[-1].at
        episode.amend(AmendmentEntry(field=AmendedField.EXPECTATIONS, value="A fresher jawline, for about a year",
                                     reason="Patient clarified her expectation at review"), "dr-hale", at)
        episode.mark_entered_in_error(ErrorEntry(kind=EntryKind.THREAD, index=0, reason="Lot scanned for another "
                                                 "patient"), "dr-hale", at)
        uow.episodes.save(episode, expected_version=version)
        uow.commit()
    before = documents(factory)
    assert before[str(done)]["amendments"][0]["original"] == "A natural, modest lift; understands it fades over months."
    for change in (lambda d: d["amendments"][0].update(value="rewritten"), lambda d: d.update(amendments=[]),
                   lambda d: d["entered_in_error"][0].update(reason="another reason")):
        edited = copy.deepcopy(before[str(done)])
        change(edited)
        with factory() as session, pytest.raises(IntegrityError, match="record_locked"):
            session.execute(update(EpisodeRow).where(EpisodeRow.id == str(done)).values(document=edited))
            session.commit()
    assert documents(factory) == before
