"""Photos, the plan editor and the procedure day through the pages, with the bad input each must refuse."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from uuid import UUID

import pytest
from PIL import Image

from tests.helpers.clinic import lot_entry, signature_png
from tests.helpers.photos import jpeg_bytes, read_rgb
from tests.helpers.records import Clinic
from tests.helpers.web import PageUser, error_for, location
from tests.web.test_pages import record_consultation, registered
from threadlift.clinic.consent import ConsentSignature, PhotoConsentWithdrawal
from threadlift.clinic.consultation import TreatmentArea
from threadlift.services import consents, consultation, episodes, planning, procedure, stock
from threadlift.services.commands import DecideSuitability, ReceiveLot, SignConsent, WithdrawPhotoConsent
from threadlift.services.planning import PlanSubmission

pytestmark = pytest.mark.mediapipe


def photo_form(data: bytes, name: str = "face.jpg", view: str = "frontal", stage: str = "baseline"):  # type: ignore[no-untyped-def]
    return {"files": {"file": (name, data, "image/jpeg")}, "data": {"view": view, "stage": stage}}


def consented(clinic: Clinic) -> tuple[UUID, UUID]:
    person, episode = registered(clinic)
    hale = clinic.user("dr-hale")
    record_consultation(clinic, episode)
    consultation.decide_suitability(clinic.services, hale, DecideSuitability(episode_id=episode))
    signature = ConsentSignature(document_version="2026.1", typed_name="Adaeze Okafor",
                                 signature_png_base64=signature_png())
    consents.sign_consent(clinic.services, hale, SignConsent(episode_id=episode, signature=signature,
                                                             client_address="test"))
    return person, episode


def test_bad_uploads_are_refused_with_their_reason_and_nothing_is_stored(clinic: Clinic):
    _, episode = registered(clinic)
    nurse = PageUser(clinic, "nurse-ade")
    good = jpeg_bytes(read_rgb("obama3.jpg"))
    cases = {
        "not an image": (b"%PDF-1.4 not a photo", "not_an_image"),
        "truncated": (good[: len(good) // 3], ""),
        "no face": (jpeg_bytes(read_rgb("obama3.jpg")[:200, :200]), "no_face"),
    }
    for label, (data, code) in cases.items():
        form = photo_form(data)
        check = nurse.htmx(f"/episodes/{episode}/photos/check", form["data"], files=form["files"])
        assert check.status_code == 422 and "cannot be used" in check.text, label
        assert code in check.text, label
        store = nurse.post(f"/episodes/{episode}/photos", form["data"], files=form["files"])
        assert store.status_code == 422 and 'id="file-error"' in store.text, label
    empty = nurse.post(f"/episodes/{episode}/photos", {"view": "frontal", "stage": "baseline"})
    assert empty.status_code == 422 and "choose a photo file" in empty.text.lower()
    assert "No photo yet" in nurse.get(f"/episodes/{episode}/photos").text


def test_a_photo_is_checked_before_it_is_accepted_then_shown_with_its_analysis(clinic: Clinic):
    _, episode = registered(clinic)
    nurse = PageUser(clinic, "nurse-ade")
    form = photo_form(jpeg_bytes(read_rgb("obama3.jpg")))
    check = nurse.htmx(f"/episodes/{episode}/photos/check", form["data"], files=form["files"])
    assert check.status_code == 200 and "Quality problems" in check.text and "head is turned" in check.text
    assert "data:image/jpeg;base64," in check.text and "No photo yet" in nurse.get(
        f"/episodes/{episode}/photos").text  # checking stores nothing
    stored = nurse.post(f"/episodes/{episode}/photos", form["data"], files=form["files"])
    assert stored.status_code == 303
    page = nurse.get(location(stored))
    assert page.status_code == 200 and "interpupillary distance mm" in page.text
    overlay = nurse.get(location(stored) + "/overlay.jpg")
    assert overlay.headers["content-type"] == "image/jpeg" and overlay.headers["cache-control"].startswith("private")


def test_a_photo_without_photo_consent_is_refused(clinic: Clinic):
    _, episode = registered(clinic)
    hale = clinic.user("dr-hale")
    person = episodes.get_episode(clinic.services, hale, episode).patient_id
    consent = consents.photo_consents(clinic.services, hale, person)[0]
    consents.withdraw_photo_consent(clinic.services, hale, WithdrawPhotoConsent(
        consent_id=consent.id, withdrawal=PhotoConsentWithdrawal(reason="changed her mind")))
    nurse = PageUser(clinic, "nurse-ade")
    form = photo_form(jpeg_bytes(read_rgb("obama3.jpg")))
    refused = nurse.post(f"/episodes/{episode}/photos", form["data"], files=form["files"])
    assert refused.status_code == 422 and "no active consent to clinical photography" in refused.text


def test_the_plan_editor_suggests_checks_every_edit_live_and_saves_only_a_valid_plan(clinic: Clinic):
    _, episode = consented(clinic)
    hale = PageUser(clinic, "dr-hale")
    assert "add a frontal baseline photo first" in hale.get(f"/episodes/{episode}/plan").text.lower()
    form = photo_form(jpeg_bytes(read_rgb("obama3.jpg")))
    hale.post(f"/episodes/{episode}/photos", form["data"], files=form["files"])
    editor = hale.get(f"/episodes/{episode}/plan")
    assert editor.status_code == 200 and "A suggestion from the baseline frontal photo" in editor.text
    plan = json.loads(re.search(r'<textarea name="plan" id="plan-json" hidden>(.*?)</textarea>', editor.text,
                                re.S).group(1).replace("&#34;", '"').replace("&amp;", "&").replace("&#39;", "'"))
    threads = plan["threads"]
    assert {t["area"] for t in threads} == {"jawline", "midface"}
    assert editor.text.count('class="handle"') == 2 * len(threads)
    text = json.dumps(plan)

    added = hale.htmx(f"/episodes/{episode}/plan/edit", {"plan": text, "op": "add", "add_area": "brow",
                                                          "add_side": "left"})
    assert added.status_code == 200 and "L-brow-1" in added.text

    notch = next(z for z in _zones(plan) if z.name == "facial_artery_notch" and z.side == "left").path_mm[0]
    moved = {"plan": text, "op": "check", f"set.{threads[0]['id']}.entry.x_mm": f"{notch[0]:.1f}",
             f"set.{threads[0]['id']}.entry.y_mm": f"{notch[1]:.1f}"}
    if threads[0]["side"] == "right":
        moved[f"set.{threads[0]['id']}.entry.x_mm"] = f"{-notch[0]:.1f}"
    warned = hale.htmx(f"/episodes/{episode}/plan/edit", moved)
    assert warned.status_code == 200 and "inside facial artery notch at its entry" in warned.text

    too_many = json.loads(text)
    jaw = next(t for t in too_many["threads"] if t["area"] == "jawline" and t["side"] == "left")
    too_many["threads"] += [{**jaw, "id": f"extra-{n}"} for n in range(4)]
    invalid = hale.htmx(f"/episodes/{episode}/plan/edit", {"plan": json.dumps(too_many), "op": "check"})
    assert "Problems to fix before saving" in invalid.text and "range is 2-4" in invalid.text
    refused = hale.post(f"/episodes/{episode}/plan", {"plan": json.dumps(too_many), "note": ""})
    assert refused.status_code == 422 and "The plan has problems" in refused.text

    broken = hale.htmx(f"/episodes/{episode}/plan/edit", {"plan": "{not json", "op": "check"})
    assert broken.status_code == 422 and "alert bad" in broken.text

    saved = hale.post(f"/episodes/{episode}/plan", {"plan": text, "note": "as suggested"})
    assert saved.status_code == 303
    assert "This plan is saved on the record" in hale.get(f"/episodes/{episode}/plan").text
    assert hale.get(f"/episodes/{episode}/plan/sheet.pdf").content.startswith(b"%PDF")
    assert hale.get(f"/episodes/{episode}/plan/map.png").content.startswith(b"\x89PNG")
    assert "Lot number" in hale.get(f"/episodes/{episode}/plan/print").text


def _zones(plan: dict):  # type: ignore[no-untyped-def]
    from threadlift.plan.model import Plan
    from threadlift.plan.zones import zones

    return zones(Plan.model_validate(plan).anatomy_mm)


def test_the_procedure_page_refuses_an_expired_lot_and_a_dose_over_the_maximum(clinic: Clinic):
    _, episode = consented(clinic)
    planning.submit(clinic.services, clinic.user("dr-hale"), episode,
                    PlanSubmission(areas=[TreatmentArea.JAWLINE], note="2 per side"))
    nurse_user = clinic.user("nurse-ade")
    fresh = stock.receive_lot(clinic.services, nurse_user, ReceiveLot(lot=lot_entry()))
    expired = clinic.receive_expired_lot(lot_entry(lot="PDO-OLD-9", expiry=date(2026, 10, 1),
                                                   received_on=date(2025, 1, 1)))
    hale = PageUser(clinic, "dr-hale")
    assert hale.post(f"/episodes/{episode}/procedure/start").status_code == 303
    nurse = PageUser(clinic, "nurse-ade")
    thread = {"lot_id": str(expired.id), "area": "jawline", "side": "left", "vector": "gonion to jowl",
              "anchored": "no"}
    refused = nurse.post(f"/episodes/{episode}/procedure/threads", thread)
    assert refused.status_code == 409 and "expired on 2026-10-01" in (error_for(refused.text, "lot_id") or "")
    assert nurse.post(f"/episodes/{episode}/procedure/threads", {**thread, "lot_id": str(fresh.id)}).status_code == 303
    no_kit = nurse.post(f"/episodes/{episode}/procedure/injections", {"concentration_percent": "1",
                                                                        "volume_ml": "5", "with_adrenaline": "on"})
    assert no_kit.status_code == 409 and "PRO-05" in no_kit.text
    nurse.post(f"/episodes/{episode}/procedure/checklist", {"item": "last_kit_present"})
    bad_amount = nurse.post(f"/episodes/{episode}/procedure/checklist",
                            {"item": "topical_anaesthetic_applied", "amount_g": "lots"})
    assert bad_amount.status_code == 422 and "grams" in bad_amount.text
    nurse.post(f"/episodes/{episode}/procedure/checklist", {"item": "topical_anaesthetic_applied", "amount_g": "2"})
    assert "50 mg lidocaine, 50 mg prilocaine" in nurse.get(f"/episodes/{episode}/procedure").text
    over = nurse.post(f"/episodes/{episode}/procedure/injections", {"concentration_percent": "2",
                                                                      "volume_ml": "30", "with_adrenaline": "on"})
    assert over.status_code == 409 and "maximum" in (error_for(over.text, "volume_ml") or "")
    assert 'name="override_reason"' in over.text
    missing = nurse.post(f"/episodes/{episode}/procedure/injections", {"concentration_percent": "1",
                                                                         "volume_ml": "", "with_adrenaline": "on"})
    assert missing.status_code == 422 and error_for(missing.text, "volume_ml")
    page = nurse.get(f"/episodes/{episode}/procedure").text
    assert "PDO-2026-A1" in page and "(EXPIRED)" in page


def _png(rgb) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_outcome_page_compares_a_follow_up_photo_with_the_baseline(clinic: Clinic):
    from threadlift.face.analysis import default_analyzer
    from threadlift.face.load import Photo
    from threadlift.face.simulate import simulate

    _, episode = registered(clinic)
    nurse = PageUser(clinic, "nurse-ade")
    rgb = read_rgb("obama3.jpg")
    lifted = simulate(rgb, default_analyzer().analyze(Photo.from_array(rgb)), {"midface": 3.0}, label=False)
    before = nurse.post(f"/episodes/{episode}/photos", **photo_form(jpeg_bytes(rgb)))
    after = nurse.post(f"/episodes/{episode}/photos", **photo_form(_png(lifted), "after.png", stage="follow_up"))
    before_id, after_id = location(before).rsplit("/", 1)[1], location(after).rsplit("/", 1)[1]
    page = nurse.get(f"/episodes/{episode}/compare/{before_id}/{after_id}")
    assert page.status_code == 200
    midface = re.search(r"<td>midface</td><td>([^<]+)</td>", page.text)
    assert midface and midface.group(1).startswith("+")
    assert nurse.get(f"/episodes/{episode}/compare/{before_id}/{after_id}/after.jpg").status_code == 200
    reception = PageUser(clinic, "reception-kim")
    assert reception.get(f"/episodes/{episode}/compare/{before_id}/{after_id}").status_code == 403


def test_a_planned_thread_is_recorded_as_done_only_once_the_clinician_confirms_its_values(clinic: Clinic):
    _, episode = consented(clinic)
    hale_user = clinic.user("dr-hale")
    nurse = PageUser(clinic, "nurse-ade")
    nurse.post(f"/episodes/{episode}/photos", **photo_form(jpeg_bytes(read_rgb("obama3.jpg"))))
    suggestion = planning.current(clinic.services, hale_user, episode).plan
    anchored = suggestion.model_copy(update={"threads": [t.model_copy(update={"anchored": True})
                                                          for t in suggestion.threads]})
    planning.submit(clinic.services, hale_user, episode,
                    PlanSubmission(marking_map=anchored, acknowledge_zone_flags=True))
    first = anchored.threads[0]
    lot = stock.receive_lot(clinic.services, clinic.user("nurse-ade"), ReceiveLot(lot=lot_entry()))
    hale = PageUser(clinic, "dr-hale")
    assert hale.post(f"/episodes/{episode}/procedure/start").status_code == 303
    # Choosing the planned thread and the lot alone records nothing: the plan's values come back to confirm.
    blank = nurse.post(f"/episodes/{episode}/procedure/threads", {"planned": first.id, "lot_id": str(lot.id)})
    assert blank.status_code == 422 and "From the plan: confirm this value" in (error_for(blank.text, "anchored") or "")
    assert f'value="{first.area}"' in blank.text and 'value="yes" selected' in blank.text
    assert "No thread recorded yet" in blank.text
    # The clinician changes what was done differently: floating, not anchored; a measured length.
    done = {"planned": first.id, "lot_id": str(lot.id), "area": first.area, "side": first.side.value,
            "vector": "as marked", "entry_to_exit_mm": "71", "anchored": "no"}
    # The lot (bidirectional 19G 100 mm) is not the thread planned (PRO-01): recorded once the clinician confirms.
    unlike = nurse.post(f"/episodes/{episode}/procedure/threads", done)
    assert unlike.status_code == 409 and "is not the thread planned as T1" in (error_for(unlike.text, "lot_id") or "")
    assert 'name="confirm_differs_from_plan"' in unlike.text
    confirmed = nurse.post(f"/episodes/{episode}/procedure/threads", {**done, "confirm_differs_from_plan": "on"})
    assert confirmed.status_code == 303
    again = nurse.post(f"/episodes/{episode}/procedure/threads", {**done, "confirm_differs_from_plan": "on"})
    assert again.status_code == 409 and "T1 is already recorded" in again.text
    [placed] = procedure.procedure_view(clinic.services, hale_user, episode).record.threads
    assert (placed.anchored, placed.entry_to_exit_mm, placed.planned_thread) == (False, 71, first.id)
    page = nurse.get(f"/episodes/{episode}/procedure").text
    assert "planned anchored" in page and "71.0 mm" in page and "differs from the plan: " in page
