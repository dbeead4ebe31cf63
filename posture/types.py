"""The plain data that passes between the stages, and nothing else.

    source --Frame, Gap--> pose --Landmarks--> measure --Metrics--> judge --State, Event-->
        Observation --> sinks (log, terminal, window, alerts, summary, history)

A calibration (:class:`Baseline`, with the user's :class:`Position`) goes back into the judge and to
the sinks that keep it. Every stage and every sink imports its types from here, so no sink needs the
processing stack for one type. Nothing here measures or judges: these are values with the few
methods that read them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import Enum, IntEnum, StrEnum
from typing import Any, Mapping, Sequence

import numpy as np

from .errors import CalibrationError, brief_text
from .i18n import _

# -- frames ----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Frame:
    """One image to analyse.

    Attributes:
        image: (H, W, 3) uint8 BGR pixels.
        t: capture time in seconds (monotonic clock for a camera, media time for a file).
        index: position in the source (frame number, or image number in a folder).
        name: file name, for image inputs.
    """

    image: np.ndarray
    t: float
    index: int
    name: str | None = None


@dataclass(frozen=True)
class Gap:
    """No frame available: the camera is lost and being reopened."""

    t: float
    message: str


# -- landmarks -------------------------------------------------------------------------------------


class LM(IntEnum):
    """Indices of the 33 BlazePose landmarks the metrics use (the rest keep their positions)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_HIP = 23
    RIGHT_HIP = 24


N_LANDMARKS = 33
FACE = (LM.NOSE, LM.LEFT_EYE, LM.RIGHT_EYE, LM.LEFT_EAR, LM.RIGHT_EAR, LM.MOUTH_LEFT, LM.MOUTH_RIGHT)

# Bones drawn as the skeleton (upper body and legs), as landmark index pairs.
SKELETON: tuple[tuple[int, int], ...] = (
    (7, 2), (2, 0), (0, 5), (5, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
    (11, 23), (12, 24), (23, 24), (23, 25), (25, 27), (24, 26), (26, 28),
)


@dataclass(frozen=True)
class HeadPose:
    """The head's pose against the camera, from the face (MediaPipe's facial transformation matrix).

    Attributes:
        pitch_deg: the head bent down (+, chin towards the chest) or back (-), against the camera's axis.
        yaw_deg: the head turned towards the person's left (+) or right (-).
        roll_deg: the head rolled towards the person's left shoulder (+) or right (-): the convention of
            ``Metrics.head_tilt_deg``.
        x_cm, y_cm, z_cm: where the face is against the camera, in the canonical face's centimetres
            (x to the image's right, y up, z towards the viewer, so z is negative and grows as the face
            comes nearer). The model assumes a 63 deg field of view and an average face: read them as
            changes, not as distances.
        nose: (2,) pixel position of the nose tip.
        box: (x0, y0, x1, y1) pixel box around the face mesh.
    """

    pitch_deg: float
    yaw_deg: float
    roll_deg: float
    x_cm: float
    y_cm: float
    z_cm: float
    nose: tuple[float, float]
    box: tuple[float, float, float, float]


@dataclass(frozen=True, eq=False)
class Landmarks:
    """One person's landmarks in one frame (no MediaPipe types past the pose stage).

    Attributes:
        px: (33, 2) image positions in pixels (x right, y down); may lie outside the image.
        depth: (33,) MediaPipe's relative depth per landmark, in the x pixel scale (smaller = nearer
            the camera; origin at the hip midpoint).
        visibility: (33,) probability 0..1 that the landmark is visible (not occluded).
        presence: (33,) probability 0..1 that the landmark is inside the image.
        world: (33, 3) metric 3D positions in metres, origin between the hips, x to the image's
            right, y down, z away from the camera; None when the model gave none.
        image_size: (width, height) of the analysed image in pixels.
        face_light: mean brightness (0-255) of the picture around the face, measured by the pose
            stage; None when not measured.
        head: the head's pose from the person's face (front view), None where no face was found or
            the face model is off.
    """

    px: np.ndarray
    depth: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray | None
    image_size: tuple[int, int]
    face_light: float | None = None
    head: HeadPose | None = None

    def visible(self, index: int, min_visibility: float) -> bool:
        """True when landmark ``index`` is confidently visible and inside the image."""
        return bool(self.visibility[index] >= min_visibility and self.presence[index] >= min_visibility)

    def shifted(self, dx: float, dy: float, image_size: tuple[int, int]) -> "Landmarks":
        """The same landmarks found in a crop whose top-left corner is at (dx, dy) of a larger image."""
        return Landmarks(px=self.px + np.array([dx, dy]), depth=self.depth, visibility=self.visibility,
                         presence=self.presence, world=self.world, image_size=image_size,
                         face_light=self.face_light, head=self.head)

    def box(self, min_visibility: float = 0.5) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) pixel box around the landmarks that are inside the image."""
        inside = self.presence >= min_visibility
        pts = self.px[inside] if inside.any() else self.px
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    def face_box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) pixel box around the nose, eyes, ears and mouth."""
        pts = self.px[list(FACE)]
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    @classmethod
    def from_arrays(cls, norm: np.ndarray, image_size: tuple[int, int],
                    world: np.ndarray | None = None) -> "Landmarks":
        """Build from a (33, 5) array of normalised x, y, z, visibility, presence.

        Args:
            norm: (33, 5) MediaPipe-style normalised landmarks (x, y in 0..1 of the image size).
            image_size: (width, height) in pixels.
            world: optional (33, 3) world landmarks in metres.
        """
        w, h = image_size
        norm = np.asarray(norm, dtype=np.float64)
        px = np.stack([norm[:, 0] * w, norm[:, 1] * h], axis=1)
        return cls(px=px, depth=norm[:, 2] * w, visibility=norm[:, 3].copy(), presence=norm[:, 4].copy(),
                   world=None if world is None else np.asarray(world, dtype=np.float64),
                   image_size=(int(w), int(h)))


# -- where the user sits ---------------------------------------------------------------------------

PRESENT, AWAY, MOVED = "present", "away", "moved"  # Observation.presence


@dataclass(frozen=True)
class Position:
    """Where the person sat: shoulder midpoint as a fraction of the image, and their size.

    ``size`` is the shoulder-to-ear distance as a fraction of the image height (it works in both
    views, unlike the shoulder width).
    """

    x: float
    y: float
    size: float
    aspect: float = 4 / 3  # image width / height

    @classmethod
    def of(cls, lm: Landmarks) -> "Position":
        """The position of a person in their image."""
        w, h = lm.image_size
        shoulders = (lm.px[LM.LEFT_SHOULDER] + lm.px[LM.RIGHT_SHOULDER]) / 2.0
        ears = (lm.px[LM.LEFT_EAR] + lm.px[LM.RIGHT_EAR]) / 2.0
        return cls(float(shoulders[0] / w), float(shoulders[1] / h), float(np.linalg.norm(shoulders - ears) / h),
                   float(w / h))

    def distance(self, other: "Position") -> float:
        """How far apart two positions are: the shift in units of the person's size, plus the
        change of size (coming nearer or moving back) as a log ratio."""
        size = max(self.size, other.size, 1e-6)
        shift = math.hypot((self.x - other.x) * self.aspect, self.y - other.y) / size
        scale = abs(math.log(max(other.size, 1e-6) / max(self.size, 1e-6)))
        return shift + scale


# -- metrics ---------------------------------------------------------------------------------------

METRIC_KEYS = ("cva_deg", "head_forward_cm", "shoulder_angle_deg", "neck_flexion_deg",
               "trunk_inclination_deg", "lateral_lean_deg", "head_tilt_deg",
               "head_pitch_deg", "head_yaw_deg", "head_roll_deg", "face_x_cm", "face_y_cm", "face_z_cm")
VIEWS = ("front", "side")


@dataclass(frozen=True)
class Metrics:
    """The posture of one frame. None marks a metric that could not be measured.

    Attributes:
        view: "front" or "side", the camera view the metrics were computed for.
        cva_deg: craniovertebral angle estimate (C7 -> tragus above the horizontal); smaller = head
            further forward.
        head_forward_cm: how far the ears are ahead of the shoulder joints; its changes follow the
            head's forward displacement.
        shoulder_angle_deg: forward shoulder angle estimate (C7 -> shoulder joint below the
            horizontal); grows as the shoulders round. Side view only.
        neck_flexion_deg: head bent forward/down relative to an upright head (phone posture).
        trunk_inclination_deg: trunk leaning forward from vertical (negative = reclined).
        lateral_lean_deg: sideways lean of the trunk; positive = leaning to the person's left.
        head_tilt_deg: roll of the head against the trunk (front view); positive = towards the left.
        head_pitch_deg, head_yaw_deg, head_roll_deg, face_x_cm, face_y_cm, face_z_cm: the head's pose
            from the face (:class:`HeadPose`), front view only; the metrics above are partly built on it.
    """

    view: str
    cva_deg: float | None = None
    head_forward_cm: float | None = None
    shoulder_angle_deg: float | None = None
    neck_flexion_deg: float | None = None
    trunk_inclination_deg: float | None = None
    lateral_lean_deg: float | None = None
    head_tilt_deg: float | None = None
    head_pitch_deg: float | None = None
    head_yaw_deg: float | None = None
    head_roll_deg: float | None = None
    face_x_cm: float | None = None
    face_y_cm: float | None = None
    face_z_cm: float | None = None

    def values(self) -> dict[str, float | None]:
        """The metric values by key (without the view), rounded for logging."""
        d = asdict(self)
        return {k: (None if d[k] is None else round(float(d[k]), 2)) for k in METRIC_KEYS}


# -- judgement -------------------------------------------------------------------------------------

GOOD, BORDERLINE, BAD = "good", "borderline", "bad"  # Band.level


@dataclass(frozen=True)
class Band:
    """Where a value stands against published guidance (or the app's own limit).

    Attributes:
        level: "good", "borderline" or "bad".
        label: a few words for people ("slight forward head"; English, translate with ``_``).
        source: where the numbers come from (likewise).
    """

    level: str
    label: str
    source: str


class State(str, Enum):
    """Where one posture problem stands."""

    GOOD = "good"
    DEVIATING = "deviating"  # beyond the limit, not yet long enough for an alert
    ALERT = "alert"
    UNKNOWN = "unknown"


BAD_STATES = (State.DEVIATING, State.ALERT)  # the posture is judged beyond its limit

# How bad a state or a band is, worst highest: the tie-break when a second is summed up, the colour of
# the live view's skeleton (the worst judged state).
# How the history keeps the unknown state of a problem that awaits a calibration (the log says
# ``awaiting_calibration``): "not judged: calibrate" rather than "not visible from here".
UNCALIBRATED = "uncalibrated"
SEVERITY: Mapping[str, int] = {State.GOOD.value: 0, State.UNKNOWN.value: 1, UNCALIBRATED: 1,
                               State.DEVIATING.value: 2, State.ALERT.value: 3, GOOD: 0, BORDERLINE: 2, BAD: 3}


class EventType(StrEnum):
    """What an :class:`Event` says."""

    ALERT = "alert"  # a bad posture lasted: tell the user
    ALERT_END = "alert_end"
    GLANCE = "glance"  # a deviation ended within the glance time: its time was good time after all
    UNMEASURABLE = "unmeasurable"  # a problem stays unmeasurable while the user is in view (once per episode)
    BREAK = "break"  # time to stand up


ALL_KINDS = "all"  # the kind of a notice about every problem at once (too dark to judge anything)
BREAK_KIND = "break"  # the kind of a break reminder


@dataclass(frozen=True)
class Event:
    """Something the judgement says about the session.

    Attributes:
        type: see :class:`EventType`.
        kind: the posture problem (``ALL_KINDS`` for the dark notice, ``BREAK_KIND`` for a break).
        t: when the event happened (seconds).
        start: when the deviation (or the sitting) began.
        peak: the worst value of the metric during the deviation.
        metric: the metric key.
        end: when the alert ended (alert_end), when the glance's deviation ended (glance).
        reason: why an alert came: "sustained" (the configured delay) or "iso11226" (a severe
            posture held as long as ISO 11226 allows); why it ended: "recovered", "unknown"
            (metric or person gone) or "finished"; why a metric is unmeasurable: "" (the landmarks it
            needs are not visible), "dark" (too dark around the face: kind "all", every problem) or "view"
            (the camera's view is not the one the settings fix: kind "all").
    """

    type: EventType
    kind: str
    t: float
    start: float
    peak: float | None
    metric: str
    end: float | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", EventType(self.type))  # "alert" is taken as EventType.ALERT

    def regraded_as_good(self) -> tuple[float, float] | None:
        """The stretch (start, end) that the judgement now counts as good time (a glance), else None."""
        if self.type is EventType.GLANCE and self.end is not None:
            return self.start, self.end
        return None

    def as_record(self) -> dict[str, object]:
        """The event as a JSON-ready dict."""
        rec: dict[str, object] = {"type": self.type.value, "t": round(self.t, 3), "kind": self.kind,
                                  "metric": self.metric, "start": round(self.start, 3)}
        if self.peak is not None:
            rec["peak"] = round(self.peak, 2)
        if self.type is EventType.ALERT:
            rec["sustained_s"] = round(self.t - self.start, 2)
        if self.end is not None:
            rec["end"] = round(self.end, 3)
            rec["duration_s"] = round(self.end - self.start, 2)
        if self.reason:
            rec["reason"] = self.reason
        return rec


@dataclass
class Durations:
    """Seconds one posture problem spent in each state (glances count as good)."""

    good: float = 0.0
    deviating: float = 0.0
    alert: float = 0.0
    unknown: float = 0.0
    glances: int = 0
    alerts: int = 0

    @property
    def known(self) -> float:
        """Seconds the problem could be judged."""
        return self.good + self.deviating + self.alert

    @property
    def good_share(self) -> float | None:
        """Share of the judged time in good posture, None if never judged."""
        return self.good / self.known if self.known > 0 else None


# -- calibration -----------------------------------------------------------------------------------

BASELINE_VERSION = 1


@dataclass(frozen=True)
class MetricStats:
    """Robust statistics of one metric during the calibration."""

    median: float
    mad: float  # median absolute deviation
    n: int


@dataclass(frozen=True)
class Baseline:
    """A user's upright posture for one profile: what a calibration recorded."""

    profile: str
    view: str
    created: str  # ISO 8601 local time
    source: str
    model: str
    duration_s: float
    frames: int
    stats: Mapping[str, MetricStats]
    position: Position
    version: int = BASELINE_VERSION
    extra: Mapping[str, Any] = field(default_factory=dict)

    def median(self, metric: str) -> float | None:
        """The upright value of a metric, None if it was not measurable."""
        s = self.stats.get(metric)
        return None if s is None else s.median

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Baseline":
        """Read a stored baseline; raises CalibrationError if it is not one."""
        try:
            return cls(profile=str(data["profile"]), view=str(data["view"]), created=str(data["created"]),
                       source=str(data["source"]), model=str(data["model"]),
                       duration_s=float(data["duration_s"]), frames=int(data["frames"]),
                       stats={k: MetricStats(float(v["median"]), float(v["mad"]), int(v["n"]))
                              for k, v in data["stats"].items()},
                       position=Position(**data["position"]), version=int(data.get("version", 1)),
                       extra=dict(data.get("extra", {})))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise CalibrationError(_("the stored calibration is damaged ({problem}): calibrate again").format(
                problem=brief_text(str(exc)))) from None


# -- what the sinks receive ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Observation:
    """Everything known about one analysed frame; what the sinks receive.

    Attributes:
        frame: the frame itself.
        landmarks: the primary user's landmarks, None when nobody is judged (in the dark they are the
            model's guesses: see ``dark``).
        metrics: the (smoothed) metrics that were judged, None when nobody is judged; every value
            None when it is too dark to measure.
        view: the camera view used ("front" or "side"), None before anyone was seen.
        states: the state of each watched posture problem after this frame.
        events: alerts raised or ended by this frame.
        raw: the unsmoothed metrics.
        bands: clinical band of each known metric.
        people: how many people the model found.
        presence: "present", "away" (nobody) or "moved" (the user left their place: not judged).
        calibrated: the judgement uses the user's own calibration in this view.
        dark: too dark around the face to measure anything (``pose.min_face_light``).
        seen_view: the view the landmarks show, also where the settings fix the view used; None when
            nobody is judged or it is too dark.
        awaiting_calibration: the problems that this view judges only against the user's calibration,
            of which there is none yet: their state is unknown until the user calibrates.
    """

    frame: Frame
    landmarks: Landmarks | None
    metrics: Metrics | None
    view: str | None
    states: Mapping[str, State]
    events: Sequence[Event] = field(default_factory=tuple)
    raw: Metrics | None = None
    bands: Mapping[str, Band] = field(default_factory=dict)
    people: int = 0
    presence: str = AWAY
    calibrated: bool = False
    dark: bool = False
    seen_view: str | None = None
    awaiting_calibration: frozenset[str] = frozenset()

    @property
    def present(self) -> bool:
        """The user is in view (judged, or too dark to judge)."""
        return self.landmarks is not None
