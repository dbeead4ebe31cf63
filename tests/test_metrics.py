"""Geometry: every metric from hand-placed landmarks, including unknown and low-visibility cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posture.measure import geometry as G
from posture.measure.estimators import FITTED
from posture.measure.metrics import compute_metrics
from posture.pose.view import detect_view, shoulder_yaw_deg
from posture.types import LM, METRIC_KEYS, Metrics
from tests.helpers import make_landmarks


def side_person(*, facing: int = 1, ear_dx: float = 0.0, near: str = "left", eye_drop: float = 0.0,
                hip_dx: float = 0.0) -> dict:
    """A side-view person: shoulders at (300, 300), ear 100 px above (shifted ear_dx forward),
    eye 30 px forward of the ear (eye_drop px lower), hips 200 px below the shoulders."""
    f = facing
    ear = (300 + f * ear_dx, 200)
    eye = (ear[0] + f * 30, 200 + eye_drop)
    pts = {
        LM.LEFT_SHOULDER: (300, 300), LM.RIGHT_SHOULDER: (300, 300),
        LM.LEFT_EAR: ear, LM.RIGHT_EAR: ear,
        LM.LEFT_EYE: eye, LM.RIGHT_EYE: eye,
        LM.NOSE: (ear[0] + f * 40, 215),
        LM.LEFT_HIP: (300 + f * hip_dx, 500), LM.RIGHT_HIP: (300 + f * hip_dx, 500),
    }
    near_depth = -50.0
    depth = {i: (near_depth if (near == "left") == (i % 2 == 1) else 50.0)
             for i in (LM.LEFT_EAR, LM.RIGHT_EAR, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)}
    return {"points": pts, "depth": depth}


@pytest.mark.parametrize("dx,dy,facing,expected", [
    (0, -100, 1, 90.0),  # straight above
    (100, -100, 1, 45.0),  # ahead and up
    (-100, -100, -1, 45.0),  # facing left: ahead is -x
    (100, -100, -1, 135.0),  # behind
    (100, 0, 1, 0.0),  # level, ahead
])
def test_angle_above_forward(dx: float, dy: float, facing: int, expected: float) -> None:
    origin = np.array([200.0, 200.0])
    assert G.angle_above_forward_deg(origin, origin + [dx, dy], facing) == pytest.approx(expected)


@pytest.mark.parametrize("left,right,expected", [
    ((400, 200), (200, 200), 0.0),  # level
    ((400, 220), (200, 200), math.degrees(math.atan2(20, 200))),  # left side lower
    ((400, 180), (200, 200), -math.degrees(math.atan2(20, 200))),
])
def test_roll(left: tuple, right: tuple, expected: float) -> None:
    assert G.roll_deg(np.array(left, float), np.array(right, float)) == pytest.approx(expected)


@pytest.mark.parametrize("facing", [1, -1])
def test_side_angles(facing: int) -> None:
    # Ear 100 px above and 100 px ahead of the shoulders: proxy 45 deg whichever way the person faces.
    lm = make_landmarks(**side_person(facing=facing, ear_dx=100))
    assert G.facing_sign(lm) == facing
    assert G.side_cva_proxy_deg(lm) == pytest.approx(45.0)
    # Nose 140 px ahead of and 85 px above the shoulder midpoint; 40 px ahead of, 15 px below the ears.
    assert G.side_nose_angle_deg(lm) == pytest.approx(math.degrees(math.atan2(85, 140)))
    assert G.side_head_pitch_deg(lm) == pytest.approx(math.degrees(math.atan2(15, 40)))
    # Camera-side shoulder to camera-side ear: the same 45 deg here (both shoulders coincide).
    assert G.side_near_ear_shoulder_deg(lm) == pytest.approx(45.0)


def test_near_side_chosen_by_depth_not_visibility() -> None:
    person = side_person(ear_dx=0, near="right")
    # Put the far (left) ear somewhere else and make it the *more* visible one.
    person["points"][LM.LEFT_EAR] = (250, 250)
    lm = make_landmarks(**person, visibility={LM.LEFT_EAR: 1.0, LM.RIGHT_EAR: 0.6})
    assert G.near_side(lm) == "right"
    assert G.side_cva_proxy_deg(lm) == pytest.approx(90.0)  # the right ear, straight above


def test_side_metrics_follow_the_fitted_estimators() -> None:
    lm = make_landmarks(**side_person(ear_dx=50, eye_drop=10))
    m = compute_metrics(lm, "side")
    x = (G.side_nose_angle_deg(lm), G.side_head_pitch_deg(lm))
    for key in ("cva_deg", "head_forward_cm", "neck_flexion_deg"):
        weights, intercept = FITTED[(key, "side", "side")]
        assert getattr(m, key) == pytest.approx(weights[0] * x[0] + weights[1] * x[1] + intercept)
    weights, intercept = FITTED[("shoulder_angle_deg", "side", "side_shoulders")]
    assert m.shoulder_angle_deg == pytest.approx(
        weights[0] * G.side_near_ear_shoulder_deg(lm) + weights[1] * x[0] + intercept)
    assert m.lateral_lean_deg is None and m.head_tilt_deg is None  # roll is not visible from the side


def test_side_cva_falls_as_the_head_comes_forward() -> None:
    upright = compute_metrics(make_landmarks(**side_person(ear_dx=10)), "side").cva_deg
    forward = compute_metrics(make_landmarks(**side_person(ear_dx=60)), "side").cva_deg
    assert upright is not None and forward is not None and forward < upright - 10


def test_side_trunk_inclination() -> None:
    # Hips 200 px below, 50 px behind the shoulders: the trunk leans atan(50/200) forward.
    lm = make_landmarks(**side_person(ear_dx=0, hip_dx=-50))
    m = compute_metrics(lm, "side")
    assert m.trunk_inclination_deg == pytest.approx(math.degrees(math.atan2(50, 200)))


def front_person(*, shoulder_tilt: float = 0.0, eye_tilt: float = 0.0, nose_y: float = 200.0) -> dict:
    """A frontal person: shoulders 200 px apart at y=300 (the left one shoulder_tilt px lower),
    ears 80 px apart at y=190, eyes 40 px apart at y=180 (the left one eye_tilt px lower), the
    mouth 20 px below the nose."""
    return {"points": {
        LM.LEFT_SHOULDER: (420, 300 + shoulder_tilt), LM.RIGHT_SHOULDER: (220, 300),
        LM.LEFT_EAR: (360, 190), LM.RIGHT_EAR: (280, 190),
        LM.LEFT_EYE: (340, 180 + eye_tilt), LM.RIGHT_EYE: (300, 180),
        LM.NOSE: (320, nose_y), LM.MOUTH_LEFT: (335, nose_y + 20), LM.MOUTH_RIGHT: (305, nose_y + 20),
    }}


def test_front_face_heights_and_estimates() -> None:
    lm = make_landmarks(**front_person(nose_y=200))
    heights = G.front_face_heights(lm)
    assert heights == pytest.approx((110 / 200, 120 / 200, 100 / 200, 80 / 200))
    m = compute_metrics(lm, "front")
    weights, intercept = FITTED[("cva_deg", "front", "front")]
    assert m.cva_deg == pytest.approx(float(np.dot(weights, heights)) + intercept)
    # Rolling the whole picture (a lean) changes none of the heights: they are square to the shoulders.
    c, s_ = math.cos(math.radians(10)), math.sin(math.radians(10))
    rolled = {i: (320 + c * (x - 320) - s_ * (y - 300), 300 + s_ * (x - 320) + c * (y - 300))
              for i, (x, y) in front_person()["points"].items()}
    assert G.front_face_heights(make_landmarks(rolled)) == pytest.approx(heights)
    # Bending the head down (nose and mouth drop 30 px) lowers the CVA and raises the neck flexion.
    bent = compute_metrics(make_landmarks(**front_person(nose_y=230)), "front")
    assert bent.cva_deg is not None and m.cva_deg is not None and bent.cva_deg < m.cva_deg - 5
    assert bent.neck_flexion_deg is not None and m.neck_flexion_deg is not None
    assert bent.neck_flexion_deg > m.neck_flexion_deg + 10


def rotate(points: dict, ids, centre: tuple[float, float], deg: float) -> dict:
    """The points with ``ids`` turned by ``deg`` about ``centre`` (positive: the person's left side
    goes down, i.e. clockwise in the picture for an unmirrored front view)."""
    c, s_ = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    out = dict(points)
    for i in ids:
        x, y = points[i][0] - centre[0], points[i][1] - centre[1]
        out[i] = (centre[0] + c * x - s_ * y, centre[1] + s_ * x + c * y)
    return out


HEAD_POINTS = (LM.LEFT_EAR, LM.RIGHT_EAR, LM.LEFT_EYE, LM.RIGHT_EYE, LM.NOSE, LM.MOUTH_LEFT, LM.MOUTH_RIGHT)


@pytest.mark.parametrize("deg", [-12.0, 12.0])
def test_front_lean_and_tilt(deg: float) -> None:
    points = front_person()["points"]
    # A head tilt: the head turns about the base of the neck, the shoulders stay level.
    tilt = compute_metrics(make_landmarks(rotate(points, HEAD_POINTS, (320, 300), deg)), "front")
    assert tilt.head_tilt_deg == pytest.approx(deg)
    assert tilt.lateral_lean_deg == pytest.approx(0.0, abs=1e-6)
    # A lean: the whole upper body turns about the hips, far below; the head rolls with it.
    lean = compute_metrics(make_landmarks(rotate(points, [*HEAD_POINTS, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER],
                                                   (320, 700), deg)), "front")
    assert lean.lateral_lean_deg == pytest.approx(deg)
    assert lean.head_tilt_deg == pytest.approx(deg)  # the monitor reports it as a lean, not a tilt
    # Ears hidden: the shoulder line alone gives the lean.
    hidden = compute_metrics(make_landmarks(rotate(points, [*HEAD_POINTS, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER],
                                                     (320, 700), deg), visibility={LM.RIGHT_EAR: 0.0}), "front")
    assert hidden.lateral_lean_deg == pytest.approx(deg)


def test_world_view() -> None:
    # World: shoulders 36 cm apart along x, straight above the hips.
    world = {LM.LEFT_SHOULDER: (0.18, -0.45, 0.0), LM.RIGHT_SHOULDER: (-0.18, -0.45, 0.0),
             LM.LEFT_EAR: (0.07, -0.62, -0.05), LM.RIGHT_EAR: (-0.07, -0.62, -0.05),
             LM.NOSE: (0.0, -0.62, -0.14), LM.LEFT_HIP: (0.1, 0, 0), LM.RIGHT_HIP: (-0.1, 0, 0)}
    lm = make_landmarks(**front_person(), world=world)
    assert shoulder_yaw_deg(lm) == pytest.approx(0.0, abs=1e-6)
    assert detect_view(lm) == "front"
    # Turn the shoulder line 80 deg out of the image plane: a side view.
    side_world = dict(world)
    side_world[LM.LEFT_SHOULDER] = (0.03, -0.45, 0.18)
    side_world[LM.RIGHT_SHOULDER] = (-0.03, -0.45, -0.18)
    assert detect_view(make_landmarks(**front_person(), world=side_world)) == "side"


def test_a_forward_bend_from_the_front_is_the_shoulders_coming_nearer() -> None:
    # Shoulders 200 px apart in a 640 px picture from a 60 deg webcam: they are f/(1.3 w) trunk lengths
    # away. Bending the trunk 20 deg forward about the hips brings them sin(20 deg) trunk lengths nearer.
    upright = make_landmarks(**front_person(), size=(640, 480))
    f = 320 / math.tan(math.radians(30))
    distance = f / (1.3 * 200)  # in trunk lengths
    grown = 200 * distance / (distance - math.sin(math.radians(20)))
    bent = make_landmarks({LM.LEFT_SHOULDER: (320 + grown / 2, 330), LM.RIGHT_SHOULDER: (320 - grown / 2, 330)},
                          size=(640, 480))
    change = compute_metrics(bent, "front").trunk_inclination_deg - compute_metrics(upright, "front").trunk_inclination_deg
    assert change == pytest.approx(math.degrees(math.sin(math.radians(20))))
    # The same picture at twice the resolution reads the same.
    double = make_landmarks({LM.LEFT_SHOULDER: (840, 600), LM.RIGHT_SHOULDER: (440, 600)}, size=(1280, 960))
    assert compute_metrics(double, "front").trunk_inclination_deg == \
        pytest.approx(compute_metrics(upright, "front").trunk_inclination_deg)


def test_view_from_image_without_world_landmarks() -> None:
    assert detect_view(make_landmarks(**front_person())) == "front"
    assert detect_view(make_landmarks(**side_person())) == "side"


def test_low_visibility_makes_metrics_unknown_or_falls_back() -> None:
    full = compute_metrics(make_landmarks(**front_person()), "front")
    # Ears hidden (headphones): the eyes, nose and mouth carry the head estimates.
    no_ears = compute_metrics(make_landmarks(**front_person(), visibility={LM.LEFT_EAR: 0.2}), "front")
    weights, intercept = FITTED[("cva_deg", "front", "front_no_ears")]
    heights = G.front_face_heights(make_landmarks(**front_person()))[1:]
    assert no_ears.cva_deg == pytest.approx(float(np.dot(weights, heights)) + intercept)
    assert no_ears.cva_deg != full.cva_deg
    # Nose hidden (a hand, a mug): no head estimate at all; the trunk roll is still measured.
    no_nose = compute_metrics(make_landmarks(**front_person(), visibility={LM.NOSE: 0.1}), "front")
    assert no_nose.cva_deg is None and no_nose.neck_flexion_deg is None and no_nose.head_forward_cm is None
    assert no_nose.lateral_lean_deg == pytest.approx(0.0, abs=1e-9)
    # Hidden eyes: head tilt unknown.
    m2 = compute_metrics(make_landmarks(**front_person(), visibility={LM.RIGHT_EYE: 0.1}), "front")
    assert m2.head_tilt_deg is None and m2.lateral_lean_deg is not None
    # A hidden shoulder: nothing measured from the front but the head's own roll.
    m3 = compute_metrics(make_landmarks(**front_person(), visibility={LM.LEFT_SHOULDER: 0.1}), "front")
    assert [k for k, v in m3.values().items() if v is not None] == ["head_tilt_deg"]
    # Hidden hips: no trunk inclination from the side; the head estimates remain.
    m4 = compute_metrics(make_landmarks(**side_person(), visibility={LM.LEFT_HIP: 0.3}), "side")
    assert m4.trunk_inclination_deg is None and m4.cva_deg is not None
    # Shoulder rounding is never estimated from the front.
    assert full.shoulder_angle_deg is None


def test_metrics_values_are_rounded_and_complete() -> None:
    m = Metrics(view="side", cva_deg=48.123456)
    values = m.values()
    assert list(values) == list(METRIC_KEYS)
    assert values["cva_deg"] == 48.12 and values["lateral_lean_deg"] is None


def test_unknown_view_is_rejected() -> None:
    with pytest.raises(ValueError, match="view"):
        compute_metrics(make_landmarks(**front_person()), "top")
