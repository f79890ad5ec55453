"""The OpenAPI document lists the refusals each operation can give (issue 13): 401 and 403 for every
operation that needs a sign-in (from web/access.py), 404 for one that names a record, 409 for one that
changes something (a rule or a stored record refuses it), 422 for one that takes input."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from threadlift.web.access import ROUTES, Open

REFUSAL = {"type": "object", "title": "Refusal", "required": ["detail"],
           "properties": {"detail": {"type": "string", "description": "what went wrong and what to do"},
                          "rule": {"type": "string", "description": "the rule that refused it"},
                          "code": {"type": "string", "description": "an unusable photo's problem (e.g. too_large)"}}}
WORDS = {"401": "not signed in, or the session has ended", "403": "this role may not do this (docs/permissions.md)",
         "404": "no such record, or the ids do not belong together",
         "409": "a clinical or record-keeping rule refuses it now, or it clashes with a stored record",
         "422": "the input is not valid: each field's problem is named"}


def refusals(method: str, path: str, operation: dict[str, Any]) -> dict[str, str]:
    need = ROUTES.get(f"{method.upper()} {path}", Open.SIGNED_IN)
    found: dict[str, str] = {}
    if need is not Open.PUBLIC:
        found |= {"401": WORDS["401"], "403": WORDS["403"]}
    if "{" in path:
        found["404"] = WORDS["404"]
    if method.lower() in ("post", "put", "patch", "delete") and not isinstance(need, Open):
        found["409"] = WORDS["409"]
    if operation.get("parameters") or operation.get("requestBody"):
        found["422"] = WORDS["422"]
    return found


def install(app: FastAPI) -> None:
    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {})["Refusal"] = REFUSAL
            for path, operations in schema.get("paths", {}).items():
                for method, operation in operations.items():
                    responses = operation.setdefault("responses", {})
                    for status, words in refusals(method, path, operation).items():
                        if status == "422" and "422" in responses:  # field errors, or a rule's refusal (a
                            # photo's code, a password the policy refuses): either body
                            field_errors = responses["422"]["content"]["application/json"]["schema"]
                            responses["422"]["content"]["application/json"]["schema"] = {"anyOf": [
                                field_errors, {"$ref": "#/components/schemas/Refusal"}]}
                        elif status not in responses:
                            responses[status] = {"description": words, "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/Refusal"}}}}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
