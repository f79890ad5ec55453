"""The day's board reads each episode's state, procedure times and placed threads from the store without
parsing its record (issue 12): on SQLite and PostgreSQL it must say what the record itself says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import update

from tests.helpers.exports import episode as built_episode
from threadlift.clinic.adverse import AdverseEvent, EventType
from threadlift.clinic.corrections import EntryKind, ErrorEntry
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.registers import NamedEpisode, RegisterFilter
from threadlift.clinic.threads import ThreadLot
from threadlift.store import migrate
from threadlift.store.db import make_engine, session_factory
from threadlift.store.tables import ThreadLotRow
from threadlift.store.unit_of_work import SqlUnitOfWork as UnitOfWork


@pytest.fixture
def factory(database):  # type: ignore[no-untyped-def]
    migrate.upgrade(database)
    made = session_factory(make_engine(database))
    yield made
    made.kw["bind"].dispose()


def test_the_board_says_what_each_record_says(factory):
    observed, lots, person = built_episode(State.OBSERVATION)
    observed.mark_entered_in_error(ErrorEntry(kind=EntryKind.THREAD, index=0, reason="Scanned the wrong packet"),
                                   "dr-hale", observed.history[-1].at)
    in_procedure, discharged, consulted = (_of(person.id, lots, *built_episode(state)[:2])
                                           for state in (State.PROCEDURE, State.DISCHARGED, State.CONSULTATION))
    episodes = [observed, in_procedure, discharged, consulted]
    with UnitOfWork(factory) as uow:
        for lot in lots:
            uow.lots.add(lot)
        uow.patients.add(person)
        for episode in episodes:
            uow.episodes.add(episode)
        uow.commit()
    name = f"{person.given_name} {person.family_name}"
    expected = {e.id: NamedEpisode.of(e, name) for e in episodes[:3]}
    assert expected[observed.id].threads_placed == len(observed.procedure.threads) - 1  # type: ignore[union-attr]

    with UnitOfWork(factory, read_only=True) as uow:
        long_ago = min(e.opened_at for e in episodes) - timedelta(days=1)
        tomorrow = datetime.now(UTC) + timedelta(days=1)  # the store stamps each save with its own time
        board = {e.episode_id: e for e in uow.registers.in_clinic(long_ago, 200)}
        assert board == expected  # the consultation is not on the board
        assert {e.episode_id for e in uow.registers.in_clinic(tomorrow, 200)} == {
            observed.id, in_procedure.id}  # discharged before "since": off the board
        assert len(uow.registers.in_clinic(long_ago, 1)) == 1


def _of(patient_id: UUID, stored: list[ThreadLot], episode: Episode, stock: list[ThreadLot]) -> Episode:
    """``episode`` (built with its own patient and lots) as the stored patient's, with the stored lots."""
    same = {lot.id: next(s.id for s in stored if (s.product, s.lot) == (lot.product, lot.lot)) for lot in stock}
    procedure = episode.procedure and episode.procedure.model_copy(update={"threads": [
        t.model_copy(update={"lot_id": same[t.lot_id]}) for t in episode.procedure.threads]})
    return episode.model_copy(update={"patient_id": patient_id, "procedure": procedure})



def test_the_boards_expiring_lots_and_recent_events_are_those_of_the_whole_lists(factory):
    """The board asks the store for lots expiring soon with threads left, and serious events since a day; the
    answers must be the whole lists' (which the stock page and the register show) cut the same way."""
    episode, lots, person = built_episode(State.FOLLOW_UP)
    started = episode.procedure.started_at.date()  # type: ignore[union-attr]
    for n, (used, serious) in enumerate(zip(episode.procedure.threads, (True, False, True), strict=False)):  # type: ignore[union-attr]
        episode.add_adverse_event(AdverseEvent(
            type=EventType.DIMPLING if not serious else EventType.INFECTION, area=used.area, side=used.side.value,
            onset_on=started + timedelta(days=3 * n), severity=1 + n % 2, serious=serious, lot_ids=[used.lot_id],
            recorded_by="dr-hale"))
    with UnitOfWork(factory) as uow:
        for lot in lots:
            uow.lots.add(lot)
        uow.patients.add(person)
        uow.episodes.add(episode)
        uow.commit()
    with UnitOfWork(factory) as uow:
        used_up = next(s for s in uow.lots.all() if s.used)
        uow.session.execute(update(ThreadLotRow).where(ThreadLotRow.id == str(used_up.lot.id))
                            .values(quantity_received=used_up.used))  # every thread of this lot placed
        uow.commit()
    with UnitOfWork(factory, read_only=True) as uow:
        stock = uow.lots.all()
        assert any(s.lot.id == used_up.lot.id and s.available == 0 for s in stock)
        for by in sorted({s.lot.expiry for s in stock}) + [date(2000, 1, 1), date(2999, 1, 1)]:
            for limit in (1, 2, 25):
                assert uow.lots.expiring(by, limit) == [
                    s for s in stock if s.available > 0 and s.lot.expiry <= by][:limit]
        every = uow.registers.adverse_events(RegisterFilter())
        assert every and any(e.lots for e in every)
        for since in sorted({e.onset_on for e in every}) + [date(2999, 1, 1)]:
            for serious in (False, True):
                expected = [e for e in every if e.onset_on >= since and (e.serious or not serious)]
                assert uow.registers.adverse_events(RegisterFilter(serious_only=serious, onset_from=since)) == expected


def test_an_episodes_staged_photos_and_listed_records_say_what_its_photo_records_say(factory):
    """The follow-up page pairs photos from a few columns each and reads records only for those it shows."""
    import hashlib

    from tests.helpers.exports import analysis
    from threadlift.clinic.corrections import InError
    from threadlift.clinic.photos import PhotoRecord, StagedPhoto

    episode, lots, person = built_episode(State.FOLLOW_UP)
    with UnitOfWork(factory) as uow:
        for lot in lots:
            uow.lots.add(lot)
        uow.patients.add(person)
        uow.episodes.add(episode)
        taken = episode.opened_at
        photos = [PhotoRecord(patient_id=person.id, episode_id=episode.id, view=view, stage=stage, stored_name=f"p{n}",
                              original_sha256=hashlib.sha256(b"%d" % n).hexdigest(), stored_sha256="0" * 64,
                              content_type="image/jpeg", size_bytes=10, location_removed=False,
                              uploaded_at=taken + timedelta(days=n), uploaded_by="dr-hale", quality_ok=True,
                              analysis=analysis())
                  for n, (view, stage) in enumerate([("frontal", "baseline"), ("frontal", "follow_up"),
                                                     ("oblique_left", "follow_up"), ("frontal", "follow_up")])]
        for photo in photos:
            uow.photos.add(photo)
        uow.photos.mark_in_error(photos[3].id, InError(at=taken + timedelta(days=5), by="dr-hale",
                                                       reason="Another patient's photo"))
        uow.commit()
    with UnitOfWork(factory, read_only=True) as uow:
        whole = [p.model_copy(update={"analysis": {}}) for p in uow.photos.for_episode(episode.id)]
        assert uow.photos.staged(episode.id) == [
            StagedPhoto(p.id, p.view, p.stage, p.uploaded_at, p.entered_in_error is not None) for p in whole]
        assert uow.photos.listed([photos[2].id, photos[0].id]) == [whole[0], whole[2]]
        assert uow.photos.listed([]) == []


def test_an_episodes_newest_follow_ups_are_those_its_whole_listing_pairs(factory):
    """The follow-up page asks the store for the newest follow-ups that have a baseline of their view, how many
    there are, and each view's newest: the same photos as pairing the whole listing (clinic.photos.with_baselines)."""
    import hashlib
    import random

    from tests.helpers.exports import analysis
    from threadlift.clinic.corrections import InError
    from threadlift.clinic.photos import PhotoRecord, PhotoStage, with_baselines

    episode, lots, person = built_episode(State.FOLLOW_UP)
    rng = random.Random(12)
    views = ["frontal", "oblique_left", "oblique_right", "profile_left"]
    stages = [PhotoStage.BASELINE, PhotoStage.FOLLOW_UP, PhotoStage.FOLLOW_UP, PhotoStage.FOLLOW_UP,
              PhotoStage.CHECK_IN, PhotoStage.PROCEDURE_DAY]
    with UnitOfWork(factory) as uow:
        for lot in lots:
            uow.lots.add(lot)
        uow.patients.add(person)
        uow.episodes.add(episode)
        photos = [PhotoRecord(patient_id=person.id, episode_id=episode.id, view=rng.choice(views),
                              stage=rng.choice(stages), stored_name=f"p{n}",
                              original_sha256=hashlib.sha256(b"%d" % n).hexdigest(), stored_sha256="0" * 64,
                              content_type="image/jpeg", size_bytes=10, location_removed=False,
                              uploaded_at=episode.opened_at + timedelta(hours=n), uploaded_by="dr-hale",
                              quality_ok=True, analysis=analysis())
                  for n in range(60)]
        for photo in photos:
            uow.photos.add(photo)
        for photo in rng.sample(photos, 12):  # some baselines and follow-ups among them
            uow.photos.mark_in_error(photo.id, InError(at=photo.uploaded_at, by="dr-hale", reason="Wrong patient"))
        uow.commit()
    with UnitOfWork(factory, read_only=True) as uow:
        every = uow.photos.staged(episode.id)
        usable = [p for p in every if not p.in_error]
        pairs = with_baselines(usable)
        assert 10 < len(pairs) < len(usable)
        baselines = uow.photos.staged(episode.id, stage=PhotoStage.BASELINE)
        assert baselines == [p for p in every if p.stage == PhotoStage.BASELINE]
        paired_views = {p.view for p in baselines if not p.in_error}
        for limit in (None, 0, 1, 5, len(pairs), len(pairs) + 3):
            follow_ups, in_all = uow.photos.newest_follow_ups(episode.id, paired_views, limit)
            assert in_all == len(pairs)
            expected = [follow_up for _, follow_up in pairs]
            assert follow_ups == (expected if limit is None else expected[-limit:] if limit else [])
        assert uow.photos.newest_follow_ups(episode.id, set(), 5) == ([], 0)
        newest = {p.view: p for p in usable if p.stage == PhotoStage.FOLLOW_UP}
        assert uow.photos.newest_follow_up_of_each_view(episode.id) == sorted(newest.values(),
                                                                              key=lambda p: p.uploaded_at)


def test_patients_names_come_as_their_records_show_them(factory):
    """The day's diary names each appointment's patient from two columns, not from the patient's record."""
    from tests.helpers.clinic import patient

    people = [patient(given_name=given, family_name="Okafor-Lind") for given in ("Ada", "Zoë")]
    with UnitOfWork(factory) as uow:
        for person in people:
            uow.patients.add(person)
        uow.commit()
    with UnitOfWork(factory, read_only=True) as uow:
        assert uow.patients.display_names({p.id for p in people}) == {p.id: p.display_name for p in people}
        assert uow.patients.display_names(set()) == {}
