"""Patient documents as PDF: the signed consent, the aftercare sheet, the outcome report, the referral
letter and the corrections to the record. Each is made from the record as it may leave the clinic, and its
download is audited."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Literal, get_args
from uuid import UUID

from threadlift.clinic.consent import PhotoConsent
from threadlift.clinic.corrections import EntryKind
from threadlift.clinic.dates import date_pattern
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import InvalidTransition
from threadlift.clinic.patient import Patient
from threadlift.clinic.photos import PhotoRecord, with_baselines
from threadlift.clinic.record import PatientRecord
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.face.analysis import FaceAnalysis
from threadlift.face.compare import Comparison, Series, compare
from threadlift.face.compare_draw import plot_series, render_comparison
from threadlift.face.compare_report import comparison_to_dict
from threadlift.interop.fhir.photos import measured_values
from threadlift.reports.aftercare_pdf import aftercare_pdf
from threadlift.reports.consent_pdf import consent_pdf
from threadlift.reports.corrections_pdf import corrections_pdf, has_corrections
from threadlift.reports.outcome_pdf import OutcomePair, outcome_pdf
from threadlift.reports.pdf import Letterhead
from threadlift.reports.referral_pdf import needs_referral, referral_pdf
from threadlift.services.base import Services, record, require
from threadlift.services.exports import load_record, photo_files

DocumentKind = Literal["consent", "aftercare", "outcome", "referral", "corrections"]
KINDS: tuple[str, ...] = get_args(DocumentKind)


def letterhead(svc: Services) -> Letterhead:
    s = svc.settings
    return Letterhead(clinic_name=s.clinic_name, jurisdiction=str(s.jurisdiction), timezone=s.timezone,
                      phone=s.clinic_phone, date_pattern=date_pattern(s.date_format))


def _load(svc: Services, episode_id: UUID) -> tuple[PatientRecord, Episode]:
    with svc.uow(read_only=True) as uow:
        episode = uow.episodes.get(episode_id)
        whole = load_record(uow, episode.patient_id)
    return whole.without_withdrawn_photos(), next(e for e in whole.episodes if e.id == episode.id)


def available(episode: Episode, record_: PatientRecord | None = None) -> list[str]:
    """The documents this episode has (for the buttons on its pages)."""
    kinds = []
    if episode.consent is not None:
        kinds.append("consent")
    if episode.procedure is not None and episode.procedure.ended_at is not None:
        kinds.append("aftercare")
    if record_ is not None and _pairs_of(record_, episode.id):
        kinds.append("outcome")
    if needs_referral(episode):
        kinds.append("referral")
    if has_corrections(episode):
        kinds.append("corrections")
    return kinds


def available_from(patient: Patient, episode: Episode, photos: list[PhotoRecord],
                   photo_consents: list[PhotoConsent]) -> list[str]:
    """The documents the episode's pages may offer for download: what :func:`document` would make now (an
    outcome report only from photos whose consent to clinical photography still stands). Needs the
    episode's photos (their analyses may be left out) and the patient's photo consents, not the whole record."""
    record_ = PatientRecord(patient, (episode,), tuple(photos), tuple(photo_consents))
    return available(episode, record_.without_withdrawn_photos())


def document(svc: Services, actor: User | None, episode_id: UUID, kind: str) -> tuple[bytes, str]:
    """(PDF bytes, file name) of ``kind`` for the episode. ``actor`` None: the operator (subject access)."""
    if actor is not None:
        require(actor, Permission.MEDICAL_READ)
    if kind not in KINDS:
        raise InvalidTransition(f"no document '{kind}'; choose one of {', '.join(KINDS)}", rule="document")
    record_, episode = _load(svc, episode_id)
    pdf = make(svc, actor, record_, episode, kind)
    with svc.uow(logs_reads=True) as uow:
        record(uow, svc, actor, "document", "episode", episode_id, kind=kind, bytes=len(pdf))
        uow.commit()
    return pdf, f"{kind}-{svc.today().isoformat()}.pdf"


def make(svc: Services, actor: User | None, record_: PatientRecord, episode: Episode, kind: str) -> bytes:
    head = letterhead(svc)
    if kind == "consent":
        if episode.consent is None:
            raise InvalidTransition("this episode has no signed consent yet", rule="consent_required")
        document_ = record_.consent_document(episode.consent.procedure_type, episode.consent.document_version)
        return consent_pdf(head, record_, episode.consent, document_, episode.consultation,
                           in_error=episode.marked_in_error(EntryKind.CONSENT))
    if kind == "aftercare":
        return aftercare_pdf(head, record_, episode)
    if kind == "corrections":
        return corrections_pdf(head, record_, episode)
    if kind == "referral":
        baseline = next((p for p in record_.photos_of(episode.id) if p.stage == "baseline"
                         and p.entered_in_error is None), None)
        return referral_pdf(head, record_, episode, written_at=svc.clock(), measurements=_in_words(baseline))
    return outcome_pdf(head, record_, episode, *_outcome(svc, actor, record_, episode))


def _in_words(photo: PhotoRecord | None) -> list[tuple[str, str]]:
    if photo is None:
        return []
    return [(v.name.replace("_", " ") + (f", patient's {v.side}" if v.side else ""),
             f"{v.value:.4f}" if v.unit == "ratio" else f"{v.value:.1f} {v.unit}") for v in measured_values(
        photo.analysis)]


def _pairs_of(record_: PatientRecord, episode_id: UUID) -> list[tuple[PhotoRecord, PhotoRecord]]:
    return with_baselines(p for p in record_.photos_of(episode_id) if p.entered_in_error is None)


def _compare(svc: Services, before: PhotoRecord, after: PhotoRecord) -> Comparison:
    """The two photos compared (the photos' files checked against their hashes); shares the cache of
    :func:`threadlift.services.outcomes.compare_photos`, so a pair already compared on its page is not redone."""
    files = photo_files(svc, (before, after))

    def analysed(photo: PhotoRecord) -> FaceAnalysis:
        found: FaceAnalysis = svc.derived.get_or_make(("analysis", str(photo.id)),
                                                      lambda: svc.analyser.analyse(files[photo.id]))
        return found

    first, second = analysed(before), analysed(after)
    compared: Comparison = svc.derived.get_or_make(("compare", str(before.id), str(after.id), False),
                                                   lambda: compare(first, second))
    return compared


def _outcome(svc: Services, actor: User | None, record_: PatientRecord,
             episode: Episode) -> tuple[list[OutcomePair], bytes | None]:
    pairs = _pairs_of(record_, episode.id)
    views = {before.view for before, _ in pairs}
    view = "frontal" if "frontal" in views else (sorted(views)[0] if views else None)
    chosen = sorted([p for p in pairs if p[0].view == view], key=lambda p: p[1].uploaded_at)
    made: list[OutcomePair] = []
    comparisons = []
    for index, (before, after) in enumerate(chosen):
        comparison = _compare(svc, before, after)
        comparisons.append(comparison)
        days = (svc.date_of(after.uploaded_at) - svc.date_of(before.uploaded_at)).days  # the clinic's days
        picture = None
        if index == len(chosen) - 1 and comparison.displacement is not None:
            buffer = io.BytesIO()  # a photograph: JPEG keeps the PDF a few hundred kilobytes, not megabytes
            render_comparison(comparison).save(buffer, format="JPEG", quality=85)
            picture = buffer.getvalue()
        made.append(OutcomePair(before, after, days, comparison_to_dict(comparison, days_since_baseline=days), picture))
    series = None
    measured = [(c, p.days) for c, p in zip(comparisons, made, strict=True) if c.measured]
    if len(measured) >= 2:
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "series.png"
            plot_series(Series(tuple(c for c, _ in measured), tuple(d for _, d in measured)), target)
            series = target.read_bytes()
    return made, series
