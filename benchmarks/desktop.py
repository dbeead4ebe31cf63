"""What the tray costs: start-up time, memory and install size of the desktop app (PySide6).

    python -m benchmarks desktop [--runs 5]

Starts a virtual X display with a real tray (Xvfb and trayer, as tests/test_tray.py does) and runs
the monitor in the background mode on the stand-in webcam (tests/tray_session.py) with and without
its tray icon. Prints, as medians over the runs: the time from the start of the process to the icon
docked in the tray and to the first analysed frame, and the process's memory (resident set) after 20
analysed frames; then the size of the installed PySide6 distributions.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _one(env: dict[str, str], tray: bool) -> tuple[float | None, float, float]:
    """(seconds to the icon docked or None, seconds to the first analysed frame, MB after 20 frames)."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.jsonl"
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "tests.tray_session", str(Path(tmp) / "cam.json"), "--",
                                 "--background", "--fps", "5", "--skip-calibration", "--tray" if tray else "--no-tray",
                                 "--log", str(log), "--data-dir", str(Path(tmp) / "data")],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        icon_s = first_s = None
        try:
            while time.monotonic() - start < 120:
                if tray and icon_s is None:
                    found = subprocess.run(["xdotool", "search", "--class", "^posture-tray$"], capture_output=True,
                                           text=True, env=env).stdout.split()
                    if found and "IsViewable" in subprocess.run(["xwininfo", "-id", found[0]], capture_output=True,
                                                                 text=True, env=env).stdout:
                        icon_s = time.monotonic() - start
                text = log.read_text() if log.exists() else ""
                if first_s is None and '"sample"' in text:
                    first_s = time.monotonic() - start
                if text.count('"sample"') >= 20 and (icon_s is not None or not tray):
                    rss = _rss_mb(proc.pid)
                    break
                time.sleep(0.02)
            else:
                raise SystemExit("error: the monitor did not get going within 120 s")
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    assert first_s is not None
    return icon_s, first_s, rss


def _installed_mb(name: str) -> float:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return 0.0
    total = 0
    for f in dist.files or []:
        path = Path(dist.locate_file(f))
        if path.is_file():
            total += path.stat().st_size
    return total / 1e6


def desktop(runs: int) -> None:
    import os
    import shutil

    from tests.tray_session import TRAY_HOST
    from tools.screenshot_window import start_xvfb

    for tool in ("Xvfb", "trayer", "xdotool", "xwininfo"):
        if shutil.which(tool) is None:
            raise SystemExit(f"error: {tool} is not installed (Debian: xvfb trayer xdotool x11-utils)")
    number = 93
    xvfb = start_xvfb(number, "1280x800")
    env = {**os.environ, "DISPLAY": f":{number}", "LANG": "C.UTF-8"}
    trayer = subprocess.Popen(TRAY_HOST, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        for tray in (True, False):
            results = [_one(env, tray) for _ in range(runs)]
            label = "with the tray icon" if tray else "without (--no-tray)"
            line = f"{label:<22} first analysed frame {statistics.median(r[1] for r in results):.2f} s"
            if tray:
                line += f", icon docked {statistics.median(r[0] for r in results if r[0] is not None):.2f} s"
            line += f", memory after 20 frames {statistics.median(r[2] for r in results):.0f} MB (median of {runs})"
            print(line)
    finally:
        trayer.terminate()
        xvfb.terminate()
    qt = _installed_mb("PySide6_Essentials") + _installed_mb("shiboken6")
    print(f"installed: PySide6-Essentials and shiboken6 {qt:.0f} MB")
