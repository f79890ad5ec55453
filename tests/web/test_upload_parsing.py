"""A photo's form is parsed in memory: no piece of a 12 MB upload goes through the thread pool to a
temporary file and back (Starlette spools past 1 MB by default, one thread hop per 64 KB piece)."""

from __future__ import annotations

import os

from starlette import datastructures

from tests.helpers.records import Clinic
from tests.helpers.web import PageUser
from tests.web.test_pages import registered


def test_a_twelve_megabyte_photo_form_is_parsed_without_a_thread_hop_per_piece(clinic: Clinic, monkeypatch):
    _, episode = registered(clinic)
    nurse = PageUser(clinic, "nurse-ade")
    hops: list[str] = []
    hop = datastructures.run_in_threadpool

    async def counted(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        hops.append(getattr(func, "__qualname__", repr(func)))
        return await hop(func, *args, **kwargs)

    monkeypatch.setattr(datastructures, "run_in_threadpool", counted)
    not_a_photo = os.urandom(12 * 2**20)
    answer = nurse.client.post(f"/episodes/{episode}/photos", data={"csrf": nurse.csrf, "view": "frontal",
                                                                    "stage": "baseline"},
                               files={"file": ("phone.jpg", not_a_photo, "image/jpeg")})
    assert answer.status_code in (409, 422), answer.text  # refused (no consent, not a photo), but parsed
    assert hops == [], hops
