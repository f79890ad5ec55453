"""Consent: versioned documents, signatures that cannot change, photo-use consent that can be withdrawn.

Consent is taken by the practitioner who will perform the procedure (SEL-15 [GMC]). A signed consent
is immutable: its content hash covers the document text, version, typed name, signature image,
time and client address, so any later change is detectable. Photo-use consent has scopes; a
withdrawal is recorded beside it, never by deleting it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from threadlift.clinic.errors import InvalidInput, RecordLocked

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 512 * 1024


class ConsentDocument(BaseModel):
    model_config = ConfigDict(frozen=True)
    procedure_type: str = Field(min_length=1, max_length=80)
    version: str = Field(min_length=1, max_length=20)
    title: str
    text: str = Field(min_length=20)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def _a_real_drawing(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raise ValueError("the signature must be a base64-encoded PNG image") from None
    if not raw.startswith(_PNG_MAGIC):
        raise ValueError("the signature must be a PNG image drawn on the signature pad")
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise ValueError(f"the signature image is larger than {MAX_SIGNATURE_BYTES // 1024} KB")
    return value


SignatureImage = Annotated[str, Field(max_length=4 * -(-MAX_SIGNATURE_BYTES // 3),
                                      description="the drawn signature, a PNG image, base64-encoded"),
                           AfterValidator(_a_real_drawing)]
TypedName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Relationship = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)]


def name_words(text: str) -> list[str]:
    """A name's words for matching: accents, case and punctuation set aside ("Márta O'Neil" -> marta, o, neil)."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return re.findall(r"[^\W\d_]+", plain)


def check_signer(typed_name: str, given_name: str, family_name: str, relationship: str | None) -> None:
    """The patient signs under their own name; someone else signs only as a stated representative
    (with their relationship to the patient) [records-standards: consent names who gave it]."""
    if relationship:
        return
    typed = set(name_words(typed_name))
    needed = name_words(family_name) + name_words(given_name)[:1]
    if not needed or not all(word in typed for word in needed):
        raise InvalidInput(f"the name typed ({typed_name}) is not the patient's ({given_name} {family_name}): the "
                           "patient signs under their own name, or a representative signs and states their "
                           "relationship to the patient", rule="consent_signer")


class ConsentSignature(BaseModel):
    """What the patient signs with: the document they read, their typed name and their drawn signature."""

    model_config = ConfigDict(frozen=True)
    procedure_type: str = Field(default="thread_lift", min_length=1, max_length=80)
    document_version: str = Field(min_length=1, max_length=20)
    typed_name: TypedName
    signature_png_base64: SignatureImage
    representative_relationship: Relationship | None = Field(
        default=None, description="when a representative signs for the patient: their relationship to the patient")


class SignedConsent(BaseModel):
    """A procedure consent as signed. Frozen: nothing in it can be changed after signing."""

    model_config = ConfigDict(frozen=True)
    id: UUID = Field(default_factory=uuid4)
    procedure_type: str
    document_version: str
    document_sha256: str
    typed_name: TypedName
    signature_png_base64: SignatureImage
    signed_at: datetime
    client_address: str = Field(max_length=100)
    taken_by: str  # the practitioner who will perform the procedure (SEL-15)
    representative_relationship: Relationship | None = None  # signed by a representative, not the patient
    content_sha256: str = ""

    def expected_hash(self) -> str:
        # A consent signed by the patient hashes as consents always have (no representative field).
        payload = self.model_dump(mode="json", exclude={"content_sha256", "id"} | (
            {"representative_relationship"} if self.representative_relationship is None else set()))
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def verify(self) -> bool:
        return self.content_sha256 == self.expected_hash()


def sign(document: ConsentDocument, *, typed_name: str, signature_png_base64: str, signed_at: datetime,
         client_address: str, taken_by: str, representative_relationship: str | None = None) -> SignedConsent:
    """Sign ``document``. The returned consent carries a hash of everything that was signed."""
    if signed_at.tzinfo is None:
        raise InvalidInput("the signing time must carry a time zone (UTC)")
    draft = SignedConsent(procedure_type=document.procedure_type, document_version=document.version,
                          document_sha256=document.sha256, typed_name=typed_name.strip(),
                          signature_png_base64=signature_png_base64, signed_at=signed_at,
                          client_address=client_address, taken_by=taken_by,
                          representative_relationship=representative_relationship or None)
    return draft.model_copy(update={"content_sha256": draft.expected_hash()})


def ensure_unchanged(consent: SignedConsent) -> None:
    if not consent.verify():
        raise RecordLocked("this signed consent no longer matches what was signed; it has been altered")


class PhotoScope(StrEnum):
    CLINICAL_RECORD = "clinical_record"
    TEACHING = "teaching"
    MARKETING = "marketing"  # needs its own authorisation in the US (45 CFR 164.508) [records-standards S84]


PhotoScopes = Annotated[frozenset[PhotoScope], Field(min_length=1, description="the uses the patient agrees to")]
WithdrawalReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class PhotoConsentGrant(BaseModel):
    model_config = ConfigDict(frozen=True)
    scopes: PhotoScopes


class PhotoConsentWithdrawal(BaseModel):
    model_config = ConfigDict(frozen=True)
    reason: WithdrawalReason | None = None


class PhotoConsent(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: UUID = Field(default_factory=uuid4)
    scopes: PhotoScopes
    given_at: datetime
    recorded_by: str
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawal_reason: WithdrawalReason | None = None
    # Recorded in error (the wrong patient, never given): kept on file, it no longer counts as consent.
    entered_in_error_at: datetime | None = None
    entered_in_error_by: str | None = None
    entered_in_error_reason: str | None = None

    def allows(self, scope: PhotoScope, at: datetime) -> bool:
        if scope not in self.scopes or self.entered_in_error_at is not None:
            return False
        return self.withdrawn_at is None or at < self.withdrawn_at

    def withdraw(self, *, at: datetime, by: str, reason: str | None = None) -> PhotoConsent:
        """The same consent with its withdrawal recorded; the original grant stays on file."""
        if self.withdrawn_at is not None:
            raise RecordLocked("this photo consent was already withdrawn")
        return self.model_copy(update={"withdrawn_at": at, "withdrawn_by": by, "withdrawal_reason": reason})

    def mark_entered_in_error(self, *, at: datetime, by: str, reason: str) -> PhotoConsent:
        """The same consent marked as recorded in error (reason: clinic.corrections.CorrectionReason); it stays on
        file and no longer counts."""
        if self.entered_in_error_at is not None:
            raise InvalidInput("this photo consent is already marked as entered in error", rule="correction")
        return self.model_copy(update={"entered_in_error_at": at, "entered_in_error_by": by,
                                       "entered_in_error_reason": reason})


def photo_consent_refusal(consents: list[PhotoConsent], scope: PhotoScope, at: datetime) -> str | None:
    """Why the patient's photo consents do not allow ``scope`` at ``at`` (None: one does), in words that say what
    to do; a consent marked as entered in error is named, so no one wonders where it went."""
    if any(c.allows(scope, at) for c in consents):
        return None
    wrong = [c for c in consents if scope in c.scopes and c.entered_in_error_at is not None]
    if wrong:
        return (f"the patient's photo consent was marked as entered in error ({wrong[-1].entered_in_error_reason}) "
                "and no longer counts; record the patient's consent to clinical photography again first")
    return "the patient has no active consent to clinical photography; record it first"
