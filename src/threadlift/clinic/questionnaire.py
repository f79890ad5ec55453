"""The medical-history questionnaire: one definition of the questions, for the consultation page the
clinician fills in and the portal page the patient fills in before the visit (issue 17 §2).

The answers are the consultation's own models (:class:`MedicalHistory`, the BDDQ-AS screen, the
expectations), so what the patient enters is what the clinician confirms, field for field.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from threadlift.clinic.consultation import BddqAs, MedicalHistory

NAME = "medical_history"
VERSION = "1"
MEDICINE_ROWS, ALLERGY_ROWS, TREATMENT_ROWS = 3, 2, 3

# Yes/no questions of the history, by MedicalHistory field.
HISTORY_FLAGS = {
    "pregnant": "Pregnant", "breastfeeding": "Breastfeeding",
    "autoimmune_or_connective_tissue_disease": "Autoimmune or connective-tissue disease",
    "keloid_or_hypertrophic_scarring": "Keloid or hypertrophic scarring", "immunosuppressed": "Immunosuppressed",
    "active_cancer": "Active cancer", "bleeding_disorder": "Bleeding or clotting disorder",
    "active_skin_infection_in_area": "Active skin infection or open wound in the area",
    "cold_sores_history": "History of cold sores (HSV)", "facial_palsy": "Facial palsy",
    "permanent_filler_in_area": "Permanent filler in the area", "previous_threads": "Threads before",
    "previous_non_absorbable_threads": "Non-absorbable threads before", "smoker": "Smoker",
}
# BDDQ-AS items 3-6, scored 1-5 ([BDDQAS], thread-lift-clinical.md §3.5).
BDD_ITEMS = {
    "distress": "How much distress does your appearance concern cause you?",
    "social_impairment": "How much does it interfere with your social life?",
    "work_or_study_impairment": "How much does it interfere with your work or studies?",
    "avoidance": "How often does it make you avoid things?",
}


class HistoryAnswers(BaseModel):
    """What the patient answers, and what the clinician confirms: the consultation's history part."""

    model_config = ConfigDict(frozen=True)
    history: MedicalHistory
    bdd_screen: BddqAs
    expectations: str = Field(default="", max_length=2000)


def changed_fields(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    """The dotted names of what differs between two answer documents (JSON form), in a stable order."""
    changed: list[str] = []
    for key in sorted(set(before) | set(after)):
        name = f"{prefix}{key}"
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            changed.extend(changed_fields(old, new, f"{name}."))
        elif old != new:
            changed.append(name)
    return changed
