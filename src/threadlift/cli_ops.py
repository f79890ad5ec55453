"""Running a clinic from the command line: ``serve``, ``demo``, ``db upgrade|downgrade``.

Each command imports what it needs when it runs, so ``threadlift --help`` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from threadlift.cli_common import confirm_destructive, err, fail, out, plain

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def demo(
    data_dir: Annotated[Path, typer.Option(help="Folder of the demo clinic (SQLite file, encrypted photos).")]
    = Path("demo-clinic"),
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    reset: Annotated[bool, typer.Option(help="Delete the demo clinic and build it again.")] = False,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the web server after building.")] = True,
    yes: Annotated[bool, typer.Option("--yes", help="With --reset: delete a folder that is not a demo clinic "
                                      "without asking.")] = False,
) -> None:
    """Build the demo clinic (staff for every role, patients at every stage) and open it in the browser."""
    import shutil

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from threadlift import bootstrap, demo_clinic
    from threadlift.config import Settings, demo_key_file
    from threadlift.services.operations import upgrade_database

    folder = data_dir.resolve()
    if reset and folder.exists():
        if any(folder.iterdir()) and not demo_clinic.accounts_path(folder).exists():
            confirm_destructive(f"{folder} is not a demo clinic. Delete everything in it?", yes=yes,
                                what=f"--reset would delete {folder}, which is not a demo clinic")
        shutil.rmtree(folder)
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'threadlift.db'}",
                        key_file=demo_key_file())
    settings.ensure_data_dir()
    upgrade_database(settings)
    services = bootstrap.build(settings)
    if not demo_clinic.is_seeded(services):
        steps = [s.value for s, _ in demo_clinic.STAGES]
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err,
                      transient=True) as progress:
            task = progress.add_task("Building the demo clinic", total=len(steps) + 3)

            def step(name: str) -> None:
                progress.update(task, description=f"Building the demo clinic: {name}")
                progress.advance(task)

            demo_clinic.build(services, progress=step)
    accounts = demo_clinic.read_accounts(folder)
    table = Table(title="Demo staff (passwords are also in " + str(demo_clinic.accounts_path(folder)) + ")")
    for column in ("user name", "password", "role", "name"):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.username, account.password, account.role, account.display_name)
    out.print(table)
    if not serve:
        plain(out, f"ThreadLift demo clinic built in {folder}; serve it with: threadlift demo --data-dir {folder}")
        return
    plain(out, f"ThreadLift demo clinic: http://{host}:{port}/  (data: {folder}; Ctrl+C stops it)")
    import uvicorn

    from threadlift.web.app import create_app

    uvicorn.run(create_app(services), host=host, port=port, log_level="warning", access_log=False,
                server_header=False)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    proxy_headers: Annotated[bool, typer.Option("--proxy-headers/--no-proxy-headers", help="Behind a reverse "
                                                "proxy (Caddy, nginx): take the client's scheme and address from "
                                                "X-Forwarded-Proto/-For, so sign-in works over HTTPS.")] = False,
    forwarded_allow_ips: Annotated[str, typer.Option(help="Proxies trusted for those headers: addresses or "
                                                     "networks, comma separated ('*': any, only when the app's "
                                                     "port is reachable from the proxy alone).")] = "127.0.0.1",
    log_level: Annotated[str | None, typer.Option(help="critical, error, warning, info (one line per request) or "
                                                  "debug; default THREADLIFT_LOG_LEVEL or warning.")] = None,
    log_format: Annotated[str, typer.Option(help="json (one object a line, with request ids) or text.")] = "json",
) -> None:
    """Serve the clinic: web pages and the JSON API (OpenAPI at /openapi.json). Migrates the database first."""
    import uvicorn

    from threadlift import logs
    from threadlift.bootstrap import build
    from threadlift.config import LOG_LEVELS, Settings
    from threadlift.services.operations import check_photos_present, upgrade_database

    settings = Settings.from_env()
    level = (log_level or settings.log_level).lower()
    if level not in LOG_LEVELS:
        fail(f"--log-level must be one of {', '.join(LOG_LEVELS)}")
    if log_format not in ("json", "text"):
        fail("--log-format must be json or text")
    settings.ensure_data_dir()
    upgrade_database(settings)
    check_photos_present(build(settings))  # before a worker starts: one clear line, not a 500 per photo
    plain(err, f"ThreadLift on http://{host}:{port}  (database: {redacted(settings.database_url)}; data: "
               f"{settings.data_dir})")
    uvicorn.run("threadlift.web.asgi:app", host=host, port=port, workers=workers, proxy_headers=proxy_headers,
                forwarded_allow_ips=forwarded_allow_ips, log_config=logs.uvicorn_config(level, log_format),
                log_level=level, access_log=False, server_header=False)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations (default: to the newest)."""
    from threadlift.config import Settings
    from threadlift.services.operations import upgrade_database

    settings = Settings.from_env()
    settings.ensure_data_dir()
    plain(out, f"database at revision {upgrade_database(settings, revision)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument()] = "-1",
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask (scripts): the tables undone lose their rows.")]
    = False,
) -> None:
    """Undo migrations (default: one step). Undone tables lose their rows: asks first (or --yes)."""
    from threadlift.config import Settings
    from threadlift.services.operations import database_revision, downgrade_database

    settings = Settings.from_env()
    current = database_revision(settings)
    target = "base (no tables at all: every record, user and audit row)" if revision == "base" else revision
    confirm_destructive(f"Downgrade {redacted(settings.database_url)} from {current} to {target}? Undone tables "
                        "lose their rows.", yes=yes,
                        what=f"downgrading the database from {current} to {target} drops what those migrations hold")
    try:
        now = downgrade_database(settings, revision)
    except Exception as error:  # Alembic's "relative revision -1 didn't produce 1 migrations" and the like
        if type(error).__module__.startswith("alembic"):
            fail(f"cannot downgrade to {revision}: {error}")
        raise
    plain(out, f"database at revision {now}")


def redacted(url: str) -> str:
    """A database URL without its password."""
    from threadlift.config import redacted_url

    return redacted_url(url)


config_app = typer.Typer(help="The clinic's settings.", no_args_is_help=True)


@config_app.command("show")
def config_show(
    json_out: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """Every setting, its value and where it came from (environment or default); secrets masked."""
    import json

    from rich.table import Table

    from threadlift.config import Settings, describe_settings

    rows = describe_settings(Settings.from_env())
    if json_out:
        print(json.dumps([row.__dict__ for row in rows], indent=2))
        return
    table = Table(title="ThreadLift settings (environment variables)", title_justify="left")
    table.add_column("setting", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("source")
    for row in rows:
        table.add_row(row.variable, row.value, row.source)
    out.print(table)
