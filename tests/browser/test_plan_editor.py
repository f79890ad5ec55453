"""The plan editor and the photo check in the browser: what a clinician met in issue 14 (SQLite only:
the pages' database is the pathway test's concern)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Site
from tests.browser.test_pathway import redrawn, sign_in
from tests.helpers.photos import jpeg_bytes, read_rgb

pytestmark = [pytest.mark.mediapipe, pytest.mark.parametrize("site", ["sqlite"], indirect=True)]


def field(page: Page, thread: str, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f'[name="set.{thread}.{name}"]')


def test_the_plan_editor_checks_every_edit_keeps_choices_and_moves_shared_points(chromium, site: Site):  # type: ignore[no-untyped-def]
    from tests.web.test_clinical_pages import consented
    from threadlift.plan.zones import zones
    from threadlift.services import photos, planning
    from threadlift.services.commands import PhotoUpload

    _, episode = consented(site.clinic)
    hale = site.clinic.user("dr-hale")
    photos.upload(site.clinic.services, hale, PhotoUpload(episode_id=episode, data=jpeg_bytes(read_rgb("obama3.jpg")),
                                                          view="frontal", stage="baseline"))
    suggestion = planning.current(site.clinic.services, hale, episode).plan
    first, second = suggestion.threads[0], suggestion.threads[1]
    notch = next(z for z in zones(suggestion.anatomy_mm)
                 if z.name == "facial_artery_notch" and z.side == first.side.value).path_mm[0]
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, site, "dr-hale")
    page.goto(f"{site.url}/episodes/{episode}/plan")
    # The photo (head turned 11°, chin raised 17°) is beyond the frontal limits: said on the map.
    expect(page.locator("#pose-warning")).to_contain_text("beyond the frontal limits")
    expect(page.locator("#plan-editor svg .pose-warning")).to_have_count(1)
    # Every side label lies wholly on the map ("patient's RIGHT" was clipped to "GHT").
    inside = page.evaluate("""() => { const svg = document.querySelector('#plan-editor svg');
        const width = svg.viewBox.baseVal.width;
        return [...svg.querySelectorAll('text.side')].map(t => { const b = t.getBBox();
            return b.x >= 0 && b.x + b.width <= width; }); }""")
    assert inside == [True, True]

    # A length out of range is named, and a point moved meanwhile is still checked against the zones.
    with redrawn(page):
        field(page, first.id, "length_mm").fill("40")
        field(page, first.id, "length_mm").dispatch_event("change")
    expect(page.locator("#plan-problems")).to_contain_text("T1")
    with redrawn(page):
        field(page, first.id, "entry.x_mm").fill(f"{notch[0]:.1f}")
        field(page, first.id, "entry.y_mm").fill(f"{notch[1]:.1f}")
        field(page, first.id, "entry.y_mm").dispatch_event("change")
    expect(page.locator("#plan-problems")).to_contain_text("T1")
    expect(page.locator("#plan-editor")).to_contain_text("facial artery notch")
    expect(page.locator("#plan-editor")).not_to_contain_text("No entry or anchor point in a danger zone")
    expect(page.locator("#plan-status")).to_contain_text("saved only when you press Save")

    # Saved only with the length in range and the zone warning acknowledged.
    with redrawn(page):
        field(page, first.id, "length_mm").fill(f"{first.length_mm:g}")
        field(page, first.id, "length_mm").dispatch_event("change")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator("#problems")).to_contain_text("acknowledge them to save")
    with redrawn(page):
        page.locator("#f-acknowledge_zone_flags").check()
    expect(page.locator("#f-acknowledge_zone_flags")).to_be_checked()

    # "Add thread" adds in the area chosen, which a redraw keeps.
    with redrawn(page):
        page.get_by_label("Add a thread: area").select_option("brow")
    with redrawn(page):
        page.get_by_role("button", name="Add thread").click()
    expect(page.locator("#plan-threads tbody")).to_contain_text("brow, left")

    # Four quick presses move a point 4 mm, and the focus stays on it.
    x_before = float(field(page, second.id, "exit.x_mm").input_value())
    page.locator(f'#plan-editor .handle[data-thread="{second.id}"][data-end="exit"]').focus()
    with redrawn(page):
        for _ in range(4):
            page.keyboard.press("ArrowRight")
    assert float(field(page, second.id, "exit.x_mm").input_value()) == pytest.approx(x_before + 4.0, abs=0.15)
    assert page.evaluate("() => document.activeElement.dataset.thread") == second.id

    # A shared entry point moves all its threads.
    with redrawn(page):
        for axis in ("x_mm", "y_mm"):
            field(page, second.id, f"entry.{axis}").fill(field(page, first.id, f"entry.{axis}").input_value())
        field(page, second.id, "entry.y_mm").dispatch_event("change")
    handle = page.locator(f'#plan-editor .handle[data-thread="{first.id}"][data-end="entry"]')
    handle.focus()
    with redrawn(page):
        page.keyboard.press("Shift+ArrowDown")
    assert field(page, first.id, "entry.y_mm").input_value() == field(page, second.id, "entry.y_mm").input_value()
    assert float(field(page, first.id, "entry.y_mm").input_value()) == pytest.approx(notch[1] + 5.0, abs=0.15)


def test_check_the_photo_shows_the_servers_refusal(chromium, site: Site, tmp_path):  # type: ignore[no-untyped-def]
    from tests.web.test_pages import registered

    _, episode = registered(site.clinic)
    not_a_photo = tmp_path / "scan.jpg"
    not_a_photo.write_bytes(b"%PDF-1.4 this is a letter, not a photo")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, site, "nurse-ade")
    page.goto(f"{site.url}/episodes/{episode}/photos")
    page.locator('input[type="file"]').set_input_files(str(not_a_photo))
    page.get_by_role("button", name="Check the photo").click()
    expect(page.locator("#check-result")).to_contain_text("cannot be used")


def test_two_taps_on_record_consent_record_one_consent(chromium, site: Site):  # type: ignore[no-untyped-def]
    from tests.web.test_pages import registered
    from threadlift.services import consents

    person, _ = registered(site.clinic)
    hale = site.clinic.user("dr-hale")
    before = len(consents.photo_consents(site.clinic.services, hale, person))
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, site, "reception-kim")
    page.goto(f"{site.url}/patients/{person}")
    form = page.locator(f'form[action="/patients/{person}/photo-consents"]')
    form.get_by_label("teaching", exact=False).check()
    # Two submissions of the one form as they reach the server from a double tap (the browser's own
    # double-click handling aside): the second gets the first one's answer.
    page.evaluate("""(action) => { const f = document.querySelector(`form[action="${action}"]`);
        const body = new URLSearchParams(new FormData(f));
        return Promise.all([fetch(action, {method: 'POST', body, redirect: 'manual'}),
                            fetch(action, {method: 'POST', body, redirect: 'manual'})]); }""",
                  f"/patients/{person}/photo-consents")
    assert len(consents.photo_consents(site.clinic.services, hale, person)) == before + 1
