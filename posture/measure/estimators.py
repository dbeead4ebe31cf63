"""The linear estimators of the head and shoulder angles, fitted on rendered people with known angles.

Each quantity is a linear combination of image features (posture/measure/geometry.py). They are
fitted on *changes from each body's upright posture*, because that is what the app judges after a
calibration: an ordinary fit flattens the slopes and under-reports every change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..types import LM, Landmarks
from .geometry import (front_face_heights, shoulder_width, side_head_pitch_deg, side_near_ear_shoulder_deg,
                       side_nose_angle_deg, visible)


@dataclass(frozen=True)
class EstimatorSpec:
    """A set of features for a linear estimator, and the landmarks they need (and whether they need
    the head's pose from the face)."""

    name: str
    names: tuple[str, ...]
    landmarks: tuple[int, ...]
    compute: Callable[[Landmarks], Sequence[float]]
    face: bool = False

    def features(self, lm: Landmarks, min_visibility: float = 0.5) -> np.ndarray | None:
        """The feature vector, or None when a landmark it needs is not visible enough (or the body's
        landmarks contradict the face they belong to: see :func:`pose_fits_face`)."""
        if not visible(lm, self.landmarks, min_visibility) or (self.face and not face_usable(lm)):
            return None
        if self.landmarks and face_usable(lm) and not pose_fits_face(lm):
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

def face_usable(lm: Landmarks) -> bool:
    """The person's face was found, in front of the camera (its distance is measured)."""
    return lm.head is not None and lm.head.z_cm < 0


# The body's shoulders span about 2.3 face widths and its ears 0.8 (rendered people, 1st-99th
# percentiles 1.7-2.6 and 0.7-0.9 up to 30 deg of flexion; real shoulders are a little broader). Where
# the pose model loses the person (a head bent far down before a low camera, a hand before the face)
# its skeleton shrinks to a fraction of that while the face model still fits the face: the body's
# landmarks then say nothing about the head.
MIN_SHOULDERS_PER_FACE, MIN_EARS_PER_FACE = 1.3, 0.5


def pose_fits_face(lm: Landmarks) -> bool:
    """The body's shoulders and ears are about as far apart as the face they belong to says they are."""
    assert lm.head is not None
    face = max(lm.head.box[2] - lm.head.box[0], 1e-6)
    shoulders = shoulder_width(lm)
    ears = float(np.linalg.norm(lm.px[LM.LEFT_EAR] - lm.px[LM.RIGHT_EAR]))
    return shoulders >= MIN_SHOULDERS_PER_FACE * face and ears >= MIN_EARS_PER_FACE * face


def face_features(lm: Landmarks) -> tuple[float, float]:
    """The face's log distance from the camera (smaller as it comes nearer: a ratio of distances once
    calibrated, free of the face's size and of the field of view the model assumes) and its pitch."""
    assert lm.head is not None
    return math.log(-lm.head.z_cm), lm.head.pitch_deg


def face_to_shoulders(lm: Landmarks) -> float:
    """How near the face is against how near the shoulders are: the log of the face's distance times the
    shoulder line's width in the picture (which shrinks as the shoulders' distance grows). The head
    coming forward of the shoulders lowers it; the whole person coming nearer (a chair moved in, a
    camera moved) leaves it be. Leaving a body out, it brought the front forward-head error after a
    calibration from 0.75 / 0.87 cm to 0.72 / 0.71 cm against the face's distance alone."""
    assert lm.head is not None
    return math.log(-lm.head.z_cm) + math.log(shoulder_width(lm) / lm.image_size[0])


# Feature sets, best first; where ears are hidden (headphones, hair) the eyes, nose and mouth carry on,
# and where the face is found its pose joins the body's landmarks.
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
    "front_face": EstimatorSpec("front_face", ("ear_h", "eye_h", "nose_h", "mouth_h", "face_to_shoulders",
                                               "face_pitch_deg"), HEAD + EYES + MOUTH + SHOULDERS,
                                lambda lm: (*front_face_heights(lm), face_to_shoulders(lm), lm.head.pitch_deg),
                                face=True),
    "face": EstimatorSpec("face", ("face_log_distance", "face_pitch_deg"), (), face_features, face=True),
    "face_pitch": EstimatorSpec("face_pitch", ("face_pitch_deg",), (), lambda lm: face_features(lm)[1:],
                                face=True),
}

# Which feature sets estimate what, per view (tried in this order).
ESTIMATED = {
    ("cva_deg", "side"): ("side", "side_no_ears"),
    ("head_forward_cm", "side"): ("side", "side_no_ears"),
    ("neck_flexion_deg", "side"): ("side", "side_no_ears"),
    ("shoulder_angle_deg", "side"): ("side_shoulders",),
    ("cva_deg", "front"): ("front_face", "front", "face", "front_no_ears"),
    ("head_forward_cm", "front"): ("front_face", "front", "face", "front_no_ears"),
    ("neck_flexion_deg", "front"): ("face_pitch", "front", "front_no_ears"),
}

# Fitted by tools/fit_estimators.py on the rendered bodies of ../shared/data/synthetic (full pose model and
# the face model), on changes from each body's upright posture; docs/accuracy.md has their
# leave-one-body-out errors.
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
    # calibrated leave-one-body-out MAE 2.66
    ('cva_deg', 'front', 'front_face'): ((251.654, -292.55, 237.631, -57.4104, 55.8571, 0.144734,), -188.057),
    # calibrated leave-one-body-out MAE 4.22
    ('cva_deg', 'front', 'front'): ((214.065, -370.076, 210.151, 93.1169,), 2.55451),
    # calibrated leave-one-body-out MAE 5.37
    ('cva_deg', 'front', 'face'): ((115.998, -0.337779,), -393.124),
    # calibrated leave-one-body-out MAE 5.21
    ('cva_deg', 'front', 'front_no_ears'): ((-180.399, 224.279, 36.5085,), 23.9522),
    # calibrated leave-one-body-out MAE 0.72
    ('head_forward_cm', 'front', 'front_face'): ((-46.7239, 92.3077, -71.6949, 2.0646, -10.8111, -0.0409479,), 43.8474),
    # calibrated leave-one-body-out MAE 0.82
    ('head_forward_cm', 'front', 'front'): ((-50.7532, 93.6732, -54.4107, -18.4027,), 11.6492),
    # calibrated leave-one-body-out MAE 1.30
    ('head_forward_cm', 'front', 'face'): ((-24.0022, 0.0673015,), 95.0293),
    # calibrated leave-one-body-out MAE 1.13
    ('head_forward_cm', 'front', 'front_no_ears'): ((50.3474, -55.5781, -9.00684,), 6.11963),
    # calibrated leave-one-body-out MAE 1.06
    ('neck_flexion_deg', 'front', 'face_pitch'): ((1.11594,), -3.59438),
    # calibrated leave-one-body-out MAE 6.39
    ('neck_flexion_deg', 'front', 'front'): ((78.7831, -17.3678, -106.391, -33.8686,), 43.1634),
    # calibrated leave-one-body-out MAE 6.72
    ('neck_flexion_deg', 'front', 'front_no_ears'): ((10.1195, -90.6516, -24.8192,), 58.7826),
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
