"""Counting repetitions of one movement: a stream of readings (time, how far the body has moved in
the exercise's direction, a wrong movement if one is seen) in, attempts out.

Plain arithmetic, no pictures: tested on made-up movements, measured on the rendered exercise clips
(benchmarks/accuracy.py, section exercises).

An attempt starts when the movement passes half the target (or a wrong movement lasts), and ends
when the body is back near the start position. Then it is judged: counted when the target was
reached and the end position held long enough (by the movement's shape or by the live countdown)
without a wrong movement; otherwise the first of
"wrong movement", "not far enough", "not held" says why. Its range is the movement at the end
position (the median of the readings near the top), its hold the time spent there.

How long the end position was held: the readings of the attempt are fitted with the movement's shape
(:func:`plateau`): a smooth way in, the hold, a smooth way out.
"""

from __future__ import annotations

import collections
import math

import numpy as np
from dataclasses import dataclass, field

START_SHARE = 0.5  # an attempt starts when the movement passes this share of the target
RETURN_SHARE = 0.3  # ... and ends when it is back under this share of the target, or of its own peak
RETURN_PEAK_SHARE = 0.4  # (the larger of the two: a deep repetition ends when it is clearly on its way back)
TOP_SHARE = 0.8  # the end position: readings above this share of the attempt's peak
HOLD_GRACE_S = 0.5  # a hold this much short of the asked time still counts (the measurement's accuracy)
WRONG_MIN_S = 0.6  # a wrong movement must last this long to count (not one noisy reading)
SETTLE_S = 0.3  # the body must stay back this long before the attempt ends (no flicker at the edge)
MIN_ATTEMPT_S = 1.0  # shorter excursions without a wrong movement are noise, not attempts
# Live, for the countdown: the end position is reached at ARRIVED_SHARE of the attempt's furthest point
# so far, and left under LET_GO_SHARE of it or LET_GO_TARGET_SHARE of the target. The band between is
# wide because the jitter of a head's landmarks is a tenth of a chin tuck's way: a narrower band lets go
# in the middle of a hold. On a clean 2 s way in and out the countdown so runs about 1 s ahead of the
# hold (it starts 0.4 s before the way in ends and sees the let-go 0.7 s into the way out); judged at
# the end, a hold of 2 s of the 3 s asked then counts, one of 1.5 s not (tests/test_exercise_counter.py).
ARRIVED_SHARE = 0.9
LET_GO_SHARE = 0.75
LET_GO_TARGET_SHARE = 0.8
LIVE_MARGIN_S = 0.3  # the countdown asks this much longer than the hold, so that what it lets go counts
PRE_ROLL_S = 3.0  # readings kept from before an attempt starts (the start of its way in)
POST_ROLL_S = 1.0  # readings taken after the body is back, before the attempt is judged (the end of its way out)

NOT_HELD, NOT_FAR_ENOUGH, WRONG_MOVEMENT = "not held", "not far enough", "wrong movement"


@dataclass
class Attempt:
    """One repetition tried: when, whether it counted and why not, how long held and how far."""

    start: float
    end: float
    counted: bool
    hold_s: float
    range: float  # at the end position, in the measure's unit (0 where never moved)
    peak: float
    why: str | None = None  # NOT_HELD, NOT_FAR_ENOUGH or WRONG_MOVEMENT when not counted
    wrong: str | None = None  # which wrong movement (its name), if one was seen


@dataclass
class _Open:
    start: float
    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    sizes: list[float | None] = field(default_factory=list)  # the measure's own reading, where it is not the timing's
    wrong_s: dict[str, float] = field(default_factory=dict)
    back_since: float | None = None


class RepCounter:
    """Follows one movement and says when an attempt is over, and how it went.

    Args:
        target: how far the movement must go (in the measure's unit; positive).
        hold_s: how long the end position must be held (0: reaching it is enough).
        smooth_s: time constant of the smoothing of the readings (a camera's jitter).
        size_target: where the timing and the size come from two readings (``step``'s ``size``): how far
            the size must go; the attempt's range is then the size during the hold.
    """

    def __init__(self, target: float, hold_s: float, *, smooth_s: float = 0.3,
                 size_target: float | None = None) -> None:
        if not target > 0:
            raise ValueError("target must be positive")
        self.target = target
        self.size_target = size_target
        self.hold_s = hold_s
        self.smooth_s = smooth_s
        self.value: float | None = None  # the smoothed movement now
        self._t: float | None = None
        self._open: _Open | None = None
        self._wrong_since: dict[str, float] = {}
        self._arrived: float | None = None  # live: when the end position was reached in this attempt
        self._let_go: float | None = None  # ... and when the movement fell back under the target
        self._recent: collections.deque[tuple[float, float, float | None]] = collections.deque()
        self._rest: float | None = None  # the lowest reading since the last attempt (where this one starts from)
        self.best = 0.0  # the furthest any attempt went (its range)
        self._ways: list[float] = []  # how long the set's ways in and out took (plateau)

    # -- live -----------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """An attempt is under way."""
        return self._open is not None

    def held(self, t: float) -> float:
        """How long the target has been held so far in this attempt (the countdown): from reaching it,
        settled, until it falls back (under the target or a tenth under the peak)."""
        if self._arrived is None or self._open is None:
            return 0.0
        return (self._let_go if self._let_go is not None else t) - self._arrived

    @property
    def wrong_now(self) -> str | None:
        """A wrong movement going on now (for the cue), else None."""
        return next(iter(self._wrong_since), None)

    # -- the stream -----------------------------------------------------------------------------

    def step(self, t: float, movement: float | None, wrong: str | None = None,
             wrong_is_attempt: bool = True, size: float | None = None) -> Attempt | None:
        """One reading; returns the attempt that ended with it, if one did. ``movement`` None: not
        measurable now (nobody in view, the face hidden): the attempt waits. ``wrong``: a wrong movement
        seen now; with ``wrong_is_attempt`` it is an attempt by itself, else it only spoils one.
        ``size``: the measure's own reading where ``movement`` only times the repetition (a cleaner
        signal in other units)."""
        if movement is None or not math.isfinite(movement):
            return None
        dt = 0.0 if self._t is None else max(0.0, t - self._t)
        self._t = t
        if self.value is None or self.smooth_s <= 0:
            self.value = movement
        else:
            a = 1.0 - math.exp(-dt / self.smooth_s) if dt > 0 else 0.0
            self.value += a * (movement - self.value)
        v = self.value
        for name in list(self._wrong_since):
            if name != wrong:
                del self._wrong_since[name]
        if wrong is not None:
            self._wrong_since.setdefault(wrong, t)
        wrong_long = wrong_is_attempt and any(t - since >= WRONG_MIN_S for since in self._wrong_since.values())
        attempt = self._open
        if attempt is None:
            self._rest = v if self._rest is None else min(self._rest, v)
            if v >= max(START_SHARE * self.target, self._rest + START_SHARE * self.target) or wrong_long:
                self._open = attempt = _Open(start=t)
                self._arrived = None
                attempt.times = [r[0] for r in self._recent]
                attempt.values = [r[1] for r in self._recent]
                attempt.sizes = [r[2] for r in self._recent]
                self._recent.clear()
            else:
                self._recent.append((t, v, size))
                while self._recent and self._recent[0][0] < t - PRE_ROLL_S:
                    self._recent.popleft()
                return None
        attempt.times.append(t)
        attempt.values.append(v)
        attempt.sizes.append(size)
        for name, since in self._wrong_since.items():
            if t - since >= WRONG_MIN_S:
                attempt.wrong_s[name] = max(attempt.wrong_s.get(name, 0.0), t - since)
        peak = max(attempt.values)
        if self._arrived is None and v >= self.target and v >= ARRIVED_SHARE * peak:
            self._arrived = t
        elif self._arrived is not None and self._let_go is None and (
                v < LET_GO_TARGET_SHARE * self.target or v < LET_GO_SHARE * peak):
            self._let_go = t
        back = v < max(RETURN_SHARE * self.target, RETURN_PEAK_SHARE * peak) and not (wrong_is_attempt and
                                                                                        self._wrong_since)
        if not back:
            attempt.back_since = None
            return None
        if attempt.back_since is None:
            attempt.back_since = t
        if t - attempt.back_since < SETTLE_S + POST_ROLL_S:
            return None
        self._open = None
        self._rest = None
        return self._judge(attempt)

    def finish(self) -> Attempt | None:
        """The end of the set: an attempt still under way is judged as it stands."""
        attempt, self._open = self._open, None
        return self._judge(attempt) if attempt is not None else None

    def _live_held(self, end: float) -> float:
        """The countdown's hold of the attempt being judged (then forgotten)."""
        held = 0.0 if self._arrived is None else (self._let_go if self._let_go is not None else end) - self._arrived
        self._arrived = self._let_go = None
        return held

    def _judge(self, a: _Open) -> Attempt | None:
        times, values = a.times, a.values
        peak = max(values)
        wrong = max(a.wrong_s, key=a.wrong_s.get) if a.wrong_s else None
        out = [ti for ti, v in zip(times, values) if v >= START_SHARE * self.target]
        if wrong is None and (not out or out[-1] - out[0] < MIN_ATTEMPT_S):
            return None  # a flicker, not an attempt
        shape = plateau(times, values, self._ways)
        hold, level = shape.hold_s, shape.level
        counted_down = self._live_held(times[-1])
        far = level >= self.target
        reach = level
        if self.size_target is not None:  # the range in the measure's own unit, read at the end position
            during = [z for v, z in zip(values, a.sizes) if v >= TOP_SHARE * level and z is not None]
            reach = float(np.median(during)) if during else 0.0
            far = far and reach >= self.size_target
        # Held: as the movement's shape shows, or until the countdown said to let go (what the person was
        # told to follow; a head's landmarks can drift during a hold, so that the shape reads it short).
        held = hold >= self.hold_s - HOLD_GRACE_S or counted_down >= self.hold_s + LIVE_MARGIN_S
        counted = wrong is None and far and held
        why = None if counted else WRONG_MOVEMENT if wrong else NOT_FAR_ENOUGH if not far else NOT_HELD
        if wrong is None:
            self.best = max(self.best, reach)
        if wrong is None and far:  # the set's pace: from the movements that were the exercise
            self._ways.extend(shape.ways)
        return Attempt(start=a.start, end=times[-1], counted=counted, hold_s=hold, range=max(reach, 0.0),
                       peak=peak, why=why, wrong=wrong)


SLOPE_HALF_S = 0.2  # the speed at a reading: the slope of a line through the readings this long either side
BUMP_TO_WAY = 1.5  # a way's length over the width of its speed's bump at half height (a sine bump: 3/2)
CENTRE_NEAR_S = 0.3  # a way's centre: its fastest moment this near to where it passes half-way
EDGE_S = 1.0  # the rest before and after an attempt: its first and last readings over this long


def _speeds(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """How fast the movement goes at each reading (least-squares slope over +-SLOPE_HALF_S)."""
    out = np.zeros(len(t))
    for i in range(len(t)):
        near = np.abs(t - t[i]) <= SLOPE_HALF_S + 1e-9
        tt, yy = t[near], y[near]
        if len(tt) >= 3 and np.ptp(tt) > 0:
            tc = tt - tt.mean()
            out[i] = float((tc * (yy - yy.mean())).sum() / (tc * tc).sum())
    return out


def _bump_width(t: np.ndarray, speed: np.ndarray, i: int) -> float:
    """The width at half height of the speed's bump that reading i is on (from its top)."""
    while i > 0 and speed[i - 1] > speed[i]:
        i -= 1
    while i < len(speed) - 1 and speed[i + 1] > speed[i]:
        i += 1
    half = speed[i] / 2
    a = i
    while a > 0 and speed[a - 1] > half:
        a -= 1
    b = i
    while b < len(speed) - 1 and speed[b + 1] > half:
        b += 1
    return float(t[b] - t[a]) + (float(t[1] - t[0]) if len(t) > 1 else 0.0)


def _half_way(t: np.ndarray, y: np.ndarray, top: int) -> tuple[float | None, float | None]:
    """When the movement passed half-way between the rest and the end position: last on the way in
    before its furthest point, first on the way out after it (None where it did not)."""
    rest_in = float(np.median(y[t <= t[0] + EDGE_S]))
    rest_out = float(np.median(y[t >= t[-1] - EDGE_S]))
    level = float(np.median(y[y >= rest_in + TOP_SHARE * (y[top] - rest_in)]))
    up, down = (rest_in + level) / 2, (rest_out + level) / 2
    t_in = t_out = None
    i = top
    while i > 0 and y[i - 1] >= up:
        i -= 1
    if i > 0:
        t_in = float(t[i - 1] + (up - y[i - 1]) / (y[i] - y[i - 1]) * (t[i] - t[i - 1]))
    j = top
    while j < len(y) - 1 and y[j + 1] >= down:
        j += 1
    if j < len(y) - 1:
        t_out = float(t[j] + (y[j] - down) / (y[j] - y[j + 1]) * (t[j + 1] - t[j]))
    return t_in, t_out


def _fastest(t: np.ndarray, speed: np.ndarray, among: np.ndarray, near: float | None) -> int:
    """The fastest reading among ``among`` (indices; speed signed the way's way), within
    CENTRE_NEAR_S of ``near`` where there is one."""
    close = among[np.abs(t[among] - near) <= CENTRE_NEAR_S + 1e-9] if near is not None else among
    pick = close if len(close) else among
    return int(pick[np.argmax(speed[pick])])


@dataclass
class Plateau:
    """How one movement in and out went: the hold (from ``begin`` to ``end``), its level, and how long
    its ways in and out took (as seen; for the set's later movements)."""

    hold_s: float
    level: float
    begin: float
    end: float
    ways: list[float]


def plateau(times: list[float], values: list[float], earlier_ways: list[float] | None = None) -> Plateau:
    """How long the end position of one movement in and out was held, and at what level.

    The way in and the way out are the movement's two quick stretches. Each is centred on its fastest
    moment near where it passes half-way between the rest and the end position (an S-shaped way is
    fastest half-way; a camera's jitter or a drift during the hold can make a faster moment elsewhere),
    and lasts 1.5 times the width of its speed bump at half height. A bump's width is the least
    certain of these (a slow drift in the hold or jitter on the way widens or splits it), so the median
    of this movement's ways and ``earlier_ways`` (the set's earlier ones) is taken: one person in one
    set moves at much the same pace. The hold is the time from the end of the way in to the start of
    the way out; slow sway hardly moves the speed, so it does not stretch or cut the hold as reading off
    where a swaying curve crosses a line would. The level is the median reading during the hold (the
    furthest point where there was none)."""
    t = np.asarray(times, dtype=float)
    y = np.asarray(values, dtype=float)
    if len(t) < 3:
        return Plateau(0.0, max(0.0, float(y.max())) if len(y) else 0.0, 0.0, -1.0, [])
    speed = _speeds(t, y)
    top = int(np.argmax(y))
    half_in, half_out = _half_way(t, y, top)
    i_in = _fastest(t, speed, np.arange(0, top + 1), half_in)
    i_out = _fastest(t, -speed, np.arange(top, len(t)), half_out)
    # No way in seen: it began before the readings; no way out: the set ended while holding.
    seen_in, seen_out = speed[i_in] > 0, speed[i_out] < 0
    own = ([BUMP_TO_WAY * _bump_width(t, speed, i_in)] if seen_in else []) + \
          ([BUMP_TO_WAY * _bump_width(t, -speed, i_out)] if seen_out else [])
    pool = list(earlier_ways or []) + own
    way = float(np.median(pool)) if pool else 0.0
    begin = float(t[i_in]) + way / 2 if seen_in else float(t[0])
    end = float(t[i_out]) - way / 2 if seen_out else float(t[-1])
    held = (t >= begin) & (t <= end)
    level = float(np.median(y[held])) if held.any() else float(y[top])
    return Plateau(max(0.0, end - begin), level, begin, end, own)
