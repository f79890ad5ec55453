"""Remove location from photo metadata before it is stored.

JPEG: the GPS block is removed from the EXIF segment and the file rewritten around it, the image
data untouched. Other formats: re-encoded losslessly as PNG, which keeps the pixels and drops all
metadata.
"""

from __future__ import annotations

import io
import struct

from PIL import Image

_GPS_IFD = 0x8825


def strip_location(data: bytes) -> tuple[bytes, str, bool]:
    """Return (bytes to store, content type, whether anything was removed)."""
    if data[:2] == b"\xff\xd8":
        stripped, removed = _strip_jpeg(data)
        return stripped, "image/jpeg", removed
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        buffer = io.BytesIO()
        converted = image if image.mode in ("RGB", "RGBA", "L", "LA", "I;16", "P") else image.convert("RGB")
        converted.save(buffer, "PNG")
    return buffer.getvalue(), "image/png", True


def _strip_jpeg(data: bytes) -> tuple[bytes, bool]:
    out = bytearray(data[:2])
    position, removed = 2, False
    while position + 4 <= len(data):
        marker = data[position:position + 2]
        if marker[0] != 0xFF or marker[1] in (0xDA, 0xD9):  # start of scan: the rest is image data
            break
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        segment = data[position:position + 2 + length]
        if marker[1] == 0xE1 and segment[4:10] == b"Exif\x00\x00":
            exif = Image.Exif()
            exif.load(segment[10:])
            if _GPS_IFD in exif:
                del exif[_GPS_IFD]
                payload = exif.tobytes()
                payload = payload if payload.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + payload
                segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
                removed = True
        out += segment
        position += 2 + length
    out += data[position:]
    return bytes(out), removed
