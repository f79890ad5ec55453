"""``threadlift admin``: staff accounts, the audit trail, the photo key."""

from __future__ import annotations

from typing import Annotated

import typer

from threadlift.cli_common import err, fail, out, plain

EXIT_AUDIT_BROKEN = 11

admin_app = typer.Typer(help="Administration: users, the audit trail and the photo key.", no_args_is_help=True)


@admin_app.command("create-user")
def create_user(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option(help="admin, clinician, nurse or reception")],
    display_name: Annotated[str, typer.Option(help="Name shown in the records.")],
) -> None:
    """Create a staff account; the password is asked for (not echoed, never on the command line)."""
    from threadlift.bootstrap import build
    from threadlift.clinic.errors import DomainError
    from threadlift.clinic.roles import Role
    from threadlift.services.people import create_user as create

    try:
        chosen = Role(role)
    except ValueError:
        fail("--role must be admin, clinician, nurse or reception")
    password = typer.prompt("Password (12 characters or more)", hide_input=True, confirmation_prompt=True)
    try:
        user = create(build(), None, username, display_name, chosen, password)
    except DomainError as error:
        fail(error.message)
    plain(out, f"created {user.role.value} {user.username}")


@admin_app.command("verify-audit")
def verify_audit() -> None:
    """Check the audit trail's hash chain; report the first edited, inserted or deleted row."""
    from threadlift.bootstrap import build
    from threadlift.services.records import verify_audit as verify

    problem = verify(build(), None)
    if problem is None:
        plain(out, "audit trail intact")
        return
    plain(err, f"audit trail broken at row {problem.row_id} ({problem.problem}): {problem.message}")
    raise typer.Exit(EXIT_AUDIT_BROKEN)
