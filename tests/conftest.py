"""Fixtures shared by the test files (the helpers themselves are in tests/helpers.py)."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from tests.helpers import DATA, run_phone_clip, wait_until


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session", autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Calibrations made or read by the tests stay in a temporary folder, not the user's own."""
    path = tmp_path_factory.mktemp("posture-data")
    os.environ["POSTURE_DATA_DIR"] = str(path)
    # Nor is the user's own settings file read (~/.config/posture/config.toml): one that does not exist.
    os.environ["POSTURE_CONFIG"] = str(path / "no-settings-file.toml")
    return path


@pytest.fixture(scope="session")
def recorded_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One monitoring run over the phone clip kept in a history: (data folder, log)."""
    tmp = tmp_path_factory.mktemp("history")
    code, log = run_phone_clip(tmp)
    assert code == 0
    return tmp / "data", log


@pytest.fixture
def display() -> Iterator[str]:
    """A fresh virtual display (Xvfb) on an unused number; yields its DISPLAY value. Skips the test
    where Xvfb is not installed."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    number = next(n for n in range(random.randint(200, 800), 1000)
                  if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists())
    proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def accepts() -> bool:
        with socket.socket(socket.AF_UNIX) as s:
            try:
                s.connect(f"/tmp/.X11-unix/X{number}")
                return True
            except OSError:
                return False

    # Wait until the server accepts connections (or has died).
    if not wait_until(lambda: accepts() or proc.poll() is not None, timeout_s=20) or proc.poll() is not None:
        proc.kill()
        raise RuntimeError(f"Xvfb :{number} did not start")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
