"""Staff pages of the portal: a patient's portal status (loaded into the patient page), invitations, the
clinician's review of the patient's questionnaire, and the dashboard's urgent drafts and undeliverable
e-mails (loaded into the dashboard)."""

from __future__ import annotations

from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import checkins, portal, portal_staff
from threadlift.services.portal_types import HistoryAnswers
from threadlift.services.types import DomainError
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors, form_values
from threadlift.web.pages.history_form import history_choices, history_values, parse_history, review_rows
from threadlift.web.pages.routing import page_router

router = page_router()


@router.get("/patients/{patient_id}/portal")
def portal_status(patient_id: UUID, page: PageDep) -> Response:
    status = portal_staff.portal_status(page.services, page.user, patient_id)
    return page.render("_portal_status.html", status=status, message=page.request.query_params.get("m", "")[:40])


@router.post("/patients/{patient_id}/portal/invite")
def invite(patient_id: UUID, page: PageDep) -> Response:
    try:
        portal.invite(page.services, page.user, patient_id)
    except DomainError as error:
        status = portal_staff.portal_status(page.services, page.user, patient_id)
        return page.render("_portal_status.html", 409, status=status, error=domain_message(error))
    return page.redirect(f"/patients/{patient_id}?invited=1#portal")


@router.get("/dashboard/portal")
def dashboard_part(page: PageDep) -> Response:
    return page.render("_portal_board.html", board=portal_staff.board(page.services, page.user))


@router.post("/adverse-drafts/{draft_id}/confirm")
def confirm(draft_id: UUID, page: PageDep, form: FormDep) -> Response:
    try:
        severity = int(str(form.get("severity", "2")))
    except ValueError:
        severity = 0
    checkins.confirm_draft(page.services, page.user, str(draft_id), severity=severity,
                           description=str(form.get("description", "")).strip()[:2000] or None,
                           serious=form.get("serious") == "on")
    return page.redirect("/")


@router.post("/adverse-drafts/{draft_id}/dismiss")
def dismiss(draft_id: UUID, page: PageDep) -> Response:
    checkins.dismiss_draft(page.services, page.user, str(draft_id))
    return page.redirect("/")


@router.post("/messages/{message_id}/resend")
def resend(message_id: UUID, page: PageDep) -> Response:
    portal_staff.resend(page.services, page.user, str(message_id))
    return page.redirect("/")


@router.get("/check-ins/{check_in_id}")
def check_in_page(check_in_id: UUID, page: PageDep) -> Response:
    return page.render("check_in_review.html", view=portal_staff.check_in_for_staff(page.services, page.user,
                                                                                    str(check_in_id)))


@router.get("/episodes/{episode_id}/questionnaire")
def review_page(episode_id: UUID, page: PageDep) -> Response:
    review = portal.questionnaire_for_review(page.services, page.user, episode_id)
    shown = review.confirmed or review.patient_answers
    return page.render("questionnaire_review.html", review=review, values=history_values(shown) if shown else {},
                       errors={}, answers_table=_rows(review), **history_choices())


def _rows(review: portal.QuestionnaireReview) -> list[tuple[str, str, str, bool]]:
    return review_rows(review.patient_answers, review.confirmed) if review.patient_answers else []


@router.post("/episodes/{episode_id}/questionnaire")
def review(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    try:
        confirmed = HistoryAnswers.model_validate(parse_history(form))
        portal.review_questionnaire(page.services, page.user, episode_id, confirmed)
    except (ValidationError, DomainError) as error:
        found = portal.questionnaire_for_review(page.services, page.user, episode_id)
        errors = field_errors(error) if isinstance(error, ValidationError) else {"form": domain_message(error)}
        return page.render("questionnaire_review.html", 422, review=found, values=form_values(form), errors=errors,
                           answers_table=_rows(found), **history_choices())
    return page.redirect(f"/episodes/{episode_id}/questionnaire")
