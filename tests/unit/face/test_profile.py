import cv2
import numpy as np
import pytest

from threadlift.face.profile import neck_profile


def silhouette(angle_deg: float, facing_right: bool = True) -> tuple[np.ndarray, tuple[float, float]]:
    """A head-and-neck outline whose submental line meets the neck line at ``angle_deg``."""
    height, width = 1200, 900
    chin = np.array([620.0, 500.0])
    cervical = chin + np.array([-220.0, 60.0])  # under the chin, back toward the neck
    submental = (chin - cervical) / np.linalg.norm(chin - cervical)
    theta = np.radians(angle_deg)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    neck_direction = rotation @ submental
    if neck_direction[1] < 0:
        neck_direction = np.array([[np.cos(-theta), -np.sin(-theta)], [np.sin(-theta), np.cos(-theta)]]) @ submental
    neck_end = cervical + neck_direction * (height - cervical[1]) / neck_direction[1]
    outline = np.array([[100, 0], [chin[0], 0], chin, cervical, neck_end, [100, height]], np.int32)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [outline], (1,))
    if not facing_right:
        mask = mask[:, ::-1]
        return mask.astype(bool), (width - chin[0], chin[1])
    return mask.astype(bool), (chin[0], chin[1])


@pytest.mark.parametrize("angle", [95.0, 110.0, 125.0, 140.0])
@pytest.mark.parametrize("facing_right", [True, False])
def test_cervicomental_angle_of_a_drawn_outline(angle, facing_right):
    mask, chin = silhouette(angle, facing_right)
    result = neck_profile(mask, chin, facing_right=facing_right, mm_per_px=0.5)
    assert result is not None
    assert result.cervicomental_angle_deg == pytest.approx(angle, abs=3.0)
    assert result.chin_neck_length_mm == pytest.approx(np.hypot(220, 60) * 0.5, rel=0.1)


def test_no_neck_below_the_chin_gives_no_measurement():
    mask = np.zeros((400, 400), bool)
    mask[:200, 100:300] = True
    assert neck_profile(mask, (300.0, 199.0), facing_right=True, mm_per_px=0.5) is None
