"""The public types of the patient's side, for the web pages (which import no domain module themselves)."""

from __future__ import annotations

from threadlift.clinic.checkin import QUESTIONS as CHECK_IN_QUESTIONS
from threadlift.clinic.checkin import Amount, CheckInAnswers, Level, Trend
from threadlift.clinic.portal import LINK_MINUTES, CheckIn, DraftEvent, OutboxMessage, Questionnaire
from threadlift.clinic.questionnaire import (
    ALLERGY_ROWS,
    BDD_ITEMS,
    HISTORY_FLAGS,
    MEDICINE_ROWS,
    TREATMENT_ROWS,
    HistoryAnswers,
)

__all__ = ["ALLERGY_ROWS", "BDD_ITEMS", "CHECK_IN_QUESTIONS", "HISTORY_FLAGS", "LINK_MINUTES", "MEDICINE_ROWS",
           "TREATMENT_ROWS", "Amount", "CheckIn", "CheckInAnswers", "DraftEvent", "HistoryAnswers", "Level",
           "OutboxMessage", "Questionnaire", "Trend"]
