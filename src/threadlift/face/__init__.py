"""Photo analysis: load, find the face, pose, calibrate, check quality, measure, grade.

Pure functions over arrays and small frozen dataclasses; MediaPipe is touched only by
``threadlift.face._mediapipe``. Millimetres and degrees carry their unit in every name, and left and
right are the patient's own sides.
"""

from threadlift.face.analysis import AnalysisSettings, Analyzer, FaceAnalysis, analyze
from threadlift.face.calibrate import Calibration
from threadlift.face.errors import PhotoError
from threadlift.face.load import Photo, load_photo
from threadlift.face.measure import MeasurementResult
from threadlift.face.pose import HeadPose, View

__all__ = [
    "AnalysisSettings",
    "Analyzer",
    "Calibration",
    "FaceAnalysis",
    "HeadPose",
    "MeasurementResult",
    "Photo",
    "PhotoError",
    "View",
    "analyze",
    "load_photo",
]
