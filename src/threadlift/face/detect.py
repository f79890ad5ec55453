"""Find the face: MediaPipe's mesh on the whole photo, helped by the full-range face detector.

The mesh's built-in short-range detector misses faces that fill little of the frame (a seated
patient photographed from the door, a small face in a large photo; face-measurement.md §2.1). The
full-range detector runs beside it: its boxes count the faces in the photo, and any face the mesh
missed is cropped with a margin, enlarged and meshed on its own, its points mapped back. When
neither finds anything, the detector searches overlapping tiles, for very small faces.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from threadlift.face._mediapipe import DetectedBox, MediaPipeModels
from threadlift.face.errors import NoFace

_CROP_MARGIN = 0.9  # fraction of the detector box added on each side
_CROP_FACE_PX = 320  # detector boxes are resized to about this many pixels before meshing
_TILE_OVERLAP = 0.5
# Both detectors shrink their input to 128-192 px internally, and the first mesh only has to frame the
# refinement crops; a copy this size finds the same faces for a third of the cost of a 3 MP frame.
_SEARCH_LONG_SIDE_PX = 1024
# Both detectors see the whole frame at 128-192 px: a face narrower than this share of the frame's long
# side is near their limit, and whether they find it (or its neighbour) depends on where it sits. When
# they then disagree on how many faces there are, the frame is searched again in overlapping tiles, so
# the largest face wins wherever it is placed (a turned face in a film still was found at two of five
# places in a larger frame without this).
_SMALL_FACE_FRACTION = 0.15


@dataclass(frozen=True)
class FoundFace:
    """The face to analyse, with how many faces the photo holds."""

    landmarks_px: NDArray[np.float64]  # (478, 3) in the searched image's pixels
    faces_found: int
    used_fallback_detector: bool


def find_face(rgb: NDArray[np.uint8], models: MediaPipeModels) -> FoundFace:
    """Locate the largest face in ``rgb`` (H, W, 3) uint8. Raises :class:`NoFace` when there is none."""
    search, zoom = _search_copy(rgb)
    faces = [face / zoom for face in models.mesh(search)]  # x, y and MediaPipe's z share one scale
    boxes = [_scaled_box(box, 1 / zoom) for box in models.detect_faces(search)]
    widest = max([float(np.ptp(face[:, 0])) for face in faces] + [box.width_px for box in boxes], default=0.0)
    nothing_found = not faces and not boxes
    if nothing_found or (widest < _SMALL_FACE_FRACTION * max(rgb.shape[:2]) and len(faces) != len(boxes)):
        boxes += [box for box in _detect_in_tiles(rgb, models) if not any(_same_box(box, kept) for kept in boxes)]
    missed = [box for box in boxes if not any(_overlaps(box, face) for face in faces)]
    recovered = [face for box in missed if (face := _mesh_in_box(rgb, box, models)) is not None]
    candidates = faces + recovered
    if not candidates:
        raise NoFace(
            "no face found; photograph the patient facing the camera, face filling about a third of the "
            "frame, with even light")
    largest = max(candidates, key=_face_area_px)
    used_fallback = any(largest is face for face in recovered)
    return FoundFace(largest, len(candidates), used_fallback)


def _search_copy(rgb: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], float]:
    longest = max(rgb.shape[:2])
    if longest <= _SEARCH_LONG_SIDE_PX:
        return rgb, 1.0
    zoom = _SEARCH_LONG_SIDE_PX / longest
    size = (round(rgb.shape[1] * zoom), round(rgb.shape[0] * zoom))
    # Bilinear is enough here: the detectors shrink the copy much further themselves.
    return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR)), zoom


def _scaled_box(box: DetectedBox, factor: float) -> DetectedBox:
    return DetectedBox(box.x_px * factor, box.y_px * factor, box.width_px * factor, box.height_px * factor, box.score)


def _face_area_px(landmarks_px: NDArray[np.float64]) -> float:
    span = landmarks_px[:, :2].max(axis=0) - landmarks_px[:, :2].min(axis=0)
    return float(span[0] * span[1])


def _overlaps(box: DetectedBox, face: NDArray[np.float64]) -> bool:
    centre_x, centre_y = face[:, 0].mean(), face[:, 1].mean()
    return bool(box.x_px <= centre_x <= box.x_px + box.width_px and box.y_px <= centre_y <= box.y_px + box.height_px)


def _detect_in_tiles(rgb: NDArray[np.uint8], models: MediaPipeModels) -> list[DetectedBox]:
    height, width = rgb.shape[:2]
    side = max(256, min(height, width) // 2)
    step = max(1, int(side * (1 - _TILE_OVERLAP)))
    boxes: list[DetectedBox] = []
    for top in range(0, max(1, height - side + step), step):
        for left in range(0, max(1, width - side + step), step):
            tile = np.ascontiguousarray(rgb[top:top + side, left:left + side])
            for box in models.detect_faces(tile):
                moved = DetectedBox(box.x_px + left, box.y_px + top, box.width_px, box.height_px, box.score)
                if not any(_same_box(moved, kept) for kept in boxes):
                    boxes.append(moved)
    return boxes


def _same_box(a: DetectedBox, b: DetectedBox) -> bool:
    centre_a = np.array([a.x_px + a.width_px / 2, a.y_px + a.height_px / 2])
    centre_b = np.array([b.x_px + b.width_px / 2, b.y_px + b.height_px / 2])
    return bool(np.linalg.norm(centre_a - centre_b) < 0.5 * max(a.width_px, b.width_px))


def _mesh_in_box(rgb: NDArray[np.uint8], box: DetectedBox, models: MediaPipeModels) -> NDArray[np.float64] | None:
    side = max(box.width_px, box.height_px) * (1 + 2 * _CROP_MARGIN)
    centre_x = box.x_px + box.width_px / 2
    centre_y = box.y_px + box.height_px / 2
    zoom = _CROP_FACE_PX * (1 + 2 * _CROP_MARGIN) / side
    size = round(side * zoom)
    # Continuous coordinates u map to (u - origin) * zoom; OpenCV warps address pixel centres.
    origin_x, origin_y = centre_x - side / 2, centre_y - side / 2
    warp = np.array([[zoom, 0.0, -(origin_x - 0.5) * zoom - 0.5],
                     [0.0, zoom, -(origin_y - 0.5) * zoom - 0.5]])
    crop = cv2.warpAffine(rgb, warp, (size, size), flags=cv2.INTER_AREA if zoom < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    faces = models.mesh(np.ascontiguousarray(crop))
    if not faces:
        return None
    nearest = min(faces, key=lambda f: float(np.hypot(*(f[:, :2].mean(axis=0) - size / 2))))
    mapped = nearest.copy()
    mapped[:, 0] = nearest[:, 0] / zoom + origin_x
    mapped[:, 1] = nearest[:, 1] / zoom + origin_y
    mapped[:, 2] = nearest[:, 2] / zoom
    return mapped
