"""A patient two days after a thread lift, signed in to the portal, for the check-in tests."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from tests.helpers.portal import PortalUser, treated
from threadlift.services import checkins

CALM = {"pain_score": "2", "pain_trend": "better", "swelling": "mild", "swelling_trend": "better",
        "bruising": "mild", "redness_or_warmth_spreading": "no", "fever": "no", "discharge_from_entry_point": "no",
        "thread_at_skin": "no", "dimpling": "no", "asymmetry": "no", "facial_weakness": "no",
        "difficulty_opening_mouth": "no", "vision_change": "no"}


@pytest.fixture
def recovering(clinic):  # type: ignore[no-untyped-def]
    """A patient two days after the procedure, check-ins scheduled, signed in to the portal."""
    clinic.services.settings = dataclasses.replace(clinic.services.settings, on_call_email="oncall@example.org",
                                                   clinic_phone="020 7946 0001")
    someone, episode = treated(clinic)
    clinic.clock.now = episode.procedure.ended_at + timedelta(hours=49)
    assert checkins.schedule_check_ins(clinic.services) == 2
    assert checkins.schedule_check_ins(clinic.services) == 0
    assert checkins.invite_check_ins(clinic.services) == 1  # the 48-hour one has opened; the 7-day one has not
    assert checkins.announce_aftercare(clinic.services) == 1  # "your aftercare is in the portal", once
    assert checkins.announce_aftercare(clinic.services) == 0
    with clinic.services.uow(read_only=True) as uow:
        first, week = uow.portal.check_ins(str(episode.id))
    return someone, episode, first, week, PortalUser(clinic, someone)
