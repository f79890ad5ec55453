"""``analyze(image) -> FaceAnalysis``: one photo in, calibrated measurements and their context out."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from threadlift.face import calibrate, severity
from threadlift.face import landmarks as lm
from threadlift.face._mediapipe import MediaPipeModels
from threadlift.face.calibrate import Calibration
from threadlift.face.camera import ASSUMED_CAMERA_DISTANCE_MM, camera_model
from threadlift.face.detect import find_face
from threadlift.face.errors import MultipleFaces
from threadlift.face.frame import FaceFrame
from threadlift.face.load import Photo, load_photo
from threadlift.face.measure import MeasurementResult, measure_frontal
from threadlift.face.pose import HeadPose, LineOfSight, View, classify_view, estimate_pose
from threadlift.face.profile import NeckProfile, neck_profile
from threadlift.face.quality import QualityReport, QualitySettings, assess
from threadlift.face.refine import default_augmentations, refine
from threadlift.face.report import analysis_to_dict
from threadlift.face.severity import SeverityEstimate, SeveritySettings


@dataclass(frozen=True)
class AnalysisSettings:
    passes: int = 2  # mirror-paired refinement passes (face-measurement.md §6.3); 1 = one mesh pass (--fast)
    # Withhold each measurement beyond its own yaw and pitch limits (threadlift.face.pose_budget); off only
    # for repeatability studies, which need every value whatever the pose.
    enforce_pose_limits: bool = True
    assumed_camera_distance_mm: float = ASSUMED_CAMERA_DISTANCE_MM  # when the photo's EXIF cannot say
    iris_diameter_mm: float = calibrate.IRIS_DIAMETER_MM
    quality: QualitySettings = field(default_factory=QualitySettings)
    severity: SeveritySettings = field(default_factory=SeveritySettings)


@dataclass(frozen=True)
class FaceAnalysis:
    """Everything measured on one photo. Landmarks are (478, 3) in original-image pixels."""

    photo: Photo
    landmarks_px: NDArray[np.float64]
    landmark_spread_px: NDArray[np.float64]
    passes_used: int
    pose: HeadPose
    line_of_sight: LineOfSight
    view: View
    calibration: Calibration
    quality: QualityReport
    measurements: dict[str, MeasurementResult]
    symmetry: dict[str, MeasurementResult]  # mirror asymmetry per region and "overall", mm
    severity: dict[str, SeverityEstimate]
    neck: NeckProfile | None
    faces_found: int
    used_fallback_detector: bool
    warnings: tuple[str, ...]

    @property
    def frame(self) -> FaceFrame:
        return FaceFrame.from_landmarks(self.landmarks_px, self.calibration.mm_per_px)

    @property
    def bbox_px(self) -> tuple[float, float, float, float]:
        low = self.landmarks_px[:, :2].min(axis=0)
        high = self.landmarks_px[:, :2].max(axis=0)
        return float(low[0]), float(low[1]), float(high[0] - low[0]), float(high[1] - low[1])

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``threadlift/face/data/analysis.schema.json``."""
        return analysis_to_dict(self)


class Analyzer:
    """Holds the MediaPipe models (loaded once) and analyses any number of photos."""

    def __init__(self, settings: AnalysisSettings | None = None, models: MediaPipeModels | None = None) -> None:
        self.settings = settings or AnalysisSettings()
        self._models = models
        self._models_lock = threading.Lock()
        self._augmentations = default_augmentations(self.settings.passes)

    @property
    def models(self) -> MediaPipeModels:
        """The models, loaded on first use: once, however many threads ask at the same moment."""
        with self._models_lock:
            if self._models is None:
                self._models = MediaPipeModels()
            return self._models

    def analyze(self, image: str | Path | bytes | Photo | NDArray[np.uint8], *, mm_per_px: float | None = None,
                marker_mm: float | None = None, strict: bool = False) -> FaceAnalysis:
        """Analyse one photo: a path, file bytes, a :class:`Photo`, or an (H, W, 3) uint8 RGB array.

        ``mm_per_px`` (per original pixel) overrides every other scale; ``marker_mm`` uses a printed
        ArUco marker of that side; otherwise the iris sets the scale. With ``strict``, a photo holding
        several faces is refused (:class:`MultipleFaces`) instead of analysing the largest.
        """
        photo = _as_photo(image)
        s = self.settings
        found = find_face(photo.rgb, self.models)
        if strict and found.faces_found > 1:
            raise MultipleFaces(f"{found.faces_found} faces in the photo; crop it to the patient alone, or run without "
                                "--strict to measure the largest face")
        refined = refine(photo.rgb, found.landmarks_px, self.models, self._augmentations)
        landmarks = refined.landmarks_px * photo.scale
        spread = refined.spread_px * photo.scale
        size = (photo.original_width_px, photo.original_height_px)
        camera = camera_model(photo.camera, size, assumed_distance_mm=s.assumed_camera_distance_mm)
        estimate = estimate_pose(landmarks, camera)
        pose = estimate.pose
        view = classify_view(pose)
        calibration = _calibrate(photo, landmarks, mm_per_px, marker_mm, s)
        quality = assess(photo.rgb, landmarks, pose, view, calibration, px_per_rgb_px=photo.scale,
                         faces_found=found.faces_found, settings=s.quality)
        measurements, symmetry = measure_frontal(landmarks, pose, view, calibration,
                                                 enforce_pose_limits=s.enforce_pose_limits)
        neck = self._neck(photo, landmarks, pose, view, calibration) if view.value.startswith("profile") else None
        measurements.update(_neck_measurements(neck, view, pose, s))
        warnings = []
        if found.faces_found > 1:
            warnings.append(f"{found.faces_found} faces found; the largest was analysed")
        if refined.passes_used < len(self._augmentations):
            warnings.append(
                f"only {refined.passes_used} of {len(self._augmentations)} refinement passes found the face")
        return FaceAnalysis(
            photo, landmarks, spread, refined.passes_used, pose, estimate.line_of_sight, view, calibration, quality,
            measurements, symmetry, _severity(measurements, s), neck,
            found.faces_found, found.used_fallback_detector, tuple(warnings))

    def _neck(self, photo: Photo, landmarks: NDArray[np.float64], pose: HeadPose, view: View,
              calibration: Calibration) -> NeckProfile | None:
        mask = self.models.person_mask(photo.rgb) > 0.5
        chin = landmarks[lm.MENTON, :2] / photo.scale
        measured = neck_profile(mask, (float(chin[0]), float(chin[1])), facing_right=pose.yaw_deg > 0,
                                mm_per_px=calibration.mm_per_px * photo.scale)
        if measured is None:
            return None
        def scale(point: tuple[float, float]) -> tuple[float, float]:
            return point[0] * photo.scale, point[1] * photo.scale
        return NeckProfile(measured.cervicomental_angle_deg, measured.chin_neck_length_mm, scale(measured.chin_px),
                           scale(measured.cervical_point_px), scale(measured.neck_point_px))


def _as_photo(image: str | Path | bytes | Photo | NDArray[np.uint8]) -> Photo:
    if isinstance(image, Photo):
        return image
    if isinstance(image, np.ndarray):
        return Photo.from_array(image)
    return load_photo(image)


def _calibrate(photo: Photo, landmarks: NDArray[np.float64], mm_per_px: float | None, marker_mm: float | None,
               s: AnalysisSettings) -> Calibration:
    if mm_per_px is not None:
        return calibrate.manual(mm_per_px)
    if marker_mm is not None:
        return calibrate.from_marker(photo.rgb, marker_mm, px_per_rgb_px=photo.scale)
    return calibrate.from_iris(landmarks, iris_diameter_mm=s.iris_diameter_mm)


def _neck_measurements(neck: NeckProfile | None, view: View, pose: HeadPose,
                       s: AnalysisSettings) -> dict[str, MeasurementResult]:
    if not view.value.startswith("profile"):
        reason = f"needs a profile photo; this is a {view.value.replace('_', ' ')} view"
    elif neck is None:
        reason = "the neck outline below the chin could not be traced; use a plain backdrop and show the neck"
    elif abs(pose.pitch_deg) > s.quality.max_pitch_deg:
        reason = f"head pitch {pose.pitch_deg:+.1f}° beyond ±{s.quality.max_pitch_deg:g}° changes the neck angle"
    else:
        return {"cervicomental_angle_deg": MeasurementResult("deg", value=neck.cervicomental_angle_deg),
                "chin_neck_length_mm": MeasurementResult("mm", value=neck.chin_neck_length_mm)}
    return {"cervicomental_angle_deg": MeasurementResult("deg", withheld=reason),
            "chin_neck_length_mm": MeasurementResult("mm", withheld=reason)}


def _severity(measurements: dict[str, MeasurementResult], s: AnalysisSettings) -> dict[str, SeverityEstimate]:
    def sides(name: str) -> tuple[float, float] | None:
        r = measurements[name]
        return (r.left, r.right) if r.left is not None and r.right is not None else None

    def reason(name: str) -> str:
        return measurements[name].withheld or "not measured"

    brow = sides("brow_height_lateral_mm")
    midface = sides("cheek_below_alar_base_mm")
    jowl = sides("jowl_depth_mm")
    result = {
        "brow": (severity.grade_brow(brow, s.severity) if brow
                 else severity.withheld("brow", reason("brow_height_lateral_mm"))),
        "midface": (severity.grade_midface(midface, s.severity) if midface
                    else severity.withheld("midface", reason("cheek_below_alar_base_mm"))),
        "jawline": (severity.grade_jawline(jowl, s.severity) if jowl
                    else severity.withheld("jawline", reason("jowl_depth_mm"))),
    }
    angle = measurements["cervicomental_angle_deg"]
    if angle.value is not None:
        result["neck"] = severity.grade_neck(angle.value, s.severity)
    else:
        result["neck"] = severity.withheld("neck", angle.withheld or "not measured")
    return result


_default: Analyzer | None = None
_default_lock = threading.Lock()


def default_analyzer() -> Analyzer:
    """The process-wide analyser (models load on first use and then serve every photo)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Analyzer()
        return _default


def analyze(image: str | Path | bytes | Photo | NDArray[np.uint8], *, mm_per_px: float | None = None,
            marker_mm: float | None = None, strict: bool = False) -> FaceAnalysis:
    """Analyse one photo with the process-wide :class:`Analyzer` (see :meth:`Analyzer.analyze`)."""
    return default_analyzer().analyze(image, mm_per_px=mm_per_px, marker_mm=marker_mm, strict=strict)
