"""The portal's pages: sign-in by one-time link, the patient's home, what they read, the questionnaire,
the aftercare, the consent, photo-use consent, and the check-ins. Thin: each calls one use case."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from threadlift.services import checkins, consents, portal
from threadlift.services.commands import WithdrawPhotoConsent
from threadlift.services.photos import MAX_UPLOAD_BYTES
from threadlift.services.portal_types import CHECK_IN_QUESTIONS, LINK_MINUTES, Amount, CheckInAnswers, HistoryAnswers
from threadlift.services.types import DomainError, NotFound, PhotoConsentWithdrawal, PhotoError
from threadlift.web.csrf import same_origin
from threadlift.web.deps import ServicesDep
from threadlift.web.pages.common import FormDep, domain_message, field_errors, form_values
from threadlift.web.pages.history_form import history_choices, history_values, parse_history
from threadlift.web.portal.common import (
    COOKIE,
    HEADERS,
    PATH,
    OptionalPortalPage,
    PortalPageDep,
    portal_router,
    render,
)

router = portal_router()
router_public = portal_router()


# -- signing in (public) -------------------------------------------------------------------------


@router_public.get("")
def start(request: Request, page: OptionalPortalPage) -> Response:
    """The portal: the patient's home when signed in, else the page that sends a sign-in link."""
    if page is None:
        return render(request, "portal/sign_in.html", minutes=LINK_MINUTES)
    return page.render("portal/home.html", home=portal.home(page.services, page.who),
                       sent=request.query_params.get("sent", "")[:20])


@router_public.post("/link")
def send_link(request: Request, services: ServicesDep, email: Annotated[str, Form(max_length=200)] = "") -> Response:
    """"Send me a sign-in link": the same answer whether or not the address is on record."""
    if not same_origin(request):
        return render(request, "portal/sign_in.html", 403, minutes=LINK_MINUTES,
                      error="Ask for a link from the portal's own page.")
    try:
        portal.request_link(services, email, request.client.host if request.client else "unknown")
    except DomainError as error:
        return render(request, "portal/sign_in.html", 422, minutes=LINK_MINUTES, error=domain_message(error),
                      email=email)
    return render(request, "portal/link_sent.html", minutes=LINK_MINUTES)


@router_public.get("/sign-in/{token}")
def link_page(request: Request, token: str) -> Response:
    """The e-mailed link opens a page with a button: opening it (a mail scanner previewing it) uses nothing."""
    return render(request, "portal/link.html", token=token)


@router_public.post("/sign-in/{token}")
def use_link(request: Request, services: ServicesDep, token: str) -> Response:
    if not same_origin(request):
        return render(request, "portal/link_refused.html", 403, problem="refused", minutes=LINK_MINUTES)
    if len(token) > 100:
        return render(request, "portal/link_refused.html", 410, problem="unknown", minutes=LINK_MINUTES)
    try:
        signed = portal.sign_in(services, token)
    except portal.LinkRefused as refused:
        return render(request, "portal/link_refused.html", 410, problem=refused.problem, minutes=LINK_MINUTES)
    response = RedirectResponse(PATH, status_code=303, headers=HEADERS)
    response.set_cookie(COOKIE, signed.token, httponly=True, samesite="strict", path=PATH,
                        secure=request.url.scheme == "https")
    return response


# -- signed in -----------------------------------------------------------------------------------


@router.post("/sign-out")
def sign_out(page: PortalPageDep) -> Response:
    portal.sign_out(page.services, page.who, page.token)
    response = render(page.request, "portal/signed_out.html")
    response.delete_cookie(COOKIE, path=PATH)
    return response


@router.get("/information")
def information(page: PortalPageDep) -> Response:
    title, version, text = portal.read_document(page.services, page.who, portal.PROCEDURE_INFORMATION)
    return page.render("portal/document.html", title=title, version=version, text=text)


@router.get("/episodes/{episode_id}/consent")
def consent(page: PortalPageDep, episode_id: UUID) -> Response:
    title, version, text = portal.read_document(page.services, page.who, "consent", episode_id)
    return page.render("portal/document.html", title=title, version=version, text=text, episode_id=episode_id,
                       signed_copy=True)


@router.get("/episodes/{episode_id}/consent.pdf")
def consent_pdf(page: PortalPageDep, episode_id: UUID) -> Response:
    pdf = portal.signed_consent_pdf(page.services, page.who, episode_id)
    return Response(pdf, media_type="application/pdf", headers={
        **HEADERS, "Content-Disposition": 'attachment; filename="signed-consent.pdf"'})


@router.get("/episodes/{episode_id}/aftercare")
def aftercare(page: PortalPageDep, episode_id: UUID) -> Response:
    title, version, text = portal.read_document(page.services, page.who, "aftercare", episode_id)
    return page.render("portal/document.html", title=title, version=version, text=text, episode_id=episode_id,
                       acknowledge=True)


@router.post("/episodes/{episode_id}/aftercare")
def acknowledge(page: PortalPageDep, episode_id: UUID, form: FormDep) -> Response:
    portal.acknowledge_aftercare(page.services, page.who, episode_id, str(form.get("version", ""))[:20])
    return page.redirect(PATH)


@router.get("/episodes/{episode_id}/questionnaire")
def questionnaire(page: PortalPageDep, episode_id: UUID) -> Response:
    found = next((e for e in portal.home(page.services, page.who).episodes if e.episode.id == episode_id), None)
    if found is None:
        raise NotFound("there is no such record in your portal")
    sent = found.questionnaire
    values = history_values(HistoryAnswers.model_validate(sent.answers)) if sent else {}
    return page.render("portal/questionnaire.html", episode_id=episode_id, values=values, errors={}, sent=sent,
                       **history_choices())


@router.post("/episodes/{episode_id}/questionnaire")
def send_questionnaire(page: PortalPageDep, episode_id: UUID, form: FormDep) -> Response:
    try:
        answers = HistoryAnswers.model_validate(parse_history(form))
        portal.submit_questionnaire(page.services, page.who, episode_id, answers)
    except ValidationError as error:
        return page.render("portal/questionnaire.html", 422, episode_id=episode_id, values=form_values(form),
                           errors=field_errors(error), sent=None, **history_choices())
    except NotFound:
        raise  # another patient's episode, or none: the portal's 'not found' page
    except DomainError as error:
        return page.render("portal/questionnaire.html", 409, episode_id=episode_id, values=form_values(form),
                           errors={"form": domain_message(error)}, sent=None, **history_choices())
    return page.redirect(PATH + "?sent=questionnaire")


@router.post("/photo-consents/{consent_id}/withdraw")
def withdraw_photo_consent(page: PortalPageDep, consent_id: UUID, form: FormDep) -> Response:
    reason = str(form.get("reason", "")).strip()[:500]
    consents.withdraw_photo_consent_by_patient(page.services, page.who, WithdrawPhotoConsent(
        consent_id=consent_id, withdrawal=PhotoConsentWithdrawal(reason=reason), patient_id=UUID(page.who.patient_id)))
    return page.redirect(PATH + "?sent=photo_consent")


# -- check-ins -----------------------------------------------------------------------------------


def _check_in_page(page: PortalPageDep, check_in_id: str, status: int = 200, **extra: object) -> Response:
    home = portal.home(page.services, page.who)
    found = next((c for e in home.episodes for c in e.check_ins if c.id == check_in_id), None)
    if found is None:
        raise NotFound("there is no such check-in in your portal")
    return page.render("portal/check_in.html", status, check_in=found, questions=CHECK_IN_QUESTIONS,
                       amounts=[a.value for a in Amount], **extra)


@router.get("/check-ins/{check_in_id}")
def check_in(page: PortalPageDep, check_in_id: UUID) -> Response:
    return _check_in_page(page, str(check_in_id), values={}, errors={})


@router.post("/check-ins/{check_in_id}")
def answer_check_in(page: PortalPageDep, check_in_id: UUID, form: FormDep) -> Response:
    values = form_values(form)
    fields = {name: values.get(name, "") for name in ("pain_score", "pain_trend", "swelling", "swelling_trend",
                                                       "bruising")}
    flags = {name: values.get(name) for name in CHECK_IN_QUESTIONS if name not in fields}
    try:
        answers = CheckInAnswers.model_validate({
            **{k: v or None for k, v in fields.items()},
            **{k: None if not v else v == "yes" for k, v in flags.items()},
            "comment": values.get("comment", "")})
        upload = form.get("photo")
        photo = upload.file.read(MAX_UPLOAD_BYTES + 1) if isinstance(upload, UploadFile) and upload.filename else None
        advice = checkins.answer(page.services, page.who, str(check_in_id), answers, photo=photo or None,
                                 send_anyway=values.get("send_anyway") == "on")
    except checkins.PhotoNeedsRetake as retake:
        return _check_in_page(page, str(check_in_id), 422, values=values, errors={}, retake=retake.issues)
    except PhotoError as error:
        return _check_in_page(page, str(check_in_id), 422, values=values,
                              errors={"photo": f"{error.message} Send your answers without it, or try another photo."})
    except ValidationError as error:
        errors = {name: "Answer this question" if not values.get(name) else message
                  for name, message in field_errors(error).items()}
        return _check_in_page(page, str(check_in_id), 422, values=values, errors=errors)
    except DomainError as error:
        return _check_in_page(page, str(check_in_id), 409, values=values, errors={"form": domain_message(error)})
    return page.render("portal/advice.html", advice=advice)
