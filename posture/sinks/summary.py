"""The end-of-session summary: time observed, share of good posture per problem, alerts raised."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Mapping, Sequence

from ..i18n import _, ngettext
from ..problems import METRIC, PROBLEM
from ..text import describe_calibration, duration, kind_label, metric_label, time_labels, unit, value_text, view_name
from ..types import BAD_STATES, Baseline, Durations, Event, EventType, Observation, State
from . import BaseSink


def _not_judged(awaiting_calibration: bool = False) -> str:
    if awaiting_calibration:
        return _("not judged: calibrate (--calibrate, or c in the window)")
    return _("not judged (not visible from here)")


class SessionSummary(BaseSink):
    """Collects what the session saw (a sink) and writes the summary at the end."""

    def __init__(self, *, stills: bool = False, live: bool = False) -> None:
        self.stills = stills
        self.at = time_labels(live)  # a camera's times of day, a file's times into it
        self.frames = 0
        self.present_frames = 0
        self.first_t: float | None = None
        self.last_t: float | None = None
        self.events: list[Event] = []
        self.still_states: dict[str, Counter[State]] = defaultdict(Counter)
        self.views: Counter[str] = Counter()
        self.photos: list[tuple[str, str]] = []  # stills: each photo's name and verdict
        self.awaiting: set[str] = set()  # problems that waited for a calibration at some point

    def handle(self, obs: Observation) -> None:
        self.frames += 1
        if self.first_t is None:
            self.first_t = obs.frame.t
        self.last_t = obs.frame.t
        self.awaiting |= obs.awaiting_calibration
        if obs.present:
            self.present_frames += 1
            seen = obs.seen_view or obs.view  # what the camera saw, also where the settings fix the view
            if seen:
                self.views[seen] += 1
        self.events.extend(obs.events)
        if self.stills:
            for kind, state in obs.states.items():
                self.still_states[kind][state] += 1
            self.photos.append(photo_line(obs))

    def close(self, final_events: Sequence[Event] = ()) -> None:
        self.events.extend(final_events)

    @property
    def alerts(self) -> list[Event]:
        """The alerts raised (not their ends)."""
        return [e for e in self.events if e.type is EventType.ALERT]

    def render(self, durations: Mapping[str, Durations], observed_s: float, present_s: float) -> str:
        """The summary as plain text lines."""
        if self.stills:
            return self._render_stills()
        lines = [_("Session summary"),
                 "  " + _("observed {observed} ({frames} frames analysed), person in view {present}").format(
                     observed=duration(observed_s), frames=self.frames, present=duration(present_s))]
        if self.views:
            lines.append("  " + _("view: {views}").format(views=", ".join(
                f"{view_name(v)} {n * 100 // max(self.present_frames, 1)}%" for v, n in self.views.most_common())))
        lines.append("  " + _("time in good posture:"))
        for kind, d in durations.items():
            share = d.good_share
            if share is None:
                lines.append(f"    {kind_label(kind):<32} " + _not_judged(kind in self.awaiting))
                continue
            text = _("{share:.1f}% of {time}").format(share=share * 100, time=duration(d.known))
            if d.alerts:
                text += ", " + ngettext("{n} alert", "{n} alerts", d.alerts).format(n=d.alerts)
            if d.glances:
                text += ", " + ngettext("{n} glance ignored", "{n} glances ignored", d.glances).format(n=d.glances)
            lines.append(f"    {kind_label(kind):<32} {text}")
        alerts = self.alerts
        lines.append("  " + _("alerts raised: {n}").format(n=len(alerts)))
        ends = {(e.kind, e.start): e for e in self.events if e.type is EventType.ALERT_END}
        for a in alerts:
            end = ends.get((a.kind, a.start))
            worst = value_text(a.metric, a.peak) if a.peak is not None else ""
            if end is not None:
                detail = _("since {start}, worst {worst}, until {end}").format(
                    start=self.at(a.start), worst=worst, end=self.at(end.t))
            else:
                detail = _("since {start}, worst {worst}").format(start=self.at(a.start), worst=worst)
            lines.append(f"    {self.at(a.t)} {kind_label(a.kind)} ({detail})")
        return "\n".join(lines)

    def _render_stills(self) -> str:
        lines = [_("Photo summary"), "  " + ngettext(
            "{n} photo judged, a person found in {found}", "{n} photos judged, a person found in {found}",
            self.frames).format(n=self.frames, found=self.present_frames)]
        for kind, counts in self.still_states.items():
            judged = counts[State.GOOD] + counts[State.DEVIATING]
            if not judged:
                lines.append(f"    {kind_label(kind):<32} " + _not_judged(kind in self.awaiting))
                continue
            lines.append(f"    {kind_label(kind):<32} " + _("beyond the limit in {n} of {judged}").format(
                n=counts[State.DEVIATING], judged=judged))
        if self.photos:
            lines.append("  " + _("each photo:"))
            width = max(len(name) for name, _verdict in self.photos)
            lines.extend(f"    {name:<{width}}  {verdict}" for name, verdict in self.photos)
        return "\n".join(lines)


def photo_line(obs: Observation) -> tuple[str, str]:
    """One photo's name and verdict ("beyond the limit: head forward at CVA 38 deg")."""
    name = obs.frame.name or _("image {n}").format(n=obs.frame.index + 1)
    if obs.metrics is None:
        return name, _("nobody found")
    bad, fine = [], []
    for kind, state in obs.states.items():
        metric = PROBLEM[kind].metric
        value = getattr(obs.metrics, metric)
        if value is None or state is State.UNKNOWN:
            continue
        if state in BAD_STATES:
            bad.append(_("{problem} at {value}").format(problem=kind_label(kind), value=value_text(metric, value)))
        else:
            fine.append(value_text(metric, value))
    if bad:
        verdict = _("beyond the limit: {problems}").format(problems="; ".join(bad))
    elif fine:
        verdict = _("within the limits: {values}").format(values=", ".join(fine))
    else:
        verdict = _("nothing measurable")
    seen = obs.seen_view or obs.metrics.view
    if seen != obs.metrics.view:  # the view was fixed (--view, the side profile) and the photo disagrees
        verdict += " " + _("(the photo looks like a {seen} view; a {view} view was asked for, so it is not "
                           "judged)").format(seen=view_name(seen), view=view_name(obs.metrics.view))
    return name, verdict


def render_baseline(baseline: Baseline, path: Path | None) -> str:
    """What a stored calibration holds, for people."""
    lines = [_("Calibration stored for the {profile} profile: {what}").format(
        profile=baseline.profile, what=describe_calibration(baseline))]
    for key, stats in baseline.stats.items():
        if not METRIC[key].kept:  # the head's raw pose: kept with the calibration, not worth reading
            continue
        lines.append(f"  {metric_label(key):<18} {stats.median:7.1f} {unit(key):<6} "
                     + _("(varied by {spread:.1f})").format(spread=stats.mad))
    if path is not None:
        lines.append("  " + _("kept in {path}").format(path=path))
    lines.append(_("From now on the {profile} profile judges you against this upright posture.").format(
        profile=baseline.profile))
    return "\n".join(lines)
