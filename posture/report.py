"""The report: one self-contained HTML file (plots embedded as PNG, no network, A4 print layout)
about one session, two sessions side by side (before and after), or a range of days.

Everything comes from the history database; nothing here looks at a picture.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from . import __version__
from . import history as h
from .i18n import _, language
from .monitor import KIND_METRIC
from .text import duration, kind_label, metric_label, unit

# Okabe & Ito: told apart by colour-blind readers too; every band is also named in words.
BAND_COLOURS = {"good": "#56B4E9", "borderline": "#F0E442", "bad": "#D55E00"}
BANDS = ("good", "borderline", "bad")
# Absolute cut-offs drawn as lines (the others are relative to the calibration or the app's limit).
CUT_OFFS = {"cva_deg": (45.5, 50.0)}
# The metrics drawn over time, in this order, when the session has them.
# Alerts an hour are given for at least this much time in view (a rate of a few minutes misleads).
MIN_RATE_S = 600
PLOTTED = ("cva_deg", "neck_flexion_deg", "shoulder_angle_deg", "trunk_inclination_deg", "lateral_lean_deg",
           "head_tilt_deg")


def band_word(band: str) -> str:
    return {"good": _("good"), "borderline": _("borderline"), "bad": _("bad")}[band]


@dataclass
class SessionFacts:
    """What a report needs of one session, read once."""

    session: h.Session
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
        return [k for k in KIND_METRIC if k in self.states]

    def good_share(self, kind: str) -> float | None:
        """Share of the judged seconds in good posture (glances count as good, unknown is left out)."""
        c = self.states.get(kind, Counter())
        judged = c["good"] + c["deviating"] + c["alert"]
        return c["good"] / judged if judged else None

    def band_seconds(self, kind: str) -> Counter[str]:
        return self.bands.get(KIND_METRIC[kind][0], Counter())

    def alerts_per_hour(self) -> float | None:
        return len(self.alerts) / (self.present_s / 3600) if self.present_s >= MIN_RATE_S else None

    def mean(self, metric: str) -> float | None:
        rows = self.series.get(metric) or []
        return sum(r[1] for r in rows) / len(rows) if rows else None


def read_facts(conn: sqlite3.Connection, s: h.Session, with_series: bool = True) -> SessionFacts:
    observed, present, step = h.coverage(conn, s.id)
    facts = SessionFacts(s, present, observed, h.state_counts(conn, s.id), h.band_counts(conn, s.id),
                         h.events(conn, s.id), step=step)
    if with_series:
        for metric in h.metrics_of(conn, s.id):
            facts.series[metric] = h.metric_series(conn, s.id, metric)
    return facts


# -- plots ------------------------------------------------------------------------------------


def _figure(width_in: float, height_in: float) -> Any:
    """A figure drawn without pyplot (no GUI backend involved)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=150, layout="constrained")


def _png(fig: Any, alt: str) -> str:
    if language() == "nl":  # a decimal comma on the number axes, as in the text (times stay as they are)
        from matplotlib.ticker import FuncFormatter, ScalarFormatter

        comma = FuncFormatter(lambda v, _pos: f"{v:g}".replace(".", ","))
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                if isinstance(axis.get_major_formatter(), ScalarFormatter):
                    axis.set_major_formatter(comma)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img class="plot" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _runs(rows: Sequence[tuple[int, float, float, float, str]], step: int = 1) -> list[tuple[int, int, str]]:
    """Consecutive rows (of ``step`` seconds) with the same band as (first second, end, band)."""
    runs: list[tuple[int, int, str]] = []
    for sec, *_rest, band in rows:
        if not band:
            continue
        if runs and runs[-1][2] == band and runs[-1][1] == sec:
            runs[-1] = (runs[-1][0], sec + step, band)
        else:
            runs.append((sec, sec + step, band))
    return runs


def timeline_plot(sessions: Sequence[SessionFacts], metric: str) -> str:
    """The metric over one session or a day's sessions on one clock: the mean of each stored row with
    its range, the band shaded behind, alerts marked, gaps where nothing was measured."""
    import matplotlib.dates as mdates
    import numpy as np

    fig = _figure(7.2, 2.3)
    ax = fig.add_subplot()
    xs: list[float] = []
    mean: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    first = last = None
    for f in sessions:
        rows = f.series.get(metric) or []
        start = f.session.start
        for a, b, band in _runs(rows, f.step):
            ax.axvspan(dt.datetime.fromtimestamp(start + a), dt.datetime.fromtimestamp(start + b),
                       color=BAND_COLOURS.get(band, "#ddd"), alpha=0.35, lw=0)
        prev = None
        for r in rows:
            x = mdates.date2num(dt.datetime.fromtimestamp(start + r[0]))
            if prev is None or r[0] - prev > 2 * f.step:  # away, paused, or the next session: a gap
                xs.append(x - 1e-6)
                mean.append(np.nan)
                lo.append(np.nan)
                hi.append(np.nan)
            xs.append(x)
            mean.append(r[1])
            lo.append(r[2])
            hi.append(r[3])
            prev = r[0]
        if rows:
            first = start + rows[0][0] if first is None else min(first, start + rows[0][0])
            last = start + rows[-1][0] if last is None else max(last, start + rows[-1][0])
        for e in f.alerts:
            if e["metric"] == metric:
                x = mdates.date2num(dt.datetime.fromtimestamp(start + e["t"]))
                ax.axvline(x, color="#D55E00", lw=1.5)
                ax.annotate(_("alert"), (x, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -10),
                            textcoords="offset points", color="#D55E00", fontsize=8, fontweight="bold")
    ax.plot(xs, mean, color="black", lw=1.0)
    ax.fill_between(xs, lo, hi, color="black", alpha=0.12, lw=0)
    for cut in CUT_OFFS.get(metric, ()):
        ax.axhline(cut, color="#555", lw=0.8, ls="--")
    ax.set_ylabel(f"{metric_label(metric)} ({unit(metric)})", fontsize=8)
    short = first is not None and last is not None and last - first < 1200
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S" if short else "%H:%M"))
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3, lw=0.5)
    from matplotlib.patches import Patch

    handles = [Patch(color=BAND_COLOURS[b], alpha=0.5, label=band_word(b)) for b in BANDS]
    ax.legend(handles=handles, fontsize=7, loc="lower left", ncol=3, framealpha=0.8)
    return _png(fig, _("{metric} over time").format(metric=metric_label(metric)))


def bands_plot(f: SessionFacts) -> str:
    """Time in good / borderline / bad per posture problem, as stacked bars."""
    kinds = [k for k in f.kinds if sum(f.band_seconds(k).values())]
    fig = _figure(7.2, 0.45 * len(kinds) + 0.8)
    ax = fig.add_subplot()
    for i, kind in enumerate(kinds):
        c = f.band_seconds(kind)
        total = sum(c.values())
        left = 0.0
        for band in BANDS:
            share = 100.0 * c[band] / total
            ax.barh(i, share, left=left, color=BAND_COLOURS[band], edgecolor="white")
            if share >= 8:
                ax.text(left + share / 2, i, f"{share:.0f}%", ha="center", va="center", fontsize=8)
            left += share
    ax.set_yticks(range(len(kinds)), [kind_label(k) for k in kinds], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(_("% of the measured time"), fontsize=8)
    ax.tick_params(labelsize=8)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=BAND_COLOURS[b], label=band_word(b)) for b in BANDS], fontsize=7,
              loc="upper center", bbox_to_anchor=(0.5, -0.35 if len(kinds) < 3 else -0.2), ncol=3, frameon=False)
    return _png(fig, _("time in good, borderline and bad posture"))


def compare_plot(before: SessionFacts, after: SessionFacts) -> str:
    kinds = [k for k in KIND_METRIC if before.good_share(k) is not None or after.good_share(k) is not None]
    fig = _figure(7.2, 2.4)
    ax = fig.add_subplot()
    for j, (f, colour, label) in enumerate(((before, "#999999", _("before")), (after, "#0072B2", _("after")))):
        shares = [100.0 * (f.good_share(k) or 0.0) for k in kinds]
        ax.bar([i + (j - 0.5) * 0.38 for i in range(len(kinds))], shares, width=0.38, color=colour, label=label)
    ax.set_xticks(range(len(kinds)), [kind_label(k) for k in kinds], fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel(_("% of the time in good posture"), fontsize=8)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8)
    return _png(fig, _("good posture before and after"))


def trend_plot(days: list[dict[str, Any]], kinds: Sequence[str]) -> str:
    import matplotlib.dates as mdates

    fig = _figure(7.2, 3.2)
    ax, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    when = [d["day"] for d in days]
    for kind in kinds:
        ys = [None if d["good"].get(kind) is None else 100.0 * d["good"][kind] for d in days]
        pts = [(w, y) for w, y in zip(when, ys) if y is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3, lw=1.2, label=kind_label(kind))
    ax.set_ylim(0, 100)
    ax.set_ylabel(_("% good posture"), fontsize=8)
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3, lw=0.5)
    ax2.bar(when, [d["present_s"] / 3600 for d in days], color="#999999", width=0.6)
    ax2.set_ylabel(_("hours in view"), fontsize=8)
    ax2.xaxis.set_major_formatter(mdates.DateFormatter("%d-%m"))
    for a in (ax, ax2):
        a.tick_params(labelsize=8)
    return _png(fig, _("daily trend"))


# -- the page ---------------------------------------------------------------------------------


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


def _session_line(s: h.Session) -> str:
    return _("session {id}: {start}, {duration}, profile {profile}, view: {view}").format(
        id=s.id, start=_when(s.start), duration=duration(s.duration_s), profile=s.profile,
        view=_("side") if s.view == "side" else _("front") if s.view == "front" else "?")


def _session_table(page: Page, facts: Sequence[SessionFacts]) -> None:
    rows = []
    for f in facts:
        s = f.session
        rows.append([s.id, _when(s.start), duration(s.duration_s), duration(f.present_s), s.profile,
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
            rows.append([kind_label(kind), _("not judged (not visible from here, or judged only against a "
                                             "calibration)"), "", "", "", alerts])
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
        rows.append([dt.datetime.fromtimestamp(f.session.start + e["t"]).strftime("%H:%M:%S"), kind_label(e["kind"]),
                     duration(e["t"] - e["start"]),
                     duration(end["end"] - e["start"]) if end and end.get("end") is not None else "",
                     f"{e['peak']:.0f} {unit(e['metric'])}" if e["peak"] is not None else "",
                     _("ISO 11226 holding time") if e["reason"] == "iso11226" else _("held past the alert delay")])
    page.table([_("time"), _("posture problem"), _("lasted before the alert"), _("lasted in all"), _("worst"),
                _("why")], rows, numeric_from=2)
    per_hour: Counter[int] = Counter(dt.datetime.fromtimestamp(f.session.start + e["t"]).hour for e in alerts)
    hours = ", ".join(f"{hour:02d}:00 {n}" for hour, n in sorted(per_hour.items()))
    rate = f.alerts_per_hour()
    page.para(_("Alerts per clock hour: {list}.").format(list=hours) + (" " + _(
        "On average {rate} an hour in view.").format(rate=_num(rate)) if rate is not None else ""))


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
                "(45.5 and 50 deg). Gaps are time away from the camera."), "note")
    if any(f.step > 1 for f in facts):
        page.para(_("This session is kept a minute at a time (older sessions are condensed): each point is a "
                    "minute, with the band and state held most of that minute."), "note")
    watched = {KIND_METRIC[k][0] for f in facts for k in f.kinds}
    for metric in PLOTTED:
        if metric in watched and any(f.series.get(metric) for f in facts):
            page.add(timeline_plot(facts, metric))


def _compare_section(page: Page, before: SessionFacts, after: SessionFacts) -> None:
    page.heading(_("Before and after"))
    page.para(_("Before: {before}. After: {after}.").format(before=_session_line(before.session),
                                                            after=_session_line(after.session)))
    page.add(compare_plot(before, after))
    rows = []
    for kind in KIND_METRIC:
        a, b = before.good_share(kind), after.good_share(kind)
        if a is None and b is None:
            continue
        change = "" if a is None or b is None else f"{100 * (b - a):+.0f}"
        rows.append([_("{problem}: good posture").format(problem=kind_label(kind)), _pct(a), _pct(b), change])
    watched = {KIND_METRIC[k][0] for k in before.kinds + after.kinds}
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


def _days(facts: Sequence[SessionFacts]) -> list[dict[str, Any]]:
    by_day: dict[dt.date, list[SessionFacts]] = defaultdict(list)
    for f in facts:
        by_day[f.session.start_local.date()].append(f)
    days = []
    for day in sorted(by_day):
        fs = by_day[day]
        good: dict[str, float | None] = {}
        for kind in KIND_METRIC:
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


def _trend_section(page: Page, facts: Sequence[SessionFacts]) -> None:
    days = _days(facts)
    kinds = [k for k in KIND_METRIC if any(d["good"].get(k) is not None for d in days)]
    page.heading(_("Day by day"))
    if len(days) > 1:
        page.add(trend_plot(days, kinds))
    page.table([_("day"), _("sessions"), _("in view"), *[kind_label(k) for k in kinds], _("alerts"),
                _("alerts per hour")],
               [[d["day"].isoformat(), d["sessions"], duration(d["present_s"]), *[_pct(d["good"][k]) for k in kinds],
                 d["alerts"], _num(d["per_hour"])] for d in days], nowrap=(0, 2))
    page.para(_("The posture columns give the share of the judged time in good posture."), "note")


def _stored_section(page: Page, conn: sqlite3.Connection, person: str, path: Path) -> None:
    page.heading(_("What is stored"))
    c = h.counts(conn, person)
    page.table([_("what"), _("how many")], [
        [_("sessions"), c["sessions"]],
        [_("seconds with a summary (frames analysed, person in view)"), c["seconds"]],
        [_("per-second values of the angles (mean, lowest, highest, band)"), c["metric_seconds"]],
        [_("per-second states of the posture problems"), c["state_seconds"]],
        [_("alert events"), c["events"]],
        [_("calibrations"), c["calibrations"]]])
    page.para(_("This is everything the history keeps about {person}, in {path} on this computer. It holds no "
                "camera pictures or video, and nothing is sent anywhere (a snapshot is saved only when the s key "
                "is pressed in the live window, as a separate picture file). Delete with: posture-monitor "
                "history --delete (one session with --session, a range with --from/--to, all with --all).").format(
        person=person, path=path), "note")


@dataclass(frozen=True)
class ReportRequest:
    """What the report is about."""

    person: str
    selection: h.Selection
    compare: tuple[int, int] | None = None


def build(conn: sqlite3.Connection, db: Path, req: ReportRequest, *, now: dt.datetime | None = None) -> str:
    """The report as HTML; raises HistoryError when there is nothing to report."""
    if req.compare is not None:
        found = {s.id: s for s in h.find_sessions(conn, h.Selection(person=req.person, sessions=req.compare))}
        missing = [i for i in req.compare if i not in found]
        if missing:
            raise h.HistoryError(_("no session {id} for {person}").format(id=missing[0], person=req.person))
        sessions = [found[i] for i in req.compare]
    else:
        sessions = h.find_sessions(conn, req.selection)
        if not sessions:
            raise h.HistoryError(_("nothing recorded for {person} in what was asked").format(person=req.person))
    facts = [read_facts(conn, s) for s in sessions]
    now = now or dt.datetime.now()
    page = Page(_("Posture report: {person}").format(person=req.person))
    page.heading(_("Posture report: {person}").format(person=req.person), 1)
    span = (_when(sessions[0].start) + " – " + _when(sessions[-1].end or sessions[-1].start))
    page.para(_("{span}; made {now} by posture {version}.").format(span=span, now=now.strftime("%Y-%m-%d %H:%M"),
                                                                  version=__version__))
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
        overall = _overall(facts)
        page.heading(_("Your day") if one_day else _("All sessions together"))
        page.add(bands_plot(overall))
        _bands_table(page, overall)
        if one_day:  # the picture of a day: every session on one clock
            _timelines(page, facts)
    _stored_section(page, conn, req.person, db)
    return page.render()


def _overall(facts: Sequence[SessionFacts]) -> SessionFacts:
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
