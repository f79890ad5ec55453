"""Batch comparison of follow-up pairs (issue 18 §3, ``threadlift batch compare``): each follow-up photo compared
with its baseline by the face compare engine (:func:`threadlift.face.compare.compare`), one Parquet row per pair.

The pairs come from a CSV manifest (:func:`manifest_pairs`) or from the clinic's photo vault
(:func:`vault_pairs`: each episode's follow-up photos with its baseline photo of the same view, by the rule
in :func:`threadlift.clinic.photos.follow_up_pairs`). Everything else a batch run does (skip what is done,
read on the driver, the workers, Parquet parts, the summary) is :func:`threadlift.services.batch.run`'s. For
the vault, each pair's lift per area goes to ``follow_up_lifts`` under this engine version, beside what
earlier comparisons kept, and feeds the durability figures (OUT-02).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threadlift.clinic.photos import follow_up_pairs
from threadlift.face.analysis import Analyzer, FaceAnalysis
from threadlift.face.areas import ALL_AREAS, Side
from threadlift.face.compare import Comparison, compare
from threadlift.face.compare_report import COMPARISON_SCHEMA_VERSION
from threadlift.face.errors import PhotoError
from threadlift.services import batch, outcome_stats
from threadlift.services.base import Services, record

BASELINE, FOLLOW_UP, DAYS = "baseline", "follow_up", "days_after_procedure"
MANIFEST_HELP = (
    "A CSV file whose first line names its columns: baseline and follow_up (the two photo files of one pair; "
    "a path relative to the manifest's folder, or absolute) and, optionally, days_after_procedure (a whole "
    "number, copied to the results). One pair per line; a photo may be in several pairs.")


class ManifestError(ValueError):
    """The manifest cannot be read as pairs; the message says what to fix."""


@dataclass(frozen=True)
class Pair:
    """A follow-up photo and its baseline: files, or vault photos of one patient's episode. ``problem``: a
    manifest line that names no pair (it fails with the code ``manifest_line_incomplete``)."""

    key: str  # what a re-run recognises: both paths, or both photo ids
    baseline: batch.Item
    follow_up: batch.Item
    days_after_procedure: int | None = None
    episode_id: str | None = None
    patient_id: str | None = None
    problem: str | None = None


def pair_key(baseline: str, follow_up: str) -> str:
    return f"{baseline} -> {follow_up}"


def manifest_pairs(manifest: Path) -> list[Pair]:
    """The pairs a CSV manifest lists (see :data:`MANIFEST_HELP`), in its order."""
    try:
        text = manifest.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ManifestError(f"{manifest} does not exist; give the CSV file that lists the pairs") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"cannot read {manifest} as a CSV text file ({error}); {MANIFEST_HELP}") from None
    reader = csv.DictReader(text.splitlines())
    columns = [(name or "").strip() for name in reader.fieldnames or []]
    if BASELINE not in columns or FOLLOW_UP not in columns:
        raise ManifestError(f"{manifest} has the columns {', '.join(columns) or 'none'}; its first line must name "
                            f"the columns {BASELINE} and {FOLLOW_UP}. {MANIFEST_HELP}")
    here = manifest.parent
    pairs = []
    for raw in reader:
        line = reader.line_num  # the file's line (blank lines are skipped, and counted)
        cells = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        before, after, days = cells.get(BASELINE, ""), cells.get(FOLLOW_UP, ""), cells.get(DAYS, "")
        if not any(cells.values()):
            continue  # a line of empty cells
        paths = [str(here / p) if p else "" for p in (before, after)]
        key = pair_key(*paths) if all(paths) else f"{manifest.name} line {line}"
        problem = None
        if not all(paths):
            problem = f"line {line} of {manifest.name} names no {BASELINE if not before else FOLLOW_UP} photo"
        elif days and not (days.isdigit() and int(days) <= 36_500):
            problem = f"line {line} of {manifest.name}: {DAYS} must be a whole number of days (0 to 36500)"
        pairs.append(Pair(key, batch.Item(paths[0], path=paths[0]), batch.Item(paths[1], path=paths[1]),
                          int(days) if days.isdigit() else None, problem=problem))
    return pairs


def vault_pairs(svc: Services) -> list[Pair]:
    """Each follow-up photo in the vault with its episode's baseline photo of the same view."""
    with svc.uow(read_only=True) as uow:
        listed = uow.photos.pairing_listing()

    def item(photo: Any) -> batch.Item:
        stored = photo.stored
        return batch.Item(stored.photo_id, photo_id=stored.photo_id, stored_name=stored.stored_name,
                          stored_sha256=stored.stored_sha256)

    return [Pair(pair_key(p.baseline.stored.photo_id, p.follow_up.stored.photo_id), item(p.baseline),
                 item(p.follow_up), p.days_after_procedure, p.follow_up.episode_id, p.follow_up.patient_id)
            for p in follow_up_pairs(listed)]


def _area_columns() -> list[str]:
    return [f"{area.value}__{side.value}" for area in ALL_AREAS for side in Side]


def schema() -> Any:
    """One Parquet schema for every pair's row, failed or not."""
    import pyarrow as pa

    text, number, whole, yes, texts = pa.string(), pa.float64(), pa.int32(), pa.bool_(), pa.list_(pa.string())
    fields = [("key", text), ("baseline_path", text), ("follow_up_path", text), ("baseline_photo_id", text),
              ("follow_up_photo_id", text), ("episode_id", text), ("patient_id", text), (DAYS, whole),
              ("engine_version", text), ("error_code", text), ("error_message", text), ("failed_photo", text),
              ("view", text), ("follow_up_view", text), ("baseline_sha256", text), ("follow_up_sha256", text),
              ("baseline_yaw_deg", number), ("baseline_pitch_deg", number), ("follow_up_yaw_deg", number),
              ("follow_up_pitch_deg", number), ("yaw_difference_deg", number), ("pitch_difference_deg", number),
              ("comparable", yes), ("refusal_codes", texts), ("baseline_quality_codes", texts),
              ("follow_up_quality_codes", texts), ("registration_error_mm", number),
              ("residual_flow_on_rigid_tissue_mm", number)]
    for column in _area_columns():
        fields += [(f"{column}_lift_mm", number), (f"{column}_lateral_mm", number),
                   (f"{column}_uncertainty_mm", number), (f"{column}_measurable", yes)]
    return pa.schema(fields)


def pair_row(pair: Pair, engine: str, **values: Any) -> dict[str, Any]:
    """A pair's row: who and which photos, the engine version, no error, and ``values``."""
    return {"key": pair.key, "baseline_path": pair.baseline.path, "follow_up_path": pair.follow_up.path,
            "baseline_photo_id": pair.baseline.photo_id, "follow_up_photo_id": pair.follow_up.photo_id,
            "episode_id": pair.episode_id, "patient_id": pair.patient_id, DAYS: pair.days_after_procedure,
            "engine_version": engine, "error_code": None, "error_message": None, "failed_photo": None, **values}


def failure(pair: Pair, engine: str, code: str, message: str, photo: str | None = None) -> batch.Result:
    return batch.Result(pair_row(pair, engine, error_code=code, error_message=message, failed_photo=photo))


def comparison_row(pair: Pair, engine: str, c: Comparison) -> dict[str, Any]:
    """The comparison flattened: both poses and their differences, the quality codes of each photo, why a pair
    was refused (``error_code`` not_comparable, each reason's code), and per area and the patient's side the
    lift (up +), the sideways movement and the expanded uncertainty, in mm."""
    first, second = c.before, c.after
    row = pair_row(pair, engine, view=first.view.value, follow_up_view=second.view.value,
               baseline_sha256=first.photo.sha256, follow_up_sha256=second.photo.sha256,
               baseline_yaw_deg=first.pose.yaw_deg, baseline_pitch_deg=first.pose.pitch_deg,
               follow_up_yaw_deg=second.pose.yaw_deg, follow_up_pitch_deg=second.pose.pitch_deg,
               yaw_difference_deg=second.pose.yaw_deg - first.pose.yaw_deg,
               pitch_difference_deg=second.pose.pitch_deg - first.pose.pitch_deg, comparable=c.comparable,
               refusal_codes=[r.code for r in c.reasons],
               baseline_quality_codes=[i.code for i in first.quality.issues],
               follow_up_quality_codes=[i.code for i in second.quality.issues])
    if c.reasons:
        row.update(error_code="not_comparable", error_message="; ".join(r.message for r in c.reasons))
    if c.registration is not None:
        row.update(registration_error_mm=c.registration.error_mm, residual_flow_on_rigid_tissue_mm=c.flow_noise_mm)
    for area, sides in c.areas.items():
        for side, change in sides.items():
            if change is not None:
                column = f"{area.value}__{side.value}"
                row.update({f"{column}_lift_mm": change.lift_mm, f"{column}_lateral_mm": change.lateral_mm,
                            f"{column}_uncertainty_mm": change.uncertainty_mm,
                            f"{column}_measurable": change.measurable})
    return row


def compare_one(analyzer: Analyzer, pair: Pair, before: bytes, after: bytes, engine: str) -> batch.Result:
    """One pair through the engine: its row, or its error code (which photo failed, or why the pair is not
    comparable). Never raises for a bad pair. For a vault pair measured, the lifts to keep."""
    analyses: list[FaceAnalysis] = []
    for which, data in ((BASELINE, before), (FOLLOW_UP, after)):
        try:
            analyses.append(analyzer.analyze(data))
        except PhotoError as error:
            return failure(pair, engine, error.code, f"the {which.replace('_', '-')} photo: {error.message}", which)
    try:
        comparison = compare(*analyses, analyzer=analyzer)
    except Exception as error:  # a pair the engine cannot measure is a row, never a crashed run
        return failure(pair, engine, "compare_failed", f"the comparison failed ({type(error).__name__}); report "
                                                       "this pair with the engine version")
    row = comparison_row(pair, engine, comparison)
    keeps = pair.follow_up.photo_id is not None and comparison.comparable and comparison.measured
    return batch.Result(row, {"lifts": outcome_stats.measured_lifts(comparison)} if keeps else None)


def keep_lifts(svc: Services, row: dict[str, Any], document: dict[str, Any], engine: str) -> int:
    """A vault pair's lift per area into ``follow_up_lifts`` under ``engine``, beside earlier comparisons';
    audited. A pair whose episode has no procedure has no day to place it on: nothing is kept."""
    day = row[DAYS]
    if day is None or row["episode_id"] is None:
        return 0
    with svc.uow() as uow:
        kept = outcome_stats.keep_measured(
            uow, svc, document["lifts"], before_photo_id=row["baseline_photo_id"],
            after_photo_id=row["follow_up_photo_id"],
            episode_id=row["episode_id"], patient_id=row["patient_id"], day=day, engine_version=engine)
        if kept:
            record(uow, svc, None, "compare", "photo", row["follow_up_photo_id"],
                   before=row["baseline_photo_id"], engine=engine, batch=True)
        uow.commit()
    return kept


@dataclass(frozen=True)
class CompareJob:
    """``threadlift batch compare``: each follow-up pair compared, lift per area with its uncertainty."""

    passes: int = 2
    noun: str = "pair"

    def engine(self) -> str:
        return f"{batch.engine_version(self.passes)}; comparison {COMPARISON_SCHEMA_VERSION}"

    def schema(self) -> Any:
        return schema()

    def start(self) -> Analyzer:
        return batch.PhotoJob(self.passes).start()

    def work(self, engine: Analyzer, item: Pair, payload: tuple[bytes, bytes]) -> batch.Result:
        return compare_one(engine, item, *payload, self.engine())

    def load(self, item: Pair, svc: Services | None) -> tuple[bytes, bytes] | batch.Result:
        if item.problem is not None:
            return failure(item, self.engine(), "manifest_line_incomplete", item.problem)
        found: list[bytes] = []
        for which, photo in ((BASELINE, item.baseline), (FOLLOW_UP, item.follow_up)):
            data = batch.read(photo, svc)
            if isinstance(data, batch.Unread):
                return failure(item, "unread", data.code, f"the {which.replace('_', '-')} photo: {data.message}",
                               which)
            found.append(data)
        return found[0], found[1]

    def done(self, svc: Services) -> set[str]:
        with svc.uow(read_only=True) as uow:
            return {pair_key(before, after) for before, after in uow.registers.lifted_pairs(self.engine())}

    def keep(self, svc: Services, result: batch.Result) -> None:
        if result.document is not None:
            keep_lifts(svc, result.row, result.document, self.engine())
