"""The command line: ``posture-monitor`` and ``python run_monitor.py``.

Problems the user can fix end here as one line on stderr and exit code 2; Ctrl+C gives 130 after
the summary is printed and the log is complete.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from typing import Any, NoReturn, Sequence

from . import __version__
from .config import PROFILES, VIEWS, Settings, describe_settings, load_settings, parse_assignment, read_toml
from .errors import PostureError
from .i18n import LANGUAGES, N_, _, ngettext, setup

PROG = "posture-monitor"
EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 2, 130, 143

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


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(_("{message} (see {prog} --help)").format(message=message, prog=self.prog))


class UsageError(PostureError):
    """A command-line mistake."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the monitor."""
    p = _Parser(prog=PROG, description=_(DESCRIPTION), epilog=_(EXAMPLES),
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
        overrides = _merge(overrides, parse_assignment(assignment))
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


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def open_pose(settings: Settings) -> tuple[Any, Any]:
    """The pose estimators: one that follows the user and one that finds everyone now and then.

    For stills there is only one, which finds everyone in each photo.
    """
    from .pose import PoseEstimator

    p = settings.pose
    kwargs = dict(min_detection_confidence=p.min_detection_confidence,
                  min_presence_confidence=p.min_presence_confidence,
                  min_tracking_confidence=p.min_tracking_confidence)
    if settings.stills:
        return PoseEstimator(settings.model, video=False, num_poses=p.num_poses, **kwargs), None
    tracker = PoseEstimator(settings.model, video=True, num_poses=1, **kwargs)
    finder = PoseEstimator(settings.model, video=False, num_poses=p.num_poses, **kwargs) if p.num_poses > 1 else None
    return tracker, finder


def run(settings: Settings, *, calibrate: bool = False, snooze: str | None = None,
        settings_for: Any = None) -> int:
    """Monitor (or calibrate) with the given settings; returns the exit code."""
    from rich.console import Console

    from .app import App, Calibrator, other_model_note
    from .calibration import load_baseline, person_folder
    from .capture import ImageSource, RealtimeSource, open_source
    from .config import desktop_session_available
    from .pipeline import Pipeline
    from .sinks.alerts import AlertSink, DesktopChannel, SoundChannel
    from .sinks.jsonlog import JsonLinesLog
    from .sinks.terminal import TerminalSink
    from .sinks.window import WindowSink, display_available
    from .summary import SessionSummary, render_baseline

    err = Console(stderr=True)
    baseline = None if calibrate else load_baseline(settings.data_path, settings.profile, settings.person,
                                                    settings.model)
    def open_it() -> Any:
        src = open_source(settings.source, max_fps=settings.analysis_fps, sequence_fps=settings.sequence_fps,
                          stills=settings.stills,
                          camera_width=settings.background_mode.camera_width if settings.background else 0,
                          camera_fps=settings.background_mode.camera_fps if settings.background else 0.0)
        realtime = settings.realtime or (settings.source == "demo" and settings.window and display_available())
        return RealtimeSource(src) if realtime and not src.live and not settings.stills else src

    source = open_it()
    sinks: list[Any] = []
    recorder: Any = None
    pose = finder = None
    try:
        pose, finder = open_pose(settings)
        pipeline = Pipeline(pose, settings, baseline, finder=finder)
        summary = SessionSummary(stills=settings.stills)
        if settings.log:
            header = {"version": __version__, "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                      "source": settings.source, "model": str(pose.model_path.name),
                      "settings": dataclasses.asdict(settings)}
            sinks.append(JsonLinesLog(settings.log, header))
        sinks.append(TerminalSink(err, total=source.total, live=source.live, description=source.description))
        sinks.append(summary)
        if settings.history and not calibrate and not settings.stills:
            from .history import HistoryRecorder, SessionInfo

            kind = "camera" if source.live else "demo" if settings.source == "demo" else "file"
            recorder = HistoryRecorder(
                settings.data_path, SessionInfo(settings.person_name, settings.profile, kind, pose.model_path.name,
                                                baseline),
                warn=lambda message: err.print(message, style="yellow", highlight=False, soft_wrap=True),
                detail_days=settings.history_detail_days)
            sinks.append(recorder)
        if (source.live or isinstance(source, RealtimeSource)) and not calibrate:
            n = settings.notify
            channels: list[Any] = []
            if n.sound:
                channels.append(SoundChannel())
            if n.desktop:
                channels.append(DesktopChannel(desktop_session_available()))
            if channels:
                sinks.append(AlertSink(channels))
        if baseline is not None:
            err.print(_("judging against your {calibration}").format(calibration=baseline.describe()),
                      highlight=False, soft_wrap=True)
            note = other_model_note(baseline, settings)
            if note:
                err.print(note, style="yellow", highlight=False, soft_wrap=True)
        elif not calibrate:
            err.print(_("no calibration for the {profile} profile yet: judging against general limits "
                        "(calibrate with --calibrate, or c in the window)").format(profile=settings.profile),
                      style="dim", highlight=False, soft_wrap=True)
        calibrator = Calibrator(settings, settings.data_path, pose.model_path.name)
        app = App(source, pipeline, sinks, calibrator=calibrator, calibrate_only=calibrate,
                  reopen=open_it,
                  settings_for=settings_for)
        if snooze:
            app.snooze(snooze)
        if settings.window:
            if display_available():
                snapshots = settings.data_path / "snapshots"  # a named person's go with their calibrations
                app.sinks.append(WindowSink(app, snapshot_dir=snapshots / person_folder(settings.person)
                                            if settings.person else snapshots))
            else:
                err.print(_("no display: running without a window (--no-window silences this note)"),
                          style="dim", highlight=False, soft_wrap=True)
        result = app.run()
    except BaseException:
        source.close()
        for sink in sinks:
            if isinstance(sink, JsonLinesLog) or sink is recorder:
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
    print(summary.render(pipeline.monitor.durations(), pipeline.monitor.observed_s, pipeline.monitor.present_s))
    if recorder is not None and recorder.session_id and recorder.error is None:
        who = f" --person {settings.person}" if settings.person else ""
        print(_("kept in the history as session {id}: posture-monitor report{who} --session {id}").format(
            id=recorder.session_id, who=who))
    if result.error is not None:
        raise result.error
    if isinstance(source, ImageSource) and source.unreadable:
        names = ", ".join(source.unreadable[:5]) + (" ..." if len(source.unreadable) > 5 else "")
        raise PostureError(ngettext("{n} image could not be read and was skipped: {names}",
                                    "{n} images could not be read and were skipped: {names}",
                                    len(source.unreadable)).format(n=len(source.unreadable), names=names))
    if result.frames == 0:
        raise PostureError(_("no frame could be analysed from {source}").format(source=settings.source))
    return EXIT_INTERRUPTED if result.interrupted else EXIT_OK


def list_settings() -> str:
    """Every setting as a table (for --list-settings)."""
    rows = describe_settings()
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{key:<{width}}  " + _("default {default:<8} allowed {allowed}").format(
        default=default, allowed=allowed) + f"\n{'':<{width}}  {_(doc)}" for key, default, allowed, doc in rows)


def _early_language(argv: Sequence[str]) -> str:
    """The language for --help and argument errors: --lang if given, else the system's."""
    from .config import system_language

    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--lang=") else (
            argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if value in LANGUAGES:
            return value
    return system_language()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    setup(_early_language(argv))
    term = _TermAsInterrupt()
    try:
        if argv and argv[0] in ("report", "history"):
            return _subcommand(argv[0], argv[1:])
        args = build_parser().parse_args(argv)
        if args.list_settings:
            print(list_settings())
            return EXIT_OK
        settings = settings_from_args(args)
        setup(settings.lang or "en")
        if args.calibrate:
            from .capture import is_image_source

            if is_image_source(settings.source):  # a few photos: each one found on its own
                settings = dataclasses.replace(settings, stills=True)
        with term:
            code = run(settings, calibrate=args.calibrate, snooze=args.snooze,
                       settings_for=lambda profile: settings_from_args(args, profile))
        return EXIT_TERMINATED if term.received and code == EXIT_INTERRUPTED else code
    except PostureError as exc:
        print(_("{prog}: error: {message}").format(prog=PROG, message=exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # before monitoring began or after it ended
        print(_("{prog}: interrupted").format(prog=PROG), file=sys.stderr)
        return EXIT_TERMINATED if term.received else EXIT_INTERRUPTED


class _TermAsInterrupt:
    """SIGTERM (a logout, a service manager, ``kill``) ends the run as Ctrl+C does: the summary is
    printed and the log and the history are closed properly."""

    def __init__(self) -> None:
        self.received = False
        self._previous: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        if self.received:  # once: the summary, the log and the history are being closed
            return
        self.received = True
        raise KeyboardInterrupt

    def __enter__(self) -> "_TermAsInterrupt":
        import signal

        try:
            self._previous = signal.signal(signal.SIGTERM, self._handle)
        except ValueError:  # not the main thread: leave the signal alone
            self._previous = None
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        if self._previous is not None and not self.received:
            signal.signal(signal.SIGTERM, self._previous)
        # After a SIGTERM the handler stays: a second one waits for the closing instead of cutting it off.


def _subcommand(name: str, argv: list[str]) -> int:
    """``report`` or ``history`` (posture/history_cli.py)."""
    from . import history_cli

    parser = (history_cli.report_parser if name == "report" else history_cli.history_parser)(_Parser)
    args = parser.parse_args(argv)
    return history_cli.report_main(args) if name == "report" else history_cli.history_main(args)


def console_main() -> None:
    """The ``posture-monitor`` console script."""
    sys.exit(main())
