"""Screenshot of the real live window for the README: python tools/screenshot_window.py [--out docs/window.png]

Starts a virtual X display (Xvfb), calibrates the side profile on the demo's first upright seconds
(in a temporary data folder), plays the demo in the live window with a short alert delay so that the
banner shows, grabs the screen once the alert is up, and quits the app with its `q` key.
Needs Xvfb (Debian: xvfb) and, for the key, xdotool; nothing is written but the PNG.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import ImageGrab

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from posture.sources import DEMO_CLIP  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def start_xvfb(number: int, size: str) -> subprocess.Popen[bytes]:
    """An X server on :number; returns once it accepts connections."""
    proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        with socket.socket(socket.AF_UNIX) as s:
            try:
                s.connect(f"/tmp/.X11-unix/X{number}")
                return proc
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    proc.kill()
                    sys.exit(f"error: Xvfb :{number} did not start")
                time.sleep(0.1)


def save_window_and_quit(display: int, out: Path, env: dict[str, str], app: subprocess.Popen[bytes]) -> None:
    """Save the live window (the only thing on an otherwise black screen) as a PNG, then press its q key
    and wait for the app to end."""
    shot = ImageGrab.grab(xdisplay=f":{display}")
    box = shot.getbbox()
    out.parent.mkdir(parents=True, exist_ok=True)
    (shot.crop(box) if box else shot).save(out)
    print(f"wrote {out} ({shot.width}x{shot.height} screen)")
    if shutil.which("xdotool"):
        subprocess.run(["xdotool", "search", "--name", "^posture$", "key", "q"], env=env, capture_output=True)
    app.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "window.png")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--display", type=int, default=97)
    args = ap.parse_args()
    if shutil.which("Xvfb") is None:
        sys.exit("error: Xvfb is not installed (Debian: apt-get install xvfb)")
    xvfb = start_xvfb(args.display, "1280x800")
    env = {**os.environ, "DISPLAY": f":{args.display}"}
    monitor = [sys.executable, str(ROOT / "run_monitor.py"), "--lang", args.lang, "--profile", "side"]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            clip = Path(tmp) / "upright.mp4"
            # The demo's first 8 s are upright: calibrate on them.
            import cv2

            cap = cv2.VideoCapture(str(DEMO_CLIP))
            fps = cap.get(cv2.CAP_PROP_FPS) or 10.0
            ok, img = cap.read()
            writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), fps, img.shape[1::-1])
            for _ in range(int(8 * fps)):
                writer.write(img)
                ok, img = cap.read()
            writer.release()
            cap.release()
            subprocess.run(monitor + ["--calibrate", "--source", str(clip), "--no-window", "--data-dir", str(data)],
                           check=True, env=env, capture_output=True)
            log = Path(tmp) / "log.jsonl"
            proc = subprocess.Popen(monitor + ["--source", "demo", "--alert-after", "8", "--data-dir", str(data),
                                               "--log", str(log)], env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + 120
                alert_t = None
                while time.monotonic() < deadline and proc.poll() is None:
                    time.sleep(0.5)
                    lines = log.read_text().splitlines() if log.exists() else []
                    recs = [json.loads(x) for x in lines if x]
                    alerts = [r for r in recs if r["type"] == "alert"]
                    if alerts and alert_t is None:
                        alert_t = time.monotonic()
                    if alert_t is not None and time.monotonic() - alert_t > 4:
                        break
                else:
                    sys.exit("error: the demo raised no alert in time")
                save_window_and_quit(args.display, args.out, env, proc)
            finally:
                if proc.poll() is None:
                    proc.kill()
    finally:
        xvfb.terminate()


if __name__ == "__main__":
    main()
