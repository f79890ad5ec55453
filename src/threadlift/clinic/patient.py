"""The patient: identity, contact and what dosing needs (weight)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator
from pydantic.networks import validate_email

from threadlift.clinic.dates import latest_date_anywhere
from threadlift.clinic.errors import InvalidInput

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


# Each field's limits, declared once: the record, the API and the forms all take them from here.
FamilyName = Annotated[str, Field(min_length=1, max_length=100)]
GivenName = Annotated[str, Field(min_length=1, max_length=100)]
Phone = Annotated[str, Field(max_length=40)]
WeightKg = Annotated[float, Field(gt=20, lt=400, description="kilograms")]
HeightCm = Annotated[float, Field(gt=100, lt=250, description="centimetres")]


def _born_in_the_past(value: date) -> date:
    # A schema has no clinic: this refuses a date that has begun nowhere on Earth yet; the use cases
    # check against the clinic's own date (Patient.check_born_before).
    if value > latest_date_anywhere():
        raise ValueError("date of birth must be in the past")
    if value.year < 1900:
        raise ValueError("date of birth before 1900; check the year")
    return value


DateOfBirth = Annotated[date, AfterValidator(_born_in_the_past)]


class PatientDetails(BaseModel):
    """What is recorded about a patient when they register."""

    model_config = ConfigDict(frozen=True)

    family_name: FamilyName
    given_name: GivenName
    date_of_birth: DateOfBirth
    sex: Sex
    phone: Phone | None = None
    email: Email | None = None
    weight_kg: WeightKg | None = Field(default=None, description="actual body weight, kilograms")
    height_cm: HeightCm | None = None
    # Local anaesthetic limits use ideal, not actual, body weight in obese patients [BNF-LIDO]; the
    # clinician enters it rather than the software guessing a formula.
    dosing_weight_kg: WeightKg | None = None


class PatientChanges(BaseModel):
    """What may change after registration: names, contact and weights. The date of birth and sex are
    identity and stay as registered (a correction is a new registration, not an edit)."""

    model_config = ConfigDict(frozen=True)

    family_name: FamilyName | None = None
    given_name: GivenName | None = None
    phone: Phone | None = None
    email: Email | None = None
    weight_kg: WeightKg | None = None
    height_cm: HeightCm | None = None
    dosing_weight_kg: WeightKg | None = None

    @field_validator("family_name", "given_name")
    @classmethod
    def _names_stay(cls, value: str | None) -> str:
        """Left out, a name is unchanged; given as blank, it is refused (every patient has both names)."""
        if value is None:
            raise ValueError("a patient's name cannot be blank")
        return value


class Patient(PatientDetails):
    id: UUID = Field(default_factory=uuid4)

    def changed(self, changes: PatientChanges) -> Patient:
        """This patient with ``changes`` applied: the fields it sets (to a value or to blank), and no other."""
        return Patient.model_validate({**self.model_dump(), **changes.model_dump(exclude_unset=True),
                                       "id": self.id})

    def check_born_before(self, today: date) -> None:
        """Refuse a date of birth that is not before the clinic's ``today``."""
        if self.date_of_birth >= today:
            raise InvalidInput(f"date of birth must be in the past (today is {today.isoformat()} at the clinic)",
                               rule="date_of_birth")

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def display_name(self) -> str:
        return self.name_shown(self.given_name, self.family_name)

    @staticmethod
    def name_shown(given_name: str, family_name: str) -> str:
        return f"{given_name} {family_name}"

    @property
    def bmi(self) -> float | None:
        if self.weight_kg is None or self.height_cm is None:
            return None
        return self.weight_kg / (self.height_cm / 100) ** 2
