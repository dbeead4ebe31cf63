"""Calibration: the user's own upright posture, recorded for a few seconds and kept per profile.

A :class:`Baseline` holds robust statistics (median and median absolute deviation) of every metric,
the camera view it was taken in, where the person sat in the picture, and when and from what it was
recorded. With a baseline the rules judge deviations from the user's own upright posture.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Collection, Mapping

import numpy as np

from .errors import PostureError
from .i18n import _, ngettext
from .landmarks import LM, Landmarks
from .metrics import METRIC_KEYS, Metrics, front_face_heights, side_cva_proxy_deg

# The view each profile is meant for; a calibration in another view is refused.
PROFILE_VIEWS = {"desk": "front", "phone": "front", "side": "side"}
ANGLE_KEYS = tuple(k for k in METRIC_KEYS if k.endswith("_deg"))
BASELINE_VERSION = 1


class CalibrationError(PostureError):
    """A calibration that cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class MetricStats:
    """Robust statistics of one metric during the calibration."""

    median: float
    mad: float  # median absolute deviation
    n: int


@dataclass(frozen=True)
class Position:
    """Where the person sat: shoulder midpoint as a fraction of the image, and their size.

    ``size`` is the shoulder-to-ear distance as a fraction of the image height (it works in both
    views, unlike the shoulder width).
    """

    x: float
    y: float
    size: float
    aspect: float = 4 / 3  # image width / height

    @classmethod
    def of(cls, lm: Landmarks) -> "Position":
        """The position of a person in their image."""
        w, h = lm.image_size
        shoulders = (lm.px[LM.LEFT_SHOULDER] + lm.px[LM.RIGHT_SHOULDER]) / 2.0
        ears = (lm.px[LM.LEFT_EAR] + lm.px[LM.RIGHT_EAR]) / 2.0
        return cls(float(shoulders[0] / w), float(shoulders[1] / h), float(np.linalg.norm(shoulders - ears) / h),
                   float(w / h))

    def distance(self, other: "Position") -> float:
        """How far apart two positions are: the shift in units of the person's size, plus the
        change of size (coming nearer or moving back) as a log ratio."""
        size = max(self.size, other.size, 1e-6)
        shift = math.hypot((self.x - other.x) * self.aspect, self.y - other.y) / size
        scale = abs(math.log(max(other.size, 1e-6) / max(self.size, 1e-6)))
        return shift + scale


@dataclass(frozen=True)
class Baseline:
    """A user's upright posture for one profile."""

    profile: str
    view: str
    created: str  # ISO 8601 local time
    source: str
    model: str
    duration_s: float
    frames: int
    stats: Mapping[str, MetricStats]
    position: Position
    version: int = BASELINE_VERSION
    extra: Mapping[str, Any] = field(default_factory=dict)

    def median(self, metric: str) -> float | None:
        """The upright value of a metric, None if it was not measurable."""
        s = self.stats.get(metric)
        return None if s is None else s.median

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Baseline":
        """Read a stored baseline; raises CalibrationError if it is not one."""
        try:
            return cls(profile=str(data["profile"]), view=str(data["view"]), created=str(data["created"]),
                       source=str(data["source"]), model=str(data["model"]),
                       duration_s=float(data["duration_s"]), frames=int(data["frames"]),
                       stats={k: MetricStats(float(v["median"]), float(v["mad"]), int(v["n"]))
                              for k, v in data["stats"].items()},
                       position=Position(**data["position"]), version=int(data.get("version", 1)),
                       extra=dict(data.get("extra", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(_("the stored calibration is damaged ({problem}): calibrate again").format(
                problem=exc)) from None

    def describe(self) -> str:
        """One line for people."""
        return _("calibration of {date} ({view} view, {frames} frames)").format(
            date=self.created[:16].replace("T", " "), view=_("side") if self.view == "side" else _("front"),
            frames=self.frames)


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
        self._positions: list[Position] = []
        self._ghost: dict[str, list[float]] = {"ear_angle_deg": [], "nose_height": []}

    def add(self, metrics: Metrics | None, landmarks: Landmarks | None, t: float, dark: bool = False) -> None:
        """One analysed frame (raw, unsmoothed metrics); ``dark``: too dark around the face to measure."""
        if self._start is None:
            self._start = t
        self._last = t
        self._frames += 1
        self._dark += dark
        if metrics is not None and landmarks is not None and not dark:
            self._metrics.append(metrics)
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
        views = [m.view for m in self._metrics]
        view = max(set(views), key=views.count)
        expected = PROFILE_VIEWS.get(self.profile)
        from .text import metric_label, view_name  # here: text imports the monitor, which imports this module

        if expected is not None and view != expected:
            raise CalibrationError(_(
                "calibration refused: the camera sees you from the {view}, but the {profile} profile needs a "
                "{expected} view; move the camera or choose the profile that fits (--profile)").format(
                    view=view_name(view), profile=self.profile, expected=view_name(expected)))

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


def person_folder(person: str) -> str:
    """A named person's folder name, one per name: a plain lower-case name as it is ("pat-07"), any
    other with a short hash of it ("pat_07-1c2e4f6a" for "pat 07", "Anna-…" for "Anna"), so that two
    names never share a folder, also where the file system ignores case."""
    plain = _plain(person)
    if plain == person and person == person.lower():
        return plain
    return f"{plain}-{hashlib.sha1(person.encode('utf-8')).hexdigest()[:8]}"


def _plain(person: str) -> str:
    """The name with everything but letters, digits, '.', '-' and '_' replaced (the folder name before
    version 0.1.1, which two names could share)."""
    return re.sub(r"[^\w.-]+", "_", person).strip("._") or "_"


def person_files(data_dir: Path, person: str, in_use: Collection[str] = ()) -> list[Path]:
    """The folders that hold a named person's files (calibrations and snapshots), leaving out any that
    also belongs to one of the names ``in_use``."""
    taken = {f for name in in_use for f in (person_folder(name), _plain(name))}
    names = [n for n in dict.fromkeys((person_folder(person), _plain(person))) if n not in taken]
    return [data_dir / kind / n for kind in ("calibrations/people", "snapshots") for n in names]


def model_key(model: str) -> str:
    """The pose model a calibration belongs to: "full", "lite" or a bundle's own name. The models
    read some angles differently (the lite model puts a side view's neck about 7 deg further back on
    the rendered clips), so each keeps its own calibration."""
    stem = Path(model).name.removesuffix(".task")
    return stem.removeprefix("pose_landmarker_") or "full"  # not recorded: the default model


def baseline_path(data_dir: Path, profile: str, person: str | None = None, model: str = "full") -> Path:
    """Where a profile's calibration is kept: per named person (a therapist's patients each have
    their own), else the user's own; the full model's as ``desk.json``, another model's beside it
    (``desk.lite.json``)."""
    folder = data_dir / "calibrations"
    if person:
        folder = folder / "people" / person_folder(person)
    key = model_key(model)
    return folder / (f"{profile}.json" if key == "full" else f"{profile}.{key}.json")


def save_baseline(data_dir: Path, baseline: Baseline, person: str | None = None) -> Path:
    """Store a baseline (atomically: a crash never leaves half a file). Returns the path."""
    path = baseline_path(data_dir, baseline.profile, person, baseline.model)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(baseline.to_json(), fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise CalibrationError(_("cannot store the calibration in {folder}: {problem}").format(
            folder=path.parent, problem=exc.strerror or exc)) from None
    return path


def load_baseline(data_dir: Path, profile: str, person: str | None = None, model: str = "full") -> Baseline | None:
    """The stored baseline of a (person's) profile for this pose model; without one, the one made with
    the other model (its ``model`` says so: the caller tells the user); None if there is none."""
    for name in dict.fromkeys((model, "lite" if model_key(model) == "full" else "full")):
        paths = [baseline_path(data_dir, profile, person, name)]
        if person and _plain(person) != person_folder(person):  # kept by an earlier version
            paths.append(paths[0].parent.parent / _plain(person) / paths[0].name)
        for path in paths:
            baseline = _read_baseline(path)
            if baseline is not None:
                return baseline
    return None


def _read_baseline(path: Path) -> Baseline | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CalibrationError(_("cannot read the calibration {path}: {problem}").format(
            path=path, problem=exc.strerror or exc)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise CalibrationError(_("the stored calibration {path} is damaged: calibrate again").format(
            path=path)) from None
    return Baseline.from_json(data)
