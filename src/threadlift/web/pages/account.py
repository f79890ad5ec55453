"""Your own account: change your password (the current one required; your other sessions end)."""

from __future__ import annotations

from fastapi.responses import Response

from threadlift.services import people
from threadlift.services.types import WeakPassword
from threadlift.web.pages.common import COOKIE, FormDep, PageDep, domain_message, form_values
from threadlift.web.pages.routing import page_router

router = page_router()


@router.get("/account/password")
def password_form(page: PageDep) -> Response:
    return page.render("account_password.html", errors={})


@router.post("/account/password")
def change_password(page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    errors: dict[str, str] = {}
    if values.get("new_password", "") != values.get("repeat_password", ""):
        errors["repeat_password"] = "The two new passwords differ; type the same one twice."
    else:
        try:
            people.change_own_password(page.services, page.user, values.get("current_password", ""),
                                       values.get("new_password", ""), keep_token=page.request.cookies.get(COOKIE))
            return page.render("account_password.html", errors={}, changed=True)
        except WeakPassword as error:
            field = "current_password" if error.rule == "current_password" else "new_password"
            errors[field] = domain_message(error)
    return page.render("account_password.html", 422, errors=errors)
