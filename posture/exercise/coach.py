"""A guided exercise session, fed by the monitor's observations: the start position, then the sets,
each repetition counted (counter.py), cued and reported; the session stops when the last set is done.

The coach is a sink (posture/sinks): the capture loop hands it every analysed frame as it does to the
log or the window. It decides nothing about posture; it compares what the camera measures now with
the start position recorded at the beginning of each exercise.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Callable, Sequence

from ..errors import PostureError
from ..i18n import _
from ..sinks import BaseSink
from ..sinks.overlay import ExerciseInfo
from ..text import view_name
from ..types import Event, Observation
from .catalogue import Exercise, Measure, features, side_measure
from .counter import LIVE_MARGIN_S, Attempt, RepCounter

START_S = 3.0  # the start position: this long in view, still
REST_S = 10.0  # between sets and sides: a breather in which nothing is counted
ATTEMPTS_PER_REP = 3  # a set ends after this many attempts a repetition asked, counted or not


class CoachError(PostureError):
    """The exercise cannot be watched as the camera sees the person (another view is needed)."""


@dataclass(frozen=True)
class SetPlan:
    """One set: an exercise, how many repetitions, how long each is held, how far (None: its default)."""

    exercise: Exercise
    reps: int
    hold_s: float
    target: float | None = None


@dataclass
class SetResult:
    """What one set (one side of a two-sided exercise) came to."""

    exercise: str
    side: str | None
    view: str
    unit: str
    target: float
    hold_asked_s: float
    reps_asked: int
    started: float
    ended: float = 0.0
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return sum(a.counted for a in self.attempts)

    @property
    def wrong_movements(self) -> int:
        return sum(a.wrong is not None for a in self.attempts)

    @property
    def holds(self) -> list[float]:
        """The holds of the counted repetitions."""
        return [a.hold_s for a in self.attempts if a.counted]

    @property
    def best_range(self) -> float | None:
        ranges = [a.range for a in self.attempts if a.wrong is None]
        return max(ranges) if ranges else None

    def record(self) -> dict[str, object]:
        """The ``set`` record of the log."""
        return {"type": "set", "t": round(self.ended, 3), "exercise": self.exercise, "side": self.side,
                "view": self.view, "reps_counted": self.counted, "reps_asked": self.reps_asked,
                "attempts": len(self.attempts), "wrong_movements": self.wrong_movements,
                "holds_s": [round(h, 2) for h in self.holds], "hold_asked_s": self.hold_asked_s,
                "best_range": None if self.best_range is None else round(self.best_range, 2), "unit": self.unit,
                "target": self.target}


UNITS = {"cm": " cm", "deg": "\u00b0", "%": "%"}  # a range's unit as written after the number


def attempt_text(result: SetResult, attempt: Attempt, number: int) -> str:
    """What the user is told of an attempt: counted, with its hold and range, or why not."""
    unit = UNITS.get(result.unit, result.unit)
    if attempt.counted:
        return _("repetition {n} of {reps} counted: held {hold:.1f} s, {range:.1f}{unit}").format(
            n=result.counted, reps=result.reps_asked, hold=attempt.hold_s, range=attempt.range, unit=unit)
    why = {"not held": _("not held long enough ({hold:.1f} of {asked:g} s)"),
           "not far enough": _("not far enough ({range:.1f} of {target:g}{unit})"),
           "wrong movement": _("wrong movement: {wrong}")}[attempt.why or "not held"]
    return _("attempt {n} not counted: {why}").format(n=number, why=why.format(
        hold=attempt.hold_s, asked=result.hold_asked_s, range=attempt.range, target=result.target, unit=unit,
        wrong=_(attempt.wrong) if attempt.wrong else ""))


def rep_record(result: SetResult, attempt: Attempt, number: int) -> dict[str, object]:
    """The ``rep`` record of the log: one attempt."""
    return {"type": "rep", "t": round(attempt.end, 3), "exercise": result.exercise, "side": result.side,
            "attempt": number, "counted": attempt.counted, "hold_s": round(attempt.hold_s, 2),
            "range": round(attempt.range, 2), "unit": result.unit, "why": attempt.why,
            "wrong": attempt.wrong, "started": round(attempt.start, 3)}


def counter_for(measure: Measure, plan: SetPlan) -> RepCounter:
    """The counter of a set: on the measure itself, or timed by its timing feature and sized by it."""
    target = plan.target or measure.target
    if measure.timing:
        return RepCounter(measure.timing_target, plan.hold_s, size_target=target)
    return RepCounter(target, plan.hold_s)


class Coach(BaseSink):
    """Runs sets of exercises on the observations it is handed.

    Args:
        plans: the sets, in order (a program, or one exercise's sets).
        view: the view the settings fix ("front", "side"), or None: the one the camera shows.
        say: tells the user a cue (the terminal, the window); ``transient`` for the countdown of a hold,
            which a file's analysis need not print.
        attempt_done, set_done: told each attempt and each finished set (the log, the terminal).
        finished: called once the last set is done (the session stops).
    """

    def __init__(self, plans: Sequence[SetPlan], *, view: str | None, say: Callable[[str, bool], None],
                 attempt_done: Callable[[SetResult, Attempt, int], None],
                 set_done: Callable[[SetResult], None], finished: Callable[[], None]) -> None:
        if not plans:
            raise ValueError("no sets to do")
        self.plans = list(plans)
        self.fixed_view = view
        self.say = say
        self.attempt_done = attempt_done
        self.set_done = set_done
        self.finished = finished
        self.results: list[SetResult] = []
        self._steps = [(i, side) for i, plan in enumerate(self.plans) for side in (plan.exercise.sides or (None,))]
        self._step = 0
        self._start: dict[str, float] | None = None
        self._start_frames: list[dict[str, float]] = []
        self._start_views: list[str] = []
        self._start_t: float | None = None
        self._view: str | None = None
        self._rest_until: float | None = None
        self._counter: RepCounter | None = None
        self._current: SetResult | None = None
        self._measure: Measure | None = None
        self._last: Observation | None = None
        self._cue = ""
        self._shown: float | None = None  # the measure's reading, smoothed, for the window
        self.done = False
        self.first_t: float | None = None  # the first frame's time (set times on the clock)

    # -- what is asked now ----------------------------------------------------------------------

    @property
    def plan(self) -> SetPlan:
        return self.plans[self._steps[min(self._step, len(self._steps) - 1)][0]]

    @property
    def side(self) -> str | None:
        return self._steps[min(self._step, len(self._steps) - 1)][1]

    def _key(self, step: int) -> tuple[str, str | None]:
        index, side = self._steps[min(step, len(self._steps) - 1)]
        return self.plans[index].exercise.id, side

    def _title(self) -> str:
        """The exercise (and side) under way, with "set 2 of 3" where it has more than one set."""
        side = {"left": _("left"), "right": _("right")}.get(self.side or "", "")
        name = _(self.plan.exercise.name) + (f" ({side})" if side else "")
        key = self._key(self._step)
        total = sum(1 for i in range(len(self._steps)) if self._key(i) == key)
        number = sum(1 for i in range(min(self._step, len(self._steps) - 1) + 1) if self._key(i) == key)
        return name if total == 1 else _("{name}, set {n} of {total}").format(name=name, n=number, total=total)

    def _tell(self, cue: str, transient: bool = False) -> None:
        if cue != self._cue:
            self._cue = cue
            self.say(cue, transient)

    def view_info(self) -> ExerciseInfo:
        """What the window shows now."""
        plan = self.plan
        counter, measure, current = self._counter, self._measure, self._current
        if counter is None or measure is None or current is None:
            return ExerciseInfo(title=self._title(), cue=self._cue, hold_s=plan.hold_s, reps=plan.reps)
        return ExerciseInfo(title=self._title(), cue=self._cue, movement=self._shown,
                            target=counter.size_target or counter.target,
                            unit=measure.unit, held_s=counter.held(self._last.frame.t) if self._last else 0.0,
                            hold_s=plan.hold_s + LIVE_MARGIN_S, counted=current.counted, reps=plan.reps,
                            best=counter.best or None)

    # -- the sink -------------------------------------------------------------------------------

    def handle(self, obs: Observation) -> None:
        if self.done:
            return
        if self.first_t is None:
            self.first_t = obs.frame.t
        self._last = obs
        t = obs.frame.t
        if self._rest_until is not None:
            if t < self._rest_until:
                self._tell(_("Rest; next: {title} in {seconds:.0f} s").format(
                    title=self._title(), seconds=math.ceil(self._rest_until - t)), True)
                return
            self._rest_until = None
            if self._start is not None:  # the next set or side, from the same start position
                self._tell(self._go_cue())
        if self._start is None:
            self._record_start(obs)
            return
        self._follow(obs)

    def _record_start(self, obs: Observation) -> None:
        t = obs.frame.t
        if not obs.present or obs.view is None:
            self._start_frames.clear()
            self._start_views.clear()
            self._start_t = None
            self._tell(_("{title}: come into view").format(title=self._title()))
            return
        if self._start_t is None:
            self._start_t = t
            self._tell(_("{title}: sit in your start position and hold still for {seconds:g} s").format(
                title=self._title(), seconds=START_S))
        self._start_frames.append(features(obs))
        self._start_views.append(obs.seen_view or obs.view)
        if t - self._start_t < START_S:
            return
        view = self.fixed_view or max(set(self._start_views), key=self._start_views.count)
        exercise = self.plan.exercise
        measure = exercise.measures.get(view)
        if measure is None:
            needed = " / ".join(view_name(v) for v in exercise.measures)
            raise CoachError(_("the {exercise} is watched from the {needed}, but the camera sees you from the "
                               "{view}: place the camera so that it sees you from the {needed}").format(
                exercise=_(exercise.name), needed=needed, view=view_name(view)))
        keys = set().union(*self._start_frames)
        start = {k: statistics.median(f[k] for f in self._start_frames if k in f) for k in keys}
        if measure.feature not in start:
            raise CoachError(_("the {exercise} needs {what}, which the camera cannot measure here").format(
                exercise=_(exercise.name), what=_(measure.what)))
        self._start, self._view = start, view
        self._begin_set(t)
        self._tell(self._go_cue())

    def _begin_set(self, started: float) -> None:
        """The counter and the result of the set (or side) now asked, in the view of the start position."""
        plan = self.plan
        measure = plan.exercise.measures[self._view or ""]
        self._measure = side_measure(plan.exercise, measure, self.side)
        self._counter = counter_for(self._measure, plan)
        self._current = SetResult(plan.exercise.id, self.side, self._view or "", measure.unit,
                                  plan.target or measure.target, plan.hold_s, plan.reps, started=started)

    def _go_cue(self) -> str:
        plan = self.plan
        return _("{title}: {instructions} ({reps} times, hold {hold:g} s)").format(
            title=self._title(), instructions=_(plan.exercise.instructions), reps=plan.reps, hold=plan.hold_s)

    def _follow(self, obs: Observation) -> None:
        assert self._counter is not None and self._measure is not None and self._current is not None
        assert self._start is not None
        now = features(obs)
        measure = self._measure
        size = measure.movement(now, self._start) if obs.present else None
        timing = measure.timing_movement(now, self._start) if obs.present and measure.timing else None
        if size is not None and math.isfinite(size):  # what the window shows: the measure's own reading
            self._shown = size if self._shown is None else self._shown + 0.3 * (size - self._shown)
        wrong = next((w for w in self.plan.exercise.wrong if w.test(now, self._start)), None) if obs.present else None
        attempt = self._counter.step(obs.frame.t, timing if measure.timing else size, wrong.name if wrong else None,
                                     wrong.attempt if wrong else True, size=size if measure.timing else None)
        counter = self._counter
        if counter.wrong_now is not None and counter.active:
            self._tell(_(counter.wrong_now))
        elif counter.active and counter.held(obs.frame.t) > 0:
            left = self.plan.hold_s + LIVE_MARGIN_S - counter.held(obs.frame.t)
            self._tell(_("hold {seconds:.0f}").format(seconds=left + 0.5) if left > 0 else _("and let go"), True)
        if attempt is not None:
            self._attempt(attempt)

    def _attempt(self, attempt: Attempt) -> None:
        result = self._current
        assert result is not None
        result.attempts.append(attempt)
        self.attempt_done(result, attempt, len(result.attempts))
        if attempt.counted:
            self._cue = ""  # the next cue is said again
        if result.counted >= result.reps_asked or len(result.attempts) >= ATTEMPTS_PER_REP * result.reps_asked:
            self._end_set(attempt.end)

    def _end_set(self, t: float) -> None:
        result = self._current
        assert result is not None
        result.ended = t
        self.results.append(result)
        self.set_done(result)
        self._current = None
        self._counter = None
        self._step += 1
        if self._step >= len(self._steps):
            self.done = True
            self.finished()
            return
        if self.plan.exercise.id != result.exercise:  # another exercise: its own start position
            self._start = None
            self._start_frames.clear()
            self._start_views.clear()
            self._start_t = None
        else:  # the next set or side: the same start position
            self._begin_set(t + REST_S)
        self._rest_until = t + REST_S

    def close(self, final_events: Sequence[Event] = ()) -> None:
        """The session ends (the clip is over, the user quit): the set under way is closed as it stands."""
        if self.done or self._current is None or self._counter is None:
            return
        attempt = self._counter.finish()
        if attempt is not None:
            self._current.attempts.append(attempt)
            self.attempt_done(self._current, attempt, len(self._current.attempts))
        self._current.ended = self._last.frame.t if self._last is not None else self._current.started
        self.results.append(self._current)
        self.set_done(self._current)
        self._current = None
        self.done = True
