"""Operating checks: a data folder that lacks the database's photos is refused; a PostgreSQL restore
interrupted between its database transaction and its photo folder is finished by the next start."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.helpers.backups import photos, staffed_clinic
from threadlift.bootstrap import build
from threadlift.config import ConfigurationError, Settings
from threadlift.services.operations import check_photos_present
from threadlift.services.restore import PENDING_NOTE


def sqlite_clinic(folder, key):  # type: ignore[no-untyped-def]
    return Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'threadlift.db'}", key_file=key)


def test_a_data_folder_without_the_databases_photos_is_refused(tmp_path):
    clinic = staffed_clinic(sqlite_clinic(tmp_path / "clinic", tmp_path / "clinic.key"), patients=1, photos_each=1)
    check_photos_present(clinic)
    elsewhere = replace(clinic.settings, data_dir=tmp_path / "started-from-another-directory")
    with pytest.raises(ConfigurationError, match=r"lists 1 photo.*THREADLIFT_DATA_DIR probably names the wrong"):
        check_photos_present(build(elsewhere))


def test_no_new_key_for_a_database_that_lists_photos(tmp_path):
    """``serve`` started from elsewhere against the clinic's database, with neither its data folder nor its
    key: refused, and no key file is made (a new key would never open the clinic's photos)."""
    clinic = staffed_clinic(sqlite_clinic(tmp_path / "clinic", tmp_path / "clinic.key"), patients=1, photos_each=1)
    elsewhere = replace(clinic.settings, data_dir=tmp_path / "elsewhere", key_file=tmp_path / "keys" / "new.key")
    with pytest.raises(ConfigurationError, match=r"lists photos but there is no photo key.*none is made"):
        build(elsewhere)
    assert not (tmp_path / "keys" / "new.key").exists()
    empty = sqlite_clinic(tmp_path / "new-clinic", tmp_path / "keys" / "new.key")
    assert build(empty).vault.ring.keys and (tmp_path / "keys" / "new.key").stat().st_mode & 0o777 == 0o600


def test_an_interrupted_restore_is_finished_by_the_next_start(tmp_path):
    settings = sqlite_clinic(tmp_path / "clinic", tmp_path / "clinic.key")
    clinic = staffed_clinic(settings, patients=2, photos_each=1)
    restored = photos(clinic)
    staged = settings.data_dir / ".photos.restore-0001"
    settings.photo_dir.rename(staged)  # the restored photos, staged beside the folder
    settings.photo_dir.mkdir(mode=0o700)
    (settings.photo_dir / ("0" * 48)).write_bytes(b"a photo of the clinic before the restore")
    (settings.data_dir / PENDING_NOTE).write_text(json.dumps({"photos": staged.name}))  # killed right here
    after = build(settings)
    assert photos(after) == restored and not staged.exists() and not (settings.data_dir / PENDING_NOTE).exists()


def test_a_restore_killed_before_its_database_committed_leaves_the_clinics_photos(tmp_path):
    """Killed during pg_restore (its one transaction rolled back, the database still the clinic's own),
    the staged photos of the backup are not put in place by the next start: the clinic stays as it was."""
    settings = sqlite_clinic(tmp_path / "clinic", tmp_path / "clinic.key")
    clinic = staffed_clinic(settings, patients=2, photos_each=1)
    own = photos(clinic)
    staged = settings.data_dir / ".photos.restore-0002"
    staged.mkdir(mode=0o700)
    (staged / ("1" * 48)).write_bytes(b"a photo of the backup, which the clinic's database does not list")
    (settings.data_dir / PENDING_NOTE).write_text(json.dumps({"photos": staged.name}))
    after = build(settings)
    assert photos(after) == own and not staged.exists() and not (settings.data_dir / PENDING_NOTE).exists()
    assert not (settings.photo_dir / ("1" * 48)).exists()
