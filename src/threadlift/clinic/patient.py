"""The patient: identity, contact and what dosing needs (weight)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator
from pydantic.networks import validate_email

# Validation context for records read back from the store: their e-mail addresses were checked and
# normalised when they were written, and checking them again costs more than reading the row.
STORED = {"stored": True}


def _checked_email(value: str, info: ValidationInfo) -> str:
    if info.context and info.context.get("stored"):
        return value
    return validate_email(value)[1]


Email = Annotated[str, AfterValidator(_checked_email), WithJsonSchema({"type": "string", "format": "email"})]


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Patient(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=uuid4)
    family_name: str = Field(min_length=1, max_length=100)
    given_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date
    sex: Sex
    phone: str | None = Field(default=None, max_length=40)
    email: Email | None = None
    weight_kg: float | None = Field(default=None, gt=20, lt=400, description="actual body weight, kilograms")
    height_cm: float | None = Field(default=None, gt=100, lt=250)
    # Local anaesthetic limits use ideal, not actual, body weight in obese patients [BNF-LIDO]; the
    # clinician enters it rather than the software guessing a formula.
    dosing_weight_kg: float | None = Field(default=None, gt=20, lt=400)

    @field_validator("date_of_birth")
    @classmethod
    def _born_in_the_past(cls, value: date) -> date:
        if value >= date.today():
            raise ValueError("date of birth must be in the past")
        if value.year < 1900:
            raise ValueError("date of birth before 1900; check the year")
        return value

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def bmi(self) -> float | None:
        if self.weight_kg is None or self.height_cm is None:
            return None
        return self.weight_kg / (self.height_cm / 100) ** 2
