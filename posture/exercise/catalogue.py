"""The corrective exercises, each defined once: what to do, from which view it is watched, what it
moves and how far, how long to hold, what counts as a wrong movement and which posture problem it
works against. The coach, the log, the history and the report read this table.

How far each exercise moves what the camera measures was read off the rendered exercise clips
(docs/design/exercise-signals.md); the targets are a little over half of what the clips' body reached
(the side squeeze's a third: filmed from the body's other side, the mirrored clip, the same squeeze
opens the shoulder angle 4.5 deg instead of 7), so that a smaller person, a shorter range or another
camera still counts while the camera's jitter at rest (a few tenths) never does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from ..i18n import N_
from ..types import LM, Observation

TRUNK_CM = 50.0  # shoulder joint to hip joint of an adult: 0.29 of the stature (Drillis & Contini), 1.72 m


def features(obs: Observation) -> dict[str, float]:
    """What the exercises read from one analysed frame (only what was measured), before the monitor's
    smoothing (which lags a quick movement; the repetition counter smooths with its own time constant)."""
    out: dict[str, float] = {}
    m = obs.raw if obs.raw is not None else obs.metrics  # unsmoothed: the counter smooths in its own way
    if m is not None:
        for key in ("face_z_cm", "head_pitch_deg", "head_yaw_deg", "neck_flexion_deg", "shoulder_angle_deg",
                    "trunk_inclination_deg", "head_tilt_deg", "head_forward_cm", "cva_deg"):
            value = getattr(m, key)
            if value is not None and np.isfinite(value):
                out[key] = float(value)
    lm = obs.landmarks
    if lm is None or obs.view is None:
        return out
    px = lm.px
    seen = lambda *ids: all(lm.presence[i] > 0.5 for i in ids)  # noqa: E731
    if obs.view == "front" and seen(LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER):
        out["shoulder_width_px"] = float(np.linalg.norm(px[LM.LEFT_SHOULDER] - px[LM.RIGHT_SHOULDER]))
    ears = [px[i] for i in (LM.LEFT_EAR, LM.RIGHT_EAR) if lm.presence[i] > 0.5]
    eyes = [px[i] for i in (LM.LEFT_EYE, LM.RIGHT_EYE) if lm.presence[i] > 0.5]
    if obs.view == "side" and seen(LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP, LM.NOSE) and \
            ears and eyes:
        shoulders = (px[LM.LEFT_SHOULDER] + px[LM.RIGHT_SHOULDER]) / 2
        hips = (px[LM.LEFT_HIP] + px[LM.RIGHT_HIP]) / 2
        trunk = float(np.linalg.norm(shoulders - hips))
        facing = 1.0 if px[LM.NOSE][0] >= np.mean(ears, axis=0)[0] else -1.0
        if trunk > 0:  # the eyes ahead of the shoulders, in cm at an adult's trunk length
            out["eyes_forward_cm"] = float((np.mean(eyes, axis=0)[0] - shoulders[0]) * facing / trunk * TRUNK_CM)
    return out


@dataclass(frozen=True)
class Measure:
    """How the camera sees an exercise from one view: the feature it moves, which way, in what unit.

    Attributes:
        feature: a key of :func:`features`.
        sign: +1 where the exercise makes the feature larger, -1 where smaller.
        unit: "cm", "deg" or "%" (``percent``: the change as a share of the start position's value).
        target: how far the movement must go by default, in the unit.
        what: what moves, for people.
        timing: a feature whose course shows the repetitions more cleanly than ``feature`` (which then
            gives only how far each went): the front face's distance wavers with the head's pitch, while
            the CVA estimate follows a chin tuck's way in, hold and way out (docs/accuracy.md, exercises).
        timing_sign, timing_target: its direction and how far it must move (its own unit).
    """

    feature: str
    sign: float
    unit: str
    target: float
    what: str
    percent: bool = False
    timing: str | None = None
    timing_sign: float = 1.0
    timing_target: float = 0.0

    def movement(self, now: Mapping[str, float], start: Mapping[str, float]) -> float | None:
        """How far the body has moved in the exercise's direction since the start position."""
        return _moved(self.feature, self.sign, self.percent, now, start)

    def timing_movement(self, now: Mapping[str, float], start: Mapping[str, float]) -> float | None:
        """The timing feature's move in the exercise's direction (None without one)."""
        return _moved(self.timing, self.timing_sign, False, now, start) if self.timing else None

    def mirrored(self) -> "Measure":
        """The same measure for the other side (a two-sided exercise's right)."""
        return dataclasses.replace(self, sign=-self.sign, timing_sign=-self.timing_sign)


def _moved(feature: str | None, sign: float, percent: bool, now: Mapping[str, float],
           start: Mapping[str, float]) -> float | None:
    if feature is None or feature not in now or feature not in start:
        return None
    if percent:
        return sign * (now[feature] / start[feature] - 1.0) * 100.0 if start[feature] else None
    return sign * (now[feature] - start[feature])


@dataclass(frozen=True)
class Wrong:
    """A wrong movement: its name for people, when it is happening (a test on the change from the
    start position), and whether it is an attempt by itself (a nod is the usual mistaken chin tuck) or
    only spoils a repetition the exercise's own movement began."""

    name: str
    test: Callable[[Mapping[str, float], Mapping[str, float]], bool]
    attempt: bool = False


def _change(key: str, now: Mapping[str, float], start: Mapping[str, float]) -> float:
    return now[key] - start[key] if key in now and key in start else 0.0


NOD = Wrong(N_("nodding: the head bends down instead of moving back"),
            lambda now, start: _change("neck_flexion_deg", now, start) > 8.0, attempt=True)
LEAN_BACK_FRONT = Wrong(N_("leaning back: the whole body moves, not the shoulder blades"),
                        lambda now, start: -_change("face_z_cm", now, start) > 2.5)
LEAN_BACK_SIDE = Wrong(N_("leaning back: the whole body moves, not the shoulder blades"),
                       lambda now, start: _change("trunk_inclination_deg", now, start) < -6.0)
HEAD_FORWARD = Wrong(N_("the head moves forward: keep it over the trunk"),
                     lambda now, start: _change("head_forward_cm", now, start) > 1.5)
TURN = Wrong(N_("turning the head: bend it sideways, the nose keeps pointing ahead"),
             lambda now, start: abs(_change("head_yaw_deg", now, start)) > 20.0)
BEND_FORWARD = Wrong(N_("bending the head forward: bend it sideways"),
                     lambda now, start: _change("neck_flexion_deg", now, start) > 15.0)


@dataclass(frozen=True)
class Exercise:
    """One corrective exercise.

    Attributes:
        id: its name in commands, programs, the log and the history.
        name, instructions: for people (English; translate with ``_``).
        against: the posture problem it works against (posture/problems.py).
        measures: how each camera view watches it.
        wrong: the wrong movements (a repetition with one does not count).
        hold_s, reps: the default hold and repetitions of a set.
        sides: done to each side in turn ("left", "right"), counted separately; () for one way.
    """

    id: str
    name: str
    instructions: str
    against: str
    measures: Mapping[str, Measure]
    wrong: tuple[Wrong, ...]
    hold_s: float
    reps: int
    sides: tuple[str, ...] = ()


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        "chin_tuck", N_("chin tuck"),
        N_("Sit upright and look ahead. Draw your head straight back, as if making a double chin, keeping "
           "your chin level (do not nod). Hold, then let go slowly."),
        against="forward_head",
        measures={"front": Measure("face_z_cm", -1.0, "cm", 1.2, N_("the face moving back"),
                                   timing="cva_deg", timing_sign=1.0, timing_target=2.5),
                  # From the side the eyes, not the ears: the pose model's ear follows a tuck at 0.70 of its
                  # true move (0.55-0.83), the eyes at 0.89 (0.71-1.10; docs/design/exercise-signals.md).
                  "side": Measure("eyes_forward_cm", -1.0, "cm", 1.2, N_("the head moving back over the shoulder"))},
        wrong=(NOD,), hold_s=3.0, reps=10),
    Exercise(
        "shoulder_squeeze", N_("shoulder-blade squeeze"),
        N_("Sit upright, arms relaxed. Draw your shoulder blades back and together, without lifting your "
           "shoulders or leaning back. Hold, then let go."),
        against="rounded_shoulders",
        measures={"side": Measure("shoulder_angle_deg", 1.0, "deg", 2.5, N_("the shoulder moving back")),
                  "front": Measure("shoulder_width_px", -1.0, "%", 2.5, N_("the shoulders drawing back (the "
                                                                           "shoulder line narrows)"), percent=True)},
        wrong=(LEAN_BACK_FRONT, LEAN_BACK_SIDE), hold_s=3.0, reps=10),
    Exercise(
        "sit_tall", N_("sit tall"),
        N_("Sit as you usually do. Then sit tall: lift your breastbone, let the crown of your head rise, "
           "shoulders relaxed and the head over the trunk. Hold, breathing calmly."),
        against="slump",
        measures={"side": Measure("trunk_inclination_deg", -1.0, "deg", 4.0, N_("the trunk coming upright")),
                  "front": Measure("trunk_inclination_deg", -1.0, "deg", 4.0, N_("the trunk coming upright "
                                                                                 "(read off the shoulders)"))},
        wrong=(HEAD_FORWARD,), hold_s=10.0, reps=3),
    Exercise(
        "neck_side_bend", N_("neck side bend"),
        N_("Sit upright. Bend your head sideways, ear towards the shoulder, the nose pointing ahead and the "
           "shoulders down. Hold, come back, then the other side."),
        against="head_tilt",
        measures={"front": Measure("head_tilt_deg", 1.0, "deg", 15.0, N_("the head bending sideways"))},
        wrong=(TURN, BEND_FORWARD), hold_s=5.0, reps=5, sides=("left", "right")),
)
EXERCISE = {e.id: e for e in EXERCISES}


def side_measure(exercise: Exercise, measure: Measure, side: str | None) -> Measure:
    """The measure for one side of a two-sided exercise (the right mirrors the left's sign)."""
    return measure.mirrored() if side == "right" else measure


def exercise_for(kind: str, view: str | None) -> Exercise | None:
    """The exercise against a posture problem that the camera's view can watch (the break reminder's
    offer), or None."""
    return next((e for e in EXERCISES if e.against == kind and (view is None or view in e.measures)), None)
