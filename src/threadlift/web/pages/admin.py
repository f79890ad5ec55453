"""Administration: users and roles, the audit trail and its verification."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.responses import Response

from threadlift.clinic.errors import DomainError, NotFound
from threadlift.clinic.passwords import WeakPassword
from threadlift.clinic.roles import Role
from threadlift.services import people, records
from threadlift.services.base import PermissionDenied
from threadlift.web.pages.common import PageDep, domain_message, form_values
from threadlift.web.pages.routing import page_router

router = page_router()


def _admin(page: PageDep, status: int = 200, **extra: Any) -> Response:
    users = people.list_users(page.services, page.user)
    trail = records.recent_audit(page.services, page.user, 50)
    names = {u.id: u.username for u in users}
    return page.render("admin.html", status, users=users, roles=[r.value for r in Role], trail=trail, names=names,
                       errors=extra.pop("errors", {}), values=extra.pop("values", {}), **extra)


@router.get("/admin")
def admin(page: PageDep) -> Response:
    return _admin(page)


@router.post("/admin/users")
async def create_user(page: PageDep) -> Response:
    values = form_values(await page.request.form())
    errors = {}
    username = values.get("username", "").strip()
    if not username or not all(ch.isalnum() or ch in "._-" for ch in username):
        errors["username"] = "Use letters, digits, dot, dash or underscore."
    if not values.get("display_name", "").strip():
        errors["display_name"] = "Enter the person's name as it should appear on records."
    if values.get("role") not in [r.value for r in Role]:
        errors["role"] = "Choose a role."
    if not errors:
        try:
            people.create_user(page.services, page.user, username, values["display_name"].strip(),
                               Role(values["role"]), values["password"])
            return page.redirect("/admin#users")
        except DomainError as error:
            field = "username" if error.rule == "unique_username" else "password"
            errors[field] = domain_message(error)
    values.pop("password", None)
    return _admin(page, 422, errors=errors, values=values)


@router.post("/admin/users/{user_id}/deactivate")
def deactivate(user_id: UUID, page: PageDep) -> Response:
    try:
        people.deactivate_user(page.services, page.user, str(user_id))
    except DomainError as error:
        if isinstance(error, NotFound | PermissionDenied):
            raise
        return _admin(page, 409, account_problem=domain_message(error))
    return page.redirect("/admin#users")


@router.post("/admin/users/{user_id}/reactivate")
def reactivate(user_id: UUID, page: PageDep) -> Response:
    people.reactivate_user(page.services, page.user, str(user_id))
    return page.redirect("/admin#users")


@router.post("/admin/users/{user_id}/password")
async def set_password(user_id: UUID, page: PageDep) -> Response:
    values = form_values(await page.request.form())
    try:
        people.set_password(page.services, page.user, str(user_id), values.get("password", ""))
    except WeakPassword as error:
        return _admin(page, 422, password_for=str(user_id), password_error=domain_message(error))
    return _admin(page, password_set=str(user_id))


@router.post("/admin/audit/verify")
def verify(page: PageDep) -> Response:
    problem = records.verify_audit(page.services, page.user)
    return _admin(page, verification=problem or "intact")
