"""The report's plots, drawn with matplotlib without pyplot and embedded as PNG."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from typing import Any, Sequence

from ..i18n import _, language
from ..problems import KINDS, METRIC
from ..text import kind_label, metric_label, unit
from .facts import SessionFacts

# Okabe & Ito: told apart by colour-blind readers too; every band is also named in words.
BAND_COLOURS = {"good": "#56B4E9", "borderline": "#F0E442", "bad": "#D55E00"}
BANDS = ("good", "borderline", "bad")


def band_word(band: str) -> str:
    return {"good": _("good"), "borderline": _("borderline"), "bad": _("bad")}[band]


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


FOOTAGE_ORIGIN = dt.datetime(2000, 1, 1)  # where an analysed video's time starts on the plot's axis


def timeline_plot(sessions: Sequence[SessionFacts], metric: str) -> str:
    """The metric over one session or a day's sessions on one clock: the mean of each stored row with
    its range, the band shaded behind, alerts marked, gaps where nothing was measured."""
    import matplotlib.dates as mdates
    import numpy as np

    fig = _figure(7.2, 2.3)
    ax = fig.add_subplot()
    # An analysed video is drawn on its own time (minutes into the footage), a camera's on the clock.
    footage = all(f.session.is_file for f in sessions)

    def when(f: SessionFacts, sec: float) -> dt.datetime:
        return FOOTAGE_ORIGIN + dt.timedelta(seconds=sec) if footage else dt.datetime.fromtimestamp(f.session.start + sec)

    xs: list[float] = []
    mean: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    first = last = None
    for f in sessions:
        rows = f.series.get(metric) or []
        start = 0.0 if footage else f.session.start
        for a, b, band in _runs(rows, f.step):
            ax.axvspan(when(f, a), when(f, b), color=BAND_COLOURS.get(band, "#ddd"), alpha=0.35, lw=0)
        prev = None
        for r in rows:
            x = mdates.date2num(when(f, r[0]))
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
                x = mdates.date2num(when(f, e["t"]))
                ax.axvline(x, color="#D55E00", lw=1.5)
                ax.annotate(_("alert"), (x, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -10),
                            textcoords="offset points", color="#D55E00", fontsize=8, fontweight="bold")
    ax.plot(xs, mean, color="black", lw=1.0)
    ax.fill_between(xs, lo, hi, color="black", alpha=0.12, lw=0)
    for cut in METRIC[metric].cut_offs:
        ax.axhline(cut, color="#555", lw=0.8, ls="--")
    ax.set_ylabel(f"{metric_label(metric)} ({unit(metric)})", fontsize=8)
    short = first is not None and last is not None and last - first < 1200
    if footage:
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%M:%S" if last is not None and last < 3600 else "%H:%M:%S"))
        ax.set_xlabel(_("time into the video"), fontsize=8)
    else:
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
    kinds = [k for k in KINDS if before.good_share(k) is not None or after.good_share(k) is not None]
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


def exercise_plot(sets: Sequence[Any], weekly_good: Sequence[tuple[dt.date, float | None]],
                  names: dict[str, str], units: dict[str, str]) -> str:
    """Range of motion over the weeks: each exercise's best range per set (one panel an exercise, in
    its unit), with the week's share of good posture beside it (right axis, from the monitor)."""
    exercises = sorted({s.exercise for s in sets})
    fig = _figure(7.5, 1.9 * len(exercises) + 0.4)
    axes = fig.subplots(len(exercises), 1, sharex=True, squeeze=False)[:, 0]
    for ax, exercise in zip(axes, exercises):
        mine = [s for s in sets if s.exercise == exercise and s.best_range is not None]
        for side, marker in ((None, "o"), ("left", "<"), ("right", ">")):
            pts = [s for s in mine if s.side == side]
            if pts:
                ax.plot([dt.datetime.fromtimestamp(s.start) for s in pts], [s.best_range for s in pts], marker,
                        color="#0072B2", label=side or None)
        if mine:
            ax.axhline(mine[-1].target, color="#999999", lw=0.8, ls="--")
        ax.margins(y=0.2)
        sign = {"deg": "\u00b0", "%": "%", "cm": "cm"}.get(units.get(exercise, ""), "")
        ax.set_ylabel(f"{names[exercise]} ({sign})", fontsize=7)
        ax.tick_params(labelsize=7)
        good = [(dt.datetime.combine(d, dt.time(12)), v * 100) for d, v in weekly_good if v is not None]
        if good:
            twin = ax.twinx()
            twin.plot([g[0] for g in good], [g[1] for g in good], "s-", color="#E69F00", lw=1.2, ms=4)
            twin.set_ylim(0, 100)
            twin.set_ylabel(_("good posture (%)"), fontsize=7, color="#E69F00")
            twin.tick_params(labelsize=7, colors="#E69F00")
    times = [dt.datetime.fromtimestamp(s.start) for s in sets]
    if times and max(times) - min(times) < dt.timedelta(days=14):  # a week or two: show two weeks, not years
        middle = min(times) + (max(times) - min(times)) / 2
        axes[0].set_xlim(middle - dt.timedelta(days=7), middle + dt.timedelta(days=7))
    fig.autofmt_xdate()
    return _png(fig, _("Range of motion of each exercise over the weeks, with the weekly share of good posture"))
