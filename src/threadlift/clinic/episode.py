"""An episode of care, from consultation to the last follow-up, as an explicit state machine.

Every change goes through a method that checks the state and the clinical rules and raises a
:class:`~threadlift.clinic.errors.DomainError` naming the rule when it refuses. Transitions come
from one table (:data:`TRANSITIONS`); guards say why a transition is not allowed yet.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, Field, StringConstraints, ValidationError

from threadlift.clinic import anaesthetic, override, suitability
from threadlift.clinic.adverse import AdverseEvent, EventProgress
from threadlift.clinic.anaesthetic import DoseStatus, Injection, PendingInjection
from threadlift.clinic.consent import ConsentDocument, SignedConsent, check_signer, ensure_unchanged, sign
from threadlift.clinic.consultation import AllergyKind, Consultation, TreatmentArea
from threadlift.clinic.corrections import (
    FIELD_NAMES,
    AmendedField,
    Amendment,
    AmendmentEntry,
    EnteredInError,
    EntryKind,
    ErrorEntry,
)
from threadlift.clinic.discharge import (
    AFTERCARE_SHEETS,
    Criterion,
    DischargeRecord,
    ObservationRecord,
    discharge_problems,
)
from threadlift.clinic.errors import (
    ConsentMissing,
    DischargeNotReady,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PlanMismatch,
    RecordLocked,
    SuitabilityNotCleared,
)
from threadlift.clinic.followup import FollowUp, FollowUpStatus, assessed, schedule
from threadlift.clinic.patient import Patient
from threadlift.clinic.policy import ClinicPolicy
from threadlift.clinic.procedure import (
    ASEPSIS,
    REQUIRED_BEFORE_INJECTION,
    ChecklistEntry,
    ChecklistItem,
    ChecklistTick,
    EventKind,
    ProcedureEvent,
    ProcedureEventEntry,
    ProcedureRecord,
    ThreadPlacement,
    ThreadUse,
    check_thread,
    plan_differences,
)
from threadlift.clinic.ratings import AssessmentEntry
from threadlift.clinic.suitability import Override, SuitabilityResult
from threadlift.clinic.threads import ThreadLot
from threadlift.clinic.when import check_moment


class State(StrEnum):
    CONSULTATION = "consultation"
    ASSESSED = "assessed"
    CONSENTED = "consented"
    PLANNED = "planned"
    PROCEDURE = "procedure"
    OBSERVATION = "observation"
    DISCHARGED = "discharged"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    CANCELLED = "cancelled"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.CONSULTATION: frozenset({State.ASSESSED, State.CANCELLED}),
    State.ASSESSED: frozenset({State.CONSENTED, State.CANCELLED}),
    State.CONSENTED: frozenset({State.PLANNED, State.CANCELLED}),
    State.PLANNED: frozenset({State.PROCEDURE, State.CANCELLED}),
    State.PROCEDURE: frozenset({State.OBSERVATION}),  # a started procedure is always recorded to its end
    State.OBSERVATION: frozenset({State.DISCHARGED}),
    State.DISCHARGED: frozenset({State.FOLLOW_UP}),
    State.FOLLOW_UP: frozenset({State.CLOSED}),
    State.CLOSED: frozenset(),
    State.CANCELLED: frozenset(),
}


# A cancelled episode says why; a closed one says why only when follow-ups are still scheduled.
CancelReason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
CloseReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
PlanNote = Annotated[str, Field(max_length=4000)]


class Cancellation(BaseModel):
    reason: CancelReason


class Closure(BaseModel):
    reason: CloseReason | None = None


class StateChange(BaseModel):
    from_state: State
    to_state: State
    at: datetime
    by: str
    reason: str | None = None


class Plan(BaseModel):
    """The agreed plan: its areas, a note, and the marking map document (``threadlift.plan``'s JSON,
    validated by the planning service before it is stored; the domain keeps it as data)."""

    areas: list[TreatmentArea] = Field(min_length=1)
    note: PlanNote = ""
    planned_by: str
    planned_at: datetime
    marking_map: dict[str, Any] | None = None


class Episode(BaseModel):
    id: UUID = Field(default_factory=uuid4)
    patient_id: UUID
    state: State = State.CONSULTATION
    opened_at: datetime
    history: list[StateChange] = Field(default_factory=list)
    consultation: Consultation | None = None
    suitability: SuitabilityResult | None = None
    overrides: list[Override] = Field(default_factory=list)
    consent: SignedConsent | None = None
    plan: Plan | None = None
    procedure: ProcedureRecord | None = None
    dose_warnings: list[str] = Field(default_factory=list)
    thread_warnings: list[str] = Field(default_factory=list)
    observations: list[ObservationRecord] = Field(default_factory=list)
    discharge: DischargeRecord | None = None
    follow_ups: list[FollowUp] = Field(default_factory=list)
    adverse_events: list[AdverseEvent] = Field(default_factory=list)
    cancel_reason: str | None = None
    entered_in_error: list[EnteredInError] = Field(default_factory=list)  # corrections, appended
    amendments: list[Amendment] = Field(default_factory=list)  # signed amendments, appended (never in a locked part)

    # -- corrections -----------------------------------------------------------------------------

    def in_error(self, kind: EntryKind | str) -> set[int]:
        """Positions of ``kind`` entries marked as recorded in error."""
        return {e.index for e in self.entered_in_error if e.kind == kind}

    def given_injections(self) -> list[Injection]:
        """The injections given: those recorded in error do not count toward the maximum."""
        wrong = self.in_error(EntryKind.INJECTION)
        return [i for n, i in enumerate(self.procedure.injections if self.procedure else []) if n not in wrong]

    def placed_threads(self) -> list[ThreadUse]:
        wrong = self.in_error(EntryKind.THREAD)
        return [t for n, t in enumerate(self.procedure.threads if self.procedure else []) if n not in wrong]

    def reported_events(self) -> list[AdverseEvent]:
        wrong = self.in_error(EntryKind.ADVERSE_EVENT)
        return [e for n, e in enumerate(self.adverse_events) if n not in wrong]

    def marked_in_error(self, kind: EntryKind, index: int = 0) -> EnteredInError | None:
        return next((e for e in self.entered_in_error if e.kind == kind and e.index == index), None)

    def _check_counts(self, action: str) -> None:
        """A consultation or a consent entered in error no longer counts: nothing that needs it may go on."""
        for kind, what in ((EntryKind.CONSULTATION, "consultation"), (EntryKind.CONSENT, "signed consent")):
            marked = self.marked_in_error(kind)
            if marked is not None:
                raise ConsentMissing(f"cannot {action}: the {what} was marked as entered in error ({marked.reason}) "
                                     f"and no longer counts. Cancel this episode and open a new one to record the "
                                     f"{what} again", rule="entered_in_error")

    def mark_entered_in_error(self, entry: ErrorEntry, by: str, at: datetime) -> EnteredInError:
        """Mark one entry as recorded in error (in any state: a correction is appended, the entry kept)."""
        entries: dict[EntryKind, list[Any]] = {
            EntryKind.INJECTION: self.procedure.injections if self.procedure else [],
            EntryKind.THREAD: self.procedure.threads if self.procedure else [],
            EntryKind.OBSERVATION: self.observations, EntryKind.ADVERSE_EVENT: self.adverse_events,
            EntryKind.CONSULTATION: [self.consultation] if self.consultation else [],
            EntryKind.CONSENT: [self.consent] if self.consent else []}
        if entry.kind is EntryKind.CONSULTATION and self.state is State.CONSULTATION:
            raise InvalidInput("the consultation can still be edited: correct it on its page", rule="correction")
        if entry.index >= len(entries[entry.kind]):
            raise NotFound(f"there is no {entry.kind.value.replace('_', ' ')} number {entry.index + 1} in this "
                           "episode")
        if entry.index in self.in_error(entry.kind):
            raise InvalidInput(f"this {entry.kind.value.replace('_', ' ')} is already marked as entered in error",
                               rule="correction")
        marked = EnteredInError(**entry.model_dump(), by=by, at=at)
        self.entered_in_error.append(marked)
        return marked

    # -- amendments ------------------------------------------------------------------------------

    def _amendable(self, field: AmendedField) -> tuple[list[str], EntryKind | None, str | None]:
        """(the entries' texts as recorded, the kind that may be marked in error, why none may be amended yet)."""
        f, c = AmendedField, self.consultation
        open_consultation = "the consultation can still be edited: change it on its page" \
            if self.state is State.CONSULTATION else None
        open_plan = "the plan can still be changed: change it on its page" \
            if self.state in (State.CONSENTED, State.PLANNED) else None
        found: dict[AmendedField, tuple[list[str], EntryKind | None, str | None]] = {
            f.EXPECTATIONS: ([c.expectations] if c else [], EntryKind.CONSULTATION, open_consultation),
            f.CONDITIONS: ([", ".join(c.history.conditions)] if c else [], EntryKind.CONSULTATION, open_consultation),
            f.EXAMINATION_NOTE: ([a.note or "" for a in c.areas_of_concern] if c else [], EntryKind.CONSULTATION,
                                 open_consultation),
            f.OVERRIDE_REASON: ([o.reason for o in self.overrides], None,
                                "suitability may still be decided again before consent, which clears its overrides"
                                if self.state in (State.CONSULTATION, State.ASSESSED) else None),
            f.PLAN_NOTE: ([self.plan.note] if self.plan else [], None, open_plan),
            f.PROCEDURE_NOTE: ([e.note or "" for e in self.procedure.events] if self.procedure else [], None, None),
            f.OBSERVATION_NOTE: ([o.note or "" for o in self.observations], EntryKind.OBSERVATION, None),
            f.ADVERSE_EVENT_DESCRIPTION: ([e.description or "" for e in self.adverse_events],
                                          EntryKind.ADVERSE_EVENT, None),
            f.FOLLOW_UP_NOTE: ([u.note or "" for u in self.follow_ups], None, None)}
        return found[field]

    def amendments_of(self, field: AmendedField | str, index: int = 0) -> list[Amendment]:
        """The amendments of one entry, oldest first."""
        return [a for a in self.amendments if a.field == field and a.index == index]

    def current_text(self, field: AmendedField | str, index: int = 0) -> str | None:
        """What the record says now: the latest amendment's text, or the entry's own (None: no such entry)."""
        made = self.amendments_of(field, index)
        if made:
            return made[-1].value
        texts = self._amendable(AmendedField(field))[0]
        return texts[index] if index < len(texts) else None

    def amend(self, entry: AmendmentEntry, by: str, at: datetime) -> Amendment:
        """Append a signed amendment to one entry, in any state (also after signing and closing); the original
        is kept. Refused while the entry can still be edited, for an entry recorded in error, or unchanged."""
        texts, kind, still_open = self._amendable(entry.field)
        what = FIELD_NAMES[entry.field]
        if entry.index >= len(texts):
            raise NotFound(f"there is no entry number {entry.index + 1} for {what} in this episode")
        a_follow_up = entry.field is AmendedField.FOLLOW_UP_NOTE
        if a_follow_up and self.follow_ups[entry.index].status is FollowUpStatus.SCHEDULED:
            still_open = "the follow-up is not recorded yet: write its note when you record it"
        if still_open:
            raise InvalidInput(f"{what} is not amended: {still_open}", rule="amendment")
        marked_at = 0 if kind is EntryKind.CONSULTATION else entry.index  # the consultation is one entry
        if kind is not None and marked_at in self.in_error(kind):
            raise InvalidInput(f"{what} belongs to an entry marked as entered in error; record a new entry instead",
                               rule="amendment")
        current = self.current_text(entry.field, entry.index) or ""
        if entry.value == current:
            raise InvalidInput(f"the amendment is the same as {what} as it stands: write the corrected text",
                               rule="amendment")
        made = Amendment(**entry.model_dump(), original=current, by=by, at=at)
        self.amendments.append(made)
        return made

    # -- state machine -----------------------------------------------------------------------

    def _move(self, to: State, at: datetime, by: str, reason: str | None = None) -> None:
        if to not in TRANSITIONS[self.state]:
            raise InvalidTransition(f"an episode in state '{self.state}' cannot move to '{to}'")
        self.history.append(StateChange(from_state=self.state, to_state=to, at=at, by=by, reason=reason))
        self.state = to

    def _require(self, *states: State, action: str) -> None:
        if self.state not in states:
            allowed = " or ".join(f"'{s}'" for s in states)
            raise InvalidTransition(f"cannot {action} while the episode is in state '{self.state}' (needs {allowed})")

    # -- consultation and suitability ----------------------------------------------------------

    def record_consultation(self, consultation: Consultation) -> None:
        self._require(State.CONSULTATION, action="record a consultation")
        self.consultation = consultation

    def assess(self, patient: Patient, policy: ClinicPolicy, today: date, at: datetime, by: str) -> SuitabilityResult:
        """Decide suitability and move to 'assessed' (only clinicians may call this: see roles)."""
        self._require(State.CONSULTATION, State.ASSESSED, action="decide suitability")
        self._check_counts("decide suitability")
        if self.consultation is None:
            raise InvalidTransition("record the consultation before deciding suitability")
        self.suitability = suitability.assess(patient, self.consultation, policy, today)
        self.overrides = []
        if self.state is State.CONSULTATION:
            self._move(State.ASSESSED, at, by)
        return self.suitability

    def override(self, rule: str, reason: str, clinician_id: str, at: datetime) -> Override:
        if self.suitability is None:
            raise InvalidTransition("there is no suitability decision to override")
        self._require(State.ASSESSED, State.CONSENTED, State.PLANNED, action="override a suitability finding")
        self.overrides = suitability.add_override(self.suitability, self.overrides, rule=rule, reason=reason,
                                                  clinician_id=clinician_id, at=at)
        return next(o for o in self.overrides if o.rule == rule)

    # -- consent and plan ----------------------------------------------------------------------

    def sign_consent(self, document: ConsentDocument, *, typed_name: str, signature_png_base64: str,
                     signed_at: datetime, client_address: str, taken_by: str, patient: Patient | None = None,
                     representative_relationship: str | None = None) -> SignedConsent:
        """Sign the procedure consent; given ``patient``, the typed name must be theirs, or a representative's
        who states their relationship (:func:`~threadlift.clinic.consent.check_signer`)."""
        self._require(State.ASSESSED, action="sign the procedure consent")
        self._check_counts("sign the procedure consent")
        if patient is not None:
            check_signer(typed_name, patient.given_name, patient.family_name, representative_relationship)
        if self.consultation is None:
            raise ConsentMissing("record the consultation before consent")
        missing = self.consultation.risks_not_discussed
        if missing:
            raise ConsentMissing("these risks were not recorded as discussed: " + ", ".join(missing),
                                 rule="consent_risks")
        self.consent = sign(document, typed_name=typed_name, signature_png_base64=signature_png_base64,
                            signed_at=signed_at, client_address=client_address, taken_by=taken_by,
                            representative_relationship=representative_relationship)
        self._move(State.CONSENTED, signed_at, taken_by)
        return self.consent

    def record_plan(self, plan: Plan) -> None:
        self._require(State.CONSENTED, State.PLANNED, action="record the plan")
        self._check_counts("record the plan")
        self.plan = plan
        if self.state is State.CONSENTED:
            self._move(State.PLANNED, plan.planned_at, plan.planned_by)

    # -- procedure day -------------------------------------------------------------------------

    def start_procedure(self, patient: Patient, policy: ClinicPolicy, performer_id: str, at: datetime, *,
                        on: date) -> None:
        """Start the procedure at ``at``; ``on`` is the clinic's date then (see :mod:`threadlift.clinic.dates`)."""
        self._require(State.PLANNED, action="start the procedure")
        if self.consent is None:
            raise ConsentMissing("no signed consent: the procedure cannot start")
        self._check_counts("start the procedure")
        ensure_unchanged(self.consent)
        if self.consent.taken_by != performer_id:
            raise ConsentMissing("consent must be taken by the practitioner who performs the procedure (SEL-15 [GMC]); "
                                 "the performer must take a new consent", rule="SEL-15")
        assert self.suitability is not None and self.consultation is not None
        problems = suitability.clearance_problems(self.suitability, self.overrides)
        if problems:
            raise SuitabilityNotCleared("the procedure cannot start: " + "; ".join(problems))
        ready = self.consultation.consulted_on + timedelta(days=policy.cooling_off_days)
        if on < ready:
            raise SuitabilityNotCleared(f"the cooling-off period runs until {ready.isoformat()} (SEL-15; "
                                        f"{policy.cooling_off_days} days after the consultation)", rule="SEL-15")
        if patient.weight_kg is None and patient.dosing_weight_kg is None:
            raise InvalidInput("record the patient's weight before the procedure: anaesthetic limits depend on it",
                               rule="PRO-04")
        self.procedure = ProcedureRecord(performer_id=performer_id, started_at=at)
        self._move(State.PROCEDURE, at, performer_id)

    def _open_procedure(self) -> ProcedureRecord:
        self._require(State.PROCEDURE, action="change the procedure record")
        assert self.procedure is not None
        if self.procedure.ended_at is not None:
            raise RecordLocked("the procedure has ended; its record can no longer change")
        return self.procedure

    def tick(self, tick: ChecklistTick, at: datetime, by: str) -> None:
        record = self._open_procedure()
        item = tick.item
        if record.ticked(item):
            raise InvalidInput(f"'{item}' is already ticked at "
                               f"{next(e.at for e in record.checklist if e.item is item).isoformat()}")
        if item is ChecklistItem.TOPICAL_REMOVED and not record.ticked(ChecklistItem.TOPICAL_APPLIED):
            raise InvalidInput("the topical anaesthetic was never recorded as applied")
        record.checklist.append(ChecklistEntry(item=item, amount_g=tick.amount_g, at=at, by=by))

    def inject(self, patient: Patient, policy: ClinicPolicy, injection: Injection) -> DoseStatus:
        record = self._open_procedure()
        check_moment(injection.given_at, what="the time it was given", entered=injection.at,
                     not_before=record.started_at)
        missing = record.missing(REQUIRED_BEFORE_INJECTION)
        if missing:
            raise InvalidInput("confirm the lipid-emulsion (LAST) kit is in the room before injecting (PRO-05 "
                               "[ASRA-CC])", rule="PRO-05")
        allergic = self.consultation is not None and any(
            a.kind is AllergyKind.AMIDE_LOCAL_ANAESTHETIC for a in self.consultation.history.allergies)
        status = anaesthetic.check_injection(patient, policy, self.given_injections(), injection,
                                             amide_allergy=allergic, topical_g=record.topical_g)
        if anaesthetic.over_maximum(status):
            # PRO-04 is a hard stop: a dose over the maximum waits for a second clinician (clinic.override).
            assert injection.override_reason is not None
            held = PendingInjection(injection=injection, override=override.propose(
                "PRO-04", injection.override_reason, injection.given_by, injection.at))
            record.pending_injections.append(held)
            now = anaesthetic.status(patient, policy, self.given_injections(), record.topical_g)
            return now.model_copy(update={"held_for_confirmation": held.id})
        record.injections.append(injection)
        if status.warning:
            self.dose_warnings.append(f"{injection.at.isoformat()}: {status.warning}")
        return status

    def confirm_injection(self, patient: Patient, policy: ClinicPolicy, pending_id: UUID, clinician_id: str,
                          at: datetime) -> DoseStatus:
        """A second clinician confirms a dose over the maximum (PRO-04): it is then given, at ``at``."""
        record = self._open_procedure()
        held = next((p for p in record.pending_injections if p.id == pending_id), None)
        if held is None:
            raise NotFound("no injection over the maximum is waiting for confirmation under that id")
        confirmed = override.confirm(held.override, clinician_id, at)
        injection = held.injection.model_copy(update={"at": at, "override_confirmed_by": confirmed.confirmed_by})
        record.pending_injections.remove(held)
        record.injections.append(injection)
        status = anaesthetic.status(patient, policy, self.given_injections(), record.topical_g)
        if status.warning:
            self.dose_warnings.append(f"{at.isoformat()}: {status.warning}")
        return status

    def withdraw_injection(self, pending_id: UUID) -> None:
        """A dose over the maximum not given after all: the proposal is dropped, nothing was injected."""
        record = self._open_procedure()
        held = next((p for p in record.pending_injections if p.id == pending_id), None)
        if held is None:
            raise NotFound("no injection over the maximum is waiting for confirmation under that id")
        record.pending_injections.remove(held)

    def place_thread(self, lot: ThreadLot, placement: ThreadPlacement, at: datetime, by: str, *, on: date) -> ThreadUse:
        """Record a thread placed from ``lot``, as the clinician recorded it (never filled in from the plan);
        ``on``: the clinic's date, against which the lot's expiry is checked."""
        record = self._open_procedure()
        check_moment(placement.placed_at, what="the time it was placed", entered=at, not_before=record.started_at)
        if placement.lot_id != lot.id:
            raise InvalidInput("the placement names another lot than the one given")
        allergies = set()
        if self.consultation is not None:
            allergies = {(a.material or a.substance).lower() for a in self.consultation.history.allergies
                         if a.kind is AllergyKind.THREAD_POLYMER}
        warnings = check_thread(lot, on=on, polymer_allergies=allergies,
                                entry_to_exit_mm=placement.entry_to_exit_mm)
        differences = self._against_plan(record, lot, placement)
        use = ThreadUse(lot=lot.lot, product=lot.product, material=lot.material, design=lot.design, gauge=lot.gauge,
                        length_mm=lot.length_mm, at=at, by=by, plan_differences=differences,
                        **placement.model_dump(exclude={"confirm_differs_from_plan"}))
        record.threads.append(use)
        self.thread_warnings += [w for w in warnings if w not in self.thread_warnings]
        return use

    def _against_plan(self, record: ProcedureRecord, lot: ThreadLot, placement: ThreadPlacement) -> list[str]:
        """A planned thread is recorded once, and a lot unlike it only when the clinician confirms (PRO-01)."""
        if placement.planned_thread is None:
            return []
        threads = (self.plan.marking_map or {}).get("threads", []) if self.plan else []
        planned = next((t for t in threads if isinstance(t, dict) and t.get("id") == placement.planned_thread), None)
        if planned is None:
            raise InvalidInput(f"the plan has no thread {placement.planned_thread}; choose one of the plan's threads, "
                               "or record the thread as not in the plan")
        number = threads.index(planned) + 1
        earlier = next((t for t in self.placed_threads() if t.planned_thread == placement.planned_thread), None)
        if earlier is not None:
            raise InvalidInput(f"the plan's T{number} is already recorded as placed (lot {earlier.lot}); choose "
                               "another planned thread, or record this one as not in the plan")
        differences = plan_differences(lot, planned)
        if differences and not placement.confirm_differs_from_plan:
            raise PlanMismatch(f"lot {lot.lot} is not the thread planned as T{number}: " + "; ".join(differences)
                               + ". Confirm that this is the thread placed, or choose another lot")
        return differences

    def record_event(self, event: ProcedureEventEntry, at: datetime, by: str) -> ProcedureEvent:
        recorded = ProcedureEvent(**event.model_dump(), at=at, by=by)
        self._open_procedure().events.append(recorded)
        return recorded

    def end_procedure(self, at: datetime, by: str) -> None:
        record = self._open_procedure()
        missing = record.missing(ASEPSIS)
        if missing:
            raise InvalidInput("the asepsis checklist is incomplete (PRO-07): " + ", ".join(m.value for m in missing),
                               rule="PRO-07")
        if at < record.started_at:
            raise InvalidInput("the end time is before the start time")
        record.ended_at = at
        self._move(State.OBSERVATION, at, by)

    # -- observation, discharge, follow-up ------------------------------------------------------

    def observe(self, observation: ObservationRecord) -> None:
        self._require(State.OBSERVATION, action="record an observation")
        assert self.procedure is not None
        check_moment(observation.observed_at, what="the time it was observed", entered=observation.at,
                     not_before=self.procedure.started_at)
        if observation.is_empty:
            raise InvalidInput("nothing was filled in: record at least one observation (pulse, blood pressure, pain, "
                               "a finding or a note)", rule="observation")
        self.observations.append(observation)

    def discharge_patient(self, policy: ClinicPolicy, criteria: dict[Criterion, bool], aftercare_version: str,
                          at: datetime, by: str, *, on: date) -> list[FollowUp]:
        """Discharge at ``at``; follow-ups fall due counted from ``on``, the clinic's date of discharge."""
        self._require(State.OBSERVATION, action="discharge the patient")
        assert self.procedure is not None
        if aftercare_version not in AFTERCARE_SHEETS:
            raise InvalidInput(f"unknown aftercare sheet version {aftercare_version}; known: "
                               + ", ".join(AFTERCARE_SHEETS))
        problems = discharge_problems(self.procedure.ended_at, self.observations, criteria, at, policy)
        if problems:
            raise DischargeNotReady("not ready for discharge: " + "; ".join(problems))
        self.discharge = DischargeRecord(criteria=criteria, aftercare_version=aftercare_version, discharged_at=at,
                                         by=by)
        self._move(State.DISCHARGED, at, by)
        self.follow_ups = schedule(on, policy)  # FU-01
        if any(e.kind is EventKind.SHOCK_LIKE_PAIN for e in self.procedure.events):
            # PRO-06: electric-shock pain during insertion may mean nerve contact [ESTET].
            self.follow_ups.append(FollowUp(name="neurological review", kind="visit",
                                            due_on=on + timedelta(days=14),
                                            reason="PRO-06: shock-like pain during the procedure"))
        return self.follow_ups

    def complete_follow_up(self, index: int, status: FollowUpStatus, at: datetime, by: str,
                           note: str | None = None, assessment: AssessmentEntry | None = None) -> FollowUp:
        self._require(State.DISCHARGED, State.FOLLOW_UP, action="record a follow-up")
        current = self._follow_up(index)
        if current.status is not FollowUpStatus.SCHEDULED:
            raise RecordLocked(f"follow-up '{current.name}' is already {current.status}")
        if assessment is not None and status is not FollowUpStatus.DONE:
            raise InvalidInput(f"a follow-up recorded as {status.value} has no outcome ratings")
        done = current.model_copy(update={"status": status, "completed_at": at, "completed_by": by, "note": note})
        if assessment is not None:  # checked before anything changes: a refused rating leaves the visit unrecorded
            done = self._assessed([*self.follow_ups[:index], done, *self.follow_ups[index + 1:]], index, assessment,
                                  at, by)
        self.follow_ups[index] = done
        if self.state is State.DISCHARGED:
            self._move(State.FOLLOW_UP, at, by)
        return self.follow_ups[index]

    def assess_follow_up(self, index: int, entry: AssessmentEntry, at: datetime, by: str) -> FollowUp:
        """Add outcome ratings to a follow-up already recorded as done (the patient's questionnaire may come
        in later than the visit). A rating once recorded stays: corrections are amendments."""
        current = self._follow_up(index)
        if current.status is not FollowUpStatus.DONE:
            raise InvalidInput(f"follow-up '{current.name}' is {current.status.value}: outcome ratings go with a "
                               "follow-up that took place", rule="OUT-01")
        self._require(State.FOLLOW_UP, action="record outcome ratings")  # a closed episode is locked
        self.follow_ups[index] = self._assessed(self.follow_ups, index, entry, at, by)
        return self.follow_ups[index]

    def _assessed(self, follow_ups: list[FollowUp], index: int, entry: AssessmentEntry, at: datetime,
                  by: str) -> FollowUp:
        started = self.procedure.started_at if self.procedure else None
        return follow_ups[index].model_copy(update={"assessment": assessed(follow_ups, index, entry, at, by, started)})

    def _follow_up(self, index: int) -> FollowUp:
        if not 0 <= index < len(self.follow_ups):
            raise InvalidInput(f"no follow-up number {index}")
        return self.follow_ups[index]

    def add_adverse_event(self, event: AdverseEvent) -> None:
        self._require(State.PROCEDURE, State.OBSERVATION, State.DISCHARGED, State.FOLLOW_UP,
                      action="record an adverse event")
        used = {t.lot_id for t in self.placed_threads()}  # a thread recorded in error used no lot
        unknown = [str(lot) for lot in event.lot_ids if lot not in used]
        if unknown:
            raise InvalidInput("these lots were not used in this episode: " + ", ".join(unknown))
        self.adverse_events.append(event)

    def update_adverse_event(self, index: int, progress: EventProgress) -> AdverseEvent:
        """An event's outcome as it goes on (e.g. resolved, on a day): the event's rules checked again. Allowed
        in any state after the procedure, and after closing: an event may resolve after the last follow-up."""
        if index >= len(self.adverse_events) or index in self.in_error(EntryKind.ADVERSE_EVENT):
            raise NotFound(f"there is no adverse event number {index + 1} to update in this episode")
        event = self.adverse_events[index]
        changes = progress.model_dump(exclude_none=True)
        try:
            updated = AdverseEvent.model_validate({**event.model_dump(), **changes})
        except ValidationError as error:
            raise InvalidInput("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors()),
                               rule="adverse_event") from None
        self.adverse_events[index] = updated
        return updated

    def close(self, at: datetime, by: str, reason: str | None = None) -> None:
        self._require(State.FOLLOW_UP, action="close the episode")
        pending = [f.name for f in self.follow_ups if f.status is FollowUpStatus.SCHEDULED]
        if pending and not reason:
            raise InvalidTransition("follow-ups still scheduled (" + ", ".join(pending) + "); complete them or give a "
                                    "reason to close early")
        self._move(State.CLOSED, at, by, reason)

    def cancel(self, at: datetime, by: str, reason: str) -> None:
        if State.CANCELLED not in TRANSITIONS[self.state]:
            raise InvalidTransition(f"an episode in state '{self.state}' cannot be cancelled; a started procedure "
                                    "is recorded to its end")
        self.cancel_reason = reason
        self._move(State.CANCELLED, at, by, reason)
