"""Photos as files, for the command line: analysed, drawn on, compared over time, a lift previewed.

No record is involved: the clinician names the files. The photo engine (:mod:`threadlift.face`) does
the measuring; these are the use cases the command line offers on it, so the command line depends on
them and the types they show, never on the engine's modules themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from threadlift.face.analysis import AnalysisSettings, Analyzer, FaceAnalysis, default_analyzer
from threadlift.face.areas import Side
from threadlift.face.compare import Comparison, Series, compare_series
from threadlift.face.compare_draw import plot_series, save_comparison_image
from threadlift.face.compare_report import comparison_to_dict, series_to_dict
from threadlift.face.errors import PhotoError
from threadlift.face.load import load_photo
from threadlift.face.overlay import save_overlay
from threadlift.face.report import error_to_dict
from threadlift.face.simulate import simulate

DEFAULT_PASSES = AnalysisSettings().passes
SIDES = {"both": (Side.LEFT, Side.RIGHT), "left": (Side.LEFT,), "right": (Side.RIGHT,)}
WHOLE_PHOTO_PX = 10**6  # previews are drawn on the photo at its own size


def analyser(passes: int = DEFAULT_PASSES) -> Analyzer:
    """An analyser averaging ``passes`` refinement passes per photo (its models load on first use)."""
    return Analyzer(AnalysisSettings(passes=passes))


def analyse(analyzer: Analyzer, photo: Path, *, mm_per_px: float | None = None, marker_mm: float | None = None,
            strict: bool = False) -> FaceAnalysis:
    """One photo's analysis; raises :class:`PhotoError` (with its exit code) for an unusable file."""
    return analyzer.analyze(photo, mm_per_px=mm_per_px, marker_mm=marker_mm, strict=strict)


def write_overlay(result: FaceAnalysis, target: Path) -> None:
    """The photo with its landmarks and measurements drawn on it, as a PNG."""
    save_overlay(result, target)


def failure_document(photo: Path, error: PhotoError) -> dict[str, Any]:
    """A photo that could not be analysed, as its JSON document (schema: analysis.schema.json)."""
    return error_to_dict(str(photo), error)


@contextmanager
def sample_photo() -> Iterator[Path]:
    """The sample portrait shipped with ThreadLift (public domain, NASA), as a file while in use."""
    with resources.as_file(resources.files("threadlift.face.data").joinpath("sample_astronaut.png")) as path:
        yield path


def compare_files(photos: Sequence[Path], dates: Sequence[date] | None = None, *, force: bool = False,
                  analysed: Callable[[Path], None] = lambda photo: None) -> Series:
    """Each later photo against the first (tissue movement per area in mm, with its uncertainty);
    ``analysed`` is called after each photo's analysis (for progress). Raises :class:`UnusablePhoto` for
    a photo that cannot be analysed, ``ValueError`` for dates that do not fit the photos."""
    analyzer = default_analyzer()
    analyses = []
    for photo in photos:
        try:
            analyses.append(analyzer.analyze(photo))
        except PhotoError as error:
            raise UnusablePhoto(photo, error) from error
        analysed(photo)
    return compare_series(analyses, dates, force=force, analyzer=analyzer)


class UnusablePhoto(Exception):
    """One of several photos could not be analysed: which one, and the engine's reason."""

    def __init__(self, photo: Path, error: PhotoError) -> None:
        super().__init__(f"{photo}: {error.message} [{error.code}]")
        self.photo, self.error = photo, error


def comparison_document(comparison: Comparison, days_since_baseline: int | None = None) -> dict[str, Any]:
    return comparison_to_dict(comparison, days_since_baseline=days_since_baseline)


def series_document(series: Series) -> dict[str, Any]:
    return series_to_dict(series)


def write_comparison_picture(comparison: Comparison, target: Path) -> Path:
    """The aligned pair, the overlay and the arrows in mm, as a PNG."""
    return save_comparison_image(comparison, target)


def write_lift_plot(series: Series, target: Path) -> Path:
    """Lift against days since the baseline, per area and side (three photos or more)."""
    return plot_series(series, target)


def lift_preview(photo: Path, lifts_mm: dict[str, float], side: str = "both") -> NDArray[np.uint8]:
    """The photo, at its own size, with ``lifts_mm`` by area applied on ``side`` (both, left or right: the
    patient's): an illustration, not a prediction. Raises :class:`PhotoError`, or ``ValueError`` for an
    unknown side or area."""
    if side not in SIDES:
        raise ValueError(f"--side {side}: choose both, left or right")
    analysis = default_analyzer().analyze(photo)
    return simulate(load_photo(photo, working_long_side_px=WHOLE_PHOTO_PX).rgb, analysis, lifts_mm,
                    sides=SIDES[side])
