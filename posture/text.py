"""Words and numbers for people: the problems and metrics by name, durations, what an alert says.

The names and the advice are defined with the problems (posture/problems.py) as English source
strings marked with ``N_``; they are translated with ``_`` here, when shown.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Callable

from .i18n import _, ngettext
from .problems import METRIC, PROBLEM
from .types import Baseline, Event, EventType


def kind_label(kind: str) -> str:
    """A posture problem in a few words ("head forward")."""
    return _(PROBLEM[kind].label) if kind in PROBLEM else kind


def short_label(kind: str) -> str:
    """A posture problem in one or two words, capitalised, for the live view."""
    return _(PROBLEM[kind].short_label) if kind in PROBLEM else kind


def view_name(view: str) -> str:
    """A camera view in a word ("side", "front")."""
    return {"side": _("side"), "front": _("front")}.get(view, view)


def metric_label(metric: str) -> str:
    """A metric's name ("neck flexion")."""
    return _(METRIC[metric].label) if metric in METRIC else metric


def unit(metric: str) -> str:
    """A metric's unit as shown to people."""
    return _("cm") if metric.endswith("_cm") else _("deg")


def value_text(metric: str, value: float) -> str:
    """"neck flexion 32 deg"."""
    if metric.endswith("_cm"):
        return _("{label} {value:.0f} {unit}").format(label=metric_label(metric), value=value, unit=unit(metric))
    n = abs(int(round(value)))
    return ngettext("{label} {value} deg", "{label} {value} deg", n).format(label=metric_label(metric),
                                                                           value=int(round(value)))


def clock(seconds: float) -> str:
    """m:ss or h:mm:ss."""
    s = int(round(max(seconds, 0.0)))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def time_labels(live: bool) -> Callable[[float], str]:
    """How a run's times are written: a camera's as the time of day (its frames are timed by the
    monotonic clock, which counts from boot: the offset to the wall clock is taken now), a file's as the
    time into it (:func:`clock`)."""
    if not live:
        return clock
    offset = time.time() - time.monotonic()
    return lambda t: dt.datetime.fromtimestamp(t + offset).strftime("%H:%M:%S")


def duration(seconds: float) -> str:
    """A duration in words: '45 s', '2 min 5 s', '1 h 3 min'."""
    s = int(round(max(seconds, 0.0)))
    if s < 60:
        return _("{s} s").format(s=s)
    m, s = divmod(s, 60)
    if m < 60:
        return _("{m} min {s} s").format(m=m, s=s) if s else _("{m} min").format(m=m)
    h, m = divmod(m, 60)
    return _("{h} h {m} min").format(h=h, m=m) if m else _("{h} h").format(h=h)


def alert_message(event: Event) -> str:
    """What an alert says: what is wrong, for how long, what to do, and the worst value."""
    text = _(PROBLEM[event.kind].advice).format(duration=duration(event.t - event.start)) \
        if event.kind in PROBLEM else event.kind
    if event.peak is not None:
        text += " " + _("(worst {value})").format(value=value_text(event.metric, event.peak))
    if event.reason == "iso11226":
        text += " " + _("(the longest ISO 11226 allows at this angle)")
    return text


def unmeasurable_message(event: Event) -> str:
    """The one-time note that a problem cannot be judged although the user is in view."""
    if event.reason == "dark":
        return _("Nothing can be judged: it is too dark around your face (for {duration}); light your face "
                 "from the front").format(duration=duration(event.t - event.start))
    if event.reason == "view":
        return _("Nothing is judged: the camera does not see you from the side that the settings ask for "
                 "(the side profile or --view) (for {duration}); move the camera or choose another profile").format(
            duration=duration(event.t - event.start))
    needs = _(METRIC[event.metric].needs) if event.metric in METRIC else event.metric
    return _("{problem} cannot be judged: the camera does not see your {needs} clearly (for {duration})").format(
        problem=kind_label(event.kind).capitalize(), needs=needs, duration=duration(event.t - event.start))


def break_message(event: Event) -> str:
    """The reminder to get up, with a minute of an exercise where the event offers one (its metric)."""
    text = _("You have been sitting for {duration}: stand up and move about for a few minutes").format(
        duration=duration(event.t - event.start))
    from .exercise.catalogue import EXERCISE

    exercise = EXERCISE.get(event.metric)
    if exercise is None:
        return text
    return _("{reminder}, or do a minute of {exercise} (posture-monitor exercise {id} --reps 5)").format(
        reminder=text, exercise=_(exercise.name), id=exercise.id)


def event_message(event: Event) -> str:
    """What an alert or a break reminder says."""
    return break_message(event) if event.type is EventType.BREAK else alert_message(event)


def alert_end_message(event: Event) -> str:
    """What the end of an alert says."""
    why = {"recovered": _("{problem}: corrected after {duration}"),
           "unknown": _("{problem}: no longer measurable after {duration}"),
           "finished": _("{problem}: session ended after {duration}")}
    template = why.get(event.reason, _("{problem}: ended after {duration}"))
    return template.format(problem=kind_label(event.kind).capitalize(), duration=duration(event.t - event.start))


def describe_calibration(baseline: Baseline) -> str:
    """A calibration in one line for people."""
    return _("calibration of {date} ({view} view, {frames} frames)").format(
        date=baseline.created[:16].replace("T", " "), view=view_name(baseline.view), frames=baseline.frames)
