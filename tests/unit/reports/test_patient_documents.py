"""Patient documents are real PDFs: selectable text (read back with pypdf), A4 or US Letter by
jurisdiction, the clinic's name, and the content each document promises."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.helpers.clinic import consultation
from tests.helpers.exports import NOW, record_at
from threadlift.clinic.appointments import AppointmentStatus
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.errors import InvalidTransition
from threadlift.clinic.policy import ClinicPolicy
from threadlift.reports.aftercare_pdf import aftercare_pdf
from threadlift.reports.consent_pdf import consent_pdf
from threadlift.reports.outcome_pdf import OutcomePair, outcome_pdf
from threadlift.reports.pdf import Letterhead
from threadlift.reports.referral_pdf import referral_pdf

UK = Letterhead("Riverside Aesthetics", "UK", "Europe/London", "+44 20 7946 0123")
US = Letterhead("Lakeside Aesthetics", "US", "America/Chicago")


def text_of(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def flat(text: str) -> str:
    return " ".join(text.split())


def test_signed_consent_has_the_exact_text_risks_signature_and_hash():
    record = record_at(State.CONSENTED)
    episode = record.episodes[0]
    document = record.consent_document("thread_lift", "2026.1")
    text, reader = text_of(consent_pdf(UK, record, episode.consent, document, episode.consultation))
    assert flat(document.text) in flat(text)
    assert "parotid injury" in text and "limited duration of effect" in text
    assert episode.consent.typed_name in text and episode.consent.content_sha256 in flat(text).replace(" ", "")
    assert "Dr Alice Hale" in text and "Riverside Aesthetics" in text
    assert "has not changed since it was signed" in text
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.1)  # A4
    images = [x for page in reader.pages for x in page.images]
    assert images, "the drawn signature is in the document"


def test_a_us_clinic_prints_on_letter_paper_and_names_in_any_script_survive():
    record = record_at(State.CONSENTED)
    record = replace(record, patient=record.patient.model_copy(update={"given_name": "Łucja", "family_name": "Ngữ"}))
    episode = record.episodes[0]
    pdf = consent_pdf(US, record, episode.consent, record.consent_document("thread_lift", "2026.1"),
                      episode.consultation)
    text, reader = text_of(pdf)
    assert reader.pages[0].mediabox.width == pytest.approx(612) and reader.pages[0].mediabox.height == 792
    assert "Łucja Ngữ" in text and "Lakeside Aesthetics" in text


def test_aftercare_sheet_says_what_was_done_what_to_avoid_warning_signs_and_dates():
    record = record_at(State.FOLLOW_UP)
    episode = record.episodes[0]
    text, _ = text_of(aftercare_pdf(UK, record, episode))
    for thread in episode.procedure.threads:
        assert thread.lot in text and thread.area in text
    assert "for 4 weeks" in text and "strenuous exercise" in text  # what to avoid, and for how long
    assert "fever" in text and "thread end poking through the skin" in text  # warning signs (AFT-02)
    for follow_up in episode.follow_ups:
        assert UK.day(follow_up.due_on) in text
    assert "+44 20 7946 0123" in text
    with pytest.raises(InvalidTransition):
        aftercare_pdf(UK, record_at(State.PLANNED), record_at(State.PLANNED).episodes[0])


def referral_episode() -> tuple:
    record = record_at(State.CONSULTATION, with_photos=False)
    episode = Episode(patient_id=record.patient.id, opened_at=NOW)
    episode.record_consultation(consultation(laxity_grade=4.0, heavy_lower_face=True, clinician_id="c0ffee00-0000-"
                                             "4000-8000-000000000001", consulted_on=NOW.date()))
    episode.assess(record.patient, ClinicPolicy(), NOW.date(), NOW, "c0ffee00-0000-4000-8000-000000000001")
    return replace(record, episodes=(episode,)), episode


def test_referral_letter_when_suitability_says_consider_a_surgical_opinion():
    record, episode = referral_episode()
    text, _ = text_of(referral_pdf(UK, record, episode, written_at=NOW, measurements=[
        ("brow height mid pupil mm, patient's left", "21.0 mm")]))
    assert "Referral for a surgical opinion" in text and "consider a surgical opinion" in text
    assert record.patient.display_name in text and "Dr Alice Hale" in text
    assert "laxity grade 4 of 4" in text and "21.0 mm" in text
    plain = record_at(State.ASSESSED)
    with pytest.raises(InvalidTransition, match="does not suggest a surgical opinion"):
        referral_pdf(UK, plain, plain.episodes[0], written_at=NOW, measurements=[])


def comparison_document(lift: float) -> dict:
    area = {"dx_mm": 0.3, "dy_mm": lift, "uncertainty_mm": 0.7, "measurable": True,
            "summary": f"lifted {lift:.1f} mm, moved +0.3 mm sideways (±0.7 mm)"}
    return {"comparable": {"ok": True, "forced": False, "reasons": []}, "registration": {"error_mm": 0.33},
            "areas": {"midface": {"left": area, "right": area}, "neck": {"left": None, "right": None}},
            "measurement_changes": {"brow_height_mid_pupil_mm": {"unit": "mm", "left": 1.6, "right": 1.1}}}


def png(width: int = 600, height: int = 220) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 90, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def test_outcome_report_is_labelled_as_measured_from_photos_with_method_and_series():
    record = record_at(State.FOLLOW_UP)
    episode = record.episodes[0]
    baseline, later = record.photos
    pairs = [OutcomePair(baseline, later, 45, comparison_document(2.2), None),
             OutcomePair(baseline, later.model_copy(update={"uploaded_at": later.uploaded_at + timedelta(days=60)}),
                         105,
                         comparison_document(1.4), png())]
    text, reader = text_of(outcome_pdf(UK, record, episode, pairs, png(900, 500)))
    assert "measured from photos" in text and "How this was measured" in text
    assert "lifted 1.4 mm" in text and "lifted 2.2 mm" in text and "+1.60 mm" in text
    assert "Lift over time" in text and "105 days after the baseline" in text
    assert len([x for page in reader.pages for x in page.images]) == 2  # the pair and the series plot
    refused = comparison_document(0)
    refused.update(areas=None, comparable={"ok": False, "forced": False, "reasons": [
        {"code": "pose_difference", "message": "the head is turned 5.0° differently"}]})
    text, _ = text_of(outcome_pdf(UK, record, episode, [OutcomePair(baseline, later, 45, refused, None)], None))
    assert "could not be compared: the head is turned" in text
    with pytest.raises(InvalidTransition):
        outcome_pdf(UK, record, episode, [], None)


def test_the_corrections_document_keeps_each_original_beside_its_amendment_and_the_aftercare_sheet_drops_errors():
    """Issue 14: amendments and entries in error go with the record (this document is in the subject access
    archive); the aftercare sheet lists neither a thread nor a dose recorded in error."""
    from threadlift.clinic.corrections import AmendedField, AmendmentEntry, EntryKind, ErrorEntry
    from threadlift.reports.corrections_pdf import corrections_pdf, has_corrections

    record = record_at(State.FOLLOW_UP)
    episode = record.episodes[0]
    assert not has_corrections(episode)
    with pytest.raises(InvalidTransition):
        corrections_pdf(UK, record, episode)
    wrong = episode.procedure.threads[0]
    at = episode.history[-1].at
    episode.mark_entered_in_error(ErrorEntry(kind=EntryKind.THREAD, index=0, reason="Lot of another patient's "
                                             "procedure"), "dr-hale", at)
    episode.amend(AmendmentEntry(field=AmendedField.EXPECTATIONS, value="A firmer jawline for a year or so",
                                 reason="Patient corrected this at review"), "dr-hale", at)
    text, _ = text_of(corrections_pdf(UK, record, episode))
    flat = " ".join(text.split())
    assert "Thread number 1: marked by" in flat and "Lot of another patient's procedure" in flat
    assert f"Was: {episode.consultation.expectations}" in flat and "Now: A firmer jawline for a year or so" in flat
    assert "Why: Patient corrected this at review" in flat
    assert wrong not in episode.placed_threads()
    if episode.procedure.injections:
        episode.mark_entered_in_error(ErrorEntry(kind=EntryKind.INJECTION, index=0, reason="Charted twice by "
                                                 "mistake"), "dr-hale", at)
        given = sum(i.mg for i in episode.given_injections())
        sheet = " ".join(text_of(aftercare_pdf(UK, record, episode))[0].split())
        assert (f"lidocaine, {given:g} mg in all" in sheet) if given else ("lidocaine" not in sheet)


def test_the_aftercare_sheet_gives_a_booked_follow_up_its_time_and_room_and_the_others_their_day():
    from datetime import UTC, datetime

    from threadlift.clinic.appointments import Appointment, AppointmentChange, ChangeKind
    from threadlift.clinic.followup import FollowUpStatus

    record = record_at(State.FOLLOW_UP)
    episode = record.episodes[0]
    index, follow_up = next((i, f) for i, f in enumerate(episode.follow_ups) if f.status is FollowUpStatus.SCHEDULED)
    starts = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)  # 09:30 in London in December
    booked = dict(starts_at=starts, duration_minutes=30, clinician_id="c0ffee00-0000-4000-8000-000000000001",
                  room="Room 2")
    appointment = Appointment(patient_id=record.patient.id, episode_id=episode.id, follow_up=index,
                              follow_up_name=follow_up.name, history=[AppointmentChange(
                                  kind=ChangeKind.BOOKED, at=NOW, by="reception", **booked)], **booked)
    text = " ".join(text_of(aftercare_pdf(UK, replace(record, appointments=(appointment,)), episode))[0].split())
    assert f"Tue 08 Dec 2026, 09:30 {follow_up.name} ({follow_up.kind}), Room 2 booked" in text
    later = [f for f in episode.follow_ups[index + 1:] if f.status is FollowUpStatus.SCHEDULED]
    assert later and all(UK.day(f.due_on) in text for f in later)  # not booked yet: the day each is due
    assert f"{UK.day(follow_up.due_on)} {follow_up.name}" not in text
    cancelled = appointment.model_copy(update={"status": AppointmentStatus.CANCELLED})
    text = " ".join(text_of(aftercare_pdf(UK, replace(record, appointments=(cancelled,)), episode))[0].split())
    assert "Room 2" not in text and f"{UK.day(follow_up.due_on)} {follow_up.name}" in text
