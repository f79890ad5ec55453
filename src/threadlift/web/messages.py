"""What a clinician reads when a form is refused: every validation error in plain words, in one place.

Pydantic's own wording ("Input should be a valid string", "List should have at least 1 item after
validation, not 0") is written for programmers. Each error type it raises is translated here, with its
limits, into what to do; a rule's own message (a ``ValueError`` raised by a validator) is kept as written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def _limit(name: str) -> Callable[[Mapping[str, Any]], str]:
    def value(ctx: Mapping[str, Any]) -> str:
        found = ctx.get(name)
        return f"{found:g}" if isinstance(found, float) else str(found)
    return value


def _characters(ctx: Mapping[str, Any]) -> str:
    least = ctx.get("min_length", 1)
    return "fill this in" if least == 1 else f"write at least {least} characters"


_PLAIN: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda ctx: "fill this in: the record needs it",
    "string_too_short": _characters,
    "string_too_long": lambda ctx: f"keep this to {_limit('max_length')(ctx)} characters or fewer",
    "too_short": lambda ctx: f"choose at least {_limit('min_length')(ctx)}",
    "too_long": lambda ctx: f"choose at most {_limit('max_length')(ctx)}",
    "greater_than": lambda ctx: f"enter a number above {_limit('gt')(ctx)}",
    "greater_than_equal": lambda ctx: f"enter {_limit('ge')(ctx)} or more",
    "less_than": lambda ctx: f"enter a number below {_limit('lt')(ctx)}",
    "less_than_equal": lambda ctx: f"enter {_limit('le')(ctx)} or less",
    "float_parsing": lambda ctx: "enter a number",
    "float_type": lambda ctx: "enter a number",
    "int_parsing": lambda ctx: "enter a whole number",
    "int_type": lambda ctx: "enter a whole number",
    "int_from_float": lambda ctx: "enter a whole number",
    "finite_number": lambda ctx: "enter a number",
    "string_type": lambda ctx: "fill this in with text",
    "bool_parsing": lambda ctx: "choose yes or no",
    "bool_type": lambda ctx: "choose yes or no",
    "enum": lambda ctx: "choose one of the options offered",
    "literal_error": lambda ctx: "choose one of the options offered",
    "union_tag_invalid": lambda ctx: "choose one of the options offered",
    "uuid_parsing": lambda ctx: "choose one of the options offered",
    "uuid_type": lambda ctx: "choose one of the options offered",
    "date_parsing": lambda ctx: "enter a date (day, month and year)",
    "date_from_datetime_parsing": lambda ctx: "enter a date (day, month and year)",
    "date_type": lambda ctx: "enter a date (day, month and year)",
    "datetime_parsing": lambda ctx: "enter a date and time",
    "datetime_from_date_parsing": lambda ctx: "enter a date and time",
    "time_parsing": lambda ctx: "enter a time (hours and minutes)",
    "string_pattern_mismatch": lambda ctx: "this is not in the form expected: check it against the hint",
    "value_error": lambda ctx: str(ctx.get("error", "this value is not valid")),
    "assertion_error": lambda ctx: str(ctx.get("error", "this value is not valid")),
    "list_type": lambda ctx: "choose at least one",
    "dict_type": lambda ctx: "this value is not valid",
    "extra_forbidden": lambda ctx: "this field is not part of the form",
}


def plain_error(error: Mapping[str, Any]) -> str:
    """One validation error (an item of ``ValidationError.errors()``) in plain words, starting lower case."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    translate = _PLAIN.get(kind)
    message = translate(ctx) if translate else str(error.get("msg", "this value is not valid"))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def sentence(text: str) -> str:
    """``text`` as a sentence: its first letter upper case."""
    return text[:1].upper() + text[1:] if text else text


def minutes(count: float) -> str:
    """"1 minute", "5 minutes" (whole minutes, rounded down)."""
    whole = int(count)
    return f"{whole} minute" if whole == 1 else f"{whole} minutes"
