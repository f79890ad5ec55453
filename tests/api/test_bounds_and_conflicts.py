"""Bad requests never answer 500 (issue 13): every integer a request carries has bounds in the schema,
a clash with a stored record is a 409 naming it (API and page), and the OpenAPI document lists the
refusals each operation gives."""

from __future__ import annotations

from typing import Any

from tests.fakes import fake_services
from tests.helpers.records import Clinic
from tests.helpers.web import PageUser, error_for
from threadlift.web.access import ROUTES, Open
from threadlift.web.app import create_app

LOT = {"product": "Lift Cog 19G 100 mm", "manufacturer": "Example Threads Ltd", "material": "PDO",
       "design": "barbed_bidirectional", "gauge": "19G", "length_mm": 100, "lot": "PDO-2026-A1",
       "expiry": "2027-06-30", "quantity_received": 20, "received_on": "2026-09-01"}


def openapi() -> dict[str, Any]:
    return create_app(fake_services()).openapi()


def unbounded_integers(doc: dict[str, Any]) -> list[str]:
    """Integers in any operation's parameters or request body without a minimum and a maximum."""
    schemas, found = doc["components"]["schemas"], []

    def walk(node: Any, where: str, seen: frozenset[str]) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, where, seen)
        elif isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[1]
                if name not in seen:
                    walk(schemas[name], f"{where} {name}", seen | {name})
                return
            if node.get("type") == "integer" and not ({"minimum", "exclusiveMinimum"} & node.keys()
                                                      and {"maximum", "exclusiveMaximum"} & node.keys()):
                found.append(f"{where} {node.get('title', '')}")
            for value in node.values():
                walk(value, where, seen)

    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            walk([operation.get("parameters", []), operation.get("requestBody", {})], f"{method} {path}", frozenset())
    return found


def test_every_integer_in_a_request_is_bounded_and_every_refusal_documented():
    doc = openapi()
    assert unbounded_integers(doc) == []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            given = set(operation["responses"])
            if ROUTES[f"{method.upper()} {path}"] is not Open.PUBLIC:
                assert {"401", "403"} <= given, (method, path)
            if "{" in path:
                assert "404" in given, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in given, (method, path)
    image = doc["paths"]["/api/photos/{photo_id}/image"]["get"]["responses"]["200"]["content"]
    assert set(image) == {"image/jpeg", "image/png"}


def test_huge_numbers_are_refused_not_500(clinic: Clinic):
    for address in ("/api/audit?after_id=100000000000000000000", "/api/patients?offset=100000000000000000000",
                    "/api/followups/due?within_days=1000000000", "/api/audit.csv?after_id=-1"):
        who = "admin" if "audit" in address else "nurse-ade"
        assert clinic.call(who, "GET", address).status_code == 422, address
    search = PageUser(clinic, "reception-kim").post("/patients/search", {"search": "Okafor", "offset": "abc"})
    assert search.status_code == 200


def test_the_same_lot_twice_is_a_conflict_that_says_so(clinic: Clinic):
    assert clinic.call("nurse-ade", "POST", "/api/threads/lots", json=LOT).status_code == 201
    again = clinic.call("nurse-ade", "POST", "/api/threads/lots", json=LOT)
    assert again.status_code == 409 and again.json()["rule"] == "conflict"
    assert "already recorded" in again.json()["detail"]
    page = PageUser(clinic, "nurse-ade").post("/stock", {k: str(v) for k, v in LOT.items() if k != "material"} |
                                             {"material": "PDO"})
    assert page.status_code == 409 and "already recorded" in (error_for(page.text, "lot") or page.text)
    assert len(clinic.call("nurse-ade", "GET", "/api/threads/lots").json()) == 1
