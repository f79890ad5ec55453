"""Unit of work: one transaction per use case; rolls back unless the use case commits."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from threadlift.store.repository import (
    ConsentRepository,
    EpisodeRepository,
    LotRepository,
    PatientRepository,
    PhotoRepository,
)
from threadlift.store.users import UserRepository


class UnitOfWork:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def __enter__(self) -> Self:
        self.session = self._factory()
        self.patients = PatientRepository(self.session)
        self.episodes = EpisodeRepository(self.session)
        self.lots = LotRepository(self.session)
        self.consents = ConsentRepository(self.session)
        self.photos = PhotoRepository(self.session)
        self.users = UserRepository(self.session)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
