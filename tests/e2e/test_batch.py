"""`threadlift batch analyze` on Ray itself (a short local run: 2 CPUs, a handful of real photos): one Parquet
row per photo with its measurements and uncertainties, failures as rows with their error codes, a re-run that
skips what is done, the vault's analyses kept in the database beside the first ones (SQLite and PostgreSQL),
a summary and exit 1 when anything failed, and a clear message naming the extra when Ray is missing. `batch
compare` on the same Ray (started once for the module: the command line's run, which stops it, comes last)."""

from __future__ import annotations

import hashlib
import secrets
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.helpers.exports import store_patient
from tests.helpers.photos import before_and_after, faces_dir
from tests.helpers.records import Clinic
from threadlift.cli import app
from threadlift.clinic.episode import State
from threadlift.clinic.photos import PhotoRecord
from threadlift.services import batch, batch_compare, batch_ray
from threadlift.store.vault import PhotoVault

PASSES = 1  # the refinement passes do not matter here: one keeps the run short
runner = CliRunner()


@pytest.fixture(scope="module")
def ray_here() -> Iterator[None]:
    """Ray on this machine with 2 CPUs, started once for the module's runs."""
    batch_ray.start(None, 2)
    yield
    batch_ray.shutdown()


def rows(folder: Path) -> list[dict[str, object]]:
    return pq.read_table(folder).to_pylist()


def test_a_folder_run_on_two_actors_resumes_and_reports_failures(ray_here, tmp_path):
    photos = tmp_path / "photos"
    (photos / "visit-2").mkdir(parents=True)
    for name in ("obama2.jpg", "takeo.png"):
        shutil.copy(faces_dir() / name, photos / name)
    shutil.copy(faces_dir() / "obama3.jpg", photos / "visit-2" / "obama3.jpg")
    (photos / "notes.txt").write_text("not a photo")
    items = batch.folder_items(photos)
    gone = photos / "removed.jpg"  # listed, then removed before it was read: unreadable
    items.append(batch.Item(key=str(gone), path=str(gone)))
    out = tmp_path / "results"
    summary = batch.run(items, out, passes=PASSES, runner=batch_ray.actor_runner(2), checkpoint=2)
    assert (summary.done, summary.skipped, summary.failed) == (3, 0, {"not_an_image": 1, "unreadable_file": 1})
    assert len(list(out.glob("part-*.parquet"))) == 3  # a part file every 2 rows: a stopped run keeps them
    found = {Path(str(r["key"])).name: r for r in rows(out)}
    assert set(found) == {"obama2.jpg", "takeo.png", "obama3.jpg", "notes.txt", "removed.jpg"}
    assert found["obama2.jpg"]["view"] == "oblique_left" and found["obama2.jpg"]["error_code"] is None
    tilted = found["obama3.jpg"]  # head turned: measured, each value beyond its pose limit withheld with why
    assert tilted["error_code"] is None and "head turned" in str(tilted["interpupillary_distance_mm__withheld"])
    good = found["takeo.png"]
    assert good["error_code"] is None and good["engine_version"] == batch.engine_version(PASSES)
    assert good["view"] == "frontal" and good["calibration_method"] == "iris" and 0.01 < float(good["mm_per_px"]) < 5
    assert isinstance(good["palpebral_fissure_height_mm__left"], float)  # within pose limits to 15°
    assert isinstance(good["palpebral_fissure_height_mm__left_uncertainty"], float)
    assert 50 < float(good["interpupillary_distance_mm__value"]) < 80
    assert good["chin_neck_length_mm__withheld"]  # a profile measurement on a frontal photo: withheld, with why
    assert isinstance(good["quality_codes"], list) and good["path"] == str(photos / "takeo.png")
    assert tilted["path"] == str(photos / "visit-2" / "obama3.jpg")
    assert found["notes.txt"]["error_code"] == "not_an_image" and found["notes.txt"]["error_message"]
    again = batch.run(batch.folder_items(photos), out, passes=PASSES, runner=batch_ray.actor_runner(2))
    assert (again.done, again.skipped, again.failed) == (0, 3, {"not_an_image": 1})
    takeo = [item for item in batch.folder_items(photos) if item.key.endswith("takeo.png")]
    other = batch.run(takeo, out, passes=PASSES + 1, runner=batch_ray.actor_runner(1))
    assert (other.done, other.skipped) == (1, 0)  # another engine version is not "done"


def test_the_vault_run_keeps_new_analysis_versions_beside_the_first(ray_here, clinic: Clinic, tmp_path):
    svc = clinic.services
    files = ((faces_dir() / "obama2.jpg").read_bytes(), (faces_dir() / "obama3.jpg").read_bytes())
    patient = store_patient(svc, State.DISCHARGED, photo_files=files)
    with svc.uow() as uow:
        episode = uow.episodes.for_patient(patient)[0]
        first = uow.photos.for_episode(episode.id)
        foreign = files[0] + b"other clinic"
        uow.photos.add(first[0].model_copy(update={  # a file sealed with another clinic's key
            "id": PhotoRecord.model_fields["id"].default_factory(),  # type: ignore[misc]
            "stored_name": PhotoVault(Path(clinic.services.settings.data_dir) / "photos",
                                      secrets.token_bytes(32)).put(foreign),
            "stored_sha256": hashlib.sha256(foreign).hexdigest()}))
        uow.commit()
    out = tmp_path / "vault-results"
    summary = batch.run(batch.vault_items(svc), out, passes=PASSES, runner=batch_ray.actor_runner(2), svc=svc)
    assert (summary.done, summary.failed) == (2, {"vault_unreadable": 1})
    engine = batch.engine_version(PASSES)
    with svc.uow(read_only=True) as uow:
        for photo in first:
            versions = uow.photos.analysis_versions(str(photo.id))
            assert [v for v, _, _ in versions] == [engine]
            assert versions[0][2]["measurements"] and versions[0][2]["image"]["path"] is None
            assert uow.photos.get(photo.id).analysis == photo.analysis  # the first analysis is untouched
    table = {r["photo_id"]: r for r in rows(out)}
    assert {table[str(p.id)]["error_code"] for p in first} == {None} and all(r["path"] is None for r in table.values())
    shutil.rmtree(out)  # the database alone says what is done
    again = batch.run(batch.vault_items(svc), out, passes=PASSES, runner=batch_ray.actor_runner(2), svc=svc)
    assert (again.done, again.skipped, again.failed) == (0, 2, {"vault_unreadable": 1})


def test_follow_up_pairs_compared_on_two_actors(ray_here, tmp_path):
    """batch compare on the same actor pool: a measured pair with its lift per area and ±, a pair of two views
    refused with its reasons' codes, a missing photo; each a row, none a crash."""
    before, after = before_and_after()
    (tmp_path / "visit-0").mkdir()
    (tmp_path / "visit-0" / "sample.png").write_bytes(before)
    (tmp_path / "sample-3m.png").write_bytes(after)
    for name in ("obama2.jpg", "takeo.png"):
        shutil.copy(faces_dir() / name, tmp_path / name)
    manifest = tmp_path / "pairs.csv"
    manifest.write_text("baseline,follow_up,days_after_procedure\nvisit-0/sample.png,sample-3m.png,91\n"
                        "takeo.png,obama2.jpg,\nvisit-0/sample.png,gone.png,30\n")
    out = tmp_path / "pairs"
    job = batch_compare.CompareJob(passes=PASSES)
    summary = batch.run(batch_compare.manifest_pairs(manifest), out, job=job, runner=batch_ray.actor_runner(2))
    assert (summary.done, summary.failed) == (1, {"not_comparable": 1, "unreadable_file": 1})
    found = {Path(str(r["follow_up_path"])).name: r for r in rows(out)}
    lifted = found["sample-3m.png"]
    assert lifted["engine_version"] == job.engine() and lifted["days_after_procedure"] == 91
    assert lifted["comparable"] and lifted["view"] == "frontal" and lifted["refusal_codes"] == []
    assert 1.5 < float(lifted["midface__left_lift_mm"]) < 3.5 and lifted["midface__left_measurable"]
    assert 0 < float(lifted["midface__left_uncertainty_mm"]) < 1.5 and lifted["neck__left_lift_mm"] is None
    refused = found["obama2.jpg"]
    assert refused["error_code"] == "not_comparable" and "different_views" in refused["refusal_codes"]
    assert refused["midface__left_lift_mm"] is None and isinstance(refused["yaw_difference_deg"], float)
    assert found["gone.png"]["failed_photo"] == "follow_up"


def test_the_command_line_summarises_exits_1_on_failures_and_names_the_missing_extra(ray_here, tmp_path,
                                                                                    monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = runner.invoke(app, ["batch", "analyze", str(empty), "--out", str(tmp_path / "r0")])
    assert nothing.exit_code == 1 and "no photos in" in nothing.output
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(faces_dir() / "takeo.png", photos / "takeo.png")
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    done = runner.invoke(app, ["batch", "analyze", str(photos), "--out", str(tmp_path / "r1"), "--workers", "2",
                               "--passes", "1"])
    assert done.exit_code == 1, done.output
    assert "1 analysed, 0 already done for this engine version, 1 failed" in done.output
    assert "corrupt_image: 1 photo" in done.output or "not_an_image: 1 photo" in done.output
    assert runner.invoke(app, ["batch", "analyze", "--out", str(tmp_path / "r2")]).exit_code == 2
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    missing = runner.invoke(app, ["batch", "analyze", str(photos), "--out", str(tmp_path / "r3")])
    assert missing.exit_code == 2 and "pip install 'threadlift[cluster]'" in missing.output
