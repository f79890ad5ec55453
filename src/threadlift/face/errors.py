"""Errors of photo analysis: each names a code, says what to do, and maps to one CLI exit code."""

from __future__ import annotations


class PhotoError(Exception):
    """A photo cannot be analysed. ``code`` is stable (used in JSON and tests); the message says what to do."""

    code = "photo_error"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnreadableFile(PhotoError):
    code = "unreadable_file"
    exit_code = 3


class NotAnImage(PhotoError):
    code = "not_an_image"
    exit_code = 4


class CorruptImage(PhotoError):
    code = "corrupt_image"
    exit_code = 5


class ImageTooLarge(PhotoError):
    code = "too_large"
    exit_code = 6


class NoFace(PhotoError):
    code = "no_face"
    exit_code = 7


class MultipleFaces(PhotoError):
    code = "multiple_faces"
    exit_code = 8


class CalibrationError(PhotoError):
    code = "calibration_failed"
    exit_code = 9


ALL_ERRORS: tuple[type[PhotoError], ...] = (
    UnreadableFile, NotAnImage, CorruptImage, ImageTooLarge, NoFace, MultipleFaces, CalibrationError,
)
