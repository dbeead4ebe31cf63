"""``posture-monitor exercise NAME|PROGRAM``: a guided set of corrective exercises, counted by the camera.

NAME is one exercise (``chin_tuck``, ``shoulder_squeeze``, ``sit_tall``, ``neck_side_bend``); PROGRAM a
TOML file a therapist wrote, one ``[[exercise]]`` table per exercise::

    [[exercise]]
    name = "chin_tuck"
    sets = 2
    reps = 10
    hold_s = 5

The monitor's options apply where they make sense (the source, the model, the view, the window, the
log, the person, the settings); posture/exercise holds the exercises and the counting.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path
from typing import Any, Sequence

from rich.console import Console

from .. import __version__
from ..config import VIEWS, read_toml
from ..errors import ConfigError, PostureError, brief, brief_text
from ..exercise.catalogue import EXERCISE, EXERCISES
from ..exercise.coach import UNITS, Coach, SetPlan, SetResult, attempt_text, rep_record
from ..exercise.counter import Attempt
from ..i18n import _, ngettext
from ..text import duration, view_name
from .main import EXIT_INTERRUPTED, EXIT_OK

LIMITS = {"sets": (1, 20), "reps": (1, 50), "hold_s": (0.0, 120.0), "target": (0.01, 100.0)}


def exercise_parser(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    names = ", ".join(e.id for e in EXERCISES)
    p = parser_class(prog="posture-monitor exercise", description=_(
        "A guided set of corrective exercises: first your start position, then each repetition counted "
        "when it went far enough and was held without a wrong movement. NAME is one of {names}; PROGRAM "
        "a TOML file with one [[exercise]] table (name, sets, reps, hold_s) per exercise.").format(names=names))
    p.add_argument("what", metavar="NAME|PROGRAM", nargs="?",
                   help=_("an exercise or a program file; none: the person's kept program"))
    p.add_argument("--keep-program", action="store_true",
                   help=_("keep the program file (or the exercise with --sets/--reps/--hold/--target) as the "
                          "person's program (then: posture-monitor exercise --person NAME starts it) and stop"))
    p.add_argument("--per-week", type=int, metavar="N",
                   help=_("with --keep-program: how many times a week the program is to be done (for the report)"))
    p.add_argument("--no-history", action="store_true", help=_("keep nothing of these sets in the history"))
    p.add_argument("--sets", type=int, metavar="N", help=_("sets of the exercise (default 1)"))
    p.add_argument("--reps", type=int, metavar="N", help=_("repetitions a set (default: the exercise's)"))
    p.add_argument("--hold", type=float, metavar="SECONDS", help=_("how long to hold each repetition"))
    p.add_argument("--target", type=float, metavar="X",
                   help=_("how far each repetition must go, in the exercise's unit (cm, degrees or %%)"))
    p.add_argument("--source", metavar="SRC", help=_("camera index (default 0), device path or video file"))
    p.add_argument("--view", choices=VIEWS, help=_("camera view: auto (default), front or side"))
    p.add_argument("--model", metavar="lite|full|PATH", help=_("pose model (default full)"))
    p.add_argument("--fps", type=float, metavar="N", help=_("analyse at most N frames a second"))
    p.add_argument("--realtime", action="store_true", default=None,
                   help=_("play a video file at its real speed"))
    p.add_argument("--no-window", action="store_true", help=_("run headless: no live window"))
    p.add_argument("--log", metavar="FILE", help=_("write every repetition and set as JSON Lines"))
    p.add_argument("--person", metavar="NAME", help=_("whose exercises these are (default: your login name)"))
    p.add_argument("--data-dir", metavar="DIR", help=_("where calibrations and the history are kept"))
    p.add_argument("--config", metavar="FILE", help=_("TOML settings file (see posture-monitor --list-settings)"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=_("change any setting"))
    p.add_argument("--lang", choices=("en", "nl"), help=_("language: en or nl"))
    return p


def _number(table: dict[str, Any], key: str, where: str, default: float | int) -> Any:
    value = table.get(key, default)
    low, high = LIMITS[key]
    kind = int if key in ("sets", "reps") else float
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and (kind is float or isinstance(value, int))
    if not number or not (low <= value <= high and (isinstance(value, int) or math.isfinite(value))):
        raise ConfigError(_("{where}: {key} = {value} is not allowed: use a number from {low:g} to {high:g}").format(
            where=where, key=key, value=brief(value, 40), low=low, high=high))
    return kind(value)


def _is_file(path: str) -> bool:
    """Whether a name is a file (a name too long to be one is not)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


def read_program(path: str) -> dict[str, Any]:
    """A program file, checked: ``per_week`` (sessions a week, optional) and one ``[[exercise]]`` table
    per exercise."""
    data = read_toml(path)
    tables = data.get("exercise")
    unknown = sorted(set(data) - {"exercise", "per_week", "note"})
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables) or unknown:
        raise ConfigError(_("{where}: a program is one [[exercise]] table (name, sets, reps, hold_s, target) per "
                            "exercise").format(where=path))
    if "per_week" in data:
        per_week = data["per_week"]
        if isinstance(per_week, bool) or not isinstance(per_week, int) or not 1 <= per_week <= 21:
            raise ConfigError(_("{where}: {key} = {value} is not allowed: use a number from {low:g} to {high:g}").format(
                where=path, key="per_week", value=str(per_week)[:40], low=1, high=21))
    return data


def plans_of_program(program: dict[str, Any]) -> list[SetPlan]:
    """The sets of a kept program, as its file asked for them."""
    return plans(argparse.Namespace(what=None, sets=None, reps=None, hold=None, target=None), program)


def plans(args: argparse.Namespace, program: dict[str, Any] | None = None) -> list[SetPlan]:
    """The sets asked for: one exercise with the options, or a program (a file, or the kept one)."""
    where = args.what or _("the kept program")
    if program is not None:
        tables = program["exercise"]
    elif args.what in EXERCISE:
        tables = [{"name": args.what}]
    elif args.what.endswith(".toml") or _is_file(args.what):
        tables = read_program(args.what)["exercise"]
    else:
        raise ConfigError(_("no exercise or program {what}: the exercises are {names}").format(
            what=brief_text(args.what), names=", ".join(e.id for e in EXERCISES)))
    out: list[SetPlan] = []
    for table in tables:
        name = table.get("name")
        if name not in EXERCISE:
            raise ConfigError(_("{where}: no exercise {name}: the exercises are {names}").format(
                where=where, name=str(name)[:40], names=", ".join(e.id for e in EXERCISES)))
        extra = sorted(set(table) - {"name", "sets", "reps", "hold_s", "target"})
        if extra:
            raise ConfigError(_("{where}: {name} has an unknown key {key}").format(where=where, name=name,
                                                                                 key=extra[0][:40]))
        exercise = EXERCISE[name]
        given = {k: v for k, v in (("sets", args.sets), ("reps", args.reps), ("hold_s", args.hold),
                                   ("target", args.target)) if v is not None}
        merged = {**table, **given}
        sets = _number(merged, "sets", where, 1)
        reps = _number(merged, "reps", where, exercise.reps)
        hold = _number(merged, "hold_s", where, exercise.hold_s)
        target = _number(merged, "target", where, 1.0) if "target" in merged else None
        out += [SetPlan(exercise, reps, hold, target)] * sets
    return out


def _monitor_args(args: argparse.Namespace) -> argparse.Namespace:
    """The monitor's options for this session (its defaults where the exercise command has none)."""
    from .main import _Parser
    from .monitor import build_parser

    ns = build_parser(_Parser).parse_args([])
    for key in ("source", "view", "model", "fps", "realtime", "no_window", "log", "person", "data_dir", "config",
                "set", "lang"):
        setattr(ns, key, getattr(args, key))
    ns.skip_calibration = True
    return ns


class _Report:
    """What the terminal and the log are told of the session."""

    def __init__(self, err: Console, log: Any, live: bool, sound: Any, keep: Any = None) -> None:
        self.err = err
        self.log = log
        self.live = live
        self.sound = sound
        self.keep = keep  # keeps a finished set in the history

    def say(self, cue: str, transient: bool = False) -> None:
        if self.live or not transient:  # a file's analysis prints no countdown
            self.err.print(cue, highlight=False, soft_wrap=True)

    def attempt(self, result: SetResult, attempt: Attempt, number: int) -> None:
        text = attempt_text(result, attempt, number)
        if attempt.counted and self.sound is not None:
            self.sound.notify(_("Posture"), text)
        self.err.print(text, highlight=False, soft_wrap=True, style=None if attempt.counted else "yellow")
        if self.log is not None:
            self.log.write(rep_record(result, attempt, number))

    def set_done(self, result: SetResult) -> None:
        if self.log is not None:
            self.log.write(result.record())
        if self.keep is not None:
            try:
                self.keep(result)
            except PostureError as exc:  # the sets go on; the user hears why they are not kept
                self.err.print(str(exc), style="yellow", highlight=False, soft_wrap=True)
                self.keep = None


def summary(results: Sequence[SetResult]) -> str:
    """The end of the session: per set, the reps done, the holds and the best range."""
    rows = [_("Exercise summary")]
    for r in results:
        side = {"left": _("left"), "right": _("right")}.get(r.side or "", "")
        name = _(EXERCISE[r.exercise].name) + (f" ({side})" if side else "")
        unit = UNITS.get(r.unit, r.unit)
        rows.append("  " + _("{name}: {counted} of {reps} repetitions in {attempts} attempts").format(
            name=name, counted=r.counted, reps=r.reps_asked, attempts=len(r.attempts)))
        if r.holds:
            rows.append("    " + _("held {low:.1f}-{high:.1f} s (asked {asked:g} s)").format(
                low=min(r.holds), high=max(r.holds), asked=r.hold_asked_s))
        if r.best_range is not None:
            rows.append("    " + _("best range {range:.1f}{unit} (target {target:g}{unit}, {view} view)").format(
                range=r.best_range, unit=unit, target=r.target, view=view_name(r.view)))
        if r.wrong_movements:
            rows.append("    " + ngettext("{n} wrong movement", "{n} wrong movements", r.wrong_movements).format(
                n=r.wrong_movements))
    return "\n".join(rows)


def exercise_main(args: argparse.Namespace) -> int:
    from ..live.app import App
    from ..live.controls import Controls
    from ..sinks.alerts import SoundChannel
    from ..sinks.jsonlog import JsonLinesLog
    from ..sinks.window import WindowSink, display_available
    from ..sources import RealtimeSource
    from ..storage.calibrations import person_folder
    from .monitor import settings_from_args
    from .run import SourceOpener, _desktop, _run_desktop, open_models

    settings = settings_from_args(_monitor_args(args))
    person = settings.person_name
    program = None
    if args.keep_program or not args.what:
        from ..storage.db import connect, db_path
        from ..storage.exercises import load_program, save_program

        if args.keep_program:
            if not args.what:
                raise ConfigError(_("--keep-program needs a program file or an exercise"))
            if args.what in EXERCISE:  # a program of one exercise, from the options
                item = {"name": args.what, **{k: v for k, v in (("sets", args.sets), ("reps", args.reps),
                                                                   ("hold_s", args.hold), ("target", args.target))
                                              if v is not None}}
                program = {"exercise": [item]}
            else:
                program = read_program(args.what)
            if args.per_week is not None:
                if not 1 <= args.per_week <= 21:
                    raise ConfigError(_("--per-week {value} is not allowed: use a number from 1 to 21").format(
                        value=brief(args.per_week)))
                program["per_week"] = args.per_week
            plans(argparse.Namespace(what=None, sets=None, reps=None, hold=None, target=None), program)  # checked
            save_program(settings.data_path, person, program)
            print(_("kept as the program of {person}: posture-monitor exercise{who} starts it").format(
                person=person, who=f" --person {settings.person}" if settings.person else ""))
            return EXIT_OK
        conn = connect(db_path(settings.data_path))
        try:
            program = load_program(conn, person)
        finally:
            conn.close()
        if program is None:
            raise ConfigError(_("no program kept for {person}: posture-monitor exercise NAME, or a program file "
                                "(--keep-program keeps one)").format(person=person))
    sets = plans(args, program)
    err = Console(stderr=True)
    opener = SourceOpener(settings)
    source = opener()
    log = None
    models = None
    try:
        if settings.log:
            log = JsonLinesLog(settings.log, {
                "version": __version__, "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "source": settings.source, "kind": "exercise", "person": settings.person_name,
                "sets": [{"exercise": s.exercise.id, "reps": s.reps, "hold_s": s.hold_s, "target": s.target}
                         for s in sets]}, samples=False)
        models = open_models(settings)
        pipeline = models.pipeline(settings, None)
        live = source.live or isinstance(source, RealtimeSource)
        sound = SoundChannel() if settings.notify.sound and live else None
        keep = None
        if settings.history and not args.no_history:  # history = false in the settings keeps nothing either
            import time

            from ..storage.exercises import store_set

            wall0 = time.time()
            kind = "camera" if source.live else "file"

            def keep_set(result: SetResult) -> None:
                t0 = coach.first_t or 0.0
                store_set(settings.data_path, person, result.record(), wall0 + result.started - t0,
                          wall0 + result.ended - t0, kind)
            keep = keep_set
        report = _Report(err, log, live, sound, keep)
        app: App
        coach = Coach(sets, view=None if settings.view == "auto" else settings.view, say=report.say,
                      attempt_done=report.attempt, set_done=report.set_done,
                      finished=lambda: app.request_stop())
        sinks: list[Any] = [coach] + ([log] if log is not None else [])
        app = App(source, pipeline, sinks, reopen=opener, check_view=False)
        controls = Controls(app)
        controls.coach = coach
        snapshots = settings.data_path / "snapshots"
        snapshots = snapshots / person_folder(settings.person) if settings.person else snapshots
        desktop = _desktop(settings, source, False, err)
        if desktop is not None:
            result = _run_desktop(app, controls, settings, desktop, snapshots, args.config)
        else:
            if settings.window and display_available():
                app.sinks.append(WindowSink(controls, snapshot_dir=snapshots))
            result = app.run()
    except BaseException:
        source.close()
        if log is not None:
            log.close()
        raise
    finally:
        if models is not None:
            models.close()
    print(summary(coach.results))
    if result.error is not None:
        raise result.error
    if result.frames == 0:
        raise PostureError(_("no frame could be analysed from {source}").format(source=settings.source))
    if not coach.results:
        raise PostureError(_("no set was started: nobody was in view long enough for the start position ({time})")
                           .format(time=duration(result.last_t or 0.0)))
    return EXIT_INTERRUPTED if result.interrupted else EXIT_OK
