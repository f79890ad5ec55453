"""MediaPipe face-mesh landmark indices, the mirror map and the canonical 3D face.

Every index used anywhere in ``threadlift.face`` is named here, once. "Right" and "left" are the
*patient's* sides: in an unmirrored photo the patient's right eye (iris centre 468, canthi 33/133)
is on the image's left. Index sets and positions come from
``../shared/knowledge/face-measurement.md`` §2 (MediaPipe ``face_mesh_connections.py``, the attention
mesh graph and the canonical face model).

Side-specific sets are written for the patient's **left** side only; :data:`MIRROR` gives the
right-side index of every point, so no measurement is written twice.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

N_LANDMARKS = 478

# Iris (face-measurement.md §2.1: 468 is the subject's right iris centre; 473 the left).
IRIS_CENTRE_RIGHT = 468
IRIS_CENTRE_LEFT = 473
# 474 temporal edge, 475 top, 476 nasal edge, 477 bottom (left eye; right eye 469..472 mirrored).
IRIS_LEFT_HORIZONTAL = (474, 476)
IRIS_LEFT_VERTICAL = (475, 477)
IRIS_RIGHT_HORIZONTAL = (471, 469)
IRIS_RIGHT_VERTICAL = (470, 472)

# Eye (patient's left; §2.2 FACEMESH_LEFT_EYE).
LATERAL_CANTHUS_LEFT = 263
MEDIAL_CANTHUS_LEFT = 362
LATERAL_CANTHUS_RIGHT = 33
MEDIAL_CANTHUS_RIGHT = 133
UPPER_LID_LEFT = (263, 466, 388, 387, 386, 385, 384, 398, 362)
LOWER_LID_LEFT = (263, 249, 390, 373, 374, 380, 381, 382, 362)

# Upper brow border, lateral to medial (§2.2/§2.3; the "eyebrow outer contour" of the attention mesh).
UPPER_BROW_LEFT = (383, 300, 293, 334, 296, 336)
LOWER_BROW_LEFT = (276, 283, 282, 295, 285)

# Midface (§2.3): malar prominence region, cheek centre, alar base, nasolabial region.
MALAR_LEFT = (345, 346, 347, 352, 280, 330, 266, 411, 376)
CHEEK_CENTRE_LEFT = 425
ALAR_BASE_LEFT = 358
NASOLABIAL_LEFT = (358, 423, 426, 436, 432)

# Mouth (§2.2 FACEMESH_LIPS; §2.3 cheilion).
COMMISSURE_LEFT = 291
COMMISSURE_RIGHT = 61
UPPER_LIP_OUTER_CENTRE = 0
LOWER_LIP_OUTER_CENTRE = 17
UPPER_LIP_INNER_CENTRE = 13
LOWER_LIP_INNER_CENTRE = 14
# Both lips, outer and inner contours (§2.2 FACEMESH_LIPS).
LIPS = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 146, 91, 181, 84, 17, 314, 405, 321, 375,
        78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 95, 88, 178, 87, 14, 317, 402, 318, 324)

# Jawline: the face-oval chain from the ear-level point down to the menton (§2.2 FACEMESH_FACE_OVAL).
JAW_OVAL_LEFT = (454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152)
# Gonion: where a line along the ramus meets a line along the mandibular body (§2.3: "better than a
# single oval vertex"); fitting lines through several points also averages their jitter.
RAMUS_LEFT = (323, 361, 288)
MANDIBULAR_BODY_LEFT = (365, 379, 378, 400)
# Jowl search: the outline between gonion and chin (§3.5 contour deviation).
JOWL_OUTLINE_LEFT = (397, 365, 379, 378, 400, 377)
# The menton as the mean of the lowest outline vertex and its two neighbours (steadier than 152 alone).
MENTON_REGION = (148, 152, 377)
MARIONETTE_JOWL_LEFT = (287, 422, 424, 418, 430, 394, 364, 434, 416, 367)

# Face outline as a closed loop (§2.2 FACEMESH_FACE_OVAL).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
             148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)

# Midline (§2.4: self-symmetric vertices of the canonical model) and named midline points (§2.3).
MIDLINE = (0, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 94, 151, 152, 164, 168,
           175, 195, 197, 199, 200)
FOREHEAD_UPPER = 10
GLABELLA = 9
NASION = 168
SUBNASALE = 2
NOSE_TIP = 4
MENTON = 152

# Points a thread lift does not move (§2.4: canthi, nasal bridge, nose tip, forehead). Used for pose
# fitting and, later, before/after registration.
RIGID = (33, 133, 263, 362, 6, 168, 197, 195, 4, 9, 151, 468, 473)

# Regions for per-area asymmetry (patient's left indices; right via MIRROR).
ASYMMETRY_REGIONS: dict[str, tuple[int, ...]] = {
    "brow": UPPER_BROW_LEFT + LOWER_BROW_LEFT,
    "periorbital": UPPER_LID_LEFT + LOWER_LID_LEFT,
    "midface": (*MALAR_LEFT, CHEEK_CENTRE_LEFT),
    "nasolabial": NASOLABIAL_LEFT,
    "mouth": (291, 308, 409, 270, 269, 267, 375, 321, 405, 314),
    "jawline": JAW_OVAL_LEFT[:-1] + MARIONETTE_JOWL_LEFT,
}


@lru_cache(maxsize=1)
def canonical_face_cm() -> NDArray[np.float64]:
    """MediaPipe's canonical metric face, shape (478, 3), centimetres.

    Axes: x toward the patient's left, y up, z toward the camera (Apache-2.0 data, see the CSV
    header for its origin).
    """
    text = resources.files("threadlift.face.data").joinpath("canonical_face_478.csv").read_text()
    rows = [line for line in text.splitlines() if line and not line.startswith(("#", "x_"))]
    model = np.array([[float(v) for v in row.split(",")] for row in rows], dtype=np.float64)
    if model.shape != (N_LANDMARKS, 3):
        raise RuntimeError(f"canonical face data is damaged: shape {model.shape}, expected (478, 3)")
    model.setflags(write=False)
    return model


@lru_cache(maxsize=1)
def mirror_map() -> NDArray[np.intp]:
    """Index of each landmark's mirror partner (midline points map to themselves).

    Derived from the canonical face, which is exactly symmetric: reflecting x maps every vertex onto
    another vertex with zero residual (face-measurement.md §2.4).

    Examples
    --------
    >>> m = mirror_map()
    >>> int(m[33]), int(m[468]), int(m[1])
    (263, 473, 1)
    """
    model = canonical_face_cm()
    reflected = model * np.array([-1.0, 1.0, 1.0])
    distances = np.linalg.norm(model[None, :, :] - reflected[:, None, :], axis=2)
    partner = np.argmin(distances, axis=1)
    if float(distances[np.arange(N_LANDMARKS), partner].max()) > 1e-4:
        raise RuntimeError("canonical face is not mirror-symmetric; the mirror map cannot be built")
    result = np.asarray(partner, dtype=np.intp)
    result.setflags(write=False)
    return result


def mirrored(indices: tuple[int, ...]) -> tuple[int, ...]:
    """The same anatomical points on the other side of the face."""
    m = mirror_map()
    return tuple(int(m[i]) for i in indices)

