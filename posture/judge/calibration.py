"""Calibration: the user's own upright posture, recorded for a few seconds.

A :class:`~posture.types.Baseline` holds robust statistics (median and median absolute deviation) of
every metric, the camera view it was taken in, where the person sat in the picture, and when and from
what it was recorded. With a baseline the rules judge deviations from the user's own upright posture.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from ..errors import CalibrationError
from ..i18n import _, ngettext
from ..measure.geometry import front_face_heights, side_cva_proxy_deg
from ..problems import PROBLEMS, PROFILE_VIEWS
from ..text import metric_label, view_name
from ..types import LM, METRIC_KEYS, Baseline, Landmarks, Metrics, MetricStats, Position

# The angles that must hold still while the calibration records: those the problems judge (the head's
# raw turn and roll may wander as the user looks about the screen).
ANGLE_KEYS = tuple(k for k in METRIC_KEYS if k.endswith("_deg") and any(p.metric == k for p in PROBLEMS))


class CalibrationRecorder:
    """Collects the frames of a calibration and turns them into a :class:`Baseline`.

    Args:
        profile: the profile being calibrated.
        duration_s: how long to record (from the first frame).
        min_present: share of the frames that must show the person.
        max_spread_deg: largest median absolute deviation an angle may have (the person sat still).
        source, model: recorded with the baseline.
        photos: the frames are separate photos: all of them count (the recording ends with the
            source, not after ``duration_s``), and their order means nothing (no check for a change
            of posture between the first and the second half).
    """

    def __init__(self, *, profile: str, duration_s: float = 5.0, min_present: float = 0.8,
                 max_spread_deg: float = 3.0, source: str = "", model: str = "", photos: bool = False) -> None:
        self.profile = profile
        self.photos = photos
        self.duration_s = math.inf if photos else duration_s
        self.min_present = min_present
        self.max_spread_deg = max_spread_deg
        self.source = source
        self.model = model
        self._start: float | None = None
        self._last: float | None = None
        self._frames = 0
        self._dark = 0
        self._metrics: list[Metrics] = []
        self._seen: list[str] = []  # the view each frame's landmarks show
        self._positions: list[Position] = []
        self._ghost: dict[str, list[float]] = {"ear_angle_deg": [], "nose_height": []}

    def add(self, metrics: Metrics | None, landmarks: Landmarks | None, t: float, dark: bool = False,
            seen: str | None = None) -> None:
        """One analysed frame (raw, unsmoothed metrics); ``dark``: too dark around the face to measure;
        ``seen``: the view the landmarks show (where the settings fix another view for the metrics)."""
        if self._start is None:
            self._start = t
        self._last = t
        self._frames += 1
        self._dark += dark
        if metrics is not None and landmarks is not None and not dark:
            self._metrics.append(metrics)
            self._seen.append(seen or metrics.view)
            self._positions.append(Position.of(landmarks))
            # Raw angles of the upright posture, for the live view's ghost lines.
            if metrics.view == "side":
                self._ghost["ear_angle_deg"].append(side_cva_proxy_deg(landmarks))
            elif landmarks.visible(LM.NOSE, 0.5):
                self._ghost["nose_height"].append(front_face_heights(landmarks)[2])

    def done(self) -> bool:
        """Enough time has been recorded."""
        return self._start is not None and self._last is not None and self._last - self._start >= self.duration_s

    def progress(self) -> float:
        """0..1 of the recording time."""
        if self._start is None or self._last is None:
            return 0.0
        return min(1.0, (self._last - self._start) / self.duration_s)

    def result(self, now: dt.datetime | None = None) -> Baseline:
        """The baseline; raises :class:`CalibrationError` when the recording is not usable."""
        if self._frames == 0:
            raise CalibrationError(_("calibration got no frames from the source"))
        present = len(self._metrics) / self._frames
        unusable = present < self.min_present or len(self._metrics) < 3
        if unusable and 2 * self._dark > self._frames - len(self._metrics):  # mostly too dark
            raise CalibrationError(_(
                "calibration refused: it was too dark around your face in {dark:.0%} of the frames; light "
                "your face from the front and try again").format(dark=self._dark / self._frames))
        if len(self._metrics) < 3 and self._frames < 3:
            raise CalibrationError(ngettext(
                "calibration refused: {n} frame is too few; give a clip of a few seconds or at least 3 photos",
                "calibration refused: {n} frames are too few; give a clip of a few seconds or at least 3 photos",
                self._frames).format(n=self._frames))
        if unusable:
            raise CalibrationError(_(
                "calibration refused: you were in view in only {present:.0%} of the frames (at least "
                "{needed:.0%} needed); sit in front of the camera and try again").format(
                    present=present, needed=self.min_present))
        # The view the camera really has (also where the profile fixes the view the metrics are read in):
        # a front view read as a side view is refused for its view, not for the wild angles it gives.
        seen = max(set(self._seen), key=self._seen.count)
        expected = PROFILE_VIEWS.get(self.profile)
        if expected is not None and seen != expected:
            raise CalibrationError(_(
                "calibration refused: the camera sees you from the {view}, but the {profile} profile needs a "
                "{expected} view; move the camera or choose the profile that fits (--profile)").format(
                    view=view_name(seen), profile=self.profile, expected=view_name(expected)))
        views = [m.view for m in self._metrics]
        view = max(set(views), key=views.count)

        same_view = [m for m in self._metrics if m.view == view]
        stats: dict[str, MetricStats] = {}
        for key in METRIC_KEYS:
            values = np.array([getattr(m, key) for m in same_view if getattr(m, key) is not None], dtype=float)
            if values.size < max(3, len(same_view) // 2):
                continue
            median = float(np.median(values))
            mad = float(np.median(np.abs(values - median)))
            if key in ANGLE_KEYS and mad > self.max_spread_deg:
                raise CalibrationError(_(
                    "calibration refused: you moved too much ({metric} varied by {spread:.1f} deg, at most "
                    "{allowed:.1f} allowed); sit still in your upright posture and try again").format(
                        metric=metric_label(key), spread=mad, allowed=self.max_spread_deg))
            half = 0 if self.photos else values.size // 2
            shift = abs(float(np.median(values[:half]) - np.median(values[half:]))) if half >= 3 else 0.0
            if key in ANGLE_KEYS and shift > 2 * self.max_spread_deg:  # a step: two postures, not one
                raise CalibrationError(_(
                    "calibration refused: your posture changed while it recorded ({metric} moved by {shift:.1f} "
                    "deg between its first and second half); hold one upright posture and try again").format(
                        metric=metric_label(key), shift=shift))
            stats[key] = MetricStats(median, mad, int(values.size))
        if "cva_deg" not in stats:
            raise CalibrationError(_("calibration refused: your head and shoulders were not visible enough; "
                                     "make sure the camera sees both"))
        xs = np.array([[p.x, p.y, p.size, p.aspect] for p in self._positions])
        position = Position(*(float(v) for v in np.median(xs, axis=0)))
        created = (now or dt.datetime.now().astimezone()).isoformat(timespec="seconds")
        assert self._start is not None and self._last is not None
        extra = {k: float(np.median(v)) for k, v in self._ghost.items() if v}
        return Baseline(profile=self.profile, view=view, created=created, source=self.source, model=self.model,
                        duration_s=round(self._last - self._start, 2), frames=len(same_view), stats=stats,
                        position=position, extra=extra)
