"""Small helpers for the words the domain's messages use."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """"1 minute", "5 minutes"; ``many`` for an irregular plural."""
    return f"{count} {word}" if count == 1 else f"{count} {many or word + 's'}"


def spoken(code: str) -> str:
    """A stored code as words: "facial_nerve_screen_symmetric" -> "facial nerve screen symmetric"."""
    return code.replace("_", " ")
