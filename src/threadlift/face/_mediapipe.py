"""The only module that imports MediaPipe: face mesh, full-range face detector, selfie segmentation.

All three models ship inside the ``mediapipe==0.10.21`` wheel (legacy ``mp.solutions``); nothing is
downloaded. A :class:`MediaPipeModels` is built once per process and reused for every photo.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

# MediaPipe's C++ side logs to stderr through glog; a clinician's terminal is no place for it.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import mediapipe as mp

MAX_FACES = 4


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """MediaPipe's C++ code logs through absl before logging is configured, straight to fd 2; the
    notices come when graphs start and models first run, so those moments run with fd 2 closed."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _warm_up_image() -> NDArray[np.uint8]:
    from PIL import Image

    with resources.files("threadlift.face.data").joinpath("sample_astronaut.png").open("rb") as handle:
        return np.ascontiguousarray(np.asarray(Image.open(handle).convert("RGB")))


@dataclass(frozen=True)
class DetectedBox:
    """A face box from the full-range detector, in pixels of the image it ran on."""

    x_px: float
    y_px: float
    width_px: float
    height_px: float
    score: float


class MediaPipeModels:
    """Loaded MediaPipe graphs. Not thread-safe per call; a lock serialises use across threads."""

    def __init__(self) -> None:
        solutions: Any = mp.solutions
        with _native_stderr_silenced():
            self._mesh = solutions.face_mesh.FaceMesh(
                static_image_mode=True, refine_landmarks=True, max_num_faces=MAX_FACES,
                min_detection_confidence=0.5)
            self._detector = solutions.face_detection.FaceDetection(
                model_selection=1, min_detection_confidence=0.5)
            sample = _warm_up_image()
            self._mesh.process(sample)
            self._detector.process(sample)
        self._solutions = solutions
        self._segmenter: Any = None
        self._lock = threading.Lock()

    def mesh(self, rgb: NDArray[np.uint8]) -> list[NDArray[np.float64]]:
        """Face-mesh landmarks for every face found: list of (478, 3) arrays in pixels.

        z is MediaPipe's relative depth scaled like x (pixels), smaller = nearer the camera.
        """
        height, width = rgb.shape[:2]
        with self._lock:
            result = self._mesh.process(rgb)
        faces = result.multi_face_landmarks or []
        scale = np.array([width, height, width], dtype=np.float64)
        return [np.array([(p.x, p.y, p.z) for p in face.landmark], dtype=np.float64) * scale
                for face in faces]

    def detect_faces(self, rgb: NDArray[np.uint8]) -> list[DetectedBox]:
        """Full-range face detector boxes (finds smaller and farther faces than the mesh's own)."""
        height, width = rgb.shape[:2]
        with self._lock:
            result = self._detector.process(rgb)
        boxes = []
        for detection in result.detections or []:
            box = detection.location_data.relative_bounding_box
            boxes.append(DetectedBox(box.xmin * width, box.ymin * height, box.width * width,
                                     box.height * height, float(detection.score[0])))
        return boxes

    def person_mask(self, rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
        """Probability (0-1) that each pixel belongs to the person, shape (H, W)."""
        with self._lock:
            if self._segmenter is None:
                with _native_stderr_silenced():
                    self._segmenter = self._solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
                    self._segmenter.process(_warm_up_image())
            result = self._segmenter.process(rgb)
        return np.asarray(result.segmentation_mask, dtype=np.float32)

    def close(self) -> None:
        with self._lock:
            self._mesh.close()
            self._detector.close()
            if self._segmenter is not None:
                self._segmenter.close()
