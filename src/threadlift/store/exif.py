"""Remove location and whatever else rides along from a photo before it is stored.

JPEG: the file is rewritten around its image data, which is untouched. Kept: the segments the picture
needs (JFIF, tables, frame, ICC colour profile, Adobe colour transform) and the EXIF block without its
GPS part (orientation, capture time and the camera's geometry, which the analysis reads). Dropped: XMP
(where ``exif:GPSLatitude`` also lives), IPTC, comments, every other application segment, and anything
after the end of the image (an appended archive or script). Other formats: re-encoded losslessly as PNG,
upright, which keeps the pixels and drops all metadata.

A file whose EXIF cannot be read is refused: its location cannot be shown to be removed.
"""

from __future__ import annotations

import io
import struct

from PIL import Image, ImageOps

from threadlift.face.errors import CorruptImage, PhotoError
from threadlift.face.load import FORMATS

_GPS_IFD = 0x8825
_SOS, _EOI, _COM = 0xDA, 0xD9, 0xFE
_APP0, _APP1, _APP2, _APP14 = 0xE0, 0xE1, 0xE2, 0xEE
_EXIF_HEADER = b"Exif\x00\x00"
_PNG_MODES = ("RGB", "RGBA", "L", "LA", "I;16", "P")
_DAMAGED_EXIF = ("the photo's EXIF metadata is damaged ({error}), so its location cannot be removed safely; export "
                 "the photo again, or save a copy without metadata, and upload that")


def strip_location(data: bytes) -> tuple[bytes, str, bool]:
    """Return (bytes to store, content type, whether anything was removed).

    Raises
    ------
    CorruptImage
        The file cannot be rewritten safely (damaged EXIF, damaged image data); the message says what to do.
    """
    try:
        if data[:2] == b"\xff\xd8":
            stripped, removed = _strip_jpeg(data)
            return stripped, "image/jpeg", removed
        return _as_png(data), "image/png", True
    except PhotoError:
        raise
    except (OSError, SyntaxError, ValueError, struct.error, KeyError, IndexError, TypeError) as error:
        raise CorruptImage(f"the photo cannot be stored safely: its data is damaged ({error}); export or copy "
                           "the photo again") from None


def _as_png(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data), formats=FORMATS) as image:
        image.load()
        try:
            upright = ImageOps.exif_transpose(image)
        except (SyntaxError, ValueError, struct.error, OSError) as error:
            raise CorruptImage(_DAMAGED_EXIF.format(error=error)) from None
        converted = upright if upright.mode in _PNG_MODES else upright.convert("RGB")
        buffer = io.BytesIO()
        converted.save(buffer, "PNG")
    return buffer.getvalue()


def _strip_jpeg(data: bytes) -> tuple[bytes, bool]:
    out = bytearray(data[:2])
    position, removed = 2, False
    while True:
        if position + 4 > len(data) or data[position] != 0xFF:
            raise CorruptImage("the JPEG's headers are damaged; export or copy the photo again")
        marker = data[position + 1]
        if marker == _SOS:
            break
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        segment = data[position:position + 2 + length]
        position += 2 + length
        if marker == _APP1 and segment[4:10] == _EXIF_HEADER:
            segment, gps = _without_gps(segment)
            removed |= gps
        elif (_APP0 < marker <= 0xEF and marker not in (_APP2, _APP14)) or marker == _COM:
            removed = True  # XMP, IPTC, comments, vendors' blocks: none is needed to show the photo
            continue
        out += segment
    end = _end_of_image(data, position)
    out += data[position:end + 2]
    removed |= end + 2 < len(data)  # whatever was appended after the picture
    return bytes(out), removed


def _end_of_image(data: bytes, position: int) -> int:
    """Where the EOI marker is, walking the scans from the first SOS: the entropy-coded data holds no marker
    (0xFF is followed by 0x00 or a restart marker); tables between progressive scans are skipped whole."""
    while True:
        found = data.find(b"\xff", position)
        if found < 0 or found + 1 >= len(data):
            raise CorruptImage("the JPEG is truncated (no end of image); export or copy the photo again")
        marker = data[found + 1]
        if marker == _EOI:
            return found
        if marker == 0x00 or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            position = found + 1
            continue
        if found + 4 > len(data):
            raise CorruptImage("the JPEG is truncated (no end of image); export or copy the photo again")
        position = found + 2 + struct.unpack(">H", data[found + 2:found + 4])[0]


def _without_gps(segment: bytes) -> tuple[bytes, bool]:
    exif = Image.Exif()
    try:
        exif.load(segment[10:])
    except (SyntaxError, ValueError, struct.error, OSError) as error:
        raise CorruptImage(_DAMAGED_EXIF.format(error=error)) from None
    if _GPS_IFD not in exif:
        return segment, False
    del exif[_GPS_IFD]
    payload = exif.tobytes()
    payload = payload if payload.startswith(_EXIF_HEADER) else _EXIF_HEADER + payload
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload, True
