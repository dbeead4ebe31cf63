"""The capture loop: source -> pipeline -> sinks, until the source ends or the user quits.

The app is also what the user controls with keys in the live window: calibrate, pause (the camera is
released), snooze the alerts, switch profile, show the keys, quit.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from .calibration import (PROFILE_VIEWS, Baseline, CalibrationError, CalibrationRecorder, load_baseline, model_key,
                          save_baseline)
from .capture import FrameSource, Gap
from .config import PROFILES, Settings
from .errors import PostureError
from .i18n import _
from .metrics import detect_view
from .monitor import State
from .overlay import Ghost, OverlayInfo
from .pipeline import Observation, Pipeline
from .sinks import Sink
from .text import event_message, view_name

log = logging.getLogger(__name__)

# The snooze steps of the z key: 15 minutes, an hour, until tomorrow, then off again.
SNOOZE_STEPS = ("15m", "1h", "tomorrow", "off")
# Modelled load on the cervical spine by neck flexion (Hansraj 2014, a computer model; lb -> kg).
HANSRAJ_KG = ((0.0, 5.0), (15.0, 12.2), (30.0, 18.1), (45.0, 22.2), (60.0, 27.2))


def other_model_note(baseline: Baseline, settings: Settings) -> str:
    """What to say when the calibration was made with another pose model than this run's ("" if not)."""
    then, now = model_key(baseline.model), model_key(settings.model)
    if then == now:
        return ""
    again = " --background" if settings.background else f" --model {settings.model}"
    return _("that calibration was made with the {then} pose model and this run uses {now}, which reads some "
             "angles a few degrees differently: calibrate with the same options for the best judgement "
             "(posture-monitor{again} --calibrate)").format(then=then, now=now, again=again)


def neck_load_kg(neck_flexion_deg: float) -> float:
    """Hansraj's modelled load on the neck for a flexion angle (linear between his figures)."""
    table = HANSRAJ_KG
    a = max(table[0][0], min(neck_flexion_deg, table[-1][0]))
    for (a0, k0), (a1, k1) in zip(table, table[1:]):
        if a <= a1:
            return k0 + (k1 - k0) * (a - a0) / (a1 - a0)
    return table[-1][1]  # pragma: no cover


def snooze_seconds(step: str, now: dt.datetime) -> float:
    """How long a snooze step lasts from ``now`` ("15m", "1h", "tomorrow": until the next midnight)."""
    if step == "15m":
        return 15 * 60.0
    if step == "1h":
        return 3600.0
    if step == "tomorrow":
        midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return (midnight - now).total_seconds()
    raise ValueError(f"unknown snooze {step!r}")


@dataclass
class RunResult:
    """How the loop ended."""

    frames: int
    interrupted: bool
    last_t: float | None
    error: PostureError | None = None
    baseline: Baseline | None = None  # a calibration stored during the run


class Calibrator:
    """Makes calibration recorders and stores what they record.

    Args:
        settings: calibration settings, profile, model and source.
        data_dir: where the calibration is stored.
        model_name: the pose model's file name (kept with the baseline).
    """

    def __init__(self, settings: Settings, data_dir: Path, model_name: str) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self.model_name = model_name
        self.path: Path | None = None

    def new_recorder(self) -> CalibrationRecorder:
        c = self.settings.calibration
        return CalibrationRecorder(profile=self.settings.profile, duration_s=c.duration_s, min_present=c.min_present,
                                   max_spread_deg=c.max_spread_deg, source=self.settings.source,
                                   model=self.model_name, photos=self.settings.stills)

    def finish(self, recorder: CalibrationRecorder) -> Baseline:
        """The recorded baseline, stored; raises CalibrationError when it is not usable."""
        baseline = recorder.result()
        self.path = save_baseline(self.data_dir, baseline, self.settings.person)
        if self.settings.history:
            from .history import HistoryError, record_calibration

            try:
                record_calibration(self.data_dir, self.settings.person_name, baseline)
            except HistoryError as exc:  # the calibration itself is stored; the history copy is extra
                log.warning("%s", exc)
        return baseline


class App:
    """Runs one monitoring (or calibration) session.

    Args:
        source: where frames come from.
        pipeline: turns frames into observations.
        sinks: where observations go (log, terminal, window, summary).
        calibrator: makes and stores calibrations (the ``c`` key, ``--calibrate``); None: no calibration.
        calibrate_only: record a calibration, store it and stop.
        reopen: opens the source again after a pause (a camera is released while paused).
        settings_for: the settings of another profile (the 1/2/3 keys).
        clock: monotonic seconds; sleep: waits while paused; wall_clock: the local time (snooze).
    """

    def __init__(self, source: FrameSource, pipeline: Pipeline, sinks: Sequence[Sink], *,
                 calibrator: Calibrator | None = None, calibrate_only: bool = False,
                 reopen: Callable[[], FrameSource] | None = None,
                 settings_for: Callable[[str], Settings] | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 wall_clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.source = source
        self.pipeline = pipeline
        self.sinks = list(sinks)
        self.calibrator = calibrator
        self.calibrate_only = calibrate_only
        self.reopen = reopen
        self.settings_for = settings_for
        self.clock = clock
        self.sleep = sleep
        self.wall_clock = wall_clock
        self.paused = False
        self.show_help = False
        self.message = ""
        self.snooze_step = -1
        self.snooze_end_wall: dt.datetime | None = None
        self._stop = False
        self._baseline: Baseline | None = None
        self._views: list[str] = []
        self.view_warning = ""
        self._source_open = True
        self._last_t: float | None = None
        self._banner = ""
        self._banner_until = -math.inf
        self._states: dict[str, State] = {}
        self._active_until = -math.inf
        self._away_since: float | None = None
        self._rate: float | None = None
        self.camera_releases = 0

    # -- what the user controls --------------------------------------------------------------

    def request_stop(self) -> None:
        """Stop after the current frame (the window's quit key)."""
        self._stop = True

    def handle_key(self, key: str) -> None:
        """A key from the live window."""
        if key in ("q", "esc", "close"):
            self.request_stop()
        elif key == "c":
            self.start_calibration()
        elif key == " ":
            self.toggle_pause()
        elif key == "z":
            self.snooze_next()
        elif key == "h":
            self.show_help = not self.show_help
            self._tell_sinks("redraw")  # the window shows or hides the keys now, even while paused
        elif key in ("1", "2", "3"):
            self.switch_profile(PROFILES[int(key) - 1])

    def keys(self) -> list[tuple[str, str]]:
        """The keys and what they do (the help overlay)."""
        return [("c", _("calibrate: sit upright for a few seconds")), (_("space"), _("pause / resume (camera off)")),
                ("s", _("save a snapshot of the window")), ("1 2 3", _("profile desk, phone or side")),
                ("z", _("snooze alerts: 15 min, 1 h, until tomorrow, off")), ("h", _("show or hide the keys")),
                (_("q, Esc"), _("quit"))]

    def start_calibration(self) -> None:
        """Record the user's upright posture over the next seconds (the ``c`` key)."""
        if self.calibrator is None or self.pipeline.recorder is not None:
            return
        self.pipeline.start_calibration(self.calibrator.new_recorder())
        if self.source.live:
            self.status(_("calibrating: sit upright and still for {seconds:g} s").format(
                seconds=self.calibrator.settings.calibration.duration_s))
        else:
            self.status(_("calibrating from {source}").format(source=self.source.description))

    def toggle_pause(self) -> None:
        """Pause (releasing a camera) or resume (opening it again)."""
        self.paused = not self.paused
        if self.paused:
            if self.source.live:
                self.source.close()
                self._source_open = False
            if self._last_t is not None:
                self.pipeline.gap(self._last_t)
            self.status(_("paused: the camera is off (space resumes)"))
        else:
            if not self._source_open and self.reopen is not None:
                try:
                    self.source = self.reopen()
                    self._source_open = True
                except PostureError as exc:
                    self.paused = True
                    self.status(str(exc))
                    return
            self.status("")

    def snooze(self, step: str) -> None:
        """Snooze the alerts ("15m", "1h", "tomorrow") or end a snooze ("off")."""
        now_t = self._last_t if self._last_t is not None else self.clock()
        if step == "off":
            self.pipeline.monitor.snooze(-math.inf)
            self.snooze_end_wall = None
            self.status(_("alerts on again"))
            return
        seconds = snooze_seconds(step, self.wall_clock())
        self.pipeline.monitor.snooze(now_t + seconds)
        self.snooze_end_wall = self.wall_clock() + dt.timedelta(seconds=seconds)
        self.status(self.snooze_text())

    def snooze_next(self) -> None:
        """The z key: the next snooze step."""
        self.snooze_step = (self.snooze_step + 1) % len(SNOOZE_STEPS)
        self.snooze(SNOOZE_STEPS[self.snooze_step])

    def snooze_text(self) -> str:
        if self.snooze_end_wall is None or self.snooze_end_wall <= self.wall_clock():
            return ""
        when = self.snooze_end_wall.strftime("%H:%M")
        if self.snooze_end_wall.date() > self.wall_clock().date():
            return _("alerts snoozed until tomorrow")
        return _("alerts snoozed until {time}").format(time=when)

    def switch_profile(self, profile: str) -> None:
        """Judge with another profile (the 1/2/3 keys), with its own calibration."""
        if self.settings_for is None or profile == self.pipeline.settings.profile:
            return
        settings = self.settings_for(profile)
        try:
            baseline = load_baseline(settings.data_path, profile, settings.person, settings.model)
        except CalibrationError as exc:
            self.status(str(exc))
            baseline = None
        old = self.pipeline
        self.pipeline = Pipeline(old.tracker.tracker, settings, baseline, finder=old.tracker.finder)
        self.pipeline.monitor.snoozed_until = old.monitor.snoozed_until
        if self.calibrator is not None:
            self.calibrator.settings = settings
        self._views.clear()
        self.view_warning = ""
        self.status(_("profile {profile}").format(profile=profile))
        if baseline is not None and other_model_note(baseline, settings):
            self.status(other_model_note(baseline, settings))
        # Sinks that keep sessions (the history) end this one, with its open alerts closed, and start another.
        closing = old.finish(self._last_t) if self._last_t is not None else []
        self._tell_sinks("new_session", profile, baseline, closing)

    def _tell_sinks(self, method: str, *args: object) -> None:
        """Call an optional sink method (the history's new_session, calibrated) on the sinks that have it."""
        for sink in self.sinks:
            call = getattr(sink, method, None)
            if call is not None:
                call(*args)

    def status(self, message: str) -> None:
        """Tell every sink (terminal, window) something; an empty message clears it."""
        self.message = message
        for sink in self.sinks:
            sink.status(message)

    def overlay_info(self, obs: Observation | None) -> OverlayInfo:
        """The live view's extras for an observation."""
        monitor = self.pipeline.monitor
        baseline = self.pipeline.baseline
        ghost = None
        if baseline is not None and obs is not None and obs.view == baseline.view:
            ghost = Ghost(ear_angle_deg=baseline.extra.get("ear_angle_deg"),
                          nose_height=baseline.extra.get("nose_height"))
        banner = ""
        if obs is not None:
            t = obs.frame.t
            for e in obs.events:
                if e.type in ("alert", "break"):
                    self._banner = event_message(e)
                    self._banner_until = t + 30.0 if e.type == "break" else math.inf
            if self._banner_until == math.inf and not any(s is State.ALERT for s in obs.states.values()):
                self._banner = ""
            if t > self._banner_until:
                self._banner = ""
            banner = self._banner if self.pipeline.settings.notify.banner else ""
        load = ""
        if self.pipeline.settings.profile == "phone" and obs is not None and obs.metrics is not None \
                and obs.metrics.neck_flexion_deg is not None:
            load = _("about {kg:.0f} kg on your neck at {angle:.0f} deg (Hansraj 2014, a model)").format(
                kg=neck_load_kg(obs.metrics.neck_flexion_deg), angle=obs.metrics.neck_flexion_deg)
        mirror = self.pipeline.settings.mirror and obs is not None and obs.view == "front" and self.source.live
        return OverlayInfo(profile=self.pipeline.settings.profile, mirror=bool(mirror), status=self.message,
                           banner=banner, paused=self.paused, snoozed=self.snooze_text(),
                           good_share=monitor.good_share, observed_s=monitor.present_s, show_help=self.show_help,
                           ghost=ghost, keys=self.keys(), neck_load=load)

    # -- the loop ----------------------------------------------------------------------------

    def _finish_calibration(self, at_end: bool) -> None:
        recorder = self.pipeline.recorder
        if recorder is None or self.calibrator is None or not (recorder.done() or at_end):
            return
        self.pipeline.recorder = None
        try:
            baseline = self.calibrator.finish(recorder)
        except CalibrationError:
            if self.calibrate_only:
                raise
            self.status(_("calibration refused: sit upright and still, in view, and press c again"))
            return
        self._baseline = baseline
        self.pipeline.set_baseline(baseline)
        self._tell_sinks("calibrated", baseline)  # the history attaches the calibration to the session
        self.status(_("calibrated: judging against your upright posture"))
        if self.calibrate_only:
            self._stop = True

    def _check_view(self, view: str | None) -> None:
        """Say once when the camera's view does not fit the profile (after 30 judged frames)."""
        if view is None or self.view_warning or len(self._views) >= 30:
            return
        self._views.append(view)
        if len(self._views) < 30:
            return
        profile = self.pipeline.settings.profile
        seen = max(set(self._views), key=self._views.count)
        expected = PROFILE_VIEWS.get(profile)
        if expected is not None and seen != expected:
            better = next(p for p, v in PROFILE_VIEWS.items() if v == seen)
            self.view_warning = _("the camera sees you from the {view}, but the {profile} profile is meant for a "
                                  "{expected} view: try --profile {better} (key {key} in the window)").format(
                view=view_name(seen), profile=profile, expected=view_name(expected), better=better,
                key=PROFILES.index(better) + 1)
            self.status(self.view_warning)

    def _background_step(self, obs: Observation) -> None:
        """In the background: a low rate, raised for a while when a deviation starts; the camera
        released after a while with nobody in view, and looked through now and then."""
        bg = self.pipeline.settings.background_mode
        t = obs.frame.t
        started = any(s is State.DEVIATING and self._states.get(k) is not State.DEVIATING
                      for k, s in obs.states.items())
        self._states = dict(obs.states)
        if started:
            self._active_until = t + bg.active_s
        rate = bg.active_fps if t < self._active_until else bg.fps
        if rate != self._rate:
            self.source.set_max_fps(rate)
            self._rate = rate
        if obs.present:
            self._away_since = None
            return
        if self._away_since is None:
            self._away_since = t
        if self.source.live and self.reopen is not None and t - self._away_since >= bg.release_after_s:
            self._wait_for_return(t)

    def _wait_for_return(self, t: float) -> None:
        """Release the camera; look again every ``check_every_s`` until someone is in view."""
        bg = self.pipeline.settings.background_mode
        self.source.close()
        self._source_open = False
        self.camera_releases += 1
        self.pipeline.gap(t)
        self.status(_("nobody in view: the camera is off, looking again every {seconds:g} s").format(
            seconds=bg.check_every_s))
        assert self.reopen is not None
        while not self._stop:
            self.sleep(bg.check_every_s)
            try:
                self.source = self.reopen()
            except PostureError as exc:
                self.status(str(exc))
                continue
            self._source_open = True
            self.source.set_max_fps(bg.fps)
            for _attempt in range(3):  # a few frames: is someone there?
                item = self.source.read()
                if item is None or isinstance(item, Gap):
                    continue
                obs = self.pipeline.process(item)
                self._last_t = item.t
                for sink in self.sinks:
                    sink.handle(obs)
                if obs.present:
                    self._away_since = None
                    self.status("")
                    return
            self.source.close()
            self._source_open = False
            self.pipeline.gap(self._last_t if self._last_t is not None else t)

    def run(self) -> RunResult:
        """Analyse until the source ends, the user quits or Ctrl+C; sinks are always closed."""
        frames = 0
        interrupted = False
        in_gap = False
        error: PostureError | None = None
        if self.calibrate_only:
            self.start_calibration()
        try:
            while not self._stop:
                if self.paused:
                    self.status(self.message)  # keep the window responsive
                    self.sleep(0.05)
                    continue
                item = self.source.read()
                if item is None:
                    self._finish_calibration(at_end=True)
                    break
                if isinstance(item, Gap):
                    self.pipeline.gap(item.t)
                    self.status(item.message)
                    in_gap = True
                    continue
                if in_gap:
                    self.status("")
                    in_gap = False
                obs = self.pipeline.process(item)
                frames += 1
                self._last_t = item.t
                for sink in self.sinks:
                    sink.handle(obs)
                self._finish_calibration(at_end=False)
                # What the camera sees, also where the profile fixes the view (side): a frontal camera must
                # not be judged as a side view without a word.
                self._check_view(detect_view(obs.landmarks) if obs.present and obs.landmarks is not None
                                 and not obs.dark else None)
                if self.pipeline.settings.background:
                    self._background_step(obs)
        except KeyboardInterrupt:
            interrupted = True
        except PostureError as exc:  # an output failed or a calibration was refused: stop cleanly
            error = exc
        finally:
            final = self.pipeline.finish(self._last_t) if self._last_t is not None else []
            for sink in self.sinks:
                try:
                    sink.close(final)
                except PostureError as exc:
                    error = error or exc
            if self._source_open:
                self.source.close()
        return RunResult(frames=frames, interrupted=interrupted, last_t=self._last_t, error=error,
                         baseline=self._baseline)

