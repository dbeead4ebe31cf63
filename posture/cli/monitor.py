"""The monitor command: its flags, the settings they make, and one run wired from source to sinks."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from typing import Any, Callable

from rich.console import Console

from .. import __version__
from ..config import (VIEWS, Settings, desktop_session_available, describe_settings, load_settings, merge,
                      parse_assignment, read_toml)
from ..errors import PostureError
from ..i18n import LANGUAGES, N_, _, ngettext
from ..live.app import App
from ..live.calibrator import Calibrator, other_model_note
from ..live.controls import Controls
from ..pipeline import Pipeline
from ..pose.landmarker import PoseEstimator
from ..problems import PROFILES
from ..sinks import Sink
from ..sinks.alerts import AlertChannel, AlertSink, DesktopChannel, SoundChannel
from ..sinks.jsonlog import JsonLinesLog
from ..sinks.summary import SessionSummary, render_baseline
from ..sinks.terminal import TerminalSink
from ..sinks.window import WindowSink, display_available
from ..sources import FrameSource, ImageSource, RealtimeSource, open_source
from ..storage.calibrations import load_baseline, person_folder
from ..storage.recorder import HistoryRecorder, SessionInfo
from ..text import describe_calibration
from ..types import Baseline
from .main import EXIT_INTERRUPTED, EXIT_OK, PROG

DESCRIPTION = N_("""\
Watch your sitting posture through a webcam, a video or photos, and get an alert when a slumped
desk posture or a bent-over phone posture lasts. Frames are analysed on this machine with
MediaPipe pose estimation and never stored or sent anywhere.

The angles are estimates from body landmarks (a craniovertebral-angle proxy, not a clinical
measurement): use them for awareness, not diagnosis.""")

EXAMPLES = N_("""\
examples:
  posture-monitor                          watch webcam 0 in a window
  posture-monitor --source demo            the bundled demo clip (a person slumping at a desk)
  posture-monitor --calibrate              record your upright posture first (sit upright, 5 s)
  posture-monitor --profile side --calibrate --source upright.mp4
                                           calibrate the side profile from a recording
  posture-monitor --source 1 --profile phone --fps 5
                                           second camera, phone posture, 5 analyses a second
  posture-monitor --source talk.mp4 --no-window --log talk.jsonl
                                           analyse a recording headless, log every frame
  posture-monitor --source 'photos/*.jpg' --stills
                                           judge unrelated photos one by one
  posture-monitor --config my.toml --set alerts.alert_after_s=30
                                           settings from a file, one changed on the command line
  posture-monitor --list-settings          every setting with its default and allowed range
  posture-monitor report --days 7          a report of the last week (HTML; see report --help)
  posture-monitor history                  the stored sessions (history --help: export, delete)

exit codes: 0 done, 2 bad input or usage, 130 interrupted (Ctrl+C) and 143 terminated (SIGTERM):
  summary printed, log and history complete""")


def build_parser(parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The argument parser of the monitor."""
    p = parser_class(prog=PROG, description=_(DESCRIPTION), epilog=_(EXAMPLES),
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", metavar="SRC",
                   help=_("camera index (default 0), device path (/dev/video0), video file, image folder, "
                        "glob ('shots/*.png') or 'demo' for the bundled clip"))
    p.add_argument("--profile", choices=PROFILES,
                   help=_("desk: frontal webcam at a desk (default); phone: head bent over a phone; "
                        "side: camera beside the person (therapist)"))
    p.add_argument("--model", metavar="lite|full|PATH",
                   help=_("pose model: full (default, more accurate), lite (faster) or a .task file"))
    p.add_argument("--fps", type=float, metavar="N",
                   help=_("analyse at most N frames a second; skipped frames cost nothing "
                        "(default: every frame of a file, 10 for a camera)"))
    p.add_argument("--sequence-fps", type=float, metavar="N",
                   help=_("frame rate of an image-folder sequence (default 10)"))
    p.add_argument("--stills", action="store_true", default=None,
                   help=_("judge each image on its own: no smoothing or persistence across photos"))
    p.add_argument("--view", choices=VIEWS, help=_("camera view: auto (default), front or side"))
    p.add_argument("--alert-after", type=float, metavar="SECONDS",
                   help=_("alert when a bad posture lasts this long (default 60)"))
    p.add_argument("--no-window", action="store_true", help=_("run headless: no live window"))
    p.add_argument("--background", action="store_true", default=None,
                   help=_("run in the background for office work: no window, 2 analyses a second (more "
                          "for a while after a deviation starts), the camera off while nobody is there, a "
                          "break reminder after 50 min of sitting"))
    p.add_argument("--realtime", action="store_true", default=None,
                   help=_("play a video file or image sequence at its real speed (the demo in a window "
                          "always does)"))
    p.add_argument("--calibrate", action="store_true",
                   help=_("record your upright posture (a few seconds of the camera, or a short clip or a few "
                        "photos given with --source) and keep it for the profile; alerts then judge you "
                        "against it (in the window: press c)"))
    p.add_argument("--snooze", choices=("15m", "1h", "tomorrow"),
                   help=_("start with the alerts snoozed for 15 minutes, an hour, or until tomorrow"))
    p.add_argument("--data-dir", metavar="DIR",
                   help=_("where calibrations and the history are kept (default: $POSTURE_DATA_DIR, else the user data "
                           "folder)"))
    p.add_argument("--person", metavar="NAME",
                   help=_("whose session this is, a name or pseudonym (default: your login name)"))
    p.add_argument("--no-history", action="store_true",
                   help=_("keep nothing of this session in the history"))
    p.add_argument("--log", metavar="FILE", help=_("write every analysed frame and alert as JSON Lines"))
    p.add_argument("--config", metavar="FILE", help=_("TOML settings file (see --list-settings)"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help=_("change any setting, e.g. --set rules.lean.front_limit=6 (repeatable)"))
    p.add_argument("--list-settings", action="store_true", help=_("print every setting with its default and range"))
    p.add_argument("--lang", choices=LANGUAGES, help=_("language: en or nl (default: the system's language)"))
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}",
                   help=_("show the version and exit"))
    return p


def settings_from_args(args: argparse.Namespace, profile: str | None = None) -> Settings:
    """Defaults, profile, config file and flags, in that order (``profile`` overrides the flags')."""
    file_data = read_toml(args.config) if args.config else {}
    overrides: dict[str, Any] = {}
    for key, value in (("source", args.source), ("profile", args.profile), ("model", args.model),
                       ("fps", args.fps), ("sequence_fps", args.sequence_fps), ("stills", args.stills),
                       ("view", args.view), ("log", args.log), ("data_dir", args.data_dir), ("lang", args.lang),
                       ("background", args.background), ("realtime", args.realtime),
                       ("person", args.person)):
        if value is not None:
            overrides[key] = value
    if args.no_history:
        overrides["history"] = False
    if args.no_window:
        overrides["window"] = False
    if overrides.get("source") == "demo" and "profile" not in overrides and "profile" not in file_data:
        overrides["profile"] = "side"  # the demo clip is filmed from the side
    if args.alert_after is not None:
        overrides.setdefault("alerts", {})["alert_after_s"] = args.alert_after
    for assignment in args.set:
        overrides = merge(overrides, parse_assignment(assignment))
    if profile is not None:
        overrides["profile"] = profile
    settings = load_settings(file_data, overrides)
    if settings.background:  # little CPU: the lite model unless chosen, a low rate, few people checks
        bg = settings.background_mode
        chosen_model = "model" in overrides or "model" in file_data
        settings = dataclasses.replace(
            settings, window=False, fps=bg.fps, model=settings.model if chosen_model else "lite",
            pose=dataclasses.replace(settings.pose, people_check_s=bg.people_check_s))
    return settings


def open_pose(settings: Settings) -> tuple[PoseEstimator, PoseEstimator | None]:
    """The pose estimators: one that follows the user and one that finds everyone now and then.

    For stills there is only one, which finds everyone in each photo.
    """
    p = settings.pose
    kwargs = dict(min_detection_confidence=p.min_detection_confidence,
                  min_presence_confidence=p.min_presence_confidence,
                  min_tracking_confidence=p.min_tracking_confidence)
    if settings.stills:
        return PoseEstimator(settings.model, video=False, num_poses=p.num_poses, **kwargs), None
    follower = PoseEstimator(settings.model, video=True, num_poses=1, **kwargs)
    finder = PoseEstimator(settings.model, video=False, num_poses=p.num_poses, **kwargs) if p.num_poses > 1 else None
    return follower, finder


class SourceOpener:
    """Opens the source the settings name (again after a pause: a camera is released while paused)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self) -> FrameSource:
        s = self.settings
        src = open_source(s.source, max_fps=s.analysis_fps, sequence_fps=s.sequence_fps, stills=s.stills,
                          camera_width=s.background_mode.camera_width if s.background else 0,
                          camera_fps=s.background_mode.camera_fps if s.background else 0.0)
        realtime = s.realtime or (s.source == "demo" and s.window and display_available())
        return RealtimeSource(src) if realtime and not src.live and not s.stills else src


def _say(console: Console, message: str, style: str = "") -> None:
    console.print(message, style=style or None, highlight=False, soft_wrap=True)


def _history(settings: Settings, source: FrameSource, model: str, baseline: Baseline | None,
             err: Console) -> HistoryRecorder:
    """The recording sink that keeps this run in the history."""
    kind = "camera" if source.live else "demo" if settings.source == "demo" else "file"
    return HistoryRecorder(settings.data_path, SessionInfo(settings.person_name, settings.profile, kind, model, baseline),
                           warn=lambda message: _say(err, message, "yellow"), detail_days=settings.history_detail_days)


def _alerts(settings: Settings) -> AlertSink | None:
    """Sound and desktop notifications, as the settings ask."""
    channels: list[AlertChannel] = []
    if settings.notify.sound:
        channels.append(SoundChannel())
    if settings.notify.desktop:
        channels.append(DesktopChannel(desktop_session_available()))
    return AlertSink(channels) if channels else None


def _announce(err: Console, settings: Settings, baseline: Baseline | None, calibrate: bool) -> None:
    """Say what the judgement rests on: the user's calibration, or general limits."""
    if baseline is not None:
        _say(err, _("judging against your {calibration}").format(calibration=describe_calibration(baseline)))
        note = other_model_note(baseline, settings)
        if note:
            _say(err, note, "yellow")
    elif not calibrate:
        _say(err, _("no calibration for the {profile} profile yet: judging against general limits "
                    "(calibrate with --calibrate, or c in the window)").format(profile=settings.profile), "dim")


def run(settings: Settings, *, calibrate: bool = False, snooze: str | None = None,
        settings_for: Callable[[str], Settings] | None = None) -> int:
    """Monitor (or calibrate) with the given settings; returns the exit code."""
    err = Console(stderr=True)
    baseline = None if calibrate else load_baseline(settings.data_path, settings.profile, settings.person,
                                                    settings.model)
    opener = SourceOpener(settings)
    source = opener()
    closing: list[Sink] = []  # what must be closed (log, history) if the run cannot start
    pose = finder = None
    try:
        pose, finder = open_pose(settings)
        model = pose.model_path.name
        pipeline = Pipeline(pose, settings, baseline, finder=finder)
        summary = SessionSummary(stills=settings.stills)
        sinks: list[Sink] = []
        if settings.log:
            header = {"version": __version__, "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                      "source": settings.source, "model": model, "settings": dataclasses.asdict(settings)}
            sinks.append(JsonLinesLog(settings.log, header))
            closing.append(sinks[-1])
        sinks.append(TerminalSink(err, total=source.total, live=source.live, description=source.description))
        sinks.append(summary)
        recorder: HistoryRecorder | None = None
        if settings.history and not calibrate and not settings.stills:
            recorder = _history(settings, source, model, baseline, err)
            sinks.append(recorder)
            closing.append(recorder)
        alerts = _alerts(settings) if (source.live or isinstance(source, RealtimeSource)) and not calibrate else None
        if alerts is not None:
            sinks.append(alerts)
        _announce(err, settings, baseline, calibrate)
        calibrator = Calibrator(settings, settings.data_path, model)
        app = App(source, pipeline, sinks, calibrator=calibrator, calibrate_only=calibrate, reopen=opener)
        controls = Controls(app, settings_for=settings_for)
        if snooze:
            controls.snooze(snooze)
        if settings.window:
            if display_available():
                snapshots = settings.data_path / "snapshots"  # a named person's go with their calibrations
                app.sinks.append(WindowSink(controls, snapshot_dir=snapshots / person_folder(settings.person)
                                            if settings.person else snapshots))
            else:
                _say(err, _("no display: running without a window (--no-window silences this note)"), "dim")
        result = app.run()
    except BaseException:
        source.close()
        for sink in closing:
            sink.close()
        raise
    finally:
        if pose is not None:
            pose.close()
        if finder is not None:
            finder.close()

    if calibrate:
        if result.error is not None:
            raise result.error
        if result.baseline is None:
            raise PostureError(_("calibration interrupted before it was complete: nothing stored"))
        print(render_baseline(result.baseline, calibrator.path))
        return EXIT_OK
    monitor = pipeline.monitor  # the profile the run started with
    print(summary.render(monitor.durations(), monitor.observed_s, monitor.present_s))
    if recorder is not None and recorder.session_id and recorder.error is None:
        who = f" --person {settings.person}" if settings.person else ""
        print(_("kept in the history as session {id}: posture-monitor report{who} --session {id}").format(
            id=recorder.session_id, who=who))
    if result.error is not None:
        raise result.error
    if isinstance(source, ImageSource) and source.unreadable:
        unreadable = source.unreadable
        names = ", ".join(unreadable[:5]) + (" ..." if len(unreadable) > 5 else "")
        raise PostureError(ngettext("{n} image could not be read and was skipped: {names}",
                                    "{n} images could not be read and were skipped: {names}",
                                    len(unreadable)).format(n=len(unreadable), names=names))
    if result.frames == 0:
        raise PostureError(_("no frame could be analysed from {source}").format(source=settings.source))
    return EXIT_INTERRUPTED if result.interrupted else EXIT_OK


def list_settings() -> str:
    """Every setting as a table (for --list-settings)."""
    rows = describe_settings()
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{key:<{width}}  " + _("default {default:<8} allowed {allowed}").format(
        default=default, allowed=allowed) + f"\n{'':<{width}}  {_(doc)}" for key, default, allowed, doc in rows)
