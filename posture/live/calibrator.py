"""Calibrating during a session: making the recorders, storing what they record."""

from __future__ import annotations

import logging
import math
from pathlib import Path

from ..config import Settings
from ..i18n import _
from ..judge.calibration import CalibrationRecorder
from ..storage.calibrations import model_key, save_baseline
from ..types import Baseline

log = logging.getLogger(__name__)


def other_model_note(baseline: Baseline, settings: Settings) -> str:
    """What to say when the calibration was made with another pose model than this run's ("" if not)."""
    then, now = model_key(baseline.model), model_key(settings.model)
    if then == now:
        return ""
    again = " --background" if settings.background else f" --model {settings.model}"
    return _("that calibration was made with the {then} pose model and this run uses {now}, which reads some "
             "angles a few degrees differently: calibrate with the same options for the best judgement "
             "(posture-monitor{again} --calibrate)").format(then=then, now=now, again=again)


class GuidedCalibration:
    """The first calibration of a new user: a countdown to sit upright and look at the screen, then the
    recording. Times are the camera's.

    Args:
        countdown_s: how long the countdown lasts before the recording starts.
    """

    def __init__(self, countdown_s: float = 3.0) -> None:
        self.countdown_s = countdown_s
        self.started: float | None = None  # the first frame's time
        self.recording = False

    def remaining(self, t: float) -> float:
        """Seconds of the countdown left at ``t``."""
        if self.started is None:
            self.started = t
        return max(0.0, self.countdown_s - (t - self.started))

    def text(self, t: float) -> str:
        """What the countdown says at ``t``: "Sit upright and look at the screen: 3"."""
        return _("Sit upright and look at the screen: {n}").format(n=max(1, math.ceil(self.remaining(t))))


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
            from ..storage.db import HistoryError, record_calibration

            try:
                record_calibration(self.data_dir, self.settings.person_name, baseline)
            except HistoryError as exc:  # the calibration itself is stored; the history copy is extra
                log.warning("%s", exc)
        return baseline
