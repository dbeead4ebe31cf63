"""Counting repetitions on made-up movements: smooth ways in and out, a hold, the slow sway and the
jitter a camera adds; a wrong movement, a short one, one let go too early."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posture.exercise.counter import NOT_FAR_ENOUGH, NOT_HELD, WRONG_MOVEMENT, RepCounter, plateau

FPS = 10.0


def movement(reps: list[tuple[float, float, float]], length_s: float, *, way_s: float = 2.0, sway: float = 0.0,
             jitter: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Readings at 10 a second: each rep (start, level, hold) goes in along a cosine way, holds, comes
    back; plus a slow sway (0.05 and 0.13 Hz) and white jitter."""
    t = np.arange(0.0, length_s, 1.0 / FPS)
    y = np.zeros_like(t)
    for start, level, hold in reps:
        x = t - start
        up = 0.5 - 0.5 * np.cos(np.pi * np.clip(x / way_s, 0, 1))
        down = 0.5 - 0.5 * np.cos(np.pi * np.clip((x - way_s - hold) / way_s, 0, 1))
        y += level * (up - down)
    rng = np.random.default_rng(seed)
    y += sway * (np.sin(2 * np.pi * 0.05 * t + 1.0) + 0.6 * np.sin(2 * np.pi * 0.13 * t)) / 1.6
    y += rng.normal(0.0, jitter, len(t))
    return t, y


def count(t: np.ndarray, y: np.ndarray, target: float, hold_s: float, wrong=lambda t: None):  # noqa: ANN001
    counter = RepCounter(target, hold_s)
    attempts = [a for ti, yi in zip(t, y) if (a := counter.step(float(ti), float(yi), wrong(ti)))]
    last = counter.finish()
    return attempts + ([last] if last else [])


@pytest.mark.parametrize("way_s", [1.0, 2.0, 3.0])
def test_the_hold_is_the_time_between_the_way_in_and_the_way_out(way_s: float) -> None:
    for hold in (2.0, 3.0, 5.0):
        t, y = movement([(2.0, 2.5, hold)], 2.0 + 2 * way_s + hold + 4.0, way_s=way_s, sway=0.3, jitter=0.1)
        counter = RepCounter(100.0, 0.0)  # smooths the readings as the app does; never starts an attempt
        smoothed = []
        for ti, yi in zip(t, y):
            counter.step(float(ti), float(yi))
            smoothed.append(counter.value)
        shape = plateau(list(t), smoothed)
        measured, level = shape.hold_s, shape.level
        assert measured == pytest.approx(hold, abs=0.5)
        assert level == pytest.approx(2.5, abs=0.3)


def test_five_reps_counted_none_at_rest() -> None:
    reps = [(10.0 + 9 * i, 2.4 + 0.2 * (i % 2), 3.0) for i in range(5)]
    t, y = movement(reps, 70.0, sway=0.2, jitter=0.1, seed=3)  # the holds' accuracy on real footage: benchmarks
    attempts = count(t, y, target=1.2, hold_s=3.0)
    assert [a.counted for a in attempts] == [True] * 5
    for a, (start, level, hold) in zip(attempts, reps):
        assert start - 1 < a.start < start + 2.5  # each attempt is its own rep
        assert a.hold_s == pytest.approx(hold, abs=0.5)
        assert a.range == pytest.approx(level, abs=0.35)
    # Rest alone, with the same sway and jitter: nothing at all.
    t, y = movement([], 60.0, sway=0.3, jitter=0.15, seed=4)
    assert count(t, y, target=1.2, hold_s=3.0) == []


def test_why_an_attempt_did_not_count() -> None:
    # Half-way only, let go after 1 s, and a nod (the wrong movement) while hardly moving.
    t, y = movement([(5.0, 0.9, 3.0), (20.0, 2.5, 1.0), (35.0, 0.3, 3.0)], 50.0, jitter=0.05)
    nod = lambda ti: "nod" if 36.0 <= ti <= 41.0 else None  # noqa: E731
    attempts = count(t, y, target=1.2, hold_s=3.0, wrong=nod)
    assert [(a.counted, a.why) for a in attempts] == [(False, NOT_FAR_ENOUGH), (False, NOT_HELD),
                                                      (False, WRONG_MOVEMENT)]
    assert attempts[1].hold_s == pytest.approx(1.0, abs=0.4)
    assert attempts[2].wrong == "nod"


@pytest.mark.parametrize("way_s", [1.0, 2.0])
def test_a_hold_let_go_early_is_not_counted(way_s: float) -> None:
    # The live countdown starts before the way in ends and sees the let-go only on the way out, so it
    # runs ahead of the hold; a rep counts when it ran out, or when the movement's shape shows the hold.
    # Neither may count half a hold: asked 3 s, 1.5 s is never counted, 2.7 s always (ten seeds of jitter).
    for hold, counted in ((1.0, False), (1.5, False), (2.7, True), (3.0, True)):
        for seed in range(10):
            t, y = movement([(5.0, 2.5, hold)], 20.0, way_s=way_s, sway=0.2, jitter=0.1, seed=seed)
            [attempt] = count(t, y, target=1.2, hold_s=3.0)
            assert (attempt.counted, attempt.why) == (counted, None if counted else NOT_HELD), (hold, seed)


def test_a_wrong_movement_spoils_a_rep_that_reaches_the_target() -> None:
    t, y = movement([(5.0, 2.5, 3.0)], 20.0, jitter=0.05)
    attempts = count(t, y, target=1.2, hold_s=3.0, wrong=lambda ti: "nod" if 8.0 <= ti <= 9.5 else None)
    assert len(attempts) == 1 and attempts[0].why == WRONG_MOVEMENT and not attempts[0].counted


def test_a_flicker_and_missing_readings_are_not_attempts() -> None:
    counter = RepCounter(1.0, 2.0)
    seen = []
    for i in range(300):
        ti = i / FPS
        value = 0.9 if 10.0 <= ti < 10.4 else None if 15.0 <= ti < 17.0 else 0.0
        seen.append(counter.step(ti, value))
    assert [a for a in seen if a] == [] and counter.finish() is None
    with pytest.raises(ValueError):
        RepCounter(0.0, 1.0)
    assert not math.isnan(counter.value or 0.0)


def test_each_exercise_reads_its_own_movement_and_wrong_movements() -> None:
    from posture.exercise.catalogue import EXERCISE, EXERCISES, exercise_for, side_measure

    start = {"face_z_cm": -46.0, "neck_flexion_deg": 2.0, "head_yaw_deg": 1.0, "head_tilt_deg": 0.5,
             "shoulder_width_px": 300.0, "shoulder_angle_deg": 50.0, "trunk_inclination_deg": 12.0,
             "eyes_forward_cm": 6.0, "head_forward_cm": 3.0}

    def moved(**change: float) -> dict[str, float]:
        return {k: v + change.get(k, 0.0) for k, v in start.items()}

    tuck = EXERCISE["chin_tuck"]
    assert tuck.measures["front"].movement(moved(face_z_cm=-2.5), start) == pytest.approx(2.5)  # 2.5 cm further
    assert tuck.measures["side"].movement(moved(eyes_forward_cm=-2.0), start) == pytest.approx(2.0)
    assert [w.test(moved(neck_flexion_deg=12.0), start) for w in tuck.wrong] == [True]  # a nod
    assert not any(w.test(moved(face_z_cm=-2.5, neck_flexion_deg=-1.0), start) for w in tuck.wrong)
    squeeze = EXERCISE["shoulder_squeeze"]
    assert squeeze.measures["front"].movement(moved(shoulder_width_px=-15.0), start) == pytest.approx(5.0)  # 5 %
    assert squeeze.measures["side"].movement(moved(shoulder_angle_deg=7.0), start) == pytest.approx(7.0)
    assert any(w.test(moved(face_z_cm=-4.0), start) for w in squeeze.wrong)  # the whole body leans back
    sit = EXERCISE["sit_tall"]
    assert sit.measures["side"].movement(moved(trunk_inclination_deg=-6.0), start) == pytest.approx(6.0)
    assert any(w.test(moved(head_forward_cm=2.0), start) for w in sit.wrong)  # sitting up, the head poked forward
    bend = EXERCISE["neck_side_bend"]
    assert bend.sides == ("left", "right") and set(bend.measures) == {"front"}
    left, right = (side_measure(bend, bend.measures["front"], s) for s in bend.sides)
    assert left.movement(moved(head_tilt_deg=18.0), start) == pytest.approx(18.0)
    assert right.movement(moved(head_tilt_deg=-18.0), start) == pytest.approx(18.0)
    assert [w.test(moved(head_yaw_deg=25.0), start) for w in bend.wrong] == [True, False]  # turned, not bent
    # Missing readings: no movement rather than a made-up one.
    assert tuck.measures["front"].movement({}, start) is None
    # Every exercise has words for people, a target and an opposed problem the table knows.
    from posture.problems import PROBLEM

    for e in EXERCISES:
        assert e.name and e.instructions and e.against in PROBLEM and e.reps > 0 and e.hold_s > 0
        assert all(m.target > 0 and m.unit in ("cm", "deg", "%") for m in e.measures.values())
    assert exercise_for("rounded_shoulders", "front").id == "shoulder_squeeze"
    assert exercise_for("head_tilt", "side") is None  # the side bend is watched from the front only


def test_a_two_sided_exercise_counts_each_side_after_a_rest() -> None:
    """The neck side bend from the front on made-up readings: the start position, two bends to the left,
    a rest, two to the right; each side its own set."""
    from posture.exercise.catalogue import EXERCISE
    from posture.exercise.coach import REST_S, Coach, SetPlan
    from posture.types import Frame, Metrics, Observation
    from tests.helpers import make_landmarks

    image = np.zeros((4, 4, 3), np.uint8)
    lm = make_landmarks({})

    def tilt(t: float) -> float:  # left bends at 5 and 12 s, right bends after the rest
        for start, sign in ((5.0, 1), (12.0, 1), (20.0 + REST_S, -1), (27.0 + REST_S, -1)):
            x = t - start
            if 0 <= x <= 6:  # 1.5 s in, 3 s held, 1.5 s out
                up = 0.5 - 0.5 * math.cos(math.pi * min(x / 1.5, 1.0))
                down = 0.5 - 0.5 * math.cos(math.pi * min(max(x - 4.5, 0.0) / 1.5, 1.0))
                return sign * 20.0 * (up - down)
        return 0.0

    said, results = [], []
    coach = Coach([SetPlan(EXERCISE["neck_side_bend"], 2, 3.0)], view=None,
                  say=lambda cue, transient=False: said.append(cue), attempt_done=lambda r, a, n: None,
                  set_done=results.append, finished=lambda: said.append("finished"))
    for i in range(int((40 + REST_S) * FPS)):
        t = i / FPS
        coach.handle(Observation(Frame(image, t, i), lm, Metrics(view="front", head_tilt_deg=tilt(t), head_yaw_deg=0.0,
                                                                 neck_flexion_deg=0.0), "front", {},
                                 presence="present", seen_view="front"))
    assert [(r.side, r.counted, len(r.attempts)) for r in results] == [("left", 2, 2), ("right", 2, 2)]
    assert all(abs(h - 3.0) <= 0.5 for r in results for h in r.holds)
    assert said[0] == "neck side bend (left): sit in your start position and hold still for 3 s"
    assert any(c.startswith("neck side bend (right):") for c in said) and said[-1] == "finished"
