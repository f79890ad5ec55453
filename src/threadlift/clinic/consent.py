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
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


class SignedConsent(BaseModel):
    """A procedure consent as signed. Frozen: nothing in it can be changed after signing."""

    model_config = ConfigDict(frozen=True)
    id: UUID = Field(default_factory=uuid4)
    procedure_type: str
    document_version: str
    document_sha256: str
    typed_name: str = Field(min_length=2, max_length=200)
    signature_png_base64: str
    signed_at: datetime
    client_address: str = Field(max_length=100)
    taken_by: str  # the practitioner who will perform the procedure (SEL-15)
    content_sha256: str = ""

    @field_validator("signature_png_base64")
    @classmethod
    def _a_real_drawing(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            raise ValueError("the signature must be a base64-encoded PNG image") from None
        if not raw.startswith(_PNG_MAGIC):
            raise ValueError("the signature must be a PNG image drawn on the signature pad")
        if len(raw) > MAX_SIGNATURE_BYTES:
            raise ValueError("the signature image is larger than 512 KB")
        return value

    def expected_hash(self) -> str:
        payload = self.model_dump(mode="json", exclude={"content_sha256", "id"})
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def verify(self) -> bool:
        return self.content_sha256 == self.expected_hash()


def sign(document: ConsentDocument, *, typed_name: str, signature_png_base64: str, signed_at: datetime,
         client_address: str, taken_by: str) -> SignedConsent:
    """Sign ``document``. The returned consent carries a hash of everything that was signed."""
    if signed_at.tzinfo is None:
        raise InvalidInput("the signing time must carry a time zone (UTC)")
    draft = SignedConsent(procedure_type=document.procedure_type, document_version=document.version,
                          document_sha256=document.sha256, typed_name=typed_name.strip(),
                          signature_png_base64=signature_png_base64, signed_at=signed_at,
                          client_address=client_address, taken_by=taken_by)
    return draft.model_copy(update={"content_sha256": draft.expected_hash()})


def ensure_unchanged(consent: SignedConsent) -> None:
    if not consent.verify():
        raise RecordLocked("this signed consent no longer matches what was signed; it has been altered")


class PhotoScope(StrEnum):
    CLINICAL_RECORD = "clinical_record"
    TEACHING = "teaching"
    MARKETING = "marketing"  # needs its own authorisation in the US (45 CFR 164.508) [records-standards S84]


class PhotoConsent(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: UUID = Field(default_factory=uuid4)
    scopes: frozenset[PhotoScope] = Field(min_length=1)
    given_at: datetime
    recorded_by: str
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawal_reason: str | None = None

    def allows(self, scope: PhotoScope, at: datetime) -> bool:
        if scope not in self.scopes:
            return False
        return self.withdrawn_at is None or at < self.withdrawn_at

    def withdraw(self, *, at: datetime, by: str, reason: str | None = None) -> PhotoConsent:
        """The same consent with its withdrawal recorded; the original grant stays on file."""
        if self.withdrawn_at is not None:
            raise RecordLocked("this photo consent was already withdrawn")
        return self.model_copy(update={"withdrawn_at": at, "withdrawn_by": by, "withdrawal_reason": reason})
