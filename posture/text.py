"""Words and numbers for people: labels of the alert kinds, durations, alert messages.

Tables hold English source strings marked with ``N_``; they are translated with ``_`` when shown.
"""

from __future__ import annotations

from .i18n import N_, _, ngettext
from .monitor import Event

_KIND_LABELS = {
    "forward_head": N_("head forward"),
    "rounded_shoulders": N_("rounded shoulders"),
    "phone_posture": N_("head bent down (phone posture)"),
    "slump": N_("slumped trunk"),
    "lean": N_("leaning sideways"),
    "head_tilt": N_("head tilted"),
}

# Short labels for the live view.
_SHORT_LABELS = {
    "forward_head": N_("Head forward"),
    "rounded_shoulders": N_("Shoulders"),
    "phone_posture": N_("Head down"),
    "slump": N_("Slump"),
    "lean": N_("Lean"),
    "head_tilt": N_("Head tilt"),
}

# What the alert says: what is wrong, for how long, and what to do, the way a therapist would say it.
_ALERTS = {
    "forward_head": N_("Head forward for {duration}: bring your ears back over your shoulders"),
    "rounded_shoulders": N_("Shoulders rounded for {duration}: open your chest and let your shoulder blades "
                            "settle back"),
    "phone_posture": N_("Head bent down for {duration}: raise the phone to eye height instead of bending "
                        "your neck"),
    "slump": N_("Slumped for {duration}: sit up and rest your back against the chair"),
    "lean": N_("Leaning sideways for {duration}: sit evenly on both sitting bones"),
    "head_tilt": N_("Head tilted for {duration}: level your head"),
}

_METRIC_LABELS = {
    "cva_deg": N_("CVA"),
    "head_forward_cm": N_("head forward"),
    "shoulder_angle_deg": N_("shoulder angle"),
    "neck_flexion_deg": N_("neck flexion"),
    "trunk_inclination_deg": N_("trunk inclination"),
    "lateral_lean_deg": N_("lean"),
    "head_tilt_deg": N_("head tilt"),
}

# Which landmarks each metric needs, for the note that it cannot be measured.
_NEEDS = {
    "cva_deg": N_("ears, eyes and shoulders"), "head_forward_cm": N_("ears, eyes and shoulders"),
    "shoulder_angle_deg": N_("ears and shoulders"), "neck_flexion_deg": N_("ears, eyes and shoulders"),
    "trunk_inclination_deg": N_("shoulders and hips"), "lateral_lean_deg": N_("both shoulders"),
    "head_tilt_deg": N_("both eyes"),
}


def kind_label(kind: str) -> str:
    """A posture problem in a few words ("head forward")."""
    return _(_KIND_LABELS[kind]) if kind in _KIND_LABELS else kind


def short_label(kind: str) -> str:
    """A posture problem in one or two words, capitalised, for the live view."""
    return _(_SHORT_LABELS[kind]) if kind in _SHORT_LABELS else kind


def view_name(view: str) -> str:
    """A camera view in a word ("side", "front")."""
    return {"side": _("side"), "front": _("front")}.get(view, view)


def metric_label(metric: str) -> str:
    """A metric's name ("neck flexion")."""
    return _(_METRIC_LABELS[metric]) if metric in _METRIC_LABELS else metric


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
    text = _(_ALERTS[event.kind]).format(duration=duration(event.t - event.start)) if event.kind in _ALERTS \
        else event.kind
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
    needs = _(_NEEDS[event.metric]) if event.metric in _NEEDS else event.metric
    return _("{problem} cannot be judged: the camera does not see your {needs} clearly (for {duration})").format(
        problem=kind_label(event.kind).capitalize(), needs=needs, duration=duration(event.t - event.start))


def break_message(event: Event) -> str:
    """The reminder to get up."""
    return _("You have been sitting for {duration}: stand up and move about for a few minutes").format(
        duration=duration(event.t - event.start))


def event_message(event: Event) -> str:
    """What an alert or a break reminder says."""
    return break_message(event) if event.type == "break" else alert_message(event)


def alert_end_message(event: Event) -> str:
    """What the end of an alert says."""
    why = {"recovered": _("{problem}: corrected after {duration}"),
           "unknown": _("{problem}: no longer measurable after {duration}"),
           "finished": _("{problem}: session ended after {duration}")}
    template = why.get(event.reason, _("{problem}: ended after {duration}"))
    return template.format(problem=kind_label(event.kind).capitalize(), duration=duration(event.t - event.start))
