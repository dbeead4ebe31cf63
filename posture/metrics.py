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
from typing import Callable, Sequence

import numpy as np

from .landmarks import LM, Landmarks

METRIC_KEYS = ("cva_deg", "head_forward_cm", "shoulder_angle_deg", "neck_flexion_deg",
               "trunk_inclination_deg", "lateral_lean_deg", "head_tilt_deg")
VIEWS = ("front", "side")
# What each view can show at all (the rest is unknown by design, not for want of landmarks).
VIEW_METRICS = {
    "side": frozenset({"cva_deg", "head_forward_cm", "shoulder_angle_deg", "neck_flexion_deg",
                       "trunk_inclination_deg"}),
    # Shoulder rounding cannot be seen from the front: on rendered people no front cue told 20 deg of
    # rounding from none better than AUC 0.64 on a body it was not fitted on (docs/accuracy.md).
    "front": frozenset(METRIC_KEYS) - {"shoulder_angle_deg"},
}


@dataclass(frozen=True)
class Metrics:
    """The posture of one frame. None marks a metric that could not be measured.

    Attributes:
        view: "front" or "side", the camera view the metrics were computed for.
        cva_deg: craniovertebral angle estimate (C7 -> tragus above the horizontal); smaller = head
            further forward.
        head_forward_cm: how far the ears are ahead of the shoulder joints; its changes follow the
            head's forward displacement.
        shoulder_angle_deg: forward shoulder angle estimate (C7 -> shoulder joint below the
            horizontal); grows as the shoulders round. Side view only.
        neck_flexion_deg: head bent forward/down relative to an upright head (phone posture).
        trunk_inclination_deg: trunk leaning forward from vertical (negative = reclined).
        lateral_lean_deg: sideways lean of the trunk; positive = leaning to the person's left.
        head_tilt_deg: roll of the head (eye line) in the picture; positive = towards the left.
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
    v = _mid(lm, LM.LEFT_EAR, LM.RIGHT_EAR) - _mid(lm, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
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
    return angle_above_forward_deg(_mid(lm, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), lm.px[LM.NOSE], facing_sign(lm))


def side_head_pitch_deg(lm: Landmarks) -> float:
    """Side view: how far the ear-midpoint -> nose line points below the forward horizontal.

    Grows as the head bends down; stays put when the head only moves forward.
    """
    return -angle_above_forward_deg(_mid(lm, LM.LEFT_EAR, LM.RIGHT_EAR), lm.px[LM.NOSE], facing_sign(lm))


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
    width = max(float(np.linalg.norm(ls - rs)), 1e-6)

    def height(point: np.ndarray) -> float:
        return height_above_line(point, rs, ls) / width

    return (height(_mid(lm, LM.LEFT_EAR, LM.RIGHT_EAR)), height(_mid(lm, LM.LEFT_EYE, LM.RIGHT_EYE)),
            height(lm.px[LM.NOSE]), height(_mid(lm, LM.MOUTH_LEFT, LM.MOUTH_RIGHT)))


def trunk_inclination_world_deg(world: np.ndarray) -> float | None:
    """Forward lean of the hip -> shoulder line from vertical in the sagittal plane (world landmarks)."""
    fwd = body_forward_axis(world)
    if fwd is None:
        return None
    v = (world[LM.LEFT_SHOULDER] + world[LM.RIGHT_SHOULDER]) / 2.0 - (world[LM.LEFT_HIP] + world[LM.RIGHT_HIP]) / 2.0
    return math.degrees(math.atan2(float(np.dot(v, fwd)), float(-v[1])))


# ---------------------------------------------------------------------------------------------
# All metrics of one frame

@dataclass(frozen=True)
class EstimatorSpec:
    """A set of features for a linear estimator, and the landmarks they need."""

    name: str
    names: tuple[str, ...]
    landmarks: tuple[int, ...]
    compute: Callable[[Landmarks], Sequence[float]]

    def features(self, lm: Landmarks, min_visibility: float = 0.5) -> np.ndarray | None:
        """The feature vector, or None when a landmark it needs is not visible enough."""
        if not _visible(lm, self.landmarks, min_visibility):
            return None
        return np.asarray(self.compute(lm), dtype=float)


@dataclass(frozen=True)
class Estimator:
    """value = weights . features + intercept."""

    spec: EstimatorSpec
    weights: tuple[float, ...]
    intercept: float

    def apply(self, x: np.ndarray) -> float:
        """The estimate from a feature vector."""
        return float(np.dot(self.weights, x) + self.intercept)

    def estimate(self, lm: Landmarks, min_visibility: float = 0.5) -> float | None:
        """The estimate for a person, None when the features cannot be measured."""
        x = self.spec.features(lm, min_visibility)
        return None if x is None else self.apply(x)


HEAD = (LM.NOSE, LM.LEFT_EAR, LM.RIGHT_EAR)
SHOULDERS = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
HIPS = (LM.LEFT_HIP, LM.RIGHT_HIP)
EYES = (LM.LEFT_EYE, LM.RIGHT_EYE)
MOUTH = (LM.MOUTH_LEFT, LM.MOUTH_RIGHT)

# Feature sets, best first; where ears are hidden (headphones, hair) the eyes, nose and mouth carry on.
SPECS = {
    "side": EstimatorSpec("side", ("nose_angle_deg", "head_pitch_deg"), HEAD + SHOULDERS,
                          lambda lm: (side_nose_angle_deg(lm), side_head_pitch_deg(lm))),
    "side_no_ears": EstimatorSpec("side_no_ears", ("nose_angle_deg",), (LM.NOSE,) + SHOULDERS,
                                  lambda lm: (side_nose_angle_deg(lm),)),
    "side_shoulders": EstimatorSpec("side_shoulders", ("near_ear_shoulder_deg", "nose_angle_deg"), HEAD + SHOULDERS,
                                    lambda lm: (side_near_ear_shoulder_deg(lm), side_nose_angle_deg(lm))),
    "front": EstimatorSpec("front", ("ear_h", "eye_h", "nose_h", "mouth_h"), HEAD + EYES + MOUTH + SHOULDERS,
                           front_face_heights),
    "front_no_ears": EstimatorSpec("front_no_ears", ("eye_h", "nose_h", "mouth_h"),
                                   (LM.NOSE,) + EYES + MOUTH + SHOULDERS, lambda lm: front_face_heights(lm)[1:]),
}

# Which feature sets estimate what, per view (tried in this order).
ESTIMATED = {
    ("cva_deg", "side"): ("side", "side_no_ears"),
    ("head_forward_cm", "side"): ("side", "side_no_ears"),
    ("neck_flexion_deg", "side"): ("side", "side_no_ears"),
    ("shoulder_angle_deg", "side"): ("side_shoulders",),
    ("cva_deg", "front"): ("front", "front_no_ears"),
    ("head_forward_cm", "front"): ("front", "front_no_ears"),
    ("neck_flexion_deg", "front"): ("front", "front_no_ears"),
}

# Fitted by tools/fit_estimators.py on the rendered bodies of ../shared/data/synthetic (full model),
# on changes from each body's upright posture; docs/accuracy.md has their leave-one-body-out errors.
# (quantity, view, feature set) -> (weights, intercept)
FITTED: dict[tuple[str, str, str], tuple[tuple[float, ...], float]] = {
    # calibrated leave-one-body-out MAE 3.15
    ('cva_deg', 'side', 'side'): ((1.02112, -0.16885,), -1.5936),
    # calibrated leave-one-body-out MAE 3.21
    ('cva_deg', 'side', 'side_no_ears'): ((1.23969,), -15.6184),
    # calibrated leave-one-body-out MAE 0.77
    ('head_forward_cm', 'side', 'side'): ((-0.231694, 0.0117153,), 15.3981),
    # calibrated leave-one-body-out MAE 0.77
    ('head_forward_cm', 'side', 'side_no_ears'): ((-0.247051,), 16.3819),
    # calibrated leave-one-body-out MAE 4.90
    ('neck_flexion_deg', 'side', 'side'): ((0.460589, 1.37005,), -40.8071),
    # calibrated leave-one-body-out MAE 8.06
    ('neck_flexion_deg', 'side', 'side_no_ears'): ((-1.33311,), 74.1157),
    # calibrated leave-one-body-out MAE 6.15
    ('shoulder_angle_deg', 'side', 'side_shoulders'): ((-1.34938, 1.10482,), 96.8544),
    # calibrated leave-one-body-out MAE 4.38
    ('cva_deg', 'front', 'front'): ((197.383, -373.596, 220.394, 95.8769,), 7.62684),
    # calibrated leave-one-body-out MAE 5.26
    ('cva_deg', 'front', 'front_no_ears'): ((-155.29, 214.962, 22.816,), 19.2276),
    # calibrated leave-one-body-out MAE 0.83
    ('head_forward_cm', 'front', 'front'): ((-48.5922, 94.6373, -56.0487, -18.9211,), 10.9131),
    # calibrated leave-one-body-out MAE 1.17
    ('head_forward_cm', 'front', 'front_no_ears'): ((40.8354, -52.4024, -3.45521,), 7.94355),
    # calibrated leave-one-body-out MAE 6.39
    ('neck_flexion_deg', 'front', 'front'): ((73.2903, -17.3273, -103.807, -33.1512,), 44.5887),
    # calibrated leave-one-body-out MAE 6.85
    ('neck_flexion_deg', 'front', 'front_no_ears'): ((15.5138, -90.9185, -29.3237,), 57.4934),
}


def estimator(quantity: str, view: str, spec: str) -> Estimator | None:
    """The fitted estimator of a quantity from one feature set, None if there is none."""
    fitted = FITTED.get((quantity, view, spec))
    return None if fitted is None else Estimator(SPECS[spec], fitted[0], fitted[1])


def estimate(lm: Landmarks, quantity: str, view: str, min_visibility: float = 0.5) -> float | None:
    """A quantity from the best feature set whose landmarks are visible; None if none is."""
    for spec in ESTIMATED.get((quantity, view), ()):
        est = estimator(quantity, view, spec)
        if est is not None and (value := est.estimate(lm, min_visibility)) is not None:
            return value
    return None


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
    shoulders = _visible(lm, SHOULDERS, min_visibility)
    hips = _visible(lm, HIPS, min_visibility)
    if view == "side":
        if shoulders and hips:
            values["trunk_inclination_deg"] = inclination_from_vertical_deg(
                _mid(lm, *HIPS), _mid(lm, *SHOULDERS), facing_sign(lm))
    else:
        if shoulders and _visible(lm, (LM.LEFT_EAR, LM.RIGHT_EAR), min_visibility):
            values["lateral_lean_deg"] = trunk_roll_deg(lm)
        elif shoulders:  # ears hidden: the shoulder line alone (it tells a lean from a tilt less well)
            values["lateral_lean_deg"] = roll_deg(lm.px[LM.LEFT_SHOULDER], lm.px[LM.RIGHT_SHOULDER])
        if _visible(lm, EYES, min_visibility):
            values["head_tilt_deg"] = roll_deg(lm.px[LM.LEFT_EYE], lm.px[LM.RIGHT_EYE])
        if shoulders and hips and lm.world is not None:
            values["trunk_inclination_deg"] = trunk_inclination_world_deg(lm.world)
    return Metrics(view=view, **values)
