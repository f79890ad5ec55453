"""A patient in the portal: invited by staff, the link read from the outbox, signed in with a cookie jar."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.helpers.clinic import patient
from tests.helpers.records import Clinic
from threadlift.clinic.patient import Patient
from threadlift.services import portal
from threadlift.web.portal.common import COOKIE, csrf_for

LINK = re.compile(r"/portal/sign-in/([A-Za-z0-9_-]+)")


def registered(clinic: Clinic, **changes: Any) -> Patient:
    someone = patient(**changes)
    with clinic.services.uow() as uow:
        uow.patients.add(someone)
        uow.commit()
    return someone


def last_link(clinic: Clinic, someone: Patient) -> str:
    """The token of the newest sign-in link e-mailed to the patient (read from the outbox)."""
    with clinic.services.uow(read_only=True) as uow:
        messages = uow.outbox.of_patient(str(someone.id), 20)
    found = next(LINK.search(m.body) for m in messages if LINK.search(m.body))
    assert found is not None
    return found.group(1)


class PortalUser:
    def __init__(self, clinic: Clinic, someone: Patient) -> None:
        self.client = TestClient(clinic.client.app, follow_redirects=False)
        portal.invite(clinic.services, clinic.user("reception-kim"), someone.id)
        response = self.client.post(f"/portal/sign-in/{last_link(clinic, someone)}")
        assert response.status_code == 303, response.text
        self.token = self.client.cookies.get(COOKIE)
        assert self.token
        self.patient = someone
        self.services = clinic.services

    @property
    def csrf(self) -> str:
        return csrf_for(self.services, self.token)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        return self.client.post(path, data={"csrf": self.csrf, **(data or {})}, **kwargs)


def treated(clinic: Clinic, stage: str = "discharged", email: str = "treated@example.org") -> tuple[Patient, Any]:
    """A patient carried through the pathway to ``stage`` (signed consent, procedure with lots, discharge
    with aftercare), stored in the clinic; (patient, episode)."""
    from tests.helpers.exports import episode as built_episode
    from threadlift.clinic.episode import State

    episode, lots, person = built_episode(State(stage))
    person = person.model_copy(update={"email": email})
    with clinic.services.uow() as uow:
        uow.patients.add(person)
        for lot in lots:
            uow.lots.add(lot)
        uow.episodes.add(episode)
        uow.commit()
    return person, episode
