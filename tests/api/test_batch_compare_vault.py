"""`threadlift batch compare --vault` writes back (SQLite and PostgreSQL): each follow-up pair in the vault
compared by the real engine (serially here; the Ray pool is tested in tests/e2e/test_batch.py), its lift per
area kept in follow_up_lifts under the batch's engine version beside an earlier measurement (never over it),
audited, read by the durability figures as the photo's latest measurement; a re-run skips the pair from the
database alone."""

from __future__ import annotations

import shutil
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import select

from tests.helpers.exports import store_patient
from tests.helpers.photos import before_and_after
from tests.helpers.records import Clinic
from threadlift.clinic.episode import State
from threadlift.outcomes import AreaLift
from threadlift.services import batch, batch_compare
from threadlift.store.tables import AuditRow, FollowUpLiftRow


def test_the_vault_run_keeps_each_pairs_lift_as_a_new_version_and_feeds_the_durability_figures(
        clinic: Clinic, analyzer, tmp_path):
    svc = clinic.services
    patient = store_patient(svc, State.DISCHARGED, photo_files=before_and_after())
    with svc.uow() as uow:
        [episode] = uow.episodes.for_patient(patient)
        photos = {p.stage.value: p for p in uow.photos.for_episode(episode.id)}
        before, after = str(photos["baseline"].id), str(photos["follow_up"].id)
        earlier = AreaLift(after, before, str(episode.id), str(patient), "midface", "left", 45, 0.3, 0.5,
                           "threadlift 0.9")  # measured on the outcome page by an older engine
        uow.registers.record_lifts([earlier], clinic.clock())
        uow.commit()
    clinic.clock.advance(days=30)  # the batch runs later
    [pair] = batch_compare.vault_pairs(svc)
    assert pair.key == f"{before} -> {after}" and pair.episode_id == str(episode.id)
    assert episode.procedure is not None
    assert pair.days_after_procedure == (photos["follow_up"].uploaded_at - episode.procedure.started_at).days

    def serial(items: Any, job: batch.Job) -> Any:  # the session's engine: its models are loaded already
        return (job.work(analyzer, item, payload) for item, payload in items)

    job, out = batch_compare.CompareJob(passes=2), tmp_path / "pairs"
    summary = batch.run(batch_compare.vault_pairs(svc), out, job=job, runner=serial, svc=svc)
    assert (summary.done, summary.failures) == (1, 0)
    [row] = pq.read_table(out).to_pylist()
    assert row["error_code"] is None and row["comparable"] and row["follow_up_photo_id"] == after
    assert 1.5 < row["midface__left_lift_mm"] < 3.5 and 0 < row["midface__left_uncertainty_mm"] < 1.5
    assert row["baseline_path"] is None and row["follow_up_path"] is None  # vault rows name no file
    with svc.uow(read_only=True) as uow:
        kept = {(r.engine_version, r.area, r.side): (r.lift_mm, r.before_photo_id, r.days_after_procedure)
                for r in uow.session.execute(select(FollowUpLiftRow)).scalars()}
        readings = {r.area: r for r in uow.registers.outcome_records().lifts}
        audited = uow.session.execute(select(AuditRow.entity_id).where(AuditRow.action == "compare")).scalars().all()
    assert kept[("threadlift 0.9", "midface", "left")] == (0.3, before, 45)  # the earlier measurement stays
    assert kept[(job.engine(), "midface", "left")] == (row["midface__left_lift_mm"], before, pair.days_after_procedure)
    assert {side for version, area, side in kept if version == job.engine() and area == "marionette"}  # renamed
    midface = readings["midface"]  # the figures read the latest measurement of the photo, not both
    assert 1.5 < midface.lift_mm < 3.5 and midface.day == pair.days_after_procedure
    assert audited == [after]
    shutil.rmtree(out)  # the database alone says what is done
    again = batch.run(batch_compare.vault_pairs(svc), out, job=job, runner=serial, svc=svc)
    assert (again.done, again.skipped, again.failures) == (0, 1, 0)
