"""The posture problems the app watches, and the metrics they watch, each defined once.

A problem (an "alert kind" in the log and the history) says which metric it watches and which way is
worse, in which profiles it is watched, its default limits and the facts they rest on, how urgent its
advice is among others, and what the app says about it. The settings, the judgement, the alerts, the
live view, the summary, the history and the report all read this table: adding a problem means adding
an entry here (and its words to the catalogues).

Every number with a clinical source comes from :mod:`posture.clinical`; the front-view numbers were
measured with the full model on the upright stretches of the 10 front_webcam videos (per-video
medians) and on the rendered clips (docs/accuracy.md and the closing notes of issues 2 and 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import clinical as C
from .i18n import N_
from .types import METRIC_KEYS, VIEWS, Band

PROFILES = ("desk", "phone", "side")
# The view each profile is meant for; a calibration in another view is refused.
PROFILE_VIEWS = {"desk": "front", "phone": "front", "side": "side"}


@dataclass(frozen=True)
class Metric:
    """What the app knows about one metric besides how it is measured.

    Attributes:
        key: the metric's name in the log and the history (``Metrics`` field).
        label: its name for people (English; translate with ``_``).
        needs: the landmarks it needs, for the note that it cannot be measured.
        views: the camera views that can show it at all (elsewhere it is unknown by design).
        band: its clinical band, where a source gives numbers; else the band is judged against the rule.
        band_views: the views where that clinical band applies.
        band_from_upright: the clinical band reads the change from the upright reference (the rule's
            neutral value: 0 from the side, the user's own upright value with a calibration).
        cut_offs: clinical cut-offs drawn as lines on the report's plots.
        kept: kept in the history second by second (the head's raw pose is logged, not kept).
    """

    key: str
    label: str
    needs: str
    views: frozenset[str] = frozenset(VIEWS)
    band: Callable[[float], Band] | None = None
    band_views: frozenset[str] = frozenset(VIEWS)
    band_from_upright: bool = False
    cut_offs: tuple[float, ...] = ()
    kept: bool = True


METRICS: tuple[Metric, ...] = (
    Metric("cva_deg", N_("CVA"), N_("ears, eyes and shoulders"), band=C.cva_band, band_views=frozenset({"side"}),
           cut_offs=(C.CVA_CUTOFF_DEG, C.CVA_GOOD_DEG)),
    Metric("head_forward_cm", N_("head forward"), N_("ears, eyes and shoulders")),
    # Shoulder rounding cannot be seen from the front: on rendered people no front cue told 20 deg of
    # rounding from none better than AUC 0.64 on a body it was not fitted on (docs/accuracy.md).
    Metric("shoulder_angle_deg", N_("shoulder angle"), N_("ears and shoulders"), views=frozenset({"side"})),
    Metric("neck_flexion_deg", N_("neck flexion"), N_("ears, eyes and shoulders"), band=C.neck_flexion_band,
           band_from_upright=True),
    Metric("trunk_inclination_deg", N_("trunk inclination"), N_("shoulders and hips"), band=C.trunk_band,
           band_from_upright=True),
    Metric("lateral_lean_deg", N_("lean"), N_("both shoulders"), views=frozenset({"front"})),
    Metric("head_tilt_deg", N_("head tilt"), N_("both eyes"), views=frozenset({"front"})),
    # The head's pose from the face (front view), which the metrics above are partly built on.
    *(Metric(key, label, N_("face"), views=frozenset({"front"}), kept=False) for key, label in (
        ("head_pitch_deg", N_("head pitch")), ("head_yaw_deg", N_("head turn")), ("head_roll_deg", N_("head roll")),
        ("face_x_cm", N_("face across")), ("face_y_cm", N_("face height")), ("face_z_cm", N_("face distance")))),
)
METRIC = {m.key: m for m in METRICS}
assert tuple(METRIC) == METRIC_KEYS, "one entry per Metrics field, in the same order"
# What each view can show at all (the rest is unknown by design, not for want of landmarks).
VIEW_METRICS = {view: frozenset(m.key for m in METRICS if view in m.views) for view in VIEWS}


@dataclass(frozen=True)
class Problem:
    """One posture problem.

    Attributes:
        kind: its name in the settings (``rules.KIND``), the log and the history.
        metric: the metric it watches.
        direction: +1 when higher values are worse, -1 when lower, 0 when either side is.
        label: a few words for people ("head forward"; English, translate with ``_``).
        short_label: one or two words, capitalised, for the live view.
        advice: what the alert says: what is wrong for ``{duration}`` and what to do, the way a
            therapist would say it.
        defaults: the default settings of its rule (``config.RuleSettings`` fields).
        profiles: the profiles that watch it.
        priority: which advice speaks for the others when several alerts come together (lower first:
            the most specific advice).
        hold_table: ISO 11226 (angle, seconds) holding times that cap the alert delay, if any.
        waits_for: problems whose deviation keeps this one from being reported (their cue disturbs
            this one's).
        waits_through_release: ... also until their reading is back inside their release point (else
            only while the current reading is beyond it).
        clinical_limit_view: the view where the general clinical limit still applies beside a
            calibration, when the user's own upright value lies clearly above it.
    """

    kind: str
    metric: str
    direction: int
    label: str
    short_label: str
    advice: str
    defaults: Mapping[str, Any]
    profiles: frozenset[str]
    priority: int
    hold_table: tuple[tuple[float, float], ...] | None = None
    waits_for: tuple[str, ...] = ()
    waits_through_release: bool = True
    clinical_limit_view: str | None = None

    def __post_init__(self) -> None:
        if self.direction not in (-1, 0, 1):
            raise ValueError(f"{self.kind}: direction must be -1, 0 or 1, got {self.direction}")
        if self.metric not in METRIC:
            raise ValueError(f"{self.kind}: unknown metric {self.metric!r}")


ALL_PROFILES = frozenset(PROFILES)

# From the front, the head estimates are read off heights above the shoulder line, which a lean or a
# tilted head disturbs (3-4 deg on the real webcam recordings): they wait while either deviates,
# release time included. A sideways lean also rolls the head: a head tilt waits while the lean deviates
# and its reading is not back inside the lean's release point. Only the current reading counts there: a
# tilt that follows a lean at once is a tilt (on the real webcam recordings, waiting out the lean's
# whole release time hid 3 % of the tilt frames), while a lean hovering about its limit still hides the
# roll it brings.
_FRONT_HEAD_CUES = ("lean", "head_tilt")

PROBLEMS: tuple[Problem, ...] = (
    Problem(
        "forward_head", "cva_deg", -1, N_("head forward"), N_("Head forward"),
        N_("Head forward for {duration}: bring your ears back over your shoulders"),
        # Side: the clinical cut-off below the CVA of people without neck pain. Calibrated: 5 deg below
        # your own upright CVA (the neck-pain group of Lau et al. 2009 sits 6.7 deg below the controls).
        # Front: the estimate has no general limit. How far the head sits in front of the shoulders,
        # seen from the front, depends on the camera's height and angle and on the face (upright webcam
        # users read 39-50 deg; a rendered person never seen before read 61-68 deg upright for a true
        # 46), so from the front forward head is judged only against the user's own calibration
        # (front_limit stays for those who turn that off). From the front the estimate errs more and a
        # person's upright head wanders more on the webcam recordings (up to 9 deg below the
        # calibration in the upright stretches): 10 deg there.
        dict(limit=C.CVA_CUTOFF_DEG, neutral=C.CVA_WITHOUT_PAIN_DEG, front_limit=33.0, front_neutral=45.0,
             delta=5.0, front_delta=10.0, front_calibrated_only=True),
        # A head bent down over a phone is forward too, but the advice that helps is the phone's: forward
        # head waits while the phone posture deviates.
        ALL_PROFILES, priority=2, waits_for=(*_FRONT_HEAD_CUES, "phone_posture"), clinical_limit_view="side"),
    Problem(
        "rounded_shoulders", "shoulder_angle_deg", -1, N_("rounded shoulders"), N_("Shoulders"),
        N_("Shoulders rounded for {duration}: open your chest and let your shoulder blades settle back"),
        # The forward shoulder angle has no validated cut-off (Singla et al. 2017 report reliability,
        # not a threshold): it is judged only as a change from your own calibration, 10 deg smaller
        # than upright (20 deg of shoulder rounding makes it about 15 deg smaller on rendered people;
        # the estimate is within about 6 deg there). From the front it cannot be seen at all.
        dict(limit=40.0, neutral=50.0, front_limit=40.0, front_neutral=50.0, delta=10.0, front_delta=10.0,
             calibrated_only=True),
        frozenset({"desk", "side"}), priority=3),
    Problem(
        "phone_posture", "neck_flexion_deg", +1, N_("head bent down (phone posture)"), N_("Head down"),
        N_("Head bent down for {duration}: raise the phone to eye height instead of bending your neck"),
        # Neck flexion over 25 deg is not acceptable for static work (ISO 11226); RULA scores > 20 deg
        # as its second-worst neck class. Phone use flexes the neck 33-45 deg (Lee et al. 2015).
        # Front: upright webcam users read -5 to 14 deg (per-video medians; median 8). Calibrated: the
        # same ISO limit measured from your own upright neck rather than a general one (a desk slump
        # bends the neck 10-20 deg).
        dict(limit=C.ISO_NECK_FLEXION_DEG, neutral=0.0, front_limit=C.ISO_NECK_FLEXION_DEG, front_neutral=5.0,
             delta=C.ISO_NECK_FLEXION_DEG, front_delta=C.ISO_NECK_FLEXION_DEG),
        ALL_PROFILES, priority=0, hold_table=C.ISO_HEAD_HOLD, waits_for=_FRONT_HEAD_CUES),
    Problem(
        "slump", "trunk_inclination_deg", +1, N_("slumped trunk"), N_("Slump"),
        N_("Slumped for {duration}: sit up and rest your back against the chair"),
        # Trunk flexion 0-20 deg is acceptable (ISO 11226); RULA trunk 20-60 deg scores 3. From the
        # front the bend is read from the shoulders coming nearer the camera (and so growing in the
        # picture, the face with them), which only a calibration can turn into a change from upright:
        # judged there against the same 20 deg.
        dict(limit=C.ISO_TRUNK_ACCEPTABLE_DEG, neutral=0.0, front_limit=C.ISO_TRUNK_ACCEPTABLE_DEG,
             front_neutral=0.0, delta=C.ISO_TRUNK_ACCEPTABLE_DEG, front_delta=C.ISO_TRUNK_ACCEPTABLE_DEG,
             front_calibrated_only=True),
        frozenset({"desk", "side"}), priority=1, hold_table=C.ISO_TRUNK_HOLD),
    Problem(
        "lean", "lateral_lean_deg", 0, N_("leaning sideways"), N_("Lean"),
        N_("Leaning sideways for {duration}: sit evenly on both sitting bones"),
        # No source gives a side-bend angle (RULA/REBA add +1 for any side bending). 4.75 deg of trunk
        # roll was chosen in every fold of a leave-one-video-out search on the front_webcam recordings
        # (upright sitting reads 1.1 deg, a head tilt 1.6, a lean 10.9: medians of the absolute value).
        dict(limit=4.75, neutral=0.0, front_limit=4.75, front_neutral=0.0, delta=4.75, front_delta=4.75),
        frozenset({"desk"}), priority=4),
    Problem(
        "head_tilt", "head_tilt_deg", 0, N_("head tilted"), N_("Head tilt"),
        N_("Head tilted for {duration}: level your head"),
        # As for lean: RULA adds +1 for a side-bent neck without a number. The same search chose
        # 6.5-7.0 deg of head roll, but one person sat upright with the head rolled 7 deg for many
        # seconds: 8 deg keeps clear of that (docs/accuracy.md gives the recall at both). A lean, which
        # rolls the head too, is reported as a lean.
        dict(limit=8.0, neutral=0.0, front_limit=8.0, front_neutral=0.0, delta=8.0, front_delta=8.0),
        frozenset({"desk"}), priority=5, waits_for=("lean",), waits_through_release=False),
)

PROBLEM: Mapping[str, Problem] = {p.kind: p for p in PROBLEMS}
KINDS = tuple(p.kind for p in PROBLEMS)
def _check_table() -> None:
    for p in PROBLEMS:
        unknown = set(p.waits_for) - set(PROBLEM)
        if unknown:
            raise ValueError(f"{p.kind} waits for unknown problems {sorted(unknown)}")
        if not p.profiles <= ALL_PROFILES:
            raise ValueError(f"{p.kind}: unknown profiles {sorted(p.profiles - ALL_PROFILES)}")
    if len({p.priority for p in PROBLEMS}) != len(PROBLEMS):
        raise ValueError("every problem needs a priority of its own")


_check_table()
