"""`threadlift compare` and `threadlift simulate` as a user runs them."""

from __future__ import annotations

import json

import jsonschema
import pytest
from PIL import Image
from typer.testing import CliRunner

from tests.helpers.photos import faces_dir
from threadlift.cli import app
from threadlift.face.compare_report import comparison_schema

pytestmark = pytest.mark.mediapipe
runner = CliRunner()


@pytest.fixture(scope="module")
def previews(tmp_path_factory):
    folder = tmp_path_factory.mktemp("previews")
    original = faces_dir() / "obama3.jpg"
    made = {}
    for mm in (2, 4):
        out = folder / f"lift{mm}.png"
        result = runner.invoke(app, ["simulate", str(original), "--lift", f"midface={mm}", "--lift", "jawline=2",
                                     "--side", "left", "--out", str(out)])
        assert result.exit_code == 0, result.output
        made[mm] = out
    return original, made


def test_simulate_writes_a_full_size_preview(previews):
    original, made = previews
    with Image.open(original) as before, Image.open(made[2]) as after:
        assert after.size == before.size


def test_simulate_refuses_bad_lifts(tmp_path):
    photo = str(faces_dir() / "obama3.jpg")
    for lift in ("midface", "midface=x", "forehead=2", "midface=15"):
        result = runner.invoke(app, ["simulate", photo, "--lift", lift, "--out", str(tmp_path / "x.png")])
        assert result.exit_code == 2, lift
        assert result.stderr.startswith("error:")


def test_compare_a_pair_writes_json_picture_and_table(previews, tmp_path):
    original, made = previews
    out, picture = tmp_path / "pair.json", tmp_path / "pair.png"
    result = runner.invoke(app, ["compare", str(original), str(made[4]), "--json", str(out), "--image", str(picture)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    jsonschema.validate(document, comparison_schema())
    midface = document["areas"]["midface"]["left"]
    assert midface["measurable"] and midface["dy_mm"] > 3.0
    assert document["areas"]["midface"]["right"]["measurable"] is False
    assert Image.open(picture).size[0] > 1000
    table = runner.invoke(app, ["compare", str(original), str(made[4])])
    assert "lifted" in table.stdout and "no measurable change" in table.stdout


def test_compare_a_series_plots_lift_over_time(previews, tmp_path):
    original, made = previews
    out, plot = tmp_path / "series.json", tmp_path / "series.png"
    result = runner.invoke(app, ["compare", str(original), str(made[4]), str(made[2]), "--json", str(out),
                                 "--plot", str(plot), "--dates", "2026-01-10,2026-01-17,2026-03-10"])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    jsonschema.validate(document, comparison_schema())
    assert [c["days_since_baseline"] for c in document["comparisons"]] == [7, 59]
    assert plot.stat().st_size > 10_000


def test_compare_refuses_pairs_that_cannot_be_compared(tmp_path):
    out = tmp_path / "refused.json"
    result = runner.invoke(app, ["compare", str(faces_dir() / "obama3.jpg"), str(faces_dir() / "breakingbad.jpg"),
                                 "--json", str(out)])
    assert result.exit_code == 10
    assert "[different_views]" in result.stderr
    document = json.loads(out.read_text())
    assert document["comparable"]["ok"] is False and document["areas"] is None
    forced = runner.invoke(app, ["compare", str(faces_dir() / "obama3.jpg"), str(faces_dir() / "breakingbad.jpg"),
                                 "--force", "--json", "-"])
    assert forced.exit_code == 0
    assert json.loads(forced.stdout)["comparable"]["forced"] is True


def test_compare_checks_its_options(tmp_path):
    photo = str(faces_dir() / "obama3.jpg")
    assert runner.invoke(app, ["compare", photo]).exit_code == 2
    assert runner.invoke(app, ["compare", photo, photo, "--plot", str(tmp_path / "p.png")]).exit_code == 2
    wrong = runner.invoke(app, ["compare", photo, photo, "--dates", "2026-01-01"])
    assert wrong.exit_code == 2 and "one YYYY-MM-DD per photo" in wrong.stderr
    missing = runner.invoke(app, ["compare", photo, str(tmp_path / "nope.jpg")])
    assert missing.exit_code == 3
