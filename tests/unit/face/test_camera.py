import io
import math

import numpy as np
import pytest
from PIL import Image

from threadlift.face.camera import FULL_FRAME_DIAGONAL_MM, NORMAL_LENS_35MM, ExifCamera, FocalSource, camera_model
from threadlift.face.load import load_photo

EXIF_IFD = 0x8769


def jpeg_with_exif(size: tuple[int, int], *, recorded: tuple[int, int] | None = None, focal_35mm: int | None = None,
                   focal_mm: float | None = None, plane_px_per_inch: float | None = None,
                   orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[274] = orientation
    fields = exif.get_ifd(EXIF_IFD)
    if recorded:
        fields[40962], fields[40963] = recorded
    if focal_35mm:
        fields[41989] = focal_35mm
    if focal_mm:
        fields[37386] = focal_mm
    if plane_px_per_inch:
        fields[41486] = plane_px_per_inch
        fields[41488] = 2
    buffer = io.BytesIO()
    Image.fromarray(np.full((size[1], size[0], 3), 120, np.uint8)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_an_uncropped_phone_photo_uses_its_35mm_equivalent_focal_length_and_the_image_centre():
    photo = load_photo(jpeg_with_exif((4032, 3024), recorded=(4032, 3024), focal_35mm=26))
    camera = camera_model(photo.camera, (photo.original_width_px, photo.original_height_px))
    assert camera.source is FocalSource.EXIF_35MM_EQUIVALENT
    assert camera.focal_length_px == pytest.approx(26 / FULL_FRAME_DIAGONAL_MM * math.hypot(4032, 3024))
    assert camera.principal_point_px == (2016.0, 1512.0)


def test_a_camera_without_the_35mm_tag_uses_focal_length_and_sensor_resolution():
    # 50 mm on a full-frame sensor 1200 px across its 36 mm (846.7 px per inch): 50 * 1200 / 36 px
    photo = load_photo(jpeg_with_exif((1200, 800), recorded=(1200, 800), focal_mm=50.0,
                                      plane_px_per_inch=1200 / 36 * 25.4))
    camera = camera_model(photo.camera, (1200, 800))
    assert camera.source is FocalSource.EXIF_FOCAL_PLANE
    assert camera.focal_length_px == pytest.approx(50.0 * 1200 / 36, rel=1e-3)
    assert camera.focal_length_35mm == pytest.approx(50.0, abs=0.1)


def test_a_cropped_photo_does_not_trust_the_lens_axis_or_the_focal_length():
    photo = load_photo(jpeg_with_exif((1200, 1500), recorded=(4032, 3024), focal_35mm=26))
    camera = camera_model(photo.camera, (1200, 1500))
    assert camera.source is FocalSource.ASSUMED_DISTANCE
    assert camera.principal_point_px is None and camera.focal_length_px is None


def test_an_uncropped_frame_without_a_focal_length_is_taken_with_a_normal_lens():
    camera = camera_model(ExifCamera(None, None, None, (3000, 2000), (3000, 2000)), (3000, 2000))
    assert camera.source is FocalSource.NORMAL_LENS and camera.focal_length_35mm == NORMAL_LENS_35MM


def test_a_rotated_photo_is_still_recognised_as_uncropped():
    """EXIF sizes are in the stored orientation; the upright photo is the other way round."""
    photo = load_photo(jpeg_with_exif((800, 600), recorded=(800, 600), focal_35mm=50, orientation=6))
    assert (photo.original_width_px, photo.original_height_px) == (600, 800)
    camera = camera_model(photo.camera, (600, 800))
    assert camera.source is FocalSource.EXIF_35MM_EQUIVALENT and camera.principal_point_px == (300.0, 400.0)


@pytest.mark.parametrize("payload", [b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x87i\x00\x04\x00\x00\x00\x01\xff\xff"
                                     b"\xff\xff", b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff"])
def test_malformed_exif_costs_the_camera_model_not_the_photo(payload):
    buffer = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), 120, np.uint8)).save(buffer, "JPEG", exif=payload)
    photo = load_photo(buffer.getvalue())
    assert camera_model(photo.camera, (64, 64)).source is FocalSource.ASSUMED_DISTANCE


def test_a_photo_cropped_in_an_editor_is_not_trusted_even_when_its_size_fields_were_updated():
    """The official portraits in the test data were cropped in Photoshop years after they were taken: the
    new size is in PixelXDimension, the old in ImageWidth, and the focal-plane resolution is the sensor's."""
    from tests.helpers.photos import faces_dir

    for name in ("obama2.jpg", "obama3.jpg"):
        photo = load_photo(faces_dir() / name)
        assert photo.camera is not None and photo.camera.recorded_size_px == photo.camera.stored_size_px
        assert not photo.camera.uncropped
        assert camera_model(photo.camera, (photo.original_width_px, photo.original_height_px)).source is (
            FocalSource.ASSUMED_DISTANCE)


def test_a_file_saved_long_after_it_was_taken_counts_as_edited():
    taken = ExifCamera(None, 50.0, None, (3000, 2000), (3000, 2000), saved_after_capture_s=2.0)
    edited = ExifCamera(None, 50.0, None, (3000, 2000), (3000, 2000), saved_after_capture_s=86_400.0)
    assert camera_model(taken, (3000, 2000)).source is FocalSource.EXIF_35MM_EQUIVALENT
    assert camera_model(edited, (3000, 2000)).source is FocalSource.ASSUMED_DISTANCE


def test_an_implausible_focal_length_falls_back_to_the_assumed_distance():
    leftover = ExifCamera(200.0, None, 151.5, (626, 1200), (626, 1200))  # 969 mm equivalent
    assert camera_model(leftover, (626, 1200)).source is FocalSource.ASSUMED_DISTANCE
