"""What the tests share: paths to the footage, landmarks made to order, and the stand-ins for what
a test machine lacks or a test must control (a webcam, the pose model, the clock) and for a user at
the command line.

- ``FakeCamera``: a webcam behind the ``Capture`` protocol, for the real ``CameraSource``.
- ``FakePose``: the pose model, answering from a script instead of the picture.
- ``FakeClock``: a monotonic clock and a sleep that moves it, for ``CameraSource``, ``App`` and
  ``RealtimeSource`` (their ``clock=`` and ``sleep=``).
- ``run_cli`` / ``start_cli``: ``run_monitor.py`` in a subprocess, in the environment ``cli_env``.
- ``RecordingSink``: a sink that keeps what the app gives it, and can stop the app.
- ``wait_until``: the one real wait, for another program or thread to get somewhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, TypeVar

import cv2
import numpy as np

from posture.sinks import BaseSink
from posture.types import N_LANDMARKS, Event, Landmarks, Observation

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
DEMO_CLIP = ROOT / "posture" / "data" / "demo_desk_side.mp4"

T = TypeVar("T")


def make_landmarks(points: Mapping[int, tuple[float, float]], *, depth: Mapping[int, float] | None = None,
                   visibility: Mapping[int, float] | None = None,
                   world: Mapping[int, tuple[float, float, float]] | None = None,
                   size: tuple[int, int] = (640, 480)) -> Landmarks:
    """Landmarks with the given pixel positions; unspecified ones sit at the image centre.

    Args:
        points: landmark index -> (x, y) in pixels.
        depth: landmark index -> MediaPipe relative depth (smaller = nearer the camera).
        visibility: landmark index -> visibility (default 1 for every landmark).
        world: landmark index -> (x, y, z) metres; None gives no world landmarks.
    """
    px = np.tile(np.array([size[0] / 2, size[1] / 2], dtype=float), (N_LANDMARKS, 1))
    for i, p in points.items():
        px[i] = p
    d = np.zeros(N_LANDMARKS)
    for i, v in (depth or {}).items():
        d[i] = v
    vis = np.ones(N_LANDMARKS)
    for i, v in (visibility or {}).items():
        vis[i] = v
    w = None
    if world is not None:
        w = np.zeros((N_LANDMARKS, 3))
        for i, p in world.items():
            w[i] = p
    return Landmarks(px=px, depth=d, visibility=vis, presence=np.ones(N_LANDMARKS), world=w, image_size=size)


# -- time ------------------------------------------------------------------------------------------

class FakeClock:
    """A made-up monotonic clock: time moves only when something sleeps on it or the test advances it.

    Pass ``clock=clock, sleep=clock.sleep``. Safe to share between threads (the camera source's
    reader thread reads it too); ``sleeps`` keeps every sleep asked of it.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._t = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        with self._lock:
            return self._t

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._t += max(seconds, 0.0)

    def advance(self, seconds: float) -> None:
        """Time passes without anyone having slept (a cable pulled for a while, say)."""
        with self._lock:
            self._t += seconds


def wait_until(condition: Callable[[], T], timeout_s: float, poll_s: float = 0.1) -> T:
    """Really wait, polling, until ``condition()`` is true or ``timeout_s`` has passed; returns its
    last value. Only for what a made-up clock cannot move: another program (the monitor in a
    subprocess, Xvfb, dunst) or a real thread (the camera reader) getting somewhere."""
    deadline = time.monotonic() + timeout_s
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(poll_s)
    return result


# -- camera ----------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def video_frames(path: Path, count: int) -> tuple[np.ndarray, ...]:
    """The first ``count`` frames of a video (read once per test session)."""
    cap = cv2.VideoCapture(str(path))
    frames = []
    for _ in range(count):
        ok, image = cap.read()
        assert ok, f"{path} has fewer than {count} frames"
        frames.append(image)
    cap.release()
    return tuple(frames)


class FakeCamera:
    """A webcam (none exists here), opened the way ``cv2.VideoCapture(device)`` opens a real one:
    pass ``camera.open`` as the ``CameraSource``'s opener. Each open gives a new capture with the
    ``Capture`` protocol's calls (posture/sources/camera.py).

    Args:
        frames: what it films, in order: images (``video_frames`` of a clip), or a function of the
            frame's number (1, 2, ... counted over every open of the camera).
        fps: frames a second it delivers. Each grab really waits 1/fps: the camera source's reader
            thread is a real thread, and a camera that answered at once would make it spin.
        loop: start the images again after the last; else it stops delivering there (a stalled camera).
        silent: it opens, but never delivers a frame (busy, or not a camera).

    Attributes:
        plugged: set while the cable is in (``unplug()``, ``plug()``): unplugged it neither opens
            nor delivers.
        opened, released: every capture handed out and every release, in order.
        grabbed: frames delivered so far, over every open.
    """

    def __init__(self, frames: Sequence[np.ndarray] | Callable[[int], np.ndarray], *, fps: float = 200.0,
                 loop: bool = True, silent: bool = False) -> None:
        self.frames = frames
        self.period = 1.0 / fps
        self.loop = loop
        self.silent = silent
        self.plugged = threading.Event()
        self.plugged.set()
        self.opened: list[FakeCamera.Capture] = []
        self.released: list[FakeCamera.Capture] = []
        self.grabbed = 0

    def open(self, device: int | str = 0) -> FakeCamera.Capture:
        capture = FakeCamera.Capture(self)
        self.opened.append(capture)
        return capture

    def unplug(self) -> None:
        self.plugged.clear()

    def plug(self) -> None:
        self.plugged.set()

    def image(self, number: int) -> np.ndarray:
        if callable(self.frames):
            return self.frames(number)
        return self.frames[(number - 1) % len(self.frames)].copy()  # a fresh buffer, as OpenCV gives

    def _deliver(self, capture: FakeCamera.Capture) -> int | None:
        """The number of the frame this grab delivers, or None."""
        time.sleep(self.period)  # a real camera's frame interval (see the class's note on fps)
        if not capture.is_open or self.silent or not self.plugged.is_set():
            return None
        if not self.loop and not callable(self.frames) and self.grabbed >= len(self.frames):
            return None
        self.grabbed += 1
        return self.grabbed

    class Capture:
        """One open of the camera: ``isOpened``, ``grab``, ``retrieve``, ``release``."""

        def __init__(self, camera: FakeCamera) -> None:
            self.camera = camera
            self.is_open = camera.silent or camera.plugged.is_set()
            self.number: int | None = None

        def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
            return self.is_open

        def grab(self) -> bool:
            number = self.camera._deliver(self)
            if number is None:
                return False
            self.number = number
            return True

        def retrieve(self) -> tuple[bool, np.ndarray | None]:
            if self.number is None:
                return False, None
            return True, self.camera.image(self.number)

        def release(self) -> None:
            self.is_open = False
            self.camera.released.append(self)


# -- pose model ------------------------------------------------------------------------------------

_ERROR = object()


class FakePose:
    """The pose model (anything with ``estimate_all(image, t)``), finding people by the frame's time
    instead of in its picture.

    Args:
        found: who is found at time t: a function of t, a mapping from t (matched to the millisecond:
            recorded output of the real model), or one answer for every frame. An answer is a list of
            Landmarks, one Landmarks, or None for nobody.
        otherwise: the answer for a time the mapping lacks; without it such a time is an error.
    """

    def __init__(self, found: Callable[[float], Any] | Mapping[float, Any] | Sequence[Landmarks] | Landmarks | None,
                 *, otherwise: Any = _ERROR) -> None:
        self.found = found
        self.by_ms = {round(t, 3): v for t, v in found.items()} if isinstance(found, Mapping) else None
        self.otherwise = otherwise

    def estimate_all(self, image: np.ndarray, t: float) -> list[Landmarks]:
        if self.by_ms is not None:
            key = round(t, 3)
            if key not in self.by_ms and self.otherwise is not _ERROR:
                people = self.otherwise
            else:
                people = self.by_ms[key]
        elif callable(self.found):
            people = self.found(t)
        else:
            people = self.found
        if people is None:
            return []
        return [people] if isinstance(people, Landmarks) else list(people)


# -- sinks -----------------------------------------------------------------------------------------

class RecordingSink(BaseSink):
    """Keeps what the app gives it: observations, status messages, the final events at the close.

    ``stop_when(observation)`` true stops the app (``app`` set once it is made)."""

    def __init__(self, stop_when: Callable[[Observation], bool] | None = None) -> None:
        self.observations: list[Observation] = []
        self.messages: list[str] = []
        self.closed_with: Sequence[Event] | None = None
        self.stop_when = stop_when
        self.app: Any = None

    def handle(self, obs: Observation) -> None:
        self.observations.append(obs)
        if self.stop_when is not None and self.stop_when(obs):
            self.app.request_stop()

    def status(self, message: str) -> None:
        self.messages.append(message)

    def close(self, final_events: Sequence[Event] = ()) -> None:
        self.closed_with = final_events


# -- command line ----------------------------------------------------------------------------------

RUN_MONITOR = [sys.executable, str(ROOT / "run_monitor.py")]
# Not passed on: a display or desktop session (no window, no notification), the machine's language.
_NOT_PASSED = {"DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}


def cli_env(**extra: str) -> dict[str, str]:
    """The environment the program runs in under test: the tests' own (``POSTURE_DATA_DIR`` a
    temporary folder, see conftest.py) without a display or desktop session, in English; then ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_PASSED}
    return {**env, "LANG": "C.UTF-8", **extra}


def run_cli(*args: str, timeout: float = 300, env: Mapping[str, str] | None = None,
            **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``python run_monitor.py ARGS`` as a user runs it, to the end: exit code, stdout and stderr.

    ``env``: the whole environment (default ``cli_env()``); ``kwargs`` go to ``subprocess.run``."""
    return subprocess.run([*RUN_MONITOR, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=dict(cli_env() if env is None else env), **kwargs)


def start_cli(*args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """As ``run_cli``, but returns at once: the running program, its stdout and stderr piped."""
    return subprocess.Popen([*RUN_MONITOR, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=dict(cli_env() if env is None else env))


def run_phone_clip(tmp_path: Path, *extra: str) -> tuple[int, Path]:
    """The monitor, in this process, over the rendered phone clip (96 s, 5 analyses a second) with its
    history in ``tmp_path/data`` for person pat-01; returns the exit code and the JSON Lines log."""
    from posture.cli.main import main

    log = tmp_path / "run.jsonl"
    code = main(["--source", str(DATA / "clips" / "phone_front_low.mp4"), "--no-window", "--profile", "phone",
                 "--fps", "5", "--alert-after", "30", "--data-dir", str(tmp_path / "data"), "--person", "pat-01",
                 "--log", str(log), *extra])
    return code, log
