"""Hostile uploads: damaged metadata, files Pillow refuses, decompression bombs, polyglots and refused
formats, through both upload paths (API and pages) and the command line. Every refusal is coded, nothing
answers 500, nothing stored carries what rode along, and the server's peak memory stays bounded."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID

import pytest
from PIL import Image

from tests.helpers import hostile
from tests.helpers.records import Clinic
from tests.helpers.web import PageUser, location
from tests.web.test_pages import registered

pytestmark = pytest.mark.mediapipe

CLI_TIMEOUT_S = 600  # a hung command line fails the test instead of the whole run
PEAK_LIMIT_BYTES = 1 << 30
CORPUS_GROWTH_LIMIT_BYTES = 512 << 20
"""What the corpus may add to the process it runs in: a server with its models loaded holds some 300 MiB
(the command line's own peak, measured below), so the server stays under PEAK_LIMIT_BYTES. The pytest
process itself may hold more than a server before the corpus starts (every earlier test's leftovers)."""
# `threadlift` as installed (its console script calls threadlift.cli:main), reporting its own peak resident
# size at exit: VmHWM belongs to the process image, so the fork that started it does not count.
CLI_WITH_PEAK = """
import atexit, sys
def peak():
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print("peak-bytes", int(hwm.split()[1]) * 1024, file=sys.stderr)
atexit.register(peak)
sys.argv[0] = "threadlift"
from threadlift.cli import main
main()
"""


def reset_peak_memory() -> None:
    """Linux: restart this process's peak resident size (VmHWM) from its current size."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def peak_memory_bytes() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/self/status")


def api_upload(clinic: Clinic, episode: UUID, data: bytes):  # type: ignore[no-untyped-def]
    return clinic.call("nurse-ade", "POST", f"/api/episodes/{episode}/photos", data={"view": "frontal"},
                       files={"file": ("upload.bin", data, "application/octet-stream")})


def page_form(data: bytes) -> dict[str, object]:
    return {"files": {"file": ("upload.bin", data, "application/octet-stream")},
            "data": {"view": "frontal", "stage": "baseline"}}


def damaged_exif_jpeg() -> bytes:
    jpeg = hostile.encoded(Image.fromarray(hostile.face_rgb()), "JPEG", quality=90)
    return hostile.jpeg_with_segment(jpeg, 0xE1, b"Exif\0\0" + dict(hostile.exif_variants())["bad-tiff-header"])


def png_pillow_refuses() -> bytes:
    """A PNG whose pixels OpenCV decodes but whose text chunk after the image data Pillow refuses."""
    return next(f.data for f in hostile.corpus() if f.name == "bomb-zlib-ztxt-after-idat")


def test_damaged_exif_and_a_png_pillow_refuses_are_refused_at_check_and_store_with_their_code(clinic: Clinic):
    _, episode = registered(clinic)
    nurse = PageUser(clinic, "nurse-ade")
    for label, data in (("damaged EXIF", damaged_exif_jpeg()), ("PNG Pillow refuses", png_pillow_refuses())):
        answer = api_upload(clinic, episode, data)
        assert answer.status_code == 422 and answer.json()["code"] == "corrupt_image", (label, answer.text)
        assert "again" in answer.json()["detail"], label  # says what to do
        form = page_form(data)
        check = nurse.htmx(f"/episodes/{episode}/photos/check", form["data"], files=form["files"])
        assert check.status_code == 422 and "[corrupt_image]" in check.text, label
        store = nurse.post(f"/episodes/{episode}/photos", form["data"], files=form["files"])
        assert store.status_code == 422 and "[corrupt_image]" in store.text, label
    assert clinic.call("nurse-ade", "GET", f"/api/episodes/{episode}/photos").json() == []
    photo_dir = clinic.services.settings.photo_dir
    assert not photo_dir.exists() or list(photo_dir.iterdir()) == []  # no file, not even a pending one


def test_a_polyglot_is_stored_without_its_payload_xmp_location_or_comment(clinic: Clinic):
    _, episode = registered(clinic)
    by_name = {f.name: f for f in hostile.corpus()}
    for name in ("polyglot-jpeg-appended-0", "polyglot-png-appended-1", "jpeg-xmp-gps", "jpeg-comment-script"):
        stored = api_upload(clinic, episode, by_name[name].data)
        assert stored.status_code == 201, (name, stored.text)
        back = clinic.call("dr-hale", "GET", f"/api/photos/{stored.json()['id']}/image").content
        for payload in (*hostile.PAYLOADS, b"GPSLatitude", b"<script"):
            assert payload not in back, (name, payload)
        Image.open(io.BytesIO(back)).load()  # still a photo


def test_a_failed_commit_leaves_no_photo_file_and_a_crash_leaves_none_after_recovery(clinic: Clinic, monkeypatch):
    from threadlift.services import operations, photos
    from threadlift.services.commands import PhotoUpload

    _, episode = registered(clinic)
    data = hostile.encoded(Image.fromarray(hostile.face_rgb()), "JPEG", quality=90)
    vault = clinic.services.vault
    original = clinic.services.uow_factory

    class FailingCommit:
        def __call__(self, **kw):  # type: ignore[no-untyped-def]
            unit = original(**kw)
            if not kw.get("read_only") and not kw.get("logs_reads"):
                def fail() -> None:
                    raise RuntimeError("the database went away")
                unit.commit = fail  # type: ignore[method-assign]
            return unit

    monkeypatch.setattr(clinic.services, "uow_factory", FailingCommit())
    with pytest.raises(RuntimeError):
        photos.upload(clinic.services, clinic.user("nurse-ade"), PhotoUpload(episode_id=episode, data=data,
                                                                              view="frontal"))
    monkeypatch.setattr(clinic.services, "uow_factory", original)
    assert list(vault.names()) == [] and vault.pending() == []  # type: ignore[attr-defined]
    # A writer killed after its commit, before publishing: the record's file is published on recovery;
    # one killed before its commit leaves a pending file that recovery removes.
    stored = photos.upload(clinic.services, clinic.user("nurse-ade"), PhotoUpload(episode_id=episode, data=data,
                                                                                  view="frontal"))
    with clinic.services.uow(read_only=True) as uow:
        name = uow.photos.get(stored.id).stored_name
    directory = clinic.services.settings.photo_dir
    os.replace(directory / name, directory / f".{name}.pending")
    orphan = vault.stage(b"never committed")  # type: ignore[attr-defined]
    assert operations.recover_pending_files(clinic.services, older_than_s=0) == (1, 1)
    assert sorted(vault.names()) == [name] and vault.pending() == []  # type: ignore[attr-defined]
    assert orphan not in vault.names()  # type: ignore[attr-defined]
    assert photos.photo_bytes(clinic.services, clinic.user("dr-hale"), stored.id)[0][:2] == b"\xff\xd8"


@pytest.fixture(scope="module")
def corpus() -> tuple[hostile.Hostile, ...]:
    return hostile.corpus()


def test_the_hostile_corpus_through_both_upload_paths_and_the_command_line(clinic: Clinic, corpus, tmp_path):
    """SQLite: every file through the API, and a sample through the command line; PostgreSQL: through the
    pages (check, then store), every file that must be refused and a third of the valid photos underneath
    (each costs two analyses; the API path stores them all). Zero 500s, every refusal coded, peak memory
    under 1 GB."""
    assert len(corpus) >= 300
    _, episode = registered(clinic)
    started = time.monotonic()
    reset_peak_memory()
    before = peak_memory_bytes()
    outcomes: dict[str, str] = {}
    if clinic.url.startswith("sqlite"):
        for item in corpus:
            answer = api_upload(clinic, episode, item.data)
            assert answer.status_code in (201, 422), (item.name, answer.status_code, answer.text[:300])
            if answer.status_code == 422:
                code = answer.json().get("code")
                assert code and answer.json()["detail"], (item.name, answer.text)
                outcomes[item.name] = code
            else:
                assert item.decodable, item.name
                back = clinic.call("dr-hale", "GET", f"/api/photos/{answer.json()['id']}/image").content
                assert not any(p in back for p in (*hostile.PAYLOADS, b"GPSLatitude", b"<script")), item.name
                outcomes[item.name] = "stored"
    else:
        nurse = PageUser(clinic, "nurse-ade")
        for item in [f for f in corpus if not f.decodable] + [f for f in corpus if f.decodable][::3]:
            form = page_form(item.data)
            check = nurse.htmx(f"/episodes/{episode}/photos/check", form["data"], files=form["files"])
            store = nurse.post(f"/episodes/{episode}/photos", form["data"], files=form["files"])
            assert check.status_code in (200, 422) and store.status_code in (303, 422), (
                item.name, check.status_code, store.status_code)
            if store.status_code == 422:
                assert check.status_code == 422, item.name  # the check refuses whatever the store refuses
                assert "Traceback" not in store.text
                assert any(f"[{code}]" in store.text for code in CODES), (item.name, store.text[-600:])
                outcomes[item.name] = "refused"
            else:
                assert item.decodable and nurse.get(location(store)).status_code == 200, item.name
                outcomes[item.name] = "stored"
    peak = peak_memory_bytes()
    elapsed = time.monotonic() - started
    refused = sum(1 for v in outcomes.values() if v != "stored")
    print(f"\nhostile corpus ({clinic.url.split(':')[0]}): {len(outcomes)} files, {refused} refused (coded), "
          f"{len(outcomes) - refused} stored clean, 0 server errors, peak RSS {peak / 2**20:.0f} MiB "
          f"({(peak - before) / 2**20:.0f} MiB above the process's size before it), {elapsed:.1f} s")
    assert peak - before < CORPUS_GROWTH_LIMIT_BYTES, f"the corpus added {(peak - before) / 2**20:.0f} MiB"
    for item in corpus:
        if item.kind in ("bomb", "format", "magic", "truncation") and not item.decodable:
            assert outcomes[item.name] != "stored", item.name
    if clinic.url.startswith("sqlite"):
        run_cli_sample(corpus, tmp_path)


CODES = ("not_an_image", "corrupt_image", "too_large", "no_face", "multiple_faces", "unreadable_file",
         "calibration_failed")


def run_cli_sample(corpus: tuple[hostile.Hostile, ...], folder: Path) -> None:
    """One ``threadlift analyze`` over a sample (every bomb and refused format, a spread of the rest):
    no traceback, every failure coded in its JSON line, peak memory of that process under 1 GB."""
    sample = [f for f in corpus if f.kind in ("bomb", "format")] + [
        f for f in corpus if f.kind not in ("bomb", "format")][::6]
    paths = []
    for number, item in enumerate(sample):
        path = folder / f"{number:03d}-{item.name}.img"
        path.write_bytes(item.data)
        paths.append(path)
    out, err = folder / "analyze.jsonl", folder / "analyze.stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.run([sys.executable, "-c", CLI_WITH_PEAK, "analyze", "--fast", "--json", "-",
                                  *map(str, paths)], stdout=stdout, stderr=stderr, timeout=CLI_TIMEOUT_S)
    text = err.read_text(errors="replace")
    assert "Traceback" not in text and "internal error" not in text, text[-2000:]
    peak = int(text.rsplit("peak-bytes ", 1)[1].split()[0])
    print(f"command line: {len(paths)} files in one `threadlift analyze`, exit {process.returncode}, "
          f"peak RSS {peak / 2**20:.0f} MiB")
    assert peak < PEAK_LIMIT_BYTES
    lines = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    assert len(lines) == len(paths)
    failed = [line for line in lines if "error" in line]
    assert all(line["error"]["code"] in CODES for line in failed), failed[:3]
    assert all(f"[{line['error']['code']}]" in text for line in failed)
