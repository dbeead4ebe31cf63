"""Every metric of one person in one frame (posture/types.py defines them; angles in degrees,
distances in centimetres).

Every metric is None ("unknown") when a landmark it needs is not visible enough; nothing is guessed.
"""

from __future__ import annotations

from ..types import LM, VIEWS, Landmarks, Metrics
from .estimators import ESTIMATED, EYES, HIPS, SHOULDERS, estimate
from .geometry import (facing_sign, front_trunk_inclination_deg, inclination_from_vertical_deg, mid, roll_deg,
                       trunk_roll_deg, visible)


# What the head's pose from the face carries in the front view: unknown while the face is expected and
# hidden (a hand, a mug), rather than read off the body's head landmarks, which the model keeps placing
# with full confidence behind a hand (docs/accuracy.md, robustness).
FACE_METRICS = ("cva_deg", "head_forward_cm", "neck_flexion_deg", "head_tilt_deg")

# A look to the side (a second screen, a colleague) is not a posture. The head's pitch and roll come
# from a full decomposition of the face's rotation and the face's distance and heights barely move as the
# head turns, so a turn by itself leaves the head metrics be; but the further the face turns from the
# camera, the less of it the models see. Turned further than this from where the head faces when
# upright (the calibration's yaw, else straight at the camera), the head is not judged. On the real
# webcam recordings people turned their heads up to 15 deg while leaning or tilting, and one up to
# 39 deg: a gate at 20 deg cost 1.2 points of tilt recall there, at 30 deg 0.3. A second screen beside
# the first is 30-35 deg to the side.
HEAD_TURN_LIMIT_DEG = 30.0


def compute_metrics(lm: Landmarks, view: str, *, min_visibility: float = 0.5, face_expected: bool = False,
                    upright_yaw_deg: float = 0.0) -> Metrics:
    """Every metric for one person in one frame.

    Args:
        lm: the person's landmarks (with the head's pose from the face, where it was found).
        view: "front" or "side" (see :func:`detect_view`).
        min_visibility: landmarks below this visibility or presence make their metrics unknown.
        face_expected: the person's face was found a moment ago: in the front view, without it now the
            head metrics are unknown instead of falling back to the body's landmarks.
        upright_yaw_deg: where the head faces when the user sits upright (the calibration's head turn):
            turned further than ``HEAD_TURN_LIMIT_DEG`` from it, the head is not judged.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    turned = view == "front" and lm.head is not None \
        and abs(lm.head.yaw_deg - upright_yaw_deg) > HEAD_TURN_LIMIT_DEG
    hidden = view == "front" and (face_expected and lm.head is None or turned)
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
        if head is not None and shoulders and not turned:  # turned: a look to the side is not judged
            # The head against the trunk: the face's roll less the shoulder line's, so that a sideways
            # lean, which carries the head with the trunk, is not also a head tilt (docs/accuracy.md).
            values["head_tilt_deg"] = head.roll_deg - roll_deg(lm.px[LM.LEFT_SHOULDER], lm.px[LM.RIGHT_SHOULDER])
        elif visible(lm, EYES, min_visibility) and not hidden:
            values["head_tilt_deg"] = roll_deg(lm.px[LM.LEFT_EYE], lm.px[LM.RIGHT_EYE])
        if shoulders:  # judged only against a calibration (the slump's front_calibrated_only)
            values["trunk_inclination_deg"] = front_trunk_inclination_deg(lm)
    return Metrics(view=view, **values)
