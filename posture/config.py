"""Every setting of the app in one frozen object, built from defaults, a profile, a TOML file and flags.

Only this module reads configuration. The layers, later ones winning:

1. the defaults below (each threshold says which fact of POSTURE_SCIENCE.md it rests on),
2. the chosen profile (``desk``, ``phone`` or ``side``),
3. a TOML file (``--config FILE``),
4. command-line flags (including ``--set KEY=VALUE`` for any key).

Every value is checked against its allowed range; a bad one raises :class:`ConfigError` naming the
key, the allowed range and the value received.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError, brief, brief_text
from .i18n import LANGUAGES, N_, _
from .paths import user_path
from .problems import PROBLEM, PROBLEMS, PROFILES

VIEWS = ("auto", "front", "side")


def _opt(default: Any, lo: float | None = None, hi: float | None = None, *,
         unit: str = "", doc: str = "", choices: tuple[str, ...] | None = None,
         nullable: bool = False) -> Any:
    """A settings field carrying its allowed range and a one-line description."""
    meta = {"lo": lo, "hi": hi, "unit": unit, "doc": doc, "choices": choices, "nullable": nullable}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class AlertSettings:
    """Timing of the posture state machines (POSTURE_SCIENCE.md, "Alert timing")."""

    glance_s: float = _opt(5.0, 0, 600, unit="s", doc=N_(
        "deviations shorter than this are glances and are ignored (alert timing 1: ~5 s)"))
    alert_after_s: float = _opt(60.0, 1, 7200, unit="s", doc=N_(
        "alert when a deviation is sustained this long (alert timing 2; RULA/REBA: static > 1 min)"))
    release_fraction: float = _opt(0.6, 0.0, 1.0, doc=N_(
        "leave a deviation only once back inside this fraction of the threshold (alert timing 4: 0.5-0.7)"))
    release_s: float = _opt(2.0, 0, 120, unit="s", doc=N_(
        "... and after staying there this long (several good readings)"))
    release_readings: int = _opt(3, 1, 1000, doc=N_("... and for at least this many readings"))
    cooldown_min: float = _opt(5.0, 0, 24 * 60, unit="min", doc=N_(
        "after an alert ends, the same alert is not raised again for this long (alert timing 4)"))
    unknown_grace_s: float = _opt(3.0, 0, 600, unit="s", doc=N_(
        "a metric that is unknown (person away, landmark hidden) this long ends its deviation"))
    unknown_notice_s: float = _opt(30.0, 1, 3600, unit="s", doc=N_(
        "say once when a metric stays unmeasurable this long while you are in view"))


@dataclass(frozen=True)
class RuleSettings:
    """Where one posture problem starts, on the metric's own scale.

    Side-view angles are on the clinical scale, so the clinical facts apply to them directly. From
    the front the same metrics are estimates with a bias of their own (upright webcam users read a
    CVA estimate of 37-44 deg, for example), so the front view has limits of its own until a
    calibration replaces both with the user's own upright posture.
    """

    enabled: bool = _opt(True, doc=N_("raise this alert at all"))
    limit: float = _opt(0.0, -180, 180, unit="deg", doc=N_("side view: value where the deviation starts"))
    neutral: float = _opt(0.0, -180, 180, unit="deg", doc=N_(
        "side view: upright reference; the release point lies between it and the limit"))
    front_limit: float = _opt(0.0, -180, 180, unit="deg", doc=N_("front view: value where the deviation starts"))
    front_neutral: float = _opt(0.0, -180, 180, unit="deg", doc=N_("front view: upright reference"))
    delta: float = _opt(10.0, 0.1, 180, unit="deg", doc=N_(
        "with a calibration: how far from your own upright posture the deviation starts (side view)"))
    front_delta: float = _opt(10.0, 0.1, 180, unit="deg", doc=N_("the same for the front view"))
    calibrated_only: bool = _opt(False, doc=N_(
        "judge this problem only against your own calibration (where no general limit exists)"))
    front_calibrated_only: bool = _opt(False, doc=N_(
        "the same for the front view alone (where the camera's angle hides the general limit)"))


class Rules:
    """One rule per posture problem, ``rules.KIND`` for each kind in posture/problems.py (the settings
    class :data:`RulesSettings` is made from that table, with each problem's defaults)."""

    def get(self, kind: str) -> RuleSettings:
        """The rule of a posture problem."""
        return getattr(self, kind)  # type: ignore[no-any-return]


RulesSettings: type[Rules] = dataclasses.make_dataclass(
    "RulesSettings", [(p.kind, RuleSettings, field(default_factory=functools.partial(RuleSettings, **p.defaults)))
                      for p in PROBLEMS], bases=(Rules,), frozen=True, namespace={"__module__": __name__})


@dataclass(frozen=True)
class SmoothingSettings:
    """One Euro filter (Casiez, Roussel, Vogel 2012) applied to every metric."""

    enabled: bool = _opt(True, doc=N_("smooth metrics over time (never done for --stills)"))
    min_cutoff_hz: float = _opt(0.4, 0.01, 30, unit="Hz", doc=N_("cut-off at rest: lower = less jitter"))
    beta: float = _opt(0.05, 0, 10, doc=N_("speed coefficient: higher = less lag on fast moves"))
    d_cutoff_hz: float = _opt(1.0, 0.01, 30, unit="Hz", doc=N_("cut-off of the speed estimate"))


@dataclass(frozen=True)
class PoseSettings:
    """Pose estimation and how much of it to trust."""

    min_visibility: float = _opt(0.5, 0, 1, doc=N_(
        "a landmark less visible than this makes the metrics built on it unknown"))
    min_face_light: float = _opt(25.0, 0, 255, doc=N_(
        "darker than this around the face (mean grey level, 0-255), nothing is judged: the model places "
        "landmarks it cannot see"))
    face: bool = _opt(True, doc=N_(
        "read the head's pose from the face as well (front view): neck flexion, head tilt and forward head "
        "follow the head far better than from the body's landmarks alone; off: the body's landmarks only"))
    num_poses: int = _opt(3, 1, 5, doc=N_("people to look for; the app judges the primary user among them"))
    people_check_s: float = _opt(3.0, 0.5, 60, unit="s", doc=N_(
        "how often to look for other people in the frame (the user is followed in between)"))
    min_detection_confidence: float = _opt(0.5, 0, 1, doc=N_("MediaPipe person detection confidence"))
    min_presence_confidence: float = _opt(0.5, 0, 1, doc=N_("MediaPipe pose presence confidence"))
    min_tracking_confidence: float = _opt(0.5, 0, 1, doc=N_("MediaPipe tracking confidence"))


@dataclass(frozen=True)
class CalibrationSettings:
    """Recording the user's upright posture."""

    duration_s: float = _opt(5.0, 1, 120, unit="s", doc=N_("how long to record the upright posture"))
    min_present: float = _opt(0.8, 0.1, 1, doc=N_("share of the frames that must show the person"))
    max_spread_deg: float = _opt(3.0, 0.5, 30, unit="deg", doc=N_(
        "refuse when an angle wanders more than this (median absolute deviation): sit still"))


@dataclass(frozen=True)
class NotifySettings:
    """How an alert reaches the user (the JSON Lines log records every alert anyway)."""

    banner: bool = _opt(True, doc=N_("show an alert as a banner in the live window"))
    sound: bool = _opt(True, doc=N_("play a short sound with an alert (skipped without an audio device)"))
    desktop: bool = _opt(True, doc=N_("show a desktop notification with an alert (skipped without a desktop)"))


@dataclass(frozen=True)
class BackgroundSettings:
    """Running in the background for office work: little CPU, the camera off while nobody is there."""

    fps: float = _opt(2.0, 0.2, 30, unit="fps", doc=N_("analyses a second in the background"))
    active_fps: float = _opt(3.0, 0.2, 30, unit="fps", doc=N_(
        "analyses a second for a while after a deviation starts"))
    active_s: float = _opt(5.0, 0, 600, unit="s", doc=N_(
        "how long the faster rate lasts (the glance filter's time: glance or lasting deviation?)"))
    release_after_s: float = _opt(120.0, 5, 3600, unit="s", doc=N_(
        "release the camera after nobody has been in view this long"))
    check_every_s: float = _opt(30.0, 2, 3600, unit="s", doc=N_(
        "while released, look whether someone is back this often"))
    people_check_s: float = _opt(30.0, 1, 600, unit="s", doc=N_(
        "look for other people in the frame this often in the background"))
    camera_fps: float = _opt(10.0, 0, 120, unit="fps", doc=N_(
        "ask the camera for this many frames a second in the background (0: its default)"))
    camera_width: int = _opt(320, 0, 4096, unit="px", doc=N_(
        "ask the camera for frames this wide in the background (0: its default); a seated person needs "
        "no more"))
    window_fps: float = _opt(10.0, 0.2, 30, unit="fps", doc=N_(
        "analyses a second while the live window is open from the tray (the camera delivers at most "
        "camera_fps)"))
    face_every_s: float = _opt(10.0, 0, 600, unit="s", doc=N_(
        "in the background, look at the face again after this long at the latest while the body's head "
        "landmarks hold still (at once when they move); 0: at every analysis"))


@dataclass(frozen=True)
class BreakSettings:
    """The reminder to get up after sitting for long."""

    enabled: bool = _opt(True, doc=N_("remind me to take a break after sitting for long"))
    after_min: float = _opt(50.0, 1, 600, unit="min", doc=N_("remind after sitting this long"))
    reset_min: float = _opt(3.0, 0.1, 120, unit="min", doc=N_("being away this long counts as a break"))
    exercise: bool = _opt(True, doc=N_(
        "with the reminder, offer a minute of the exercise against the posture problem that deviated most"))


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to run."""

    source: str = _opt("0", doc=N_("camera index, device path, video file, image folder or glob, or 'demo'"))
    profile: str = _opt("desk", choices=PROFILES, doc=N_("which posture problems to watch, and defaults"))
    model: str = _opt("full", doc=N_("pose model: 'lite', 'full' or a path to a .task bundle"))
    fps: float | None = _opt(None, 0.1, 120, unit="fps", nullable=True, doc=N_(
        "analyse at most this many frames a second (default: every frame of a file, 10 for a camera)"))
    sequence_fps: float = _opt(10.0, 0.1, 240, unit="fps", doc=N_("frame rate of an image-folder sequence"))
    stills: bool = _opt(False, doc=N_("judge each image on its own (no smoothing, no persistence)"))
    view: str = _opt("auto", choices=VIEWS, doc=N_("camera view; 'auto' detects it from the landmarks"))
    window: bool = _opt(True, doc=N_("show the live window (off: --no-window)"))
    tray: str = _opt("auto", choices=("auto", "on", "off"), doc=N_(
        "the tray icon: auto (with --background where the desktop has a tray), on (--tray), off (--no-tray)"))
    toolkit: str = _opt("qt", choices=("qt", "opencv"), doc=N_(
        "the live window's toolkit: qt (one window with the tray) or opencv (a plain window, no tray)"))
    mirror: bool = _opt(True, doc=N_("show a live front camera's picture like a mirror (the measurement is never "
                                     "mirrored)"))
    log: str | None = _opt(None, nullable=True, doc=N_("JSON Lines log file"))
    lang: str | None = _opt(None, nullable=True, choices=LANGUAGES, doc=N_(
        "language of the app: en or nl (default: the system's language, else English)"))
    data_dir: str | None = _opt(None, nullable=True, doc=N_(
        "where calibrations and the history are kept (default: $POSTURE_DATA_DIR, else the user data folder)"))
    history: bool = _opt(True, doc=N_("keep every session in the history (numbers only, never pictures) for "
                                      "reports; off: --no-history"))
    history_detail_days: float = _opt(90.0, 0, 36500, unit="days", doc=N_(
        "keep the history second by second for this many days, then a minute at a time (about 30 KB instead "
        "of 1.8 MB an hour of monitoring); 0: second by second for ever"))
    person: str | None = _opt(None, nullable=True, doc=N_(
        "whose session it is, a name or pseudonym (default: the login name)"))
    guided_calibration: bool = _opt(True, doc=N_(
        "with a camera and no calibration yet for the profile, start by recording your upright posture "
        "(a countdown, then 5 s; n skips it); off: --skip-calibration"))
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    background: bool = _opt(False, doc=N_("run in the background: no window, a low analysis rate, the camera "
                                           "released while nobody is there"))
    background_mode: BackgroundSettings = field(default_factory=BackgroundSettings)
    breaks: BreakSettings = field(default_factory=BreakSettings)
    realtime: bool = _opt(False, doc=N_("play a video file or image sequence at its real speed"))
    alerts: AlertSettings = field(default_factory=AlertSettings)
    rules: Rules = field(default_factory=RulesSettings)
    smoothing: SmoothingSettings = field(default_factory=SmoothingSettings)
    pose: PoseSettings = field(default_factory=PoseSettings)

    @property
    def data_path(self) -> Path:
        """The data directory (resolved by load_settings; the platform default if unset)."""
        if self.data_dir:
            return user_path(self.data_dir)
        import platformdirs

        return Path(platformdirs.user_data_dir("posture", appauthor=False))

    @property
    def person_name(self) -> str:
        """Whose session it is: the setting, else the login name."""
        return self.person or default_person()

    @property
    def analysis_fps(self) -> float | None:
        """The cap on analysed frames a second, with the camera default applied."""
        if self.fps is not None:
            return self.fps
        return CAMERA_DEFAULT_FPS if is_camera_source(self.source) else None


CAMERA_DEFAULT_FPS = 10.0


def default_person() -> str:
    """The login name, the history's person when none is given."""
    import getpass

    try:
        return getpass.getuser() or "me"
    except (OSError, KeyError, ImportError):  # no login name (some containers)
        return "me"

# What each profile changes: the problems it does not watch are disabled; the side profile fixes the view.
PROFILE_PRESETS: dict[str, dict[str, Any]] = {
    profile: {"view": "side" if profile == "side" else "auto",
              "rules": {p.kind: {"enabled": False} for p in PROBLEMS if profile not in p.profiles}}
    for profile in PROFILES}


def camera_index(source: str) -> int | None:
    """The camera number a source names (ASCII digits only: "²" is not a camera), None if none."""
    return int(source) if source.isascii() and source.isdigit() else None


def is_camera_source(source: str) -> bool:
    """True for a camera index (``0``) or a video device path (``/dev/video0``)."""
    return camera_index(source) is not None or source.startswith("/dev/video")


# The units of settings, for translation where they are shown.
_UNITS = (N_("Hz"), N_("days"), N_("deg"), N_("fps"), N_("min"), N_("px"), N_("s"))


def _describe_range(f: dataclasses.Field[Any]) -> str:
    meta = f.metadata
    if meta.get("choices"):
        return _("one of {choices}").format(choices=", ".join(meta["choices"]))
    unit = f" {_(meta['unit'])}" if meta.get("unit") else ""
    if f.type in ("bool", bool):
        return _("true or false")
    if meta.get("lo") is None:
        return _("any text")
    return _("{lo} to {hi}").format(lo=str(meta["lo"]), hi=str(meta["hi"])) + unit  # settings syntax: 0.5


MAX_TEXT_SETTING = 4096  # a name, a path or a language code; more is a mistake


def _check_value(key: str, f: dataclasses.Field[Any], value: Any) -> Any:
    """Validate one leaf value against its field; returns it coerced to the field's type."""
    meta = f.metadata
    ftype = str(f.type)
    if value is None:
        if meta.get("nullable"):
            return None
        raise ConfigError(_("{key} must be set: allowed {allowed}").format(key=key, allowed=_describe_range(f)))
    if ftype == "bool":
        if isinstance(value, bool):
            return value
        raise ConfigError(_("{key} = {value} is not allowed: use true or false").format(key=key, value=brief(value)))
    if ftype.startswith("str"):
        if not isinstance(value, str):
            value = str(value)
        if len(value) > MAX_TEXT_SETTING:
            raise ConfigError(_("{key} = {value} is too long: at most {n} characters").format(
                key=key, value=brief(value), n=MAX_TEXT_SETTING))
        if meta.get("choices") and value not in meta["choices"]:
            raise ConfigError(_("{key} = {value} is not allowed: use one of {choices}").format(
                key=key, value=brief(value), choices=", ".join(meta["choices"])))
        return value
    numeric = ftype.startswith(("float", "int"))
    if numeric:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(_("{key} = {value} is not a number: allowed {allowed}").format(
                key=key, value=brief(value), allowed=_describe_range(f)))
        lo, hi = meta.get("lo"), meta.get("hi")

        def out_of_range() -> ConfigError:
            return ConfigError(_("{key} = {value} is out of range: allowed {allowed}").format(
                key=key, value=brief(value), allowed=_describe_range(f)))

        if not ftype.startswith("int"):
            try:
                value = float(value)
            except OverflowError:  # an integer beyond any float
                raise out_of_range() from None
        if isinstance(value, float) and not math.isfinite(value):  # nan, inf, or a number beyond a float
            raise out_of_range()
        if (lo is not None and value < lo) or (hi is not None and value > hi):  # exact, even for huge integers
            raise out_of_range()
        if ftype.startswith("int"):
            if isinstance(value, float) and not value.is_integer():
                raise ConfigError(_("{key} = {value} must be a whole number: allowed {allowed}").format(
                    key=key, value=brief(value), allowed=_describe_range(f)))
            return int(value)
        return value
    raise TypeError(f"{key}: unsupported setting type {ftype}")  # a programming error, never user input


def _build(cls: type[Any], data: Mapping[str, Any], prefix: str = "") -> Any:
    """Build a settings dataclass from nested plain data, validating every value."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        key = prefix + unknown[0]
        raise ConfigError(_("unknown setting {key} (known here: {known})").format(
            key=brief(key), known=", ".join(sorted(fields))))
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        key = prefix + name
        if f.default_factory is not dataclasses.MISSING:
            default_obj = f.default_factory()
            sub = data.get(name, {})
            if not isinstance(sub, Mapping):
                raise ConfigError(_("{key} must be a table of settings, not {value}").format(key=key, value=brief(sub)))
            kwargs[name] = _build(type(default_obj), merge(_as_dict(default_obj), sub), key + ".")
        elif name in data:
            kwargs[name] = _check_value(key, f, data[name])
    obj = cls(**kwargs)
    _check_consistency(obj, prefix)
    return obj


def _check_consistency(obj: Any, prefix: str) -> None:
    """Cross-field rules (a combination that could never work)."""
    if isinstance(obj, AlertSettings) and obj.alert_after_s < obj.glance_s:
        raise ConfigError(_("{key} = {value} is out of range: allowed {lower} ({glance}) to 7200 s "
                            "(an alert cannot come before the glance filter ends)").format(
            key=prefix + "alert_after_s", value=repr(obj.alert_after_s), lower=prefix + "glance_s",
            glance=repr(obj.glance_s)))
    if isinstance(obj, RuleSettings) and obj.enabled:
        problem = PROBLEM.get(prefix.rstrip(".").rpartition(".")[2])
        direction = problem.direction if problem is not None else 0
        for limit, neutral in (("limit", "neutral"), ("front_limit", "front_neutral")):
            span = getattr(obj, limit) - getattr(obj, neutral)
            if span == 0:
                raise ConfigError(_("{key} = {value} must differ from {other}").format(
                    key=prefix + limit, value=repr(getattr(obj, limit)), other=prefix + neutral))
            if span * (direction or 1) < 0:  # the limit must lie on the worse side of upright
                message = _("{key} = {value} must lie above {other} ({neutral}): higher is worse") \
                    if direction >= 0 else _("{key} = {value} must lie below {other} ({neutral}): lower is worse")
                raise ConfigError(message.format(key=prefix + limit, value=repr(getattr(obj, limit)),
                                                 other=prefix + neutral, neutral=repr(getattr(obj, neutral))))


def _as_dict(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) if not dataclasses.is_dataclass(getattr(obj, f.name))
            else _as_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge two nested dicts; ``over`` wins."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


MAX_CONFIG_BYTES = 1_000_000  # a settings file is a few kB; anything near this is not one
STRING = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'")  # a one-line TOML string (its dots are no keys)
# A dotted key of 32 parts or more (the settings nest 3 deep: rules.lean.limit). A match starts only where
# a key does, not inside a long run of letters or digits: that made the search quadratic (a 100000-digit
# number took a minute).
DEEP_KEY = re.compile(r"(?<![A-Za-z0-9_\-\"'])(?:[A-Za-z0-9_\-\"']+[ \t]*\.[ \t]*){32}")


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML config file; a missing, unreadable, oversized or malformed file, or one that is not a
    regular file (a folder, a device, a pipe: reading those could block or never end), is a ConfigError."""
    p = Path(path)
    try:
        info = p.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(_("config file {path} is not a regular file").format(path=brief_text(str(p))))
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(_("config file {path} is too large ({size} bytes; a settings file is a few kB)").format(
                path=brief_text(str(p)), size=info.st_size))
        with open(p, "rb") as fh:
            text = fh.read(MAX_CONFIG_BYTES + 1).decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(_("config file not found: {path}").format(path=brief_text(str(p)))) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(_("cannot read config file {path}: {problem}").format(
            path=brief_text(str(p)), problem=exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)) from None
    too_deep = ConfigError(_("config file {path} is not valid TOML: nested too deeply").format(path=brief_text(str(p))))
    if DEEP_KEY.search(STRING.sub('""', text)):  # tomllib takes quadratic time over a key of 100000 parts
        raise too_deep
    try:
        return tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or a number of more digits than Python reads
        raise ConfigError(_("config file {path} is not valid TOML: {problem}").format(path=brief_text(str(p)),
                                                                                     problem=brief_text(str(exc)))) from None
    except (RecursionError, MemoryError):
        raise too_deep from None


def parse_assignment(text: str) -> dict[str, Any]:
    """Turn ``alerts.alert_after_s=30`` into ``{"alerts": {"alert_after_s": 30}}``.

    The value is read as TOML (numbers, true/false, quoted strings); anything else is a string.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(_("--set expects KEY=VALUE, got {value}").format(value=brief(text)))
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError, ValueError, MemoryError):  # ValueError: a 100000-digit number
        value = raw.strip()
    nested: dict[str, Any] = {}
    node = nested
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return nested


def load_settings(file_data: Mapping[str, Any] | None = None,
                  overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings: defaults, then the profile, then the file, the environment, the overrides.

    Args:
        file_data: the parsed TOML config file, if any.
        overrides: nested values from the command line.
        environ: environment variables (``POSTURE_DATA_DIR``); the process environment by default.
    """
    file_data = dict(file_data or {})
    overrides = dict(overrides or {})
    env = os.environ if environ is None else environ
    if "data_dir" not in overrides and env.get("POSTURE_DATA_DIR"):
        overrides["data_dir"] = env["POSTURE_DATA_DIR"]
    if "lang" not in overrides and file_data.get("lang") is None:
        overrides["lang"] = system_language(env)
    profile = overrides.get("profile", file_data.get("profile", Settings.profile))
    if profile not in PROFILES:
        raise ConfigError(_("{key} = {value} is not allowed: use one of {choices}").format(
            key="profile", value=brief(profile), choices=", ".join(PROFILES)))
    layered = merge(merge(PROFILE_PRESETS[profile], file_data), overrides)
    settings: Settings = _build(Settings, layered)
    return settings


def user_config_file(environ: Mapping[str, str] | None = None) -> Path:
    """The settings file read when no --config is given (``POSTURE_CONFIG``, else the platform's
    config folder: ``~/.config/posture/config.toml`` on Linux). It need not exist."""
    env = os.environ if environ is None else environ
    if env.get("POSTURE_CONFIG"):
        return user_path(env["POSTURE_CONFIG"])
    import platformdirs

    return Path(platformdirs.user_config_dir("posture", appauthor=False)) / "config.toml"


def settings_template() -> str:
    """A settings file with every setting commented out at its default (what the tray's "settings
    file" opens when there is none yet)."""
    import textwrap

    out = ["# " + row for row in textwrap.wrap(_(
        "posture settings. Remove the # before a setting (and before its [section] line) and change the "
        "value; the monitor reads this file when it starts. posture-monitor --list-settings describes every "
        "setting."), 96)] + [""]

    def toml(value: Any) -> str | None:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value) if math.isfinite(value) else None
        if isinstance(value, str):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(value, (list, tuple)):
            items = [toml(v) for v in value]
            return None if None in items else "[" + ", ".join(i for i in items if i is not None) + "]"
        return None

    def walk(cls: type[Any], obj: Any, section: str) -> None:
        nested = []
        for f in dataclasses.fields(cls):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                nested.append((f.name, value))
                continue
            text = toml(value)
            doc = _(f.metadata["doc"]) if f.metadata.get("doc") else ""
            line = f"# {f.name} = {text}" if text is not None else f"# {f.name} =  (not set)"
            out.append(line + (f"    # {doc}" if doc else ""))
        for name, value in nested:
            out.extend(["", f"# [{section}{name}]"])
            walk(type(value), value, f"{section}{name}.")

    walk(Settings, Settings(), "")
    return "\n".join(out) + "\n"


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """The app's language from the system locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG): nl or en."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            first = value.split(":")[0].lower()
            return "nl" if first.startswith("nl") else "en"
    return "en"


def desktop_session_available(environ: Mapping[str, str] | None = None) -> bool:
    """Whether desktop notifications can be shown: a session bus or a display (Linux), else assumed."""
    import sys

    env = os.environ if environ is None else environ
    if sys.platform.startswith("linux"):
        return bool(env.get("DBUS_SESSION_BUS_ADDRESS") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    return True


def describe_settings() -> list[tuple[str, str, str, str]]:
    """Every leaf key with its default, allowed range and description (for --help and the README)."""
    rows: list[tuple[str, str, str, str]] = []

    def walk(cls: type[Any], obj: Any, prefix: str) -> None:
        for f in dataclasses.fields(cls):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                walk(type(value), value, prefix + f.name + ".")
            else:
                rows.append((prefix + f.name, repr(value), _describe_range(f), f.metadata.get("doc", "")))

    walk(Settings, Settings(), "")
    return rows
