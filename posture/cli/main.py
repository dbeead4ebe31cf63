"""The command line: ``posture-monitor`` and ``python run_monitor.py``.

Problems the user can fix end here as one line on stderr and exit code 2; Ctrl+C gives 130 after
the summary is printed and the log is complete, SIGTERM 143.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from typing import Any, NoReturn, Sequence

from ..errors import PostureError, brief_text
from ..i18n import LANGUAGES, _, setup
from ..storage.private import keep_private

PROG = "posture-monitor"
EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 2, 130, 143


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(_("{message} (see {prog} --help)").format(message=brief_text(message, 300), prog=self.prog))


class UsageError(PostureError):
    """A command-line mistake."""


def _early_language(argv: Sequence[str]) -> str:
    """The language for --help and argument errors: --lang if given, else the system's."""
    from ..config import system_language

    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--lang=") else (
            argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if value in LANGUAGES:
            return value
    return system_language()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    keep_private()  # health data: everything written is the user's alone (posture/storage/private.py)
    setup(_early_language(argv))
    term = _TermAsInterrupt()
    try:
        if argv and argv[0] in ("report", "history", "today", "autostart", "exercise"):
            return _subcommand(argv[0], argv[1:])
        from . import monitor

        args = monitor.build_parser(_Parser).parse_args(argv)
        if args.list_settings:
            print(monitor.list_settings())
            return EXIT_OK
        settings = monitor.settings_from_args(args)
        setup(settings.lang or "en")
        if args.calibrate:
            from ..sources import is_image_source

            if is_image_source(settings.source):  # a few photos: each one found on its own
                settings = dataclasses.replace(settings, stills=True)
        from .run import run

        with term:
            code = run(settings, calibrate=args.calibrate, snooze=args.snooze,
                       settings_for=lambda profile: monitor.settings_from_args(args, profile), config_file=args.config)
        return EXIT_TERMINATED if term.received and code == EXIT_INTERRUPTED else code
    except PostureError as exc:  # one line, whatever the message quotes (a name with a line break)
        message = re.sub(r"[\x00-\x1f\x7f]+", " ", str(exc))
        print(_("{prog}: error: {message}").format(prog=PROG, message=message), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader went away (history | head): what it wanted was printed
        _quiet_stdout()
        return EXIT_OK
    except KeyboardInterrupt:  # before monitoring began or after it ended
        print(_("{prog}: interrupted").format(prog=PROG), file=sys.stderr)
        return EXIT_TERMINATED if term.received else EXIT_INTERRUPTED


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush does not fail on the closed pipe."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


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
    """``report`` or ``history`` (posture/cli/history.py), ``today`` (today.py), ``autostart`` (autostart.py)."""
    if name == "autostart":
        from . import autostart

        return autostart.autostart_main(autostart.autostart_parser(_Parser).parse_args(argv))
    if name == "exercise":
        from . import exercise

        return exercise.exercise_main(exercise.exercise_parser(_Parser).parse_args(argv))
    if name == "today":
        from . import today

        return today.today_main(today.today_parser(_Parser).parse_args(argv))
    from . import history

    parser = (history.report_parser if name == "report" else history.history_parser)(_Parser)
    args = parser.parse_args(argv)
    return history.report_main(args) if name == "report" else history.history_main(args)


def console_main() -> None:
    """The ``posture-monitor`` console script."""
    sys.exit(main())
