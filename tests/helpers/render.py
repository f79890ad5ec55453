"""A real face re-rendered at another head pose, from its own MediaPipe mesh: a test photo whose pose
change is known, for checking what pose does to measurements and what undoing it achieves.

The mesh (x, y and MediaPipe's relative depth z, which shares x's scale) is triangulated, turned about
the midpoint between the eyes, and each triangle's texture warped affinely into place, farthest first.
A ring around the face outline carries the hair and ears part of the way, and a wider ring stays put,
so the face blends into its unchanged surroundings.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy.spatial import Delaunay

from threadlift.face import landmarks as lm

# Image axes (x right, y down, z away from the camera) against the model axes of the head rotation.
_IMAGE_FROM_MODEL = np.diag([1.0, -1.0, -1.0])


def head_rotation(yaw_deg: float, pitch_deg: float) -> NDArray[np.float64]:
    """Rotation that turns a head by yaw (nose toward the patient's left) and pitch (chin up), image axes."""
    yaw, pitch = np.radians([yaw_deg, pitch_deg])
    turn = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    nod = np.array([[1, 0, 0], [0, np.cos(pitch), np.sin(pitch)], [0, -np.sin(pitch), np.cos(pitch)]])
    return np.asarray(_IMAGE_FROM_MODEL @ turn @ nod @ _IMAGE_FROM_MODEL, dtype=np.float64)


def rerender(rgb: NDArray[np.uint8], landmarks_px: NDArray[np.float64], yaw_deg: float,
             pitch_deg: float) -> NDArray[np.uint8]:
    """``rgb`` with the face turned by ``yaw_deg`` and ``pitch_deg`` more; landmarks (478, 3) in its pixels."""
    height, width = rgb.shape[:2]
    mesh = np.asarray(landmarks_px[:, :3], dtype=np.float64)
    centre = (mesh[lm.IRIS_CENTRE_LEFT] + mesh[lm.IRIS_CENTRE_RIGHT]) / 2
    oval = mesh[list(lm.FACE_OVAL)]
    carried = centre + (oval - centre) * [1.35, 1.35, 1.0]
    still = centre + (oval - centre) * [1.8, 1.8, 1.0]
    source = np.vstack([mesh, carried, still])
    target = (source - centre) @ head_rotation(yaw_deg, pitch_deg).T + centre
    target[len(mesh) + len(carried):] = still
    corners = np.array([[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]], dtype=np.float64)
    source_xy = np.vstack([source[:, :2], corners])
    target_xy = np.vstack([target[:, :2], corners])
    depth = np.concatenate([target[:, 2], np.full(4, np.inf)])
    triangles = Delaunay(source_xy).simplices
    out = rgb.copy()
    for triangle in triangles[np.argsort(-depth[triangles].mean(axis=1))]:
        _paste_triangle(rgb, out, source_xy[triangle], target_xy[triangle])
    return out


def _paste_triangle(rgb: NDArray[np.uint8], out: NDArray[np.uint8], source: NDArray[np.float64],
                    target: NDArray[np.float64]) -> None:
    height, width = rgb.shape[:2]
    x, y, w, h = cv2.boundingRect(target.astype(np.float32))
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
    if x1 <= x0 or y1 <= y0:
        return
    warp = cv2.getAffineTransform(source.astype(np.float32), (target - [x0, y0]).astype(np.float32))
    patch = cv2.warpAffine(rgb, warp, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillConvexPoly(mask, np.round(target - [x0, y0]).astype(np.int32), (1,))
    inside = mask.astype(bool)
    out[y0:y1, x0:x1][inside] = patch[inside]
