"""The measurement reference, ``docs/measurements.md``: each formula with its error budget (``make docs``)."""

from __future__ import annotations

from threadlift.face.landmarks import ASYMMETRY_REGIONS
from threadlift.face.metrics import MEASURES
from threadlift.face.pose_budget import LANDMARK_NOISE_PERCENT_IPD, MAX_LIMIT_DEG, NOISE_SOURCE, Budget, budgets


def _floor(budget: Budget) -> str:
    return " / ".join(f"{u:.2f}" if budget.unit != "ratio" else f"{u:.3f}" for u in budget.uncertainty)


def _limit(angle: float) -> str:
    return f"{angle:.1f}" if angle < MAX_LIMIT_DEG else f"{MAX_LIMIT_DEG:g} (view)"


def markdown_table() -> str:
    table = budgets()
    noise = ", ".join(f"{region} {percent:g}%" for region, percent in LANDMARK_NOISE_PERCENT_IPD.items())
    lines = [
        "# Measurements",
        "",
        "Generated from `threadlift.face.metrics.MEASURES` and `threadlift.face.pose_budget` by `make docs`; do not",
        "edit. Face frame: millimetres, origin between the pupils, x toward the patient's left, y down; the",
        "inter-pupillary line (IPL) is y = 0. Landmarks are MediaPipe indices on the patient's left side; the right",
        "side uses their mirror partners.",
        "",
        "## Pose limits from an error budget",
        "",
        "Head pose is measured against the line of sight from the camera to the face (not the image frame: a",
        "crop or an off-centre face does not change it). Each measurement is withheld beyond its own yaw and",
        "pitch limits, computed, not chosen:",
        "",
        "* **noise floor** (standard uncertainty, k = 1, scale held fixed): MediaPipe's landmark repeatability per",
        f"  region, as % of the inter-pupillary distance ({noise}; {NOISE_SOURCE}), propagated through the",
        "  formula on the canonical face with a numerical Jacobian (landmarks independent). Sided measurements",
        "  list left / right / difference.",
        "* **change per degree**: how much the largest reported number moves over the first degree of yaw or",
        "  pitch when MediaPipe's canonical 3D face is turned and measured through the same face frame and iris",
        "  scale as a photo (projected at 1.2 m, face-measurement.md §3.2).",
        "* **limit**: the smallest turn, either way, at which some reported number's change reaches its noise",
        f"  floor; at most {MAX_LIMIT_DEG:g}°, the frontal view's own limit.",
        "",
        "Inside its limits a value is reported with an expanded uncertainty (k = 2) that adds, in quadrature,",
        "the noise floor, the scale's uncertainty (mm only) and the pose's share (the canonical face's change",
        "at the measured pose). Values marked *pitch corrected* are measured on the landmarks with the head's",
        "pitch undone in 3D (MediaPipe's own depth), which re-rendered real faces showed to reduce their error",
        "(tests/integration/test_pose_compensation.py); the limits are not widened for it.",
        "",
        "| name | area | unit | sides | noise floor (k=1) | change per ° yaw | change per ° pitch | yaw limit ° "
        "| pitch limit ° | pitch corrected | landmarks | formula |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in MEASURES:
        b = table[m.name]
        sides = "left, right" if m.sided else "one value"
        indices = ", ".join(str(i) for i in m.landmarks)
        lines.append(f"| `{m.name}` | {m.area} | {m.unit} | {sides} | {_floor(b)} | {b.yaw_change_per_deg:.3f} | "
                     f"{b.pitch_change_per_deg:.3f} | {_limit(b.yaw_limit_deg)} | {_limit(b.pitch_limit_deg)} | "
                     f"{'yes' if m.pitch_corrected else ''} | {indices} | {m.formula} |")
    lines += [
        "",
        "## Symmetry",
        "",
        "RMS distance in mm between each left landmark and its right partner reflected across the least-squares",
        "midline through the self-symmetric landmarks, per region and overall. Its noise floor is what landmark",
        "noise alone makes of a perfectly symmetric face; yaw creates false asymmetry fast, so the limits are",
        "tight.",
        "",
        "| region | noise floor mm (k=1) | change per ° yaw | yaw limit ° | pitch limit ° |",
        "|---|---|---|---|---|",
    ]
    for region in (*ASYMMETRY_REGIONS, "overall"):
        b = table[f"asymmetry_{region}"]
        lines.append(f"| {region} | {_floor(b)} | {b.yaw_change_per_deg:.3f} | {_limit(b.yaw_limit_deg)} | "
                     f"{_limit(b.pitch_limit_deg)} |")
    lines += ["", "Profile view: `cervicomental_angle_deg` and `chin_neck_length_mm` from the person silhouette",
              "(see `threadlift.face.profile`); they need a head level within the quality gate's pitch limit, a",
              "posture rule (Frankfort horizontal, face-measurement.md §3.6), not a projection budget: the canonical",
              "face has no neck to turn.", ""]
    return "\n".join(lines)
