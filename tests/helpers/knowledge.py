"""The shared knowledge base (../shared/knowledge), which rules and data files cite by source key."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers.photos import faces_dir


def clinical_knowledge() -> str:
    return (faces_dir().parents[1] / "knowledge" / "thread-lift-clinical.md").read_text(encoding="utf-8")


def defined_source_keys(text: str) -> set[str]:
    """Keys defined anywhere in the file as ``[KEY]`` (the reference list and the inline citations)."""
    return set(re.findall(r"\[([A-Z0-9][A-Za-z0-9.\-]*)\]", text))


def knowledge_dir() -> Path:
    return faces_dir().parents[1] / "knowledge"
