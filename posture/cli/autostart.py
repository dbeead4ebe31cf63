"""``posture-monitor autostart on|off|status``: start the monitor in the background at login, with the
platform's own mechanism.

- Linux and other XDG desktops: a ``.desktop`` entry in ``$XDG_CONFIG_HOME/autostart`` (the XDG Autostart
  specification; GNOME, KDE, Xfce and the others read it).
- macOS: a LaunchAgent property list in ``~/Library/LaunchAgents`` (``RunAtLoad``), loaded at the next login.
- Windows: a command file in the Startup folder of the user's Start menu.

The entry starts this installation's Python with ``-m posture --background``, so it keeps working
whatever folder the project was installed into, and carries the options given after ``--``.
"""

from __future__ import annotations

import argparse
import os
import plistlib
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ..errors import PostureError
from ..i18n import _

APP_ID = "nl.posture.monitor"  # reverse-DNS name of the LaunchAgent
DESKTOP_NAME = "posture-monitor.desktop"


@dataclass(frozen=True)
class Entry:
    """The file that starts the monitor at login on one platform."""

    path: Path
    text: str


def command(extra: Sequence[str] = ()) -> list[str]:
    """What the login starts: this Python, the app in the background, and the user's own options."""
    return [sys.executable, "-m", "posture", "--background", *extra]


def _desktop_quote(arg: str) -> str:
    """One argument of a desktop entry's Exec key (the Desktop Entry specification's quoting)."""
    if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg.replace("%", "%%")
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return '"' + escaped.replace("%", "%%") + '"'


def entry(platform: str, argv: Sequence[str], env: Mapping[str, str] | None = None) -> Entry:
    """The login entry for ``platform`` ("linux", "darwin" or "win32") that runs ``argv``."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform == "darwin":
        plist = {"Label": APP_ID, "ProgramArguments": list(argv), "RunAtLoad": True, "ProcessType": "Interactive"}
        return Entry(home / "Library" / "LaunchAgents" / f"{APP_ID}.plist", plistlib.dumps(plist).decode("utf-8"))
    if platform == "win32":
        appdata = Path(env.get("APPDATA") or home / "AppData" / "Roaming")
        folder = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
        exe = argv[0]
        if exe.lower().endswith("python.exe"):  # pythonw.exe: no console window at login
            exe = exe[: -len("python.exe")] + "pythonw.exe"
        line = " ".join(f'"{a}"' if " " in a or not a else a for a in [exe, *argv[1:]])
        return Entry(folder / "posture-monitor.cmd", f'@echo off\r\nstart "" {line}\r\n')
    config = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    text = "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=Posture monitor",
        "Name[nl]=Houdingmonitor",
        "Comment=Watches your posture through the webcam and nudges you when a slump lasts",
        "Comment[nl]=Let via de webcam op je houding en geeft een seintje als je lang onderuitgezakt zit",
        "Exec=" + " ".join(_desktop_quote(a) for a in argv),
        "Terminal=false",
        "Categories=Utility;",
        "X-GNOME-Autostart-enabled=true",
        "",
    ])
    return Entry(config / "autostart" / DESKTOP_NAME, text)


def autostart_parser(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = parser_class(prog="posture-monitor autostart", description=_(
        "Start the monitor in the background at login (on), stop doing so (off), or say whether it does "
        "(status). Options after -- are passed on, for example: autostart on -- --person anna"))
    p.add_argument("action", choices=("on", "off", "status"))
    p.add_argument("extra", nargs="*", help=argparse.SUPPRESS)
    return p


def platform_entry(extra: Sequence[str] = (), platform: str = sys.platform) -> Entry:
    """This platform's login entry for this installation (with the user's options ``extra``)."""
    kind = "darwin" if platform == "darwin" else "win32" if platform.startswith("win") else "linux"
    return entry(kind, command(extra))


def switch(e: Entry, on: bool) -> bool:
    """Write (on) or remove (off) a login entry; False when there was nothing to remove."""
    try:
        if on:
            e.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = e.path.with_name(e.path.name + ".tmp")
            tmp.write_text(e.text, encoding="utf-8", newline="")
            os.replace(tmp, e.path)
            return True
        try:
            e.path.unlink()
            return True
        except FileNotFoundError:
            return False
    except OSError as exc:
        raise PostureError(_("cannot change {path}: {problem}").format(path=e.path, problem=exc.strerror or exc)) \
            from None


def autostart_main(args: argparse.Namespace, platform: str = sys.platform) -> int:
    e = platform_entry(args.extra, platform)
    if args.action == "status":
        if e.path.is_file():
            print(_("starts at login: {path}").format(path=e.path))
        else:
            print(_("does not start at login (posture-monitor autostart on)"))
        return 0
    if args.action == "on":
        switch(e, True)
        print(_("starts at login from now on: {path}").format(path=e.path))
        print("  " + " ".join(shlex.quote(a) for a in command(args.extra)))
    elif switch(e, False):
        print(_("no longer starts at login (removed {path})").format(path=e.path))
    else:
        print(_("did not start at login: nothing to remove"))
    return 0
