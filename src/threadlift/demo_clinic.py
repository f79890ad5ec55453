"""The demo clinic: staff for every role, fictional patients at every stage, photos and plans.

Built through the same services and domain as real use (so every rule holds), in a SQLite file of
its own. The photos are the package's sample portrait (public domain, NASA); follow-up photos are
that portrait with a simulated lift, so the before/after comparison has something to measure.
Passwords are generated per demo folder and kept beside its database (0600).
"""

from __future__ import annotations

import io
import json
import os
import random
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from threadlift import seed
from threadlift.clinic.adverse import AdverseEvent, EventType, Intervention, Outcome
from threadlift.clinic.appointments import Booking
from threadlift.clinic.consent import PhotoConsentGrant, PhotoScope
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.errors import DomainError
from threadlift.clinic.roles import Role
from threadlift.clinic.staff import StaffAccount, User
from threadlift.clinic.threads import Design, Material, ThreadLot
from threadlift.face.analysis import default_analyzer
from threadlift.face.load import load_photo
from threadlift.face.simulate import simulate
from threadlift.plan.suggest import PlanInput, suggest
from threadlift.services import appointments, consents, people, photos
from threadlift.services.base import Services
from threadlift.services.commands import (
    AddConsentDocument,
    BookAppointment,
    CreateUser,
    GivePhotoConsent,
    PhotoUpload,
)

ACCOUNTS_FILE = "demo-accounts.json"
STAFF = (("admin", "Alex Admin", Role.ADMIN), ("dr.hale", "Dr Alice Hale", Role.CLINICIAN),
         ("dr.novak", "Dr Tomas Novak", Role.CLINICIAN), ("nurse.silva", "Nurse Maria Silva", Role.NURSE),
         ("reception.byrne", "Niamh Byrne (reception)", Role.RECEPTION))
# How many demo episodes stand at each stage; the early ones have photos and plans to work on.
STAGES = ((State.CONSULTATION, 5), (State.ASSESSED, 3), (State.CONSENTED, 3), (State.PLANNED, 4),
          (State.PROCEDURE, 1), (State.OBSERVATION, 1), (State.DISCHARGED, 4), (State.FOLLOW_UP, 8),
          (State.CLOSED, 10))
WITH_PHOTOS = {State.CONSENTED, State.PLANNED, State.PROCEDURE, State.OBSERVATION, State.FOLLOW_UP}
FOLLOW_UP_LIFT_MM = {"midface": 2.5, "jawline": 2.0, "brow": 1.5}
# What one patient in three at each stage reports beyond smoking and cold sores: a treated condition, its medicine
# and an allergy that none of the suitability rules acts on, so the pathway runs as for the others while the
# history, its FHIR Condition, MedicationStatement and AllergyIntolerance, have something to show.
REPORTED_HISTORY = {"conditions": ["hypothyroidism, treated"],
                    "medicines": [{"name": "levothyroxine", "medicine_class": "other"}],
                    "allergies": [{"substance": "penicillin", "kind": "other"}]}


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str
    password: str


def accounts_path(data_dir: Path) -> Path:
    return data_dir / ACCOUNTS_FILE


def read_accounts(data_dir: Path) -> list[Account]:
    return [Account(**a) for a in json.loads(accounts_path(data_dir).read_text())]


def is_seeded(svc: Services) -> bool:
    with svc.uow(read_only=True) as uow:
        return bool(uow.users.all())


def build(svc: Services, *, progress: Callable[[str], None] = lambda step: None, rng_seed: int = 7) -> list[Account]:
    """Fill an empty database with the demo clinic; returns the staff accounts (also written to disk)."""
    rng = random.Random(rng_seed)
    now = svc.clock()
    progress("staff accounts")
    accounts = [Account(u, n, r.value, secrets.token_urlsafe(12)) for u, n, r in STAFF]
    users = {a.username: people.create_user(svc, None, CreateUser(account=StaffAccount(
        username=a.username, display_name=a.display_name, role=Role(a.role), password=a.password)))
             for a in accounts}
    _write_accounts(svc.settings.data_dir, accounts)
    consents.add_consent_document(svc, None, AddConsentDocument(document=seed.CONSENT_DOCUMENT))
    progress("thread stock")
    lots = _lots(rng, svc.today())
    with svc.uow() as uow:
        for lot in lots:
            uow.lots.add(lot)
        uow.commit()
    progress("sample photo")
    sample = resources.files("threadlift.face.data").joinpath("sample_astronaut.png").read_bytes()
    analysis = default_analyzer().analyze(load_photo(sample))
    follow_up_photo = _simulated_follow_up(sample, analysis)
    source = PlanInput.from_analysis(analysis)

    def marking_map(areas: list[str]) -> dict[str, Any]:
        plan = suggest(source, areas, now=now, weight_kg=68, jurisdiction=svc.policy.jurisdiction.value)
        return dict(json.loads(plan.model_dump_json(exclude_none=True)))

    clinician, nurse = users["dr.hale"], users["nurse.silva"]
    booked: list[Episode] = []
    for stage, count in STAGES:
        progress(f"patients: {stage.value.replace('_', ' ')}")
        for index in range(count):
            person = seed.patient(rng, svc.today())
            start = _start(stage, now, rng)
            episode = seed.episode_at(stage, rng, person, lots, clinician=clinician.id, nurse=nurse.id, start=start,
                                      policy=svc.policy, marking_map=marking_map, timezone=svc.settings.timezone,
                                      history=REPORTED_HISTORY if index % 3 == 0 else None)
            if stage in (State.FOLLOW_UP, State.DISCHARGED) and index % 3 == 0:
                _adverse_event(svc, episode, rng, serious=stage is State.FOLLOW_UP and index == 0)
            with svc.uow() as uow:
                uow.patients.add(person)
                uow.episodes.add(episode)
                uow.commit()
            if stage in (State.DISCHARGED, State.FOLLOW_UP):
                booked.append(episode)
            if stage in WITH_PHOTOS:
                _photos(svc, clinician, episode, sample, follow_up_photo if stage is State.FOLLOW_UP else None,
                        start, with_follow_up=index < 3)
    progress("follow-up appointments")
    _book(svc, users, booked)
    return accounts


def _book(svc: Services, users: dict[str, User], episodes: list[Episode]) -> None:
    """Reception books each treated patient's next follow-up over the coming days, for the diary."""
    clinicians = [users["dr.hale"], users["dr.novak"]]
    opens = svc.settings.clinic_hours[0]
    for n, episode in enumerate(episodes):
        position = next((i for i, f in enumerate(episode.follow_ups)
                         if f.status.value == "scheduled" and f.kind == "visit"), None)
        if position is None:
            continue
        day = svc.today() + timedelta(days=1 + n % 5)
        at = (datetime.combine(day, opens) + timedelta(minutes=60 + 30 * (n // 5))).time()
        with suppress(DomainError):  # a clinic whose hours leave no room for it: left to book by hand
            appointments.book_appointment(svc, users["reception.byrne"], BookAppointment(
                episode_id=episode.id, patient_id=episode.patient_id, booking=Booking(
                    follow_up=position, on=day, at=at, clinician_id=clinicians[n % 2].id,
                    room=svc.settings.rooms[n % len(svc.settings.rooms)])))


def _start(stage: State, now: datetime, rng: random.Random) -> datetime:
    """When an episode at ``stage`` began, so that today's list has a procedure running and one in observation."""
    cooling_off = timedelta(days=7)
    if stage is State.PROCEDURE:
        return now - cooling_off - timedelta(minutes=55)
    if stage is State.OBSERVATION:
        return now - cooling_off - timedelta(minutes=105)
    return now - timedelta(days=seed.DAYS_AGO[stage] + rng.randint(0, 30))


def _lots(rng: random.Random, today: date) -> list[ThreadLot]:
    lots = [seed.thread_lot(rng, today - timedelta(days=days), n)
            for n, days in enumerate((700, 420, 300, 200, 120, 60))]
    # One lot about to expire and one expired, so the dashboard warns and the procedure page refuses it.
    for number, expiry, received in ((901, 25, 330), (777, -3, 400)):
        lots.append(ThreadLot(product="PDO bidirectional cog 21G 90 mm", manufacturer="Example Threads Ltd",
                              material=Material.PDO, design=Design.BARBED_BIDIRECTIONAL, gauge="21G", length_mm=90.0,
                              lot=f"PDO-{today.year}-{number:04d}", expiry=today + timedelta(days=expiry),
                              quantity_received=40, received_on=today - timedelta(days=received)))
    return lots


def _adverse_event(svc: Services, episode: Episode, rng: random.Random, *, serious: bool) -> None:
    assert episode.procedure is not None
    used = episode.procedure.threads
    started = svc.date_of(episode.procedure.started_at)  # the clinic's date, not UTC's
    if serious:
        event = AdverseEvent(type=EventType.INFECTION, area=used[0].area, side=used[0].side.value,
                             onset_on=started + timedelta(days=9), severity=2, serious=True,
                             intervention=Intervention.PROCEDURE_LOCAL, outcome=Outcome.RECOVERING,
                             treatment="thread removed, oral antibiotics", lot_ids=[used[0].lot_id], pus_present=True,
                             description="swelling and discharge at the entry point")
    else:
        kind = rng.choice((EventType.BRUISING, EventType.DIMPLING, EventType.SWELLING, EventType.ASYMMETRY))
        event = AdverseEvent(type=kind, area=used[-1].area, side=used[-1].side.value, onset_on=started, severity=1,
                             outcome=Outcome.RESOLVED, resolved_on=started + timedelta(days=10),
                             lot_ids=[used[-1].lot_id])
    episode.add_adverse_event(event)


def _simulated_follow_up(sample: bytes, analysis: Any) -> bytes:
    rgb = np.asarray(Image.open(io.BytesIO(sample)).convert("RGB"))
    lifted = simulate(rgb, analysis, FOLLOW_UP_LIFT_MM, label=False)
    buffer = io.BytesIO()
    Image.fromarray(lifted).save(buffer, format="PNG")
    return buffer.getvalue()


def _photos(svc: Services, actor: User, episode: Episode, baseline: bytes, follow_up: bytes | None,
            start: datetime, *, with_follow_up: bool) -> None:
    consents.give_photo_consent(replace(svc, clock=lambda: start), actor, GivePhotoConsent(
        patient_id=episode.patient_id, grant=PhotoConsentGrant(scopes=frozenset({PhotoScope.CLINICAL_RECORD}))))
    at_consultation = replace(svc, clock=lambda: start + timedelta(minutes=20))
    photos.upload(at_consultation, actor, PhotoUpload(episode_id=episode.id, data=baseline, view="frontal",
                                                      stage="baseline"))
    if follow_up is not None and with_follow_up:
        later = start + timedelta(days=7 + 37)
        photos.upload(replace(svc, clock=lambda: min(later, datetime.now(UTC))), actor,
                      PhotoUpload(episode_id=episode.id, data=follow_up, view="frontal", stage="follow_up"))


def _write_accounts(data_dir: Path, accounts: list[Account]) -> None:
    path = accounts_path(data_dir)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump([a.__dict__ for a in accounts], handle, indent=2)
