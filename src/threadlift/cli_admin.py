"""``threadlift admin``: staff accounts, the audit trail, the photo key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from threadlift.cli_common import err, fail, out, plain, stdin_is_terminal

if TYPE_CHECKING:
    from threadlift.services.base import Services
    from threadlift.services.types import User

EXIT_AUDIT_BROKEN = 11
T = TypeVar("T")

admin_app = typer.Typer(help="Administration: users, the audit trail and the photo key.", no_args_is_help=True)


PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of "
                                             "standard input (provisioning scripts), not from the terminal.")]
Username = Annotated[str, typer.Argument(help="The account's user name.")]


def _password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice at the terminal (never echoed, never
    an argument, which other users could read in the process list)."""
    import sys

    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            fail("--password-stdin: standard input is empty; pipe the password in, one line")
        return line.rstrip("\r\n")
    if not stdin_is_terminal():
        fail("no terminal to ask for the password on: pipe it in with --password-stdin")
    return str(typer.prompt("Password (12 characters or more)", hide_input=True, confirmation_prompt=True,
                            err=True))


def _clinic() -> Services:
    """The clinic's services, its database migrated first (as ``serve`` does): the first admin account is
    often made before the server ever ran."""
    from threadlift.bootstrap import build
    from threadlift.config import Settings
    from threadlift.services.operations import upgrade_database

    settings = Settings.from_env()
    settings.ensure_data_dir()
    upgrade_database(settings)
    return build(settings)


def _run(action: Callable[[], T]) -> T:
    """Run a user service with the command line's rights; a refused rule is one line, exit 2."""
    from threadlift.services.types import DomainError

    try:
        return action()
    except DomainError as error:
        fail(error.message)


def _account(services: Services, username: str) -> User:
    from threadlift.services import people
    from threadlift.services.types import NotFound

    try:
        return people.user_named(services, None, username)
    except NotFound:
        fail(f"no user {username} (threadlift admin list-users shows them)", 1)


@admin_app.command("create-user")
def create_user(
    username: Username,
    role: Annotated[str, typer.Option(help="admin, clinician, nurse or reception")],
    display_name: Annotated[str, typer.Option(help="Name shown in the records.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a staff account; the password is asked for (not echoed, never on the command line)."""
    from pydantic import ValidationError

    from threadlift.services.commands import CreateUser
    from threadlift.services.people import create_user as create
    from threadlift.services.types import Role, StaffAccount

    try:
        chosen = Role(role)
    except ValueError:
        fail("--role must be admin, clinician, nurse or reception")
    password = _password(password_stdin)
    try:
        account = StaffAccount(username=username, display_name=display_name, role=chosen, password=password)
    except ValidationError as error:
        fail("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()))
    services = _clinic()
    _run(lambda: create(services, None, CreateUser(account=account)))
    plain(out, f"created {chosen.value} {account.username}")


@admin_app.command("set-password")
def set_password(username: Username, password_stdin: PasswordStdin = False) -> None:
    """Set (reset) a user's password; their sessions end. The same policy as everywhere: 12+ characters,
    not the user name, not a common or breached password."""
    from threadlift.bootstrap import build
    from threadlift.services import people

    services = build()
    user = _account(services, username)
    password = _password(password_stdin)
    _run(lambda: people.set_password(services, None, user.id, password))
    plain(out, f"password of {user.username} set; their sessions have ended")


@admin_app.command("deactivate")
def deactivate(username: Username) -> None:
    """A leaver: the account can no longer sign in and its sessions end now. Its records stay its own."""
    _set_active(username, False)


@admin_app.command("reactivate")
def reactivate(username: Username) -> None:
    """Let a deactivated account sign in again."""
    _set_active(username, True)


@admin_app.command("unlock")
def unlock(username: Username) -> None:
    """Lift an account's sign-in lock after too many wrong passwords (an administrator's own account too)."""
    from threadlift.bootstrap import build
    from threadlift.services import people

    services = build()
    user = _account(services, username)
    had = _run(lambda: people.unlock_user(services, None, user.id))
    plain(out, f"{user.username} unlocked" if had else f"{user.username} was not locked")


def _set_active(username: str, active: bool) -> None:
    from threadlift.bootstrap import build
    from threadlift.services import people

    services = build()
    user = _account(services, username)
    change = people.reactivate_user if active else people.deactivate_user
    _run(lambda: change(services, None, user.id))
    plain(out, f"{user.username} reactivated" if active else f"{user.username} deactivated; their sessions have ended")


@admin_app.command("list-users")
def list_users(
    json_out: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Every account: user name, name, role, active or deactivated."""
    import json

    from rich.table import Table

    from threadlift.bootstrap import build
    from threadlift.services import people

    users = people.list_users(build(), None)
    if json_out:
        for u in users:
            print(json.dumps({"username": u.username, "display_name": u.display_name, "role": u.role.value,
                              "active": u.active}))
        return
    table = Table(title=f"{len(users)} user(s)")
    for column in ("user name", "name", "role", "status"):
        table.add_column(column)
    for u in users:
        table.add_row(u.username, u.display_name, u.role.value, "active" if u.active else "deactivated")
    out.print(table)


@admin_app.command("verify-audit")
def verify_audit() -> None:
    """Check the audit trail's hash chain; report the first edited, inserted or deleted row."""
    from threadlift.bootstrap import build
    from threadlift.services.audit import verify_audit as verify

    problem = verify(build(), None)
    if problem is None:
        plain(out, "audit trail intact")
        return
    plain(err, f"audit trail broken at row {problem.row_id} ({problem.problem}): {problem.message}")
    raise typer.Exit(EXIT_AUDIT_BROKEN)


@admin_app.command("rotate-key")
def rotate_key(
    retire: Annotated[bool, typer.Option("--retire", help="After a rotation (and a restart of the server): drop "
                                         "the old keys from the key file, once no photo needs them.")] = False,
) -> None:
    """Seal every photo again under a new key, resumably (run it again after an interruption)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from threadlift.services.operations import encrypted_vault, retire_old_keys, rotate_photo_key

    services = _clinic()
    if retire:
        retired = _run(lambda: retire_old_keys(services))
        plain(out, f"retired key(s) {', '.join(retired)}; the key file holds key "
                   f"{encrypted_vault(services).ring.current_id.hex()} alone" if retired else "no old key to retire")
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("Re-sealing photos", total=None)
        rotation = _run(lambda: rotate_photo_key(
            services, lambda done, total: progress.update(task, completed=done, total=total)))
    plain(out, f"{'resumed: ' if rotation.resumed else ''}{rotation.resealed} photo(s) re-sealed, {rotation.already} "
               f"already under the new key {rotation.new_key_id}")
    if rotation.old_key_ids:
        plain(out, f"the old key(s) {', '.join(rotation.old_key_ids)} stay in the key file for servers started before "
                   "the rotation; restart them, then run: threadlift admin rotate-key --retire")
