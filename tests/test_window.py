"""The real live window on a virtual X display (Xvfb); skipped where Xvfb is not installed."""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")


@pytest.fixture
def display() -> Iterator[str]:
    """A fresh virtual display on an unused number; yields its DISPLAY value."""
    number = next(n for n in range(random.randint(200, 800), 1000)
                  if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists())
    proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20  # wait until the server accepts connections
    while True:
        with socket.socket(socket.AF_UNIX) as s:
            try:
                s.connect(f"/tmp/.X11-unix/X{number}")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_live_window_shows_and_quits_on_q(display: str, tmp_path: Path) -> None:
    log = tmp_path / "win.jsonl"
    env = {**os.environ, "DISPLAY": display}
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_monitor.py"), "--source", "demo", "--log", str(log),
                             "--data-dir", str(data), "--person", "pat 07"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not log.exists() or log.read_text().count("\n") < 30):
            time.sleep(0.2)
        if shutil.which("xwininfo"):
            tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True, env=env).stdout
            assert "\"posture\"" in tree  # the window is on the screen
        if shutil.which("xdotool"):
            win = subprocess.run(["xdotool", "search", "--name", "^posture$"], capture_output=True, text=True,
                                 env=env).stdout.split()
            assert win
            subprocess.run(["xdotool", "windowactivate", "--sync", win[0]], env=env, capture_output=True)
            subprocess.run(["xdotool", "key", "--window", win[0], "s"], env=env, check=True)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not list(data.glob("snapshots/*/*.png")):
                time.sleep(0.2)
            subprocess.run(["xdotool", "key", "--window", win[0], "q"], env=env, check=True)
        else:
            proc.send_signal(2)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode in (0, 130), err
    assert "no display" not in err
    samples = [json.loads(x) for x in log.read_text().splitlines() if '"sample"' in x]
    assert 30 <= len(samples) < 1380  # it stopped early, on the key
    assert "Session summary" in out
    # A frame reaches the disk only on s, and a named person's snapshot is kept with their other files.
    if shutil.which("xdotool"):
        from posture.storage.calibrations import person_folder

        assert [p.parent.name for p in data.rglob("*.png")] == [person_folder("pat 07")]
        assert (data / "snapshots" / person_folder("pat 07")).is_dir()
