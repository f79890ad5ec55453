"""Marking an entry as recorded in error, from the page that shows it (procedure day, observation and
discharge, follow-up): the entry stays, struck through, with who marked it, when and why."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import episodes
from threadlift.services.commands import MarkEnteredInError
from threadlift.services.types import DomainError, ErrorEntry
from threadlift.web.pages import discharge, followup, procedure
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors
from threadlift.web.pages.routing import page_router

router = page_router()
# Where each kind of entry is shown: the page (to show a refusal on) and its section.
SHOWN: dict[str, tuple[Callable[..., Response], str]] = {
    "injection": (procedure.page_of, "procedure#anaesthetic"), "thread": (procedure.page_of, "procedure#threads"),
    "observation": (discharge.page_of, "discharge"), "adverse_event": (followup.page_of, "follow-up#adverse-events")}


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
    except DomainError as error:
        return shown(page, episode_id, 409, correction_error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/{where}")
