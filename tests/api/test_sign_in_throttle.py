"""Sign-in throttling (issue 13): wrong passwords lock the account, and many from one address lock the
address; while locked the right password is refused too, with Retry-After; locks grow, are audited, and
an administrator lifts them. API and page, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests.helpers.records import PASSWORD, Clinic
from tests.helpers.web import PageUser
from threadlift.clinic.signin import Scope, SignInPolicy, after_failure, locked_for
from threadlift.config import ConfigurationError, Settings


def sign_in(clinic: Clinic, username: str, password: str):  # type: ignore[no-untyped-def]
    return clinic.client.post("/api/auth/login", json={"username": username, "password": password})


def test_wrong_passwords_lock_the_account_and_the_right_one_waits(clinic: Clinic):
    answers = [sign_in(clinic, "dr-hale", f"guess number {n}").status_code for n in range(12)]
    assert answers == [401] * 4 + [429] * 8  # the fifth failure locks; later guesses are not even checked
    right = sign_in(clinic, "dr-hale", PASSWORD)
    assert right.status_code == 429 and right.json()["rule"] == "sign_in_locked"
    assert 0 < int(right.headers["Retry-After"]) <= 60 and "administrator" in right.json()["detail"]
    assert sign_in(clinic, "dr-osei", PASSWORD).status_code == 200  # another account is not affected
    hale = next(u for u in clinic.call("admin", "GET", "/api/users").json() if u["username"] == "dr-hale")
    assert hale["locked_until"] is not None
    trail = clinic.call("admin", "GET", "/api/audit").json()
    locked = [r for r in trail if r["action"] == "login_locked"]
    assert [(r["entity_id"], r["detail"]["scope"], r["detail"]["failures"]) for r in locked] == [
        (hale["id"], "account", 5)]
    assert sum(r["action"] == "login_refused" for r in trail) == 8

    clinic.clock.advance(minutes=1, seconds=1)  # the first lock is over: one more wrong password doubles it
    assert sign_in(clinic, "dr-hale", "guess again").status_code == 429
    clinic.clock.advance(minutes=1, seconds=1)
    assert sign_in(clinic, "dr-hale", PASSWORD).status_code == 429  # still locked: 2 minutes this time
    assert clinic.call("dr-hale", "POST", f"/api/users/{hale['id']}/unlock").status_code == 403
    unlocked = clinic.call("admin", "POST", f"/api/users/{hale['id']}/unlock")
    assert unlocked.status_code == 200 and unlocked.json() == {"had_failures": True}
    assert sign_in(clinic, "dr-hale", PASSWORD).status_code == 200
    assert any(r["action"] == "unlock" and r["entity_id"] == hale["id"]
               for r in clinic.call("admin", "GET", "/api/audit").json())


def test_many_user_names_from_one_address_lock_the_address(clinic: Clinic):
    failures = 10  # the lowest the setting allows (each failure costs a password hash's time)
    clinic.services.settings = replace(clinic.services.settings, sign_in=SignInPolicy(address_failures=failures))
    answers = [sign_in(clinic, f"nobody-{n}", "not a password").status_code for n in range(failures)]
    assert answers[:-1] == [401] * (failures - 1) and answers[-1] == 429  # no account reached its own limit
    refused = sign_in(clinic, "nurse-ade", PASSWORD)
    assert refused.status_code == 429 and "address" in refused.json()["detail"]
    clinic.clock.advance(minutes=2)
    assert sign_in(clinic, "nurse-ade", PASSWORD).status_code == 200


def test_the_login_page_is_throttled_the_same_way(clinic: Clinic):
    browser = clinic.client
    for n in range(5):
        page = browser.post("/login", data={"username": "nurse-ade", "password": f"wrong {n}"},
                            follow_redirects=False)
    assert page.status_code == 429 and "Retry-After" in page.headers and "locked" in page.text
    right = browser.post("/login", data={"username": "nurse-ade", "password": PASSWORD}, follow_redirects=False)
    assert right.status_code == 429
    admin = PageUser(clinic, "admin")
    nurse = next(u["id"] for u in clinic.call("admin", "GET", "/api/users").json() if u["username"] == "nurse-ade")
    assert f"/admin/users/{nurse}/unlock" in admin.get("/admin").text
    assert admin.post(f"/admin/users/{nurse}/unlock").status_code == 303
    assert f"/admin/users/{nurse}/unlock" not in admin.get("/admin").text
    PageUser(clinic, "nurse-ade")  # signs in


def test_locks_double_up_to_the_longest_and_quiet_spells_are_forgotten():
    policy, at = SignInPolicy(account_failures=3, first_lock_minutes=1, longest_lock_minutes=10), \
        datetime(2026, 1, 1, tzinfo=UTC)
    state, locks = None, []
    for _ in range(8):
        state = after_failure(state, at, Scope.ACCOUNT, policy)
        wait = locked_for(state, at)
        locks.append(None if wait is None else wait.total_seconds() / 60)
    assert locks == [None, None, 1, 2, 4, 8, 10, 10]
    assert after_failure(state, at + timedelta(days=2), Scope.ACCOUNT, policy).count == 1


def test_the_numbers_are_settings_with_bounds(tmp_path):
    settings = Settings.from_env({"THREADLIFT_DATA_DIR": str(tmp_path), "THREADLIFT_LOGIN_MAX_FAILURES": "8",
                                  "THREADLIFT_LOGIN_LOCK_MINUTES": "5"})
    assert (settings.sign_in.account_failures, settings.sign_in.first_lock_minutes) == (8, 5)
    for name, value in (("THREADLIFT_LOGIN_MAX_FAILURES", "1000"), ("THREADLIFT_LOGIN_MAX_LOCK_MINUTES", "0")):
        try:
            Settings.from_env({"THREADLIFT_DATA_DIR": str(tmp_path), name: value})
        except ConfigurationError as error:
            assert name in str(error)
        else:
            raise AssertionError(f"{name}={value} was accepted")
