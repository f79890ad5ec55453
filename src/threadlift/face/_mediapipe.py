"""The only module that imports MediaPipe: face mesh, full-range face detector, selfie segmentation.

All three models ship inside the ``mediapipe==0.10.21`` wheel (legacy ``mp.solutions``); nothing is
downloaded. A :class:`MediaPipeModels` is built once per process and reused for every photo.

Besides the face-mesh solution (detector, then landmarks), a second graph runs MediaPipe's own
landmark subgraph ``FaceLandmarkCpu`` on a region of interest that we give it, as MediaPipe's video
tracking does with the previous frame's landmarks: the refinement passes know where the face is, so
they skip the detector, which costs a third of a pass and moves the framing from pass to pass.
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
from google.protobuf import text_format
from mediapipe.framework import calculator_pb2
from mediapipe.framework.formats import rect_pb2
from mediapipe.python.solution_base import SolutionBase

MAX_FACES = 4

# The landmark half of mediapipe/modules/face_landmark/face_landmark_front_cpu (the graph the
# FaceMesh solution runs), with the attention model that adds the iris points (478 landmarks).
_LANDMARKS_IN_ROI_GRAPH = """
input_stream: "image"
input_stream: "roi"
output_stream: "face_landmarks"
node {
  calculator: "FaceLandmarkCpu"
  input_stream: "IMAGE:image"
  input_stream: "ROI:roi"
  input_side_packet: "WITH_ATTENTION:with_attention"
  output_stream: "LANDMARKS:face_landmarks"
}
"""


_FD2_LOCK = threading.RLock()
"""File descriptor 2 is the process's, not a thread's: one redirection at a time. Two threads that each
saved it and pointed it at /dev/null could otherwise restore each other's /dev/null, for good."""


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """MediaPipe's C++ code logs through absl before logging is configured, straight to fd 2; the
    notices come when graphs start and models first run, so those moments run with fd 2 closed
    (under :data:`_FD2_LOCK`: whoever redirects it also restores it before anyone else may)."""
    with _FD2_LOCK:
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


def _in_pixels(landmarks: Any, width: int, height: int) -> NDArray[np.float64]:
    """A NormalizedLandmarkList as (478, 3) pixels; z shares x's scale, as MediaPipe defines it."""
    scale = np.array([width, height, width], dtype=np.float64)
    return np.array([(p.x, p.y, p.z) for p in landmarks.landmark], dtype=np.float64) * scale


@dataclass(frozen=True)
class RegionOfInterest:
    """An upright square around the face, in fractions of the (square) image's side."""

    x_centre: float
    y_centre: float
    side: float


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
        self._lock = threading.Lock()
        with _native_stderr_silenced():
            self._mesh = solutions.face_mesh.FaceMesh(
                static_image_mode=True, refine_landmarks=True, max_num_faces=MAX_FACES,
                min_detection_confidence=0.5)
            self._detector = solutions.face_detection.FaceDetection(
                model_selection=1, min_detection_confidence=0.5)
            self._landmarks_in_roi = SolutionBase(
                graph_config=text_format.Parse(_LANDMARKS_IN_ROI_GRAPH, calculator_pb2.CalculatorGraphConfig()),
                side_inputs={"with_attention": True})
            sample = _warm_up_image()
            self._mesh.process(sample)
            self._detector.process(sample)
            self.landmarks_in_roi(sample, RegionOfInterest(0.5, 0.5, 0.8))
        self._solutions = solutions
        self._segmenter: Any = None

    def mesh(self, rgb: NDArray[np.uint8]) -> list[NDArray[np.float64]]:
        """Face-mesh landmarks for every face found: list of (478, 3) arrays in pixels.

        z is MediaPipe's relative depth scaled like x (pixels), smaller = nearer the camera.
        """
        height, width = rgb.shape[:2]
        with self._lock:
            result = self._mesh.process(rgb)
        return [_in_pixels(face, width, height) for face in result.multi_face_landmarks or []]

    def landmarks_in_roi(self, rgb: NDArray[np.uint8], roi: RegionOfInterest) -> NDArray[np.float64] | None:
        """The 478 landmarks (pixels, z as in :meth:`mesh`) of the face inside ``roi`` of a square image,
        without running a detector; None when the model finds no face there (presence below 0.5)."""
        height, width = rgb.shape[:2]
        rect = rect_pb2.NormalizedRect(x_center=roi.x_centre, y_center=roi.y_centre, width=roi.side,
                                       height=roi.side * width / height, rotation=0.0)
        with self._lock:
            result: Any = self._landmarks_in_roi.process({"image": rgb, "roi": rect})
        return None if result.face_landmarks is None else _in_pixels(result.face_landmarks, width, height)

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
            self._landmarks_in_roi.close()
            self._detector.close()
            if self._segmenter is not None:
                self._segmenter.close()
