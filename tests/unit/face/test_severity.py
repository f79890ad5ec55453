import pytest

from threadlift.face.severity import SeveritySettings, grade_brow, grade_jawline, grade_midface, grade_neck

SETTINGS = SeveritySettings()


@pytest.mark.parametrize("lateral_mm, grade", [(22.0, 0), (18.0, 0), (16.0, 1), (13.0, 2), (10.0, 3), (7.0, 4)])
def test_brow_grade_follows_the_lateral_brow_scale(lateral_mm, grade):
    estimate = grade_brow([lateral_mm, 25.0], SETTINGS)
    assert estimate.grade == grade
    assert "BROWGRADE" in estimate.source


@pytest.mark.parametrize("angle, grade", [(105.0, 0), (120.0, 0), (125.0, 1), (135.0, 2), (145.0, 3), (160.0, 4)])
def test_neck_grade_starts_above_the_youthful_range(angle, grade):
    assert grade_neck(angle, SETTINGS).grade == grade


def test_design_bands_say_they_are_not_validated():
    midface = grade_midface([SETTINGS.midface_reference_mm + 4.5], SETTINGS)
    jawline = grade_jawline([SETTINGS.jowl_reference_mm + 0.5, SETTINGS.jowl_reference_mm], SETTINGS)
    assert midface.grade == 2 and jawline.grade == 0
    assert "[DESIGN]" in midface.source and "[DESIGN]" in jawline.source
