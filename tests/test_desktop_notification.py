"""A real desktop notification: the desktop-notifier library over a real D-Bus session bus to a real
notification server (dunst on a virtual X display). Skipped where those programs are missing
(.ci/run installs them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from posture.config import desktop_session_available
from posture.types import Event
from posture.sinks.alerts import AlertSink, DesktopChannel
from tests.helpers import wait_until

pytestmark = pytest.mark.skipif(
    any(shutil.which(p) is None for p in ("Xvfb", "dbus-daemon", "dunst", "dunstctl")),
    reason="needs Xvfb, dbus-daemon and dunst")


@pytest.fixture
def desktop(display: str, tmp_path: Path) -> Iterator[dict[str, str]]:  # noqa: F811
    """A session bus and a notification server on the virtual display; yields their environment."""
    bus = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
                         capture_output=True, text=True, check=True).stdout.split()
    address, pid = bus[0], int(bus[1])
    env = {**os.environ, "DISPLAY": display, "DBUS_SESSION_BUS_ADDRESS": address, "HOME": str(tmp_path)}
    server = subprocess.Popen(["dunst"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def answers() -> bool:
            return subprocess.run(["dunstctl", "is-paused"], env=env, capture_output=True).returncode == 0

        assert wait_until(lambda: answers() or server.poll() is not None, timeout_s=20) and server.poll() is None, \
            "dunst did not start"
        yield env
    finally:
        server.terminate()
        server.wait(10)
        os.kill(pid, 15)


def test_an_alert_reaches_the_desktop(desktop: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        monkeypatch.setenv(key, desktop[key])
    assert desktop_session_available()
    channel = DesktopChannel(desktop_session_available())
    AlertSink([channel]).send(Event("alert", "phone_posture", 60.0, 0.0, 38.0, "neck_flexion_deg"))
    assert channel.session  # the library found the server
    subprocess.run(["dunstctl", "close-all"], env=desktop, check=True)  # shown, then into the history

    def shown() -> list[dict]:
        return json.loads(subprocess.run(["dunstctl", "history"], env=desktop, capture_output=True,
                                         text=True).stdout)["data"][0]

    history = wait_until(shown, timeout_s=10, poll_s=0.2)
    assert [n["summary"]["data"] for n in history] == ["Posture"]
    assert history[0]["body"]["data"] == ("Head bent down for 1 min: raise the phone to eye height instead of "
                                          "bending your neck (worst neck flexion 38 deg)")
