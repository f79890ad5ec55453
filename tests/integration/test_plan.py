"""Plans on real photos: face-frame transfer, marking maps (PNG, SVG, PDF) and the lift preview (issue 5)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import Image

from tests.helpers.photos import read_rgb, similarity_with_matrix
from threadlift.face.analysis import Analyzer, FaceAnalysis
from threadlift.face.load import Photo
from threadlift.plan.draw import to_png, to_svg
from threadlift.plan.model import Plan
from threadlift.plan.preview import expected_lifts, preview
from threadlift.plan.scene import build_scene
from threadlift.plan.suggest import PlanInput, suggest
from threadlift.reports.marking_sheet import marking_sheet_pdf

pytestmark = pytest.mark.mediapipe
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CONCERNS = ["brow", "midface", "jawline", "marionette"]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def planned(analyzer: Analyzer) -> tuple[np.ndarray, FaceAnalysis, Plan]:
    rgb = read_rgb("obama3.jpg")
    analysis = analyzer.analyze(Photo.from_array(rgb))
    plan = suggest(PlanInput.from_analysis(analysis), CONCERNS, now=NOW, age_years=52, laxity_grade=2, weight_kg=70)
    return rgb, analysis, plan


def plan_points_px(plan: Plan, analysis: FaceAnalysis) -> np.ndarray:
    points_mm = np.array([p for t in plan.threads for p in t.vector.path()])
    return analysis.frame.to_px(points_mm)


@pytest.mark.parametrize(("angle_deg", "scale"), [(12.0, 1.0), (-8.0, 1.6), (0.0, 0.7)])
def test_vectors_land_on_the_same_anatomy_in_a_rotated_or_scaled_photo(analyzer, planned, angle_deg, scale):
    rgb, analysis, plan = planned
    moved_rgb, matrix = similarity_with_matrix(rgb, angle_deg=angle_deg, scale=scale)
    moved = analyzer.analyze(Photo.from_array(moved_rgb))
    expected = np.c_[plan_points_px(plan, analysis), np.ones(len(plan_points_px(plan, analysis)))] @ matrix.T
    placed = plan_points_px(plan, moved)
    error_mm = np.linalg.norm(placed - expected, axis=1) * moved.calibration.mm_per_px
    # The frame is re-measured on the new photo (iris scale and landmarks): a few mm at the face's edge.
    assert np.median(error_mm) < 2.0 and error_mm.max() < 5.0, (np.median(error_mm), error_mm.max())


def test_the_svg_has_one_arrow_per_planned_thread(planned):
    _, analysis, plan = planned
    root = ET.fromstring(to_svg(build_scene(plan, analysis)))
    groups = root.findall(f".//{SVG}g[@class='thread']")
    assert len(groups) == len(plan.threads) > 0
    assert sorted(g.get("data-thread") for g in groups) == sorted(t.id for t in plan.threads)
    assert all(len(g.findall(f"{SVG}polygon[@class='arrowhead']")) == 1 for g in groups)
    zones = root.findall(f".//{SVG}*[@class='zone']")
    assert {z.get("data-zone") for z in zones} >= {"frontal_branch", "parotid_duct", "marginal_mandibular_branch"}
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "patient's LEFT" in texts and "patient's RIGHT" in texts and "midline" in texts and "20 mm" in texts


def test_the_png_map_puts_the_patients_left_on_the_image_right(planned):
    _, analysis, plan = planned
    scene = build_scene(plan, analysis)
    labels = dict((text, xy) for xy, text in scene.side_labels)
    assert labels["patient's LEFT"][0] > labels["patient's RIGHT"][0]
    left_arrows = [a for a, t in zip(scene.arrows, plan.threads, strict=True) if t.side.value == "left"]
    assert all(a.head[0] > scene.width / 2 - 50 for a in left_arrows)
    image = to_png(scene)
    assert image.width > scene.width and image.height == scene.height  # photo plus the legend panel


def test_the_pdf_is_one_a4_page_with_lot_cells_and_the_anaesthetic_plan(planned):
    _, analysis, plan = planned
    pdf = marking_sheet_pdf(plan, build_scene(plan, analysis), printed_at=NOW)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 1
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf


def test_the_preview_lifts_the_planned_areas_per_side(analyzer, planned):
    rgb, analysis, plan = planned
    left_only = plan.model_copy(update={"areas": [a for a in plan.areas if a.side.value == "left"]})
    assert expected_lifts(left_only)["midface"] == (2.0, 0.0)
    picture = preview(left_only, rgb, analysis)
    x, y, w, h = (int(v) for v in analysis.bbox_px)
    changed = np.zeros(rgb.shape[:2], dtype=bool)  # within the face: the corner label is not a lift
    changed[y:y + h, x:x + w] = (np.abs(picture.astype(int) - rgb.astype(int)).sum(axis=2) > 30)[y:y + h, x:x + w]
    middle = analysis.frame.to_px(np.array([[0.0, 0.0]]))[0][0]
    image_right, image_left = changed[:, int(middle):].sum(), changed[:, : int(middle)].sum()
    assert image_right > 3 * image_left  # the patient's left is on the image's right
    Image.fromarray(picture).save(io.BytesIO(), format="PNG")
