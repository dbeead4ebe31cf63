"""The capture loop: source -> pipeline -> sinks, until the source ends or the user quits.

What the user controls (keys, snooze, profiles) is in controls.py, what the window shows besides the
picture in view.py, the background mode's pacing in background.py.
"""

from __future__ import annotations

import logging
import math
import queue
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from ..errors import CalibrationError, PostureError
from ..i18n import _
from ..pipeline import Pipeline
from ..problems import PROFILE_VIEWS, PROFILES
from ..sinks import Sink
from ..sources import FrameSource
from ..text import view_name
from ..types import Baseline, Frame, Gap, Observation
from .background import BackgroundPacer
from .calibrator import Calibrator, GuidedCalibration

log = logging.getLogger(__name__)

VIEW_CHECK_FRAMES = 30  # judged frames after which the camera's view is compared with the profile's


@dataclass
class RunResult:
    """How the loop ended."""

    frames: int
    interrupted: bool
    last_t: float | None
    error: PostureError | None = None
    baseline: Baseline | None = None  # a calibration stored during the run


class App:
    """Runs one monitoring (or calibration) session.

    Args:
        source: where frames come from.
        pipeline: turns frames into observations.
        sinks: where observations go (log, terminal, window, summary, history).
        calibrator: makes and stores calibrations (the ``c`` key, ``--calibrate``); None: no calibration.
        calibrate_only: record a calibration, store it and stop.
        reopen: opens the source again after a pause (a camera is released while paused).
        check_view: say when the camera's view does not fit the profile (not in an exercise session,
            where the exercise decides the view).
        clock: monotonic seconds; sleep: waits (while paused, or with the camera released).
    """

    def __init__(self, source: FrameSource, pipeline: Pipeline, sinks: Sequence[Sink], *,
                 calibrator: Calibrator | None = None, calibrate_only: bool = False,
                 reopen: Callable[[], FrameSource] | None = None, check_view: bool = True,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.source = source
        self.pipeline = pipeline
        self.sinks = list(sinks)
        self.calibrator = calibrator
        self.calibrate_only = calibrate_only
        self.reopen = reopen
        self.check_view = check_view
        self.clock = clock
        self.sleep = sleep
        self.pacer = BackgroundPacer(pipeline.settings.background_mode) if pipeline.settings.background else None
        self.paused = False
        self.tray = False  # a tray icon drives the session too (its menu pauses and resumes)
        self.message = ""
        self.message_until = math.inf  # on the clock: when a transient message is gone from the window
        self._interrupted = False
        self.view_warning = ""
        self.camera_releases = 0
        self.guide: GuidedCalibration | None = None  # a first calibration being guided
        self._stop = False
        self._baseline: Baseline | None = None
        self._views: list[str] = []
        self._source_open = True
        self._last_t: float | None = None
        self._posted: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.camera_lost = False  # the source reported a gap (a camera unplugged, frames not coming)
        self.camera_released = False  # nobody in view: the camera is off until someone is back (background)
        self.answer_within_s: float | None = None  # set where another thread posts: the longest wait between looks
        self.watched = False  # someone watches the live window: analyse at the window's rate, not the background's

    # -- what another thread (the tray's) asks of the session ----------------------------------

    def post(self, command: Callable[[], None]) -> None:
        """Run ``command`` in the session's thread between two frames (thread-safe): the tray's menu
        and the Qt window's keys act on the session only through this."""
        self._posted.put(command)

    def _run_posted(self) -> None:
        while True:
            try:
                command = self._posted.get_nowait()
            except queue.Empty:
                return
            command()

    def _idle(self, seconds: float, until: Callable[[], bool]) -> None:
        """Wait ``seconds``, in steps of ``answer_within_s`` running what is posted in between, until
        ``until()`` or a stop."""
        left = seconds
        while not self._stop and not until() and left > 0:
            step = min(self.answer_within_s or left, left)
            self.sleep(step)
            left -= step
            self._run_posted()

    def watch(self, watched: bool) -> None:
        """The live window was shown or hidden: in the background mode, analyse at the window's rate
        while it is shown, and go back to the background's rate when it is hidden."""
        self.watched = watched
        if self.pacer is not None:
            self.pacer.reset()
            if watched and self._source_open:
                self.source.set_max_fps(self.pipeline.settings.background_mode.window_fps)

    # -- what the controls ask of the session ------------------------------------------------

    def now(self) -> float:
        """The session's time: the last frame's, or the clock's before the first frame."""
        return self._last_t if self._last_t is not None else self.clock()

    def request_stop(self, interrupted: bool = False) -> None:
        """Stop after the current frame (the window's quit key; ``interrupted``: Ctrl+C or SIGTERM
        caught by the tray's event loop, ended as the terminal's Ctrl+C ends a run)."""
        self._stop = True
        self._interrupted = self._interrupted or interrupted

    def status(self, message: str, fade_s: float = 0.0) -> None:
        """Tell every sink (terminal, window, log) something; an empty message clears it. With
        ``fade_s`` the window shows it that long only (a snapshot saved), the terminal as always."""
        self.message = message
        self.message_until = self.clock() + fade_s if fade_s > 0 else math.inf
        for sink in self.sinks:
            sink.status(message)

    def redraw(self) -> None:
        """What is shown changed between frames (the keys shown or hidden)."""
        for sink in self.sinks:
            sink.redraw()

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

    def guide_calibration(self, countdown_s: float = 3.0) -> None:
        """Start with a guided calibration: a countdown, then the recording of the upright posture."""
        if self.calibrator is not None:
            self.guide = GuidedCalibration(countdown_s)

    def skip_calibration(self) -> None:
        """Skip the guided calibration (the ``n`` key): judge against general limits until ``c``."""
        if self.guide is None:
            return
        if self.guide.recording:
            self.pipeline.recorder = None
        self.guide = None
        self.status(_("calibration skipped: judging against general limits (press c to calibrate)"))

    def _guide(self, t: float) -> None:
        """The guided calibration's countdown, and its start once the countdown is over."""
        guide = self.guide
        if guide is None or guide.recording:
            return
        if guide.remaining(t) > 0:
            if guide.text(t) != self.message:  # once a second: 3, 2, 1
                self.status(guide.text(t))
            return
        guide.recording = True
        self.start_calibration()

    def paused_text(self) -> str:
        """What a pause says: the camera is off, and how to resume (space in the window; the tray's menu
        where the session has a tray icon)."""
        if self.tray:
            return _("paused: the camera is off (resume in the tray's menu, or with space in the window)")
        return _("paused: the camera is off (space resumes)")

    def toggle_pause(self) -> None:
        """Pause (releasing a camera) or resume (opening it again)."""
        self.paused = not self.paused
        if self.paused:
            if self.source.live:
                self.source.close()
                self._source_open = False
            if self._last_t is not None:
                self.pipeline.gap(self._last_t)
            self.status(self.paused_text())
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

    def switch_pipeline(self, new: Pipeline, said: Sequence[str] = ()) -> None:
        """Judge with another pipeline (another profile) from the next frame on: the old one's open
        alerts end here, and the sinks that keep sessions (the history) start another."""
        old, self.pipeline = self.pipeline, new
        if self.calibrator is not None:
            self.calibrator.settings = new.settings
        self._views.clear()
        self.view_warning = ""
        for message in said:
            self.status(message)
        closing = old.finish(self._last_t) if self._last_t is not None else []
        for sink in self.sinks:
            sink.new_session(new.settings.profile, new.baseline, closing)

    # -- the loop ----------------------------------------------------------------------------

    def _finish_calibration(self, at_end: bool) -> None:
        recorder = self.pipeline.recorder
        if recorder is None or self.calibrator is None or not (recorder.done() or at_end):
            return
        self.pipeline.recorder = None
        guided, self.guide = self.guide is not None, None
        try:
            baseline = self.calibrator.finish(recorder)
        except CalibrationError as exc:
            if self.calibrate_only:
                raise
            again = _("press c to try again") if guided else _("press c again")
            self.status(_("{why}; {again}").format(why=exc, again=again))
            return
        self._baseline = baseline
        self.pipeline.set_baseline(baseline)
        for sink in self.sinks:  # the history attaches the calibration to the session
            sink.calibrated(baseline)
        self.status(_("calibrated: judging against your upright posture"))
        if self.calibrate_only:
            self._stop = True

    def _check_view(self, view: str | None) -> None:
        """Say once when the camera's view does not fit the profile (after 30 judged frames), also
        where the profile fixes the view (side): a frontal camera must not be judged as a side view
        without a word."""
        if view is None or not self.check_view or self.view_warning or len(self._views) >= VIEW_CHECK_FRAMES:
            return
        self._views.append(view)
        if len(self._views) < VIEW_CHECK_FRAMES:
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

    def _dispatch(self, frame: Frame) -> Observation:
        obs = self.pipeline.process(frame)
        self._last_t = frame.t
        for sink in self.sinks:
            sink.handle(obs)
        return obs

    def _wait_for_return(self, t: float) -> None:
        """Release the camera; look again every ``check_every_s`` until someone is in view."""
        assert self.pacer is not None and self.reopen is not None
        bg = self.pacer.settings
        self.source.close()
        self._source_open = False
        self.camera_releases += 1
        self.pipeline.gap(t)
        self.camera_released = True
        self.status(_("nobody in view: the camera is off, looking again every {seconds:g} s").format(
            seconds=bg.check_every_s))
        while not self._stop:
            self._idle(bg.check_every_s, until=lambda: self.paused)
            if self.paused or self._stop:  # paused from the tray: resuming opens the camera again
                self.camera_released = False
                return
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
                if self._dispatch(item).present:
                    self.pacer.back()
                    self.camera_released = False
                    self.status("")
                    return
            self.source.close()
            self._source_open = False
            self.pipeline.gap(self.now())

    def _stop_on_signals(self) -> dict[int, object]:
        """Ctrl+C and SIGTERM also ask the loop to stop, before they raise as they always did: a signal
        that lands while Python runs a finalizer (a MediaPipe image's ``__del__``) has its
        KeyboardInterrupt swallowed there, and the run would go on to the end with exit code 0.
        Only in the main thread (in the tray's worker thread Qt's side handles them); returns what to
        restore."""
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return {}
        previous: dict[int, object] = {}

        def stop(signum: int, frame: object) -> None:
            self.request_stop(interrupted=True)
            handler = previous.get(signum)
            if callable(handler):  # the command line's own (SIGTERM: exit 143), or Python's KeyboardInterrupt
                handler(signum, frame)
            else:
                raise KeyboardInterrupt

        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, stop)
        return previous

    def run(self) -> RunResult:
        """Analyse until the source ends, the user quits or Ctrl+C; sinks are always closed."""
        frames = 0
        interrupted = False
        in_gap = False
        error: PostureError | None = None
        if self.calibrate_only:
            self.start_calibration()
        restore = self._stop_on_signals()
        try:
            while not self._stop:
                self._run_posted()
                if self._stop:
                    break
                if self.paused:
                    self.redraw()  # keep the window responsive (its keys are read when it draws)
                    self._idle(0.05, until=lambda: not self.paused)
                    continue
                item = self.source.read()
                if item is None:
                    self._finish_calibration(at_end=True)
                    break
                if isinstance(item, Gap):
                    self.pipeline.gap(item.t)
                    self.camera_lost = True
                    self.status(item.message)
                    in_gap = True
                    continue
                if in_gap:
                    self.camera_lost = False
                    self.status("")
                    in_gap = False
                self._guide(item.t)
                obs = self._dispatch(item)
                frames += 1
                self._finish_calibration(at_end=False)
                self._check_view(obs.seen_view)
                if self.pacer is not None and not self.watched and self.pacer.step(obs, self.source) \
                        and self.source.live and self.reopen is not None:
                    self._wait_for_return(item.t)
        except KeyboardInterrupt:
            interrupted = True
        except PostureError as exc:  # an output failed or a calibration was refused: stop cleanly
            error = exc
        finally:
            import signal

            for signum, handler in restore.items():
                signal.signal(signum, handler)  # type: ignore[arg-type]
            final = self.pipeline.finish(self._last_t) if self._last_t is not None else []
            for sink in self.sinks:
                try:
                    sink.close(final)
                except PostureError as exc:
                    error = error or exc
            if self._source_open:
                self.source.close()
        return RunResult(frames=frames, interrupted=interrupted or self._interrupted, last_t=self._last_t, error=error,
                         baseline=self._baseline)
