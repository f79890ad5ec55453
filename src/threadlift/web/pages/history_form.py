"""The medical-history form, one definition for the consultation page (clinician) and the portal's
questionnaire (patient): the questions come from the domain's definition, the fields from here, the
markup from ``_history_fields.html``."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from threadlift.services import types as c
from threadlift.services.portal_types import (
    ALLERGY_ROWS,
    BDD_ITEMS,
    HISTORY_FLAGS,
    MEDICINE_ROWS,
    TREATMENT_ROWS,
    HistoryAnswers,
)


def history_choices() -> dict[str, Any]:
    """What ``_history_fields.html`` needs besides the values and errors."""
    return {"medicine_classes": [m.value for m in c.MedicineClass], "allergy_kinds": [k.value for k in c.AllergyKind],
            "treatment_kinds": [k.value for k in c.RecentTreatmentKind],
            "diabetes": [d.value for d in c.DiabetesControl],
            "flags": HISTORY_FLAGS, "bdd_items": BDD_ITEMS, "rows": (MEDICINE_ROWS, ALLERGY_ROWS, TREATMENT_ROWS)}


def parse_history(form: FormData) -> dict[str, Any]:
    """The form's history, BDDQ-AS screen and expectations as the models' fields; empty rows left out."""
    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    history: dict[str, Any] = {flag: bool(form.get(f"history.{flag}")) for flag in HISTORY_FLAGS}
    history["conditions"] = [s.strip() for s in text("history.conditions").replace("\n", ",").split(",") if s.strip()]
    history["diabetes"] = text("history.diabetes") or "none"
    history["medicines"] = [{"name": text(f"history.medicines.{i}.name"),
                             "medicine_class": text(f"history.medicines.{i}.medicine_class") or "other",
                             "prescribed": bool(form.get(f"history.medicines.{i}.prescribed"))}
                            for i in range(MEDICINE_ROWS) if text(f"history.medicines.{i}.name")]
    history["allergies"] = [{"substance": text(f"history.allergies.{i}.substance"),
                             "kind": text(f"history.allergies.{i}.kind") or "other",
                             "material": text(f"history.allergies.{i}.material") or None,
                             "anaphylaxis": bool(form.get(f"history.allergies.{i}.anaphylaxis"))}
                            for i in range(ALLERGY_ROWS) if text(f"history.allergies.{i}.substance")]
    history["recent_treatments"] = [{"kind": text(f"history.recent_treatments.{i}.kind"),
                                     "on": text(f"history.recent_treatments.{i}.on") or None,
                                     "area": text(f"history.recent_treatments.{i}.area") or None}
                                    for i in range(TREATMENT_ROWS) if text(f"history.recent_treatments.{i}.kind")]
    bdd = {"concerned_about_appearance": bool(form.get("bdd_screen.concerned_about_appearance")),
           "preoccupied": bool(form.get("bdd_screen.preoccupied")),
           "appearance_main_concern_not_weight": bool(form.get("bdd_screen.appearance_main_concern_not_weight")),
           **{item: text(f"bdd_screen.{item}") or None for item in BDD_ITEMS}}
    return {"history": history, "bdd_screen": bdd, "expectations": text("expectations")}


def history_values(answers: HistoryAnswers) -> dict[str, Any]:
    """Stored answers as form values (to show them, or to fill the form in again)."""
    h = answers.history
    values: dict[str, Any] = {f"history.{flag}": "on" for flag in HISTORY_FLAGS if getattr(h, flag)}
    values["history.conditions"] = ", ".join(h.conditions)
    values["history.diabetes"] = h.diabetes.value
    for i, m in enumerate(h.medicines):
        values.update({f"history.medicines.{i}.name": m.name, f"history.medicines.{i}.medicine_class":
                       m.medicine_class.value, f"history.medicines.{i}.prescribed": "on" if m.prescribed else ""})
    for i, a in enumerate(h.allergies):
        values.update({f"history.allergies.{i}.substance": a.substance, f"history.allergies.{i}.kind": a.kind.value,
                       f"history.allergies.{i}.material": a.material or "",
                       f"history.allergies.{i}.anaphylaxis": "on" if a.anaphylaxis else ""})
    for i, t in enumerate(h.recent_treatments):
        values.update({f"history.recent_treatments.{i}.kind": t.kind.value,
                       f"history.recent_treatments.{i}.on": t.on.isoformat(),
                       f"history.recent_treatments.{i}.area": t.area or ""})
    b = answers.bdd_screen
    for flag in ("concerned_about_appearance", "preoccupied", "appearance_main_concern_not_weight"):
        values[f"bdd_screen.{flag}"] = "on" if getattr(b, flag) else ""
    values.update({f"bdd_screen.{item}": str(getattr(b, item)) for item in BDD_ITEMS})
    values["expectations"] = answers.expectations
    return values


def _words(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_row_words(item) if isinstance(item, dict) else str(item) for item in value) or "none"
    return "" if value is None else str(value).replace("_", " ")


def _row_words(row: dict[str, Any]) -> str:
    """A medicine, allergy or treatment in words: its values, and the names of its ticked boxes."""
    parts = [key.replace("_", " ") if value is True else str(value).replace("_", " ")
             for key, value in row.items() if value not in (None, "", False)]
    return f"{parts[0]} ({', '.join(parts[1:])})" if len(parts) > 1 else "".join(parts)


def review_rows(entered: HistoryAnswers, confirmed: HistoryAnswers | None) -> list[tuple[str, str, str, bool]]:
    """(question, what the patient entered, what the clinician confirmed, changed) for every question."""
    before = entered.model_dump(mode="json")
    after = (confirmed or entered).model_dump(mode="json")
    labels = {**{f"history.{k}": v for k, v in HISTORY_FLAGS.items()},
              "history.diabetes": "Diabetes", "history.conditions": "Other conditions",
              "history.medicines": "Medicines and supplements", "history.allergies": "Allergies",
              "history.recent_treatments": "Recent treatments",
              "bdd_screen.concerned_about_appearance": "1. Concerned about how a part of the body looks",
              "bdd_screen.preoccupied": "2. Thinks about it a lot and wishes to think about it less",
              **{f"bdd_screen.{k}": f"{i + 3}. {v}" for i, (k, v) in enumerate(BDD_ITEMS.items())},
              "bdd_screen.appearance_main_concern_not_weight": "7. The main concern is appearance, not weight",
              "expectations": "Expectations"}
    rows = []
    for name, label in labels.items():
        section, _, key = name.partition(".")
        old = before[section][key] if key else before[section]
        new = after[section][key] if key else after[section]
        rows.append((label, _words(old), _words(new), confirmed is not None and old != new))
    return rows
