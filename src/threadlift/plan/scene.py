"""A marking map as drawable shapes in canvas pixels: one scene, drawn as PNG, SVG or inside a PDF.

The plan lives in the face frame (mm); the photo's own analysis gives the frame that places it,
so a plan made on one photo lands on the same anatomy in another photo of the patient.
Arrows point the way the tissue is lifted: from the exit (in the sagging tissue) toward the entry
or anchor ([DESIGN]). Injection points are numbered as in the local-anaesthetic plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from threadlift.face.analysis import FaceAnalysis
from threadlift.face.metrics import fit_midline
from threadlift.face.pose import HeadPose
from threadlift.plan.checks import injection_points
from threadlift.plan.model import Plan, Thread
from threadlift.plan.zones import Zone, zones

MIN_LONG_SIDE_PX = 1400  # small photos are enlarged so that labels stay legible

AREA_COLOURS = {"brow": (0, 200, 255), "midface": (255, 210, 0), "nasolabial": (255, 140, 0),
                "jawline": (80, 230, 80), "marionette": (255, 90, 200), "neck": (160, 160, 255)}
ZONE_COLOURS = {"nerve": (255, 235, 59), "artery": (244, 67, 54), "duct": (156, 39, 176), "safe": (0, 200, 83)}
ZONE_GROUP = {"frontal_branch": "nerve", "zygomatic_branch": "nerve", "marginal_mandibular_branch": "nerve",
              "facial_artery_notch": "artery", "superficial_temporal_artery": "artery", "facial_artery_nlf": "artery",
              "parotid_duct": "duct", "temporal_anchoring_safe_zone": "safe"}
ZONE_LABELS = {"frontal_branch": "frontal branch (Pitanguy line)", "zygomatic_branch": "zygomatic branch",
               "marginal_mandibular_branch": "marginal mandibular branch",
               "facial_artery_notch": "facial artery at the notch", "superficial_temporal_artery": "superficial "
               "temporal artery", "facial_artery_nlf": "facial artery (NLF)", "parotid_duct": "parotid duct",
               "temporal_anchoring_safe_zone": "temporal anchoring safe zone"}

Pixel = tuple[float, float]
ToCanvas = Callable[[NDArray[np.float64]], NDArray[np.float64]]


@dataclass(frozen=True)
class ZoneShape:
    name: str
    side: str
    group: str  # nerve, artery, duct or safe
    points: list[Pixel]  # centre line; a closed polygon for a safe zone
    width_px: float  # the band's full width (0 for a polygon)
    estimated: bool


@dataclass(frozen=True)
class Arrow:
    thread_id: str
    number: int
    area: str
    tail: Pixel  # the exit, in the tissue being lifted
    via: Pixel | None  # the anchor, when there is one
    head: Pixel  # the entry: the lift goes toward it
    label: str  # short, on the photo: "T3 barbed bi 90 mm"
    description: str  # long, in the legend's thread list
    flagged: bool


@dataclass(frozen=True)
class Dot:
    number: int
    at: Pixel
    role: str  # "entry", "exit" or "both"


@dataclass
class Scene:
    width: int
    height: int
    photo: NDArray[np.uint8]  # the cropped, enlarged photo (H, W, 3)
    unit: float  # pixels per "design unit": one thousandth of the canvas' long side
    px_per_mm: float
    zones: list[ZoneShape] = field(default_factory=list)
    axes: list[tuple[Pixel, Pixel, str]] = field(default_factory=list)  # (start, end, label)
    arrows: list[Arrow] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    side_labels: list[tuple[Pixel, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scale_bar: tuple[Pixel, Pixel] | None = None
    banner: str | None = None  # a warning written across the top of the photo (the head's pose)
    # Face-frame mm to canvas px: (a, b, c, d, e, f) with px = (a x + b y + c, d x + e y + f).
    transform: tuple[float, float, float, float, float, float] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def build_scene(plan: Plan, analysis: FaceAnalysis) -> Scene:
    """Place ``plan`` on the photo of ``analysis`` (which may be another photo than the plan's)."""
    from PIL import Image

    rgb = analysis.photo.rgb
    scale = analysis.photo.scale  # analysis pixels per original pixel
    frame = analysis.frame
    landmarks_mm = frame.to_mm(analysis.landmarks_px)
    plan_points = [p for t in plan.threads for p in t.vector.path()]
    extent_mm = np.vstack([landmarks_mm, np.array(plan_points).reshape(-1, 2)]) if plan_points else landmarks_mm
    low, high = extent_mm.min(axis=0) - 25.0, extent_mm.max(axis=0) + 25.0
    corners = frame.to_px(np.array([[low[0], low[1]], [high[0], low[1]], [low[0], high[1]], [high[0], high[1]]]))
    corners = corners / scale
    left, top = max(0, int(corners[:, 0].min())), max(0, int(corners[:, 1].min()))
    right = min(rgb.shape[1], int(np.ceil(corners[:, 0].max())))
    bottom = min(rgb.shape[0], int(np.ceil(corners[:, 1].max())))
    crop = Image.fromarray(rgb[top:bottom, left:right])
    enlarge = MIN_LONG_SIDE_PX / max(crop.size)
    crop = crop.resize((round(crop.width * enlarge), round(crop.height * enlarge)), Image.Resampling.LANCZOS)
    offset = np.array([left, top], dtype=np.float64)

    def to_canvas(points_mm: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray((frame.to_px(np.asarray(points_mm, dtype=np.float64)) / scale - offset) * enlarge)

    def pixel(point: NDArray[np.float64]) -> Pixel:
        x, y = to_canvas(point.reshape(1, 2))[0]
        return float(x), float(y)

    px_per_mm = enlarge / (frame.mm_per_px * scale)
    origin, x_unit, y_unit = to_canvas(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    transform = (float(x_unit[0] - origin[0]), float(y_unit[0] - origin[0]), float(origin[0]),
                 float(x_unit[1] - origin[1]), float(y_unit[1] - origin[1]), float(origin[1]))
    scene = Scene(crop.width, crop.height, np.asarray(crop), max(crop.size) / 1000.0, px_per_mm,
                  transform=transform)
    for zone in zones(plan.anatomy_mm):
        scene.zones.append(_zone_shape(zone, to_canvas, px_per_mm))
    _add_axes(scene, landmarks_mm, to_canvas)
    numbers = {point: i + 1 for i, point in enumerate(injection_points(plan))}
    roles: dict[int, set[str]] = {}
    flagged = {f.thread_id for f in plan.danger_flags if f.level == "warning"}
    for index, thread in enumerate(plan.threads):
        entry, exit_ = _number(numbers, thread.vector.entry.xy()), _number(numbers, thread.vector.exit.xy())
        roles.setdefault(entry, set()).add("entry")
        roles.setdefault(exit_, set()).add("exit")
        anchor = thread.vector.anchor
        scene.arrows.append(Arrow(
            thread.id, index + 1, thread.area, pixel(np.array(thread.vector.exit.xy())),
            None if anchor is None else pixel(np.array(anchor.xy())), pixel(np.array(thread.vector.entry.xy())),
            _thread_label(index + 1, thread),
            f"T{index + 1} {thread.side.value} {thread.area}: {thread.design.replace('_', ' ')} {thread.material} "
            f"{thread.gauge} {thread.length_mm:g} mm, points {entry}->{exit_}", thread.id in flagged))
    for point, number in numbers.items():
        role = roles.get(number, {"entry"})
        scene.dots.append(Dot(number, pixel(np.array(point)), "both" if len(role) > 1 else next(iter(role))))
    _add_side_labels(scene, landmarks_mm, to_canvas)
    bar_start = np.array([[high[0] - 40.0, high[1] - 8.0]])
    start = to_canvas(bar_start)[0]
    scene.scale_bar = ((float(start[0]), float(start[1])), (float(start[0] + 20 * px_per_mm), float(start[1])))
    if plan.photo is not None and analysis.photo.sha256 != plan.photo.sha256:
        scene.notes.append("drawn on another photo than the one planned on (placed through the face frame)")
    scene.notes.append("zones marked (est.) are estimated from a frontal photo; palpate before marking")
    note = pose_note(analysis.pose)
    if note:
        scene.notes.insert(0, note)
        scene.banner = f"Head pose beyond the frontal limits ({', '.join(_pose_parts(analysis.pose))}): " \
                       "check every point on the patient"
    return scene


# A frontal photo for left/right work: |yaw| <= 2 deg, |pitch| <= 5 deg; beyond, "correct the pose and flag
# the result". 10 deg of yaw moves the jaw angle 16.2 mm (face-measurement.md §3.2, canonical face).
FRONTAL_MAX_YAW_DEG = 2.0
FRONTAL_MAX_PITCH_DEG = 5.0
JAW_MM_PER_DEG_YAW = 16.2 / 10.0


def _pose_parts(pose: HeadPose) -> list[str]:
    parts = []
    if abs(pose.yaw_deg) > FRONTAL_MAX_YAW_DEG:
        parts.append(f"head turned {abs(pose.yaw_deg):.0f}°")
    if abs(pose.pitch_deg) > FRONTAL_MAX_PITCH_DEG:
        parts.append(f"chin {'raised' if pose.pitch_deg > 0 else 'lowered'} {abs(pose.pitch_deg):.0f}°")
    return parts


def pose_note(pose: HeadPose) -> str | None:
    """The warning a map drawn on a photo beyond the frontal limits carries (None within them)."""
    parts = _pose_parts(pose)
    if not parts:
        return None
    yaw = abs(pose.yaw_deg)
    off = f"; points toward the jaw may be off by about {yaw * JAW_MM_PER_DEG_YAW:.0f} mm" if yaw > 2 else ""
    return (f"Photo beyond the frontal limits ({' and '.join(parts)}; limits {FRONTAL_MAX_YAW_DEG:g}° turn, "
            f"{FRONTAL_MAX_PITCH_DEG:g}° tilt, face-measurement.md §3.2): the map is not corrected for the pose"
            f"{off}. Check every point on the patient, or plan on a square frontal photo")


def _number(numbers: dict[tuple[float, float], int], point: tuple[float, float]) -> int:
    return min(numbers.items(), key=lambda item: (item[0][0] - point[0]) ** 2 + (item[0][1] - point[1]) ** 2)[1]


def _thread_label(number: int, thread: Thread) -> str:
    design = {"barbed_unidirectional": "barbed uni", "barbed_bidirectional": "barbed bi"}.get(
        thread.design, thread.design.replace("_", " "))
    return f"T{number} {design} {thread.length_mm:g} mm"


def _zone_shape(zone: Zone, to_canvas: ToCanvas, px_per_mm: float) -> ZoneShape:
    points = [(float(x), float(y)) for x, y in to_canvas(zone.path_mm)]
    return ZoneShape(zone.name, zone.side, ZONE_GROUP[zone.name], points, 2 * zone.half_width_mm * px_per_mm,
                     zone.estimated)


def _add_axes(scene: Scene, landmarks_mm: NDArray[np.float64], to_canvas: ToCanvas) -> None:
    top, bottom = float(landmarks_mm[:, 1].min()) - 15, float(landmarks_mm[:, 1].max()) + 15
    a, b = fit_midline(landmarks_mm)
    ends = to_canvas(np.array([[a + b * top, top], [a + b * bottom, bottom]]))
    scene.axes.append(((float(ends[0][0]), float(ends[0][1])), (float(ends[1][0]), float(ends[1][1])), "midline"))
    half = float(np.abs(landmarks_mm[:, 0]).max()) + 10
    x_axis = to_canvas(np.array([[-half, 0.0], [half, 0.0]]))
    scene.axes.append(((float(x_axis[0][0]), float(x_axis[0][1])), (float(x_axis[1][0]), float(x_axis[1][1])),
                       "x (mm, toward the patient's left)"))
    y_axis = to_canvas(np.array([[0.0, -12.0], [0.0, 12.0]]))
    scene.axes.append(((float(y_axis[0][0]), float(y_axis[0][1])), (float(y_axis[1][0]), float(y_axis[1][1])),
                       "y (mm, down)"))


def _add_side_labels(scene: Scene, landmarks_mm: NDArray[np.float64], to_canvas: ToCanvas) -> None:
    half = float(np.abs(landmarks_mm[:, 0]).max())
    for x_mm, text in ((half + 12, "patient's LEFT"), (-half - 12, "patient's RIGHT")):
        x, y = to_canvas(np.array([[x_mm, -35.0]]))[0]
        scene.side_labels.append(((float(x), float(y)), text))
