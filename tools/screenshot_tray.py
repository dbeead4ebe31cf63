"""Screenshot of the tray icon with its menu open, for the README:
python tools/screenshot_tray.py [--out docs/tray.png] [--lang nl]

Starts a virtual X display (Xvfb) with a real tray (trayer), runs the monitor with its tray on a
stand-in webcam that plays the bundled phone clip (tests/tray_session.py; this machine has no
webcam), waits until the icon shows a judged state, opens the menu with a right click (xdotool),
grabs the top right of the screen and quits from the menu. Needs Xvfb, trayer and xdotool.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import ImageGrab

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.tray_session import TRAY_HOST  # noqa: E402
from tools.screenshot_window import start_xvfb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "tray.png")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--display", type=int, default=96)
    args = ap.parse_args()
    for tool in ("Xvfb", "trayer", "xdotool"):
        if shutil.which(tool) is None:
            sys.exit(f"error: {tool} is not installed (Debian: apt-get install xvfb trayer xdotool)")
    xvfb = start_xvfb(args.display, "1280x800")
    env = {**os.environ, "DISPLAY": f":{args.display}", "LANG": "C.UTF-8"}
    tray = subprocess.Popen(TRAY_HOST, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "log.jsonl"
            proc = subprocess.Popen([sys.executable, "-m", "tests.tray_session", str(Path(tmp) / "camera.json"), "--",
                                     "--background", "--fps", "5", "--skip-calibration", "--lang", args.lang,
                                     "--log", str(log), "--data-dir", str(Path(tmp) / "data")],
                                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + 120
                while not (log.exists() and log.read_text().count('"sample"') >= 10):
                    if time.monotonic() > deadline or proc.poll() is not None:
                        sys.exit("error: the monitor did not start analysing")
                    time.sleep(0.5)
                icon = subprocess.run(["xdotool", "search", "--class", "^posture-tray$"], capture_output=True,
                                      text=True, env=env).stdout.split()[0]
                subprocess.run(["xdotool", "mousemove", "--window", icon, "11", "29", "click", "3"], env=env,
                               check=True)
                time.sleep(1.0)
                shot = ImageGrab.grab(xdisplay=f":{args.display}")
                args.out.parent.mkdir(parents=True, exist_ok=True)
                shot.crop((shot.width - 360, 0, shot.width, 260)).save(args.out)
                print(f"wrote {args.out}")
                subprocess.run(["xdotool", "key", "Up", "Return"], env=env, check=True)  # Quit
                proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
    finally:
        tray.terminate()
        xvfb.terminate()


if __name__ == "__main__":
    main()
