"""`threadlift serve` as deployed behind a reverse proxy: sign-in over HTTPS through the proxy, a
health probe that checks the database and the photo key, JSON logs with request ids and no patient
data."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers.records import PASSWORD

PROGRAM = str(Path(sys.executable).with_name("threadlift"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_behind_a_proxy_with_health_and_json_logs(tmp_path):
    env = {**os.environ, "THREADLIFT_DATA_DIR": str(tmp_path / "clinic"),
           "THREADLIFT_KEY_FILE": str(tmp_path / "keys" / "photo.key")}
    made = subprocess.run([PROGRAM, "admin", "create-user", "frontdesk", "--role", "reception", "--display-name",
                           "Front Desk", "--password-stdin"], input=PASSWORD + "\n", env=env, capture_output=True,
                          text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([PROGRAM, "serve", "--port", str(port), "--proxy-headers", "--forwarded-allow-ips",
                               "127.0.0.1", "--log-level", "info"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            try:
                health = httpx.get(f"{base}/api/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start")
        assert health.status_code == 200
        assert health.json() | {"version": None} == {"status": "ok", "database": "ok", "photo_key": "ok",
                                                     "version": None}
        assert "server" not in health.headers  # no "server: uvicorn"
        proxied = {"Origin": "https://clinic.example", "Host": "clinic.example", "X-Forwarded-Proto": "https"}
        signed_in = httpx.post(f"{base}/login", data={"username": "frontdesk", "password": PASSWORD},
                               headers=proxied)
        assert signed_in.status_code == 303, signed_in.text  # the browser's HTTPS origin is this site
        assert "secure" in signed_in.headers["set-cookie"].lower()
        unproxied = httpx.post(f"{base}/login", data={"username": "frontdesk", "password": PASSWORD},
                               headers={"Origin": "https://clinic.example", "Host": "clinic.example"})
        assert unproxied.status_code == 403  # the same request without the proxy's word is cross-origin
        token = httpx.post(f"{base}/api/auth/login", json={"username": "frontdesk", "password": PASSWORD}).json()
        auth = {"Authorization": f"Bearer {token['token']}", "X-Request-ID": "proxy-id-0001"}
        registered = httpx.post(f"{base}/api/patients", headers=auth, json={
            "family_name": "Zebedee-Quill", "given_name": "Ottoline", "date_of_birth": "1980-02-03", "sex": "female"})
        assert registered.status_code == 201, registered.text
        found = httpx.get(f"{base}/api/patients", params={"search": "Zebedee"}, headers=auth)
        assert found.status_code == 200 and found.headers["x-request-id"] == "proxy-id-0001"
        assert len(httpx.get(f"{base}/api/health").headers["x-request-id"]) == 16
    finally:
        server.terminate()
        _, logged = server.communicate(timeout=30)
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert lines and len(lines) >= len(logged.strip().splitlines()) - 1, logged  # JSON, line by line
    requests = [line for line in lines if line["logger"] == "threadlift.requests"]
    search = [line for line in requests if line.get("request_id") == "proxy-id-0001" and line["method"] == "GET"]
    assert search and search[0]["route"] == "/api/patients" and search[0]["status"] == 200
    assert any(line["route"] == "/api/patients/{patient_id}" or line["route"] == "/api/patients"
               for line in requests if line["method"] == "POST")
    assert "Zebedee" not in logged and "Ottoline" not in logged and "1980-02-03" not in logged
    assert PASSWORD not in logged


def test_the_served_app_keeps_its_start_up_heap_out_of_the_collectors_way(tmp_path):
    """The served app compiles its templates, routes a first request (FastAPI builds its table of routes
    then) and freezes what start-up made, so full collections walk only what requests made (they stopped
    every request for 100-400 ms otherwise, and 15-25 ms with the table of routes left out)."""
    env = {**os.environ, "THREADLIFT_DATA_DIR": str(tmp_path / "clinic"),
           "THREADLIFT_KEY_FILE": str(tmp_path / "keys" / "photo.key")}
    probe = ("import asyncio, gc, threadlift.web.asgi as asgi; from threadlift.web.pages.common import templates; "
             "gc.collect(); tracked = len(gc.get_objects()); asyncio.run(asgi._health_check()); gc.collect(); "
             "print(gc.get_freeze_count(), len(templates.env.cache), len(templates.env.list_templates(['html'])), "
             "len(gc.get_objects()) - tracked)")
    shown = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    frozen, compiled, templates, made_by_a_request = map(int, shown.stdout.split())
    assert frozen > 100_000  # the libraries, the routes and the templates
    assert compiled == templates
    assert made_by_a_request < 1_000  # the first request after start-up built some 23,000 objects
