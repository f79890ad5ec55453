"""Validation of exported resources: ``fhir.resources`` for structure, and what it does not check
([records-standards c3]): codes outside a required binding, reference targets of the wrong type,
references that do not resolve inside the export.

Imports ``fhir.resources`` (R5, or its R4B package): call it from commands and tests, not at import
time of the web application.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from importlib import import_module
from typing import Any

from pydantic import BaseModel, ValidationError

from threadlift.interop.fhir.base import Resource


class InvalidFhir(ValueError):
    """An exported resource that a FHIR reader would refuse; the message names the resource and element."""


def _model(resource_type: str, version: str) -> type[BaseModel]:
    package = "fhir.resources" if version == "R5" else "fhir.resources.R4B"
    found: type[BaseModel] = import_module(package).get_fhir_model_class(resource_type)
    return found


def validate(resources: Iterable[Resource], version: str = "R5") -> None:
    """Raise :class:`InvalidFhir` naming the first problem; every reference must resolve within
    ``resources`` (for a Bundle, within its entries)."""
    resources = list(resources)
    present = {(r["resourceType"], r["id"]) for r in resources}
    for resource in resources:
        model = _structure(resource, version)
        where = f"{resource.get('resourceType')}/{resource.get('id')}"
        for path, problem in _codes_and_targets(model, version):
            raise InvalidFhir(f"{where}: {path}: {problem}")
        if resource["resourceType"] == "Bundle":
            validate([entry["resource"] for entry in resource.get("entry", [])], version)
            continue
        for path, target in _references(resource):
            if target.startswith(("#", "urn:")) or "/" not in target:
                raise InvalidFhir(f"{where}: {path}: reference {target!r} is not Type/id")
            kind, _, ident = target.partition("/")
            if (kind, ident) not in present:
                raise InvalidFhir(f"{where}: {path}: reference {target} does not resolve in the export")


def _structure(resource: Resource, version: str) -> BaseModel:
    where = f"{resource.get('resourceType')}/{resource.get('id')}"
    try:
        return _model(resource["resourceType"], version).model_validate(resource)
    except (ValidationError, KeyError, ValueError) as error:
        raise InvalidFhir(f"{where}: {error}") from None


def _references(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        reference = value.get("reference")
        if isinstance(reference, str):
            yield path or "reference", reference
        for key, inner in value.items():
            if key != "reference" or not isinstance(inner, str):
                yield from _references(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _references(inner, f"{path}[{i}]")


def _codes_and_targets(model: BaseModel, version: str, path: str = "") -> Iterator[tuple[str, str]]:
    for name, field in type(model).model_fields.items():
        value = getattr(model, name, None)
        if value is None:
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        allowed = _strings(extra.get("enum_values"))
        here = f"{path}.{name}" if path else name
        # A list ending in "+" is the package's abbreviation of a longer one: it cannot be enforced.
        if allowed and "+" not in allowed and isinstance(value, str) and value not in allowed:
            yield here, f"code {value!r} is not one of {sorted(allowed)}"
        targets = _strings(extra.get("enum_reference_types"))
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if not isinstance(item, BaseModel):
                continue
            reference = getattr(item, "reference", None)
            if targets and isinstance(reference, str) and "/" in reference:
                kind = reference.split("/")[0]
                if kind not in targets and "Resource" not in targets:
                    yield here, f"a reference to {kind} where {', '.join(targets)} is expected"
            yield from _codes_and_targets(item, version, f"{here}[{i}]" if isinstance(value, list) else here)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
