"""Generated requests over /openapi.json (schemathesis), as each role: no answer is a server error and
every answer matches the schema the document gives for it. Bounded and derandomised: the same requests
each run, to keep CI within its budget: ``THREADLIFT_FUZZ_EXAMPLES`` (25) per operation for each role
the access table lets through, and ``REFUSED_EXAMPLES`` where it refuses the role (the guard answers 403
before the request is read, whatever it holds; tests/web/test_permissions.py walks every route as every
role). One member of staff per role: a second clinician would send the same generated requests."""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.api.test_pathway import CONSULTATION, PATIENT, jpeg, ok
from tests.helpers.records import PASSWORD, STAFF, Clinic
from threadlift.services.types import Permission, allowed
from threadlift.web.access import ROUTES, route_key

EXAMPLES = int(os.environ.get("THREADLIFT_FUZZ_EXAMPLES", "25"))
REFUSED_EXAMPLES = 3
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
SKIPPED = {("POST", "/api/auth/logout")}  # would end the role's own session for the rest of the run


def known_ids(clinic: Clinic) -> dict[str, str]:
    """A patient at consent with a photo, so generated requests reach past "not found" half the time."""
    person = ok(clinic.call("reception-kim", "POST", "/api/patients", json=PATIENT), 201)
    episode = ok(clinic.call("reception-kim", "POST", f"/api/patients/{person['id']}/episodes"), 201)
    consent = ok(clinic.call("reception-kim", "POST", f"/api/patients/{person['id']}/photo-consents",
                             json={"scopes": ["clinical_record"]}), 201)
    ok(clinic.call("dr-hale", "PUT", f"/api/episodes/{episode['id']}/consultation", json=CONSULTATION))
    photo = ok(clinic.call("nurse-ade", "POST", f"/api/episodes/{episode['id']}/photos", data={"view": "frontal"},
                           files={"file": ("x.jpg", jpeg("obama3.jpg"), "image/jpeg")}), 201)
    # An account of its own for the user routes: resetting a role's own password would end its session.
    target = ok(clinic.call("admin", "POST", "/api/users", json={
        "username": "fuzz-target", "display_name": "Fuzz Target", "role": "nurse", "password": PASSWORD}), 201)
    return {"patient_id": person["id"], "episode_id": episode["id"], "photo_id": photo["id"],
            "consent_id": consent["id"], "user_id": target["id"]}


def test_generated_requests_as_each_role_get_no_server_error_and_match_the_schema(clinic: Clinic):
    if clinic.url.startswith("postgresql"):
        pytest.skip("one database is enough for the request fuzz; the store's own tests run on both")
    ids = known_ids(clinic)
    schema = schemathesis.openapi.from_asgi("/openapi.json", clinic.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    started = time.monotonic()
    turn = itertools.count()
    one_per_role = {role: username for username, role in reversed(STAFF.items())}.values()
    for username, operation in itertools.product(one_per_role, operations):
        if (operation.method.upper(), operation.path) not in SKIPPED:
            need = ROUTES[route_key(operation.method.upper(), operation.path)]
            refused = isinstance(need, Permission) and not allowed(STAFF[username], need)
            fuzz(operation, username, clinic.headers(username), ids, turn, statuses, failures,
                 REFUSED_EXAMPLES if refused else EXAMPLES)
    elapsed = time.monotonic() - started
    total = sum(statuses.values())
    print(f"\nschemathesis: {total} requests over {len(operations)} operations as {len(one_per_role)} roles in "
          f"{elapsed:.0f} s; statuses {dict(sorted(statuses.items()))}; {len(failures)} failures")
    assert not failures, "\n".join(sorted(set(failures))[:40])


def fuzz(operation: Any, role: str, headers: dict[str, str], ids: dict[str, str], turn: Iterator[int],
         statuses: Counter[int], failures: list[str], examples: int) -> None:
    """``examples`` generated requests to one operation as one member of staff; every other one with the
    path's ids replaced by known ones."""

    @hypothesis.settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                         report_multiple_bugs=False)
    @hypothesis.given(case=operation.as_strategy())
    def exercise(case: Any) -> None:
        if next(turn) % 2 and case.path_parameters:
            case.path_parameters = {k: ids.get(k, v) for k, v in case.path_parameters.items()}
        try:
            response = case.call(headers=headers)
        except Exception as crash:  # the app raised: a server error, recorded, and the run goes on
            statuses[500] += 1
            failures.append(f"{role} {case.method} {case.formatted_path} -> raised {type(crash).__name__}: "
                            f"{str(crash)[:300]}")
            return
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as failure:  # a failed check: recorded, the run goes on
            lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
            failures.append(f"{role} {case.method} {case.formatted_path} -> {response.status_code}: "
                            f"{' | '.join(lines[1:4])[:300]} {response.text[:150]}")

    exercise()


def test_a_lot_recorded_twice_is_a_conflict_naming_the_fields_not_a_server_error(clinic: Clinic):
    """Found by the request fuzz (and 159 of the 182 server errors in the issue): the store's unique
    constraint on (product, lot) answered 500."""
    from tests.helpers.clinic import lot_entry

    lot = lot_entry().model_dump(mode="json")
    ok(clinic.call("nurse-ade", "POST", "/api/threads/lots", json=lot), 201)
    again = clinic.call("nurse-ade", "POST", "/api/threads/lots", json=lot)
    assert again.status_code == 409 and again.json()["rule"] == "conflict"
    assert "lot number is already recorded" in again.json()["detail"] and lot["lot"] not in again.json()["detail"]


def test_the_document_lists_the_refusals_and_the_image_types(clinic: Clinic):
    document = clinic.client.get("/openapi.json").json()
    answers = document["paths"]["/api/episodes/{episode_id}/photos"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422"} <= answers.keys()
    assert {"$ref": "#/components/schemas/Refusal"} in answers["422"]["content"]["application/json"]["schema"]["anyOf"]
    image = document["paths"]["/api/photos/{photo_id}/image"]["get"]["responses"]["200"]["content"]
    assert {"image/jpeg", "image/png"} <= image.keys()
