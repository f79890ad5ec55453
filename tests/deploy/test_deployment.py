"""The deployment files: the compose file through a YAML parser, the systemd units through an INI
parser, the Dockerfile's shape, the wheel the image installs; and the image itself where a Docker
engine runs (skipped, with the reason in the summary, where none does)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def stages(dockerfile: str) -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), split by stage."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    found: list[list[str]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            found.append([])
        if found:
            found[-1].append(line)
    return found


def test_the_compose_file_runs_postgresql_the_app_and_an_https_proxy():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "app", "proxy"}
    app, database, proxy = services["app"], services["postgres"], services["proxy"]
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy" and "healthcheck" in database
    assert "ports" not in app and app["expose"] == ["8000"]  # only the proxy reaches the app
    assert app["environment"]["THREADLIFT_DATABASE_URL"].startswith("postgresql://threadlift:${POSTGRES_PASSWORD")
    mounts = {volume.split(":")[1] for volume in app["volumes"]}
    assert {"/var/lib/threadlift", "/etc/threadlift"} <= mounts  # data and key on separate volumes
    assert "443:443" in proxy["ports"] and proxy["image"].startswith("caddy:")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert database["image"].startswith("postgres:15")  # the app image's pg_dump is 15
    assert database["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")  # from .env, never here
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy app:8000" in caddyfile and re.search(r"^\s*tls internal$", caddyfile, re.M)
    assert {"threadlift-data", "threadlift-keys", "postgres-data"} <= set(compose["volumes"])


def test_the_dockerfile_builds_in_two_stages_and_runs_the_wheel_as_a_user():
    build, runtime = stages((ROOT / "Dockerfile").read_text())
    assert build[0].endswith("AS build") and "-slim-" not in build[0]  # compilers, if anything needs them
    assert "-slim-bookworm" in runtime[0]
    text = "\n".join(runtime)
    assert "COPY --from=build /wheels /wheels" in text and "--no-index --find-links=/wheels threadlift" in text
    assert not re.search(r"\b(gcc|g\+\+|build-essential|clang|make)\b", text)  # no compilers in the image
    user = [line for line in runtime if line.startswith("USER ")]
    assert user and not user[-1].split()[1].startswith(("root", "0"))
    assert any(line.startswith("HEALTHCHECK") and "/api/health" in line for line in runtime)
    assert "--proxy-headers" in runtime[-1] and runtime[-1].startswith("CMD")
    assert "THREADLIFT_KEY_FILE=/etc/threadlift/photo-vault.key" in text


def test_the_systemd_units_serve_behind_a_proxy_and_back_up_nightly():
    def unit(name: str) -> configparser.ConfigParser:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string((ROOT / "deploy" / name).read_text())
        return parser

    service = unit("threadlift.service")["Service"]
    assert service["User"] == "threadlift" and service["UMask"] == "0077"
    assert "serve" in service["ExecStart"] and "--proxy-headers" in service["ExecStart"]
    assert service["StateDirectoryMode"] == "0700" and service["ProtectSystem"] == "strict"
    settings = dict(re.findall(r"^Environment=(\w+)=(\S+)$", (ROOT / "deploy" / "threadlift.service").read_text(),
                               re.M))
    assert not settings["THREADLIFT_KEY_FILE"].startswith(settings["THREADLIFT_DATA_DIR"] + "/")
    backup = unit("threadlift-backup.service")["Service"]
    assert backup["Type"] == "oneshot" and "threadlift backup" in backup["ExecStart"]
    assert "--recipient" in backup["ExecStart"]
    assert unit("threadlift-backup.timer")["Timer"]["OnCalendar"] == "*-*-* 02:30:00"


def test_the_wheel_carries_the_data_the_image_needs(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                            "--wheel-dir", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("threadlift-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("threadlift/clinic/data/common-passwords.txt.gz", "threadlift/store/migrations/env.py",
                   "threadlift/web/templates/account_password.html", "threadlift/face/data/sample_astronaut.png",
                   "threadlift/store/migrations/versions/0002_patient_name_tokens.py"):
        assert needed in names, needed


def docker_engine() -> str | None:
    """Why the image cannot be built here, or None when a Docker engine answers."""
    if shutil.which("docker") is None:
        return "no docker command on this machine"
    info = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                          timeout=60)
    if info.returncode == 0:
        return None
    said = next((line.strip() for line in info.stderr.splitlines() if line.strip()), "no message")
    return f"no Docker engine answers on this machine (docker info: {said})"


def test_the_image_builds_runs_as_a_user_and_holds_no_compiler():
    missing = docker_engine()
    if missing:
        pytest.skip(f"image not built: {missing}; the Dockerfile, compose file and wheel are checked above")
    tag = "threadlift:test"
    built = subprocess.run(["docker", "build", "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=3600)
    assert built.returncode == 0, built.stderr[-2000:]
    probe = subprocess.run(["docker", "run", "--rm", "--entrypoint", "sh", tag, "-c",
                            "id -u; command -v gcc cc || echo no-compiler; threadlift --version"],
                           capture_output=True, text=True, timeout=300)
    uid, compiler, version = probe.stdout.split()[:3] + [""] * (3 - len(probe.stdout.split()[:3]))
    assert uid != "0" and compiler == "no-compiler" and version == "threadlift", probe.stdout
    size = subprocess.run(["docker", "image", "inspect", tag, "--format", "{{.Size}}"], capture_output=True,
                          text=True, timeout=60).stdout.strip()
    print(f"image {tag}: {int(size) / 1e6:.0f} MB")
