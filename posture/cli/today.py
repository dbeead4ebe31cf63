"""``posture-monitor today``: today at a glance, from the history.

Observed time, the good-posture share (all of it, and per problem), alerts, breaks taken, and a
line of the last seven days to compare with.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

from ..i18n import _, ngettext
from ..problems import KINDS
from ..storage import queries as q
from ..storage.db import connect, db_path
from ..text import duration, kind_label
from .history import history_place_args, note_damage

BLOCKS = "▁▂▃▄▅▆▇█"
TREND_DAYS = 7


@dataclass
class Day:
    """What the history holds of one day."""

    day: dt.date
    sessions: int = 0
    observed_s: float = 0.0
    present_s: float = 0.0
    good_s: int = 0
    judged_s: int = 0
    alerts: int = 0
    breaks: int = 0

    @property
    def good_share(self) -> float | None:
        return self.good_s / self.judged_s if self.judged_s else None


def today_parser(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = parser_class(prog="posture-monitor today", description=_(
        "Today at a glance: time observed, the share of good posture, alerts, breaks taken, and the last "
        "7 days to compare with."))
    p.add_argument("--person", metavar="NAME", help=_("whose day (default: your login name)"))
    history_place_args(p)
    return p


def today_main(args: argparse.Namespace, *, now: dt.datetime | None = None) -> int:
    from ..config import default_person, load_settings

    person = args.person or default_person()
    settings = load_settings({}, {"data_dir": args.data_dir} if args.data_dir else {})
    conn = connect(db_path(settings.data_path), create=False)
    try:
        note_damage(conn)
        today = (now or dt.datetime.now()).date()
        days, kinds = collect(conn, person, today, settings.breaks.reset_min * 60)
    finally:
        conn.close()
    print("\n".join(render(person, days[today], [days[d] for d in sorted(days) if d != today], kinds,
                            settings.breaks.reset_min)))
    return 0


def collect(conn: Any, person: str, today: dt.date, reset_s: float,
            trend_days: int = TREND_DAYS) -> tuple[dict[dt.date, Day], dict[str, list[int]]]:
    """Today and the ``trend_days`` before it from the history, and today's good and judged seconds
    per problem (also what the tray's tooltip says of today)."""
    since = today - dt.timedelta(days=trend_days)
    sessions = q.find_sessions(conn, q.Selection(person=person, since=since, until=today))
    days = {since + dt.timedelta(days=i): Day(since + dt.timedelta(days=i)) for i in range(trend_days + 1)}
    kinds: dict[str, list[int]] = {}  # today: good, judged seconds per problem
    for s in sessions:
        day = days.get(s.start_local.date())
        if day is None:
            continue
        _add(conn, s, day, kinds if day.day == today else None)
    for day in days.values():
        day.breaks = _breaks(conn, [s for s in sessions if s.start_local.date() == day.day], reset_s)
    return days, kinds


def _add(conn: Any, s: q.Session, day: Day, kinds: dict[str, list[int]] | None) -> None:
    observed, present, _step = q.coverage(conn, s.id)
    good, judged = q.posture_seconds(conn, s.id)
    day.sessions += 1
    day.observed_s += observed
    day.present_s += present
    day.good_s += good
    day.judged_s += judged
    day.alerts += q.alert_count(conn, s.id)
    if kinds is not None:
        for kind, counts in q.state_counts(conn, s.id).items():
            tally = kinds.setdefault(kind, [0, 0])
            tally[0] += counts.get("good", 0)
            tally[1] += counts.get("good", 0) + counts.get("deviating", 0) + counts.get("alert", 0)


def _breaks(conn: Any, sessions: Sequence[q.Session], reset_s: float) -> int:
    """Times away from the camera for at least ``reset_s`` (what resets the break reminder) between
    the first and the last moment in view of a day's camera sessions."""
    seen: list[float] = []
    for s in sessions:
        if s.is_file:  # a video's times are not the clock's
            continue
        seen.extend(s.start + sec for sec, _frames, present in q.seconds(conn, s.id) if present)
    seen.sort()
    return sum(1 for a, b in zip(seen, seen[1:]) if b - a >= reset_s)


def sparkline(values: Sequence[float | None]) -> str:
    """One block a value (0..1), a dot where there is none."""
    return "".join("·" if v is None else BLOCKS[min(int(v * len(BLOCKS)), len(BLOCKS) - 1)] for v in values)


def render(person: str, today: Day, before: Sequence[Day], kinds: dict[str, list[int]],
           reset_min: float = 3.0) -> list[str]:
    lines = [_("Today, {date} ({person})").format(date=today.day.isoformat(), person=person)]
    if not today.sessions:
        lines.append("  " + _("nothing recorded today"))
    else:
        lines.append("  " + ngettext("observed {observed} in {n} session, in view {present}",
                                     "observed {observed} in {n} sessions, in view {present}",
                                     today.sessions).format(observed=duration(today.observed_s), n=today.sessions,
                                                            present=duration(today.present_s)))
        share = today.good_share
        lines.append("  " + (_("good posture: {share:.0f}% of the judged time").format(share=100 * share)
                             if share is not None else _("good posture: not judged (calibrate, or face the camera)")))
        for kind in KINDS:
            good, judged = kinds.get(kind, (0, 0))
            if judged:
                lines.append(f"    {kind_label(kind):<32} " + _("{share:.0f}% good").format(share=100 * good / judged))
        lines.append("  " + _("alerts: {alerts}; breaks taken (away {minutes} min or more): {breaks}").format(
            alerts=today.alerts, minutes=f"{reset_min:g}", breaks=today.breaks))
    past = [d.good_share for d in before]
    known = [v for v in past if v is not None]
    trend = f"  {_('last 7 days')} {sparkline(past)} {sparkline([today.good_share])}"
    if known:
        mean = sum(known) / len(known)
        trend += "  " + _("average {mean:.0f}%").format(mean=100 * mean)
        if today.good_share is not None:
            trend += ", " + _("today {today:.0f}% ({change:+.0f} points)").format(
                today=100 * today.good_share, change=100 * (today.good_share - mean))
    else:
        trend += "  " + _("nothing recorded on the days before")
    lines.append(trend)
    return lines
