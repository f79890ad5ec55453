"""Issue 14 item 3, through the pages and the API: a signed amendment beside the original, after signing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import pytest

from tests.helpers.records import Clinic
from tests.helpers.web import PageUser
from tests.web.test_clinical_pages import consented


def test_an_amendment_is_signed_shown_beside_the_struck_original_audited_and_exported(clinic: Clinic):
    from threadlift.interop.fhir.check import validate
    from threadlift.services import audit, exports

    person, episode = consented(clinic)  # the consultation is recorded, suitability decided, consent signed
    hale, nurse = PageUser(clinic, "dr-hale"), PageUser(clinic, "nurse-ade")
    address = f"/episodes/{episode}/amendments"
    original = clinic.call("dr-hale", "GET", f"/api/episodes/{episode}/consultation").json()["expectations"]
    form = {"field": "expectations", "index": "0", "value": "A fresher jawline for about a year, no more",
            "reason": "Patient corrected this at the consent visit"}
    short = hale.post(address, {**form, "reason": "typo"})
    assert short.status_code == 422 and "why: Write at least 10 characters" in short.text
    assert hale.post(address, {**form, "index": "3"}).status_code == 404  # there is one expectations entry
    assert hale.post(address, {**form, "index": "99999"}).status_code == 422  # bounded
    assert hale.post(address, {**form, "field": "anything"}).status_code == 422
    assert hale.post(f"/episodes/{uuid4()}/amendments", form).status_code == 404
    assert nurse.post(address, form).status_code == 403  # the clinician's assessment: medical:write
    assert hale.post(address, form).status_code == 303
    again = clinic.call("dr-osei", "POST", f"/api/episodes/{episode}/amendments", json={
        "field": "expectations", "value": "A fresher jawline for about a year", "reason": "Shortened with the patient"})
    assert again.status_code == 201 and again.json()["original"] == form["value"]
    page = hale.get(f"/episodes/{episode}/consultation").text
    assert f"<del>{original}</del> <del>{form['value']}</del> <ins>A fresher jawline for about a year</ins>" in page
    assert "amended by Dr Hale" in page and "amended by Dr Osei" in page and form["reason"] in page
    trail = audit.audit_trail(clinic.services, clinic.user("admin"), limit=1000)
    assert [e.detail for e in trail if e.action == "amend"] == [
        {"state": "consented", "field": "expectations", "index": 0}] * 2  # which entry, never its text
    bundle = exports.fhir_bundle(clinic.services, clinic.user("dr-hale"), person)
    validate([bundle])
    amended = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Provenance"
               and e["resource"].get("extension")]
    assert len(amended) == 2
    parts = {p["url"]: next(v for k, v in p.items() if k.startswith("value")) for p in amended[0]["extension"][0][
        "extension"]}
    assert parts == {"field": "expectations", "index": 0, "original": original, "amended": form["value"],
                     "reason": form["reason"]}
    pdf = hale.get(f"/episodes/{episode}/documents/corrections.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_thread_recorded_afterwards_shows_when_it_was_placed_and_each_lot_names_every_area_it_was_used_in(
        clinic: Clinic):
    """Issue 14 item 3 (when it happened, for threads) and the adverse-event form's lot checkboxes, which named
    only one of the areas a lot was used in."""
    from zoneinfo import ZoneInfo

    from tests.helpers.clinic import lot_entry
    from tests.helpers.web import error_for
    from tests.web.test_safety_pages import planned
    from threadlift.services import stock
    from threadlift.services.commands import ReceiveLot

    _, episode = planned(clinic)
    thread_lot = stock.receive_lot(clinic.services, clinic.user("nurse-ade"), ReceiveLot(lot=lot_entry()))
    hale, nurse = PageUser(clinic, "dr-hale"), PageUser(clinic, "nurse-ade")
    assert hale.post(f"/episodes/{episode}/procedure/start").status_code == 303
    started = clinic.clock.now
    clinic.wait(minutes=20)
    zone = ZoneInfo(clinic.services.settings.timezone)

    def wall(moment) -> str:  # type: ignore[no-untyped-def]
        return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")

    thread = {"lot_id": str(thread_lot.id), "area": "jawline", "side": "left", "vector": "gonion to jowl",
              "anchored": "no"}
    early = nurse.post(f"/episodes/{episode}/procedure/threads", {**thread, "placed_at": wall(started.replace(
        minute=0) - timedelta(hours=1))})
    assert early.status_code == 409 and "before the procedure began" in (error_for(early.text, "placed_at") or "")
    assert nurse.post(f"/episodes/{episode}/procedure/threads", {**thread, "placed_at": "soon"}).status_code == 422
    at = started + timedelta(minutes=5)
    assert nurse.post(f"/episodes/{episode}/procedure/threads", {**thread, "placed_at": wall(at)}).status_code == 303
    for area, side in (("jawline", "right"), ("midface", "left")):
        nurse.post(f"/episodes/{episode}/procedure/threads", {**thread, "area": area, "side": side})
    page = nurse.get(f"/episodes/{episode}/procedure").text
    assert f"<td>{at.astimezone(zone):%H:%M} <span class=\"small muted\">(entered " \
           f"{clinic.clock.now.astimezone(zone):%H:%M})</span></td><td>jawline, left</td>" in page
    form = nurse.get(f"/episodes/{episode}/follow-up").text
    assert f"{thread_lot.lot} (jawline left, jawline right, midface left)" in form
    # Issue 14 item 6: every page writes a day in the clinic's one format (THREADLIFT_DATE_FORMAT).
    clinic.services.settings = replace(clinic.services.settings, date_format="DD/MM/YYYY")
    assert f"episode of {clinic.services.today():%d/%m/%Y}</a>" in nurse.get(f"/episodes/{episode}/follow-up").text


def test_a_consent_entered_in_error_stops_counting_as_consent_and_is_kept_and_exported_so(clinic: Clinic):
    """Issue 14 item 3: "entered in error" for the procedure consent and a photo consent, with the reason."""
    from tests.web.test_safety_pages import planned
    from threadlift.interop.fhir.check import validate
    from threadlift.services import exports

    person, episode = planned(clinic)
    other, _ = planned(clinic)
    hale, kim = PageUser(clinic, "dr-hale"), PageUser(clinic, "reception-kim")
    form = {"kind": "consent", "index": "0", "reason": "Signed under the name of another patient"}
    short = hale.post(f"/episodes/{episode}/entered-in-error", {**form, "reason": "wrong"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    assert hale.post(f"/episodes/{episode}/entered-in-error", {**form, "index": "1"}).status_code == 404
    assert hale.post(f"/episodes/{episode}/entered-in-error", form).status_code == 303
    page = hale.get(f"/episodes/{episode}/consent").text
    assert f"entered in error: {form['reason']} (Dr Hale" in page and "<del>Signed and locked</del>" in page
    from tests.unit.reports.test_patient_documents import text_of

    pdf = " ".join(text_of(hale.get(f"/episodes/{episode}/documents/consent.pdf").content)[0].split())
    assert "Entered in error: marked by Dr Hale" in pdf and "no longer counts as consent" in pdf
    refused = hale.post(f"/episodes/{episode}/procedure/start")
    assert refused.status_code == 409 and "signed consent was marked as entered in error" in refused.text
    consents = clinic.call("reception-kim", "GET", f"/api/patients/{person}/photo-consents").json()
    theirs = clinic.call("reception-kim", "GET", f"/api/patients/{other}/photo-consents").json()[0]["id"]
    address = f"/patients/{person}/photo-consents"
    assert kim.post(f"{address}/{theirs}/entered-in-error", {"reason": "Ticked for the wrong patient"}
                    ).status_code == 404  # another patient's consent under this patient's address
    assert kim.post(f"{address}/{consents[0]['id']}/entered-in-error", {"reason": "no"}).status_code == 422
    assert kim.post(f"{address}/{consents[0]['id']}/entered-in-error",
                    {"reason": "Ticked for the wrong patient"}).status_code == 303
    assert "<del>clinical record, given" in kim.get(f"/patients/{person}").text
    upload = clinic.call("nurse-ade", "POST", f"/api/episodes/{episode}/photos", data={"view": "frontal"},
                         files={"file": ("face.jpg", b"not even looked at", "image/jpeg")})
    assert upload.status_code == 409 and "photo consent was marked as entered in error" in upload.json()["detail"]
    bundle = exports.fhir_bundle(clinic.services, clinic.user("dr-hale"), person)
    validate([bundle])
    statuses = {e["resource"]["id"]: e["resource"]["status"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == "Consent"}
    assert statuses[consents[0]["id"]] == "entered-in-error" and "entered-in-error" in statuses.values()
    assert len(statuses) == 2 and set(statuses.values()) == {"entered-in-error"}


def test_a_photo_entered_in_error_is_kept_struck_through_and_never_measured_compared_or_counted(clinic: Clinic):
    """Issue 14 item 3: "entered in error" for a photo, with the reason."""
    from tests.web.test_ids_belong import stored_photo
    from tests.web.test_pages import registered
    from threadlift.clinic.photos import PhotoStage
    from threadlift.interop.fhir import ClinicInfo, patient_resources
    from threadlift.interop.fhir.check import validate
    from threadlift.interop.fhir.r4b import to_r4b
    from threadlift.outcomes.records import AreaLift
    from threadlift.services import planning
    from threadlift.services.exports import load_record

    person, episode = registered(clinic)
    other, other_episode = registered(clinic)
    before = stored_photo(clinic, person, episode, PhotoStage.BASELINE)
    after = stored_photo(clinic, person, episode, PhotoStage.FOLLOW_UP)
    theirs = stored_photo(clinic, other, other_episode, PhotoStage.BASELINE)
    with clinic.services.uow() as uow:  # a lift measured on the pair before the mistake was seen
        uow.registers.record_lifts([AreaLift(str(after), str(before), str(episode), str(person), "brow", "left", 30,
                                             1.5, 0.2, "test-engine")], clinic.clock.now)
        uow.commit()
    nurse = PageUser(clinic, "nurse-ade")
    address = f"/episodes/{episode}/photos"
    reason = {"reason": "Another patient's photo, filed here"}
    assert nurse.post(f"{address}/{theirs}/entered-in-error", reason).status_code == 404  # not this episode's
    assert nurse.post(f"{address}/{uuid4()}/entered-in-error", reason).status_code == 404
    assert nurse.post(f"{address}/{before}/entered-in-error", {"reason": "oops"}).status_code == 422
    assert clinic.call("reception-kim", "POST", f"/api/photos/{before}/entered-in-error", json=reason
                       ).status_code == 403
    assert nurse.post(f"{address}/{before}/entered-in-error", reason).status_code == 303
    again = clinic.call("nurse-ade", "POST", f"/api/photos/{before}/entered-in-error", json=reason)
    assert again.status_code == 409 and "already marked" in again.json()["detail"]
    gallery = nurse.get(address).text
    assert "<del>baseline · " in gallery and "entered in error: Another patient&#39;s photo, filed here" in gallery
    opened = nurse.get(f"/photos/{before}")  # kept, and still opened, with no measurement shown
    assert opened.status_code == 200 and "it is not measured, compared, planned on" in opened.text
    trail = clinic.call("admin", "GET", "/api/audit", params={"limit": 1000}).json()
    assert [(r["action"], r["entity_id"]) for r in trail if r["action"] == "entered_in_error"] == [
        ("entered_in_error", str(before))]
    compared = nurse.get(f"/episodes/{episode}/compare/{before}/{after}")
    assert compared.status_code == 409 and "marked as entered in error" in compared.text
    with pytest.raises(Exception, match="add a frontal baseline photo first"):
        planning.planning_photo(clinic.services, clinic.user("dr-hale"), episode)
    with clinic.services.uow(read_only=True) as uow:
        assert uow.registers.outcome_records().lifts == ()
        assert str(before) not in {p.stored.photo_id for p in uow.photos.pairing_listing()}
    with clinic.services.uow(read_only=True) as uow:  # the mapping itself: these test photos have no real file
        resources = patient_resources(load_record(uow, person), ClinicInfo("Test clinic", "UK"))
    validate(resources)
    validate(to_r4b(resources), "R4B")  # a Media there, with the same status
    documents = {r["id"]: r["status"] for r in resources if r["resourceType"] == "DocumentReference"}
    assert documents == {str(before): "entered-in-error", str(after): "current"}
