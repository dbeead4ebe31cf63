"""The report: one self-contained HTML file (plots embedded as PNG, no network, A4 print layout)
about one session, two sessions side by side (before and after), or a range of days.

Everything comes from the history database; nothing here looks at a picture.
"""

from __future__ import annotations

import datetime as dt
import html
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .. import __version__
from ..clinical import CVA_CUTOFF_DEG, CVA_GOOD_DEG
from ..errors import brief_text
from ..i18n import _, language
from ..problems import KINDS, PROBLEM
from ..storage import queries as q
from ..storage.db import HistoryError
from ..text import clock, duration, kind_label, metric_label, unit
from .facts import SessionFacts, added_up, days_of, read_facts
from .plots import (BAND_COLOURS, BANDS, band_word, bands_plot, compare_plot, exercise_plot, timeline_plot,
                    trend_plot)

# The metrics drawn over time, in this order, when the session has them.
PLOTTED = ("cva_deg", "neck_flexion_deg", "shoulder_angle_deg", "trunk_inclination_deg", "lateral_lean_deg",
           "head_tilt_deg")


CSS = """
@page { size: A4; margin: 14mm 14mm 16mm 14mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #111; max-width: 190mm;
       margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 17pt; margin: 0 0 2mm 0; }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm 0; border-bottom: 1px solid #999; break-after: avoid; }
h3 { font-size: 10.5pt; margin: 4mm 0 1mm 0; break-after: avoid; }
table { border-collapse: collapse; margin: 2mm 0; break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: 1.2mm 2.2mm; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
img.plot { width: 100%; break-inside: avoid; display: block; margin: 1mm 0 3mm 0; }
.note { color: #444; font-size: 8.5pt; }
.band { display: inline-block; width: 3mm; height: 3mm; border: 1px solid #666; margin-right: 1mm; }
figure { margin: 0; break-inside: avoid; }
"""


class Page:
    """Builds the HTML."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.parts: list[str] = []

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def heading(self, text: str, level: int = 2) -> None:
        self.add(f"<h{level}>{html.escape(text)}</h{level}>")

    def para(self, text: str, cls: str = "") -> None:
        self.add(f'<p{f" class={cls!r}" if cls else ""}>{html.escape(text)}</p>')

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]], numeric_from: int = 1,
              nowrap: Sequence[int] = ()) -> None:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
        out = [f"<table><thead><tr>{head}</tr></thead><tbody>"]
        for row in rows:
            cells = []
            for i, c in enumerate(row):
                classes = (["num"] if i >= numeric_from else []) + (["nowrap"] if i in nowrap else [])
                cls = f' class="{" ".join(classes)}"' if classes else ""
                cells.append(f"<td{cls}>{html.escape('' if c is None else str(c))}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
        self.add("".join(out))

    def render(self) -> str:
        lang = language()
        return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
                f"<title>{html.escape(self.title)}</title><style>{CSS}</style></head><body>\n"
                + "\n".join(self.parts) + "\n</body></html>\n")


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None, digits: int = 1) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def _when(t: float) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


def _session_line(s: q.Session) -> str:
    line = _("session {id}: {start}, {duration}, profile {profile}, view: {view}").format(
        id=s.id, start=_when(s.start), duration=duration(s.duration_s), profile=s.profile,
        view=_("side") if s.view == "side" else _("front") if s.view == "front" else "?")
    return line + (" " + _("(an analysed video: its times are into the video)") if s.is_file else "")


def _session_table(page: Page, facts: Sequence[SessionFacts]) -> None:
    rows = []
    for f in facts:
        s = f.session
        start = _when(s.start) + (" " + _("(video analysed)") if s.is_file else "")
        rows.append([s.id, start, duration(s.duration_s), duration(f.present_s), s.profile,
                     _("side") if s.view == "side" else _("front") if s.view == "front" else "",
                     s.calibration[:16].replace("T", " ") if s.calibration else _("none"), len(f.alerts),
                     s.end_reason if s.end_reason != "finished" else ""])
    page.table([_("session"), _("start"), _("length"), _("in view"), _("profile"), _("view"), _("calibration"),
                _("alerts"), _("ended early")], rows, numeric_from=99, nowrap=(1,))


def _bands_table(page: Page, f: SessionFacts) -> None:
    rows = []
    for kind in f.kinds:
        c = f.band_seconds(kind)
        total = sum(c.values())
        alerts = sum(1 for e in f.alerts if e["kind"] == kind)
        if not total and f.good_share(kind) is None:
            why = _("not judged: calibrate (posture-monitor --calibrate, or c in the window)") \
                if f.awaited_calibration(kind) else _("not judged (not visible from here)")
            rows.append([kind_label(kind), why, "", "", "", alerts])
            continue
        rows.append([kind_label(kind), *(f"{duration(c[b])} ({_pct(c[b] / total)})" if total else "" for b in BANDS),
                     _pct(f.good_share(kind)), alerts])
    page.table([_("posture problem"), band_word("good"), band_word("borderline"), band_word("bad"),
                _("good posture (short glances count as good)"), _("alerts")], rows)


def _alerts_table(page: Page, f: SessionFacts) -> None:
    alerts = f.alerts
    if not alerts:
        page.para(_("No alerts in this session."))
        return
    ends = {(e["kind"], e["start"]): e for e in f.events if e["type"] == "alert_end"}
    rows = []
    for e in alerts:
        end = ends.get((e["kind"], e["start"]))
        when = clock(e["t"]) if f.session.is_file else dt.datetime.fromtimestamp(f.session.start + e["t"]).strftime(
            "%H:%M:%S")
        rows.append([when, kind_label(e["kind"]),
                     duration(e["t"] - e["start"]),
                     duration(end["end"] - e["start"]) if end and end.get("end") is not None else "",
                     f"{e['peak']:.0f} {unit(e['metric'])}" if e["peak"] is not None else "",
                     _("ISO 11226 holding time") if e["reason"] == "iso11226" else _("held past the alert delay")])
    page.table([_("time"), _("posture problem"), _("lasted before the alert"), _("lasted in all"), _("worst"),
                _("why")], rows, numeric_from=2)
    rate = f.alerts_per_hour()
    average = " " + _("On average {rate} an hour in view.").format(rate=_num(rate)) if rate is not None else ""
    if f.session.is_file:  # a video's times are not the clock's
        page.para(average.strip())
        return
    per_hour: Counter[int] = Counter(dt.datetime.fromtimestamp(f.session.start + e["t"]).hour for e in alerts)
    hours = ", ".join(f"{hour:02d}:00 {n}" for hour, n in sorted(per_hour.items()))
    page.para(_("Alerts per clock hour: {list}.").format(list=hours) + average)


def _session_section(page: Page, f: SessionFacts) -> None:
    page.heading(_session_line(f.session))
    page.add(bands_plot(f))
    _bands_table(page, f)
    _timelines(page, [f])
    page.heading(_("Alerts"), 3)
    _alerts_table(page, f)


def _timelines(page: Page, facts: Sequence[SessionFacts]) -> None:
    """Each watched angle over time: one session, or a day's sessions on one clock."""
    page.heading(_("Angles over time"), 3)
    page.para(_("The black line is the mean of each second, the grey band its range; the background shows the "
                "band of each second; red lines mark alerts; dashed lines are the clinical CVA cut-offs "
                "({cut_off} and {good} deg). Gaps are time away from the camera.").format(
        cut_off=CVA_CUTOFF_DEG, good=f"{CVA_GOOD_DEG:g}"), "note")
    if any(f.step > 1 for f in facts):
        page.para(_("This session is kept a minute at a time (older sessions are condensed): each point is a "
                    "minute, with the band and state held most of that minute."), "note")
    watched = {PROBLEM[k].metric for f in facts for k in f.kinds}
    for metric in PLOTTED:
        if metric in watched and any(f.series.get(metric) for f in facts):
            page.add(timeline_plot(facts, metric))


def _compare_section(page: Page, before: SessionFacts, after: SessionFacts) -> None:
    page.heading(_("Before and after"))
    page.para(_("Before: {before}. After: {after}.").format(before=_session_line(before.session),
                                                            after=_session_line(after.session)))
    page.add(compare_plot(before, after))
    rows = []
    for kind in KINDS:
        a, b = before.good_share(kind), after.good_share(kind)
        if a is None and b is None:
            continue
        change = "" if a is None or b is None else f"{100 * (b - a):+.0f}"
        rows.append([_("{problem}: good posture").format(problem=kind_label(kind)), _pct(a), _pct(b), change])
    watched = {PROBLEM[k].metric for k in before.kinds + after.kinds}
    for metric in PLOTTED:
        if metric not in watched:
            continue
        a, b = before.mean(metric), after.mean(metric)
        if a is None and b is None:
            continue
        change = "" if a is None or b is None else f"{b - a:+.1f}"
        rows.append([_("{metric}, mean ({unit})").format(metric=metric_label(metric), unit=unit(metric)),
                     _num(a), _num(b), change])
    rows.append([_("alerts per hour in view"), _num(before.alerts_per_hour()), _num(after.alerts_per_hour()), ""])
    page.table(["", _("before"), _("after"), _("change")], rows)


def _trend_section(page: Page, facts: Sequence[SessionFacts]) -> None:
    days = days_of(facts)
    kinds = [k for k in KINDS if any(d["good"].get(k) is not None for d in days)]
    page.heading(_("Day by day"))
    if len(days) > 1:
        page.add(trend_plot(days, kinds))
    page.table([_("day"), _("sessions"), _("in view"), *[kind_label(k) for k in kinds], _("alerts"),
                _("alerts per hour")],
               [[d["day"].isoformat(), d["sessions"], duration(d["present_s"]), *[_pct(d["good"][k]) for k in kinds],
                 d["alerts"], _num(d["per_hour"])] for d in days], nowrap=(0, 2))
    page.para(_("The posture columns give the share of the judged time in good posture."), "note")


def _week(day: dt.date) -> dt.date:
    """The Monday of a day's week."""
    return day - dt.timedelta(days=day.weekday())


def _exercise_section(page: Page, conn: sqlite3.Connection, person: str, since: dt.date, until: dt.date,
                      facts: Sequence[SessionFacts]) -> None:
    """The exercises done in the report's span: per week the sets done against the program, the
    repetitions and the best range, and the week's good posture beside them; the range over the weeks."""
    from ..exercise.catalogue import EXERCISE
    from ..storage.exercises import find_sets, load_program

    sets = find_sets(conn, person, since, until)
    if not sets:
        return
    program = load_program(conn, person) or {}
    per_week = program.get("per_week") if isinstance(program.get("per_week"), int) else None
    asked_sets: dict[str, int] = {}
    for item in program.get("exercise", []) if isinstance(program.get("exercise"), list) else []:
        if isinstance(item, dict) and item.get("name") in EXERCISE:
            sides = len(EXERCISE[item["name"]].sides) or 1
            asked_sets[item["name"]] = asked_sets.get(item["name"], 0) + int(item.get("sets", 1)) * sides
    good_by_week: dict[dt.date, list[int]] = {}
    for f in facts:
        good, judged = q.posture_seconds(conn, f.session.id)
        tally = good_by_week.setdefault(_week(f.session.start_local.date()), [0, 0])
        tally[0] += good
        tally[1] += judged
    weeks = sorted({_week(s.day) for s in sets} | set(good_by_week))
    names = {e: _(EXERCISE[e].name) for e in {s.exercise for s in sets}}
    page.heading(_("Exercises"))
    rows = []
    for week in weeks:
        mine = [s for s in sets if _week(s.day) == week]
        for exercise in sorted({s.exercise for s in mine}):
            done = [s for s in mine if s.exercise == exercise]
            asked = asked_sets.get(exercise, 0) * per_week if per_week and exercise in asked_sets else None
            days = len({s.day for s in done})
            ranges = [s.best_range for s in done if s.best_range is not None]
            unit = done[-1].unit
            good = good_by_week.get(week)
            rows.append([week.isoformat(), names[exercise],
                         f"{days}" + (f" / {per_week}" if per_week and exercise in asked_sets else ""),
                         f"{len(done)}" + (f" / {asked}" if asked else ""),
                         f"{sum(s.reps_counted for s in done)} / {sum(s.reps_asked for s in done)}",
                         _num(max(ranges)) + {"deg": "\u00b0", "%": "%"}.get(unit, " " + unit) if ranges else "-",
                         sum(s.wrong_movements for s in done),
                         _pct(good[0] / good[1]) if good and good[1] else "-"])
    page.table([_("week of"), _("exercise"), _("days done / asked"), _("sets done / asked"),
                _("repetitions counted / asked"),
                _("best range"), _("wrong movements"), _("good posture that week")], rows, numeric_from=2)
    page.add(exercise_plot(sets, [(w, (good_by_week[w][0] / good_by_week[w][1]) if good_by_week.get(w) and
                                   good_by_week[w][1] else None) for w in weeks],
                           names, {s.exercise: s.unit for s in sets}))
    page.para(_("Days done: the days of the week with a set of the exercise, against the program's sessions a "
                "week; sets asked: the program's sets times its sessions a week{program}. A repetition counts when it "
                "went as far as its target and was held long enough without a wrong movement; the range is how "
                "far it went from the start position (cm of the head's move back, degrees, or % of the "
                "shoulder width). Beside it, the week's share of judged time in good posture from the "
                "monitor.").format(program="" if per_week else _(" (no program with sessions a week is kept)")),
              "note")


def _stored_section(page: Page, conn: sqlite3.Connection, person: str, path: Path) -> None:
    page.heading(_("What is stored"))
    c = q.counts(conn, person)
    page.table([_("what"), _("how many")], [
        [_("sessions"), c["sessions"]],
        [_("seconds with a summary (frames analysed, person in view)"), c["seconds"]],
        [_("per-second values of the angles (mean, lowest, highest, band)"), c["metric_seconds"]],
        [_("per-second states of the posture problems"), c["state_seconds"]],
        [_("alert events"), c["events"]],
        [_("calibrations"), c["calibrations"]],
        [_("exercise sets (repetitions counted, holds, ranges)"), c["exercise_sets"]]])
    page.para(_("This is everything the history keeps about {person}, in {path} on this computer. It holds no "
                "camera pictures or video, and nothing is sent anywhere (a snapshot is saved only when the s key "
                "is pressed in the live window, as a separate picture file). Delete with: posture-monitor "
                "history --delete (one session with --session, a range with --from/--to, all with --all).").format(
        person=person, path=path), "note")


@dataclass(frozen=True)
class ReportRequest:
    """What the report is about."""

    person: str
    selection: q.Selection
    compare: tuple[int, int] | None = None


def _titled(req: ReportRequest, first: float, last: float, now: dt.datetime) -> Page:
    """A report's page with its title and the span it covers (epoch seconds)."""
    page = Page(_("Posture report: {person}").format(person=req.person))
    page.heading(_("Posture report: {person}").format(person=req.person), 1)
    page.para(_("{span}; made {now} by posture {version}.").format(
        span=_when(first) + " – " + _when(last), now=now.strftime("%Y-%m-%d %H:%M"), version=__version__))
    return page


def build(conn: sqlite3.Connection, db: Path, req: ReportRequest, *, now: dt.datetime | None = None) -> str:
    """The report as HTML; raises HistoryError when there is nothing to report."""
    if req.compare is not None:
        found = {s.id: s for s in q.find_sessions(conn, q.Selection(person=req.person, sessions=req.compare))}
        missing = [i for i in req.compare if i not in found]
        if missing:
            raise HistoryError(_("no session {id} for {person}").format(id=missing[0], person=brief_text(req.person)))
        sessions = [found[i] for i in req.compare]
    else:
        sessions = q.find_sessions(conn, req.selection)
        if not sessions:
            return _exercises_only(conn, db, req, now or dt.datetime.now())
    facts = [read_facts(conn, s) for s in sessions]
    page = _titled(req, sessions[0].start, sessions[-1].end or sessions[-1].start, now or dt.datetime.now())
    page.para(_("The angles are estimates from body landmarks seen by a webcam, not clinical measurements: "
                "they show how the posture went over time and against the person's own calibrated upright "
                "posture. Guidance, not a diagnosis. Bands: CVA after Mostafaee et al. 2024 and Lau et al. 2009; "
                "neck flexion after RULA and ISO 11226; trunk after ISO 11226; the others against the app's "
                "limit or the calibration."), "note")
    page.add("<p>" + " ".join(f'<span class="band" style="background:{BAND_COLOURS[b]}"></span>'
                              f"{html.escape(band_word(b))} &nbsp;" for b in BANDS) + "</p>")
    page.heading(_("Sessions"))
    _session_table(page, facts)
    if req.compare is not None:
        _compare_section(page, facts[0], facts[1])
        for f in facts:
            _session_section(page, f)
    elif len(facts) == 1:
        _session_section(page, facts[0])
    else:
        one_day = len({f.session.start_local.date() for f in facts}) == 1
        _trend_section(page, facts)
        overall = added_up(facts)
        page.heading(_("Your day") if one_day else _("All sessions together"))
        page.add(bands_plot(overall))
        _bands_table(page, overall)
        live = [f for f in facts if not f.session.is_file]
        if one_day and live:  # the picture of a day: every camera session on one clock (a video's times are its own)
            _timelines(page, live)
    first, last = sessions[0].start_local.date(), dt.datetime.fromtimestamp(sessions[-1].end or sessions[-1].start).date()
    _exercise_section(page, conn, req.person, req.selection.since or first, req.selection.until or last, facts)
    _stored_section(page, conn, req.person, db)
    return page.render()


def _exercises_only(conn: sqlite3.Connection, db: Path, req: ReportRequest, now: dt.datetime) -> str:
    """The report of a span with exercise sets but no posture session (someone who does their home
    exercises without running the monitor); raises HistoryError when there are none either."""
    from ..storage.exercises import find_sets

    sel = req.selection
    sets = [] if sel.sessions else find_sets(conn, req.person, sel.since, sel.until)
    if not sets:
        raise HistoryError(_("nothing recorded for {person} in what was asked").format(person=brief_text(req.person)))
    page = _titled(req, sets[0].start, sets[-1].end or sets[-1].start, now)
    page.para(_("No posture session was recorded in this span, only exercises: run the monitor to see the "
                "posture beside them."), "note")
    _exercise_section(page, conn, req.person, sel.since or sets[0].day, sel.until or sets[-1].day, [])
    _stored_section(page, conn, req.person, db)
    return page.render()
