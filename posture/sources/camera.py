"""A live camera, read by a background thread that always holds the newest frame."""

from __future__ import annotations

import threading
import time
from typing import Callable, Protocol

import cv2
import numpy as np

from ..errors import CameraError
from ..i18n import _
from ..types import Frame, Gap


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` the camera source uses (so a stand-in can replace it in tests)."""

    def isOpened(self) -> bool: ...  # noqa: N802 (OpenCV's name)
    def grab(self) -> bool: ...
    def retrieve(self) -> tuple[bool, np.ndarray | None]: ...
    def release(self) -> None: ...


def open_cv_camera(device: int | str, width: int = 0, fps: float = 0.0) -> Capture:
    """Open a camera with OpenCV, asking for a small buffer so frames are fresh, and, when given, for
    frames ``width`` pixels wide (4:3) and ``fps`` a second (the camera picks the nearest it has)."""
    cap = cv2.VideoCapture(device)
    if cap.isOpened():
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        if width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, width * 3 // 4)
        if fps:
            cap.set(cv2.CAP_PROP_FPS, fps)
    return cap


class CameraSource:
    """A live camera read by a background thread that always holds the newest frame.

    The thread grabs every frame the camera delivers (cheap) and decodes one only when the app asks
    for it, so the app never works through a backlog of stale frames. When the camera fails
    (unplugged, taken by another program, a driver hiccup) the thread reopens it with exponential
    backoff; meanwhile :meth:`read` returns :class:`Gap` values.

    Args:
        device: camera index or device path.
        max_fps: analyse at most this many frames a second.
        opener: opens the device; ``open_cv_camera`` by default (a stand-in in tests).
        clock: monotonic clock in seconds; sleep: waits that many seconds (both stand-ins in tests).
        first_frame_timeout_s: how long the first frame may take before the camera counts as busy.
        stall_timeout_s: no frame for this long means the camera is lost.
        backoff_s: first and longest wait between reopen attempts.
    """

    live = True
    total: int | None = None

    def __init__(self, device: int | str, *, max_fps: float | None = None,
                 opener: Callable[[int | str], Capture] = open_cv_camera,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 first_frame_timeout_s: float = 5.0,
                 stall_timeout_s: float = 2.0, backoff_s: tuple[float, float] = (0.5, 10.0)) -> None:
        self.device = device
        self.description = _("camera {device}").format(device=device)
        self._opener = opener
        self._clock = clock
        self._sleep = sleep
        self._period = 1.0 / max_fps if max_fps else 0.0
        self._stall_timeout = stall_timeout_s
        self._backoff = backoff_s
        self._cond = threading.Condition()
        self._latest: tuple[np.ndarray, float] | None = None
        self._want = False
        self._seq = 0
        self._lost_since: float | None = None
        self._status = ""
        self._stop = False
        self._index = 0
        self._next_due = 0.0
        cap = opener(device)
        if not cap.isOpened():
            cap.release()
            raise CameraError(_("camera {device} not found or busy (is another program using it?)").format(
                device=device))
        self._cap: Capture | None = cap
        # The first frame proves the camera works before the app commits to it.
        deadline = clock() + first_frame_timeout_s
        while not cap.grab():
            if clock() > deadline:
                cap.release()
                raise CameraError(_("camera {device} opened but delivers no frames (busy or not a camera)").format(
                    device=device))
            self._sleep(0.05)
        self._thread = threading.Thread(target=self._run, name="camera-reader", daemon=True)
        self._thread.start()

    # -- reader thread -------------------------------------------------------------------------
    def _run(self) -> None:
        delay = self._backoff[0]
        last_ok = self._clock()
        while not self._stop:
            cap = self._cap
            if cap is None:
                with self._cond:
                    self._status = _("camera {device} lost; reopening (next try in {delay:.0f} s)").format(
                        device=self.device, delay=delay)
                    self._cond.notify_all()
                    self._cond.wait(timeout=delay)
                if self._stop:
                    break
                new = self._opener(self.device)
                if new.isOpened() and new.grab():
                    self._cap = new
                    last_ok = self._clock()
                    delay = self._backoff[0]
                    with self._cond:
                        self._lost_since = None
                        self._status = ""
                else:
                    new.release()
                    delay = min(delay * 2, self._backoff[1])
                continue
            if cap.grab():
                last_ok = self._clock()
                if self._want:
                    ok, image = cap.retrieve()
                    if ok and image is not None:
                        with self._cond:
                            self._latest = (image, self._clock())
                            self._seq += 1
                            self._want = False
                            self._cond.notify_all()
                continue
            if self._clock() - last_ok > self._stall_timeout:
                cap.release()
                self._cap = None
                with self._cond:
                    self._lost_since = self._clock()
                    self._cond.notify_all()
            else:
                self._sleep(0.01)
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    # -- consumer ------------------------------------------------------------------------------
    def read(self, timeout_s: float = 1.0) -> Frame | Gap | None:
        """The newest frame, taken after this call (paced to ``max_fps``), or a Gap while lost."""
        if self._stop:
            return None
        wait = self._next_due - self._clock()
        if wait > 0:
            self._sleep(wait)
        with self._cond:
            seen = self._seq
            self._want = True
            self._cond.wait_for(lambda: self._seq != seen or self._stop, timeout=timeout_s)
            if self._stop:
                return None
            if self._seq == seen:
                self._want = False
                message = self._status or _("camera {device} is not delivering frames").format(device=self.device)
                return Gap(t=self._clock(), message=message)
            image, t = self._latest  # type: ignore[misc]
        self._next_due = t + self._period
        frame = Frame(image=image, t=t, index=self._index)
        self._index += 1
        return frame

    @property
    def status(self) -> str:
        """What the reader is doing now ('' when all is well)."""
        return self._status

    def set_max_fps(self, fps: float | None) -> None:
        self._period = 1.0 / fps if fps else 0.0

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=5.0)
