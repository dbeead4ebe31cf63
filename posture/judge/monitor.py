"""Posture judgement: one small state machine per posture problem, and the alerts they raise.

Each problem (an alert kind) watches one metric against a rule::

    GOOD --beyond the limit--> DEVIATING --sustained for alert_after_s--> ALERT
      ^                            |                                       |
      +--- back inside the release point for release_s and release_readings ---+

* Glance filter: a deviation that ends within ``glance_s`` never counts; its time is good time.
* Hysteresis: a deviation ends only once the metric is back well inside the limit (the release
  point lies ``release_fraction`` of the way from the upright reference to the limit) for a while.
* Cooldown: after an alert ends, the same alert is not raised again for ``cooldown_min``.
* Unknown: a metric that cannot be measured (person away, landmark hidden) for longer than
  ``unknown_grace_s`` ends the deviation without an alert; it never counts as bad posture.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ..config import AlertSettings
from ..problems import KINDS, PROBLEM, VIEW_METRICS
from ..types import ALL_KINDS, BAD_STATES, Durations, Event, EventType, Metrics, State
from .rules import Rule


# A step between readings over OUTAGE_FACTOR times the median of the last OUTAGE_STEPS usual ones (once
# there are OUTAGE_MIN_STEPS), and over OUTAGE_MIN_S, is a dropout. Frame timing jitters by tens of
# percent; the background mode's change of pace (3 to 2 readings a second, or to 1 where set) stays
# under both.
OUTAGE_FACTOR = 2.5
OUTAGE_MIN_S = 1.0
OUTAGE_STEPS = 15
OUTAGE_MIN_STEPS = 3


@dataclass
class ProblemMachine:
    """The state machine of one posture problem."""

    kind: str
    timing: AlertSettings
    state: State = State.UNKNOWN
    dev_start: float = 0.0
    peak: float = 0.0
    release_since: float | None = None
    release_count: int = 0
    unknown_since: float | None = None
    cooldown_until: float = -math.inf
    pending: float = 0.0  # deviating seconds not yet past the glance filter
    inside_release: bool = True  # the last known reading was back inside the release point
    lost_at_dev: float = 0.0  # the monitor's outage seconds when the deviation began
    durations: Durations = field(default_factory=Durations)

    @property
    def metric(self) -> str:
        """The metric this problem watches."""
        return PROBLEM[self.kind].metric

    def suppresses(self, other_kind: str) -> bool:
        """Whether this problem, as it stands, keeps ``other_kind`` from being reported (a problem that
        waits for this one: see ``Problem.waits_for``)."""
        if self.state not in BAD_STATES:
            return False
        return PROBLEM[other_kind].waits_through_release or not self.inside_release

    def account(self, dt: float) -> None:
        """Attribute ``dt`` seconds to the current state."""
        d = self.durations
        if self.state is State.GOOD:
            d.good += dt
        elif self.state is State.DEVIATING:
            self.pending += dt
        elif self.state is State.ALERT:
            d.alert += dt
        else:
            d.unknown += dt

    def update(self, value: float | None, rule: Rule | None, t: float, suppressed: bool,
               snoozed: bool = False, lost: float = 0.0) -> Event | None:
        """Advance with one reading; returns an event when an alert starts or ends. ``lost``: the
        seconds without frames so far (camera outages), which do not count towards an alert."""
        timing = self.timing
        if value is None or rule is None:
            if self.unknown_since is None:
                self.unknown_since = t
            if self.state is not State.UNKNOWN and t - self.unknown_since >= timing.unknown_grace_s:
                return self.leave(t, State.UNKNOWN, "unknown")
            return None
        self.unknown_since = None
        self.inside_release = rule.released(value)
        beyond = rule.beyond(value) and not suppressed
        released = suppressed or rule.released(value)

        if self.state in (State.GOOD, State.UNKNOWN):
            if beyond:
                self.state, self.dev_start, self.peak = State.DEVIATING, t, value
                self.release_since, self.release_count, self.pending = None, 0, 0.0
                self.lost_at_dev = lost
            else:
                self.state = State.GOOD
            return None

        # DEVIATING or ALERT
        if not suppressed:
            self.peak = rule.worse(self.peak, value)
        if released:
            if self.release_since is None:
                self.release_since, self.release_count = t, 0
            self.release_count += 1
            if t - self.release_since >= timing.release_s and self.release_count >= timing.release_readings:
                return self.leave(t, State.GOOD, "recovered")
            return None
        self.release_since, self.release_count = None, 0
        sustained = t - self.dev_start - (lost - self.lost_at_dev)  # observed time: outages left out
        if self.state is State.DEVIATING and sustained >= timing.glance_s and self.pending:
            self.durations.deviating += self.pending
            self.pending = 0.0
        if self.state is not State.DEVIATING or not beyond or t < self.cooldown_until or snoozed:
            return None
        delay, reason = timing.alert_after_s, "sustained"
        cap = rule.max_hold_s(value)
        if cap is not None and cap < delay:
            delay, reason = max(cap, timing.glance_s), "iso11226"
        if sustained >= delay:
            self.state = State.ALERT
            self.durations.alerts += 1
            return Event(EventType.ALERT, self.kind, t, self.dev_start, self.peak, self.metric, reason=reason)
        return None

    def leave(self, t: float, new_state: State, reason: str) -> Event | None:
        """End a deviation (or an alert) and move to ``new_state``."""
        event = None
        if self.state is State.DEVIATING:
            bad_until = self.release_since if self.release_since is not None else t
            if bad_until - self.dev_start < self.timing.glance_s:
                self.durations.good += self.pending  # a glance: its time was good time
                self.durations.glances += 1
                event = Event(EventType.GLANCE, self.kind, t, self.dev_start, self.peak, self.metric,
                              end=bad_until)
            else:
                self.durations.deviating += self.pending
        elif self.state is State.ALERT:
            self.cooldown_until = t + self.timing.cooldown_min * 60.0
            event = Event(EventType.ALERT_END, self.kind, t, self.dev_start, self.peak, self.metric,
                          end=t, reason=reason)
        self.pending = 0.0
        self.state = new_state
        self.release_since, self.release_count = None, 0
        return event


class Monitor:
    """Judges a stream of metrics and raises alerts when a bad posture persists.

    Call :meth:`update` for every analysed frame, with None when nobody is in view, and
    :meth:`finish` at the end.

    Args:
        rules: the rules to apply in each view ("front", "side").
        timing: the alert timing.
        kinds: the alert kinds watched (default: those with a rule); a kind without a rule in the
            current view is "unknown".
        max_step_s: a longer pause between readings (camera lost, paused) is not counted as
            observed time.

    A pause between readings much longer than the usual step (a camera dropout too short to be
    reported as lost) counts as one usual step: outages of any length are neither observed time nor
    time towards an alert.
    """

    def __init__(self, rules: Mapping[str, Sequence[Rule]], timing: AlertSettings, *, max_step_s: float = 2.0,
                 kinds: Sequence[str] | None = None) -> None:
        self.rules = {view: {r.kind: r for r in rs} for view, rs in rules.items()}
        self.kinds = list(kinds) if kinds is not None else \
            [k for k in KINDS if any(k in rs for rs in self.rules.values())]
        self.timing = timing
        self.max_step_s = max_step_s
        self._machines = {k: ProblemMachine(k, timing) for k in self.kinds}
        self._last_t: float | None = None
        self._gap_from: float | None = None  # the last reading before a reported gap
        self._steps: deque[float] = deque(maxlen=OUTAGE_STEPS)  # the recent usual steps between readings
        self.lost_s = 0.0  # seconds without readings (outages) so far
        self.observed_s = 0.0
        self.present_s = 0.0
        self.present = False
        self._unknown_since: dict[str, float] = {}
        self._noticed: set[str] = set()
        self.good_s = 0.0  # in view with every judged problem good (the live "good posture" figure)
        self.snoozed_until = -math.inf

    def set_rules(self, rules: Mapping[str, Sequence[Rule]]) -> None:
        """Use new rules (a new calibration) from the next reading on; running states carry over."""
        self.rules = {view: {r.kind: r for r in rs} for view, rs in rules.items()}

    @property
    def states(self) -> dict[str, State]:
        """Current state of each watched alert kind."""
        return {k: m.state for k, m in self._machines.items()}

    def durations(self) -> dict[str, Durations]:
        """Time per state for each alert kind so far."""
        return {k: m.durations for k, m in self._machines.items()}

    def update(self, metrics: Metrics | None, t: float, unknown_reason: str | None = None) -> list[Event]:
        """Advance all state machines with one frame's metrics (None: nobody in view); ``unknown_reason``
        "dark" says nothing could be measured because it is too dark, "view" that the camera's view is not
        the one the settings fix (one notice for all problems)."""
        if self._last_t is None and self._gap_from is not None:
            self.lost_s += max(t - self._gap_from, 0.0)
        self._gap_from = None
        if self._last_t is not None:
            dt = t - self._last_t
            # The usual step only matters for a step long enough to be a dropout (not at every frame).
            usual = statistics.median(self._steps) \
                if dt > OUTAGE_MIN_S and len(self._steps) >= OUTAGE_MIN_STEPS else None
            if dt > self.max_step_s:
                self.lost_s += dt
            elif usual is not None and dt > OUTAGE_FACTOR * usual:  # a dropout: one usual step counts
                self.lost_s += dt - usual
                dt = usual
            elif dt > 0:
                self._steps.append(dt)
            if 0 < dt <= self.max_step_s:
                self.observed_s += dt
                if self.present:
                    self.present_s += dt
                    states = [m.state for m in self._machines.values()]
                    if State.GOOD in states and not any(s in BAD_STATES for s in states):
                        self.good_s += dt
                for machine in self._machines.values():
                    machine.account(dt)
        self._last_t = t
        self.present = metrics is not None
        view_rules = self.rules.get(metrics.view, {}) if metrics is not None else {}
        events: list[Event] = []
        for kind in self.kinds:
            rule = view_rules.get(kind)
            value = getattr(metrics, rule.metric) if (metrics is not None and rule is not None) else None
            suppressed = any(self._machines[o].suppresses(kind) for o in PROBLEM[kind].waits_for
                             if o in self._machines)
            event = self._machines[kind].update(value, rule, t, suppressed, snoozed=t < self.snoozed_until,
                                                lost=self.lost_s)
            if event is not None:
                events.append(event)
            if unknown_reason is None and metrics is not None and rule is not None \
                    and rule.metric in VIEW_METRICS[metrics.view]:
                notice = self._notice(kind, rule.metric, value is None, t)
                if notice is not None:
                    events.append(notice)
        # Too dark, or a view the settings do not judge: one notice for everything, counted from when it began.
        notice = self._notice(ALL_KINDS, "", unknown_reason is not None, t, unknown_reason or "")
        if notice is not None:
            events.append(notice)
        return events

    def _notice(self, kind: str, metric: str, unknown: bool, t: float, reason: str = "") -> Event | None:
        """Once per episode: a metric that stays ``unknown`` while the user is in view."""
        if not unknown:
            self._unknown_since.pop(kind, None)
            self._noticed.discard(kind)
            return None
        since = self._unknown_since.setdefault(kind, t)
        if kind in self._noticed or t - since < self.timing.unknown_notice_s:
            return None
        self._noticed.add(kind)
        return Event(EventType.UNMEASURABLE, kind, t, since, None, metric, reason=reason)

    def snooze(self, until: float) -> None:
        """Raise no alert before ``until`` (the judging goes on); -inf cancels."""
        self.snoozed_until = until

    @property
    def good_share(self) -> float | None:
        """Share of the time in view with every judged problem good, None before any."""
        return self.good_s / self.present_s if self.present_s > 0 else None

    def gap(self, t: float) -> None:
        """A stretch without frames (camera lost): it is not observed time and not bad posture."""
        if self._last_t is not None:
            self._gap_from = self._last_t
        self._last_t = None

    def finish(self, t: float) -> list[Event]:
        """End of monitoring: close open alerts (reason "finished") and settle the glance filter."""
        events = []
        for machine in self._machines.values():
            if machine.state in BAD_STATES:
                event = machine.leave(t, State.UNKNOWN, "finished")
                if event is not None:
                    events.append(event)
        return events


def judge_still(metrics: Metrics | None, rules: Mapping[str, Sequence[Rule]],
                kinds: Sequence[str] | None = None) -> dict[str, State]:
    """Judge one photo on its own (no persistence): beyond the limit = deviating."""
    if kinds is None:
        kinds = [k for k in KINDS if any(r.kind == k for rs in rules.values() for r in rs)]
    if metrics is None:
        return {k: State.UNKNOWN for k in kinds}
    view_rules = {r.kind: r for r in rules.get(metrics.view, ())}
    out: dict[str, State] = {}
    for kind in kinds:
        rule = view_rules.get(kind)
        value = getattr(metrics, rule.metric) if rule is not None else None
        if value is None or rule is None:
            out[kind] = State.UNKNOWN
        else:
            out[kind] = State.DEVIATING if rule.beyond(value) else State.GOOD
    for kind in list(out):
        if out[kind] is State.DEVIATING and any(out.get(o) is State.DEVIATING for o in PROBLEM[kind].waits_for):
            out[kind] = State.GOOD
    return out
