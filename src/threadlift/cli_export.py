"""``threadlift export``: records leaving the clinic, run by the server's operator (audited as such).

``export fhir --patient ID --out FILE.json`` writes one patient's FHIR Bundle; ``export fhir --all --out
DIR`` the whole clinic as NDJSON files; ``export patient ID --out FILE.zip`` the subject-access archive.
Heavy libraries (fhir.resources, ReportLab) load inside the commands, so ``--help`` stays quick.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from threadlift.cli_common import err as _err
from threadlift.cli_common import out as _out
from threadlift.cli_common import plain as _say

export_app = typer.Typer(help="Records leaving the clinic: FHIR (R5, or R4B), the subject-access archive.",
                         no_args_is_help=True)
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2


def _patient_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        _say(_err, f"error: {text!r} is not a patient id (a UUID such as 0b7c...-...; find it on the patient's page)")
        raise typer.Exit(EXIT_NOT_FOUND) from None


@export_app.command("fhir")
def export_fhir(
    out: Annotated[Path, typer.Option(help="A .json file for one patient's Bundle; a folder with --all.")],
    patient: Annotated[str | None, typer.Option(help="The patient's id.")] = None,
    all_patients: Annotated[bool, typer.Option("--all", help="Every patient, as NDJSON files (Bulk Data layout).")]
    = False,
    r4b: Annotated[bool, typer.Option("--r4b", help="FHIR R4B (4.3.0) for R4-family systems; default R5.")] = False,
    pixels: Annotated[bool, typer.Option(help="Put the photos' pixels inside the Bundle (base64).")] = False,
) -> None:
    """Export as FHIR: one patient's record as a Bundle (type collection), or the whole clinic."""
    if (patient is None) == (not all_patients):
        _say(_err, "error: give either --patient ID or --all")
        raise typer.Exit(EXIT_USAGE)
    if all_patients and pixels:
        _say(_err, "error: --pixels is for one patient's Bundle; a bulk export references photos by hash")
        raise typer.Exit(EXIT_USAGE)
    from threadlift.bootstrap import build
    from threadlift.services import exports
    from threadlift.services.types import DomainError, NotFound

    version = "R4B" if r4b else "R5"
    services = build()
    try:
        if all_patients:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          console=_err, transient=True, disable=not _err.is_terminal) as progress:
                task = progress.add_task("Exporting patients", total=None)
                result = exports.fhir_bulk(services, None, out, version=version,
                                           progress=lambda done, total: progress.update(task, completed=done,
                                                                                        total=total))
            _say(_out, f"{result.patients} patients, FHIR {version} NDJSON in {out}:")
            for kind, count in result.files.items():
                _say(_out, f"  {kind}.ndjson  {count}")
            return
        assert patient is not None
        document = exports.fhir_bundle(services, None, _patient_id(patient), version=version, include_pixels=pixels)
    except NotFound as error:
        _say(_err, f"error: {error.message}; check the patient's id on their page")
        raise typer.Exit(EXIT_NOT_FOUND) from None
    except DomainError as error:
        _say(_err, f"error: {error.message}")
        raise typer.Exit(EXIT_NOT_FOUND) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    _say(_out, f"FHIR {version} Bundle of {len(document['entry'])} resources written to {out}")


@export_app.command("patient")
def export_patient(
    patient: Annotated[str, typer.Argument(help="The patient's id.")],
    out: Annotated[Path, typer.Option(help="The archive to write (.zip).")],
) -> None:
    """Subject access: the patient's whole record in one archive (FHIR Bundle, every document as PDF, the
    photos as they gave them, a README listing it all)."""
    from threadlift.bootstrap import build
    from threadlift.services import subject_access
    from threadlift.services.types import DomainError, NotFound

    patient_id = _patient_id(patient)
    try:
        data, _ = subject_access.archive(build(), None, patient_id)
    except NotFound as error:
        _say(_err, f"error: {error.message}; check the patient's id on their page")
        raise typer.Exit(EXIT_NOT_FOUND) from None
    except DomainError as error:
        _say(_err, f"error: {error.message}")
        raise typer.Exit(EXIT_NOT_FOUND) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    _say(_out, f"subject-access archive ({len(data) // 1024} KB) written to {out}; give it to the patient securely")
