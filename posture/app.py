"""The capture loop: source -> pipeline -> sinks, until the source ends or the user quits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .calibration import PROFILE_VIEWS, Baseline, CalibrationError, CalibrationRecorder, save_baseline
from .capture import FrameSource, Gap
from .config import Settings
from .errors import PostureError
from .i18n import _
from .pipeline import Pipeline
from .sinks import Sink


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
                                   model=self.model_name)

    def finish(self, recorder: CalibrationRecorder) -> Baseline:
        """The recorded baseline, stored; raises CalibrationError when it is not usable."""
        baseline = recorder.result()
        self.path = save_baseline(self.data_dir, baseline)
        return baseline


class App:
    """Runs one monitoring (or calibration) session.

    Args:
        source: where frames come from.
        pipeline: turns frames into observations.
        sinks: where observations go (log, terminal, window, summary).
        calibrator: makes and stores calibrations (the ``c`` key, ``--calibrate``); None: no calibration.
        calibrate_only: record a calibration, store it and stop.
    """

    def __init__(self, source: FrameSource, pipeline: Pipeline, sinks: Sequence[Sink], *,
                 calibrator: Calibrator | None = None, calibrate_only: bool = False) -> None:
        self.source = source
        self.pipeline = pipeline
        self.sinks = list(sinks)
        self.calibrator = calibrator
        self.calibrate_only = calibrate_only
        self._stop = False
        self._baseline: Baseline | None = None
        self._views: list[str] = []
        self.view_warning = ""

    def request_stop(self) -> None:
        """Stop after the current frame (the window's quit key)."""
        self._stop = True

    def start_calibration(self) -> None:
        """Record the user's upright posture over the next seconds (the window's ``c`` key)."""
        if self.calibrator is None or self.pipeline.recorder is not None:
            return
        self.pipeline.start_calibration(self.calibrator.new_recorder())
        self._status(_("calibrating: sit upright and still for {seconds:g} s").format(
            seconds=self.calibrator.settings.calibration.duration_s))

    def _status(self, message: str) -> None:
        for sink in self.sinks:
            sink.status(message)

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
            self._status(_("calibration refused: sit upright and still, in view, and press c again"))
            return
        self._baseline = baseline
        self.pipeline.set_baseline(baseline)
        self._status(_("calibrated: judging against your upright posture"))
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
            names = {"side": _("side"), "front": _("front")}
            self.view_warning = _("the camera sees you from the {view}, but the {profile} profile is meant for a "
                                  "{expected} view: try --profile {better}").format(
                view=names[seen], profile=profile, expected=names[expected], better=better)
            self._status(self.view_warning)

    def run(self) -> RunResult:
        """Analyse until the source ends, the user quits or Ctrl+C; sinks are always closed."""
        frames = 0
        last_t: float | None = None
        interrupted = False
        in_gap = False
        error: PostureError | None = None
        if self.calibrate_only:
            self.start_calibration()
        try:
            while not self._stop:
                item = self.source.read()
                if item is None:
                    self._finish_calibration(at_end=True)
                    break
                if isinstance(item, Gap):
                    self.pipeline.gap(item.t)
                    self._status(item.message)
                    in_gap = True
                    continue
                if in_gap:
                    self._status("")
                    in_gap = False
                obs = self.pipeline.process(item)
                frames += 1
                last_t = item.t
                for sink in self.sinks:
                    sink.handle(obs)
                self._finish_calibration(at_end=False)
                self._check_view(obs.view if obs.present else None)
        except KeyboardInterrupt:
            interrupted = True
        except PostureError as exc:  # an output failed or a calibration was refused: stop cleanly
            error = exc
        finally:
            final = self.pipeline.finish(last_t) if last_t is not None else []
            for sink in self.sinks:
                try:
                    sink.close(final)
                except PostureError as exc:
                    error = error or exc
            self.source.close()
        return RunResult(frames=frames, interrupted=interrupted, last_t=last_t, error=error, baseline=self._baseline)
