"""The referral letter when suitability says "consider a surgical opinion" (SEL-11 [BCAM][FJ-RULI]
[GLAN22][HAN19][LOR18]): to a surgeon, with the reason, the examination, the history that matters
and the measurements from photos."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import InvalidTransition
from threadlift.clinic.record import PatientRecord
from threadlift.clinic.suitability import Decision
from threadlift.reports.pdf import Letterhead, build, bullets, escape, styles, table

REFERRAL_RULE = "SEL-11"


def needs_referral(episode: Episode) -> bool:
    result = episode.suitability
    return result is not None and (result.decision is Decision.REFER_SURGICAL or result.finding(REFERRAL_RULE)
                                   is not None)


def referral_pdf(letterhead: Letterhead, record: PatientRecord, episode: Episode, *, written_at: datetime,
                 measurements: list[tuple[str, str]]) -> bytes:
    """``measurements``: (name, value in words) from the baseline photo, when its consent stands."""
    if not needs_referral(episode) or episode.consultation is None or episode.suitability is None:
        raise InvalidTransition("the suitability decision does not suggest a surgical opinion; no referral letter",
                                rule=REFERRAL_RULE)
    s = styles()
    patient, consultation, result = record.patient, episode.consultation, episode.suitability
    author = record.staff_name(consultation.clinician_id)
    finding = result.finding(REFERRAL_RULE)
    story: list[Flowable] = [
        Paragraph(escape(letterhead.day(written_at)), s.body), Spacer(1, 4 * mm),
        Paragraph("Referral for a surgical opinion", s.title),
        Paragraph(escape(f"Re: {patient.display_name}, born {letterhead.day(patient.date_of_birth)}"
                         + (f", {patient.phone}" if patient.phone else "")), s.body), Spacer(1, 3 * mm),
        Paragraph("Dear colleague,", s.body),
        Paragraph(escape(f"I saw {patient.given_name} on {letterhead.day(consultation.consulted_on)} to consider a "
                         "facial thread lift. " + (finding.text if finding else "The assessment suggests a surgical "
                                            "opinion.") + " I would be grateful for your opinion on surgical "
                         "options."), s.body),
        Paragraph("Examination", s.heading)]
    rows: list[list[object]] = [["Area", "Side", "Grade (0-4)", "Note"]]
    rows += [[a.area.value, a.side, a.grade, a.note or ""] for a in consultation.areas_of_concern]
    story.append(table(rows, [35 * mm, 20 * mm, 25 * mm, 85 * mm]))
    facts = []
    if consultation.laxity_grade is not None:
        facts.append(f"Skin laxity grade {consultation.laxity_grade:g} of 4 (Alexiades-Armenakas).")
    if consultation.heavy_lower_face:
        facts.append("Heavy lower face.")
    if consultation.expectations:
        facts.append(f"The patient hopes for: {consultation.expectations}")
    story += [Paragraph(escape(f), s.body) for f in facts]
    history = consultation.history
    relevant = [*history.conditions,
                *(f"{m.name} ({m.medicine_class.value.replace('_', ' ')})" for m in history.medicines),
                *(f"allergy: {a.substance}" + (" (anaphylaxis)" if a.anaphylaxis else "") for a in history.allergies)]
    relevant += [flag.replace("_", " ") for flag in ("smoker", "bleeding_disorder", "immunosuppressed",
                                                     "keloid_or_hypertrophic_scarring", "facial_palsy",
                                                     "previous_threads", "permanent_filler_in_area")
                 if getattr(history, flag)]
    story.append(Paragraph("Relevant history", s.heading))
    story += bullets(relevant, s.bullet) if relevant else [Paragraph("Nothing of note.", s.body)]
    others = [f for f in result.findings if f.rule != REFERRAL_RULE]
    if others:
        story.append(Paragraph("Other findings of the assessment", s.heading))
        story += bullets([f"{f.rule}: {f.text}" for f in others], s.bullet)
    if measurements:
        story.append(Paragraph("Measured from a standardised photo (millimetres, the patient's sides)", s.heading))
        story.append(table([["Measurement", "Value"], *measurements], [80 * mm, 85 * mm]))
    story += [Spacer(1, 6 * mm), Paragraph("Yours sincerely,", s.body), Spacer(1, 10 * mm),
              Paragraph(escape(author), s.body), Paragraph(escape(letterhead.clinic_name), s.body)]
    if letterhead.phone:
        story.append(Paragraph(escape(letterhead.phone), s.body))
    return build(letterhead, patient, "Referral letter", story, subject="referral for a surgical opinion")
