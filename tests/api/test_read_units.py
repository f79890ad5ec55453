"""Pure reads run in read-only units of work: on SQLite they never queue for the process's one writer,
so a long write cannot hold up the upload check or the staff list. (Reads whose disclosure is audited,
like the follow-ups due, append an audit row at their end: they wait for the writer for that alone.)"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.helpers.photos import jpeg_bytes, read_rgb
from tests.helpers.records import Clinic
from tests.web.test_pages import registered
from threadlift.services import people, photos
from threadlift.services.commands import PhotoUpload
from threadlift.store import unit_of_work


def test_pure_reads_do_not_wait_for_a_writer(clinic: Clinic):
    _, episode = registered(clinic)
    upload = PhotoUpload(episode_id=episode, data=jpeg_bytes(read_rgb("obama3.jpg")[:64, :64]), view="frontal")
    reads = {
        "upload check": lambda: photos._check_upload(clinic.services, clinic.user("nurse-ade"), upload),
        "staff list": lambda: people.list_users(clinic.services, clinic.user("admin")),
    }
    holding, release = threading.Event(), threading.Event()

    def long_write() -> None:  # what a writer holds on SQLite for its whole transaction
        with unit_of_work._SQLITE_WRITER:
            holding.set()
            release.wait(30)

    writer = threading.Thread(target=long_write)
    writer.start()
    holding.wait(5)
    try:
        with ThreadPoolExecutor(1) as pool:
            for name, read in reads.items():
                assert pool.submit(read).result(timeout=10) is not None, name
    finally:
        release.set()
        writer.join()
