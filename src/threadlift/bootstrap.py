"""Composition root: the one place that builds real adapters from settings."""

from __future__ import annotations

from threadlift.config import Settings, vault_key
from threadlift.services.base import Services
from threadlift.store.db import make_engine, session_factory
from threadlift.store.vault import PhotoVault


def build(settings: Settings | None = None) -> Services:
    settings = settings or Settings.from_env()
    settings.ensure_data_dir()
    engine = make_engine(settings.database_url)
    return Services(settings=settings, sessions=session_factory(engine),
                    vault=PhotoVault(settings.photo_dir, vault_key(settings)))
