"""Batch runs over many photos (issue 18 §3): a folder of photo files, or the clinic's photo vault.

This module is the driver's side and knows nothing of Ray. It holds what every batch run shares (:func:`run`:
skip what is done for this engine version, read each item on the driver, hand it to a runner, write one
Parquet row per item, a part file per checkpoint, keep the vault's results in the database, count failures)
and the first kind of run, :class:`PhotoJob` (``threadlift batch analyze``: one photo's analysis per row).
:mod:`threadlift.services.batch_compare` is the second (a follow-up pair's comparison per row). The
distributed running lives in :mod:`threadlift.services.batch_ray`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from threadlift import __version__
from threadlift.face.analysis import AnalysisSettings, Analyzer
from threadlift.face.errors import PhotoError
from threadlift.face.report import SCHEMA_VERSION
from threadlift.services.base import Services, record
from threadlift.store.vault import VaultError

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp", ".tif", ".tiff", ".bmp"}
PART_PREFIX = "part-"


def engine_version(passes: int) -> str:
    """What the results depend on: the software's version, the analysis document's schema and the passes."""
    return f"threadlift {__version__}; analysis {SCHEMA_VERSION}; passes {passes}"


@dataclass(frozen=True)
class Item:
    """One photo to analyse: a file (``path``) or a vault photo (``photo_id`` and its vault name)."""

    key: str  # the path, or the photo id: what a re-run recognises
    path: str | None = None
    photo_id: str | None = None
    stored_name: str | None = None
    stored_sha256: str | None = None


@dataclass(frozen=True)
class Result:
    """One photo's row for the Parquet file, and for the vault its analysis document (None when failed)."""

    row: dict[str, Any]
    document: dict[str, Any] | None = None

    @property
    def failed(self) -> bool:
        return self.row["error_code"] is not None


def folder_items(folder: Path) -> list[Item]:
    """Every file in ``folder`` and below, in name order; files that are not photos are items too (they fail
    with their error code rather than vanish from the summary), hidden files are left out."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder; give the folder that holds the photos")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(".")
                                                                           for part in p.relative_to(folder).parts))
    return [Item(key=str(p), path=str(p)) for p in files]


def vault_items(svc: Services) -> list[Item]:
    with svc.uow(read_only=True) as uow:
        return [Item(key=p.photo_id, photo_id=p.photo_id, stored_name=p.stored_name, stored_sha256=p.stored_sha256)
                for p in uow.photos.vault_listing()]


def done_keys(out: Path, engine: str) -> set[str]:
    """Photos already analysed for ``engine`` in the Parquet folder ``out`` (failed ones are tried again)."""
    import pyarrow.parquet as pq

    if not out.exists():
        return set()
    done: set[str] = set()
    for part in sorted(out.glob(f"{PART_PREFIX}*.parquet")):
        table = pq.read_table(part, columns=["key", "engine_version", "error_code"])
        for key, version, error in zip(*(table.column(c).to_pylist() for c in ("key", "engine_version",
                                                                                "error_code")), strict=True):
            if version == engine and error is None:
                done.add(key)
    return done


def vault_done(svc: Services, engine: str) -> set[str]:
    """Vault photos that already have an analysis version for ``engine`` in the database."""
    with svc.uow(read_only=True) as uow:
        return uow.photos.analysed_with(engine)


@dataclass(frozen=True)
class Unread:
    """Why a photo's bytes could not be read: its error code and a message saying what to do."""

    code: str
    message: str


def read(item: Item, svc: Services | None = None) -> bytes | Unread:
    """The photo's bytes, read on the driver (a file, or decrypted from the vault and checked against its
    recorded hash), or why they cannot be read."""
    try:
        if item.path is not None:
            return Path(item.path).read_bytes()
        assert svc is not None and item.stored_name is not None
        data = svc.vault.get(item.stored_name)
    except OSError as error:
        return Unread("unreadable_file", f"cannot read the file ({error.strerror or error}); check that it exists "
                                         "and its permissions")
    except VaultError as error:
        return Unread("vault_unreadable", f"{error}; is this the clinic's photo key?")
    if item.stored_sha256 and hashlib.sha256(data).hexdigest() != item.stored_sha256:
        return Unread("vault_altered", "the stored photo does not match its recorded hash")
    return data


def load(item: Item, svc: Services | None = None) -> bytes | Result:
    """The photo's bytes, or its failure row when they cannot be read."""
    data = read(item, svc)
    return failure(item, "unread", data.code, data.message) if isinstance(data, Unread) else data


def failure(item: Item, engine: str, code: str, message: str) -> Result:
    return Result({"key": item.key, "path": item.path, "photo_id": item.photo_id, "engine_version": engine,
                   "error_code": code, "error_message": message})


def analyse_one(analyzer: Analyzer, item: Item, data: bytes, engine: str) -> Result:
    """One photo through the engine: its row (pose, calibration, each measurement with its uncertainty,
    quality codes), or its error code. Never raises for a bad photo."""
    try:
        document = analyzer.analyze(data).to_dict()
    except PhotoError as error:
        return failure(item, engine, error.code, error.message)
    document["image"] = {**document["image"], "path": None}  # a file name may hold a patient's name
    return Result(row_of(item, engine, document), document if item.photo_id else None)


def row_of(item: Item, engine: str, document: dict[str, Any]) -> dict[str, Any]:
    """The analysis document flattened: one column per measurement and side (``<name>__left``), each with its
    expanded uncertainty (``<name>__left_uncertainty``), the unit in the name as the measurement names it."""
    pose, calibration, quality = document["pose"], document["calibration"], document["quality"]
    row: dict[str, Any] = {
        "key": item.key, "path": item.path, "photo_id": item.photo_id, "engine_version": engine,
        "error_code": None, "error_message": None, "image_sha256": document["image"]["sha256"],
        "view": document["view"], "yaw_deg": pose["yaw_deg"], "pitch_deg": pose["pitch_deg"],
        "roll_deg": pose["roll_deg"], "mm_per_px": calibration["mm_per_px"],
        "calibration_method": calibration["method"],
        "calibration_uncertainty_mm_per_px": calibration["uncertainty_mm_per_px"],
        "quality_ok": quality["ok"], "quality_codes": [issue["code"] for issue in quality["issues"]]}
    for name, value in {**document["measurements"], **{f"asymmetry_{k}_mm": v
                                                       for k, v in document["symmetry"].items()}}.items():
        spread = value.get("uncertainty")
        for part in ("left", "right", "value"):
            if part in value:
                row[f"{name}__{part}"] = value[part]
                row[f"{name}__{part}_uncertainty"] = spread.get(part) if isinstance(spread, dict) else spread
        if value.get("withheld"):
            row[f"{name}__withheld"] = value["withheld"]
    return row


def measurement_columns() -> list[tuple[str, tuple[str, ...]]]:
    """Every measurement an analysis can report, with its parts (left and right, or one value)."""
    from threadlift.face.landmarks import ASYMMETRY_REGIONS
    from threadlift.face.metrics import MEASURES

    found: list[tuple[str, tuple[str, ...]]] = [(m.name, ("left", "right") if m.sided else ("value",))
                                                for m in MEASURES]
    found += [("cervicomental_angle_deg", ("value",)), ("chin_neck_length_mm", ("value",))]
    return found + [(f"asymmetry_{region}_mm", ("value",)) for region in (*ASYMMETRY_REGIONS, "overall")]


def schema() -> Any:
    """One Parquet schema for every photo's row, failed or not, so every part file of a run reads as one
    table."""
    import pyarrow as pa

    text, number = pa.string(), pa.float64()
    fields = [("key", text), ("path", text), ("photo_id", text), ("engine_version", text), ("error_code", text),
              ("error_message", text), ("image_sha256", text), ("view", text), ("yaw_deg", number),
              ("pitch_deg", number), ("roll_deg", number), ("mm_per_px", number), ("calibration_method", text),
              ("calibration_uncertainty_mm_per_px", number), ("quality_ok", pa.bool_()),
              ("quality_codes", pa.list_(text))]
    for name, parts in measurement_columns():
        for part in parts:
            fields += [(f"{name}__{part}", number), (f"{name}__{part}_uncertainty", number)]
        fields.append((f"{name}__withheld", text))
    return pa.schema(fields)


@dataclass
class ParquetWriter:
    """Rows to a Parquet dataset folder, one part file per ``every`` rows, so a stopped run keeps what it did."""

    folder: Path
    every: int = 200
    schema: Any = None  # a pyarrow schema; None: the photo rows' schema
    pending: list[dict[str, Any]] = field(default_factory=list)
    parts: int = 0

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.parts = len(list(self.folder.glob(f"{PART_PREFIX}*.parquet")))

    def add(self, row: dict[str, Any]) -> None:
        self.pending.append(row)
        if len(self.pending) >= self.every:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.pending:
            return
        table = pa.Table.from_pylist(self.pending, schema=self.schema or schema())
        target = self.folder / f"{PART_PREFIX}{self.parts:05d}.parquet"
        pq.write_table(table, target.with_suffix(".tmp"))
        target.with_suffix(".tmp").replace(target)  # a part is whole or absent
        self.parts += 1
        self.pending = []


def keep_version(svc: Services, result: Result, engine: str) -> None:
    """A vault photo's new analysis, kept beside the one made at upload (never overwriting it)."""
    if result.document is None or result.row["photo_id"] is None:
        return
    with svc.uow() as uow:
        uow.photos.add_analysis_version(result.row["photo_id"], engine, result.document, svc.clock())
        record(uow, svc, None, "analyse", "photo", result.row["photo_id"], engine=engine, batch=True)
        uow.commit()


class Job(Protocol):
    """One kind of batch run. It is sent to every worker (so it holds settings only, and pickles small):
    ``start`` and ``work`` run on the workers, the rest on the driver."""

    @property
    def noun(self) -> str:
        """What one item is, for messages: "photo", "pair"."""
        ...

    def engine(self) -> str:
        """What the results depend on: a re-run skips the items done for the same engine version."""
        ...

    def schema(self) -> Any:
        """The Parquet schema of every row, failed or not."""
        ...

    def start(self) -> Any:
        """On a worker, once: the engine with its models loaded."""
        ...

    def work(self, engine: Any, item: Any, payload: Any) -> Result:
        """On a worker: one item's row (or its error code); never raises for bad input."""
        ...

    def load(self, item: Any, svc: Services | None) -> Any:
        """On the driver: what the worker needs (the photos' bytes), or the item's failure :class:`Result`."""
        ...

    def done(self, svc: Services) -> set[str]:
        """The keys the database already holds results of for this engine version (vault runs)."""
        ...

    def keep(self, svc: Services, result: Result) -> None:
        """A vault item's result into the database, as a new version beside the old."""
        ...


@dataclass(frozen=True)
class PhotoJob:
    """``threadlift batch analyze``: each photo analysed (pose, calibration, measurements, quality)."""

    passes: int = 2
    noun: str = "photo"

    def engine(self) -> str:
        return engine_version(self.passes)

    def schema(self) -> Any:
        return schema()

    def start(self) -> Analyzer:
        analyzer = local_analyser(self.passes)
        analyzer.models  # noqa: B018  (load the models now, not inside the first photo's time)
        return analyzer

    def work(self, engine: Analyzer, item: Item, payload: bytes) -> Result:
        return analyse_one(engine, item, payload, self.engine())

    def load(self, item: Item, svc: Services | None) -> bytes | Result:
        return load(item, svc)

    def done(self, svc: Services) -> set[str]:
        return vault_done(svc, self.engine())

    def keep(self, svc: Services, result: Result) -> None:
        keep_version(svc, result, self.engine())


@dataclass
class Summary:
    done: int = 0  # analysed, or compared
    skipped: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # error code -> items

    def count(self, result: Result) -> None:
        if result.failed:
            code = result.row["error_code"]
            self.failed[code] = self.failed.get(code, 0) + 1
        else:
            self.done += 1

    @property
    def failures(self) -> int:
        return sum(self.failed.values())


Runner = Callable[[Iterable[tuple[Any, Any]], Job], Iterator[Result]]


def local_analyser(passes: int) -> Analyzer:
    return Analyzer(AnalysisSettings(passes=passes))


def run(items: list[Any], out: Path, *, runner: Runner, job: Job | None = None, passes: int = 2,
        svc: Services | None = None, progress: Callable[[Result], None] = lambda result: None,
        checkpoint: int = 200) -> Summary:
    """Run ``job`` (default: analyse each photo with ``passes``) on the ``items`` not yet done for its engine
    version with ``runner`` (Ray's actor pool, or the serial one), writing each row to the Parquet folder
    ``out`` and, for vault items, each result to the database. Items that cannot be read become rows with
    their error code on the driver, never a crashed run."""
    kind: Job = job or PhotoJob(passes)
    engine = kind.engine()
    done = done_keys(out, engine) | (kind.done(svc) if svc is not None else set())
    summary = Summary(skipped=sum(1 for item in items if item.key in done))
    writer = ParquetWriter(out, every=checkpoint, schema=kind.schema())

    def readable() -> Iterator[tuple[Any, Any]]:
        for item in items:
            if item.key in done:
                continue
            payload = kind.load(item, svc)
            if isinstance(payload, Result):
                finish(payload)
                continue
            yield item, payload

    def finish(result: Result) -> None:
        writer.add(result.row)
        summary.count(result)
        if svc is not None and not result.failed:
            kind.keep(svc, result)
        progress(result)

    try:
        for result in runner(readable(), kind):
            finish(result)
    finally:
        writer.flush()
    return summary


def serial_runner(items: Iterable[tuple[Any, Any]], job: Job) -> Iterator[Result]:
    """The same work in this process, one item after another (the baseline the Ray run is measured against)."""
    engine = job.start()
    for item, payload in items:
        yield job.work(engine, item, payload)
