"""The patient's side in the database, on SQLite and PostgreSQL: links used once, sessions, check-ins answered
once, the outbox's claim and dedupe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers.clinic import patient
from threadlift.clinic.episode import Episode
from threadlift.clinic.portal import CheckIn, LinkProblem, OutboxMessage
from threadlift.store import migrate
from threadlift.store.db import make_engine, session_factory
from threadlift.store.unit_of_work import SqlUnitOfWorkFactory

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _units(database: str) -> SqlUnitOfWorkFactory:
    migrate.upgrade(database)
    return SqlUnitOfWorkFactory(session_factory(make_engine(database)))


def test_a_link_signs_in_once_within_its_life_and_says_why_not_otherwise(database):
    units = _units(database)
    someone = patient()
    with units() as uow:
        uow.patients.add(someone)
        uow.portal.add_link("a" * 64, str(someone.id), AT, AT + timedelta(minutes=15))
        uow.portal.add_link("b" * 64, str(someone.id), AT, AT + timedelta(minutes=15))
        uow.commit()
    with units() as uow:
        assert uow.portal.use_link("a" * 64, AT + timedelta(minutes=1)) == (str(someone.id), None)
        assert uow.portal.use_link("a" * 64, AT + timedelta(minutes=2)) == (None, LinkProblem.USED)
        assert uow.portal.use_link("b" * 64, AT + timedelta(minutes=15)) == (None, LinkProblem.EXPIRED)
        assert uow.portal.use_link("c" * 64, AT) == (None, LinkProblem.UNKNOWN)
        uow.portal.start_session("d" * 64, str(someone.id), AT, AT + timedelta(hours=12))
        uow.commit()
    with units(read_only=True) as uow:
        assert uow.portal.link_times(str(someone.id)) == (AT, AT + timedelta(minutes=1))
        assert uow.portal.session_patient("d" * 64, AT + timedelta(minutes=10), 30) == (str(someone.id), "refresh")
        assert uow.portal.session_patient("d" * 64, AT + timedelta(minutes=31), 30) == (None, "expired")
        assert uow.users.session_user("d" * 64, AT, 30)[0] is None  # a portal session is no staff session
    units.close()


def test_a_check_in_is_answered_once_and_triaged_once(database):
    units = _units(database)
    someone = patient()
    episode = Episode(patient_id=someone.id, opened_at=AT)
    with units() as uow:
        uow.patients.add(someone)
        uow.episodes.add(episode)
        uow.portal.add_check_ins([CheckIn(id="c1", episode_id=str(episode.id), patient_id=str(someone.id),
                                          name="48h", after_hours=48, opens_at=AT, closes_at=AT + timedelta(days=1))])
        uow.commit()
    with units() as uow:
        assert [c.id for c in uow.portal.check_ins_to_invite(AT, 10)] == ["c1"]
        assert uow.portal.answer_check_in("c1", answers={"fever": True}, at=AT, late=False, photo_id=None,
                                          photo_quality_ok=None)
        assert not uow.portal.answer_check_in("c1", answers={"fever": False}, at=AT, late=False, photo_id=None,
                                              photo_quality_ok=None)
        assert [c.id for c in uow.portal.check_ins_to_triage(10)] == ["c1"]
        assert uow.portal.save_triage("c1", "call_clinic", {"rules": ["fever"]})
        assert not uow.portal.save_triage("c1", "expected", {})
        uow.commit()
    with units(read_only=True) as uow:
        stored = uow.portal.check_in("c1")
        assert stored.answers == {"fever": True} and stored.triage_level == "call_clinic"
        assert stored.answered_at == AT and uow.portal.check_ins_to_triage(10) == []
    units.close()


def test_the_outbox_queues_once_per_key_and_one_sender_claims_a_message(database):
    units = _units(database)
    message = OutboxMessage(id="m1", kind="sign_in", to_address="a@example.org", subject="s", body="b",
                            created_at=AT, next_attempt_at=AT, dedupe_key="k1")
    with units() as uow:
        assert uow.outbox.add(message)
        assert not uow.outbox.add(OutboxMessage(**{**message.__dict__, "id": "m2"}))
        uow.commit()
    with units() as uow:
        assert uow.outbox.add(OutboxMessage(**{**message.__dict__, "id": "m3", "kind": "red_flag_alert",
                                               "dedupe_key": None, "created_at": AT + timedelta(seconds=1),
                                               "next_attempt_at": AT + timedelta(seconds=1)}))
        uow.commit()
    with units() as uow:
        assert uow.outbox.due(AT + timedelta(seconds=1), 10) == ["m3", "m1"]  # alerts to staff first
        uow.outbox.sent("m3", AT, 1)
        assert uow.outbox.due(AT, 10) == ["m1"]
        assert uow.outbox.claim("m1", AT, timedelta(minutes=2)) is not None
        assert uow.outbox.claim("m1", AT, timedelta(minutes=2)) is None  # leased to the first sender
        uow.outbox.retry("m1", attempts=1, at=AT, error="refused", give_up=True)
        uow.commit()
    with units() as uow:
        assert [m.id for m in uow.outbox.failed(10)] == ["m1"] and uow.outbox.due(AT, 10) == []
        assert uow.outbox.requeue("m1", AT)
        uow.commit()
    units.close()
