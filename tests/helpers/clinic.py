"""Builders of realistic clinical records for tests (names and values are fictional)."""

from __future__ import annotations

import base64
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw

from threadlift.clinic.consent import ConsentDocument, PhotoConsentGrant, PhotoScope
from threadlift.clinic.consultation import (
    AreaOfConcern,
    BddqAs,
    Consultation,
    ConsultationEntry,
    MedicalHistory,
    Risk,
    TreatmentArea,
)
from threadlift.clinic.discharge import Criterion
from threadlift.clinic.patient import Patient, PatientDetails, Sex
from threadlift.clinic.threads import Design, Material, ThreadLot, ThreadLotEntry

TODAY = date(2026, 11, 2)
NOON = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def patient(**changes: Any) -> Patient:
    values = {"family_name": "Okafor", "given_name": "Adaeze", "date_of_birth": date(1979, 4, 12),
              "sex": Sex.FEMALE, "phone": "+44 20 7946 0000", "email": "adaeze@example.org", "weight_kg": 64.0,
              "height_cm": 168.0}
    return Patient.model_validate({**values, **changes})


def calm_bdd() -> BddqAs:
    return BddqAs(concerned_about_appearance=True, preoccupied=False, distress=2, social_impairment=1,
                  work_or_study_impairment=1, avoidance=1, appearance_main_concern_not_weight=False)


def consultation(*, history: dict[str, Any] | None = None, consulted_on: date = TODAY, **changes: Any) -> Consultation:
    values: dict[str, Any] = {
        "history": MedicalHistory.model_validate(history or {}),
        "bdd_screen": calm_bdd(),
        "areas_of_concern": [AreaOfConcern(area=TreatmentArea.JAWLINE, grade=2),
                             AreaOfConcern(area=TreatmentArea.MIDFACE, grade=2)],
        "risks_discussed": list(Risk),
        "expectations": "A fresher jawline; understands threads are not a facelift and fade over months.",
        "laxity_grade": 2.0,
        "consulted_on": consulted_on,
        "clinician_id": "dr-hale",
    }
    return Consultation.model_validate({**values, **changes})


CONSENT_DOCUMENT = ConsentDocument(
    procedure_type="thread_lift", version="2026.1", title="Consent to a facial thread lift",
    text="I understand the procedure, its expected effects, how long it lasts, the alternatives and the risks listed "
         "(bruising, swelling, pain, dimpling, asymmetry, visible threads, extrusion, migration, infection, nerve "
         "and parotid injury, alopecia) and I consent to it.")


def signature_png() -> str:
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(10, 80), (80, 20), (150, 70), (290, 30)], fill="black", width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def lot(**changes: Any) -> ThreadLot:
    values = {"product": "Lift Cog 19G 100 mm", "manufacturer": "Example Threads Ltd", "material": Material.PDO,
              "design": Design.BARBED_BIDIRECTIONAL, "gauge": "19G", "length_mm": 100.0, "lot": "PDO-2026-A1",
              "expiry": date(2027, 6, 30), "quantity_received": 20, "received_on": date(2026, 9, 1)}
    return ThreadLot.model_validate({**values, **changes})


def details(**changes: Any) -> PatientDetails:
    """The standard patient as reception registers her."""
    return PatientDetails.model_validate(patient(**changes).model_dump(exclude={"id"}))


def consultation_entry(**changes: Any) -> ConsultationEntry:
    """The standard consultation as the clinician records it."""
    return ConsultationEntry.model_validate(consultation(**changes).model_dump(exclude={"clinician_id"}))


def lot_entry(**changes: Any) -> ThreadLotEntry:
    """The standard lot as received from its packet."""
    return ThreadLotEntry.model_validate(lot(**changes).model_dump(exclude={"id"}))


CLINICAL_PHOTOS = PhotoConsentGrant(scopes=frozenset({PhotoScope.CLINICAL_RECORD}))
ALL_CRITERIA = {criterion: True for criterion in Criterion}


def later(minutes: float) -> datetime:
    return NOON + timedelta(minutes=minutes)
