"""`threadlift batch compare` on the command line, the pairs run by the serial runner in place of Ray's pool
(tests/e2e/test_batch.py runs the pool): the summary per error code, exit 1 when a pair failed, exit 2 with
what to do for a missing or unreadable manifest, exit 1 for a manifest with no pairs, and the message naming
the cluster extra when Ray is missing."""

from __future__ import annotations

import shutil
import sys

import pyarrow.parquet as pq
from typer.testing import CliRunner

from tests.helpers.photos import before_and_after, faces_dir
from threadlift.cli import app
from threadlift.services import batch, batch_ray

runner = CliRunner()


def test_the_command_line_compares_the_manifests_pairs_and_summarises(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_ray, "actor_runner", lambda workers, address=None: batch.serial_runner)
    before, after = before_and_after()
    (tmp_path / "before.png").write_bytes(before)
    (tmp_path / "after.png").write_bytes(after)
    shutil.copy(faces_dir() / "obama2.jpg", tmp_path / "obama2.jpg")
    manifest = tmp_path / "pairs.csv"
    manifest.write_text("baseline,follow_up\nbefore.png,after.png\nbefore.png,obama2.jpg\n")
    done = runner.invoke(app, ["batch", "compare", str(manifest), "--out", str(tmp_path / "r1"), "--passes", "1"])
    assert done.exit_code == 1, done.output
    assert "1 compared, 0 already done for this engine version, 1 failed" in done.output
    assert "not_comparable: 1 pair" in done.output and "the failed pairs are rows with their error code" in done.output
    table = pq.read_table(tmp_path / "r1").to_pylist()
    assert sorted(str(r["error_code"]) for r in table) == ["None", "not_comparable"]

    assert runner.invoke(app, ["batch", "compare", "--out", str(tmp_path / "r2")]).exit_code == 2
    missing = runner.invoke(app, ["batch", "compare", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "r2")])
    assert missing.exit_code == 2 and "give the CSV file that lists the pairs" in missing.output
    (tmp_path / "wrong.csv").write_text("before;after\n")
    wrong = runner.invoke(app, ["batch", "compare", str(tmp_path / "wrong.csv"), "--out", str(tmp_path / "r2")])
    assert wrong.exit_code == 2 and "must name the columns baseline and follow_up" in wrong.output
    (tmp_path / "empty.csv").write_text("baseline,follow_up\n")
    empty = runner.invoke(app, ["batch", "compare", str(tmp_path / "empty.csv"), "--out", str(tmp_path / "r2")])
    assert empty.exit_code == 1 and "no pairs in" in empty.output
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    no_ray = runner.invoke(app, ["batch", "compare", str(manifest), "--out", str(tmp_path / "r3")])
    assert no_ray.exit_code == 2 and "pip install 'threadlift[cluster]'" in no_ray.output
