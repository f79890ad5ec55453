"""Marking an entry as recorded in error, from the page that shows it (procedure day, observation and
discharge, follow-up): the entry stays, struck through, with who marked it, when and why. Amending a
clinical entry's text the same way: the original struck through, the signed amendment beside it."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import episodes
from threadlift.services.commands import AmendEntry, MarkEnteredInError
from threadlift.services.types import AmendmentEntry, DomainError, ErrorEntry, NotFound, PermissionDenied
from threadlift.web.pages import consent, consultation, discharge, followup, plan, procedure
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors
from threadlift.web.pages.routing import page_router

router = page_router()
# Where each kind of entry is shown: the page (to show a refusal on) and its section.
SHOWN: dict[str, tuple[Callable[..., Response], str]] = {
    "injection": (procedure.page_of, "procedure#anaesthetic"), "thread": (procedure.page_of, "procedure#threads"),
    "observation": (discharge.page_of, "discharge"), "adverse_event": (followup.page_of, "follow-up#adverse-events"),
    "consultation": (consultation.page_of, "consultation#amendments"), "consent": (consent.page_of, "consent")}


@router.post("/episodes/{episode_id}/entered-in-error")
def entered_in_error(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    kind = str(form.get("kind", ""))
    shown, where = SHOWN.get(kind, SHOWN["injection"])
    try:
        entry = ErrorEntry.model_validate({"kind": kind, "index": str(form.get("index", "")),
                                           "reason": str(form.get("reason", ""))})
        episodes.mark_entered_in_error(page.services, page.user, MarkEnteredInError(episode_id, entry))
    except ValidationError as error:
        message = "; ".join(field_errors(error).values())
        return shown(page, episode_id, 422, correction_error=f"Not marked as entered in error: {message}")
    except PermissionDenied:
        raise  # another role's entry: refused as every page refuses (403)
    except DomainError as error:
        return shown(page, episode_id, 404 if isinstance(error, NotFound) else 409,
                     correction_error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/{where}")


# Where each amended entry is shown (the page to show a refusal on, and its section).
AMENDED: dict[str, tuple[Callable[..., Response], str]] = {
    "expectations": (consultation.page_of, "consultation#amendments"),
    "conditions": (consultation.page_of, "consultation#amendments"),
    "examination_note": (consultation.page_of, "consultation#amendments"),
    "override_reason": (consultation.suitability_of, "suitability"),
    "plan_note": (plan.page_of, "plan#plan-note"),
    "procedure_note": (procedure.page_of, "procedure#events"),
    "observation_note": (discharge.page_of, "discharge"),
    "adverse_event_description": (followup.page_of, "follow-up#adverse-events"),
    "follow_up_note": (followup.page_of, "follow-up")}


LABELS = {"field": "what to amend", "index": "which entry", "value": "the corrected text", "reason": "why"}


@router.post("/episodes/{episode_id}/amendments")
def amend(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    field = str(form.get("field", ""))
    shown, where = AMENDED.get(field, AMENDED["expectations"])
    try:
        entry = AmendmentEntry.model_validate({"field": field, "index": str(form.get("index", "")),
                                               "value": str(form.get("value", "")),
                                               "reason": str(form.get("reason", ""))})
        episodes.amend(page.services, page.user, AmendEntry(episode_id, entry))
    except ValidationError as error:
        message = "; ".join(f"{LABELS.get(name, name)}: {text}" for name, text in field_errors(error).items())
        return shown(page, episode_id, 422, correction_error=f"Not amended: {message}")
    except PermissionDenied:
        raise  # another role's entry: refused as every page refuses (403)
    except DomainError as error:
        return shown(page, episode_id, 404 if isinstance(error, NotFound) else 409,
                     correction_error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/{where}")
