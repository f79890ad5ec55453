import io
from pathlib import Path

import cv2
import numpy as np
import pillow_heif
import pytest
from PIL import Image

from tests.helpers.photos import faces_dir, png_claiming, read_rgb
from threadlift.face.errors import CorruptImage, ImageTooLarge, NotAnImage, UnreadableFile
from threadlift.face.load import MAX_PIXELS, Photo, load_photo


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return read_rgb("astronaut.png")


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def close_to(a: np.ndarray, b: np.ndarray, tolerance: float = 12.0) -> bool:
    return a.shape == b.shape and float(np.abs(a.astype(float) - b.astype(float)).mean()) < tolerance


@pytest.mark.parametrize("fmt, options", [("JPEG", {"quality": 95}), ("PNG", {}), ("WEBP", {"quality": 95}),
                                          ("TIFF", {}), ("HEIF", {"quality": 95})])
def test_common_formats_load_as_upright_rgb(astronaut, fmt, options):
    photo = load_photo(encoded(Image.fromarray(astronaut), fmt, **options))
    assert photo.rgb.dtype == np.uint8 and photo.rgb.shape == astronaut.shape
    assert (photo.original_width_px, photo.original_height_px) == (512, 512)
    assert close_to(photo.rgb, astronaut)
    assert len(photo.sha256) == 64


def test_heic_is_registered():
    assert pillow_heif.is_supported(encoded(Image.new("RGB", (64, 64)), "HEIF"))


def test_exif_orientation_is_applied(astronaut):
    stored_sideways = Image.fromarray(np.ascontiguousarray(np.rot90(astronaut, k=1)))  # what the sensor wrote
    exif = Image.Exif()
    exif[274] = 6  # "rotate 90° clockwise to display"
    exif.get_ifd(0x8769)[36867] = "2026:03:14 09:30:00"
    photo = load_photo(encoded(stored_sideways, "JPEG", quality=95, exif=exif))
    assert close_to(photo.rgb, astronaut)
    assert photo.captured_at is not None and photo.captured_at.isoformat() == "2026-03-14T09:30:00"


def test_greyscale_sixteen_bit_and_alpha_are_converted(astronaut):
    grey = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    for image in (Image.fromarray(grey), Image.fromarray(grey.astype(np.uint16) * 257)):
        photo = load_photo(encoded(image, "PNG"))
        assert photo.rgb.shape == astronaut.shape and close_to(photo.rgb[:, :, 0], grey, 2.0)
    rgba = np.dstack([astronaut, np.full(grey.shape, 255, np.uint8)])
    rgba[:50, :50, 3] = 0  # a transparent corner becomes white, not black
    photo = load_photo(encoded(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert photo.rgb[10, 10].tolist() == [255, 255, 255] and close_to(photo.rgb[100:], astronaut[100:])


def test_sixteen_bit_colour_tiff_is_scaled_to_eight_bit(astronaut):
    deep = cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR).astype(np.uint16) * 257
    ok, data = cv2.imencode(".tiff", deep)
    assert ok
    photo = load_photo(data.tobytes())
    assert close_to(photo.rgb, astronaut, 2.0)


def test_a_12_megapixel_jpeg_is_decoded_at_working_resolution(astronaut):
    big = Image.fromarray(astronaut).resize((4000, 3000))
    photo = load_photo(encoded(big, "JPEG", quality=90))
    assert (photo.original_width_px, photo.original_height_px) == (4000, 3000)
    assert max(photo.rgb.shape) <= 2048 and photo.scale >= 1.95


def test_from_array_checks_its_input():
    with pytest.raises(NotAnImage):
        Photo.from_array(np.zeros((10, 10), np.uint8))


def test_a_decompression_bomb_is_refused_from_its_header():
    with pytest.raises(ImageTooLarge, match="400 megapixels"):
        load_photo(png_claiming(20000, 20000))
    assert MAX_PIXELS < 20000 * 20000


def test_an_image_just_over_the_limit_is_refused_with_its_size():
    with pytest.raises(ImageTooLarge, match="11000 x 10000"):
        load_photo(png_claiming(11000, 10000))


def test_bad_files_get_their_own_errors(tmp_path: Path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("this is not a photo")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes((faces_dir() / "obama2.jpg").read_bytes()[:20000])
    with pytest.raises(NotAnImage, match="empty"):
        load_photo(empty)
    with pytest.raises(NotAnImage, match="JPEG, PNG, HEIC"):
        load_photo(text)
    with pytest.raises(CorruptImage, match=r"truncated|damaged"):
        load_photo(truncated)
    with pytest.raises(UnreadableFile, match="not found"):
        load_photo(tmp_path / "missing.jpg")
    with pytest.raises(UnreadableFile, match="folder"):
        load_photo(tmp_path)


def test_bombs_by_dimension_and_by_bit_depth_are_refused_from_the_header_without_decoding():
    from tests.helpers.hostile import deep_rgba_header, strip_png

    strip, deep = strip_png(), deep_rgba_header()
    assert len(strip) < 250_000 and len(deep) < 400
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # restart the peak resident size (VmHWM) from here
    before = _peak_kib()
    with pytest.raises(ImageTooLarge, match=r"1 x 99999999 pixels, a strip rather than a photo"):
        load_photo(strip)
    with pytest.raises(ImageTooLarge, match=r"9999 x 9999 pixels at 8 bytes per pixel .* export it as an 8-bit JPEG"):
        load_photo(deep)
    assert _peak_kib() - before < 64 * 1024  # nothing near the gigabytes these promise


def _peak_kib() -> int:
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:"))


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "JPEG2000", "PPM", "TGA"])
def test_formats_outside_the_documented_ones_are_refused_by_content(astronaut, fmt):
    with pytest.raises(NotAnImage, match="JPEG, PNG, HEIC, WebP or TIFF"):
        load_photo(encoded(Image.fromarray(astronaut), fmt))


def test_a_multi_picture_jpeg_is_refused(astronaut):
    image = Image.fromarray(astronaut)
    with pytest.raises(NotAnImage, match="MPO"):
        load_photo(encoded(image, "MPO", save_all=True, append_images=[image]))


def test_a_large_png_is_reduced_before_conversion_to_the_same_working_image(astronaut):
    big = Image.fromarray(astronaut).resize((4096 * 2, 4096 * 2), Image.Resampling.NEAREST)
    photo = load_photo(encoded(big, "PNG", compress_level=1))
    assert (photo.original_width_px, photo.original_height_px) == (8192, 8192)
    assert max(photo.rgb.shape) == 1600 and close_to(cv2.resize(photo.rgb, (512, 512), interpolation=cv2.INTER_AREA),
                                                     astronaut, 4.0)
