"""Staff accounts: who may sign in, under which role, and what a new account must give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from threadlift.clinic.passwords import MAX_LENGTH
from threadlift.clinic.roles import Role

Username = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=2, max_length=80,
                                            pattern=r"^[a-z0-9._-]+$")]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Only the bounds here: the password policy (threadlift.clinic.passwords) needs the user name too, and
# says what to do in its own words.
Password = Annotated[str, Field(min_length=1, max_length=MAX_LENGTH)]


@dataclass(frozen=True)
class User:
    """A member of staff as the records name them (``id`` in every audit row they cause)."""

    id: str
    username: str
    display_name: str
    role: Role
    active: bool


class StaffAccount(BaseModel):
    """A new account as an administrator enters it."""

    model_config = ConfigDict(frozen=True)
    username: Username = Field(description="letters, digits, dot, dash or underscore")
    display_name: DisplayName = Field(description="the name shown on records")
    role: Role
    password: Password
