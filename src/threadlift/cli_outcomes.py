"""``threadlift outcomes report --out report.pdf``: the clinic's outcome statistics, printed (issue 18).

The same figures as the outcomes page: durability (Kaplan-Meier), complication rates per 100 procedures with
exact intervals, Clavien-Dindo counts, GAIS per follow-up. Run by the server's operator (audited as such).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from threadlift.cli_common import err as _err
from threadlift.cli_common import out as _out
from threadlift.cli_common import plain as _say

outcomes_app = typer.Typer(help="The clinic's outcome statistics: how long lifts last, what goes wrong.",
                           no_args_is_help=True)


@outcomes_app.command("report")
def report(out: Annotated[Path, typer.Option(help="The PDF file to write.")]) -> None:
    """Write the outcome report as a PDF: every figure with the patients it rests on, withheld ones with why."""
    if out.suffix.lower() != ".pdf":
        _say(_err, f"error: {out} does not end in .pdf; the report is a PDF (e.g. --out outcomes.pdf)")
        raise typer.Exit(2)
    from rich.status import Status

    from threadlift.bootstrap import build
    from threadlift.services import outcome_stats

    services = build()
    with Status("Computing the outcome figures", console=_err, spinner="dots"):
        found = outcome_stats.outcomes(services, None)
        pdf = outcome_stats.report_pdf(services, None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    report = found.report
    shown = sum(1 for f in report.durability if f.survival is not None)
    _say(_out, f"Outcome report of {report.procedures} procedures on {report.patients} patients written to {out} "
               f"({shown} of {len(report.durability)} durability curves shown; the rest withheld under "
               f"{report.settings.min_patients} patients)")
