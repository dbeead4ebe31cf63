"""Where each posture problem starts and ends: its rule, from the settings and the user's calibration."""

from __future__ import annotations

from dataclasses import dataclass

from ..clinical import max_hold_s
from ..config import Rules, RuleSettings
from ..problems import METRIC, PROBLEMS
from ..types import Baseline

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


def calibrated_only(rule: RuleSettings, view: str) -> bool:
    """Whether a problem is judged in a view only against the user's own calibration."""
    return rule.calibrated_only or (view == "front" and rule.front_calibrated_only)


def awaiting_calibration(rules: Rules, baseline: Baseline | None) -> dict[str, frozenset[str]]:
    """Per view, the enabled problems that a calibration in that view would let the app judge."""
    return {view: frozenset(p.kind for p in PROBLEMS if rules.get(p.kind).enabled
                            and view in METRIC[p.metric].views and calibrated_only(rules.get(p.kind), view)
                            and (baseline is None or baseline.view != view or baseline.median(p.metric) is None))
            for view in ("front", "side")}


def rules_from_settings(rules: Rules, release_fraction: float,
                        baseline: Baseline | None = None) -> dict[str, list[Rule]]:
    """The enabled rules for each view, from the settings and, where there is one, the calibration.

    With a calibration in a view, a rule's upright reference is the user's own upright value and
    its limit lies ``delta`` beyond it; where the problem keeps its clinical limit (the side-view CVA)
    that applies as well.
    """
    out: dict[str, list[Rule]] = {"front": [], "side": []}
    for p in PROBLEMS:
        kind, metric, direction, hold = p.kind, p.metric, p.direction, p.hold_table
        rs = rules.get(kind)
        if not rs.enabled:
            continue
        for view, limit, neutral, delta in (("side", rs.limit, rs.neutral, rs.delta),
                                            ("front", rs.front_limit, rs.front_neutral, rs.front_delta)):
            upright = baseline.median(metric) if baseline is not None and baseline.view == view else None
            if upright is None:
                if not calibrated_only(rs, view):
                    out[view].append(Rule(kind, metric, direction, limit, neutral, release_fraction, hold))
                continue
            own_limit = upright + (direction or 1) * delta
            if view == p.clinical_limit_view and (upright - rs.limit) * -direction >= CLINICAL_MARGIN_DEG:
                own_limit = max(own_limit, rs.limit) if direction < 0 else min(own_limit, rs.limit)  # the first
            out[view].append(Rule(kind, metric, direction, own_limit, upright, release_fraction, hold,
                                  calibrated=True))
    return out
