"""Background pacing for a day at the desk: a low analysis rate, raised for a while when a deviation
starts, and the camera released after a while with nobody in view."""

from __future__ import annotations

import math
from typing import Protocol

from ..config import BackgroundSettings
from ..types import Observation, State


class Paced(Protocol):
    """The part of a frame source the pacer sets."""

    def set_max_fps(self, fps: float | None) -> None: ...


class BackgroundPacer:
    """Decides, frame by frame, how often to analyse and when to let the camera go.

    Args:
        settings: the background mode's rates and times.
    """

    def __init__(self, settings: BackgroundSettings) -> None:
        self.settings = settings
        self._states: dict[str, State] = {}
        self._active_until = -math.inf
        self._away_since: float | None = None
        self._rate: float | None = None

    def step(self, obs: Observation, source: Paced) -> bool:
        """Set the source's rate after this frame; True when the camera should be released now."""
        bg = self.settings
        t = obs.frame.t
        started = any(s is State.DEVIATING and self._states.get(k) is not State.DEVIATING
                      for k, s in obs.states.items())
        self._states = dict(obs.states)
        if started:  # a glance or a lasting deviation? look more often for the glance filter's time
            self._active_until = t + bg.active_s
        rate = bg.active_fps if t < self._active_until else bg.fps
        if rate != self._rate:
            source.set_max_fps(rate)
            self._rate = rate
        if obs.present:
            self._away_since = None
            return False
        if self._away_since is None:
            self._away_since = t
        return t - self._away_since >= bg.release_after_s

    def reset(self) -> None:
        """Start over (the live window was shown or hidden): set the rate again at the next frame."""
        self._rate = None
        self._away_since = None

    def back(self) -> None:
        """Someone is back after the camera was released."""
        self._away_since = None
