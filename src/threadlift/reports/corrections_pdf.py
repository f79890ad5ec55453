"""Corrections to an episode's record: entries recorded in error (kept, with why) and signed amendments (the
original struck through beside the corrected text), each with who made it and when (issue 14)."""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph

from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import InvalidTransition
from threadlift.clinic.record import PatientRecord
from threadlift.clinic.words import spoken
from threadlift.reports.pdf import Letterhead, build, escape, keep, styles


def has_corrections(episode: Episode) -> bool:
    return bool(episode.entered_in_error or episode.amendments)


def corrections_pdf(letterhead: Letterhead, record: PatientRecord, episode: Episode) -> bytes:
    if not has_corrections(episode):
        raise InvalidTransition("nothing in this episode's record has been corrected", rule="document")
    s = styles()
    story: list[Flowable] = [
        Paragraph("Corrections to the record", s.title),
        Paragraph(escape(f"Episode opened {letterhead.day(episode.opened_at)}. The "
                         "record is never rewritten: each correction is added beside what was first recorded."),
                  s.body)]
    if episode.entered_in_error:
        story.append(Paragraph("Entries recorded in error (kept on the record, no longer counted)", s.heading))
        for marked in episode.entered_in_error:
            story.append(Paragraph(escape(
                f"{spoken(marked.kind.value).capitalize()} number {marked.index + 1}: marked by "
                f"{record.staff_name(marked.by)} on {letterhead.local(marked.at)}. Why: {marked.reason}"), s.body))
    if episode.amendments:
        story.append(Paragraph("Amendments", s.heading))
        for made in episode.amendments:
            story.append(keep(
                Paragraph(escape(f"{made.what.capitalize()} (entry {made.index + 1}), amended by "
                                 f"{record.staff_name(made.by)} on {letterhead.local(made.at)}"), s.body),
                Paragraph(f"Was: <strike>{escape(made.original) or '(nothing written)'}</strike>", s.small),
                Paragraph(f"Now: {escape(made.value)}", s.small),
                Paragraph(escape(f"Why: {made.reason}"), s.small)))
    return build(letterhead, record.patient, "Corrections to the record", story, subject="corrections")
