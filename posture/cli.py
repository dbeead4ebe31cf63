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

PROG = "posture-monitor"
EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED = 0, 2, 130

DESCRIPTION = """\
Watch your sitting posture through a webcam, a video or photos, and get an alert when a slumped
desk posture or a bent-over phone posture lasts. Frames are analysed on this machine with
MediaPipe pose estimation and never stored or sent anywhere.

The angles are estimates from body landmarks (a craniovertebral-angle proxy, not a clinical
measurement): use them for awareness, not diagnosis."""

EXAMPLES = """\
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

exit codes: 0 done, 2 bad input or usage, 130 interrupted (summary printed, log complete)"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {PROG} --help)")


class UsageError(PostureError):
    """A command-line mistake."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the monitor."""
    p = _Parser(prog=PROG, description=DESCRIPTION, epilog=EXAMPLES,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", metavar="SRC",
                   help="camera index (default 0), device path (/dev/video0), video file, image folder, "
                        "glob ('shots/*.png') or 'demo' for the bundled clip")
    p.add_argument("--profile", choices=PROFILES,
                   help="desk: frontal webcam at a desk (default); phone: head bent over a phone; "
                        "side: camera beside the person (therapist)")
    p.add_argument("--model", metavar="lite|full|PATH",
                   help="pose model: full (default, more accurate), lite (faster) or a .task file")
    p.add_argument("--fps", type=float, metavar="N",
                   help="analyse at most N frames a second; skipped frames cost nothing "
                        "(default: every frame of a file, 10 for a camera)")
    p.add_argument("--sequence-fps", type=float, metavar="N",
                   help="frame rate of an image-folder sequence (default 10)")
    p.add_argument("--stills", action="store_true", default=None,
                   help="judge each image on its own: no smoothing or persistence across photos")
    p.add_argument("--view", choices=VIEWS, help="camera view: auto (default), front or side")
    p.add_argument("--alert-after", type=float, metavar="SECONDS",
                   help="alert when a bad posture lasts this long (default 60)")
    p.add_argument("--no-window", action="store_true", help="run headless: no live window")
    p.add_argument("--calibrate", action="store_true",
                   help="record your upright posture (a few seconds of the camera, or a short clip or a few "
                        "photos given with --source) and keep it for the profile; alerts then judge you "
                        "against it (in the window: press c)")
    p.add_argument("--data-dir", metavar="DIR",
                   help="where calibrations are kept (default: $POSTURE_DATA_DIR, else the user data folder)")
    p.add_argument("--log", metavar="FILE", help="write every analysed frame and alert as JSON Lines")
    p.add_argument("--config", metavar="FILE", help="TOML settings file (see --list-settings)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="change any setting, e.g. --set rules.lean.limit=8 (repeatable)")
    p.add_argument("--list-settings", action="store_true", help="print every setting with its default and range")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return p


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Defaults, profile, config file and flags, in that order."""
    file_data = read_toml(args.config) if args.config else {}
    overrides: dict[str, Any] = {}
    for key, value in (("source", args.source), ("profile", args.profile), ("model", args.model),
                       ("fps", args.fps), ("sequence_fps", args.sequence_fps), ("stills", args.stills),
                       ("view", args.view), ("log", args.log), ("data_dir", args.data_dir)):
        if value is not None:
            overrides[key] = value
    if args.no_window:
        overrides["window"] = False
    if overrides.get("source") == "demo" and "profile" not in overrides and "profile" not in file_data:
        overrides["profile"] = "side"  # the demo clip is filmed from the side
    if args.alert_after is not None:
        overrides.setdefault("alerts", {})["alert_after_s"] = args.alert_after
    for assignment in args.set:
        overrides = _merge(overrides, parse_assignment(assignment))
    return load_settings(file_data, overrides)


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


def run(settings: Settings, *, calibrate: bool = False) -> int:
    """Monitor (or calibrate) with the given settings; returns the exit code."""
    from rich.console import Console

    from .app import App, Calibrator
    from .calibration import load_baseline
    from .capture import ImageSource, open_source
    from .pipeline import Pipeline
    from .sinks.jsonlog import JsonLinesLog
    from .sinks.terminal import TerminalSink
    from .sinks.window import WindowSink, display_available
    from .summary import SessionSummary, render_baseline

    err = Console(stderr=True)
    baseline = None if calibrate else load_baseline(settings.data_path, settings.profile)
    source = open_source(settings.source, max_fps=settings.analysis_fps, sequence_fps=settings.sequence_fps,
                         stills=settings.stills)
    sinks: list[Any] = []
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
        if baseline is not None:
            err.print(f"judging against your {baseline.describe()}", highlight=False, soft_wrap=True)
        elif not calibrate:
            err.print(f"no calibration for the {settings.profile} profile yet: judging against general limits "
                      "(calibrate with --calibrate, or c in the window)", style="dim", highlight=False,
                      soft_wrap=True)
        calibrator = Calibrator(settings, settings.data_path, pose.model_path.name)
        app = App(source, pipeline, sinks, calibrator=calibrator, calibrate_only=calibrate)
        if settings.window:
            if display_available():
                app.sinks.append(WindowSink(on_quit=app.request_stop, on_calibrate=app.start_calibration))
            else:
                err.print("no display: running without a window (--no-window silences this note)",
                          style="dim", highlight=False, soft_wrap=True)
        result = app.run()
    except BaseException:
        source.close()
        for sink in sinks:
            if isinstance(sink, JsonLinesLog):
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
            raise PostureError("calibration interrupted before it was complete: nothing stored")
        print(render_baseline(result.baseline, calibrator.path))
        return EXIT_OK
    print(summary.render(pipeline.monitor.durations(), pipeline.monitor.observed_s, pipeline.monitor.present_s))
    if result.error is not None:
        raise result.error
    if isinstance(source, ImageSource) and source.unreadable:
        names = ", ".join(source.unreadable[:5]) + (" ..." if len(source.unreadable) > 5 else "")
        raise PostureError(f"{len(source.unreadable)} image(s) could not be read and were skipped: {names}")
    if result.frames == 0:
        raise PostureError(f"no frame could be analysed from {settings.source}")
    return EXIT_INTERRUPTED if result.interrupted else EXIT_OK


def list_settings() -> str:
    """Every setting as a table (for --list-settings)."""
    rows = describe_settings()
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{key:<{width}}  default {default:<8} allowed {allowed}\n{'':<{width}}  {doc}"
                     for key, default, allowed, doc in rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        if args.list_settings:
            print(list_settings())
            return EXIT_OK
        settings = settings_from_args(args)
        return run(settings, calibrate=args.calibrate)
    except PostureError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def console_main() -> None:
    """The ``posture-monitor`` console script."""
    sys.exit(main())
