"""The consultation as a Questionnaire and its QuestionnaireResponse, both walked from the one model.

The Questionnaire is generated from :class:`threadlift.clinic.consultation.Consultation`'s fields
(so a field added there is exported without a change here); the response walks a recorded
consultation the same way, so every answer's ``linkId`` exists in the Questionnaire.
"""

from __future__ import annotations

import types
from datetime import date
from enum import StrEnum
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from threadlift.clinic.consultation import Consultation
from threadlift.interop.fhir.base import Resource, coding, words

QUESTIONNAIRE_URL = "https://threadlift.org/fhir/Questionnaire/thread-lift-consultation"
QUESTIONNAIRE_VERSION = "1"
_SKIPPED = {"clinician_id"}  # the author of the response, not an answer


def _plain(annotation: Any) -> tuple[Any, bool]:
    """The type inside ``X | None`` and ``list[X]``, and whether it repeats."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _plain(inner[0])
    if origin in (list, tuple, set, frozenset):
        inner, _ = _plain(get_args(annotation)[0])
        return inner, True
    return annotation, False


def _kind(annotation: Any) -> str:
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return "group"
        if issubclass(annotation, StrEnum):
            return "coding"
        if annotation is bool:
            return "boolean"
        if annotation is int:
            return "integer"
        if annotation is float:
            return "decimal"
        if annotation is date:
            return "date"
    return "string"


def _question_items(model: type[BaseModel], prefix: str) -> list[dict[str, Any]]:
    items = []
    for name, info in model.model_fields.items():
        if name in _SKIPPED:
            continue
        annotation, repeats = _plain(info.annotation)
        kind = _kind(annotation)
        item: dict[str, Any] = {"linkId": prefix + name, "text": info.description or words(name), "type": kind}
        if repeats:
            item["repeats"] = True
        if info.is_required() and kind != "group":
            item["required"] = True
        if kind == "group":
            item["item"] = _question_items(annotation, prefix + name + ".")
        elif kind == "coding":
            item["answerOption"] = [{"valueCoding": coding(annotation.__name__, m.value, words(m.value))}
                                    for m in annotation]
        items.append(item)
    return items


def questionnaire() -> Resource:
    return {"resourceType": "Questionnaire", "id": "thread-lift-consultation", "url": QUESTIONNAIRE_URL,
            "version": QUESTIONNAIRE_VERSION, "name": "ThreadLiftConsultation",
            "title": "Thread-lift consultation: medical history, body-dysmorphia screen (BDDQ-AS), examination, "
                     "risks discussed", "status": "active", "subjectType": ["Patient"],
            "item": _question_items(Consultation, "")}


def _answer(value: Any) -> dict[str, Any]:
    if isinstance(value, StrEnum):
        return {"valueCoding": coding(type(value).__name__, value.value, words(value.value))}
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueDecimal": value}
    if isinstance(value, date):
        return {"valueDate": value.isoformat()}
    return {"valueString": str(value)}


def _answer_items(model: BaseModel, prefix: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for name in type(model).model_fields:
        if name in _SKIPPED:
            continue
        value = getattr(model, name)
        link = prefix + name
        values = sorted(value) if isinstance(value, (set, frozenset)) else value
        if isinstance(values, (list, tuple)):
            if not values:
                continue
            if isinstance(values[0], BaseModel):
                items += [{"linkId": link, "item": _answer_items(v, link + ".")} for v in values]
            else:
                items.append({"linkId": link, "answer": [_answer(v) for v in values]})
        elif isinstance(value, BaseModel):
            items.append({"linkId": link, "item": _answer_items(value, link + ".")})
        elif value is not None and value != "":
            items.append({"linkId": link, "answer": [_answer(value)]})
    return items


def questionnaire_response(consultation: Consultation, *, resource_id: str, subject: dict[str, str],
                           author: dict[str, str], encounter: dict[str, str]) -> Resource:
    return {"resourceType": "QuestionnaireResponse", "id": resource_id,
            "questionnaire": f"{QUESTIONNAIRE_URL}|{QUESTIONNAIRE_VERSION}", "status": "completed",
            "subject": subject, "encounter": encounter, "authored": consultation.consulted_on.isoformat(),
            "author": author, "source": subject, "item": _answer_items(consultation, "")}

