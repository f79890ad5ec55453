"""``threadlift backup``, ``backup verify``, ``backup keygen`` and ``restore``.

Exit codes: 0 done · 1 the clinic's own data is damaged (a photo missing from the vault) · 2 refused
(bad option, target not empty, newer schema, weak passphrase) · 3 wrong passphrase or key · 4 the
archive is damaged or cut off · 11 restored, but the audit trail does not verify.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from typer._click.core import Context
from typer.core import TyperGroup

from threadlift.cli_common import confirm_destructive, err, fail, out, plain, stdin_is_terminal

if TYPE_CHECKING:
    from threadlift.config import Settings
    from threadlift.store.archive import Identity, Recipient

EXIT_WRONG_SECRET = 3
EXIT_DAMAGED = 4
EXIT_AUDIT_BROKEN = 11
T = TypeVar("T")


class _CreateByDefault(TyperGroup):
    """``threadlift backup OUT`` is ``threadlift backup create OUT``."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["create", *args]
        return super().parse_args(ctx, args)


backup_app = typer.Typer(cls=_CreateByDefault, no_args_is_help=True,
                         help="Backups: threadlift backup OUT (the default), backup verify IN, backup keygen.")

PassphraseFile = Annotated[Path | None, typer.Option(help="File whose first line is the passphrase (0600; for "
                                                     "scripts). Without it, and without a key, it is asked for.")]


@backup_app.command("create")
def create(
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="The archive to write (a new file).")],
    passphrase_file: PassphraseFile = None,
    recipient: Annotated[Path | None, typer.Option(help="Seal for this X25519 public key (PEM) instead of a "
                                                   "passphrase: only its private key opens the backup.")] = None,
) -> None:
    """A consistent backup while the clinic serves: database, photos and a manifest, sealed."""
    from threadlift.bootstrap import build
    from threadlift.services import audit
    from threadlift.services.backup import create_backup
    from threadlift.services.operations import encrypted_vault

    sealed_for = _recipient(passphrase_file, recipient)
    services = build()
    with _errors(), _progress("Backing up") as step:
        result = create_backup(services.settings, encrypted_vault(services), out_path.resolve(), sealed_for, step)
    audit.record_operation(services, "backup", photos=result.photos, bytes=result.bytes)
    rows = sum(result.counts.values())
    plain(out, f"backup written to {result.path}: {rows} rows in {len(result.counts)} tables, {result.photos} "
               f"photo(s), {result.bytes / 1e6:.1f} MB, schema {result.revision}, in {result.seconds:.1f} s")


@backup_app.command("verify")
def verify(
    archive: Annotated[Path, typer.Argument(metavar="IN", help="The archive to check.")],
    passphrase_file: PassphraseFile = None,
    identity: Annotated[Path | None, typer.Option(help="Private key (PEM) of a backup sealed for a public "
                                                  "key.")] = None,
) -> None:
    """Read the whole archive and check every member's hash, without restoring anything."""
    from threadlift.services.backup import verify_backup

    secret = _identity(passphrase_file, identity)
    with _errors(), _progress("Verifying") as step:
        description = verify_backup(archive, secret, step)
    plain(out, f"backup intact: made {description.created_at} by ThreadLift {description.threadlift}, schema "
               f"{description.revision}, {description.database['kind']}, {sum(description.counts.values())} rows, "
               f"{description.photos} photo(s); every member matches its SHA-256")


@backup_app.command("keygen")
def keygen(
    private_key: Annotated[Path, typer.Argument(help="Where to write the private key (0600); the public key "
                                                "goes beside it as <file>.pub.")],
) -> None:
    """A key pair for backups sealed for a key: the server keeps only the .pub, the private key stays off it."""
    from threadlift.store.archive import generate_key_pair

    try:
        private, public = generate_key_pair(private_key)
    except FileExistsError:
        fail(f"{private_key} exists already; choose another name")
    plain(out, f"private key: {private} (keep it off the server, e.g. in the clinic's safe)")
    plain(out, f"public key:  {public} (give it to: threadlift backup OUT --recipient {public})")


def restore(
    archive: Annotated[Path, typer.Argument(metavar="IN", help="The archive to restore.")],
    into: Annotated[str | None, typer.Option(help="A folder (SQLite clinic) or a postgresql:// URL; default: the "
                                             "clinic THREADLIFT_DATA_DIR / THREADLIFT_DATABASE_URL name.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="With a postgresql:// target: the folder for the photos "
                                                  "(default THREADLIFT_DATA_DIR).")] = None,
    passphrase_file: PassphraseFile = None,
    identity: Annotated[Path | None, typer.Option(help="Private key (PEM) of a backup sealed for a public "
                                                  "key.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace a clinic that holds data (asks first).")]
    = False,
    yes: Annotated[bool, typer.Option("--yes", help="With --replace: do not ask (scripts).")] = False,
) -> None:
    """Restore a backup: checks every hash before touching the target, migrates an older backup, puts
    it in place in one step, then verifies the audit trail."""
    from threadlift.bootstrap import build
    from threadlift.services import audit
    from threadlift.services.restore import restore_backup, target_in_use

    target = _target(into, data_dir)
    secret = _identity(passphrase_file, identity)
    with _errors():
        held = target_in_use(target)
    if held and not replace:
        fail(f"the target is not empty ({'; '.join(held)}): restore into an empty one, or replace it with --replace")
    if held:
        confirm_destructive(f"Replace the clinic at {_where(target)} ({'; '.join(held)}) with this backup?", yes=yes,
                            what=f"restoring would replace the clinic at {_where(target)}")
    with _errors(), _progress("Restoring") as step:
        result = restore_backup(archive, secret, target, replace=bool(held), progress=step)
    services = build(target)
    audit.record_operation(services, "restore", photos=result.photos)
    migrated = f", migrated from {result.migrated_from}" if result.migrated_from else ""
    plain(out, f"restored into {_where(target)}: {sum(result.counts.values())} rows, {result.photos} photo(s)"
               f"{migrated}, in {result.seconds:.1f} s")
    problem = audit.verify_audit(services, None)
    if problem is not None:
        plain(err, f"audit trail broken at row {problem.row_id} ({problem.problem}): {problem.message}")
        raise typer.Exit(EXIT_AUDIT_BROKEN)
    plain(out, "audit trail intact")


def _target(into: str | None, data_dir: Path | None) -> Settings:
    from dataclasses import replace as changed

    from threadlift.config import Settings, normalise_database_url

    settings = Settings.from_env()
    if into is None:
        return changed(settings, data_dir=data_dir.resolve()) if data_dir else settings
    if into.startswith(("postgresql:", "postgres:", "postgresql+psycopg:")):
        return changed(settings, database_url=normalise_database_url(into),
                       data_dir=data_dir.resolve() if data_dir else settings.data_dir)
    if data_dir is not None:
        fail("--data-dir goes with a postgresql:// target; a folder target holds its photos itself")
    folder = Path(into).expanduser().resolve()
    return changed(settings, data_dir=folder, database_url=f"sqlite:///{folder / 'threadlift.db'}")


def _where(settings: Settings) -> str:
    from threadlift.cli_ops import redacted
    from threadlift.store.snapshot import is_postgresql

    if is_postgresql(settings.database_url):
        return f"{redacted(settings.database_url)} (photos in {settings.data_dir})"
    return str(settings.data_dir)


def _passphrase(path: Path | None, *, twice: bool) -> str:
    if path is not None:
        try:
            mode = path.stat().st_mode & 0o777
            text = path.read_text().splitlines()
        except (OSError, UnicodeDecodeError) as error:
            fail(f"cannot read the passphrase file {path}: {getattr(error, 'strerror', None) or error}")
        if mode & 0o077:
            fail(f"the passphrase file {path} can be read by others (mode {mode:o}); run: chmod 600 {path}")
        if not text or not text[0]:
            fail(f"the passphrase file {path} is empty; its first line is the passphrase")
        return text[0]
    if not stdin_is_terminal():
        fail("give --passphrase-file (or a key: --recipient / --identity); there is no terminal to ask on")
    return str(typer.prompt("Backup passphrase", hide_input=True, confirmation_prompt=twice, err=True))


def _recipient(passphrase_file: Path | None, recipient: Path | None) -> Recipient:
    from threadlift.clinic.passwords import WeakPassword, check_password
    from threadlift.store.archive import ArchiveError, Passphrase, load_public_key

    if passphrase_file and recipient:
        fail("give either --passphrase-file or --recipient, not both")
    if recipient is not None:
        try:
            return load_public_key(recipient)
        except ArchiveError as error:
            fail(str(error))
    text = _passphrase(passphrase_file, twice=True)
    try:
        check_password(text, "")
    except WeakPassword as error:
        fail(f"backup passphrase: {error.message}")
    return Passphrase(text)


def _identity(passphrase_file: Path | None, identity: Path | None) -> Identity:
    from threadlift.store.archive import ArchiveError, Passphrase, load_private_key

    if passphrase_file and identity:
        fail("give either --passphrase-file or --identity, not both")
    if identity is not None:
        try:
            return load_private_key(identity)
        except ArchiveError as error:
            fail(str(error))
    return Passphrase(_passphrase(passphrase_file, twice=False))


@contextmanager
def _errors() -> Iterator[None]:
    """The archive's and the restore's refusals as one line each, with their exit codes."""
    from threadlift.services.backup import BackupRefused
    from threadlift.store.archive import ArchiveError, WrongSecret
    from threadlift.store.vault import VaultError

    try:
        yield
    except WrongSecret as error:
        fail(str(error), EXIT_WRONG_SECRET)
    except ArchiveError as error:
        fail(str(error), EXIT_DAMAGED)
    except BackupRefused as error:
        fail(str(error))
    except VaultError as error:
        fail(f"{error}; the backup was not written", 1)


@contextmanager
def _progress(title: str) -> Iterator[Callable[[str, int, int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task(title, total=None)

        def step(what: str, done: int, total: int) -> None:
            progress.update(task, description=f"{title}: {what}", completed=done, total=total or None)

        yield step
