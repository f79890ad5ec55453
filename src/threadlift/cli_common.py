"""What every ``threadlift`` command shares: the consoles, one-line errors, confirmation of destructive
steps, and the group that turns configuration errors into one line and exit code 2.

Kept light on purpose: ``threadlift --help`` imports this and Typer, nothing that analyses or stores.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from typer._click.core import Context  # typer 0.29 vendors click: the Context TyperGroup expects
from typer.core import TyperGroup

EXIT_BAD_INPUT = 2  # a bad option, a bad setting, a refused confirmation
out = Console()
err = Console(stderr=True)


def plain(console: Console, text: str) -> None:
    """One unwrapped line of plain text (file names may contain brackets; messages stay on one line)."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """``error: message`` on stderr, one line, and the exit code."""
    plain(err, f"error: {message}")
    raise typer.Exit(code)


def confirm_destructive(question: str, *, yes: bool, what: str) -> None:
    """Go on only if the operator agreed: ``--yes``, or "y" typed at a terminal. Without a terminal and
    without ``--yes`` nothing is asked and nothing happens (exit 2): a script must say it meant it."""
    if yes:
        return
    if not stdin_is_terminal():
        fail(f"{what}; this cannot be undone. Run it again with --yes to confirm (no terminal to ask on).")
    if not typer.confirm(question, default=False, err=True):
        fail("nothing was changed", 1)


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


class SafeGroup(TyperGroup):
    """The top-level group: a configuration problem, or a database that cannot be reached, is one line
    naming the setting and what to do, exit code 2 (never a traceback)."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:  # only the kinds below are ours to explain; the rest propagate
            message = operator_message(error)
            if message is None:
                raise
            plain(err, f"error: {message}")
            raise typer.Exit(EXIT_BAD_INPUT) from None


def operator_message(error: BaseException) -> str | None:
    """The one-line explanation of a setup error (bad setting, database unreachable), or None."""
    from threadlift.config import ConfigurationError

    if isinstance(error, ConfigurationError):
        return str(error)
    from threadlift.services.operations import database_problem

    return database_problem(error)
