"""Drawing the observation onto the frame: skeleton, angles, states. Draws only; decides nothing."""

from __future__ import annotations

import cv2
import numpy as np

from .i18n import _
from .landmarks import LM, SKELETON
from .monitor import State
from .pipeline import Observation
from .text import metric_label, short_label, unit

# Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), in BGR.
COLOURS = {
    State.GOOD: (115, 158, 0),  # bluish green
    State.DEVIATING: (0, 159, 230),  # orange
    State.ALERT: (0, 94, 213),  # vermillion
    State.UNKNOWN: (160, 160, 160),  # grey
}
SYMBOLS = {State.GOOD: "OK", State.DEVIATING: "~", State.ALERT: "!!", State.UNKNOWN: "?"}
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, colour: tuple[int, int, int],
          thickness: int = 2) -> None:
    """Text with a dark outline, readable on any background."""
    cv2.putText(img, text, org, FONT, scale, (0, 0, 0), thickness + 3, cv2.LINE_AA)
    cv2.putText(img, text, org, FONT, scale, colour, thickness, cv2.LINE_AA)


def draw_skeleton(img: np.ndarray, obs: Observation, colour: tuple[int, int, int]) -> None:
    """Bones and joints of the person, scaled to the image size."""
    lm = obs.landmarks
    if lm is None:
        return
    thick = max(2, img.shape[1] // 250)
    pts = lm.px.astype(int)
    for a, b in SKELETON:
        if lm.presence[a] > 0.5 and lm.presence[b] > 0.5:
            cv2.line(img, tuple(pts[a]), tuple(pts[b]), colour, thick, cv2.LINE_AA)
    for i in (LM.NOSE, LM.LEFT_EAR, LM.RIGHT_EAR, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP):
        if lm.presence[i] > 0.5:
            cv2.circle(img, tuple(pts[i]), thick + 3, (255, 255, 255), -1, cv2.LINE_AA)
            cv2.circle(img, tuple(pts[i]), thick + 3, colour, 2, cv2.LINE_AA)


def worst_state(obs: Observation) -> State:
    """The most urgent state of all problems (for the skeleton colour)."""
    order = (State.ALERT, State.DEVIATING, State.GOOD)
    for s in order:
        if s in obs.states.values():
            return s
    return State.UNKNOWN


def draw_overlay(image: np.ndarray, obs: Observation, *, status: str = "") -> np.ndarray:
    """A copy of ``image`` with the observation drawn on it.

    Args:
        image: (H, W, 3) BGR frame.
        obs: what was measured and judged for it.
        status: an extra line (e.g. "camera lost, reconnecting").
    """
    img = image.copy()
    h, w = img.shape[:2]
    scale = max(0.5, w / 1000.0)
    line = int(34 * scale)
    draw_skeleton(img, obs, COLOURS[worst_state(obs)])

    # Metrics panel, top left.
    y = line
    if obs.metrics is None:
        _text(img, _("Nobody in view") if not status else status, (10, y), scale, (255, 255, 255))
        y += line
    else:
        _text(img, _("side view") if obs.metrics.view == "side" else _("front view"), (10, y), scale * 0.8,
              (255, 255, 255))
        y += line
        for key, value in obs.metrics.values().items():
            if value is None:
                continue
            _text(img, f"{metric_label(key)}: {value:.0f} {unit(key)}", (10, y), scale, (255, 255, 255))
            y += line

    # States panel, top right.
    y = line
    for kind, state in obs.states.items():
        text = f"{short_label(kind)} {SYMBOLS[state]}"
        (tw, _th), _base = cv2.getTextSize(text, FONT, scale, 2)
        _text(img, text, (w - tw - 10, y), scale, COLOURS[state])
        y += line

    alerts = [short_label(k) for k, s in obs.states.items() if s is State.ALERT]
    if alerts:
        banner = _("Posture alert: {problems}").format(problems=", ".join(alerts))
        cv2.rectangle(img, (0, h - int(1.6 * line)), (w, h), COLOURS[State.ALERT], -1)
        _text(img, banner, (10, h - int(0.5 * line)), scale, (255, 255, 255))
    elif status:
        _text(img, status, (10, h - int(0.5 * line)), scale * 0.8, (255, 255, 255))
    return img
