"""Load a photo for analysis: one of the documented formats, upright, 8-bit RGB, at a working resolution.

The landmark model works on a ~200 px face, so a 12-megapixel JPEG is decoded at a reduced scale
(libjpeg's DCT scaling through Pillow's draft mode) instead of paying for a full-size decode; other
formats are box-reduced straight after decoding, before any conversion copies them.

Sizes are checked from the header before any pixel is decoded: the pixel count, the aspect ratio and
the bytes the decode will hold (width x height x channels x bytes per sample, or the decoder's own
buffers where they are larger), so a decompression bomb, by dimension or by bit depth, is refused
cheaply. Only the documented formats are opened, recognised by content, never by file name.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pillow_heif
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from threadlift.face.camera import ExifCamera, focal_plane_px_per_mm
from threadlift.face.errors import CorruptImage, ImageTooLarge, NotAnImage, UnreadableFile

pillow_heif.register_heif_opener()

MAX_PIXELS = 100_000_000
"""Photos above 100 megapixels are refused before decoding (no clinical camera needs more)."""

MAX_DECODED_BYTES = 400_000_000
"""Bytes a full-size decode may hold (width x height x bytes per pixel, see :func:`decoded_bytes`): a
48-megapixel 8-bit HEIC or a 67-megapixel PNG fits; a 16-bit RGBA bomb of 9999 x 9999 does not. JPEGs are
decoded at a reduced scale and are bounded by :data:`MAX_PIXELS` alone."""

MAX_ASPECT_RATIO = 10.0
"""Longest side over shortest: a face photo is at most a wide panorama, never a strip (1 x 99,999,999)."""

FORMATS = ("JPEG", "PNG", "HEIF", "WEBP", "TIFF")
"""The documented formats (Pillow's names), recognised by content. Anything else (GIF, BMP, JPEG 2000,
EPS, multi-picture JPEG...) is refused before its decoder runs."""

_FORMAT_NAMES = "JPEG, PNG, HEIC, WebP or TIFF"
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2, "LA": 4, "PA": 4}
"""Pillow's own storage per pixel, by mode (4 bytes for the rest: RGB, RGBA, CMYK, I, F...)."""
_DECODER_BYTES_PER_PIXEL = {"HEIF": 6, "WEBP": 4, "TIFF": 8}
"""Decoders that hold a whole decoded copy of their own besides Pillow's (libheif up to 16-bit RGB, libwebp
RGBA, libtiff's RGBA or OpenCV's 16-bit fallback), per pixel; PNG and JPEG decode row by row."""

WORKING_LONG_SIDE_PX = 1600
"""Long side of the decoded working image: leaves a frontal face several hundred pixels wide."""

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867
_DATETIME = 306
_ORIENTATION = 274
_IMAGE_WIDTH = 256
_IMAGE_LENGTH = 257
_FOCAL_LENGTH = 37386
_FOCAL_LENGTH_35MM = 41989
_FOCAL_PLANE_X_RESOLUTION = 41486
_FOCAL_PLANE_RESOLUTION_UNIT = 41488
_PIXEL_X_DIMENSION = 40962
_PIXEL_Y_DIMENSION = 40963


@dataclass(frozen=True)
class Photo:
    """A decoded photo.

    Attributes
    ----------
    rgb : (H, W, 3) ndarray, uint8
        Upright RGB pixels at working resolution.
    original_width_px, original_height_px : int
        Size of the upright full-resolution image; landmarks are reported in these pixels.
    scale : float
        Original pixels per working pixel (>= 1).
    sha256 : str
        Hash of the file bytes as received (empty for in-memory arrays).
    camera : ExifCamera or None
        The camera's geometry as its EXIF records it (None for in-memory arrays and files without EXIF).
    """

    rgb: NDArray[np.uint8]
    original_width_px: int
    original_height_px: int
    scale: float
    sha256: str
    path: str | None = None
    format: str | None = None
    captured_at: datetime | None = None
    camera: ExifCamera | None = None

    @classmethod
    def from_array(cls, rgb: NDArray[np.uint8], *, path: str | None = None,
                   working_long_side_px: int = WORKING_LONG_SIDE_PX) -> Photo:
        """Wrap an in-memory RGB image (H, W, 3) uint8, reduced to working resolution if large."""
        array = np.asarray(rgb)
        if array.ndim != 3 or array.shape[2] != 3 or array.dtype != np.uint8:
            raise NotAnImage(
                f"expected an (H, W, 3) uint8 RGB array, got shape {array.shape} {array.dtype}")
        height, width = array.shape[:2]
        if width * height > MAX_PIXELS:
            raise ImageTooLarge(f"the image is {width} x {height} pixels, above the "
                                f"{MAX_PIXELS // 1_000_000} megapixel limit")
        working = _shrink(np.ascontiguousarray(array), working_long_side_px)
        return cls(working, width, height, width / working.shape[1], "", path)


def load_photo(source: str | Path | bytes, *, working_long_side_px: int = WORKING_LONG_SIDE_PX) -> Photo:
    """Read and decode a photo file (JPEG, PNG, HEIC/HEIF, WebP, TIFF).

    Raises
    ------
    UnreadableFile, NotAnImage, CorruptImage, ImageTooLarge
        Each with a message that names the problem and what to do.
    """
    path: str | None
    if isinstance(source, bytes):
        data, path = source, None
    else:
        path = str(source)
        data = _read_bytes(Path(source))
    if not data:
        raise NotAnImage("the file is empty (0 bytes); export the photo again from the camera or phone")
    digest = hashlib.sha256(data).hexdigest()
    with warnings.catch_warnings():
        # Our own MAX_PIXELS check replaces Pillow's decompression-bomb warning.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        # A damaged EXIF block reads as no EXIF (orientation 1, no capture time, no camera): not worth a warning.
        warnings.filterwarnings("ignore", "Corrupt EXIF data", UserWarning)
        image = _open(data)
        check_size(image, data)
        width, height = image.size
        orientation = _orientation(image)
        captured_at = _capture_time(image)
        camera = _exif_camera(image)
        fmt = image.format
        rgb = _decode(image, data, working_long_side_px)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    rgb = _shrink(rgb, working_long_side_px)
    scale = width / rgb.shape[1]
    return Photo(rgb, width, height, float(scale), digest, path, fmt, captured_at, camera)


def check_size(image: Image.Image, data: bytes) -> None:
    """Refuse an image whose header promises more than a photo needs: pixels, aspect ratio, decoded bytes.

    Raises
    ------
    ImageTooLarge
        With the size found and what to do.
    """
    width, height = image.size
    if width < 1 or height < 1:
        raise CorruptImage(f"the image header claims {width} x {height} pixels; copy or export the photo again")
    if width * height > MAX_PIXELS:
        raise ImageTooLarge(
            f"the image is {width} x {height} pixels ({width * height / 1e6:.0f} megapixels), above the "
            f"{MAX_PIXELS // 1_000_000} megapixel limit; resize it or export a smaller copy")
    if max(width, height) / min(width, height) > MAX_ASPECT_RATIO:
        raise ImageTooLarge(
            f"the image is {width} x {height} pixels, a strip rather than a photo (longer than "
            f"{MAX_ASPECT_RATIO:.0f}:1); crop it to the face or take the photo again")
    needed = decoded_bytes(image, data)
    if image.format != "JPEG" and needed > MAX_DECODED_BYTES:
        raise ImageTooLarge(
            f"the image is {width} x {height} pixels at {needed // (width * height)} bytes per pixel "
            f"({needed / 1e6:.0f} MB decoded), above the {MAX_DECODED_BYTES // 1_000_000} MB limit; export it "
            "as an 8-bit JPEG or a smaller copy")


def decoded_bytes(image: Image.Image, data: bytes) -> int:
    """Bytes a full-size decode of ``image`` holds at its peak, from the header alone: Pillow's storage, or
    the file's own samples (channels x bit depth) where they are larger, plus the decoder's own copy."""
    stored = _BYTES_PER_PIXEL.get(image.mode, 4)
    sampled = _file_bytes_per_pixel(image, data)
    return image.width * image.height * (max(stored, sampled) + _DECODER_BYTES_PER_PIXEL.get(image.format or "", 0))


def _file_bytes_per_pixel(image: Image.Image, data: bytes) -> int:
    if image.format == "PNG" and data[12:16] == b"IHDR":
        depth, colour = data[24], data[25]
        channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour, 4)
        return max(1, channels * depth // 8)
    if image.format == "TIFF":
        tags = getattr(image, "tag_v2", {})
        try:
            bits = tags.get(258, (8,))
            bits_total = sum(int(b) for b in bits) if isinstance(bits, tuple) else int(bits) * int(tags.get(277, 1))
        except (TypeError, ValueError):
            return 8
        return max(1, -(-bits_total // 8))
    return 0


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFile("file not found; check the path") from None
    except IsADirectoryError:
        raise UnreadableFile("this is a folder, not a photo; give the photo file itself") from None
    except PermissionError:
        raise UnreadableFile("permission denied; check the file's permissions") from None
    except OSError as error:
        raise UnreadableFile(f"cannot read the file ({error.strerror}); check the disk or copy it again") from None


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        raise NotAnImage(f"not a photo in a format ThreadLift accepts; use {_FORMAT_NAMES}") from None
    except Image.DecompressionBombError as error:
        # Pillow refuses very large images on open, before our own check; keep its pixel count.
        found = re.search(r"\((\d+) pixels\)", str(error))
        size = f" is {int(found.group(1)) / 1e6:.0f} megapixels," if found else ""
        raise ImageTooLarge(
            f"the image{size} above the {MAX_PIXELS // 1_000_000} megapixel limit; resize it or export a smaller "
            "copy") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise CorruptImage(f"the image is truncated or damaged ({error}); copy or export the photo again") from None
    if image.format not in FORMATS:  # a JPEG with more pictures in it (MPO: 3-D or preview images)
        raise NotAnImage(f"a {image.format} file, which ThreadLift does not accept; save the photo as "
                         f"{_FORMAT_NAMES}")
    return image


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_ORIENTATION, 1))
    except Exception:  # a malformed EXIF block must not cost the photo
        return 1


def _capture_time(image: Image.Image) -> datetime | None:
    try:
        exif = image.getexif()
        raw = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
        return datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S") if raw else None
    except Exception:
        return None


def _exif_camera(image: Image.Image) -> ExifCamera | None:
    try:
        main = image.getexif()
        fields = main.get_ifd(_EXIF_IFD)
    except Exception:  # a malformed EXIF block must not cost the photo
        return None
    if not fields:
        return None

    def number(tag: int) -> float | None:
        try:
            value = float(fields[tag])
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            return None
        return value if np.isfinite(value) and value > 0 else None

    width, height = number(_PIXEL_X_DIMENSION), number(_PIXEL_Y_DIMENSION)
    main_width, main_height = main.get(_IMAGE_WIDTH), main.get(_IMAGE_LENGTH)
    unit = number(_FOCAL_PLANE_RESOLUTION_UNIT)
    return ExifCamera(
        focal_length_mm=number(_FOCAL_LENGTH), focal_length_35mm=number(_FOCAL_LENGTH_35MM),
        focal_plane_px_per_mm=focal_plane_px_per_mm(number(_FOCAL_PLANE_X_RESOLUTION),
                                                    None if unit is None else int(unit)),
        recorded_size_px=(int(width), int(height)) if width and height else None,
        stored_size_px=(int(image.width), int(image.height)),
        main_size_px=(int(main_width), int(main_height)) if isinstance(main_width, int) and isinstance(
            main_height, int) else None,
        saved_after_capture_s=_seconds_between(main.get(_DATETIME), fields.get(_DATETIME_ORIGINAL)))


def _seconds_between(later: object, earlier: object) -> float | None:
    try:
        written, taken = (datetime.strptime(str(v).strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S") for v in (later, earlier))
    except (TypeError, ValueError):
        return None
    return (written - taken).total_seconds()


def _decode(image: Image.Image, data: bytes, working_long_side_px: int) -> NDArray[np.uint8]:
    if image.format == "JPEG":
        longest = max(image.size)
        if longest > working_long_side_px:
            factor = working_long_side_px / longest
            image.draft("RGB", (int(image.width * factor) + 1, int(image.height * factor) + 1))
    try:
        image.load()
        image = _reduced(image, working_long_side_px)
        ImageOps.exif_transpose(image, in_place=True)
        return _to_rgb8(image)
    except (OSError, SyntaxError, ValueError) as error:
        # A TIFF that Pillow cannot hold (16-bit colour in some layouts) may still be a good photo; a PNG
        # that Pillow refuses is damaged (and could not be stored either).
        fallback = _decode_with_opencv(data) if image.format == "TIFF" else None
        if fallback is not None:
            return fallback
        raise CorruptImage(
            f"the image data is truncated or damaged ({error}); copy or export the photo again") from None


def _reduced(image: Image.Image, working_long_side_px: int) -> Image.Image:
    """A decoded image well above twice the working size, box-reduced by a whole factor before it is
    converted or turned (each of which copies it); it stays at least twice the working size, so the final
    resampling to the working size is the same as before."""
    factor = max(image.size) // (2 * working_long_side_px)
    if factor < 2:
        return image
    if image.mode in ("1", "P", "PA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode == "PA" else "RGB")
    elif image.mode.startswith("I;16"):
        image = image.convert("I")
    exif = image.getexif()
    reduced = image.reduce(factor)
    reduced.info = dict(image.info)
    reduced.getexif().update(exif)  # orientation is applied after the reduction
    return reduced


def _to_rgb8(image: Image.Image) -> NDArray[np.uint8]:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float32)
        top = 65535.0 if mode.startswith("I;16") or values.max() > 255 else 255.0
        grey = np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        # Transparent pixels become white, like a studio backdrop, not black.
        rgba = image.convert("RGBA")
        backdrop = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(backdrop, rgba)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def _decode_with_opencv(data: bytes) -> NDArray[np.uint8] | None:
    """16-bit colour TIFF/PNG that Pillow cannot hold: decode with OpenCV and scale to 8 bit."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    level = cv2.getLogLevel()
    cv2.setLogLevel(0)  # silent: a damaged file is reported once, by our own error, not in OpenCV's log on stderr
    try:
        decoded = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    finally:
        cv2.setLogLevel(level)
    if decoded is None:
        return None
    if decoded.dtype == np.uint16:
        decoded = np.right_shift(decoded, 8).astype(np.uint8)  # no float copy of a 16-bit image
    elif decoded.dtype != np.uint8:
        values = decoded.astype(np.float64)
        span = max(float(values.max() - values.min()), 1e-9)
        decoded = ((values - values.min()) / span * 255.0 + 0.5).astype(np.uint8)
    if decoded.ndim == 2:
        return np.ascontiguousarray(cv2.cvtColor(decoded, cv2.COLOR_GRAY2RGB))
    if decoded.shape[2] == 4:
        decoded = cv2.cvtColor(decoded, cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB))


def _shrink(rgb: NDArray[np.uint8], working_long_side_px: int) -> NDArray[np.uint8]:
    longest = max(rgb.shape[:2])
    # JPEG draft scaling lands between 1x and 2x the working size; resampling that again costs more
    # than the few extra pixels do downstream, so only images well above it are shrunk.
    if longest < working_long_side_px * 2:
        return rgb
    factor = working_long_side_px / longest
    size = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
    return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
