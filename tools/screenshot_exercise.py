"""Screenshot of the exercise coach in the live window, for the README:
python tools/screenshot_exercise.py [--out docs/exercise.png] [--lang nl]

Starts a virtual X display (Xvfb), plays the side exercise clip of tests/data at its real speed with
`posture-monitor exercise shoulder_squeeze` in the Qt window (a temporary data folder), grabs the
screen while the first squeeze is held (its countdown up), and quits with the window's q key.
Needs Xvfb and xdotool.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.screenshot_window import save_window_and_quit, start_xvfb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CUT = ROOT / "tests" / "data" / "clips" / "exercise_side_cut.mp4"
HOLDING_AT_S = 9.5  # into the clip: the first squeeze is held from about 7 s to 10 s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "exercise.png")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--display", type=int, default=95)
    args = ap.parse_args()
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            sys.exit(f"error: {tool} is not installed (Debian: apt-get install xvfb xdotool)")
    xvfb = start_xvfb(args.display, "1280x800")
    env = {**os.environ, "DISPLAY": f":{args.display}"}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.Popen([sys.executable, str(ROOT / "run_monitor.py"), "exercise", "shoulder_squeeze",
                                     "--source", str(CUT), "--realtime", "--reps", "5", "--lang", args.lang,
                                     "--data-dir", tmp], env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + 60
                window: list[str] = []
                while not window:  # the window is up when the clip starts playing
                    if time.monotonic() > deadline or proc.poll() is not None:
                        sys.exit("error: the exercise window did not open")
                    time.sleep(0.1)
                    window = subprocess.run(["xdotool", "search", "--name", "^posture$"], capture_output=True,
                                            text=True, env=env).stdout.split()
                time.sleep(HOLDING_AT_S)
                save_window_and_quit(args.display, args.out, env, proc)
            finally:
                if proc.poll() is None:
                    proc.kill()
    finally:
        xvfb.terminate()


if __name__ == "__main__":
    main()
