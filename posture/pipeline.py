"""One analysed frame, end to end: pose -> metrics -> smoothing -> judgement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Protocol, Sequence

import numpy as np

from .capture import Frame
from .config import Settings
from .landmarks import Landmarks
from .metrics import Metrics, compute_metrics, detect_view
from .monitor import Event, Monitor, Rule, State, judge_still, rules_from_settings
from .smoothing import Smoother


class PoseModel(Protocol):
    """What the pipeline needs of a pose estimator (``pose.PoseEstimator``)."""

    def estimate(self, image_bgr: np.ndarray, t: float) -> Landmarks | None: ...


@dataclass(frozen=True, eq=False)
class Observation:
    """Everything known about one analysed frame; what the sinks receive.

    Attributes:
        frame: the frame itself.
        landmarks: the person's landmarks, None when nobody is in view.
        metrics: the (smoothed) metrics that were judged, None when nobody is in view.
        view: the camera view used ("front" or "side"), None before anyone was seen.
        states: the state of each watched alert kind after this frame.
        events: alerts raised or ended by this frame.
    """

    frame: Frame
    landmarks: Landmarks | None
    metrics: Metrics | None
    view: str | None
    states: Mapping[str, State]
    events: Sequence[Event] = field(default_factory=tuple)

    @property
    def present(self) -> bool:
        """Someone is in view."""
        return self.landmarks is not None


class ViewTracker:
    """Automatic view detection with hysteresis: a new view must persist before it is adopted.

    Args:
        hold_s: how long the other view must be detected without interruption.
    """

    def __init__(self, hold_s: float = 1.0) -> None:
        self.hold_s = hold_s
        self.view: str | None = None
        self._candidate: str | None = None
        self._since = 0.0

    def update(self, detected: str, t: float) -> str:
        """The view to use for a frame in which ``detected`` was seen."""
        if self.view is None:
            self.view = detected
        elif detected == self.view:
            self._candidate = None
        elif detected != self._candidate:
            self._candidate, self._since = detected, t
        elif t - self._since >= self.hold_s:
            self.view, self._candidate = detected, None
        return self.view

    def reset(self) -> None:
        """Forget the view (a new, unrelated image)."""
        self.view = self._candidate = None


class Pipeline:
    """Turns frames into observations.

    Args:
        pose: the pose estimator.
        settings: the app settings (view, smoothing, rules, timing, stills).
    """

    def __init__(self, pose: PoseModel, settings: Settings) -> None:
        self.pose = pose
        self.settings = settings
        self.stills = settings.stills
        self.rules: dict[str, list[Rule]] = rules_from_settings(settings.rules, settings.alerts.release_fraction)
        self.monitor = Monitor(self.rules, settings.alerts)
        sm = settings.smoothing
        self.smoother = Smoother(min_cutoff_hz=sm.min_cutoff_hz, beta=sm.beta, d_cutoff_hz=sm.d_cutoff_hz) \
            if sm.enabled and not self.stills else None
        self.views = ViewTracker()
        self.last_view: str | None = None

    def _view(self, lm: Landmarks, t: float) -> str:
        if self.settings.view != "auto":
            return self.settings.view
        detected = detect_view(lm)
        return detected if self.stills else self.views.update(detected, t)

    def process(self, frame: Frame) -> Observation:
        """Analyse one frame."""
        lm = self.pose.estimate(frame.image, frame.t)
        metrics: Metrics | None = None
        if lm is not None:
            view = self._view(lm, frame.t)
            self.last_view = view
            metrics = compute_metrics(lm, view, min_visibility=self.settings.pose.min_visibility)
        if self.stills:
            states = judge_still(metrics, self.rules)
            return Observation(frame, lm, metrics, self.last_view if lm is not None else None, states)
        if self.smoother is not None:
            metrics = self.smoother.update(metrics, frame.t)
        events = self.monitor.update(metrics, frame.t)
        return Observation(frame, lm, metrics, self.last_view, self.monitor.states, tuple(events))

    def gap(self, t: float) -> None:
        """No frames for a while (camera lost): restart smoothing, do not count the time."""
        if self.smoother is not None:
            self.smoother.reset()
        self.monitor.gap(t)

    def finish(self, t: float) -> list[Event]:
        """End of the session: close open alerts."""
        return [] if self.stills else self.monitor.finish(t)
