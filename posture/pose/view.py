"""Which way the person faces the camera: a front view (a webcam in front of them) or a side view."""

from __future__ import annotations

import math

import numpy as np

from ..types import LM, Landmarks


def _mid(lm: Landmarks, a: int, b: int) -> np.ndarray:
    return np.asarray((lm.px[a] + lm.px[b]) / 2.0)


def shoulder_yaw_deg(lm: Landmarks) -> float:
    """How far the shoulder line is turned away from the image plane: 0 = frontal, 90 = side-on.

    From the world landmarks (their depth), or from the image when there are none (the apparent
    shoulder width against the neck length).
    """
    if lm.world is not None:
        s = lm.world[LM.LEFT_SHOULDER] - lm.world[LM.RIGHT_SHOULDER]
        return math.degrees(math.atan2(abs(float(s[2])), abs(float(s[0])) + 1e-9))
    width = abs(float(lm.px[LM.LEFT_SHOULDER, 0] - lm.px[LM.RIGHT_SHOULDER, 0]))
    neck = float(np.linalg.norm(_mid(lm, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER) - _mid(lm, LM.LEFT_EAR, LM.RIGHT_EAR)))
    # A frontal person's shoulders are about twice the neck length apart; side-on they overlap.
    ratio = min(width / max(neck, 1e-6) / 2.0, 1.0)
    return math.degrees(math.acos(ratio))


# Measured with the full model: side views (rendered side-on and the oblique real side_desk photos)
# turn the shoulders 57-90 deg, frontal webcams 0-40 deg (99th percentiles).
SIDE_VIEW_YAW_DEG = 50.0


def detect_view(lm: Landmarks) -> str:
    """"side" when the shoulder line is turned more than 50 deg from the image plane, else "front"."""
    return "side" if shoulder_yaw_deg(lm) > SIDE_VIEW_YAW_DEG else "front"


class ViewDetector:
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
