"""Administration: users and roles, the audit trail and its verification."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import audit, people
from threadlift.services.commands import CreateUser
from threadlift.services.types import DomainError, NotFound, PermissionDenied, Role, StaffAccount, WeakPassword
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors, form_values
from threadlift.web.pages.routing import page_router

router = page_router()


def _admin(page: PageDep, status: int = 200, **extra: Any) -> Response:
    users = people.list_users(page.services, page.user)
    trail = audit.recent_audit(page.services, page.user, 50)
    names = {u.id: u.username for u in users}
    locks = people.sign_in_locks(page.services, page.user)
    return page.render("admin.html", status, users=users, locks=locks, roles=[r.value for r in Role], trail=trail,
                       names=names, errors=extra.pop("errors", {}), values=extra.pop("values", {}), **extra)


@router.get("/admin")
def admin(page: PageDep) -> Response:
    return _admin(page)


@router.post("/admin/users")
def create_user(page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    try:
        account = StaffAccount.model_validate({name: values.get(name, "") for name in StaffAccount.model_fields})
        people.create_user(page.services, page.user, CreateUser(account=account))
        return page.redirect("/admin#users")
    except ValidationError as error:
        errors = field_errors(error)
    except DomainError as error:
        errors = {"username" if error.rule == "unique_username" else "password": domain_message(error)}
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


@router.post("/admin/users/{user_id}/unlock")
def unlock(user_id: UUID, page: PageDep) -> Response:
    people.unlock_user(page.services, page.user, str(user_id))
    return page.redirect("/admin#users")


@router.post("/admin/users/{user_id}/password")
def set_password(user_id: UUID, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    try:
        people.set_password(page.services, page.user, str(user_id), values.get("password", ""))
    except WeakPassword as error:
        return _admin(page, 422, password_for=str(user_id), password_error=domain_message(error))
    return _admin(page, password_set=str(user_id))


@router.post("/admin/audit/verify")
def verify(page: PageDep) -> Response:
    problem = audit.verify_audit(page.services, page.user)
    return _admin(page, verification=problem or "intact")
