"""The tray icon in a real tray (trayer on Xvfb), driven with xdotool as a user's mouse and keys
would: the icon docks and shows the state, the menu pauses (the camera released) and quits (the
session closed in the history). Skipped where Xvfb, trayer, xdotool or Qt's X11 libraries are missing.

The webcam is a stand-in (tests/tray_session.py): this machine has none.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from tests.helpers import ROOT, cli_env, run_cli, wait_until
from tests.tray_session import TRAY_HOST

NEEDED = ("Xvfb", "trayer", "xdotool")
pytestmark = pytest.mark.skipif(any(shutil.which(t) is None for t in NEEDED),
                                reason="needs " + ", ".join(NEEDED))


def qt_works(env: dict[str, str]) -> str | None:
    from posture.desktop.qt import qt_problem

    return qt_problem(env)


@pytest.fixture
def tray(display: str) -> Iterator[str]:
    """A system tray (trayer) on the virtual display."""
    env = {**cli_env(), "DISPLAY": display}
    problem = qt_works(env)
    if problem:
        pytest.skip(problem)
    proc = subprocess.Popen(TRAY_HOST, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _xdotool(env, "search", "--class", "trayer"), timeout_s=20)
        yield display
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _xdotool(env: dict[str, str], *args: str) -> list[str]:
    return subprocess.run(["xdotool", *args], capture_output=True, text=True, env=env).stdout.split()


def icon_colour(env: dict[str, str], window: str) -> np.ndarray:
    """The mean colour (RGB) of the icon's middle, grabbed from the screen."""
    from PIL import ImageGrab

    geometry = subprocess.run(["xdotool", "getwindowgeometry", "--shell", window], capture_output=True, text=True,
                              env=env).stdout
    g = dict(line.split("=", 1) for line in geometry.split())
    x, y, w, h = (int(g[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
    picture = np.asarray(ImageGrab.grab(xdisplay=env["DISPLAY"]).convert("RGB"))
    side = max(2, min(w, h) // 5)  # the disc's rim around the symbol
    cx, cy = x + w // 2, y + h // 2
    ring = picture[cy - side * 2: cy + side * 2, cx - side * 2: cx - side]
    return ring.reshape(-1, 3).mean(axis=0)


def open_menu_and_press(env: dict[str, str], window: str, *keys: str) -> None:
    """Right-click the icon, then keys in its menu (Down: the first item; Up: the last)."""
    subprocess.run(["xdotool", "mousemove", "--window", window, "10", "12", "click", "3"], env=env, check=True)
    time.sleep(0.8)  # the menu opens
    subprocess.run(["xdotool", "key", *keys], env=env, check=True)
    time.sleep(0.5)  # and closes before anything else is clicked


def start_tray_session(env: dict[str, str], report: Path, log: Path, data: Path, *more: str) -> subprocess.Popen[str]:
    """The monitor in the background with its tray icon, on the stand-in webcam (tests/tray_session.py)."""
    return subprocess.Popen([sys.executable, "-m", "tests.tray_session", str(report), "--", "--background", "--fps",
                             "5", "--skip-calibration", "--log", str(log), "--data-dir", str(data), *more],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def quit_from_the_menu(env: dict[str, str], icon: str, proc: subprocess.Popen[str]) -> tuple[str, str]:
    """The menu's last item, quit: the session ends cleanly. Its output and error streams."""
    open_menu_and_press(env, icon, "Up", "Return")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    return out, err


@pytest.mark.slow
def test_tray_pauses_and_quits_from_its_menu(tray: str, tmp_path: Path) -> None:
    env = {**cli_env(), "DISPLAY": tray}
    data, log, report = tmp_path / "data", tmp_path / "tray.jsonl", tmp_path / "camera.json"
    proc = start_tray_session(env, report, log, data)
    try:
        icon = wait_until(lambda: _xdotool(env, "search", "--class", "^posture-tray$"), timeout_s=90)[0]
        # Judged frames come in; the icon shows a judged state (good, deviating or alert: blue, yellow
        # or vermillion), not grey.
        wait_until(lambda: log.exists() and log.read_text().count('"sample"') >= 10, timeout_s=90)
        time.sleep(0.5)
        before = icon_colour(env, icon)
        assert before.max() - before.min() > 60, before  # a colour, not grey

        open_menu_and_press(env, icon, "Down", "Return")  # the first item: pause
        wait_until(lambda: '"paused: the camera is off' in log.read_text(), timeout_s=20)
        time.sleep(1.0)
        paused_at = time.monotonic()
        paused = icon_colour(env, icon)
        assert paused.max() - paused.min() < 25 and 100 < paused.mean() < 220, paused  # grey: paused
        samples_paused = log.read_text().count('"sample"')

        time.sleep(1.5)
        assert log.read_text().count('"sample"') == samples_paused  # nothing analysed while paused
        out, err = quit_from_the_menu(env, icon, proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "no tray icon" not in err
    assert "Session summary" in out
    # The camera was opened once and released on pause, before the quit.
    opens = json.loads(report.read_text())["opens"]
    assert len(opens) == 1 and opens[0][1] is not None and opens[0][1] < paused_at
    # The session is closed in the history, with an end.
    from posture.storage.db import connect, db_path
    from posture.storage.queries import Selection, find_sessions

    conn = connect(db_path(data), create=False)
    [session] = find_sessions(conn, Selection())
    conn.close()
    assert session.end is not None and session.end > session.start


def test_without_a_tray_it_says_so_in_one_line_and_carries_on(display: str, tmp_path: Path) -> None:
    clip = str(ROOT / "tests" / "data" / "clips" / "phone_front_low.mp4")
    env = {**cli_env(), "DISPLAY": display}  # an X server without a tray
    problem = qt_works(env)
    if problem:
        pytest.skip(problem)
    r = run_cli("--tray", "--no-window", "--source", clip, "--fps", "1", "--no-history", env=env)
    assert r.returncode == 0, r.stderr
    said = [line for line in r.stderr.splitlines() if "tray" in line]
    assert said == ["no tray icon: the desktop has no system tray; carrying on in the terminal"]
    assert "Session summary" in r.stdout
    # And where there is no display at all.
    r = run_cli("--tray", "--no-window", "--source", clip, "--fps", "1", "--no-history")
    assert r.returncode == 0, r.stderr
    assert [line for line in r.stderr.splitlines() if "tray" in line] == [
        "no tray icon: no display; carrying on in the terminal"]


@pytest.mark.slow
def test_tray_menu_opens_todays_report_and_the_settings_file_and_starts_at_login(tray: str, tmp_path: Path) -> None:
    # What the desktop would open the files with: a stand-in xdg-open that notes what it was given.
    bin_dir, opened = tmp_path / "bin", tmp_path / "opened.txt"
    bin_dir.mkdir()
    (bin_dir / "xdg-open").write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    (bin_dir / "xdg-open").chmod(0o755)
    config, settings_file = tmp_path / "config", tmp_path / "settings.toml"
    env = {**cli_env(), "DISPLAY": tray, "PATH": f"{bin_dir}:{cli_env()['PATH']}", "XDG_CONFIG_HOME": str(config),
           "POSTURE_CONFIG": str(settings_file)}
    data, log = tmp_path / "data", tmp_path / "tray.jsonl"
    proc = start_tray_session(env, tmp_path / "camera.json", log, data, "--person", "anna")
    try:
        icon = wait_until(lambda: _xdotool(env, "search", "--class", "^posture-tray$"), timeout_s=90)[0]
        wait_until(lambda: log.exists() and log.read_text().count('"sample"') >= 10, timeout_s=90)
        time.sleep(2.5)  # the history has written what it has seen so far (it commits every second)
        # Down 6 times from the top: today's report, written into the data folder and opened.
        open_menu_and_press(env, icon, *["Down"] * 6, "Return")
        report = data / "reports" / "posture-today-anna.html"
        wait_until(lambda: opened.exists() and report.name in opened.read_text(), timeout_s=60)
        assert "Posture report: anna" in report.read_text(encoding="utf-8")
        assert oct(report.stat().st_mode & 0o777) == "0o600"  # health data: the user's alone
        # Down 7: the settings file, written with every setting commented out, and opened.
        open_menu_and_press(env, icon, *["Down"] * 7, "Return")
        wait_until(lambda: settings_file.name in opened.read_text(), timeout_s=20)
        text = settings_file.read_text(encoding="utf-8")
        assert "# alert_after_s = 60.0" in text and "# [alerts]" in text
        import tomllib

        assert tomllib.loads(text) == {}  # all of it commented out: valid and changes nothing
        # Down 8: start at login, the same entry as `posture-monitor autostart on`, with the person.
        open_menu_and_press(env, icon, *["Down"] * 8, "Return")
        entry = config / "autostart" / "posture-monitor.desktop"
        wait_until(entry.exists, timeout_s=20)
        assert "--background --person anna" in entry.read_text(encoding="utf-8")
        quit_from_the_menu(env, icon, proc)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow
def test_exercise_now_from_the_tray_guides_a_set_in_the_window(tray: str, tmp_path: Path) -> None:
    # The tray's "Exercise now" (Down 4 from the top) opens the live window with a set of the exercise
    # against the problem that deviated most; the same item again stops it: the set is logged and kept.
    env = {**cli_env(), "DISPLAY": tray}
    data, log = tmp_path / "data", tmp_path / "tray.jsonl"
    proc = start_tray_session(env, tmp_path / "camera.json", log, data, "--person", "anna")
    try:
        icon = wait_until(lambda: _xdotool(env, "search", "--class", "^posture-tray$"), timeout_s=90)[0]
        wait_until(lambda: log.exists() and log.read_text().count('"sample"') >= 10, timeout_s=90)
        assert not _xdotool(env, "search", "--onlyvisible", "--name", "^posture$")  # no window in the background
        open_menu_and_press(env, icon, *["Down"] * 4, "Return")
        wait_until(lambda: _xdotool(env, "search", "--onlyvisible", "--name", "^posture$"), timeout_s=30)
        # The coach records the start position (3 s), then says what to do: in the window and the log.
        wait_until(lambda: "chin tuck: Sit upright and look ahead" in log.read_text(), timeout_s=60)
        open_menu_and_press(env, icon, *["Down"] * 4, "Return")  # stop it
        wait_until(lambda: '"type": "set"' in log.read_text(), timeout_s=30)
        quit_from_the_menu(env, icon, proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    [done] = [json.loads(line) for line in log.read_text().splitlines() if '"type": "set"' in line]
    # The phone clip has the head forward, so the chin tuck; watched from the front; nothing counted.
    assert (done["exercise"], done["view"], done["reps_counted"]) == ("chin_tuck", "front", 0)
    from posture.storage.db import connect, db_path

    conn = connect(db_path(data), create=False)
    rows = conn.execute("SELECT exercise, view FROM exercise_sets").fetchall()
    conn.close()
    assert rows == [("chin_tuck", "front")]
