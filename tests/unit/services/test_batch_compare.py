"""`threadlift batch compare` without Ray or the photo engine: the CSV manifest's pairing convention, the
vault's pairing rule (each follow-up photo with its episode's last baseline of the same view), and a re-run
that skips the pairs done for the same engine version and tries the failed ones again (the driver's side,
with a fake engine that records what it was given)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from threadlift.clinic.photos import ListedPhoto, VaultPhoto, follow_up_pairs
from threadlift.services import batch
from threadlift.services.batch_compare import CompareJob, ManifestError, Pair, failure, manifest_pairs, pair_row


def test_a_manifest_lists_pairs_relative_to_its_folder_and_keeps_bad_lines_as_pairs_that_fail(tmp_path):
    manifest = tmp_path / "study" / "pairs.csv"
    manifest.parent.mkdir()
    manifest.write_text("baseline, follow_up ,days_after_procedure\n"
                        "visit-0/anna.jpg,visit-3m/anna.jpg,91\n"
                        "\n"
                        f"{tmp_path}/elsewhere/ben.jpg,visit-6m/ben.jpg,\n"
                        "visit-0/cara.jpg,,30\n"
                        "visit-0/dan.jpg,visit-1m/dan.jpg,a month\n")
    pairs = manifest_pairs(manifest)
    assert [(p.baseline.path, p.follow_up.path, p.days_after_procedure, p.problem) for p in pairs[:2]] == [
        (str(manifest.parent / "visit-0/anna.jpg"), str(manifest.parent / "visit-3m/anna.jpg"), 91, None),
        (f"{tmp_path}/elsewhere/ben.jpg", str(manifest.parent / "visit-6m/ben.jpg"), None, None)]
    assert pairs[0].key == f"{manifest.parent}/visit-0/anna.jpg -> {manifest.parent}/visit-3m/anna.jpg"
    assert pairs[2].problem == "line 5 of pairs.csv names no follow_up photo" and pairs[2].key == "pairs.csv line 5"
    assert "days_after_procedure must be a whole number" in str(pairs[3].problem)
    failed = CompareJob().load(pairs[2], None)
    assert isinstance(failed, batch.Result) and failed.row["error_code"] == "manifest_line_incomplete"


@pytest.mark.parametrize(("content", "says"), [
    ("before,after\na.jpg,b.jpg\n", "has the columns before, after; its first line must name the columns baseline"),
    ("", "has the columns none"),
])
def test_a_manifest_without_its_columns_is_refused_with_what_to_fix(tmp_path, content, says):
    manifest = tmp_path / "pairs.csv"
    manifest.write_text(content)
    with pytest.raises(ManifestError, match=says):
        manifest_pairs(manifest)
    with pytest.raises(ManifestError, match="does not exist"):
        manifest_pairs(tmp_path / "missing.csv")


START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def photo(name: str, stage: str, *, patient: str = "p1", episode: str = "e1", view: str = "frontal",
          days: int = 0, started: datetime | None = START) -> ListedPhoto:
    return ListedPhoto(VaultPhoto(name, f"vault-{name}", "0" * 64), patient, episode, view, stage,
                       START + timedelta(days=days, hours=1), started)


def test_each_follow_up_is_paired_with_its_episodes_last_baseline_of_the_same_view():
    listed = [
        photo("f-90", "follow_up", days=90),  # listed before its baseline: order does not matter
        photo("b-old", "baseline", days=-30), photo("b", "baseline", days=-1),
        photo("b-oblique", "baseline", view="oblique_left", days=-1),
        photo("f-oblique", "follow_up", view="oblique_left", days=30),
        photo("f-profile", "follow_up", view="profile_left", days=30),  # no baseline of its view
        photo("f-other-episode", "follow_up", episode="e2", days=200, started=None),  # its episode has none
        photo("b-other-patient", "baseline", patient="p2", episode="e3", days=-1),
        photo("f-other-patient", "follow_up", patient="p2", episode="e3", days=30),
        photo("check-in", "check_in", days=14), photo("on-the-day", "procedure_day"),
    ]
    pairs = follow_up_pairs(listed)
    assert [(p.baseline.stored.photo_id, p.follow_up.stored.photo_id, p.days_after_procedure) for p in pairs] == [
        ("b-oblique", "f-oblique", 30), ("b-other-patient", "f-other-patient", 30), ("b", "f-90", 90)]
    no_procedure = follow_up_pairs([photo("b", "baseline", started=None), photo("f", "follow_up", days=9,
                                                                               started=None)])
    assert no_procedure[0].days_after_procedure is None


@dataclass(frozen=True)
class RecordingCompare(CompareJob):
    """The real driver-side job (reading files, engine version, rows); the engine replaced by one that records
    the pairs it is given and refuses pairs whose follow-up file says so."""

    def start(self) -> Any:
        return []

    def work(self, engine: Any, item: Pair, payload: tuple[bytes, bytes]) -> batch.Result:
        engine.append(Path(str(item.follow_up.path)).name)
        if payload[1] == b"turned":
            return failure(item, self.engine(), "not_comparable", "the head is turned differently")
        return batch.Result(pair_row(item, self.engine(), comparable=True, midface__left_lift_mm=2.5,
                                     midface__left_uncertainty_mm=0.6))


def test_a_rerun_skips_the_pairs_done_for_this_engine_version_and_tries_the_failed_again(tmp_path):
    for name, data in (("a0.jpg", b"a"), ("a1.jpg", b"a"), ("b0.jpg", b"b"), ("b1.jpg", b"turned")):
        (tmp_path / name).write_bytes(data)
    manifest = tmp_path / "pairs.csv"
    manifest.write_text("baseline,follow_up\na0.jpg,a1.jpg\nb0.jpg,b1.jpg\nc0.jpg,c1.jpg\n")
    out, job, seen = tmp_path / "out", RecordingCompare(passes=1), []

    def runner(items: Any, kind: batch.Job) -> Any:
        engine = kind.start()
        for item, payload in items:
            yield kind.work(engine, item, payload)
        seen.append(engine)

    first = batch.run(manifest_pairs(manifest), out, job=job, runner=runner, checkpoint=2)
    assert (first.done, first.skipped, first.failed) == (1, 0, {"not_comparable": 1, "unreadable_file": 1})
    assert seen[-1] == ["a1.jpg", "b1.jpg"]  # the missing files never reached the engine
    rows = {Path(str(r["follow_up_path"])).name: r for r in pq.read_table(out).to_pylist()}
    assert rows["a1.jpg"]["midface__left_lift_mm"] == 2.5 and rows["a1.jpg"]["engine_version"] == job.engine()
    assert rows["c1.jpg"]["failed_photo"] == "baseline" and "the baseline photo" in rows["c1.jpg"]["error_message"]
    assert rows["b1.jpg"]["error_code"] == "not_comparable"
    again = batch.run(manifest_pairs(manifest), out, job=job, runner=runner)
    assert (again.done, again.skipped, again.failures) == (0, 1, 2) and seen[-1] == ["b1.jpg"]
    newer = batch.run(manifest_pairs(manifest), out, job=RecordingCompare(passes=2), runner=runner)
    assert (newer.done, newer.skipped) == (1, 0)  # another engine version has done nothing yet
    assert "passes 1; comparison" in job.engine() and job.engine() != RecordingCompare(passes=2).engine()
