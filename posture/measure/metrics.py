"""Every metric of one person in one frame (posture/types.py defines them; angles in degrees,
distances in centimetres).

Every metric is None ("unknown") when a landmark it needs is not visible enough; nothing is guessed.
"""

from __future__ import annotations

from ..types import LM, VIEWS, Landmarks, Metrics
from .estimators import ESTIMATED, EYES, HIPS, SHOULDERS, estimate
from .geometry import (facing_sign, inclination_from_vertical_deg, mid, roll_deg, trunk_inclination_world_deg,
                       trunk_roll_deg, visible)


def compute_metrics(lm: Landmarks, view: str, *, min_visibility: float = 0.5) -> Metrics:
    """Every metric for one person in one frame.

    Args:
        lm: the person's landmarks.
        view: "front" or "side" (see :func:`detect_view`).
        min_visibility: landmarks below this visibility or presence make their metrics unknown.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    values: dict[str, float | None] = {}
    for quantity, v in ESTIMATED:
        if v == view:
            values[quantity] = estimate(lm, quantity, view, min_visibility)
    shoulders = visible(lm, SHOULDERS, min_visibility)
    hips = visible(lm, HIPS, min_visibility)
    if view == "side":
        if shoulders and hips:
            values["trunk_inclination_deg"] = inclination_from_vertical_deg(
                mid(lm, *HIPS), mid(lm, *SHOULDERS), facing_sign(lm))
    else:
        if shoulders and visible(lm, (LM.LEFT_EAR, LM.RIGHT_EAR), min_visibility):
            values["lateral_lean_deg"] = trunk_roll_deg(lm)
        elif shoulders:  # ears hidden: the shoulder line alone (it tells a lean from a tilt less well)
            values["lateral_lean_deg"] = roll_deg(lm.px[LM.LEFT_SHOULDER], lm.px[LM.RIGHT_SHOULDER])
        if visible(lm, EYES, min_visibility):
            values["head_tilt_deg"] = roll_deg(lm.px[LM.LEFT_EYE], lm.px[LM.RIGHT_EYE])
        if shoulders and hips and lm.world is not None:
            values["trunk_inclination_deg"] = trunk_inclination_world_deg(lm.world)
    return Metrics(view=view, **values)
