"""The live view drawn into pictures (no display needed): colours, words, mirroring, ghost line."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from posture.sinks.overlay import BLUE, VERMILLION, YELLOW, Ghost, OverlayInfo, draw_overlay
from posture.types import BAD, BORDERLINE, GOOD, LM, Band, Frame, Metrics, Observation, State
from tests.helpers import make_landmarks

BLACK = np.zeros((480, 640, 3), np.uint8)


def side_obs(cva_band: str = BAD, state: State = State.ALERT) -> Observation:
    lm = make_landmarks({LM.LEFT_SHOULDER: (300, 300), LM.RIGHT_SHOULDER: (300, 300), LM.LEFT_EAR: (350, 200),
                         LM.RIGHT_EAR: (350, 200), LM.NOSE: (400, 215), LM.LEFT_EYE: (380, 200),
                         LM.RIGHT_EYE: (380, 200), LM.LEFT_HIP: (300, 450), LM.RIGHT_HIP: (300, 450),
                         **{i: (380, 200) for i in range(1, 7)}, 9: (392, 230), 10: (392, 230)})
    metrics = Metrics(view="side", cva_deg=38.0, neck_flexion_deg=9.0)
    return Observation(Frame(BLACK, 10.0, 100), lm, metrics, "side", {"forward_head": state},
                       bands={"cva_deg": Band(cva_band, "x", "y"), "neck_flexion_deg": Band(GOOD, "x", "y")},
                       presence="present")


def colour_pixels(img: np.ndarray, rgb: tuple[int, int, int], tol: int = 30) -> np.ndarray:
    bgr = np.array(rgb[::-1])
    return np.all(np.abs(img.astype(int) - bgr) <= tol, axis=2)


@pytest.mark.parametrize("band,rgb", [(GOOD, BLUE), (BORDERLINE, YELLOW), (BAD, VERMILLION)])
def test_angle_label_takes_its_band_colour(band: str, rgb: tuple[int, int, int]) -> None:
    img = draw_overlay(BLACK, side_obs(cva_band=band, state=State.GOOD), OverlayInfo(profile="side"))
    # The CVA label sits just ahead of the neck, between the shoulder and the ear.
    region = img[150:300, 300:520]
    assert colour_pixels(region, rgb).sum() > 150
    others = [c for c in (BLUE, YELLOW, VERMILLION) if c != rgb and not (band != GOOD and c == BLUE)]
    for other in others:
        assert colour_pixels(region, other).sum() < colour_pixels(region, rgb).sum()


def test_states_banner_and_words() -> None:
    info = OverlayInfo(profile="side", banner="Head forward for 1 min: bring your ears back over your shoulders")
    img = draw_overlay(BLACK, side_obs(), info)
    # An alert banner across the bottom, in vermillion.
    assert colour_pixels(img[430:480], VERMILLION).mean() > 0.5
    # The state list (top right) carries the alert colour too; not colour alone: the text differs by state.
    top_right_alert = colour_pixels(img[0:40, 320:640], VERMILLION).sum()
    good = draw_overlay(BLACK, side_obs(state=State.GOOD), OverlayInfo(profile="side"))
    assert top_right_alert > 50 and colour_pixels(good[0:40, 320:640], VERMILLION).sum() < 10
    assert not np.array_equal(img[0:40, 320:640], good[0:40, 320:640])
    # The whole message fits: a long one is broken into lines inside the picture, not cut at its edge.
    from posture.sinks.overlay import font, wrap

    rows = wrap(info.banner, 30, 600)
    assert len(rows) >= 2 and " ".join(rows) == info.banner
    assert all(font(30).getlength(r) <= 600 for r in rows)
    assert colour_pixels(img[380:430], VERMILLION).mean() > 0.5  # the banner grew upwards for its second line


def test_mirrored_picture_with_unmirrored_numbers() -> None:
    picture = np.zeros((480, 640, 3), np.uint8)
    picture[:, :100] = (0, 0, 255)  # a red band on the image's left
    lm = make_landmarks({LM.LEFT_SHOULDER: (420, 300), LM.RIGHT_SHOULDER: (220, 300), LM.LEFT_EAR: (360, 190),
                         LM.RIGHT_EAR: (280, 190), LM.NOSE: (320, 200), LM.LEFT_EYE: (340, 180),
                         LM.RIGHT_EYE: (300, 180)})
    obs = Observation(Frame(picture, 1.0, 1), lm, Metrics(view="front", lateral_lean_deg=7.0), "front",
                      {"lean": State.DEVIATING}, bands={"lateral_lean_deg": Band(BORDERLINE, "x", "y")},
                      presence="present")
    plain = draw_overlay(picture, obs, OverlayInfo())
    mirrored = draw_overlay(picture, obs, OverlayInfo(mirror=True))
    # The picture is flipped: the red band is now on the right.
    assert (plain[240, 20] == (0, 0, 255)).all() and (mirrored[240, 620] == (0, 0, 255)).all()
    # The lean label is drawn where the flipped shoulders are, and reads the same (not mirrored text):
    # the same value appears, so the yellow label pixels have the same count.
    assert colour_pixels(plain, YELLOW).sum() == pytest.approx(colour_pixels(mirrored, YELLOW).sum(), rel=0.05)
    label = colour_pixels(mirrored[300:420], YELLOW)
    cols = np.nonzero(label.any(axis=0))[0]
    assert abs((cols.min() + cols.max()) / 2 - (640 - 320)) < 40  # centred under the (mirrored) shoulders
    # A text is not mirrored: its left-to-right pixel pattern is not the flipped one of the plain view.
    a = colour_pixels(plain[300:420], YELLOW)
    assert not np.array_equal(a, label[:, ::-1])


def test_ghost_line_shows_the_calibrated_posture() -> None:
    obs = side_obs(state=State.GOOD)
    without = draw_overlay(BLACK, obs, OverlayInfo(profile="side"))
    # Calibrated upright: the ear straight above the shoulders (90 deg): a faint vertical line there.
    ghost = draw_overlay(BLACK, obs, OverlayInfo(profile="side", ghost=Ghost(ear_angle_deg=90.0)))
    diff = np.abs(ghost.astype(int) - without.astype(int)).sum(axis=2) > 30
    ys, xs = np.nonzero(diff)
    assert len(xs) > 50
    assert abs(np.median(xs) - 300) < 6  # vertical above the shoulder midpoint (x = 300)
    assert ys.min() < 230 and ys.max() <= 305
    # Faint: dimmer than the solid white neck line.
    assert ghost[ys, xs].mean() < 200


def test_nobody_and_help() -> None:
    obs = Observation(Frame(BLACK, 1.0, 1), None, None, None, {"forward_head": State.UNKNOWN})
    img = draw_overlay(BLACK, obs, OverlayInfo(show_help=True, keys=(("q", "quit"), ("c", "calibrate"))))
    assert (img.sum(axis=2) > 300).sum() > 500  # the words are there


def test_in_the_dark_no_skeleton_and_a_word_why() -> None:
    lit = side_obs(state=State.GOOD)
    dark = dataclasses.replace(lit, metrics=Metrics(view="side"), bands={}, states={"forward_head": State.UNKNOWN},
                               dark=True)
    skeleton = colour_pixels(draw_overlay(BLACK, lit), BLUE).sum()
    img = draw_overlay(BLACK, dark)
    assert skeleton > 200 and colour_pixels(img, BLUE).sum() == 0
    assert (img[200:300].sum(axis=2) > 300).sum() > 500  # the words, in the middle


def test_help_lists_the_keys_and_where_the_bands_come_from() -> None:
    from posture.clinical import MOSTAFAEE
    from posture.clinical import cva_band as band_of
    from posture.sinks.overlay import help_rows

    keys = [("c", "calibrate"), ("q", "quit")]
    obs = side_obs()
    obs = dataclasses.replace(obs, bands={"cva_deg": band_of(40.0)})
    rows = help_rows(keys, obs)
    assert rows[:3] == ["Keys", "    c  calibrate", "    q  quit"]
    assert "Bands (guidance, not a diagnosis)" in rows
    assert any(r.startswith("CVA: moderate to marked forward head") and MOSTAFAEE in r for r in rows)
    # Drawn: a taller box than with the keys alone, inside the picture.
    with_bands = draw_overlay(BLACK, obs, OverlayInfo(profile="side", show_help=True, keys=keys))
    keys_only = draw_overlay(BLACK, dataclasses.replace(obs, bands={}),
                             OverlayInfo(profile="side", show_help=True, keys=keys))
    assert (with_bands != keys_only).any(axis=2).sum() > 2000


def test_labels_and_the_neck_load_stay_clear_of_the_banner() -> None:
    from posture.sinks.overlay import _bottom_rows, font

    obs = side_obs(state=State.ALERT)
    low_hips = obs.landmarks.px.copy()
    low_hips[[LM.LEFT_HIP, LM.RIGHT_HIP], 1] = 475  # the hips at the bottom edge: the trunk label falls low
    obs = dataclasses.replace(obs, landmarks=dataclasses.replace(obs.landmarks, px=low_hips),
                              metrics=dataclasses.replace(obs.metrics, trunk_inclination_deg=3.0),
                              states={"forward_head": State.ALERT, "slump": State.GOOD},
                              bands={"cva_deg": Band(BAD, "x", "y"), "neck_flexion_deg": Band(BORDERLINE, "x", "y"),
                                     "trunk_inclination_deg": Band(GOOD, "x", "y")})
    banner = "Head forward for 1 min: bring your ears back over your shoulders (worst CVA 38 deg)"
    img = draw_overlay(BLACK, obs, OverlayInfo(profile="side", banner=banner))
    banner_top = int(colour_pixels(img[:, :1], VERMILLION).nonzero()[0].min())
    # The trunk label (blue: its band is good; the state list at the top is left out) shows in full above it.
    label = colour_pixels(img[100:], BLUE).nonzero()[0] + 100
    assert label.size > 1000 and label.max() < banner_top  # (before: a 6-pixel sliver above the banner)
    # The phone profile's neck-load line: one row across the picture, however long the sentence.
    load = "about 18 kg on your neck at 29 deg (Hansraj 2014, a model)"
    [(rows, size, style), *_rest] = _bottom_rows(obs, OverlayInfo(neck_load=load, banner=banner), obs.landmarks,
                                                 640, 30, 17)
    assert style == "centre" and rows == [load] and font(size).getlength(load) <= 640 - 17


@pytest.mark.parametrize("clip,view", [("tests/data/clips/phone_front_low.mp4", "front"),
                                       ("posture/data/demo_desk_side.mp4", "side")])
def test_angle_labels_keep_off_the_face_on_real_footage(clip: str, view: str) -> None:
    from posture.pose.landmarker import PoseEstimator
    from posture.sinks.overlay import face_box
    from tests.helpers import ROOT, video_frames

    image = video_frames(ROOT / clip, 1)[0]
    with PoseEstimator("full", video=False) as pose:
        [lm] = pose.estimate_all(image, 0.0)
    values = dict(cva_deg=41.0, neck_flexion_deg=27.0, shoulder_angle_deg=62.0, trunk_inclination_deg=14.0,
                  lateral_lean_deg=-6.0, head_tilt_deg=9.0)
    states = {kind: State.DEVIATING for kind in ("forward_head", "phone_posture", "rounded_shoulders", "slump",
                                                  "lean", "head_tilt")}
    bands = {key: Band(BORDERLINE, "x", "y") for key in values}
    labelled = Observation(Frame(image, 1.0, 1), lm, Metrics(view=view, **values), view, states, bands=bands,
                           presence="present")
    bare = dataclasses.replace(labelled, metrics=Metrics(view=view))
    with_labels = draw_overlay(image, labelled, OverlayInfo())
    without = draw_overlay(image, bare, OverlayInfo())
    labels = np.abs(with_labels.astype(int) - without.astype(int)).sum(axis=2) > 60
    assert labels.sum() > 500  # the labels are drawn
    x0, y0, x1, y1 = face_box(lm, lambda x: int(round(x)))
    assert x1 - x0 > 20 and y1 - y0 > 20
    assert labels[max(0, y0):y1, max(0, x0):x1].sum() == 0  # and none over the face
    if view == "front":  # nor over the problems' list in the top right corner
        assert labels[:150, 380:].sum() == 0


def test_the_banner_hides_no_joint() -> None:
    obs = side_obs(state=State.ALERT)  # the hips at y = 450, where a two-line banner lies
    img = draw_overlay(BLACK, obs, OverlayInfo(profile="side", banner="Sit up"))  # short: no text near the hip
    assert colour_pixels(img[445:475, :6], VERMILLION).mean() > 0.9  # the banner is there
    hip = img[440:461, 290:311]
    assert colour_pixels(hip, (255, 255, 255), tol=40).sum() > 20  # the joint's white ring over it
    assert colour_pixels(img[300:340, 290:311], VERMILLION).sum() > 20  # the trunk's line above the banner too


def test_an_exercise_shows_its_bar_against_the_target_and_the_holds_countdown() -> None:
    from posture.sinks.overlay import ExerciseInfo

    obs = side_obs(state=State.GOOD)
    short = ExerciseInfo(title="chin tuck", cue="Draw your head back", movement=0.6, target=1.2, unit="cm",
                         counted=1, reps=10)
    far = dataclasses.replace(short, movement=1.5, held_s=1.2, hold_s=3.0)
    img_short = draw_overlay(BLACK, obs, OverlayInfo(profile="side", exercise=short))
    img_far = draw_overlay(BLACK, obs, OverlayInfo(profile="side", exercise=far))
    bar = (slice(100, 380), slice(600, 625))  # the bar at the right edge
    assert colour_pixels(img_short[bar], YELLOW).sum() > 300 and colour_pixels(img_short[bar], BLUE).sum() == 0
    assert colour_pixels(img_far[bar], BLUE).sum() > 800  # past the target: blue, and higher
    # Holding: the countdown (2 s left) in large white type in the middle; none before the target.
    middle = (slice(230, 350), slice(260, 380))
    white = lambda img: colour_pixels(img[middle], (255, 255, 255)).sum()  # noqa: E731
    assert white(img_far) > white(img_short) + 400
    # The posture problems and the angle labels make way for the exercise.
    assert colour_pixels(img_far[:150, 400:590], BLUE).sum() == 0
