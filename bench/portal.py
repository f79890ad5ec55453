"""Benchmark: from a patient's red-flag check-in to the e-mail in the clinician on call's mailbox.

The app is served for real (uvicorn) with its outbox worker running as in production, and a real SMTP
server on loopback (aiosmtpd, STARTTLS and a password, as a clinic's relay). Each round a different
patient sends a 48-hour check-in with a fever over HTTP; the clock runs from sending the form to the
alert's arrival at the SMTP server. Baseline, measured in the same run and taking turns with it: the
same kind of message handed straight to the SMTP transport (no web request, no database, no worker),
from the call to its arrival. Also printed: how long the patient waits for the advice page.

Usage: python bench/portal.py [--rounds 50] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.databases import bench_database  # noqa: E402
from tests.helpers.clinic import patient  # noqa: E402
from tests.helpers.exports import episode as built_episode  # noqa: E402
from tests.helpers.mailbox import smtp_server  # noqa: E402
from tests.helpers.portal import last_link  # noqa: E402
from tests.helpers.records import open_clinic  # noqa: E402
from tests.helpers.server import served  # noqa: E402
from threadlift.clinic.episode import State  # noqa: E402
from threadlift.clinic.portal import CheckIn, OutboxMessage  # noqa: E402
from threadlift.services import portal  # noqa: E402
from threadlift.services.portal_worker import transport_of  # noqa: E402
from threadlift.web.portal.common import COOKIE, csrf_for  # noqa: E402

ON_CALL = "oncall@example.org"
FEVER = {"pain_score": "4", "pain_trend": "same", "swelling": "moderate", "swelling_trend": "same",
         "bruising": "mild", "redness_or_warmth_spreading": "no", "fever": "yes", "discharge_from_entry_point": "no",
         "thread_at_skin": "no", "dimpling": "no", "asymmetry": "no", "facial_weakness": "no",
         "difficulty_opening_mouth": "no", "vision_change": "no"}


def summary(name: str, values_ms: list[float]) -> str:
    ordered = sorted(values_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{name:<58} median {statistics.median(ordered):8.1f} ms   p95 {p95:8.1f} ms   n={len(ordered)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder_name, bench_database(args.database, Path(folder_name)) as url:
        folder = Path(folder_name)
        clinic = open_clinic(url, folder)
        svc = clinic.services
        template, lots, _ = built_episode(State.DISCHARGED)
        sessions: list[tuple[str, str]] = []  # (check-in id, portal session token)
        with svc.uow() as uow:
            for lot in lots:
                uow.lots.add(lot)
            uow.commit()
        for i in range(args.rounds):
            someone = patient(email=f"patient{i}@example.org", family_name=f"Bench{i}")
            episode = template.model_copy(update={"id": uuid4(), "patient_id": someone.id})
            check_in = CheckIn(id=str(uuid4()), episode_id=str(episode.id), patient_id=str(someone.id), name="48h",
                               after_hours=48, opens_at=clinic.clock.now - timedelta(hours=1),
                               closes_at=clinic.clock.now + timedelta(hours=23))
            with svc.uow() as uow:
                uow.patients.add(someone)
                uow.episodes.add(episode)
                uow.portal.add_check_ins([check_in])
                uow.portal.mark_invited(check_in.id, clinic.clock.now)  # invited already: no e-mail queue ahead
                uow.commit()
            portal.invite(svc, clinic.user("reception-kim"), someone.id)
            sessions.append((check_in.id, portal.sign_in(svc, last_link(clinic, someone)).token))
        with svc.uow() as uow:  # the invitations were only for signing in: not part of the measure
            for message_id in uow.outbox.due(clinic.clock.now, 10 * args.rounds):
                uow.outbox.sent(message_id, clinic.clock.now, 0)
            uow.commit()
        with smtp_server(folder) as box:
            svc.settings = dataclasses.replace(svc.settings, smtp_url=box.url, on_call_email=ON_CALL)
            transport = transport_of(svc)
            assert transport is not None
            red_flag, answered, baseline = [], [], []
            with served(clinic.client.app) as base, httpx.Client(base_url=base, timeout=120) as client:
                time.sleep(3)  # the worker's first pass (scheduling, invitations) is not part of the measure
                for round_, (check_in_id, token) in enumerate(sessions):
                    direct = OutboxMessage(id=str(uuid4()), kind="red_flag_alert", to_address="direct@example.org",
                                           subject=f"baseline {round_}", body="baseline", created_at=clinic.clock.now,
                                           next_attempt_at=clinic.clock.now)
                    start = time.perf_counter()
                    transport.send([direct])
                    box.wait_for(lambda m, s=direct.subject: m["Subject"] == s)
                    baseline.append(1000 * (time.perf_counter() - start))
                    seen = frozenset(str(m["Message-ID"]) for m in box.messages)
                    start = time.perf_counter()
                    form = {**FEVER, "csrf": csrf_for(svc, token)}
                    response = client.post(f"/portal/check-ins/{check_in_id}", data=form, cookies={COOKIE: token})
                    answered.append(1000 * (time.perf_counter() - start))
                    assert response.status_code == 200 and "Call the clinic now" in response.text, response.text[:500]
                    # a cheap test of each message: the server's thread waits for the mailbox while it runs
                    box.wait_for(lambda m, old=seen: m["To"] == ON_CALL and str(m["Message-ID"]) not in old,
                                 timeout=120)
                    red_flag.append(1000 * (time.perf_counter() - start))
        clinic.close()
    print(f"portal red-flag alert, {args.database}, {args.rounds} rounds, load average "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    print(summary("baseline: the message straight to SMTP (STARTTLS, login)", baseline))
    print(summary("red-flag check-in sent -> alert at the SMTP server", red_flag))
    print(summary("  of which the patient waits for the advice page", answered))


if __name__ == "__main__":
    main()
