"""Words and numbers for people: labels of the alert kinds, durations, alert messages."""

from __future__ import annotations

from .monitor import Event

KIND_LABELS = {
    "forward_head": "head forward",
    "rounded_shoulders": "rounded shoulders",
    "phone_posture": "head bent down (phone posture)",
    "slump": "slumped trunk",
    "lean": "leaning sideways",
    "head_tilt": "head tilted",
}

# What to do about each problem, said the way a therapist would.
ADVICE = {
    "forward_head": "bring your ears back over your shoulders",
    "rounded_shoulders": "open your chest and let your shoulder blades settle back",
    "phone_posture": "raise the phone to eye height instead of bending your neck",
    "slump": "sit up: rest your back against the chair",
    "lean": "sit evenly on both sitting bones",
    "head_tilt": "level your head",
}

METRIC_LABELS = {
    "cva_deg": ("CVA", "deg"),
    "head_forward_cm": ("head forward", "cm"),
    "shoulder_angle_deg": ("shoulder angle", "deg"),
    "neck_flexion_deg": ("neck flexion", "deg"),
    "trunk_inclination_deg": ("trunk inclination", "deg"),
    "lateral_lean_deg": ("lean", "deg"),
    "head_tilt_deg": ("head tilt", "deg"),
}


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
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m} min {s} s" if s else f"{m} min"
    h, m = divmod(m, 60)
    return f"{h} h {m} min" if m else f"{h} h"


def alert_message(event: Event) -> str:
    """What an alert says: what is wrong, for how long, and what to do."""
    label, unit = METRIC_LABELS.get(event.metric, (event.metric, ""))
    what = KIND_LABELS.get(event.kind, event.kind)
    worst = f"worst {label} {event.peak:.0f} {unit}" if event.peak is not None else label
    iso = ", the longest ISO 11226 allows at this angle" if event.reason == "iso11226" else ""
    return f"{what.capitalize()} for {duration(event.t - event.start)} ({worst}{iso}): {ADVICE.get(event.kind, '')}"


# Which landmarks each metric needs, for the note that it cannot be measured.
NEEDS = {
    "cva_deg": "ears, eyes and shoulders", "head_forward_cm": "ears and shoulders",
    "shoulder_angle_deg": "shoulders and hips", "neck_flexion_deg": "ears, eyes and shoulders",
    "trunk_inclination_deg": "shoulders and hips", "lateral_lean_deg": "both shoulders",
    "head_tilt_deg": "both eyes and shoulders",
}


def unmeasurable_message(event: Event) -> str:
    """The one-time note that a problem cannot be judged although the user is in view."""
    what = KIND_LABELS.get(event.kind, event.kind)
    return (f"{what} cannot be judged: the camera does not see your {NEEDS.get(event.metric, 'landmarks')} "
            f"clearly (for {duration(event.t - event.start)})")


def alert_end_message(event: Event) -> str:
    """What the end of an alert says."""
    what = KIND_LABELS.get(event.kind, event.kind)
    why = {"recovered": "corrected", "unknown": "no longer measurable", "finished": "session ended"}
    return f"{what.capitalize()}: {why.get(event.reason, event.reason)} after {duration(event.t - event.start)}"
