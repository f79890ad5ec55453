"""Real test photos (../shared/data/faces) and synthetic transforms of them."""

from __future__ import annotations

import io
import os
import struct
import zlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image


def faces_dir() -> Path:
    """The shared folder of real face photos; never copied into the project (see its README)."""
    configured = os.environ.get("THREADLIFT_FACES_DIR")
    candidates = [Path(configured)] if configured else []
    here = Path(__file__).resolve()
    candidates += [parent / "shared" / "data" / "faces" for parent in here.parents]
    candidates.append(Path("/work/shared/data/faces"))
    for candidate in candidates:
        if (candidate / "README.md").is_file():
            return candidate
    raise RuntimeError("test photos not found: set THREADLIFT_FACES_DIR to the shared data/faces folder")


@lru_cache(maxsize=1)
def before_and_after() -> tuple[bytes, bytes]:
    """The package's sample portrait (PNG) and the same face with a simulated lift of 2.5 mm at the midface:
    a follow-up pair the comparison measures."""
    from threadlift.face.analysis import default_analyzer
    from threadlift.face.load import load_photo
    from threadlift.face.simulate import simulate

    sample = resources.files("threadlift.face.data").joinpath("sample_astronaut.png").read_bytes()
    rgb = np.asarray(Image.open(io.BytesIO(sample)).convert("RGB"))
    lifted = simulate(rgb, default_analyzer().analyze(load_photo(sample)), {"midface": 2.5}, label=False)
    buffer = io.BytesIO()
    Image.fromarray(lifted).save(buffer, format="PNG")
    return sample, buffer.getvalue()


def read_rgb(name: str) -> NDArray[np.uint8]:
    return np.ascontiguousarray(np.asarray(Image.open(faces_dir() / name).convert("RGB")))


def upscaled(name: str, factor: float) -> NDArray[np.uint8]:
    rgb = read_rgb(name)
    if factor == 1:
        return rgb
    return np.ascontiguousarray(cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC))


def jpeg_bytes(rgb: NDArray[np.uint8], quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def recompressed(rgb: NDArray[np.uint8], quality: int) -> NDArray[np.uint8]:
    return np.ascontiguousarray(np.asarray(Image.open(io.BytesIO(jpeg_bytes(rgb, quality))).convert("RGB")))


def similarity(rgb: NDArray[np.uint8], *, angle_deg: float = 0.0, scale: float = 1.0,
               shift_px: tuple[float, float] = (0.0, 0.0)) -> NDArray[np.uint8]:
    """Rotate (counter-clockwise on screen), scale and shift a photo onto a canvas that holds all of it."""
    return similarity_with_matrix(rgb, angle_deg=angle_deg, scale=scale, shift_px=shift_px)[0]


def similarity_with_matrix(rgb: NDArray[np.uint8], *, angle_deg: float = 0.0, scale: float = 1.0,
                           shift_px: tuple[float, float] = (0.0, 0.0)) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    """:func:`similarity`, and the (2, 3) matrix that takes original pixels to the new image's pixels."""
    height, width = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle_deg, scale)
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], dtype=np.float64)
    moved = corners @ matrix.T
    low, high = moved.min(axis=0), moved.max(axis=0)
    matrix[:, 2] += -low + np.asarray(shift_px)
    size = (int(np.ceil(high[0] - low[0] + abs(shift_px[0]))), int(np.ceil(high[1] - low[1] + abs(shift_px[1]))))
    flags = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    warped = cv2.warpAffine(rgb, matrix, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(warped), matrix


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels: a decompression bomb's calling card."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))
