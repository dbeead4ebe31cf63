"""What a report needs of the stored sessions, read once: per session, and added up per day."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..problems import KINDS, PROBLEM
from ..storage import queries as q
from ..types import UNCALIBRATED

# Alerts an hour are given for at least this much time in view (a rate of a few minutes misleads).
MIN_RATE_S = 600


@dataclass
class SessionFacts:
    """What a report needs of one session, read once."""

    session: q.Session
    present_s: int
    observed_s: int
    states: dict[str, Counter[str]]
    bands: dict[str, Counter[str]]
    events: list[dict[str, Any]]
    series: dict[str, list[tuple[int, float, float, float, str]]] = field(default_factory=dict)
    step: int = 1  # seconds a stored row stands for (60 once the session was condensed)

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == "alert"]

    @property
    def kinds(self) -> list[str]:
        return [k for k in KINDS if k in self.states]

    def good_share(self, kind: str) -> float | None:
        """Share of the judged seconds in good posture (glances count as good, unknown is left out)."""
        c = self.states.get(kind, Counter())
        judged = c["good"] + c["deviating"] + c["alert"]
        return c["good"] / judged if judged else None

    def awaited_calibration(self, kind: str) -> bool:
        """The problem went unjudged for want of a calibration (at least for a while)."""
        return self.states.get(kind, Counter())[UNCALIBRATED] > 0

    def band_seconds(self, kind: str) -> Counter[str]:
        return self.bands.get(PROBLEM[kind].metric, Counter())

    def alerts_per_hour(self) -> float | None:
        return len(self.alerts) / (self.present_s / 3600) if self.present_s >= MIN_RATE_S else None

    def mean(self, metric: str) -> float | None:
        rows = self.series.get(metric) or []
        return sum(r[1] for r in rows) / len(rows) if rows else None


def read_facts(conn: sqlite3.Connection, s: q.Session, with_series: bool = True) -> SessionFacts:
    observed, present, step = q.coverage(conn, s.id)
    facts = SessionFacts(s, present, observed, q.state_counts(conn, s.id), q.band_counts(conn, s.id),
                         q.events(conn, s.id), step=step)
    if with_series:
        for metric in q.metrics_of(conn, s.id):
            facts.series[metric] = q.metric_series(conn, s.id, metric)
    return facts


def days_of(facts: Sequence[SessionFacts]) -> list[dict[str, Any]]:
    by_day: dict[dt.date, list[SessionFacts]] = defaultdict(list)
    for f in facts:
        by_day[f.session.start_local.date()].append(f)
    days = []
    for day in sorted(by_day):
        fs = by_day[day]
        good: dict[str, float | None] = {}
        for kind in KINDS:
            total = Counter()  # type: ignore[var-annotated]
            for f in fs:
                total.update(f.states.get(kind, Counter()))
            judged = total["good"] + total["deviating"] + total["alert"]
            good[kind] = total["good"] / judged if judged else None
        present = sum(f.present_s for f in fs)
        alerts = sum(len(f.alerts) for f in fs)
        days.append({"day": day, "sessions": len(fs), "present_s": present, "alerts": alerts, "good": good,
                     "per_hour": alerts / (present / 3600) if present >= MIN_RATE_S else None})
    return days


def added_up(facts: Sequence[SessionFacts]) -> SessionFacts:
    """Several sessions added up (for the bands of a range)."""
    states: dict[str, Counter[str]] = defaultdict(Counter)
    bands: dict[str, Counter[str]] = defaultdict(Counter)
    events: list[dict[str, Any]] = []
    for f in facts:
        for k, c in f.states.items():
            states[k].update(c)
        for k, c in f.bands.items():
            bands[k].update(c)
        events.extend(f.events)
    return SessionFacts(facts[0].session, sum(f.present_s for f in facts), sum(f.observed_s for f in facts),
                        states, bands, events)
