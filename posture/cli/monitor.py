"""The monitor command: its flags and the settings they make (cli/run.py runs it)."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from .. import __version__
from ..config import (VIEWS, Settings, describe_settings, load_settings, merge, parse_assignment, read_toml,
                      user_config_file)
from ..i18n import LANGUAGES, N_, _
from ..problems import PROFILES
from .main import PROG

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
    p.add_argument("--tray", action="store_true",
                   help=_("show a tray icon (the state at a glance; pause, snooze, calibrate, the live window, "
                          "today's report, quit); the default of --background where the desktop has a tray"))
    p.add_argument("--no-tray", action="store_true", help=_("no tray icon, also with --background"))
    p.add_argument("--realtime", action="store_true", default=None,
                   help=_("play a video file or image sequence at its real speed (the demo in a window "
                          "always does)"))
    p.add_argument("--calibrate", action="store_true",
                   help=_("record your upright posture (a few seconds of the camera, or a short clip or a few "
                        "photos given with --source) and keep it for the profile; alerts then judge you "
                        "against it (in the window: press c)"))
    p.add_argument("--skip-calibration", action="store_true",
                   help=_("with a camera and no calibration yet, do not start by recording your upright posture "
                          "(it judges against general limits until you calibrate)"))
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
    if args.config:
        file_data = read_toml(args.config)
    else:  # the user's own settings file, where there is one
        default = user_config_file()
        file_data = read_toml(str(default)) if default.is_file() else {}
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
    if args.tray or args.no_tray:
        overrides["tray"] = "on" if args.tray else "off"
    if args.skip_calibration:
        overrides["guided_calibration"] = False
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


def list_settings() -> str:
    """Every setting as a table (for --list-settings)."""
    rows = describe_settings()
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{key:<{width}}  " + _("default {default:<8} allowed {allowed}").format(
        default=default, allowed=allowed) + f"\n{'':<{width}}  {_(doc)}" for key, default, allowed, doc in rows)
