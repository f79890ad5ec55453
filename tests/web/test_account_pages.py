"""User administration and your own password in the web pages (the same services as the API)."""

from __future__ import annotations

from tests.helpers.records import PASSWORD, Clinic
from tests.helpers.web import PageUser, error_for

NEW = "a brand new passphrase"


def test_the_admin_page_deactivates_reactivates_and_resets(clinic: Clinic):
    admin, nurse = PageUser(clinic, "admin"), PageUser(clinic, "nurse-ade")
    assert nurse.get("/").status_code == 200
    users = {u["username"]: u["id"] for u in clinic.call("admin", "GET", "/api/users").json()}
    page = admin.get("/admin")
    assert f'/admin/users/{users["nurse-ade"]}/deactivate' in page.text and "(you)" in page.text
    assert admin.post(f"/admin/users/{users['nurse-ade']}/deactivate").status_code == 303
    assert nurse.get("/", follow_redirects=False).headers["location"] == "/login"  # signed out at once
    assert "deactivated" in admin.get("/admin").text
    assert admin.post(f"/admin/users/{users['nurse-ade']}/reactivate").status_code == 303
    weak = admin.post(f"/admin/users/{users['nurse-ade']}/password", {"password": "password123456"})
    assert weak.status_code == 422 and "common or breached" in weak.text
    done = admin.post(f"/admin/users/{users['nurse-ade']}/password", {"password": NEW})
    assert done.status_code == 200 and "Password set" in done.text
    assert clinic.client.post("/api/auth/login", json={"username": "nurse-ade", "password": NEW}).status_code == 200
    assert PageUser(clinic, "dr-hale").post(f"/admin/users/{users['admin']}/deactivate").status_code == 403


def test_users_change_their_own_password_in_the_page(clinic: Clinic):
    nurse = PageUser(clinic, "nurse-ade")
    form = nurse.get("/account/password")
    assert form.status_code == 200 and 'autocomplete="current-password"' in form.text
    wrong = nurse.post("/account/password", {"current_password": "nope", "new_password": NEW, "repeat_password": NEW})
    assert wrong.status_code == 422 and error_for(wrong.text, "current_password")
    differ = nurse.post("/account/password", {"current_password": PASSWORD, "new_password": NEW,
                                              "repeat_password": NEW + "x"})
    assert differ.status_code == 422 and error_for(differ.text, "repeat_password")
    weak = nurse.post("/account/password", {"current_password": PASSWORD, "new_password": "aaaaaaaaaaaa",
                                            "repeat_password": "aaaaaaaaaaaa"})
    assert weak.status_code == 422 and "repeated" in (error_for(weak.text, "new_password") or "")
    done = nurse.post("/account/password", {"current_password": PASSWORD, "new_password": NEW,
                                            "repeat_password": NEW})
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert nurse.get("/").status_code == 200  # this session goes on
    assert clinic.client.post("/api/auth/login", json={"username": "nurse-ade", "password": NEW}).status_code == 200
