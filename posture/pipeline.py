"""One analysed frame, end to end: pose -> person -> metrics -> smoothing -> judgement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from .bands import Band, cva_band, neck_flexion_band, relative_band, trunk_band
from .breaks import BreakReminder
from .calibration import Baseline, CalibrationRecorder
from .capture import Frame
from .config import ALERT_KINDS, Settings
from .landmarks import Landmarks
from .metrics import Metrics, compute_metrics, detect_view
from .monitor import Event, Monitor, Rule, State, judge_still, rules_from_settings
from .people import AWAY, PeopleTracker, PersonSelector, PoseModel
from .smoothing import Smoother

DARK_HYSTERESIS = 1.2  # once too dark, light again only this much above pose.min_face_light


@dataclass(frozen=True, eq=False)
class Observation:
    """Everything known about one analysed frame; what the sinks receive.

    Attributes:
        frame: the frame itself.
        landmarks: the primary user's landmarks, None when nobody is judged (in the dark they are the
            model's guesses: see ``dark``).
        metrics: the (smoothed) metrics that were judged, None when nobody is judged; every value
            None when it is too dark to measure.
        view: the camera view used ("front" or "side"), None before anyone was seen.
        states: the state of each watched alert kind after this frame.
        events: alerts raised or ended by this frame.
        raw: the unsmoothed metrics.
        bands: clinical band of each known metric.
        people: how many people the model found.
        presence: "present", "away" (nobody) or "moved" (the user left their place: not judged).
        calibrated: the judgement uses the user's own calibration in this view.
        dark: too dark around the face to measure anything (``pose.min_face_light``).
    """

    frame: Frame
    landmarks: Landmarks | None
    metrics: Metrics | None
    view: str | None
    states: Mapping[str, State]
    events: Sequence[Event] = field(default_factory=tuple)
    raw: Metrics | None = None
    bands: Mapping[str, Band] = field(default_factory=dict)
    people: int = 0
    presence: str = AWAY
    calibrated: bool = False
    dark: bool = False

    @property
    def present(self) -> bool:
        """The user is in view (judged, or too dark to judge)."""
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


def metric_bands(metrics: Metrics, rules: Sequence[Rule]) -> dict[str, Band]:
    """The band of every known metric: clinical where a source gives numbers, else against the rule.

    Neck flexion and trunk inclination are banded from the rule's upright reference (0 from the side,
    the user's own upright value with a calibration); the CVA on its clinical scale from the side.
    """
    by_metric = {r.metric: r for r in rules}
    out: dict[str, Band] = {}
    for key, value in metrics.values().items():
        if value is None:
            continue
        rule = by_metric.get(key)
        if key == "cva_deg" and metrics.view == "side":
            out[key] = cva_band(value)
        elif key == "neck_flexion_deg":
            out[key] = neck_flexion_band(value - (rule.neutral if rule else 0.0))
        elif key == "trunk_inclination_deg":
            out[key] = trunk_band(value - (rule.neutral if rule else 0.0))
        elif rule is not None:
            out[key] = relative_band(rule.badness(value), rule.release_fraction)
    return out


class Pipeline:
    """Turns frames into observations.

    Args:
        pose: the pose estimator that follows the user (VIDEO mode, one pose; for stills, one that
            finds everyone in an image).
        settings: the app settings (view, smoothing, rules, timing, stills).
        baseline: the user's calibration for this profile, if any.
        finder: an estimator that finds everyone in one image, run every few seconds to keep the
            tracker on the primary user when others are in the frame; None to skip that.
    """

    def __init__(self, pose: PoseModel, settings: Settings, baseline: Baseline | None = None,
                 finder: PoseModel | None = None) -> None:
        self.settings = settings
        self.stills = settings.stills
        kinds = [k for k in ALERT_KINDS if settings.rules.get(k).enabled]
        self.monitor = Monitor(rules_from_settings(settings.rules, settings.alerts.release_fraction), settings.alerts,
                               kinds=kinds)
        self.people = PersonSelector()
        self.tracker = PeopleTracker(pose, finder, self.people, check_s=settings.pose.people_check_s)
        self.set_baseline(baseline)
        sm = settings.smoothing
        self.smoother = Smoother(min_cutoff_hz=sm.min_cutoff_hz, beta=sm.beta, d_cutoff_hz=sm.d_cutoff_hz) \
            if sm.enabled and not self.stills else None
        self.views = ViewTracker()
        self.last_view: str | None = None
        self.dark = False  # too dark around the face at the last frame
        self.recorder: CalibrationRecorder | None = None
        b = settings.breaks
        self.breaks = BreakReminder(b.after_min * 60, b.reset_min * 60) if b.enabled and not self.stills else None

    def set_baseline(self, baseline: Baseline | None) -> None:
        """Judge against a (new) calibration from now on."""
        self.baseline = baseline
        self.rules: dict[str, list[Rule]] = rules_from_settings(
            self.settings.rules, self.settings.alerts.release_fraction, baseline)
        self.monitor.set_rules(self.rules)
        self.people.set_reference(baseline.position if baseline is not None else None)

    def start_calibration(self, recorder: CalibrationRecorder) -> None:
        """Feed the next frames to a calibration recorder as well."""
        self.recorder = recorder

    def _view(self, lm: Landmarks, t: float) -> str:
        if self.settings.view != "auto":
            return self.settings.view
        detected = detect_view(lm)
        return detected if self.stills else self.views.update(detected, t)

    def process(self, frame: Frame) -> Observation:
        """Analyse one frame."""
        if self.stills:
            self.people.reset()
        lm, presence = self.tracker.find(frame.image, frame.t)
        raw: Metrics | None = None
        dark = False
        if lm is not None:
            # In the dark the model still places every landmark, with full confidence, where it guesses
            # them to be: nothing is measured then (docs/accuracy.md, robustness). Lit again only 20 %
            # above the limit, so that a face about the limit does not flicker in and out of judgement.
            limit = self.settings.pose.min_face_light * (DARK_HYSTERESIS if self.dark else 1.0)
            dark = lm.face_light is not None and lm.face_light < limit
            view = self.last_view if dark and self.last_view is not None else self._view(lm, frame.t)
            self.last_view = view
            raw = Metrics(view=view) if dark else compute_metrics(lm, view,
                                                                   min_visibility=self.settings.pose.min_visibility)
        self.dark = dark
        if self.recorder is not None:
            self.recorder.add(raw, lm, frame.t, dark=dark)
        view_rules = self.rules.get(raw.view, []) if raw is not None else []
        calibrated = any(r.calibrated for r in view_rules)
        if self.stills:
            states = judge_still(raw, self.rules, self.monitor.kinds)
            bands = metric_bands(raw, view_rules) if raw is not None else {}
            return Observation(frame, lm, raw, self.last_view if lm is not None else None, states, (), raw, bands,
                               self.tracker.count, presence, calibrated, dark)
        metrics = self.smoother.update(raw, frame.t) if self.smoother is not None else raw
        events = self.monitor.update(metrics, frame.t, unknown_reason="dark" if dark else None)
        reminder = self.breaks.update(lm is not None, frame.t) if self.breaks is not None else None
        if reminder is not None and frame.t >= self.monitor.snoozed_until:  # a snooze holds break reminders too
            events.append(reminder)
        bands = metric_bands(metrics, view_rules) if metrics is not None else {}
        return Observation(frame, lm, metrics, self.last_view, self.monitor.states, tuple(events), raw, bands,
                           self.tracker.count, presence, calibrated, dark)

    def gap(self, t: float) -> None:
        """No frames for a while (camera lost): restart smoothing, do not count the time."""
        if self.smoother is not None:
            self.smoother.reset()
        self.monitor.gap(t)
        if self.breaks is not None:
            self.breaks.gap(t)

    def finish(self, t: float) -> list[Event]:
        """End of the session: close open alerts."""
        return [] if self.stills else self.monitor.finish(t)
