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
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Mapping, Sequence

from .bands import ISO_HEAD_HOLD, ISO_TRUNK_HOLD, max_hold_s
from .config import ALERT_KINDS, AlertSettings, RulesSettings
from .metrics import VIEW_METRICS, Metrics

if TYPE_CHECKING:
    from .calibration import Baseline


class State(str, Enum):
    """Where one posture problem stands."""

    GOOD = "good"
    DEVIATING = "deviating"  # beyond the limit, not yet long enough for an alert
    ALERT = "alert"
    UNKNOWN = "unknown"


BAD_STATES = (State.DEVIATING, State.ALERT)  # the posture is judged beyond its limit

# Which metric each alert kind watches and which way is worse: +1 higher, -1 lower, 0 either side.
KIND_METRIC: dict[str, tuple[str, int]] = {
    "forward_head": ("cva_deg", -1),
    "rounded_shoulders": ("shoulder_angle_deg", -1),
    "phone_posture": ("neck_flexion_deg", +1),
    "slump": ("trunk_inclination_deg", +1),
    "lean": ("lateral_lean_deg", 0),
    "head_tilt": ("head_tilt_deg", 0),
}

# A sideways lean also rolls the head: while the lean deviates and the trunk is not back inside the
# lean's release point, a head tilt is not reported. Only the current reading counts there: a tilt that
# follows a lean at once is a tilt (on the real webcam recordings, waiting out the lean's whole release
# time hid 3 % of the tilt frames), while a lean hovering about its limit still hides the roll it
# brings. From the front, the head estimates are read off heights above the shoulder line, which a
# lean or a tilted head disturbs (3-4 deg on the real webcam recordings): they wait while either
# deviates, release time included.
SUPPRESSED_BY: dict[str, tuple[str, ...]] = {"head_tilt": ("lean",), "forward_head": ("lean", "head_tilt"),
                                             "phone_posture": ("lean", "head_tilt")}
SUPPRESSED_WHILE_OUT = frozenset({"head_tilt"})

ALL_KINDS = "all"  # the kind of a notice about every problem at once (too dark to judge anything)

# ISO 11226 caps how long a severe static posture may be held: the alert comes no later than that,
# even when the configured delay is longer. Neck flexion stands in for the head inclination.
HOLD_TABLES: dict[str, tuple[tuple[float, float], ...]] = {"phone_posture": ISO_HEAD_HOLD, "slump": ISO_TRUNK_HOLD}

# The side-view CVA is on the clinical scale: with a calibration its clinical cut-off still applies
# when the user's own upright CVA lies at least this far above it.
CLINICAL_MARGIN_DEG = 2.0


@dataclass(frozen=True)
class Rule:
    """Where one posture problem starts and where it is left again.

    Args:
        kind: the alert kind.
        metric: the metric key it watches.
        direction: +1 when higher values are worse, -1 when lower, 0 when both sides are.
        limit: the value where a deviation starts.
        neutral: the upright reference value.
        release_fraction: the deviation ends back inside this fraction of (limit - neutral).
        hold_table: ISO 11226 (angle, seconds) holding times that cap the alert delay, if any.
        calibrated: the limits come from the user's own upright posture.
    """

    kind: str
    metric: str
    direction: int
    limit: float
    neutral: float
    release_fraction: float = 0.6
    hold_table: tuple[tuple[float, float], ...] | None = None
    calibrated: bool = False

    def __post_init__(self) -> None:
        span = self.limit - self.neutral
        if self.direction not in (-1, 0, 1):
            raise ValueError(f"{self.kind}: direction must be -1, 0 or 1, got {self.direction}")
        if span == 0 or (self.direction != 0 and span * self.direction < 0) or (self.direction == 0 and span < 0):
            worse = {1: "above", -1: "below", 0: "above"}[self.direction]
            raise ValueError(f"{self.kind}: limit {self.limit} must lie {worse} neutral {self.neutral}")
        if not 0.0 <= self.release_fraction <= 1.0:
            raise ValueError(f"{self.kind}: release_fraction must be 0 to 1, got {self.release_fraction}")

    def badness(self, value: float) -> float:
        """How far the value lies from upright towards (and past) the limit, as a share of the span."""
        span = abs(self.limit - self.neutral)
        if self.direction == 0:
            return abs(value - self.neutral) / span
        return (value - self.neutral) * self.direction / span

    def beyond(self, value: float) -> bool:
        """The value is past the limit."""
        return self.badness(value) > 1.0

    def released(self, value: float) -> bool:
        """The value is back inside the release point."""
        return self.badness(value) < self.release_fraction

    def worse(self, a: float | None, b: float) -> float:
        """The worse of two values."""
        return a if a is not None and self.badness(a) >= self.badness(b) else b

    def max_hold_s(self, value: float) -> float | None:
        """The ISO 11226 holding time of this value (measured from upright), None if uncapped."""
        if self.hold_table is None:
            return None
        return max_hold_s(self.hold_table, (value - self.neutral) * (self.direction or 1))


@dataclass(frozen=True)
class Event:
    """An alert being raised (``type`` "alert") or ending ("alert_end"), a deviation that ended
    within the glance time ("glance": its time counts as good), or a notice that a metric has stayed
    unmeasurable while the user is in view ("unmeasurable", once per episode).

    Attributes:
        type: "alert", "alert_end", "glance" or "unmeasurable".
        kind: the alert kind.
        t: when the event happened (seconds).
        start: when the deviation began.
        peak: the worst value of the metric during the deviation.
        metric: the metric key.
        end: when the alert ended (alert_end), when the glance's deviation ended (glance).
        reason: why an alert came: "sustained" (the configured delay) or "iso11226" (a severe
            posture held as long as ISO 11226 allows); why it ended: "recovered", "unknown"
            (metric or person gone) or "finished"; why a metric is unmeasurable: "" (the landmarks it
            needs are not visible) or "dark" (too dark around the face: kind "all", every problem).
    """

    type: str
    kind: str
    t: float
    start: float
    peak: float | None
    metric: str
    end: float | None = None
    reason: str = ""

    def as_record(self) -> dict[str, object]:
        """The event as a JSON-ready dict."""
        rec: dict[str, object] = {"type": self.type, "t": round(self.t, 3), "kind": self.kind,
                                  "metric": self.metric, "start": round(self.start, 3)}
        if self.peak is not None:
            rec["peak"] = round(self.peak, 2)
        if self.type == "alert":
            rec["sustained_s"] = round(self.t - self.start, 2)
        if self.end is not None:
            rec["end"] = round(self.end, 3)
            rec["duration_s"] = round(self.end - self.start, 2)
        if self.reason:
            rec["reason"] = self.reason
        return rec


@dataclass
class Durations:
    """Seconds one posture problem spent in each state (glances count as good)."""

    good: float = 0.0
    deviating: float = 0.0
    alert: float = 0.0
    unknown: float = 0.0
    glances: int = 0
    alerts: int = 0

    @property
    def known(self) -> float:
        """Seconds the problem could be judged."""
        return self.good + self.deviating + self.alert

    @property
    def good_share(self) -> float | None:
        """Share of the judged time in good posture, None if never judged."""
        return self.good / self.known if self.known > 0 else None


@dataclass
class _Tracker:
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
    durations: Durations = field(default_factory=Durations)

    def suppresses(self, other_kind: str) -> bool:
        """Whether this problem, as it stands, keeps ``other_kind`` from being reported (see SUPPRESSED_BY)."""
        if self.state not in BAD_STATES:
            return False
        return other_kind not in SUPPRESSED_WHILE_OUT or not self.inside_release

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
               snoozed: bool = False) -> Event | None:
        """Advance with one reading; returns an event when an alert starts or ends."""
        timing = self.timing
        if value is None or rule is None:
            if self.unknown_since is None:
                self.unknown_since = t
            if self.state is not State.UNKNOWN and t - self.unknown_since >= timing.unknown_grace_s:
                return self._leave(t, State.UNKNOWN, "unknown")
            return None
        self.unknown_since = None
        self.inside_release = rule.released(value)
        beyond = rule.beyond(value) and not suppressed
        released = suppressed or rule.released(value)

        if self.state in (State.GOOD, State.UNKNOWN):
            if beyond:
                self.state, self.dev_start, self.peak = State.DEVIATING, t, value
                self.release_since, self.release_count, self.pending = None, 0, 0.0
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
                return self._leave(t, State.GOOD, "recovered")
            return None
        self.release_since, self.release_count = None, 0
        sustained = t - self.dev_start
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
            return Event("alert", self.kind, t, self.dev_start, self.peak, KIND_METRIC[self.kind][0], reason=reason)
        return None

    def _leave(self, t: float, new_state: State, reason: str) -> Event | None:
        """End a deviation (or an alert) and move to ``new_state``."""
        event = None
        if self.state is State.DEVIATING:
            bad_until = self.release_since if self.release_since is not None else t
            if bad_until - self.dev_start < self.timing.glance_s:
                self.durations.good += self.pending  # a glance: its time was good time
                self.durations.glances += 1
                event = Event("glance", self.kind, t, self.dev_start, self.peak, KIND_METRIC[self.kind][0],
                              end=bad_until)
            else:
                self.durations.deviating += self.pending
        elif self.state is State.ALERT:
            self.cooldown_until = t + self.timing.cooldown_min * 60.0
            event = Event("alert_end", self.kind, t, self.dev_start, self.peak, KIND_METRIC[self.kind][0],
                          end=t, reason=reason)
        self.pending = 0.0
        self.state = new_state
        self.release_since, self.release_count = None, 0
        return event


def rules_from_settings(rules: RulesSettings, release_fraction: float,
                        baseline: "Baseline | None" = None) -> dict[str, list[Rule]]:
    """The enabled rules for each view, from the settings and, where there is one, the calibration.

    With a calibration in a view, a rule's upright reference is the user's own upright value and
    its limit lies ``delta`` beyond it; in the side view the clinical CVA cut-off applies as well.
    """
    out: dict[str, list[Rule]] = {"front": [], "side": []}
    for kind in ALERT_KINDS:
        rs = rules.get(kind)
        if not rs.enabled:
            continue
        metric, direction = KIND_METRIC[kind]
        hold = HOLD_TABLES.get(kind)
        for view, limit, neutral, delta in (("side", rs.limit, rs.neutral, rs.delta),
                                            ("front", rs.front_limit, rs.front_neutral, rs.front_delta)):
            upright = baseline.median(metric) if baseline is not None and baseline.view == view else None
            if upright is None:
                if not rs.calibrated_only:
                    out[view].append(Rule(kind, metric, direction, limit, neutral, release_fraction, hold))
                continue
            own_limit = upright + (direction or 1) * delta
            if kind == "forward_head" and view == "side" and upright - rs.limit >= CLINICAL_MARGIN_DEG:
                own_limit = max(own_limit, rs.limit)  # whichever comes first
            out[view].append(Rule(kind, metric, direction, own_limit, upright, release_fraction, hold,
                                  calibrated=True))
    return out


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
    """

    def __init__(self, rules: Mapping[str, Sequence[Rule]], timing: AlertSettings, *, max_step_s: float = 2.0,
                 kinds: Sequence[str] | None = None) -> None:
        self.rules = {view: {r.kind: r for r in rs} for view, rs in rules.items()}
        self.kinds = list(kinds) if kinds is not None else \
            [k for k in ALERT_KINDS if any(k in rs for rs in self.rules.values())]
        self.timing = timing
        self.max_step_s = max_step_s
        self._trackers = {k: _Tracker(k, timing) for k in self.kinds}
        self._last_t: float | None = None
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
        return {k: tr.state for k, tr in self._trackers.items()}

    def durations(self) -> dict[str, Durations]:
        """Time per state for each alert kind so far."""
        return {k: tr.durations for k, tr in self._trackers.items()}

    def update(self, metrics: Metrics | None, t: float, unknown_reason: str | None = None) -> list[Event]:
        """Advance all state machines with one frame's metrics (None: nobody in view); ``unknown_reason``
        "dark" says nothing could be measured because it is too dark (one notice for all problems)."""
        if self._last_t is not None:
            dt = t - self._last_t
            if 0 < dt <= self.max_step_s:
                self.observed_s += dt
                if self.present:
                    self.present_s += dt
                    states = [tr.state for tr in self._trackers.values()]
                    if State.GOOD in states and not any(s in BAD_STATES for s in states):
                        self.good_s += dt
                for tr in self._trackers.values():
                    tr.account(dt)
        self._last_t = t
        self.present = metrics is not None
        view_rules = self.rules.get(metrics.view, {}) if metrics is not None else {}
        events: list[Event] = []
        for kind in self.kinds:
            rule = view_rules.get(kind)
            value = getattr(metrics, rule.metric) if (metrics is not None and rule is not None) else None
            suppressed = any(self._trackers[o].suppresses(kind) for o in SUPPRESSED_BY.get(kind, ())
                             if o in self._trackers)
            event = self._trackers[kind].update(value, rule, t, suppressed, snoozed=t < self.snoozed_until)
            if event is not None:
                events.append(event)
            if unknown_reason is None and metrics is not None and rule is not None \
                    and rule.metric in VIEW_METRICS[metrics.view]:
                notice = self._notice(kind, rule.metric, value is None, t)
                if notice is not None:
                    events.append(notice)
        # Too dark: one notice for everything, counted from when the dark began.
        notice = self._notice(ALL_KINDS, "", unknown_reason == "dark", t, "dark")
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
        return Event("unmeasurable", kind, t, since, None, metric, reason=reason)

    def snooze(self, until: float) -> None:
        """Raise no alert before ``until`` (the judging goes on); -inf cancels."""
        self.snoozed_until = until

    @property
    def good_share(self) -> float | None:
        """Share of the time in view with every judged problem good, None before any."""
        return self.good_s / self.present_s if self.present_s > 0 else None

    def gap(self, t: float) -> None:
        """A stretch without frames (camera lost): it is not observed time and not bad posture."""
        self._last_t = None

    def finish(self, t: float) -> list[Event]:
        """End of monitoring: close open alerts (reason "finished") and settle the glance filter."""
        events = []
        for tr in self._trackers.values():
            if tr.state in BAD_STATES:
                event = tr._leave(t, State.UNKNOWN, "finished")
                if event is not None:
                    events.append(event)
        return events


def judge_still(metrics: Metrics | None, rules: Mapping[str, Sequence[Rule]],
                kinds: Sequence[str] | None = None) -> dict[str, State]:
    """Judge one photo on its own (no persistence): beyond the limit = deviating."""
    if kinds is None:
        kinds = [k for k in ALERT_KINDS if any(r.kind == k for rs in rules.values() for r in rs)]
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
    for kind, others in SUPPRESSED_BY.items():
        if out.get(kind) is State.DEVIATING and any(out.get(o) is State.DEVIATING for o in others):
            out[kind] = State.GOOD
    return out
