"""Posture metrics as pure functions of the landmarks. Angles in degrees, distances in centimetres.

Conventions (image coordinates: x to the right, y down; world coordinates: MediaPipe's, metres,
origin between the hips, x to the image's right, y down, z away from the camera):

* ``facing`` is +1 when the person faces image-right in a side view, -1 when image-left.
* An angle "above the forward horizontal" is 90 deg for a point straight above, smaller when the
  point lies further forward (the clinical craniovertebral-angle convention).
* Left and right are the person's (MediaPipe's landmark names).

Every metric is None ("unknown") when a landmark it needs is not visible enough; nothing is guessed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from .landmarks import LM, Landmarks

METRIC_KEYS = ("cva_deg", "head_forward_cm", "shoulder_angle_deg", "neck_flexion_deg",
               "trunk_inclination_deg", "lateral_lean_deg", "head_tilt_deg")
VIEWS = ("front", "side")
# What each view can show at all (the rest is unknown by design, not for want of landmarks).
VIEW_METRICS = {
    "side": frozenset({"cva_deg", "head_forward_cm", "shoulder_angle_deg", "neck_flexion_deg",
                       "trunk_inclination_deg"}),
    "front": frozenset(METRIC_KEYS),
}


@dataclass(frozen=True)
class Metrics:
    """The posture of one frame. None marks a metric that could not be measured.

    Attributes:
        view: "front" or "side", the camera view the metrics were computed for.
        cva_deg: craniovertebral angle estimate; smaller = head further forward.
        head_forward_cm: how far the ears are ahead of the shoulders (3D world landmarks).
        shoulder_angle_deg: how far the shoulders sit forward of the hip-ear line (rounding).
        neck_flexion_deg: head bent forward/down relative to an upright head (phone posture).
        trunk_inclination_deg: trunk leaning forward from vertical (negative = reclined).
        lateral_lean_deg: trunk roll; positive = leaning to the person's left.
        head_tilt_deg: head roll relative to the shoulders; positive = towards the left shoulder.
    """

    view: str
    cva_deg: float | None = None
    head_forward_cm: float | None = None
    shoulder_angle_deg: float | None = None
    neck_flexion_deg: float | None = None
    trunk_inclination_deg: float | None = None
    lateral_lean_deg: float | None = None
    head_tilt_deg: float | None = None

    def values(self) -> dict[str, float | None]:
        """The metric values by key (without the view), rounded for logging."""
        d = asdict(self)
        return {k: (None if d[k] is None else round(float(d[k]), 2)) for k in METRIC_KEYS}


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


def angle_between_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Unsigned angle between two vectors of any dimension, in degrees."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(a, b)) / (na * nb)))))


def body_forward_axis(world: np.ndarray) -> np.ndarray | None:
    """Unit vector of the body's forward direction in world coordinates (horizontal, x-z plane).

    Perpendicular to the shoulder line, on the side of the nose. None if the shoulders coincide.
    """
    s = world[LM.LEFT_SHOULDER] - world[LM.RIGHT_SHOULDER]
    f = np.array([-s[2], 0.0, s[0]])
    n = float(np.linalg.norm(f))
    if n < 1e-6:
        return None
    f /= n
    ears = (world[LM.LEFT_EAR] + world[LM.RIGHT_EAR]) / 2.0
    if float(np.dot(world[LM.NOSE] - ears, f)) < 0:
        f = -f
    return f


# ---------------------------------------------------------------------------------------------
# View


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


# ---------------------------------------------------------------------------------------------
# Estimators fitted on rendered bodies with exact truth (../shared/data/synthetic, full model).
# tools/fit_estimators.py refits them; each is a linear model: value = w . features + b.

# Side: true CVA from the CVA proxy (camera-side ear over the shoulder midpoint) and the head pitch.
SIDE_CVA_FIT = (0.5109, -0.4875, 2.372)  # w_proxy, w_pitch, b; leave-one-body-out MAE 3.2-5.5 deg
# Side: neck flexion from the head pitch and the proxy.
SIDE_NECK_FIT = (0.2195, 1.165, 4.02)  # w_proxy, w_pitch, b; leave-one-body-out MAE 5.4-6.5 deg
# Front: true CVA and neck flexion from the two 2D cues of front_head_cues. Adding the world
# landmarks' ear-ahead-of-shoulder depth made the leave-one-body-out error larger, not smaller: from
# the front, MediaPipe's depth of the head barely follows its true forward position.
FRONT_CVA_FIT = (32.7, -19.69, 24.87)  # w_nose_h, w_nose_drop, b; leave-one-body-out MAE 4.8-7.5 deg
FRONT_NECK_FIT = (-44.29, 30.22, 31.23)  # leave-one-body-out MAE 7.5-11.7 deg


def _mid(lm: Landmarks, a: int, b: int) -> np.ndarray:
    return np.asarray((lm.px[a] + lm.px[b]) / 2.0)


def _visible(lm: Landmarks, indices: Sequence[int], min_visibility: float) -> bool:
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
    return 1.0 if lm.px[LM.NOSE, 0] >= _mid(lm, LM.LEFT_EAR, LM.RIGHT_EAR)[0] else -1.0


def side_cva_proxy_deg(lm: Landmarks) -> float:
    """Side-view CVA proxy: camera-side ear over the shoulder midpoint, above the forward horizontal.

    The clinical CVA is measured at C7, which lies on the midline: in a true side view both
    shoulders project onto one spot, and in an oblique view their midpoint stays nearer the spine
    than the camera-side shoulder (on the real side_desk photos: AUC 0.89 against 0.83).
    """
    ear = lm.px[LM.LEFT_EAR] if near_side(lm) == "left" else lm.px[LM.RIGHT_EAR]
    return angle_above_forward_deg(_mid(lm, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), ear, facing_sign(lm))


def side_head_pitch_deg(lm: Landmarks) -> float:
    """Side view: how far the camera-side ear -> eye line points below the forward horizontal."""
    left = near_side(lm) == "left"
    ear = lm.px[LM.LEFT_EAR] if left else lm.px[LM.RIGHT_EAR]
    eye = lm.px[LM.LEFT_EYE] if left else lm.px[LM.RIGHT_EYE]
    return -angle_above_forward_deg(ear, eye, facing_sign(lm))


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


def front_head_cues(lm: Landmarks) -> tuple[float, float]:
    """Front view 2D cues of the head's posture, free of the camera distance and of roll.

    Returns:
        (nose height above the shoulder line per shoulder width: drops as the head comes forward
        and down; nose drop below the ear line per ear distance: grows as the head bends down).
    """
    ls, rs = lm.px[LM.LEFT_SHOULDER], lm.px[LM.RIGHT_SHOULDER]
    le, re = lm.px[LM.LEFT_EAR], lm.px[LM.RIGHT_EAR]
    width = max(float(np.linalg.norm(ls - rs)), 1e-6)
    ear_dist = max(float(np.linalg.norm(le - re)), 1e-6)
    nose = lm.px[LM.NOSE]
    return height_above_line(nose, rs, ls) / width, -height_above_line(nose, re, le) / ear_dist


def head_forward_cm(world: np.ndarray) -> float | None:
    """How far the ear midpoint lies ahead of the shoulder midpoint along the body's forward axis (cm).

    From the 3D world landmarks. None when the forward axis is undefined.
    """
    fwd = body_forward_axis(world)
    if fwd is None:
        return None
    ears = (world[LM.LEFT_EAR] + world[LM.RIGHT_EAR]) / 2.0
    shoulders = (world[LM.LEFT_SHOULDER] + world[LM.RIGHT_SHOULDER]) / 2.0
    return float(np.dot(ears - shoulders, fwd)) * 100.0


def shoulder_angle_world_deg(world: np.ndarray) -> float | None:
    """Angle at the hip midpoint by which the shoulder midpoint lies ahead of the hip -> ear line,
    in the body's sagittal plane (world landmarks). Positive = shoulders forward (rounded)."""
    fwd = body_forward_axis(world)
    if fwd is None:
        return None
    up = np.array([0.0, -1.0, 0.0])
    hips = (world[LM.LEFT_HIP] + world[LM.RIGHT_HIP]) / 2.0
    ears = (world[LM.LEFT_EAR] + world[LM.RIGHT_EAR]) / 2.0
    shoulders = (world[LM.LEFT_SHOULDER] + world[LM.RIGHT_SHOULDER]) / 2.0

    def sagittal_angle(p: np.ndarray) -> float:
        v = p - hips
        return math.degrees(math.atan2(float(np.dot(v, fwd)), float(np.dot(v, up))))

    return sagittal_angle(shoulders) - sagittal_angle(ears)


def shoulder_angle_side_deg(lm: Landmarks) -> float:
    """Side view: angle at the hip by which the shoulder lies ahead of the hip -> ear line (image)."""
    f = facing_sign(lm)
    hips = _mid(lm, LM.LEFT_HIP, LM.RIGHT_HIP)
    ear = lm.px[LM.LEFT_EAR] if near_side(lm) == "left" else lm.px[LM.RIGHT_EAR]
    shoulders = _mid(lm, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
    return inclination_from_vertical_deg(hips, shoulders, f) - inclination_from_vertical_deg(hips, ear, f)


def trunk_inclination_world_deg(world: np.ndarray) -> float | None:
    """Forward lean of the hip -> shoulder line from vertical in the sagittal plane (world landmarks)."""
    fwd = body_forward_axis(world)
    if fwd is None:
        return None
    v = (world[LM.LEFT_SHOULDER] + world[LM.RIGHT_SHOULDER]) / 2.0 - (world[LM.LEFT_HIP] + world[LM.RIGHT_HIP]) / 2.0
    return math.degrees(math.atan2(float(np.dot(v, fwd)), float(-v[1])))


def _linear(weights: Sequence[float], features: Sequence[float]) -> float:
    return float(sum(w * x for w, x in zip(weights, features)) + weights[-1])


# ---------------------------------------------------------------------------------------------
# All metrics of one frame

HEAD = (LM.NOSE, LM.LEFT_EAR, LM.RIGHT_EAR)
SHOULDERS = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
HIPS = (LM.LEFT_HIP, LM.RIGHT_HIP)
EYES = (LM.LEFT_EYE, LM.RIGHT_EYE)


def compute_metrics(lm: Landmarks, view: str, *, min_visibility: float = 0.5) -> Metrics:
    """Every metric for one person in one frame.

    Args:
        lm: the person's landmarks.
        view: "front" or "side" (see :func:`detect_view`).
        min_visibility: landmarks below this visibility or presence make their metrics unknown.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    head = _visible(lm, HEAD, min_visibility)
    shoulders = _visible(lm, SHOULDERS, min_visibility)
    hips = _visible(lm, HIPS, min_visibility)
    eyes = _visible(lm, EYES, min_visibility)
    world = lm.world
    values: dict[str, float | None] = {}

    if head and shoulders and world is not None:
        values["head_forward_cm"] = head_forward_cm(world)
    if view == "side":
        if head and shoulders and eyes:
            proxy = side_cva_proxy_deg(lm)
            pitch = side_head_pitch_deg(lm)
            values["cva_deg"] = _linear(SIDE_CVA_FIT, (proxy, pitch))
            values["neck_flexion_deg"] = _linear(SIDE_NECK_FIT, (proxy, pitch))
        if head and shoulders and hips:
            values["shoulder_angle_deg"] = shoulder_angle_side_deg(lm)
        if shoulders and hips:
            f = facing_sign(lm)
            values["trunk_inclination_deg"] = inclination_from_vertical_deg(
                _mid(lm, *HIPS), _mid(lm, *SHOULDERS), f)
    else:
        if head and shoulders:
            cues = front_head_cues(lm)
            values["cva_deg"] = _linear(FRONT_CVA_FIT, cues)
            values["neck_flexion_deg"] = _linear(FRONT_NECK_FIT, cues)
        if shoulders:
            lean = roll_deg(lm.px[LM.LEFT_SHOULDER], lm.px[LM.RIGHT_SHOULDER])
            values["lateral_lean_deg"] = lean
            if eyes:
                values["head_tilt_deg"] = roll_deg(lm.px[LM.LEFT_EYE], lm.px[LM.RIGHT_EYE]) - lean
        if shoulders and hips and world is not None:
            values["shoulder_angle_deg"] = shoulder_angle_world_deg(world)
            values["trunk_inclination_deg"] = trunk_inclination_world_deg(world)
    return Metrics(view=view, **values)
