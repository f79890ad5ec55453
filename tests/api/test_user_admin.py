"""User administration through the API, on SQLite and PostgreSQL: deactivation ends sessions at once,
password resets and changes follow the one policy, the last administrator stays."""

from __future__ import annotations

from tests.helpers.records import PASSWORD, Clinic

NEW = "a brand new passphrase"


def user_id(clinic: Clinic, username: str) -> str:
    users = clinic.call("admin", "GET", "/api/users").json()
    return next(u["id"] for u in users if u["username"] == username)


def test_a_deactivated_user_is_signed_out_at_once_and_cannot_sign_in(clinic: Clinic):
    assert clinic.call("nurse-ade", "GET", "/api/auth/me").status_code == 200
    nurse = user_id(clinic, "nurse-ade")
    done = clinic.call("admin", "POST", f"/api/users/{nurse}/deactivate")
    assert done.status_code == 200 and done.json()["active"] is False
    assert clinic.call("nurse-ade", "GET", "/api/auth/me").status_code == 401  # the very next request
    login = clinic.client.post("/api/auth/login", json={"username": "nurse-ade", "password": PASSWORD})
    assert login.status_code == 401
    assert clinic.call("admin", "POST", f"/api/users/{nurse}/reactivate").json()["active"] is True
    login = clinic.client.post("/api/auth/login", json={"username": "nurse-ade", "password": PASSWORD})
    assert login.status_code == 200
    trail = [(r["action"], r["entity_id"]) for r in clinic.call("admin", "GET", "/api/audit").json()]
    assert ("deactivate", nurse) in trail and ("reactivate", nurse) in trail


def test_only_admins_manage_and_the_last_admin_stays(clinic: Clinic):
    admin = user_id(clinic, "admin")
    assert clinic.call("dr-hale", "POST", f"/api/users/{admin}/deactivate").status_code == 403
    own = clinic.call("admin", "POST", f"/api/users/{admin}/deactivate")
    assert own.status_code == 409 and own.json()["rule"] == "own_account"
    second = clinic.call("admin", "POST", "/api/users", json={"username": "admin2", "display_name": "Second Admin",
                                                             "role": "admin", "password": NEW})
    assert second.status_code == 201
    clinic.tokens["admin2"] = clinic.client.post("/api/auth/login", json={"username": "admin2",
                                                                           "password": NEW}).json()["token"]
    assert clinic.call("admin2", "POST", f"/api/users/{admin}/deactivate").status_code == 200
    assert clinic.call("admin", "GET", "/api/users").status_code == 401  # its sessions ended with it
    assert clinic.call("admin2", "POST", f"/api/users/{admin}/reactivate").status_code == 200
    clinic.sign_in_all()
    assert clinic.call("admin", "POST", f"/api/users/{second.json()['id']}/deactivate").status_code == 200
    refused = clinic.call("admin", "POST", f"/api/users/{admin}/deactivate")
    assert refused.status_code == 409
    unknown = clinic.call("admin", "POST", "/api/users/00000000-0000-0000-0000-000000000000/deactivate")
    assert unknown.status_code == 404


def test_an_admin_resets_a_password_under_the_policy_and_old_sessions_end(clinic: Clinic):
    hale = user_id(clinic, "dr-hale")
    for weak in ("password123456", "aaaaaaaaaaaa", "dr-hale-dr-hale", "short"):
        refused = clinic.call("admin", "PUT", f"/api/users/{hale}/password", json={"password": weak})
        assert refused.status_code == 422 and refused.json()["rule"] == "password_policy", weak
    assert clinic.call("dr-hale", "GET", "/api/auth/me").status_code == 200  # nothing changed
    assert clinic.call("admin", "PUT", f"/api/users/{hale}/password", json={"password": NEW}).status_code == 204
    assert clinic.call("dr-hale", "GET", "/api/auth/me").status_code == 401
    assert clinic.client.post("/api/auth/login", json={"username": "dr-hale", "password": PASSWORD}).status_code == 401
    assert clinic.client.post("/api/auth/login", json={"username": "dr-hale", "password": NEW}).status_code == 200
    weak_new_user = clinic.call("admin", "POST", "/api/users", json={
        "username": "temp", "display_name": "Temp", "role": "nurse", "password": "password123456"})
    assert weak_new_user.status_code == 422


def test_users_change_their_own_password_with_the_current_one(clinic: Clinic):
    other = clinic.client.post("/api/auth/login", json={"username": "nurse-ade", "password": PASSWORD}).json()["token"]
    wrong = clinic.call("nurse-ade", "PUT", "/api/auth/password",
                        json={"current_password": "not my password", "new_password": NEW})
    assert wrong.status_code == 422 and wrong.json()["rule"] == "current_password"
    weak = clinic.call("nurse-ade", "PUT", "/api/auth/password",
                       json={"current_password": PASSWORD, "new_password": "password123456"})
    assert weak.status_code == 422
    changed = clinic.call("nurse-ade", "PUT", "/api/auth/password",
                          json={"current_password": PASSWORD, "new_password": NEW})
    assert changed.status_code == 204
    assert clinic.call("nurse-ade", "GET", "/api/auth/me").status_code == 200  # this session goes on
    assert clinic.client.get("/api/auth/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    assert clinic.client.post("/api/auth/login", json={"username": "nurse-ade", "password": NEW}).status_code == 200
