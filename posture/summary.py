"""The end-of-session summary: time observed, share of good posture per problem, alerts raised."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Mapping, Sequence

from .calibration import Baseline
from .monitor import Durations, Event, State
from .pipeline import Observation
from .text import KIND_LABELS, METRIC_LABELS, clock, duration


class SessionSummary:
    """Collects what the session saw (a sink) and writes the summary at the end."""

    def __init__(self, *, stills: bool = False) -> None:
        self.stills = stills
        self.frames = 0
        self.present_frames = 0
        self.first_t: float | None = None
        self.last_t: float | None = None
        self.events: list[Event] = []
        self.still_states: dict[str, Counter[State]] = defaultdict(Counter)
        self.views: Counter[str] = Counter()

    def handle(self, obs: Observation) -> None:
        self.frames += 1
        if self.first_t is None:
            self.first_t = obs.frame.t
        self.last_t = obs.frame.t
        if obs.present:
            self.present_frames += 1
            if obs.view:
                self.views[obs.view] += 1
        self.events.extend(obs.events)
        if self.stills:
            for kind, state in obs.states.items():
                self.still_states[kind][state] += 1

    def status(self, message: str) -> None:
        pass

    def close(self, final_events: Sequence[Event] = ()) -> None:
        self.events.extend(final_events)

    @property
    def alerts(self) -> list[Event]:
        """The alerts raised (not their ends)."""
        return [e for e in self.events if e.type == "alert"]

    def render(self, durations: Mapping[str, Durations], observed_s: float, present_s: float) -> str:
        """The summary as plain text lines."""
        if self.stills:
            return self._render_stills()
        lines = ["Session summary",
                 f"  observed {duration(observed_s)} ({self.frames} frames analysed), "
                 f"person in view {duration(present_s)}"]
        if self.views:
            lines.append("  view: " + ", ".join(f"{v} {n * 100 // max(self.present_frames, 1)}%"
                                               for v, n in self.views.most_common()))
        lines.append("  time in good posture:")
        for kind, d in durations.items():
            share = d.good_share
            if share is None:
                lines.append(f"    {KIND_LABELS[kind]:<32} not judged (not visible from here, or judged only "
                             "against a calibration)")
                continue
            extra = f", {d.alerts} alert{'s' if d.alerts != 1 else ''}" if d.alerts else ""
            glances = f", {d.glances} glance{'s' if d.glances != 1 else ''} ignored" if d.glances else ""
            lines.append(f"    {KIND_LABELS[kind]:<32} {share * 100:5.1f}% of {duration(d.known)}{extra}{glances}")
        alerts = self.alerts
        lines.append(f"  alerts raised: {len(alerts)}")
        ends = {(e.kind, e.start): e for e in self.events if e.type == "alert_end"}
        for a in alerts:
            label, unit = METRIC_LABELS.get(a.metric, (a.metric, ""))
            end = ends.get((a.kind, a.start))
            tail = f", until {clock(end.t)}" if end is not None else ""
            lines.append(f"    {clock(a.t)} {KIND_LABELS[a.kind]} (since {clock(a.start)}, "
                         f"worst {label} {a.peak or 0:.0f} {unit}{tail})")
        return "\n".join(lines)

    def _render_stills(self) -> str:
        lines = ["Photo summary", f"  {self.frames} photos judged, a person found in {self.present_frames}"]
        for kind, counts in self.still_states.items():
            judged = counts[State.GOOD] + counts[State.DEVIATING]
            if not judged:
                lines.append(f"    {KIND_LABELS[kind]:<32} not measurable")
                continue
            lines.append(f"    {KIND_LABELS[kind]:<32} beyond the limit in {counts[State.DEVIATING]} of {judged}")
        return "\n".join(lines)


def render_baseline(baseline: Baseline, path: Path | None) -> str:
    """What a stored calibration holds, for people."""
    lines = [f"Calibration stored for the {baseline.profile} profile: {baseline.describe()}"]
    for key, stats in baseline.stats.items():
        label, unit = METRIC_LABELS.get(key, (key, ""))
        lines.append(f"  {label:<18} {stats.median:7.1f} {unit:<3} (varied by {stats.mad:.1f})")
    if path is not None:
        lines.append(f"  kept in {path}")
    lines.append(f"From now on the {baseline.profile} profile judges you against this upright posture.")
    return "\n".join(lines)
