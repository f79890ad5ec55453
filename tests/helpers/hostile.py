"""A corpus of hostile image files, generated (never stored): truncations at many offsets, wrong magic
numbers, decompression bombs by dimension and by bit depth, malformed EXIF/XMP/ICC, polyglots, and every
format ThreadLift refuses. Each file is small on disk; several promise gigabytes once decoded."""

from __future__ import annotations

import functools
import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pillow_heif
from numpy.typing import NDArray
from PIL import Image

from tests.helpers.photos import read_rgb

pillow_heif.register_heif_opener()

PAYLOADS = (b"PK\x03\x04 hidden.zip payload", b"<?php system($_GET['c']); ?>", b"<script>alert(1)</script>")


@dataclass(frozen=True)
class Hostile:
    name: str
    data: bytes
    kind: str  # truncation, magic, bomb, metadata, polyglot, format
    decodable: bool = False  # a valid photo underneath (may be accepted, and must then be stored clean)


def face_rgb(width: int = 360) -> NDArray[np.uint8]:
    """A real frontal face, small enough that its analysis is quick."""
    rgb = read_rgb("obama3.jpg")
    height = round(rgb.shape[0] * width / rgb.shape[1])
    return np.ascontiguousarray(cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA))


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int, depth: int, colour: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))


def strip_png(height: int = 99_999_999) -> bytes:
    """A real 1 x ``height`` grey PNG (every row: filter byte, one pixel), about 194 KB compressed."""
    compressor = zlib.compressobj(9)
    rows = b"\x00\x80" * 1_000_000
    parts = [compressor.compress(rows) for _ in range(height // 1_000_000)]
    parts.append(compressor.compress(b"\x00\x80" * (height % 1_000_000)))
    parts.append(compressor.flush())
    return png_header(1, height, 8, 0) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def deep_rgba_header(side: int = 9999) -> bytes:
    """A 16-bit RGBA PNG header of ``side`` x ``side`` with a token of image data: some 390 bytes."""
    return png_header(side, side, 16, 6) + chunk(b"IDAT", zlib.compress(b"\0" * 4000, 9)) + chunk(b"IEND", b"")


def tiff_claiming(width: int, height: int, bits: int = 16, samples: int = 3) -> bytes:
    """A little-endian TIFF whose tags claim ``width`` x ``height`` at ``bits`` x ``samples``, with 16 bytes of data."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, bits), (259, 3, 1, 1), (262, 3, 1, 2),
               (273, 4, 1, 8), (277, 3, 1, samples), (278, 4, 1, height), (279, 4, 1, 16)]
    ifd_offset = 8 + 16
    packed = [struct.pack("<HHII", tag, kind, count, value) if kind == 4
              else struct.pack("<HHIHH", tag, kind, count, value, 0) for tag, kind, count, value in entries]
    ifd = struct.pack("<H", len(entries)) + b"".join(packed) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", ifd_offset) + b"\0" * 16 + ifd


def jpeg_with_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    """``jpeg`` with an application segment inserted straight after its start-of-image marker."""
    return jpeg[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def jpeg_claiming(jpeg: bytes, width: int, height: int) -> bytes:
    """``jpeg`` with its frame header (SOF0) edited to claim another size."""
    at = jpeg.index(b"\xff\xc0")
    return jpeg[:at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9:]


def exif_variants() -> Iterator[tuple[str, bytes]]:
    """EXIF blocks (as in an APP1 segment, after b'Exif\\0\\0') that are damaged in different ways."""
    yield "bad-tiff-header", b"XX\x00\x2a\x00\x00\x00\x08" + b"\0" * 16
    yield "ifd-past-end", b"MM\x00\x2a\xff\xff\xff\xf0"
    yield "entry-count-huge", b"II\x2a\x00\x08\x00\x00\x00\xff\xff" + b"\0" * 24
    yield "tag-data-past-end", b"II\x2a\x00\x08\x00\x00\x00\x01\x00" + struct.pack("<HHII", 0x010F, 2, 10**6, 40)
    yield "ifd-loop", b"II\x2a\x00\x08\x00\x00\x00\x01\x00" + struct.pack("<HHII", 0x0112, 3, 1, 1) + b"\x08\0\0\0"
    yield "gps-ifd-garbage", (b"II\x2a\x00\x08\x00\x00\x00\x01\x00" + struct.pack("<HHII", 0x8825, 4, 1, 10**8)
                              + b"\0" * 4)
    yield "exif-ifd-self", b"II\x2a\x00\x08\x00\x00\x00\x01\x00" + struct.pack("<HHII", 0x8769, 4, 1, 8) + b"\0" * 4
    yield "truncated-header", b"II\x2a"
    yield "empty", b""
    yield "bad-type", b"II\x2a\x00\x08\x00\x00\x00\x01\x00" + struct.pack("<HHII", 0x0112, 99, 1, 1) + b"\0" * 4


@functools.cache
def corpus() -> tuple[Hostile, ...]:
    """At least 300 hostile files (see the module's docstring)."""
    face = face_rgb()
    image = Image.fromarray(face)
    jpeg = encoded(image, "JPEG", quality=90)
    png = encoded(image, "PNG")
    formats = {"jpeg": jpeg, "png": png, "webp": encoded(image, "WEBP", quality=85),
               "tiff": encoded(image, "TIFF"), "heic": encoded(image, "HEIF", quality=80)}
    files: list[Hostile] = []

    # Truncations: each format cut at many offsets, from inside the header to the last bytes.
    for fmt, data in formats.items():
        cuts = sorted({*range(1, 64, 7), *np.linspace(64, len(data) - 1, 40 if fmt in ("jpeg", "png") else 20,
                                                      dtype=int).tolist(), len(data) - 2, len(data) - 1})
        # A PNG cut inside its closing IEND chunk has every pixel still: it may be accepted (and re-encoded).
        files += [Hostile(f"truncated-{fmt}-{cut}", data[:cut], "truncation", decodable=fmt == "png"
                          and cut >= len(data) - 12) for cut in cuts]

    # Wrong magic numbers: a format's body under another's signature, or no image at all.
    files += [
        Hostile("empty", b"", "magic"), Hostile("one-byte", b"\xff", "magic"),
        Hostile("text", b"this is not a photo\n" * 20, "magic"),
        Hostile("pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", "magic"),
        Hostile("zip", b"PK\x03\x04" + b"\0" * 60, "magic"),
        Hostile("html", b"<html><script>x</script></html>", "magic"),
        Hostile("random", np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes(), "magic"),
        Hostile("jpeg-magic-png-body", b"\xff\xd8\xff\xe0" + png[4:], "magic"),
        Hostile("png-magic-jpeg-body", b"\x89PNG\r\n\x1a\n" + jpeg[8:], "magic"),
        Hostile("jpeg-bad-second-marker", jpeg[:2] + b"\x00\x00" + jpeg[4:], "magic"),
        Hostile("png-signature-only", b"\x89PNG\r\n\x1a\n", "magic"),
        Hostile("jpeg-soi-only", b"\xff\xd8", "magic"),
        Hostile("riff-not-webp", b"RIFF\x10\0\0\0WAVEfmt " + b"\0" * 16, "magic"),
        Hostile("heic-ftyp-no-box", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", "magic"),
        Hostile("tiff-magic-only", b"II*\x00\x08\x00\x00\x00", "magic"),
        Hostile("tiff-big-endian-garbage", b"MM\x00*" + b"\xff" * 60, "magic"),
        Hostile("png-bad-ihdr-crc", png[:29] + b"\0\0\0\0" + png[33:], "magic"),
        Hostile("png-zero-size", png_header(0, 0, 8, 2) + chunk(b"IEND", b""), "magic"),
        Hostile("jpeg-zero-size", jpeg_claiming(jpeg, 0, 0), "magic"),
    ]
    flipped = bytearray(jpeg)
    for offset in range(200, len(flipped), len(flipped) // 12):
        flipped[offset] ^= 0xFF
    files.append(Hostile("jpeg-bit-flips", bytes(flipped), "magic"))

    # Bombs by dimension and by bit depth: refused from the header, before any pixel is decoded.
    text_bomb = zlib.compress(b"a" * 30_000_000, 9)  # 30 MB of text in 30 KB
    files += [
        Hostile("bomb-strip-1x99999999-grey-png", strip_png(), "bomb"),
        Hostile("bomb-9999x9999-16bit-rgba-png", deep_rgba_header(), "bomb"),
        Hostile("bomb-20000x20000-png", png_header(20000, 20000, 8, 2) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                + chunk(b"IEND", b""), "bomb"),
        Hostile("bomb-65535x65535-jpeg", jpeg_claiming(jpeg, 65535, 65535), "bomb"),
        Hostile("bomb-65000x200-jpeg-strip", jpeg_claiming(jpeg, 65000, 200), "bomb"),
        Hostile("bomb-9000x9000-16bit-rgb-tiff", tiff_claiming(9000, 9000, 16, 3), "bomb"),
        Hostile("bomb-9000x9000-16bit-rgba-tiff", tiff_claiming(9000, 9000, 16, 4), "bomb"),
        Hostile("bomb-1x50000000-tiff", tiff_claiming(1, 50_000_000, 8, 1), "bomb"),
        Hostile("bomb-8000x8000-32bit-grey-tiff", tiff_claiming(8000, 8000, 32, 1), "bomb"),
        Hostile("bomb-7000x7000-16bit-rgb-png", png_header(7000, 7000, 16, 2)
                + chunk(b"IDAT", zlib.compress(b"\0" * 99)) + chunk(b"IEND", b""), "bomb"),
        Hostile("bomb-16383x16383-webp", _webp_claiming(formats["webp"], 16383, 16383), "bomb"),
        Hostile("bomb-zlib-ztxt-after-idat", png[:-12] + chunk(b"zTXt", b"k\0\0" + text_bomb) + png[-12:], "bomb",
                decodable=True),
        Hostile("bomb-zlib-itxt-before-idat", png[:33] + chunk(b"iTXt", b"k\0\x01\0\0\0" + text_bomb) + png[33:],
                "bomb", decodable=True),
    ]
    files += [Hostile(f"bomb-{w}x{h}-png", png_header(w, h, 8, 6) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                      + chunk(b"IEND", b""), "bomb") for w, h in ((100_000, 1), (1, 100_000), (12000, 9000),
                                                                 (30000, 3000), (2**31 - 1, 2**31 - 1))]

    # Malformed metadata: EXIF in JPEG, PNG (eXIf) and WebP; XMP; ICC profiles.
    for label, block in exif_variants():
        files.append(Hostile(f"jpeg-exif-{label}", jpeg_with_segment(jpeg, 0xE1, b"Exif\0\0" + block), "metadata",
                             decodable=True))
        files.append(Hostile(f"png-exif-{label}", png[:33] + chunk(b"eXIf", block) + png[33:], "metadata",
                             decodable=True))
    xmp_head = b"http://ns.adobe.com/xap/1.0/\0"
    gps_xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
               b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.0N" '
               b'exif:GPSLongitude="0,7.5W"/></rdf:RDF></x:xmpmeta>')
    for label, xmp in (("gps", gps_xmp), ("broken-xml", b"<x:xmpmeta><rdf:RDF><unclosed"),
                       ("entity-bomb", b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                                       b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><x>&c;&c;&c;&c;</x>'),
                       ("binary", bytes(range(256)) * 4), ("empty", b"")):
        files.append(Hostile(f"jpeg-xmp-{label}", jpeg_with_segment(jpeg, 0xE1, xmp_head + xmp), "metadata",
                             decodable=True))
        files.append(Hostile(f"png-xmp-{label}", png[:33] + chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + xmp)
                             + png[33:], "metadata", decodable=True))
    for label, icc in (("garbage", b"\xde\xad\xbe\xef" * 64), ("short", b"\0\0\0\x10abcd"),
                       ("claims-huge", struct.pack(">I", 2**31) + b"appl" + b"\0" * 120), ("empty", b"")):
        files.append(Hostile(f"jpeg-icc-{label}", jpeg_with_segment(jpeg, 0xE2, b"ICC_PROFILE\0\x01\x01" + icc),
                             "metadata", decodable=True))
        files.append(Hostile(f"png-icc-{label}", png[:33] + chunk(b"iCCP", b"icc\0\0" + zlib.compress(icc)) + png[33:],
                             "metadata", decodable=True))
    files.append(Hostile("jpeg-icc-bad-sequence", jpeg_with_segment(jpeg, 0xE2, b"ICC_PROFILE\0\x05\x02" + b"x" * 64),
                         "metadata", decodable=True))
    files.append(Hostile("png-iccp-not-zlib", png[:33] + chunk(b"iCCP", b"icc\0\0not zlib at all") + png[33:],
                         "metadata", decodable=True))
    files.append(Hostile("jpeg-comment-script", jpeg_with_segment(jpeg, 0xFE, b"<script>alert(1)</script>"),
                         "metadata", decodable=True))
    files.append(Hostile("jpeg-app13-iptc", jpeg_with_segment(jpeg, 0xED, b"Photoshop 3.0\0" + b"8BIM" + b"\xff" * 40),
                         "metadata", decodable=True))
    files.append(Hostile("jpeg-segment-length-past-end", jpeg[:2] + b"\xff\xe1\xff\xff" + b"Exif\0\0" + jpeg[2:200],
                         "metadata"))
    files.append(Hostile("jpeg-segment-length-zero", jpeg[:2] + b"\xff\xe1\x00\x00" + jpeg[2:], "metadata"))

    # Polyglots: a valid photo with something else appended, prepended or embedded.
    for fmt in ("jpeg", "png", "webp", "tiff", "heic"):
        for number, payload in enumerate(PAYLOADS):
            files.append(Hostile(f"polyglot-{fmt}-appended-{number}", formats[fmt] + payload * 8, "polyglot",
                                 decodable=True))
    files += [
        Hostile("polyglot-zip-then-jpeg", b"PK\x03\x04" + b"\0" * 26 + jpeg, "polyglot"),
        Hostile("polyglot-html-then-png", b"<html>" + png, "polyglot"),
        Hostile("polyglot-gifar", encoded(image, "GIF") + b"PK\x03\x04" + b"\0" * 60, "polyglot"),
        Hostile("polyglot-jpeg-in-pdf", b"%PDF-1.4\n" + jpeg, "polyglot"),
        Hostile("polyglot-two-jpegs", jpeg + jpeg, "polyglot", decodable=True),
    ]

    # Every format ThreadLift refuses, each a valid file of its kind (with the face in it, where it can).
    small = image.resize((180, round(180 * image.height / image.width)))
    refused = {"gif": ("GIF", small, {}), "bmp": ("BMP", small, {}), "ico": ("ICO", small, {}),
               "pcx": ("PCX", small, {}), "sgi": ("SGI", small, {}), "tga": ("TGA", small, {}),
               "ppm": ("PPM", small, {}), "dds": ("DDS", small.convert("RGBA"), {}), "jp2": ("JPEG2000", small, {}),
               "eps": ("EPS", small, {}), "msp": ("MSP", small.convert("1"), {}),
               "xbm": ("XBM", small.convert("1"), {}), "spider": ("SPIDER", small.convert("F"), {}),
               "pdf": ("PDF", small, {}), "blp": ("BLP", small.convert("P"), {}), "qoi": ("QOI", small, {}),
               "icns": ("ICNS", small.resize((128, 128)), {}), "palm": ("PALM", small.convert("1"), {})}
    for suffix, (fmt, picture, options) in refused.items():
        try:
            files.append(Hostile(f"format-{suffix}", encoded(picture, fmt, **options), "format"))
        except (KeyError, OSError, ValueError):
            continue  # a writer this Pillow lacks: the rest still cover the refusal
    mpo = io.BytesIO()
    image.save(mpo, "MPO", save_all=True, append_images=[image])
    files.append(Hostile("format-mpo", mpo.getvalue(), "format"))
    files.append(Hostile("format-eps-ghostscript-probe", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
                         b"(/etc/passwd) (r) file\nshowpage\n", "format"))
    files.append(Hostile("format-svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                         "format"))
    return tuple(files)


def _webp_claiming(webp: bytes, width: int, height: int) -> bytes:
    """A WebP whose VP8 frame header claims another size (the data stays the small image's)."""
    at = webp.index(b"\x9d\x01\x2a")
    return webp[:at + 3] + struct.pack("<HH", width & 0x3FFF, height & 0x3FFF) + webp[at + 7:]
