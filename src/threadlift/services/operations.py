"""Operating the clinic: rotating the photo key, and the checks a service and its health probe run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from threadlift.clinic.errors import DomainError
from threadlift.config import ConfigurationError, Settings
from threadlift.services.base import Services, record
from threadlift.store.keys import KeyRing, UnusableKey, new_key, read_key_file, write_key_file
from threadlift.store.vault import PhotoVault, VaultError

PENDING_GRACE_S = 600.0  # an upload's pending file older than this is left over from a crash


class KeyRotationRefused(DomainError):
    rule = "key_rotation"


@dataclass(frozen=True)
class Rotation:
    new_key_id: str
    old_key_ids: tuple[str, ...]
    resealed: int
    already: int
    resumed: bool


def rotate_photo_key(svc: Services, progress: Callable[[int, int], None] = lambda done, total: None) -> Rotation:
    """Seal every photo again under a new key, file by file, each file replaced atomically.

    The new key is written first, at the head of the key file, the old ones kept after it: from then on
    every photo opens whether it was re-sealed yet or not, and a running server seals new photos with
    the new key. Interrupted (killed, power lost), a second run carries on with the same new key and
    skips the files already done. The old keys stay in the file until :func:`retire_old_keys`.
    """
    vault = encrypted_vault(svc)
    key_file = vault.key_file
    if key_file is None:
        raise KeyRotationRefused("the photo key comes from THREADLIFT_KEY: keep it in a key file (THREADLIFT_KEY_FILE) "
                                 "to rotate it, since the rotation writes the new key there")
    ring = key_file.load()
    resumed = len(ring.keys) > 1
    if not resumed:
        ring = KeyRing((new_key(), *ring.keys))
        write_key_file(key_file.path, ring)
    vault.use(key_file.load())
    for stale in vault.directory.glob(".*.reseal"):
        stale.unlink(missing_ok=True)  # a file of a killed run, never renamed into place
    names = list(vault.names())
    resealed = 0
    for done, name in enumerate(names, start=1):
        resealed += vault.reseal(name)
        progress(done, len(names))
    vault.sync()
    rotation = Rotation(vault.ring.current_id.hex(), tuple(k.hex() for k in list(vault.ring.by_id())[1:]),
                        resealed, len(names) - resealed, resumed)
    with svc.uow() as uow:
        record(uow, svc, None, "key_rotate", "photo_vault", rotation.new_key_id, resealed=resealed,
               already=rotation.already)
        uow.commit()
    return rotation


def retire_old_keys(svc: Services) -> tuple[str, ...]:
    """Drop the old keys from the key file once no photo needs them (checked file by file)."""
    vault = encrypted_vault(svc)
    key_file = vault.key_file
    if key_file is None:
        raise KeyRotationRefused("the photo key comes from THREADLIFT_KEY: there is no key file to retire keys from")
    ring = key_file.load()
    if len(ring.keys) == 1:
        return ()
    vault.use(ring)
    behind = sum(1 for name in vault.names() if vault.file_key_id(name) != ring.current_id)
    if behind:
        raise KeyRotationRefused(f"{behind} photo file(s) still need an old key: run threadlift admin rotate-key to "
                                 "finish the rotation first")
    retired = tuple(k.hex() for k in list(ring.by_id())[1:])
    write_key_file(key_file.path, KeyRing((ring.current,)))
    with svc.uow() as uow:
        record(uow, svc, None, "key_retire", "photo_vault", ring.current_id.hex(), retired=len(retired))
        uow.commit()
    return retired


def recover_pending_files(svc: Services, older_than_s: float = PENDING_GRACE_S) -> tuple[int, int]:
    """Settle the vault's pending files left by uploads that stopped between writing the file and
    publishing it (a crash, a kill): published if their record committed, removed if not. Files younger
    than ``older_than_s`` may belong to an upload still running in another process and are left.
    Returns (published, removed)."""
    waiting = [name for name, age in svc.vault.pending() if age >= older_than_s]
    if not waiting:
        return 0, 0
    with svc.uow(read_only=True) as uow:
        committed = uow.photos.stored_names(waiting)
    for name in waiting:
        if name in committed:
            svc.vault.publish(name)
        else:
            svc.vault.discard(name)
    return len(committed), len(waiting) - len(committed)


def check_photos_present(svc: Services) -> None:
    """Refuse to serve when the database lists photos that the data folder does not hold: the data folder
    setting points elsewhere (another working directory, another volume) and every photo would fail."""
    vault = encrypted_vault(svc)
    with svc.uow(read_only=True) as uow:
        listed, newest = uow.photos.count(), uow.photos.newest()
    if listed and newest is not None and not (vault.directory / newest.stored_name).is_file():
        raise ConfigurationError(
            f"the database lists {listed} photo(s) but the photo folder {vault.directory} does not hold them "
            "(not even the newest): THREADLIFT_DATA_DIR probably names the wrong folder for this database")


def health(svc: Services) -> dict[str, str]:
    """``database`` and ``photo_key``: "ok", or what is wrong (no patient data, no secrets)."""
    from threadlift.store import migrate

    checks = {}
    try:
        with svc.uow(read_only=True) as uow:
            revision = uow.schema_revision()
        checks["database"] = "ok" if revision == migrate.head() else f"schema at {revision}, expected {migrate.head()}"
    except Exception as error:  # the probe reports; it must not fail itself
        checks["database"] = f"unavailable ({type(error).__name__})"
    checks["photo_key"] = _photo_key_state(svc)
    return checks


def _photo_key_state(svc: Services) -> str:
    """The key file as it is on disk now (still there, still private, still opening a photo), read apart
    from the ring the server uses: the probe reports a change, and leaves taking it up to the vault."""
    vault = encrypted_vault(svc)
    try:
        ring = read_key_file(vault.key_file.path) if vault.key_file is not None else vault.ring
        name = next(iter(vault.names()), None)
        if name is not None:
            PhotoVault(vault.directory, ring).get(name)
    except (UnusableKey, VaultError, OSError) as error:
        return f"unusable ({type(error).__name__})"
    return "ok"


def database_problem(error: BaseException) -> str | None:
    """What to do about an error of the database itself (unreachable, not migrated), or None when the
    error is not one: for the operator, one line, no traceback."""
    if not type(error).__module__.startswith("sqlalchemy"):
        return None
    from sqlalchemy.exc import InterfaceError, OperationalError

    if not isinstance(error, OperationalError | InterfaceError):
        return None
    text = str(error.orig)
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return "the database has no ThreadLift tables (or older ones): run threadlift db upgrade"
    reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
    return (f"cannot use the database ({reason}). Check THREADLIFT_DATABASE_URL and that the database "
            "server runs (threadlift config show prints the URL in use)")


def upgrade_database(settings: Settings, revision: str = "head") -> str | None:
    """Migrate the clinic's database (default: to the newest schema); returns the revision it is at."""
    from threadlift.store import migrate

    migrate.upgrade(settings.database_url, revision)
    return migrate.current(settings.database_url)


def downgrade_database(settings: Settings, revision: str) -> str | None:
    """Undo migrations down to ``revision``; returns the revision it is at."""
    from threadlift.store import migrate

    migrate.downgrade(settings.database_url, revision)
    return migrate.current(settings.database_url)


def database_revision(settings: Settings) -> str | None:
    """The schema revision the clinic's database is at (None: not migrated)."""
    from threadlift.store import migrate

    return migrate.current(settings.database_url)


def encrypted_vault(svc: Services) -> PhotoVault:
    """The clinic's encrypted photo folder: these operations work on its files and keys themselves."""
    if not isinstance(svc.vault, PhotoVault):
        raise ConfigurationError("these services store photos elsewhere than in an encrypted photo folder")
    return svc.vault
