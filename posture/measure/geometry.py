"""Posture geometry as pure functions of the landmarks: arrays in, numbers out. Angles in degrees.

Conventions (image coordinates: x to the right, y down; world coordinates: MediaPipe's, metres,
origin between the hips, x to the image's right, y down, z away from the camera):

* ``facing`` is +1 when the person faces image-right in a side view, -1 when image-left.
* An angle "above the forward horizontal" is 90 deg for a point straight above, smaller when the
  point lies further forward (the clinical craniovertebral-angle convention).
* Left and right are the person's (MediaPipe's landmark names).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..types import LM, Landmarks

# ---------------------------------------------------------------------------------------------
# Geometric primitives (arrays in, numbers out)


def angle_above_forward_deg(origin: np.ndarray, target: np.ndarray, facing: float) -> float:
    """Angle of the line origin -> target above the forward horizontal, in image coordinates.

    90 = target straight above origin; less than 90 = target ahead (in the facing direction);
    more than 90 = target behind.

    Args:
        origin, target: (2,) pixel positions (y down).
        facing: +1 if forward is image-right, -1 if image-left.
    """
    up = float(origin[1] - target[1])
    forward = float(target[0] - origin[0]) * facing
    return math.degrees(math.atan2(up, forward))


def roll_deg(left: np.ndarray, right: np.ndarray) -> float:
    """Roll of the line between a left and a right landmark in a front view, in degrees.

    Positive when the person's left point is lower than the right one (tilted towards their left),
    0 when level. In an unmirrored front view the person's left is on the image's right.
    """
    dx = float(left[0] - right[0])
    dy = float(left[1] - right[1])
    if dx < 0:  # facing away or crossed over: measure the roll of the line as drawn
        dx, dy = -dx, -dy
    return math.degrees(math.atan2(dy, dx))


def inclination_from_vertical_deg(lower: np.ndarray, upper: np.ndarray, facing: float) -> float:
    """How far the line lower -> upper leans forward from the vertical (image coordinates, degrees)."""
    return 90.0 - angle_above_forward_deg(lower, upper, facing)


# ---------------------------------------------------------------------------------------------
# Features of one person


def shoulder_width(lm: Landmarks) -> float:
    """The shoulder line's length in the picture (pixels; never zero): the scale of the front view."""
    return max(float(np.linalg.norm(lm.px[LM.LEFT_SHOULDER] - lm.px[LM.RIGHT_SHOULDER])), 1e-6)


def mid(lm: Landmarks, a: int, b: int) -> np.ndarray:
    return np.asarray((lm.px[a] + lm.px[b]) / 2.0)


def visible(lm: Landmarks, indices: Sequence[int], min_visibility: float) -> bool:
    return all(lm.visible(i, min_visibility) for i in indices)


def near_side(lm: Landmarks) -> str:
    """"left" or "right": the side of the body nearer the camera, by the landmarks' depth.

    MediaPipe's visibility is not used: in side views it rates the far ear as visible as the near one.
    """
    left = lm.depth[LM.LEFT_EAR] + lm.depth[LM.LEFT_SHOULDER]
    right = lm.depth[LM.RIGHT_EAR] + lm.depth[LM.RIGHT_SHOULDER]
    return "left" if left < right else "right"


def facing_sign(lm: Landmarks) -> float:
    """+1 when the person faces image-right (nose right of the ears), else -1."""
    return 1.0 if lm.px[LM.NOSE, 0] >= mid(lm, LM.LEFT_EAR, LM.RIGHT_EAR)[0] else -1.0


def side_cva_proxy_deg(lm: Landmarks) -> float:
    """Side-view CVA proxy: camera-side ear over the shoulder midpoint, above the forward horizontal.

    The clinical CVA is measured at C7, which lies on the midline: in a true side view both
    shoulders project onto one spot, and in an oblique view their midpoint stays nearer the spine
    than the camera-side shoulder (on the real side_desk photos: AUC 0.89 against 0.83).
    """
    ear = lm.px[LM.LEFT_EAR] if near_side(lm) == "left" else lm.px[LM.RIGHT_EAR]
    return angle_above_forward_deg(mid(lm, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), ear, facing_sign(lm))


def height_above_line(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Perpendicular distance of ``point`` above the line through ``a`` and ``b`` (image y is down).

    Measured square to the line, so that a rolled line (a sideways lean, a tilted head) does not
    change it.
    """
    d = b - a
    n = float(np.hypot(d[0], d[1]))
    if n == 0.0:
        return float(a[1] - point[1])
    normal_up = np.array([d[1], -d[0]]) / n
    if normal_up[1] > 0:
        normal_up = -normal_up
    return float(np.dot(point - a, normal_up))


def person_sign(lm: Landmarks) -> float:
    """Front view: +1 when the person's left shoulder is on the image's right (an unmirrored camera)."""
    return 1.0 if lm.px[LM.LEFT_SHOULDER, 0] >= lm.px[LM.RIGHT_SHOULDER, 0] else -1.0


def neck_angle_deg(lm: Landmarks) -> float:
    """Front view: the shoulder-midpoint -> ear-midpoint line's angle from the image vertical.

    Positive when the head lies towards the person's left. A head tilt swings the ears sideways by
    less than the head rolls (the head turns about the neck); a lean carries them further.
    """
    v = mid(lm, LM.LEFT_EAR, LM.RIGHT_EAR) - mid(lm, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
    return math.degrees(math.atan2(float(v[0]) * person_sign(lm), -float(v[1])))


# A lean pivots the trunk over the hips and carries the head with it; a tilt turns the head about the
# neck. Rounded from a logistic regression of lean against tilt on the real front_webcam recordings,
# refitted in every leave-one-video-out fold (fold means 1 : 0.46 : -0.53, sd 0.03).
TRUNK_ROLL_NECK_WEIGHT = 0.5


def trunk_roll_deg(lm: Landmarks) -> float:
    """Front view: sideways lean of the trunk, positive towards the person's left.

    The shoulder line's roll plus half of how far the neck line leans beyond the head's own roll.
    When only the head tilts, the shoulders stay nearly level and the ears swing less than the head
    rolls, so the sum stays small; when the trunk leans, the shoulders roll and the whole head is
    carried sideways. On the front_webcam recordings (median of the absolute value): upright 1.1,
    head tilt 1.6, lean 10.9 deg.
    """
    shoulder_roll = roll_deg(lm.px[LM.LEFT_SHOULDER], lm.px[LM.RIGHT_SHOULDER])
    ear_roll = roll_deg(lm.px[LM.LEFT_EAR], lm.px[LM.RIGHT_EAR])
    return shoulder_roll + TRUNK_ROLL_NECK_WEIGHT * (neck_angle_deg(lm) - ear_roll)


def side_nose_angle_deg(lm: Landmarks) -> float:
    """Side view: the shoulder midpoint -> nose line above the forward horizontal.

    Like the ear-shoulder CVA proxy, but aimed at the nose: the nose lies further from the head's
    pivot than the ear, so the line turns both when the head comes forward and when it bends down,
    and the nose is MediaPipe's steadiest head landmark in profile.
    """
    return angle_above_forward_deg(mid(lm, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), lm.px[LM.NOSE], facing_sign(lm))


def side_head_pitch_deg(lm: Landmarks) -> float:
    """Side view: how far the ear-midpoint -> nose line points below the forward horizontal.

    Grows as the head bends down; stays put when the head only moves forward.
    """
    return -angle_above_forward_deg(mid(lm, LM.LEFT_EAR, LM.RIGHT_EAR), lm.px[LM.NOSE], facing_sign(lm))


def side_near_ear_shoulder_deg(lm: Landmarks) -> float:
    """Side view: the camera-side shoulder -> camera-side ear line above the forward horizontal.

    MediaPipe's camera-side shoulder follows the shoulder joint when the shoulders round forward,
    so this angle opens with rounding; together with the nose angle (the head's own motion) it
    separates the shoulders from the head.
    """
    left = near_side(lm) == "left"
    ear = lm.px[LM.LEFT_EAR] if left else lm.px[LM.RIGHT_EAR]
    shoulder = lm.px[LM.LEFT_SHOULDER] if left else lm.px[LM.RIGHT_SHOULDER]
    return angle_above_forward_deg(shoulder, ear, facing_sign(lm))


def front_face_heights(lm: Landmarks) -> tuple[float, float, float, float]:
    """Front view: heights of the ear, eye, nose and mouth midpoints above the shoulder line, each
    per shoulder width.

    Their common level drops as the head comes forward and down; their differences are the face's
    apparent pitch (eyes, nose and mouth drop towards the ear line as the head bends down). Ratios,
    so free of the camera distance; measured square to the shoulder line, so free of roll.
    """
    ls, rs = lm.px[LM.LEFT_SHOULDER], lm.px[LM.RIGHT_SHOULDER]
    width = shoulder_width(lm)

    def height(point: np.ndarray) -> float:
        return height_above_line(point, rs, ls) / width

    return (height(mid(lm, LM.LEFT_EAR, LM.RIGHT_EAR)), height(mid(lm, LM.LEFT_EYE, LM.RIGHT_EYE)),
            height(lm.px[LM.NOSE]), height(mid(lm, LM.MOUTH_LEFT, LM.MOUTH_RIGHT)))


def head_cue(lm: Landmarks) -> np.ndarray:
    """Where the body's head landmarks sit against the shoulders, in shoulder widths (the heights of
    the ears, eyes, nose and mouth above the shoulder line, and the nose's offset across): a cheap sign
    that the head has moved."""
    ls, rs = lm.px[LM.LEFT_SHOULDER], lm.px[LM.RIGHT_SHOULDER]
    width = shoulder_width(lm)
    across = float(lm.px[LM.NOSE, 0] - (ls[0] + rs[0]) / 2.0) / width
    return np.array([*front_face_heights(lm), across])


# A front camera sees a forward bend of the trunk as the shoulders coming nearer: a trunk of length R
# pivoting at the hips by a angle brings them R sin(a) nearer, and the shoulder line grows in the
# picture by the ratio of the distances. With the camera's focal length f (pixels) and the shoulder
# line w pixels wide and W cm wide, the shoulders are f W / w away; R is taken as 1.3 W (hip joints to
# shoulder joints seated, about 50 cm, against 35-40 cm between the shoulder joints: DINED adult
# Dutch anthropometry). The focal length is that of a typical laptop webcam (60 deg across; the face
# model assumes 63), and the upright distance one of 1.3 R (about 65 cm), so that the absolute value
# is only a rough guess: from the front the trunk is judged against the user's own calibration, where
# both cancel out of the change.
WEBCAM_HFOV_DEG = 60.0
TRUNK_PER_SHOULDER_WIDTH = 1.3
UPRIGHT_DISTANCE_PER_TRUNK = 1.3


def front_trunk_inclination_deg(lm: Landmarks) -> float:
    """Front view: the trunk's forward bend from how near the shoulders are (see above), in degrees
    of a small-angle approximation, so that a change from a calibration is free of its offsets."""
    width = shoulder_width(lm)
    focal = lm.image_size[0] / (2.0 * math.tan(math.radians(WEBCAM_HFOV_DEG) / 2.0))
    return math.degrees(UPRIGHT_DISTANCE_PER_TRUNK - focal / (TRUNK_PER_SHOULDER_WIDTH * width))
