"""Every metric of one person in one frame (posture/types.py defines them; angles in degrees,
distances in centimetres).

Every metric is None ("unknown") when a landmark it needs is not visible enough; nothing is guessed.
"""

from __future__ import annotations

from ..types import LM, VIEWS, Landmarks, Metrics
from .estimators import ESTIMATED, EYES, HIPS, SHOULDERS, estimate
from .geometry import (facing_sign, inclination_from_vertical_deg, mid, roll_deg, trunk_inclination_world_deg,
                       trunk_roll_deg, visible)


# What the head's pose from the face carries in the front view: unknown while the face is expected and
# hidden (a hand, a mug), rather than read off the body's head landmarks, which the model keeps placing
# with full confidence behind a hand (docs/accuracy.md, robustness).
FACE_METRICS = ("cva_deg", "head_forward_cm", "neck_flexion_deg", "head_tilt_deg")


def compute_metrics(lm: Landmarks, view: str, *, min_visibility: float = 0.5, face_expected: bool = False) -> Metrics:
    """Every metric for one person in one frame.

    Args:
        lm: the person's landmarks (with the head's pose from the face, where it was found).
        view: "front" or "side" (see :func:`detect_view`).
        min_visibility: landmarks below this visibility or presence make their metrics unknown.
        face_expected: the person's face was found a moment ago: in the front view, without it now the
            head metrics are unknown instead of falling back to the body's landmarks.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    hidden = view == "front" and face_expected and lm.head is None
    values: dict[str, float | None] = {}
    for quantity, v in ESTIMATED:
        if v == view and not (hidden and quantity in FACE_METRICS):
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
        head = lm.head
        if head is not None:
            values.update(head_pitch_deg=head.pitch_deg, head_yaw_deg=head.yaw_deg, head_roll_deg=head.roll_deg,
                          face_x_cm=head.x_cm, face_y_cm=head.y_cm, face_z_cm=head.z_cm)
        if head is not None and shoulders:
            # The head against the trunk: the face's roll less the shoulder line's, so that a sideways
            # lean, which carries the head with the trunk, is not also a head tilt (docs/accuracy.md).
            values["head_tilt_deg"] = head.roll_deg - roll_deg(lm.px[LM.LEFT_SHOULDER], lm.px[LM.RIGHT_SHOULDER])
        elif visible(lm, EYES, min_visibility) and not hidden:
            values["head_tilt_deg"] = roll_deg(lm.px[LM.LEFT_EYE], lm.px[LM.RIGHT_EYE])
        if shoulders and hips and lm.world is not None:
            values["trunk_inclination_deg"] = trunk_inclination_world_deg(lm.world)
    return Metrics(view=view, **values)
