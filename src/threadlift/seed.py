"""Fictional patients and complete episodes, for the demo clinic and the records benchmark.

Every episode is built through the domain (so it obeys every rule), then written with the
repositories. Names are generated from short lists; no real person is described.
"""

from __future__ import annotations

import base64
import io
import random
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw

from threadlift.clinic.anaesthetic import Injection
from threadlift.clinic.consent import ConsentDocument
from threadlift.clinic.consultation import AreaOfConcern, BddqAs, Consultation, MedicalHistory, Risk, TreatmentArea
from threadlift.clinic.dates import clinic_date
from threadlift.clinic.discharge import Criterion, ObservationRecord
from threadlift.clinic.episode import Episode, Plan, State
from threadlift.clinic.followup import FollowUpStatus
from threadlift.clinic.patient import Patient, Sex
from threadlift.clinic.policy import ClinicPolicy
from threadlift.clinic.procedure import ChecklistItem, ChecklistTick, Side, ThreadPlacement
from threadlift.clinic.threads import Design, Material, ThreadLot

FAMILY = ("Okafor", "Hale", "Novak", "Silva", "Tanaka", "Moreau", "Kowalski", "Haddad", "Lindqvist", "Osei",
          "Fischer", "Romero", "Kaur", "Brennan", "Ivanova", "Mensah", "Costa", "Nakamura", "Dubois", "Byrne")
GIVEN_F = ("Adaeze", "Maria", "Yuki", "Chloe", "Agnieszka", "Leila", "Ingrid", "Ama", "Sofia", "Priya", "Niamh",
           "Elena", "Hana", "Claire", "Zainab")
GIVEN_M = ("Daniel", "Tomasz", "Kenji", "Omar", "Lars", "Kwame", "Lucas", "Arjun", "Sean", "Mateo")

CONSENT_DOCUMENT = ConsentDocument(
    procedure_type="thread_lift", version="2026.1", title="Consent to a facial thread lift",
    text=("I have discussed with my practitioner what a thread lift can and cannot do: it repositions tissue with "
          "absorbable threads, the effect is modest and fades over months as the threads dissolve, and it is not a "
          "facelift. I understand the alternatives, including no treatment and surgery. I understand the expected "
          "effects (swelling, bruising, tightness, puckering for up to 2-3 weeks) and the risks: dimpling, "
          "asymmetry, visible or palpable threads, extrusion, migration, infection (including late infection), "
          "nerve injury, parotid injury and hair loss at entry points, which may need further treatment. I have "
          "had time to decide and consent to the procedure."))


def signature_png(name: str) -> str:
    image = Image.new("RGB", (320, 90), "white")
    draw = ImageDraw.Draw(image)
    x = 10
    for index, letter in enumerate(name[:14]):
        y = 55 + (9 if index % 2 else -9)
        draw.line([(x, 60), (x + 10, y), (x + 20, 62)], fill="black", width=3)
        x += 20 + (ord(letter) % 5)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def patient(rng: random.Random, today: date) -> Patient:
    sex = rng.choice((Sex.FEMALE, Sex.FEMALE, Sex.FEMALE, Sex.MALE))
    given = rng.choice(GIVEN_F if sex is Sex.FEMALE else GIVEN_M)
    family = rng.choice(FAMILY)
    born = today - timedelta(days=rng.randint(30 * 365, 68 * 365))
    return Patient(family_name=family, given_name=given, date_of_birth=born, sex=sex,
                   phone=f"+44 7700 9{rng.randint(0, 99999):05d}",
                   email=f"{given.lower()}.{family.lower()}{rng.randint(1, 999)}@example.org",
                   weight_kg=round(rng.uniform(52, 92), 1), height_cm=round(rng.uniform(155, 190), 1))


def thread_lot(rng: random.Random, today: date, number: int) -> ThreadLot:
    material = rng.choice((Material.PDO, Material.PDO, Material.PLLA, Material.PCL))
    return ThreadLot(product=f"{material.value} bidirectional cog 19G 100 mm", manufacturer="Example Threads Ltd",
                     material=material, design=Design.BARBED_BIDIRECTIONAL, gauge="19G", length_mm=100.0,
                     lot=f"{material.value}-{today.year}-{number:04d}",
                     expiry=today + timedelta(days=rng.randint(90, 700)), quantity_received=400,
                     received_on=today - timedelta(days=rng.randint(30, 200)))


def consultation(rng: random.Random, on: date, clinician: str,
                 history: Mapping[str, Any] | None = None) -> Consultation:
    """A consultation with random areas and grades; ``history``: more of the medical history (conditions, medicines,
    allergies) on top of the random smoking and cold sores, drawing nothing more from ``rng``."""
    areas = rng.sample((TreatmentArea.JAWLINE, TreatmentArea.MIDFACE, TreatmentArea.BROW, TreatmentArea.NASOLABIAL),
                       k=rng.randint(1, 3))
    return Consultation(
        history=MedicalHistory.model_validate({"smoker": rng.random() < 0.15, "cold_sores_history": rng.random() < 0.1,
                                               **(history or {})}),
        bdd_screen=BddqAs(concerned_about_appearance=True, preoccupied=False, distress=rng.randint(1, 2),
                          social_impairment=1, work_or_study_impairment=1, avoidance=1,
                          appearance_main_concern_not_weight=False),
        areas_of_concern=[AreaOfConcern(area=a, grade=rng.randint(1, 3)) for a in areas],
        risks_discussed=list(Risk), expectations="A natural, modest lift; understands it fades over months.",
        laxity_grade=rng.choice((1.0, 1.5, 2.0, 2.5)), consulted_on=on, clinician_id=clinician)


def episode_at(stage: State, rng: random.Random, person: Patient, lots: list[ThreadLot], *, clinician: str,
               nurse: str, start: datetime, policy: ClinicPolicy,
               marking_map: Callable[[list[str]], dict[str, Any] | None] | None = None,
               timezone: str = "UTC", history: Mapping[str, Any] | None = None) -> Episode:
    """An episode carried through the pathway up to ``stage`` (CLOSED: the whole way); its dates are the
    clinic's in ``timezone``.

    ``marking_map`` makes the plan's marking map from the areas of concern (the demo clinic's plans);
    ``history`` adds to the consultation's medical history (see :func:`consultation`).
    """
    order = [State.CONSULTATION, State.ASSESSED, State.CONSENTED, State.PLANNED, State.PROCEDURE, State.OBSERVATION,
             State.DISCHARGED, State.FOLLOW_UP, State.CLOSED]
    target = order.index(stage)
    clock = start
    episode = Episode(patient_id=person.id, opened_at=clock)
    episode.record_consultation(consultation(rng, clinic_date(clock, timezone), clinician, history))
    if target < 1:
        return episode
    episode.assess(person, policy, clinic_date(clock, timezone), clock, clinician)
    if target < 2:
        return episode
    episode.sign_consent(CONSENT_DOCUMENT, typed_name=person.display_name,
                         signature_png_base64=signature_png(person.display_name), signed_at=clock,
                         client_address="192.0.2.10", taken_by=clinician)
    if target < 3:
        return episode
    assert episode.consultation is not None
    areas = [a.area for a in episode.consultation.areas_of_concern]
    episode.record_plan(Plan(areas=areas, note="bidirectional cogs along the marked vectors", planned_by=clinician,
                             planned_at=clock,
                             marking_map=marking_map([a.value for a in areas]) if marking_map else None))
    if target < 4:
        return episode
    clock += timedelta(days=max(policy.cooling_off_days, 7))
    episode.start_procedure(person, policy, clinician, clock, on=clinic_date(clock, timezone))
    for item in ChecklistItem:
        if item is not ChecklistItem.TOPICAL_REMOVED:
            episode.tick(ChecklistTick(item=item), clock + timedelta(minutes=2), nurse)
    episode.tick(ChecklistTick(item=ChecklistItem.TOPICAL_REMOVED), clock + timedelta(minutes=35), nurse)
    episode.inject(person, policy, Injection(concentration_percent=1.0, volume_ml=2.0 * len(areas),
                                             with_adrenaline=True, at=clock + timedelta(minutes=40),
                                             given_by=clinician))
    procedure_day = clinic_date(clock, timezone)
    usable = [lot for lot in lots if lot.received_on <= procedure_day and not lot.expired_on(procedure_day)]
    if not usable:
        raise ValueError(f"no thread lot in stock and in date on {procedure_day.isoformat()}")
    for area in areas:
        for side in (Side.LEFT, Side.RIGHT):
            lot = rng.choice(usable)
            placement = ThreadPlacement(lot_id=lot.id, area=area.value, side=side, anchored=False,
                                        vector=f"{area.value} standard vector",
                                        entry_to_exit_mm=float(rng.randint(70, 95)))
            episode.place_thread(lot, placement, clock + timedelta(minutes=50), clinician,
                                 on=clinic_date(clock, timezone))
    if target < 5:
        return episode
    clock += timedelta(minutes=70)
    episode.end_procedure(clock, clinician)
    if target < 6:
        return episode
    episode.observe(ObservationRecord(at=clock + timedelta(minutes=30), by=nurse, pulse_bpm=rng.randint(60, 85),
                                      pain_score=rng.randint(0, 3)))
    clock += timedelta(minutes=60)
    # discharge is the clinician's decision (docs/permissions.md)
    episode.discharge_patient(policy, {c: True for c in Criterion}, "2026.1", clock, clinician,
                              on=clinic_date(clock, timezone))
    if target < 7:
        return episode
    done = len(episode.follow_ups) if target == 8 else 2
    for index, follow_up in enumerate(episode.follow_ups[:done]):
        when = datetime.combine(follow_up.due_on, datetime.min.time(), UTC) + timedelta(hours=10)
        episode.complete_follow_up(index, FollowUpStatus.DONE, when, nurse)
    if target == 8:
        episode.close(clock + timedelta(days=400), clinician)
    return episode


DAYS_AGO = {State.CONSULTATION: 3, State.ASSESSED: 5, State.CONSENTED: 6, State.PLANNED: 6, State.PROCEDURE: 7,
            State.OBSERVATION: 7, State.DISCHARGED: 8, State.FOLLOW_UP: 60, State.CLOSED: 420}
"""How long ago an episode at each stage began, so its dates are consistent with today."""


def stages(rng: random.Random) -> Iterator[State]:
    """A realistic mix of where episodes stand in a busy clinic."""
    weights = {State.CONSULTATION: 5, State.ASSESSED: 4, State.CONSENTED: 3, State.PLANNED: 5, State.OBSERVATION: 1,
               State.DISCHARGED: 15, State.FOLLOW_UP: 30, State.CLOSED: 37}
    population, counts = zip(*weights.items(), strict=True)
    while True:
        yield rng.choices(population, counts)[0]

