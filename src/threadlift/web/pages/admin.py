"""Administration: users and roles, the audit trail and its verification."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from threadlift.clinic.errors import DomainError
from threadlift.clinic.roles import Role
from threadlift.services import people, records
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
    if len(values.get("password", "")) < 12:
        errors["password"] = "At least 12 characters."
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


@router.post("/admin/audit/verify")
def verify(page: PageDep) -> Response:
    problem = records.verify_audit(page.services, page.user)
    return _admin(page, verification=problem or "intact")
