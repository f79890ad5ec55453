"""Repositories: rows in, domain records out. One class per aggregate, a small surface each."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import Date, Select, Text, and_, bindparam, cast, delete, func, insert, intersect, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from threadlift.clinic.consent import ConsentDocument, PhotoConsent
from threadlift.clinic.corrections import InError
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import NotFound, RecordLocked
from threadlift.clinic.followup import FollowUp
from threadlift.clinic.patient import STORED, Patient
from threadlift.clinic.photos import ListedPhoto, PhotoRecord, PhotoStage, StagedPhoto, VaultPhoto
from threadlift.clinic.registers import LotStock
from threadlift.clinic.threads import ThreadLot
from threadlift.store.tables import (
    AdverseEventLotRow,
    AdverseEventRow,
    ConsentDocumentRow,
    EpisodeRow,
    FollowUpRow,
    GaisRatingRow,
    PatientNameTokenRow,
    PatientRow,
    PhotoAnalysisRow,
    PhotoConsentRow,
    PhotoRow,
    ThreadLotRow,
    ThreadUseRow,
)

_PATIENT_FIELDS = ("family_name", "given_name", "date_of_birth", "sex", "phone", "email", "weight_kg", "height_cm",
                   "dosing_weight_kg")


def _now() -> datetime:
    return datetime.now(UTC)


class SqlPatientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, patient: Patient) -> None:
        now = _now()
        row = PatientRow(id=str(patient.id), search_name=_search_name(patient), created_at=now, updated_at=now,
                         **{f: _plain(getattr(patient, f)) for f in _PATIENT_FIELDS})
        self.session.add(row)
        self.session.flush()  # rows without ORM relationships are not ordered by foreign key on flush
        self._index_names(patient)

    def get(self, patient_id: UUID | str) -> Patient:
        row = self.session.get(PatientRow, str(patient_id))
        if row is None:
            raise NotFound(f"no patient {patient_id}")
        return _patient(row)

    def ids(self) -> list[str]:
        return list(self.session.execute(select(PatientRow.id).order_by(PatientRow.id)).scalars())

    def display_names(self, patient_ids: Collection[UUID]) -> dict[UUID, str]:
        if not patient_ids:
            return {}
        rows = self.session.execute(select(PatientRow.id, PatientRow.given_name, PatientRow.family_name)
                                    .where(PatientRow.id.in_([str(i) for i in patient_ids])))
        return {UUID(i): Patient.name_shown(given, family) for i, given, family in rows}

    def update(self, patient: Patient) -> None:
        values = {f: _plain(getattr(patient, f)) for f in _PATIENT_FIELDS}
        self.session.execute(update(PatientRow).where(PatientRow.id == str(patient.id))
                             .values(**values, search_name=_search_name(patient), updated_at=_now()))
        self._index_names(patient)

    def _index_names(self, patient: Patient) -> None:
        self.session.execute(delete(PatientNameTokenRow).where(PatientNameTokenRow.patient_id == str(patient.id)))
        self.session.execute(insert(PatientNameTokenRow), name_token_rows(str(patient.id), _search_name(patient)))

    def search(self, text: str, *, limit: int = 50, offset: int = 0) -> tuple[list[Patient], int]:
        """Patients with a name starting with each word of ``text`` (either name, any part of it), or
        born on a date given as YYYY-MM-DD; sorted by name, with the number of matches."""
        shape: list[str] = []
        values: dict[str, object] = {"limit": limit, "offset": offset}
        for i, word in enumerate(folded(text).split()):  # accents either side do not matter
            try:
                values[f"w{i}"] = date.fromisoformat(word)
                shape.append("born")
            except ValueError:
                values[f"w{i}"] = word
                after = _after_prefix(word)
                if after is None:
                    shape.append("at least")
                else:
                    shape.append("prefix")
                    values[f"a{i}"] = after
        page_of_ids, count = _search_statements(tuple(shape))
        page = self.session.execute(page_of_ids, values).all()
        if not page:
            return [], int(self.session.execute(count, values).scalar_one()) if offset else 0
        ids = [patient_id for patient_id, _ in page]
        rows = {row.id: row for row in self.session.execute(_PATIENTS_BY_ID, {"ids": ids})}
        return [_patient(rows[i]) for i in ids], int(page[0][1])


_PATIENTS_BY_ID = select(PatientRow.id, *(getattr(PatientRow, f) for f in _PATIENT_FIELDS)).where(
    PatientRow.id.in_(bindparam("ids", expanding=True)))


@lru_cache(maxsize=64)
def _search_statements(shape: tuple[str, ...]) -> tuple[Select[str, int], Select[int]]:
    """Patient search as statements with parameters, built once per shape of query (which words are
    dates, which prefixes): SQLAlchemy builds a statement at a cost of several times its run here.

    The page is a list of ids in name order, each beside the number of matches, from the indexes alone.
    """
    tokens = PatientNameTokenRow
    arms: list[Select[str, str]] = []
    for i, kind in enumerate(shape):
        if kind == "born":
            arms.append(select(PatientRow.id, PatientRow.search_name)
                        .where(PatientRow.date_of_birth == bindparam(f"w{i}", type_=Date)))
            continue
        in_range = tokens.token >= bindparam(f"w{i}")
        if kind == "prefix":
            in_range = and_(in_range, tokens.token < bindparam(f"a{i}"))
        arms.append(select(tokens.patient_id, tokens.search_name).where(in_range))
    if not arms:
        arms.append(select(PatientRow.id, PatientRow.search_name))
    matches = (arms[0] if len(arms) == 1 else intersect(*arms)).subquery()
    page = (select(matches.c[0], func.count().over()).order_by(matches.c[1], matches.c[0])
            .limit(bindparam("limit")).offset(bindparam("offset")))
    return page, select(func.count()).select_from(matches)


def _search_name(patient: Patient) -> str:
    return f"{patient.family_name} {patient.given_name}".lower()


def name_tokens(search_name: str) -> set[str]:
    """The words a search may start: each word of the names, and each part of a hyphenated or
    apostrophed one ("smith-jones" gives "smith-jones" and "jones"; "o'neil" gives "neil" too), each
    also without its accents ("márta" gives "marta"), which is how a search's words are looked up."""
    tokens = set()
    for word in search_name.split():
        tokens.add(word)
        tokens.update(part for part in re.split(r"[-'’]", word)[1:] if part)
    return tokens | {folded(token) for token in tokens}


def folded(word: str) -> str:
    """``word`` in lower case without accents: "Márta" and "marta" are both "marta"."""
    plain = unicodedata.normalize("NFKD", word)
    return "".join(c for c in plain if not unicodedata.combining(c)).lower()


def name_token_rows(patient_id: str, search_name: str) -> list[dict[str, str]]:
    return [{"token": token, "search_name": search_name, "patient_id": patient_id}
            for token in sorted(name_tokens(search_name))]


def _after_prefix(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix``, in code-point order (None: no bound)."""
    while prefix:
        code = ord(prefix[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored; the next character is U+E000
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:-1] + chr(code)
        prefix = prefix[:-1]
    return None


def _plain(value: object) -> object:
    return value.value if hasattr(value, "value") else value


def _patient(row: PatientRow | Row[Any]) -> Patient:
    return Patient.model_validate({"id": row.id, **{f: getattr(row, f) for f in _PATIENT_FIELDS}}, context=STORED)


# The stored JSON text, validated by pydantic's own parser: an episode is read on every visit to it,
# and decoding to Python objects first cost as much again as validating.
_EPISODE_BY_ID = select(EpisodeRow.version, cast(EpisodeRow.document, Text).label("document")).where(
    EpisodeRow.id == bindparam("id"))


class SqlEpisodeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._versions: dict[str, int] = {}

    def add(self, episode: Episode) -> None:
        row = EpisodeRow(id=str(episode.id), patient_id=str(episode.patient_id), state=episode.state.value,
                         opened_at=episode.opened_at, updated_at=_now(), version=1,
                         document=episode.model_dump(mode="json"), **_procedure_times(episode))
        self.session.add(row)
        self._versions[row.id] = 1
        self.session.flush()
        self._reindex(episode)

    def get(self, episode_id: UUID | str) -> Episode:
        return self.get_with_version(episode_id)[0]

    def get_with_version(self, episode_id: UUID | str) -> tuple[Episode, int]:
        key = str(episode_id)
        row = self.session.execute(_EPISODE_BY_ID, {"id": key}).first()
        if row is None:
            raise NotFound(f"no episode {episode_id}")
        self._versions[key] = row.version
        return Episode.model_validate_json(row.document), row.version

    def for_patient(self, patient_id: UUID | str) -> list[Episode]:
        documents = self.session.execute(_PATIENTS_EPISODES, {"patient_id": str(patient_id)}).scalars()
        return [Episode.model_validate(document) for document in documents]

    def save(self, episode: Episode, *, expected_version: int | None = None) -> None:
        """Write the aggregate back; refuses if someone else saved it since it was read (in this unit
        of work, or at ``expected_version`` by a client that read it earlier)."""
        key = str(episode.id)
        version = expected_version if expected_version is not None else self._versions.get(key)
        if version is None:
            raise RuntimeError("save() of an episode that was not read in this unit of work")
        result = self.session.execute(
            update(EpisodeRow).where(EpisodeRow.id == key, EpisodeRow.version == version)
            .values(state=episode.state.value, updated_at=_now(), version=version + 1,
                    document=episode.model_dump(mode="json"), **_procedure_times(episode)))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise RecordLocked("this episode was changed by someone else meanwhile; reload it and try again",
                               rule="concurrent_change")
        self._versions[key] = version + 1
        self._reindex(episode)

    def _reindex(self, episode: Episode) -> None:
        key, patient = str(episode.id), str(episode.patient_id)
        for table in (ThreadUseRow, GaisRatingRow, FollowUpRow):
            self.session.execute(delete(table).where(table.episode_id == key))
        event_ids = [e for e in self.session.execute(select(AdverseEventRow.id).where(
            AdverseEventRow.episode_id == key)).scalars()]
        if event_ids:
            self.session.execute(delete(AdverseEventLotRow).where(AdverseEventLotRow.event_id.in_(event_ids)))
            self.session.execute(delete(AdverseEventRow).where(AdverseEventRow.episode_id == key))
        if episode.procedure is not None:
            self.session.add_all([ThreadUseRow(lot_id=str(t.lot_id), episode_id=key, patient_id=patient, area=t.area,
                                               side=t.side.value, vector=t.vector, placed_at=t.at)
                                  for t in episode.placed_threads()])  # not those recorded in error
        self.session.add_all([_follow_up_row(key, patient, i, f) for i, f in enumerate(episode.follow_ups)])
        self.session.add_all([GaisRatingRow(episode_id=key, position=i, rater=r.rater.value, patient_id=patient,
                                            score=r.score, scale_name=r.scale_name, scale_version=r.scale_version,
                                            best_score=r.best_score, worst_score=r.worst_score,
                                            standard_score=r.standard_score, rated_at=r.rated_at)
                              for i, f in enumerate(episode.follow_ups) if f.assessment
                              for r in f.assessment.ratings])
        for event in episode.reported_events():
            self.session.add(AdverseEventRow(
                id=str(event.id), episode_id=key, patient_id=patient, type=event.type.value, area=event.area,
                serious=event.serious, onset_on=event.onset_on, severity=event.severity,
                clavien_dindo=event.clavien_dindo, tier=event.tier, outcome=event.outcome.value))
            self.session.flush()
            self.session.add_all([AdverseEventLotRow(event_id=str(event.id), lot_id=str(lot)) for lot in event.lot_ids])
        self.session.flush()


def _procedure_times(episode: Episode) -> dict[str, datetime | None]:
    procedure = episode.procedure
    return {"procedure_started_at": procedure.started_at if procedure else None,
            "procedure_ended_at": procedure.ended_at if procedure else None}


def _follow_up_row(episode_id: str, patient_id: str, position: int, f: FollowUp) -> FollowUpRow:
    effect = f.assessment.effect if f.assessment else None
    return FollowUpRow(episode_id=episode_id, position=position, patient_id=patient_id, name=f.name, kind=f.kind,
                       due_on=f.due_on, status=f.status.value, completed_at=f.completed_at,
                       effect_noticeable=None if effect is None else effect.noticeable,
                       effect_lost_after_days=None if effect is None or effect.lost_after_weeks is None
                       else 7 * effect.lost_after_weeks)


class SqlLotRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, lot: ThreadLot) -> None:
        values = {k: _plain(v) for k, v in lot.model_dump(exclude={"id"}).items()}
        self.session.add(ThreadLotRow(id=str(lot.id), **values))
        self.session.flush()

    def get(self, lot_id: UUID | str) -> ThreadLot:
        row = self.session.get(ThreadLotRow, str(lot_id))
        if row is None:
            raise NotFound(f"no thread lot {lot_id}")
        return _lot(row)

    def used(self, lot_id: UUID | str) -> int:
        return int(self.session.execute(select(func.count()).select_from(ThreadUseRow)
                                        .where(ThreadUseRow.lot_id == str(lot_id))).scalar_one())

    def all(self) -> list[LotStock]:
        used = dict(self.session.execute(select(ThreadUseRow.lot_id, func.count()).group_by(ThreadUseRow.lot_id)).all())
        rows = self.session.execute(select(ThreadLotRow).order_by(ThreadLotRow.expiry)).scalars().all()
        return [LotStock(_lot(r), int(used.get(r.id, 0))) for r in rows]

    def expiring(self, by: date, limit: int) -> list[LotStock]:
        """Lots with threads left that expire on or before ``by``, soonest first: the day's board."""
        rows = self.session.execute(_EXPIRING, {"by": by, "limit": limit}).all()
        return [LotStock(_lot(row), int(count)) for row, count in rows]

    def products(self) -> list[str]:
        return sorted(set(self.session.execute(select(ThreadLotRow.product)).scalars()))


_USED = select(ThreadUseRow.lot_id, func.count().label("used")).group_by(ThreadUseRow.lot_id).subquery()
_TAKEN = func.coalesce(_USED.c.used, 0)
_EXPIRING = (select(ThreadLotRow, _TAKEN).outerjoin(_USED, _USED.c.lot_id == ThreadLotRow.id)
             .where(ThreadLotRow.expiry <= bindparam("by"), ThreadLotRow.quantity_received > _TAKEN)
             .order_by(ThreadLotRow.expiry).limit(bindparam("limit")))  # built once: the board asks on every view


def _lot(row: ThreadLotRow) -> ThreadLot:
    return ThreadLot.model_validate({c: getattr(row, c) for c in ThreadLot.model_fields})


class SqlConsentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_document(self, document: ConsentDocument) -> None:
        self.session.add(ConsentDocumentRow(procedure_type=document.procedure_type, version=document.version,
                                            title=document.title, text=document.text, sha256=document.sha256,
                                            created_at=_now()))

    def document(self, procedure_type: str, version: str | None = None) -> ConsentDocument:
        query = select(ConsentDocumentRow).where(ConsentDocumentRow.procedure_type == procedure_type)
        if version is not None:
            query = query.where(ConsentDocumentRow.version == version)
        row = self.session.execute(query.order_by(ConsentDocumentRow.created_at.desc())).scalars().first()
        if row is None:
            raise NotFound(f"no consent document for {procedure_type}" + (f" version {version}" if version else ""))
        return ConsentDocument(procedure_type=row.procedure_type, version=row.version, title=row.title, text=row.text)

    def documents(self) -> list[ConsentDocument]:
        rows = self.session.execute(select(ConsentDocumentRow).order_by(ConsentDocumentRow.procedure_type,
                                                                        ConsentDocumentRow.created_at)).scalars()
        return [ConsentDocument(procedure_type=r.procedure_type, version=r.version, title=r.title, text=r.text)
                for r in rows]

    def add_photo_consent(self, patient_id: UUID | str, consent: PhotoConsent) -> None:
        self.session.add(PhotoConsentRow(id=str(consent.id), patient_id=str(patient_id),
                                         document=consent.model_dump(mode="json")))

    def photo_consent(self, consent_id: UUID | str) -> tuple[str, PhotoConsent]:
        row = self.session.get(PhotoConsentRow, str(consent_id))
        if row is None:
            raise NotFound(f"no photo consent {consent_id}")
        return row.patient_id, PhotoConsent.model_validate(row.document)

    def save_photo_consent(self, consent: PhotoConsent) -> None:
        self.session.execute(update(PhotoConsentRow).where(PhotoConsentRow.id == str(consent.id))
                             .values(document=consent.model_dump(mode="json")))

    def photo_consents(self, patient_id: UUID | str, *, lock: bool = False) -> list[PhotoConsent]:
        query = _PHOTO_CONSENTS.with_for_update() if lock else _PHOTO_CONSENTS
        documents = self.session.execute(query, {"patient_id": str(patient_id)}).scalars()
        return [PhotoConsent.model_validate(document) for document in documents]


class SqlPhotoRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, photo: PhotoRecord) -> None:
        values = photo.model_dump(mode="python")
        values["entered_in_error"] = photo.entered_in_error.model_dump(mode="json") if photo.entered_in_error else None
        self.session.add(PhotoRow(**{**values, "id": str(photo.id), "patient_id": str(photo.patient_id),
                                     "episode_id": str(photo.episode_id), "stage": photo.stage.value}))

    def mark_in_error(self, photo_id: UUID | str, mark: InError) -> bool:
        """Mark a photo as recorded in error (once: False when it already was); its row is otherwise unchanged."""
        done = self.session.execute(update(PhotoRow).where(PhotoRow.id == str(photo_id),
                                                           PhotoRow.entered_in_error.is_(None))
                                    .values(entered_in_error=mark.model_dump(mode="json")))
        return bool(getattr(done, "rowcount", 0))

    def get(self, photo_id: UUID | str) -> PhotoRecord:
        row = self.session.get(PhotoRow, str(photo_id))
        if row is None:
            raise NotFound(f"no photo {photo_id}")
        return _photo(row)

    def for_episode(self, episode_id: UUID | str) -> list[PhotoRecord]:
        rows = self.session.execute(select(PhotoRow).where(PhotoRow.episode_id == str(episode_id))
                                    .order_by(PhotoRow.uploaded_at)).scalars()
        return [_photo(r) for r in rows]

    def staged(self, episode_id: UUID | str, *, stage: str | None = None) -> list[StagedPhoto]:
        statement, given = ((_EPISODES_PHOTOS_STAGED, {}) if stage is None
                            else (_EPISODES_PHOTOS_OF_STAGE, {"stage": stage}))
        rows = self.session.connection().execute(statement, {"episode_id": str(episode_id), **given})
        return [StagedPhoto(UUID(photo), view, stage, _utc(uploaded), in_error)
                for photo, view, stage, uploaded, in_error in rows]

    def newest_follow_ups(self, episode_id: UUID | str, views: Collection[str],
                          limit: int | None) -> tuple[list[StagedPhoto], int]:
        # the count comes with the rows (a window over every row the filter keeps, before the limit)
        given: dict[str, Any] = {"episode_id": str(episode_id), "views": sorted(views)}
        rows = self.session.connection().execute(
            _EVERY_FOLLOW_UP if limit is None else _NEWEST_FOLLOW_UPS, given if limit is None else
            {**given, "limit": limit}).all()
        found = [StagedPhoto(UUID(photo), view, stage, _utc(uploaded), False)
                 for photo, view, stage, uploaded, _ in reversed(rows)]
        return found, rows[0][4] if rows else self._count_follow_ups(episode_id, views)

    def _count_follow_ups(self, episode_id: UUID | str, views: Collection[str]) -> int:
        """With no row back (a limit of 0 or none to find), the window's count came with none."""
        return int(self.session.connection().execute(
            _COUNT_FOLLOW_UPS, {"episode_id": str(episode_id), "views": sorted(views)}).scalar_one())

    def newest_follow_up_of_each_view(self, episode_id: UUID | str) -> list[StagedPhoto]:
        rows = self.session.connection().execute(_NEWEST_OF_EACH_VIEW, {"episode_id": str(episode_id)})
        return [StagedPhoto(UUID(photo), view, stage, _utc(uploaded), False)
                for photo, view, stage, uploaded in rows]

    def listed(self, photo_ids: list[UUID]) -> list[PhotoRecord]:
        if not photo_ids:
            return []
        # the columns alone, past the ORM: no object or ORM row to build per photo
        listed = self.session.connection().execute(_PHOTOS_LISTED, {"ids": [str(i) for i in photo_ids]})
        columns = list(listed.keys())
        return [_listed_photo(dict(zip(columns, row, strict=True))) for row in listed]

    def count(self) -> int:
        return int(self.session.execute(select(func.count()).select_from(PhotoRow)).scalar_one())

    def stored_names(self, names: list[str]) -> set[str]:
        """Which of these vault file names a photo record names."""
        found: set[str] = set()
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            found |= set(self.session.execute(select(PhotoRow.stored_name).where(PhotoRow.stored_name.in_(chunk)))
                         .scalars())
        return found

    def newest(self) -> PhotoRecord | None:
        row = self.session.execute(select(PhotoRow).order_by(PhotoRow.uploaded_at.desc()).limit(1)).scalar()
        return None if row is None else _photo(row)

    def vault_listing(self) -> list[VaultPhoto]:
        """Every stored photo's id, vault name and hash, in upload order (no analysis documents: light)."""
        return [VaultPhoto(i, name, digest) for i, name, digest in self.session.execute(
            select(PhotoRow.id, PhotoRow.stored_name, PhotoRow.stored_sha256).order_by(PhotoRow.uploaded_at))]

    def analysed_with(self, engine_version: str) -> set[str]:
        """Photos that have an analysis version by ``engine_version``."""
        return set(self.session.execute(select(PhotoAnalysisRow.photo_id)
                                        .where(PhotoAnalysisRow.engine_version == engine_version)).scalars())

    def pairing_listing(self) -> list[ListedPhoto]:
        """Every baseline and follow-up photo with its episode's procedure start: one query, no documents."""
        started = EpisodeRow.document["procedure"]["started_at"].as_string()
        rows = self.session.execute(
            select(PhotoRow.id, PhotoRow.stored_name, PhotoRow.stored_sha256, PhotoRow.patient_id, PhotoRow.episode_id,
                   PhotoRow.view, PhotoRow.stage, PhotoRow.uploaded_at, started)
            .join(EpisodeRow, EpisodeRow.id == PhotoRow.episode_id)
            .where(PhotoRow.stage.in_(("baseline", "follow_up")), PhotoRow.entered_in_error.is_(None))
            .order_by(PhotoRow.uploaded_at))
        return [ListedPhoto(VaultPhoto(i, name, digest), patient, episode, view, stage, _utc(at),
                            _utc(datetime.fromisoformat(began)) if began else None)
                for i, name, digest, patient, episode, view, stage, at, began in rows]

    def add_analysis_version(self, photo_id: str, engine_version: str, document: dict[str, Any],
                             at: datetime) -> None:
        """A later analysis of a photo, kept beside the one made at upload (which is never overwritten);
        the same engine version again replaces its own earlier row."""
        self.session.execute(delete(PhotoAnalysisRow).where(PhotoAnalysisRow.photo_id == photo_id,
                                                            PhotoAnalysisRow.engine_version == engine_version))
        self.session.add(PhotoAnalysisRow(photo_id=photo_id, engine_version=engine_version, analysed_at=at,
                                          quality_ok=bool(document["quality"]["ok"]), document=document))
        self.session.flush()

    def analysis_versions(self, photo_id: str) -> list[tuple[str, datetime, dict[str, Any]]]:
        """A photo's later analyses: (engine version, when, document), oldest first."""
        return [(v, _utc(at), doc) for v, at, doc in self.session.execute(
            select(PhotoAnalysisRow.engine_version, PhotoAnalysisRow.analysed_at, PhotoAnalysisRow.document)
            .where(PhotoAnalysisRow.photo_id == photo_id).order_by(PhotoAnalysisRow.analysed_at))]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_LISTED_COLUMNS = [getattr(PhotoRow, name) for name in PhotoRecord.model_fields if name != "analysis"]
# Statements the pages run on every view, built once (their construction and cache key cost more than the read)
_STAGED_COLUMNS = (PhotoRow.id, PhotoRow.view, PhotoRow.stage, PhotoRow.uploaded_at)
_OF_EPISODE = PhotoRow.episode_id == bindparam("episode_id")
_EPISODES_PHOTOS_STAGED = (select(*_STAGED_COLUMNS, PhotoRow.entered_in_error.is_not(None)).where(_OF_EPISODE)
                           .order_by(PhotoRow.uploaded_at))
_EPISODES_PHOTOS_OF_STAGE = _EPISODES_PHOTOS_STAGED.where(PhotoRow.stage == bindparam("stage"))
_USABLE_FOLLOW_UP = and_(_OF_EPISODE, PhotoRow.stage == PhotoStage.FOLLOW_UP.value, PhotoRow.entered_in_error.is_(None))
_OF_VIEWS = PhotoRow.view.in_(bindparam("views", expanding=True))
_EVERY_FOLLOW_UP = (select(*_STAGED_COLUMNS, func.count().over()).where(_USABLE_FOLLOW_UP, _OF_VIEWS)
                    .order_by(PhotoRow.uploaded_at.desc(), PhotoRow.id.desc()))
_NEWEST_FOLLOW_UPS = _EVERY_FOLLOW_UP.limit(bindparam("limit"))
_COUNT_FOLLOW_UPS = select(func.count()).select_from(PhotoRow).where(_USABLE_FOLLOW_UP, _OF_VIEWS)
_RANKED_IN_VIEW = select(*_STAGED_COLUMNS, func.row_number().over(
    partition_by=PhotoRow.view, order_by=(PhotoRow.uploaded_at.desc(), PhotoRow.id.desc())).label("rank")
).where(_USABLE_FOLLOW_UP).subquery()
_NEWEST_OF_EACH_VIEW = (select(_RANKED_IN_VIEW.c.id, _RANKED_IN_VIEW.c.view, _RANKED_IN_VIEW.c.stage,
                               _RANKED_IN_VIEW.c.uploaded_at)
                        .where(_RANKED_IN_VIEW.c.rank == 1).order_by(_RANKED_IN_VIEW.c.uploaded_at))
_PHOTOS_LISTED = (select(*_LISTED_COLUMNS).where(PhotoRow.id.in_(bindparam("ids", expanding=True)))
                  .order_by(PhotoRow.uploaded_at))
_PHOTO_CONSENTS = select(PhotoConsentRow.document).where(PhotoConsentRow.patient_id == bindparam("patient_id"))
_PATIENTS_EPISODES = (select(EpisodeRow.document).where(EpisodeRow.patient_id == bindparam("patient_id"))
                      .order_by(EpisodeRow.opened_at))


def _listed_photo(values: dict[str, Any]) -> PhotoRecord:
    """A photo record from its listed columns (no analysis)."""
    if values["uploaded_at"].tzinfo is None:  # SQLite keeps no zone; every time is written in UTC
        values["uploaded_at"] = values["uploaded_at"].replace(tzinfo=UTC)
    return PhotoRecord.model_validate({**values, "analysis": {}})


def _photo(row: PhotoRow | Row[Any]) -> PhotoRecord:
    values = {column: getattr(row, column) for column in PhotoRecord.model_fields}
    if values["uploaded_at"].tzinfo is None:  # SQLite keeps no zone; every time is written in UTC
        values["uploaded_at"] = values["uploaded_at"].replace(tzinfo=UTC)
    return PhotoRecord.model_validate(values)
