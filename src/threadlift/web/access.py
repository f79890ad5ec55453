"""Who may call which route: every API operation and page names the permission it needs, here, once.

The roles' permissions are :data:`threadlift.clinic.roles.PERMISSIONS`; this table says which of them
each route needs at the least (the use case it calls checks again, and may show less to some roles,
like episode states without clinical content to reception). The application refuses to start with a
route that has no entry, and :func:`guard` (a dependency of every route) refuses a signed-in user whose
role lacks the permission before the route reads its body, so a refusal never depends on what was sent.
``docs/permissions.md`` is generated from both tables (``python -m threadlift.web.access``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from threadlift.services.types import PERMISSIONS, REASONS, Permission, PermissionDenied, Role, User, allowed


class Open(StrEnum):
    PUBLIC = "anyone"  # no sign-in: the login form, health checks
    SIGNED_IN = "any role"  # yourself: your account, sign-out; texts with no patient data
    PORTAL = "patient (portal)"  # the patient portal: its own sign-in and checks (web/portal/), no staff role


P = Permission
ROUTES: dict[str, Permission | Open] = {
    # -- JSON API ----------------------------------------------------------------------------------
    "GET /api/health": Open.PUBLIC,
    "POST /api/auth/login": Open.PUBLIC,
    "POST /api/auth/logout": Open.SIGNED_IN,
    "GET /api/auth/me": Open.SIGNED_IN,
    "PUT /api/auth/password": Open.SIGNED_IN,
    "GET /api/patients": P.DEMOGRAPHICS_READ,
    "POST /api/patients": P.DEMOGRAPHICS_WRITE,
    "GET /api/patients/{patient_id}": P.DEMOGRAPHICS_READ,
    "PATCH /api/patients/{patient_id}": P.DEMOGRAPHICS_WRITE,
    "GET /api/patients/{patient_id}/episodes": P.EPISODE_STATUS_READ,
    "POST /api/patients/{patient_id}/episodes": P.DEMOGRAPHICS_WRITE,
    "POST /api/patients/{patient_id}/photo-consents": P.DEMOGRAPHICS_WRITE,
    "GET /api/patients/{patient_id}/photo-consents": P.DEMOGRAPHICS_READ,
    "GET /api/episodes/{episode_id}": P.EPISODE_STATUS_READ,
    "PUT /api/episodes/{episode_id}/consultation": P.MEDICAL_WRITE,
    "GET /api/episodes/{episode_id}/consultation": P.MEDICAL_READ,
    "POST /api/episodes/{episode_id}/suitability": P.SUITABILITY_DECIDE,
    "GET /api/episodes/{episode_id}/suitability": P.MEDICAL_READ,
    "POST /api/episodes/{episode_id}/suitability/overrides": P.OVERRIDE,
    "GET /api/consent-documents": P.MEDICAL_READ,
    "POST /api/episodes/{episode_id}/consents": P.CONSENT_TAKE,
    "GET /api/episodes/{episode_id}/consents": P.MEDICAL_READ,
    "POST /api/episodes/{episode_id}/cancel": P.MEDICAL_WRITE,
    "POST /api/episodes/{episode_id}/close": P.MEDICAL_WRITE,
    "GET /api/episodes/{episode_id}/plan": P.MEDICAL_READ,
    "POST /api/episodes/{episode_id}/plan": P.MEDICAL_WRITE,
    "POST /api/episodes/{episode_id}/plan/edits": P.MEDICAL_WRITE,
    "POST /api/episodes/{episode_id}/photos": P.PHOTO_WRITE,
    "GET /api/episodes/{episode_id}/photos": P.PHOTO_READ,
    "GET /api/photos/{photo_id}/image": P.PHOTO_READ,
    "POST /api/photo-consents/{consent_id}/withdraw": P.DEMOGRAPHICS_WRITE,
    "POST /api/episodes/{episode_id}/procedure": P.PROCEDURE_PERFORM,
    "GET /api/episodes/{episode_id}/procedure": P.MEDICAL_READ,
    "POST /api/episodes/{episode_id}/procedure/checklist": P.PROCEDURE_ASSIST,
    "POST /api/episodes/{episode_id}/procedure/injections": P.PROCEDURE_ASSIST,
    "POST /api/episodes/{episode_id}/procedure/threads": P.PROCEDURE_ASSIST,
    "POST /api/episodes/{episode_id}/procedure/events": P.PROCEDURE_ASSIST,
    "POST /api/episodes/{episode_id}/procedure/end": P.PROCEDURE_PERFORM,
    "POST /api/episodes/{episode_id}/observations": P.PROCEDURE_ASSIST,
    "GET /api/episodes/{episode_id}/observations": P.MEDICAL_READ,
    "POST /api/episodes/{episode_id}/discharge": P.DISCHARGE,
    "GET /api/aftercare/{version}": Open.SIGNED_IN,  # the clinic's printed leaflet: no patient data
    "GET /api/episodes/{episode_id}/followups": P.MEDICAL_READ,
    "POST /api/episodes/{episode_id}/followups/{index}": P.FOLLOW_UP_WRITE,
    "POST /api/episodes/{episode_id}/followups/{index}/assessment": P.FOLLOW_UP_WRITE,
    "GET /api/scales/gais": Open.SIGNED_IN,  # the scale's published text
    "GET /api/followups/due": P.FOLLOW_UP_SCHEDULE_READ,
    "POST /api/episodes/{episode_id}/adverse-events": P.ADVERSE_WRITE,
    "GET /api/episodes/{episode_id}/adverse-events": P.MEDICAL_READ,
    "GET /api/adverse-events": P.REGISTER_READ,
    "GET /api/threads/lots": P.LOTS_READ,
    "POST /api/threads/lots": P.LOTS_WRITE,
    "GET /api/threads/lots/{lot_number}/patients": P.REGISTER_READ,
    "GET /api/audit": P.AUDIT_READ,
    "GET /api/audit/verify": P.AUDIT_READ,
    "GET /api/users": P.USERS_MANAGE,
    "POST /api/users": P.USERS_MANAGE,
    "POST /api/users/{user_id}/deactivate": P.USERS_MANAGE,
    "POST /api/users/{user_id}/reactivate": P.USERS_MANAGE,
    "POST /api/users/{user_id}/unlock": P.USERS_MANAGE,
    "PUT /api/users/{user_id}/password": P.USERS_MANAGE,
    "GET /api/patients/{patient_id}/fhir": P.RECORD_EXPORT,
    "GET /api/episodes/{episode_id}/documents/{kind}": P.MEDICAL_READ,
    "GET /api/patients/{patient_id}/subject-access": P.SUBJECT_ACCESS,
    "GET /api/registers/complications.csv": P.REGISTER_READ,
    "GET /api/registers/recall.csv": P.REGISTER_READ,
    "GET /api/followups/due.csv": P.FOLLOW_UP_SCHEDULE_READ,
    "GET /api/audit.csv": P.AUDIT_READ,
    # -- pages -------------------------------------------------------------------------------------
    "GET /login": Open.PUBLIC,
    "POST /login": Open.PUBLIC,
    "POST /logout": Open.SIGNED_IN,
    "GET /account/password": Open.SIGNED_IN,
    "POST /account/password": Open.SIGNED_IN,
    "GET /": P.EPISODE_STATUS_READ,  # the dashboard: what each role may see of today
    "GET /patients": P.DEMOGRAPHICS_READ,
    "POST /patients/search": P.DEMOGRAPHICS_READ,
    "GET /patients/new": P.DEMOGRAPHICS_WRITE,
    "POST /patients": P.DEMOGRAPHICS_WRITE,
    "GET /patients/{patient_id}/edit": P.DEMOGRAPHICS_WRITE,
    "POST /patients/{patient_id}": P.DEMOGRAPHICS_WRITE,
    "GET /patients/{patient_id}": P.DEMOGRAPHICS_READ,
    "POST /patients/{patient_id}/episodes": P.DEMOGRAPHICS_WRITE,
    "POST /patients/{patient_id}/photo-consents": P.DEMOGRAPHICS_WRITE,
    "POST /patients/{patient_id}/photo-consents/{consent_id}/withdraw": P.DEMOGRAPHICS_WRITE,
    "GET /episodes/{episode_id}": P.EPISODE_STATUS_READ,
    "POST /episodes/{episode_id}/cancel": P.MEDICAL_WRITE,
    "GET /episodes/{episode_id}/consultation": P.MEDICAL_READ,
    "POST /episodes/{episode_id}/consultation": P.MEDICAL_WRITE,
    "GET /episodes/{episode_id}/suitability": P.MEDICAL_READ,
    "POST /episodes/{episode_id}/suitability": P.SUITABILITY_DECIDE,
    "POST /episodes/{episode_id}/suitability/override": P.OVERRIDE,
    "GET /episodes/{episode_id}/photos": P.PHOTO_READ,
    "POST /episodes/{episode_id}/photos/check": P.PHOTO_WRITE,
    "POST /episodes/{episode_id}/photos": P.PHOTO_WRITE,
    "GET /photos/{photo_id}": P.PHOTO_READ,
    "GET /photos/{photo_id}/image": P.PHOTO_READ,
    "GET /photos/{photo_id}/overlay.jpg": P.PHOTO_READ,
    "GET /episodes/{episode_id}/plan": P.MEDICAL_READ,
    "POST /episodes/{episode_id}/plan/edit": P.MEDICAL_WRITE,
    "POST /episodes/{episode_id}/plan": P.MEDICAL_WRITE,
    "GET /episodes/{episode_id}/plan/map.png": P.MEDICAL_READ,
    "GET /episodes/{episode_id}/plan/sheet.pdf": P.MEDICAL_READ,
    "GET /episodes/{episode_id}/plan/print": P.MEDICAL_READ,
    "GET /episodes/{episode_id}/consent": P.MEDICAL_READ,
    "POST /episodes/{episode_id}/consent": P.CONSENT_TAKE,
    "GET /episodes/{episode_id}/procedure": P.MEDICAL_READ,
    "POST /episodes/{episode_id}/procedure/start": P.PROCEDURE_PERFORM,
    "POST /episodes/{episode_id}/procedure/checklist": P.PROCEDURE_ASSIST,
    "POST /episodes/{episode_id}/procedure/injections": P.PROCEDURE_ASSIST,
    "POST /episodes/{episode_id}/procedure/threads": P.PROCEDURE_ASSIST,
    "POST /episodes/{episode_id}/procedure/events": P.PROCEDURE_ASSIST,
    "POST /episodes/{episode_id}/procedure/end": P.PROCEDURE_PERFORM,
    "GET /episodes/{episode_id}/discharge": P.MEDICAL_READ,
    "POST /episodes/{episode_id}/observations": P.PROCEDURE_ASSIST,
    "POST /episodes/{episode_id}/discharge": P.DISCHARGE,
    "GET /episodes/{episode_id}/aftercare": P.MEDICAL_READ,
    "GET /episodes/{episode_id}/follow-up": P.MEDICAL_READ,
    "POST /episodes/{episode_id}/follow-ups/{index}": P.FOLLOW_UP_WRITE,
    "POST /episodes/{episode_id}/follow-ups/{index}/ratings": P.FOLLOW_UP_WRITE,
    "POST /episodes/{episode_id}/adverse-events": P.ADVERSE_WRITE,
    "GET /episodes/{episode_id}/compare/{before_id}/{after_id}": P.PHOTO_READ,
    "GET /episodes/{episode_id}/compare/{before_id}/{after_id}/{picture}.jpg": P.PHOTO_READ,
    "GET /episodes/{episode_id}/documents/{kind}.pdf": P.MEDICAL_READ,
    "GET /registers/complications": P.REGISTER_READ,
    "GET /registers/recall": P.REGISTER_READ,
    "POST /registers/recall": P.REGISTER_READ,
    "GET /registers/complications.csv": P.REGISTER_READ,
    "POST /registers/recall.csv": P.REGISTER_READ,
    "GET /followups/due.csv": P.FOLLOW_UP_SCHEDULE_READ,
    "GET /stock": P.LOTS_READ,
    "POST /stock": P.LOTS_WRITE,
    "GET /patients/{patient_id}/fhir.json": P.RECORD_EXPORT,
    "POST /patients/{patient_id}/subject-access": P.SUBJECT_ACCESS,
    "GET /admin": P.USERS_MANAGE,
    "POST /admin/users": P.USERS_MANAGE,
    "POST /admin/users/{user_id}/deactivate": P.USERS_MANAGE,
    "POST /admin/users/{user_id}/reactivate": P.USERS_MANAGE,
    "POST /admin/users/{user_id}/unlock": P.USERS_MANAGE,
    "POST /admin/users/{user_id}/password": P.USERS_MANAGE,
    "POST /admin/audit/verify": P.AUDIT_READ,
    "POST /admin/subject-access": P.SUBJECT_ACCESS,
    "GET /admin/audit.csv": P.AUDIT_READ,
    # -- held doses, the portal as staff see it (issue 17) ------------------------------------------
    "POST /api/episodes/{episode_id}/procedure/injections/held/{pending_id}/confirm": P.OVERRIDE,
    "DELETE /api/episodes/{episode_id}/procedure/injections/held/{pending_id}": P.PROCEDURE_ASSIST,
    "POST /episodes/{episode_id}/procedure/injections/held/{pending_id}/{action}": P.PROCEDURE_ASSIST,
    # issue 14: corrections (the use case checks the kind's own permission: adverse events need adverse:write)
    "POST /api/episodes/{episode_id}/entered-in-error": P.PROCEDURE_ASSIST,
    "POST /episodes/{episode_id}/entered-in-error": P.PROCEDURE_ASSIST,
    # issue 14: signed amendments (the use case checks the field's own permission: the consultation needs
    # medical:write, an override's reason suitability:override, an adverse event adverse:write)
    "POST /api/episodes/{episode_id}/amendments": P.PROCEDURE_ASSIST,
    "POST /api/photo-consents/{consent_id}/entered-in-error": P.DEMOGRAPHICS_WRITE,
    "POST /api/photos/{photo_id}/entered-in-error": P.PHOTO_WRITE,
    "POST /episodes/{episode_id}/photos/{photo_id}/entered-in-error": P.PHOTO_WRITE,
    "POST /patients/{patient_id}/photo-consents/{consent_id}/entered-in-error": P.DEMOGRAPHICS_WRITE,
    "POST /episodes/{episode_id}/amendments": P.PROCEDURE_ASSIST,
    "POST /api/episodes/{episode_id}/adverse-events/{index}/progress": P.ADVERSE_WRITE,
    "POST /episodes/{episode_id}/adverse-events/{index}/progress": P.ADVERSE_WRITE,
    "GET /dashboard/portal": P.EPISODE_STATUS_READ,
    "GET /patients/{patient_id}/portal": P.DEMOGRAPHICS_READ,
    "POST /patients/{patient_id}/portal/invite": P.DEMOGRAPHICS_WRITE,
    "GET /episodes/{episode_id}/questionnaire": P.MEDICAL_READ,
    "GET /check-ins/{check_in_id}": P.MEDICAL_READ,
    "POST /episodes/{episode_id}/questionnaire": P.MEDICAL_WRITE,
    "POST /adverse-drafts/{draft_id}/confirm": P.ADVERSE_WRITE,
    "POST /adverse-drafts/{draft_id}/dismiss": P.ADVERSE_WRITE,
    "POST /messages/{message_id}/resend": P.DEMOGRAPHICS_WRITE,
    "GET /api/patients/{patient_id}/portal": P.DEMOGRAPHICS_READ,
    "POST /api/patients/{patient_id}/portal/invitation": P.DEMOGRAPHICS_WRITE,
    "GET /api/adverse-drafts": P.MEDICAL_READ,
    "GET /api/check-ins/{check_in_id}": P.MEDICAL_READ,
    "POST /api/adverse-drafts/{draft_id}/confirmation": P.ADVERSE_WRITE,
    # -- follow-up appointments (issue 14): reception books and reads the diary, no clinical content ---
    "POST /api/episodes/{episode_id}/appointments": P.APPOINTMENTS_BOOK,
    "GET /api/episodes/{episode_id}/appointments": P.DIARY_READ,
    "POST /api/appointments/{appointment_id}/reschedule": P.APPOINTMENTS_BOOK,
    "POST /api/appointments/{appointment_id}/cancel": P.APPOINTMENTS_BOOK,
    "POST /api/appointments/{appointment_id}/no-show": P.APPOINTMENTS_BOOK,
    "GET /api/diary": P.DIARY_READ,
    "GET /diary": P.DIARY_READ,
    "GET /diary/week": P.DIARY_READ,
    "GET /episodes/{episode_id}/appointments": P.DIARY_READ,
    "POST /episodes/{episode_id}/appointments": P.APPOINTMENTS_BOOK,
    "POST /appointments/{appointment_id}/reschedule": P.APPOINTMENTS_BOOK,
    "POST /appointments/{appointment_id}/cancel": P.APPOINTMENTS_BOOK,
    "POST /appointments/{appointment_id}/no-show": P.APPOINTMENTS_BOOK,
    # -- outcome statistics (issue 18): no names ----------------------------------------------------
    "GET /api/outcomes": P.OUTCOMES_READ,
    "GET /api/outcomes/plots/{which}.{fmt}": P.OUTCOMES_READ,
    "GET /api/outcomes/report.pdf": P.OUTCOMES_READ,
    "GET /outcomes": P.OUTCOMES_READ,
    "GET /outcomes/plots/{which}.{fmt}": P.OUTCOMES_READ,
    "GET /outcomes/report.pdf": P.OUTCOMES_READ,
    # -- the patient portal -------------------------------------------------------------------------
    "GET /portal": Open.PORTAL,
    "POST /portal/link": Open.PORTAL,
    "GET /portal/sign-in/{token}": Open.PORTAL,
    "POST /portal/sign-in/{token}": Open.PORTAL,
    "POST /portal/sign-out": Open.PORTAL,
    "GET /portal/information": Open.PORTAL,
    "GET /portal/episodes/{episode_id}/consent": Open.PORTAL,
    "GET /portal/episodes/{episode_id}/consent.pdf": Open.PORTAL,
    "GET /portal/episodes/{episode_id}/aftercare": Open.PORTAL,
    "POST /portal/episodes/{episode_id}/aftercare": Open.PORTAL,
    "GET /portal/episodes/{episode_id}/questionnaire": Open.PORTAL,
    "POST /portal/episodes/{episode_id}/questionnaire": Open.PORTAL,
    "POST /portal/photo-consents/{consent_id}/withdraw": Open.PORTAL,
    "GET /portal/check-ins/{check_in_id}": Open.PORTAL,
    "POST /portal/check-ins/{check_in_id}": Open.PORTAL,
}


def route_key(method: str, path: str) -> str:
    return f"{'GET' if method == 'HEAD' else method} {path}"


def app_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """Every API operation and page of ``app`` as (table key, route)."""
    from fastapi.routing import _iter_routes_with_context  # routers included as FastAPI 0.165 does

    for route, context in _iter_routes_with_context(app.routes):
        if isinstance(route, APIRoute):
            for method in sorted(route.methods or ()):
                yield route_key(method, context.path if context else route.path), route


def declared_keys(routes: Iterable[BaseRoute], context: Any = None) -> Iterator[str]:
    """The table keys of ``routes`` and of the routers they include, from each route's method and full path
    alone. :func:`app_routes` builds every route's request handling to list it (FastAPI prepares each
    included router on its first request): half a second for each application made, which the server
    pays once but the tests for every clinic they open."""
    from fastapi.routing import _IncludedRouter  # routers included as FastAPI 0.165 does

    for route in routes:
        if isinstance(route, _IncludedRouter):
            inner = route.include_context if context is None else context.combine(route.include_context)
            yield from declared_keys(route.original_router.routes, inner)
        elif isinstance(route, APIRoute):
            path = route.path if context is None else context.path_for(route)
            yield from (route_key(method, path) for method in sorted(route.methods or ()))


def check_covered(app: FastAPI) -> None:
    """Refuse an application with a route that is not in the table (or a table entry with no route)."""
    keys = set(declared_keys(app.routes))
    missing, stale = sorted(keys - ROUTES.keys()), sorted(ROUTES.keys() - keys)
    if missing or stale:
        raise RuntimeError(f"web/access.py ROUTES does not match the routes: missing {missing}, no route for {stale}")


def needed(request: Request) -> Permission | Open:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return ROUTES.get(route_key(request.method, path), Open.SIGNED_IN) if path else Open.SIGNED_IN


def refuse_unless_allowed(user: User, need: Permission | Open) -> None:
    if isinstance(need, Permission) and not allowed(user.role, need):
        raise PermissionDenied(f"a {user.role.value} may not do this ({need.value})")


class CrossSiteRefused(PermissionDenied):
    """An unsafe request signed in by cookie without the session's CSRF token or from another site."""

    rule = "csrf"


class LoginRequired(Exception):
    """No live session on a page: the page handler answers with a redirect to the login page."""


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def unauthenticated(request: Request, detail: str = "sign in first") -> Exception:
    if is_api(request):
        return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})
    return LoginRequired()


def markdown() -> str:
    """docs/permissions.md: the roles' permissions, then each route's permission and the roles it admits."""
    roles = list(Role)
    lines = ["# Permissions", "",
             "Generated from `clinic/roles.py` (`PERMISSIONS`, `REASONS`) and `web/access.py` (`ROUTES`) by",
             "`python -m threadlift.web.access > docs/permissions.md`; a test fails when this file is out of date.",
             "", "## Roles and permissions", "",
             "| permission | " + " | ".join(r.value for r in roles) + " | why |",
             "|---|" + "---|" * len(roles) + "---|"]
    for permission in Permission:
        marks = " | ".join("yes" if permission in PERMISSIONS[r] else "" for r in roles)
        lines.append(f"| `{permission.value}` | {marks} | {REASONS[permission]} |")
    lines += ["", "## Routes", "", "Each route needs at least this permission; the use case it calls checks again.",
              "", "| route | needs | " + " | ".join(r.value for r in roles) + " |",
              "|---|---|" + "---|" * len(roles)]
    for key, need in ROUTES.items():
        marks = " | ".join("" if need is Open.PORTAL else "yes" if isinstance(need, Open) or allowed(r, need) else ""
                           for r in roles)
        lines.append(f"| `{key}` | {need.value if isinstance(need, Permission) else need} | {marks} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
