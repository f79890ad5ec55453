"""`threadlift plan` as a clinician runs it: suggest, edit, validate, render, preview."""

from __future__ import annotations

import json

import jsonschema
import pytest
from PIL import Image
from typer.testing import CliRunner

from tests.helpers.photos import faces_dir
from threadlift.cli import app
from threadlift.cli_plan import EXIT_PLAN_INVALID
from threadlift.plan.model import plan_schema

pytestmark = pytest.mark.mediapipe
runner = CliRunner()


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plan")
    out = folder / "plan.json"
    result = runner.invoke(app, ["plan", str(faces_dir() / "obama3.jpg"), "--concern", "jawline", "--concern",
                                 "midface", "--age", "52", "--laxity", "2", "--weight-kg", "68", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_plan_writes_a_schema_valid_document_and_a_summary(plan_file):
    document = json.loads(plan_file.read_text())
    jsonschema.validate(document, plan_schema())
    assert {t["area"] for t in document["threads"]} == {"jawline", "midface"}
    assert document["local_anaesthetic"]["maximum_mg"] == pytest.approx(476)  # 7 mg/kg x 68 kg (UK)


def test_plan_suggest_is_the_same_command(tmp_path):
    out = tmp_path / "p.json"
    result = runner.invoke(app, ["plan", "suggest", str(faces_dir() / "obama3.jpg"), "--concern", "brow",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "brow" in result.output and json.loads(out.read_text())["concerns"] == ["brow"]


def test_validate_accepts_an_edit_and_refuses_a_bad_one(plan_file, tmp_path):
    document = json.loads(plan_file.read_text())
    document["threads"][0]["vector"]["exit"]["y_mm"] += 2
    good = tmp_path / "good.json"
    good.write_text(json.dumps(document))
    result = runner.invoke(app, ["plan", "validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    document["threads"][0]["design"] = "golden"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    result = runner.invoke(app, ["plan", "validate", str(bad)])
    assert result.exit_code == EXIT_PLAN_INVALID
    assert "unknown design 'golden'" in result.output


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_render_writes_each_format(plan_file, tmp_path, suffix):
    out = tmp_path / f"map{suffix}"
    result = runner.invoke(app, ["plan", "render", str(plan_file), str(faces_dir() / "obama3.jpg"), "--out",
                                 str(out)])
    assert result.exit_code == 0, result.output
    head = out.read_bytes()[:5]
    assert head == {".png": b"\x89PNG\r", ".svg": b"<svg ", ".pdf": b"%PDF-"}[suffix]


def test_render_refuses_an_unknown_format_and_a_non_image(plan_file, tmp_path):
    result = runner.invoke(app, ["plan", "render", str(plan_file), str(faces_dir() / "obama3.jpg"), "--out",
                                 str(tmp_path / "map.gif")])
    assert result.exit_code == 2 and ".png, .svg or .pdf" in result.output
    fake = tmp_path / "photo.jpg"
    fake.write_text("not a photo")
    result = runner.invoke(app, ["plan", "render", str(plan_file), str(fake), "--out", str(tmp_path / "m.png")])
    assert result.exit_code not in (0, 2) and "error" in result.output


def test_preview_writes_the_photo_with_the_planned_lift(plan_file, tmp_path):
    out = tmp_path / "preview.png"
    result = runner.invoke(app, ["plan", "preview", str(plan_file), str(faces_dir() / "obama3.jpg"), "--out",
                                 str(out)])
    assert result.exit_code == 0, result.output
    assert "not a prediction" in result.output
    with Image.open(out) as picture, Image.open(faces_dir() / "obama3.jpg") as photo:
        assert picture.size == photo.size


def test_a_missing_plan_file_says_so(tmp_path):
    result = runner.invoke(app, ["plan", "validate", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "cannot read the plan" in result.output


def test_edit_applies_the_page_s_edits_and_reports_its_checks(plan_file, tmp_path):
    document = json.loads(plan_file.read_text())
    first = document["threads"][0]
    out = tmp_path / "edited.json"
    result = runner.invoke(app, ["plan", "edit", str(plan_file), "--out", str(out),
                                 "--set", f"{first['id']}.design=mono", "--set", f"{first['id']}.anchored=yes",
                                 "--move", f"{first['id']}.exit={first['vector']['exit']['x_mm']},"
                                           f"{first['vector']['exit']['y_mm'] + 3}",
                                 "--add", "brow:left"])
    assert result.exit_code == 0, result.output
    edited = json.loads(out.read_text())
    changed = next(t for t in edited["threads"] if t["id"] == first["id"])
    assert changed["design"] == "mono" and changed["anchored"] is True
    assert changed["vector"]["exit"]["y_mm"] == pytest.approx(first["vector"]["exit"]["y_mm"] + 3, abs=0.05)
    assert any(t["id"] == "L-brow-1" for t in edited["threads"]) and "valid" in result.output
    jsonschema.validate(edited, plan_schema())


def test_edit_refuses_what_the_page_refuses_and_keeps_the_edit(plan_file, tmp_path):
    document = json.loads(plan_file.read_text())
    first = document["threads"][0]["id"]
    out = tmp_path / "edited.json"
    golden = runner.invoke(app, ["plan", "edit", str(plan_file), "--out", str(out), "--set", f"{first}.design=golden"])
    assert golden.exit_code == EXIT_PLAN_INVALID and "unknown design 'golden'" in golden.output
    assert json.loads(out.read_text())["threads"][0]["design"] == "golden"  # written, to go on editing
    edits = tmp_path / "edits.json"
    edits.write_text(json.dumps([{"op": "remove", "thread": "T99"}]))
    unknown = runner.invoke(app, ["plan", "edit", str(plan_file), "--out", str(out), "--edits", str(edits)])
    assert unknown.exit_code == EXIT_PLAN_INVALID and "has no thread T99" in unknown.output
    malformed = runner.invoke(app, ["plan", "edit", str(plan_file), "--out", str(out), "--move", "nothing"])
    assert malformed.exit_code == 2 and "THREAD.POINT=X,Y" in malformed.output
