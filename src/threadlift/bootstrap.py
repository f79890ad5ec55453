"""Composition root: the one place that builds real adapters from settings."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from threadlift.config import ConfigurationError, Settings, save_new_key, vault_keys
from threadlift.services.analysers import WorkerAnalyser
from threadlift.services.base import Services, utc_now
from threadlift.services.operations import recover_pending_files
from threadlift.services.restore import finish_interrupted_restore
from threadlift.store.db import listed_photos, make_engine, session_factory
from threadlift.store.keys import derived_key
from threadlift.store.unit_of_work import SqlUnitOfWorkFactory
from threadlift.store.vault import PhotoVault, VaultError

SAMPLED_PHOTOS = 3


def build(settings: Settings | None = None, *, analyse_in_worker: bool = False) -> Services:
    """The clinic's services. ``analyse_in_worker``: photos are analysed in a worker process of lower
    priority (the web server's choice, so that an upload never slows the pages; see services/analysers.py)."""
    settings = settings or Settings.from_env()
    settings.ensure_data_dir()
    finish_interrupted_restore(settings)
    keys = vault_keys(settings, write=False)
    if keys.unsaved:  # no key yet and no photo file: a new clinic, unless its database lists photos
        refuse_new_key_for_listed_photos(settings, keys.created)
        keys = save_new_key(keys)
    vault = PhotoVault(settings.photo_dir, keys.ring, keys.key_file)
    check_key_opens_vault(vault)
    services = services_on(settings, vault)
    recover_pending_files(services)  # uploads that stopped between their file and its record
    if analyse_in_worker:
        services.analyser = WorkerAnalyser()
    return services


def services_on(settings: Settings, vault: PhotoVault, clock: Callable[[], datetime] = utc_now) -> Services:
    """The services on ``settings``' database with ``vault`` (and, for tests and the demo, a clock)."""
    units = SqlUnitOfWorkFactory(session_factory(make_engine(settings.database_url)))
    # Every key of the ring: after a rotation, forms rendered under the previous key still verify.
    csrf_keys = tuple(derived_key(key, "csrf") for key in vault.ring.keys)
    return Services(settings=settings, uow_factory=units, vault=vault, clock=clock,
                    database_in_process=units.in_process, csrf_keys=csrf_keys)


def refuse_new_key_for_listed_photos(settings: Settings, key_path: Path | None) -> None:
    """A database that lists photos is not a new clinic, even when the data folder holds none (it names
    another folder, e.g. ``serve`` started elsewhere against the clinic's PostgreSQL): a new key would
    never open its photos, so none is made."""
    if listed_photos(settings.database_url, limit=1):
        raise ConfigurationError(
            f"the database lists photos but there is no photo key at {key_path} and the photo folder "
            f"{settings.photo_dir} holds none: THREADLIFT_DATA_DIR and THREADLIFT_KEY_FILE (or THREADLIFT_KEY) "
            "probably name another clinic's; set them to this clinic's. A new key would not open its photos, so "
            "none is made")


def check_key_opens_vault(vault: PhotoVault) -> None:
    """Refuse to start with a key that does not open the photos already stored: every photo would
    answer an error, and new ones would be sealed under a key the old ones do not share."""
    for name in itertools.islice(vault.names(), SAMPLED_PHOTOS):
        try:
            vault.get(name)
        except VaultError:
            held = ", ".join(k.hex() for k in vault.ring.by_id())
            raise ConfigurationError(
                f"the photo key in use (key id {held}) does not open the photos in {vault.directory} (file {name} "
                f"is sealed with key id {(vault.file_key_id(name) or b'').hex() or 'unknown'}): set "
                "THREADLIFT_KEY_FILE (or THREADLIFT_KEY) to this clinic's key") from None
