"""One analysed frame, end to end: pose -> person -> view -> metrics -> smoothing -> judgement.

The stages live in the folders of the same names; this is the one place that runs them in order.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from .config import Settings
from .judge.bands import metric_bands
from .judge.breaks import BreakReminder
from .judge.calibration import CalibrationRecorder
from .judge.monitor import Monitor, judge_still
from .judge.rules import Rule, awaiting_calibration, rules_from_settings
from .measure.geometry import head_cue
from .measure.metrics import compute_metrics
from .measure.smoothing import Smoother
from .pose.face import FaceModel, with_head
from .pose.people import PersonSelector, PoseModel, UserFollower
from .pose.view import ViewDetector, detect_view
from .problems import KINDS
from .types import Baseline, Event, Frame, HeadPose, Landmarks, Metrics, Observation

if TYPE_CHECKING:
    from .exercise.catalogue import Exercise

# How far the body's head landmarks (in shoulder widths) may move before the background mode looks at
# the face again.
FACE_CUE_MOVE = 0.03
DARK_HYSTERESIS = 1.2  # once too dark, light again only this much above pose.min_face_light
# A face seen this recently and missing now is hidden (a hand, a mug, a turn away), not absent: the head
# metrics are unknown then. One not seen for longer (poor light, a profile) leaves them to the body's
# landmarks.
FACE_MEMORY_S = 10.0


class Pipeline:
    """Turns frames into observations.

    Args:
        pose: the pose estimator that follows the user (VIDEO mode, one pose; for stills, one that
            finds everyone in an image).
        settings: the app settings (view, smoothing, rules, timing, stills).
        baseline: the user's calibration for this profile, if any.
        finder: an estimator that finds everyone in one image, run every few seconds to keep
            ``pose`` on the primary user when others are in the frame; None to skip that.
        face: the face model that gives the head's pose in the front view; None: the body's landmarks only.
    """

    def __init__(self, pose: PoseModel, settings: Settings, baseline: Baseline | None = None,
                 finder: PoseModel | None = None, face: FaceModel | None = None) -> None:
        self.settings = settings
        self.face = face
        self.stills = settings.stills
        kinds = [k for k in KINDS if settings.rules.get(k).enabled]
        self.monitor = Monitor(rules_from_settings(settings.rules, settings.alerts.release_fraction), settings.alerts,
                               kinds=kinds)
        self.selector = PersonSelector()
        self.follower = UserFollower(pose, finder, self.selector, check_s=settings.pose.people_check_s)
        self.set_baseline(baseline)
        sm = settings.smoothing
        self.smoother = Smoother(min_cutoff_hz=sm.min_cutoff_hz, beta=sm.beta, d_cutoff_hz=sm.d_cutoff_hz) \
            if sm.enabled and not self.stills else None
        self.views = ViewDetector()
        self.last_view: str | None = None
        self.dark = False  # too dark around the face at the last frame
        self.face_seen: float | None = None  # when the user's face was last found (front view)
        # In the background the face model runs again only when the body's head landmarks have moved,
        # or after face_every_s at the latest; its last answer holds in between.
        self.face_every_s = settings.background_mode.face_every_s if settings.background else 0.0
        self._faces: list[HeadPose] = []
        self._faces_t: float | None = None
        self._faces_cue: np.ndarray | None = None
        self.recorder: CalibrationRecorder | None = None
        b = settings.breaks
        self.breaks = BreakReminder(b.after_min * 60, b.reset_min * 60) if b.enabled and not self.stills else None

    def for_settings(self, settings: Settings, baseline: Baseline | None) -> "Pipeline":
        """A new pipeline with other settings (another profile) on the same pose models; the snooze
        carries over."""
        new = Pipeline(self.follower.pose, settings, baseline, finder=self.follower.finder, face=self.face)
        new.monitor.snooze(self.monitor.snoozed_until)
        return new

    def set_baseline(self, baseline: Baseline | None) -> None:
        """Judge against a (new) calibration from now on."""
        self.baseline = baseline
        self.rules: dict[str, list[Rule]] = rules_from_settings(
            self.settings.rules, self.settings.alerts.release_fraction, baseline)
        self.monitor.set_rules(self.rules)
        self.awaiting = awaiting_calibration(self.settings.rules, baseline)
        yaw = baseline.median("head_yaw_deg") if baseline is not None else None
        self.upright_yaw = yaw if yaw is not None else 0.0
        self.selector.set_reference(baseline.position if baseline is not None else None)

    def start_calibration(self, recorder: CalibrationRecorder) -> None:
        """Feed the next frames to a calibration recorder as well."""
        self.recorder = recorder

    def _view(self, seen: str, t: float) -> str:
        if self.settings.view != "auto":
            return self.settings.view
        return seen if self.stills else self.views.update(seen, t)

    def process(self, frame: Frame) -> Observation:
        """Analyse one frame."""
        if self.stills:
            self.selector.reset()
        lm, presence = self.follower.find(frame.image, frame.t)
        raw: Metrics | None = None
        dark = wrong_view = False
        seen: str | None = None
        if lm is not None:
            # In the dark the model still places every landmark, with full confidence, where it guesses
            # them to be: nothing is measured then (docs/accuracy.md, robustness). Lit again only 20 %
            # above the limit, so that a face about the limit does not flicker in and out of judgement.
            limit = self.settings.pose.min_face_light * (DARK_HYSTERESIS if self.dark else 1.0)
            dark = lm.face_light is not None and lm.face_light < limit
            seen = None if dark else detect_view(lm)  # in the dark the landmarks are guesses
            if dark and self.last_view is not None:
                view = self.last_view
            else:
                view = self._view(detect_view(lm) if seen is None else seen, frame.t)
            self.last_view = view
            # A view fixed by the settings (--view, the side profile) that the landmarks contradict: the
            # metrics of the wrong view would be nonsense (a frontal neck read as a side view bends
            # 120 deg), so nothing is judged, and the monitor says why once.
            if self.settings.view != "auto" and seen is not None:
                wrong_view = (seen if self.stills else self.views.update(seen, frame.t)) != view
            face_expected = False
            if view == "front" and self.settings.pose.face and not dark:  # the head's pose from the face
                if self.face is not None:
                    lm = with_head(lm, self._find_faces(frame, lm))
                if lm.head is not None:
                    self.face_seen = frame.t
                face_expected = not self.stills and self.face_seen is not None \
                    and 0 <= frame.t - self.face_seen <= FACE_MEMORY_S
            raw = Metrics(view=view) if dark or wrong_view else compute_metrics(
                lm, view, min_visibility=self.settings.pose.min_visibility, face_expected=face_expected,
                upright_yaw_deg=self.upright_yaw)
        self.dark = dark
        if self.recorder is not None:
            self.recorder.add(raw, lm, frame.t, dark=dark, seen=seen)
        view_rules = self.rules.get(raw.view, []) if raw is not None else []
        calibrated = any(r.calibrated for r in view_rules)
        awaiting = self.awaiting.get(self.last_view, frozenset()) if lm is not None and self.last_view else frozenset()
        if self.stills:
            states = judge_still(raw, self.rules, self.monitor.kinds)
            bands = metric_bands(raw, view_rules) if raw is not None else {}
            return Observation(frame, lm, raw, self.last_view if lm is not None else None, states, (), raw, bands,
                               self.follower.count, presence, calibrated, dark, seen, awaiting)
        metrics = self.smoother.update(raw, frame.t) if self.smoother is not None else raw
        events = self.monitor.update(metrics, frame.t,
                                     unknown_reason="dark" if dark else "view" if wrong_view else None)
        reminder = self.breaks.update(lm is not None, frame.t) if self.breaks is not None else None
        if reminder is not None and frame.t >= self.monitor.snoozed_until:  # a snooze holds break reminders too
            events.append(self._offer_exercise(reminder))
        bands = metric_bands(metrics, view_rules) if metrics is not None else {}
        return Observation(frame, lm, metrics, self.last_view, self.monitor.states, tuple(events), raw, bands,
                           self.follower.count, presence, calibrated, dark, seen, awaiting)

    def worst_exercise(self) -> Exercise | None:
        """The exercise against the posture problem that deviated longest so far and that the camera's
        view can watch (the break reminder's offer, the e key), or None where none deviated."""
        from .exercise.catalogue import exercise_for

        worst = sorted(((d.deviating + d.alert, kind) for kind, d in self.monitor.durations().items()), reverse=True)
        return next((e for seconds, kind in worst if seconds > 0 and (e := exercise_for(kind, self.last_view))), None)

    def _offer_exercise(self, reminder: Event) -> Event:
        """The break reminder with a minute of :meth:`worst_exercise` (its id as the event's metric),
        where the settings ask for it and one deviated at all."""
        exercise = self.worst_exercise() if self.settings.breaks.exercise else None
        return dataclasses.replace(reminder, metric=exercise.id) if exercise is not None else reminder

    def _find_faces(self, frame: Frame, lm: Landmarks) -> list[HeadPose]:
        """The faces in the frame; in the background the last ones found, while the body's head
        landmarks have not moved since (by ``FACE_CUE_MOVE`` shoulder widths) and ``face_every_s`` has
        not passed: a still user costs one face inference in ``face_every_s``."""
        assert self.face is not None
        cue = head_cue(lm)
        last = self._faces_t
        still = self._faces_cue is not None and float(np.max(np.abs(cue - self._faces_cue))) < FACE_CUE_MOVE
        if last is None or not (0 <= frame.t - last < self.face_every_s and still):
            self._faces, self._faces_t, self._faces_cue = self.face.estimate_all(frame.image, frame.t), frame.t, cue
        return self._faces

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
