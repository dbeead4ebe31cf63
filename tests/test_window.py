"""The real live window on a virtual X display (Xvfb); skipped where Xvfb is not installed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import cli_env, start_cli, wait_until

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")


def test_live_window_shows_and_quits_on_q(display: str, tmp_path: Path) -> None:
    log = tmp_path / "win.jsonl"
    env = cli_env(DISPLAY=display)
    data = tmp_path / "data"
    proc = start_cli("--source", "demo", "--log", str(log), "--data-dir", str(data), "--person", "pat 07", env=env)
    try:
        wait_until(lambda: log.exists() and log.read_text().count("\n") >= 30, timeout_s=60, poll_s=0.2)
        if shutil.which("xwininfo"):
            tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True, env=env).stdout
            assert "\"posture\"" in tree  # the window is on the screen
        if shutil.which("xdotool"):
            win = subprocess.run(["xdotool", "search", "--name", "^posture$"], capture_output=True, text=True,
                                 env=env).stdout.split()
            assert win
            subprocess.run(["xdotool", "windowactivate", "--sync", win[0]], env=env, capture_output=True)
            subprocess.run(["xdotool", "key", "--window", win[0], "s"], env=env, check=True)
            wait_until(lambda: list(data.glob("snapshots/*/*.png")), timeout_s=20, poll_s=0.2)
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
