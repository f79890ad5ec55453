"""The aftercare sheet for the procedure: what was done (by area), what to do and avoid and for how
long, the warning signs that need a call, and the follow-up dates (AFT-01, AFT-02): a follow-up booked at a time
shows that time and room, the others the day they are due."""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from threadlift.clinic.appointments import AppointmentStatus
from threadlift.clinic.discharge import AFTERCARE_SHEETS
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import InvalidTransition
from threadlift.clinic.followup import FollowUpStatus
from threadlift.clinic.record import PatientRecord
from threadlift.reports.pdf import Letterhead, Styles, build, bullets, escape, styles, table


def aftercare_pdf(letterhead: Letterhead, record: PatientRecord, episode: Episode) -> bytes:
    procedure = episode.procedure
    if procedure is None or procedure.ended_at is None:
        raise InvalidTransition("the aftercare sheet follows the procedure; this episode has no finished procedure")
    s = styles()
    version = episode.discharge.aftercare_version if episode.discharge else list(AFTERCARE_SHEETS)[-1]
    sheet = AFTERCARE_SHEETS[version]
    story: list[Flowable] = [
        Paragraph("Your aftercare", s.title),
        Paragraph(escape(f"Thread lift on {letterhead.day(procedure.started_at)} by "
                         f"{record.staff_name(procedure.performer_id)}"), s.body),
        Paragraph("What was done", s.heading)]
    by_area: dict[tuple[str, str], list[str]] = defaultdict(list)
    for thread in episode.placed_threads():  # an entry recorded in error is not what was done
        by_area[(thread.area, thread.side.value)].append(f"{thread.product} (lot {thread.lot})")
    rows: list[list[object]] = [["Area", "Side", "Threads", "Products (lot)"]]
    for (area, side), products in sorted(by_area.items()):
        rows.append([area, side, len(products), "; ".join(sorted(set(products)))])
    story.append(table(rows, [30 * mm, 20 * mm, 18 * mm, 100 * mm]))
    anaesthetic = sum(i.mg for i in episode.given_injections())
    if anaesthetic:
        story.append(Paragraph(escape(f"Local anaesthetic: lidocaine, {anaesthetic:g} mg in all."), s.small))
    story.append(Paragraph("What to do, what to avoid, and for how long", s.heading))
    story += _sheet(sheet.text, s)
    story.append(Paragraph("Your follow-ups", s.heading))
    if episode.follow_ups:
        rows = [["When", "What", "Status"]]
        for index, f in enumerate(episode.follow_ups):
            booking = record.booking_of(episode.id, index) if f.status is FollowUpStatus.SCHEDULED else None
            if booking is not None and booking.status is AppointmentStatus.BOOKED:  # the time the patient comes in
                weekday = f"{booking.starts_at.astimezone(ZoneInfo(letterhead.timezone)):%a}"
                rows.append([f"{weekday} {letterhead.local(booking.starts_at)}", f"{f.name} ({f.kind}), {booking.room}",
                             "booked"])
            else:
                rows.append([f"{f.due_on:%a} {letterhead.day(f.due_on)}", f"{f.name} ({f.kind})", f.status.value])
        story.append(table(rows, [45 * mm, 80 * mm, 40 * mm]))
    else:
        story.append(Paragraph("Your follow-ups are booked when you leave the clinic.", s.body))
    if letterhead.phone:
        story.append(Paragraph(escape(f"Call {letterhead.clinic_name} on {letterhead.phone}, day or night, with any of "
                                      "the warning signs above."), s.heading))
    story.append(Paragraph(escape(f"Aftercare sheet version {version}: practice-based advice, not from trials; your "
                                  "clinic may adjust it."), s.small))
    return build(letterhead, record.patient, "Aftercare", story, subject="aftercare sheet")


def _sheet(text: str, s: Styles) -> list[Flowable]:
    """The sheet's own words: its bullets stay bullets; the lines that introduce them become headings."""
    out: list[Flowable] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("- "):
            out += bullets([line[2:]], s.bullet)
        elif line.rstrip().endswith(":"):
            out.append(Paragraph(f"<b>{escape(line.strip())}</b>", s.body))
        else:
            out.append(Paragraph(escape(line.strip()), s.body))
    return out
