"""The live window: the frame with the overlay, and the keys to control the app."""

from __future__ import annotations

import os
import sys
from typing import Callable, Sequence

import cv2

from ..monitor import Event
from ..overlay import draw_overlay
from ..pipeline import Observation

WINDOW_TITLE = "posture"


def display_available() -> bool:
    """Whether a window can be shown (on Linux: an X11 or Wayland display is set)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class WindowSink:
    """Shows every observation in an OpenCV window. ``q`` or Esc (or closing the window) quits.

    Args:
        on_quit: called when the user asks to quit.
        on_calibrate: called on the ``c`` key.
        title: the window title.
    """

    def __init__(self, on_quit: Callable[[], None], on_calibrate: Callable[[], None] | None = None,
                 title: str = WINDOW_TITLE) -> None:
        self.on_quit = on_quit
        self.on_calibrate = on_calibrate
        self.title = title
        self._status = ""
        self._opened = False

    def handle(self, obs: Observation) -> None:
        image = draw_overlay(obs.frame.image, obs, status=self._status)
        if not self._opened:
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL)
            cv2.resizeWindow(self.title, image.shape[1], image.shape[0])
            self._opened = True
        cv2.imshow(self.title, image)
        self._poll()

    def _poll(self) -> None:
        key = cv2.waitKey(1) & 0xFF
        closed = self._opened and cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        if key in (ord("q"), 27) or closed:
            self.on_quit()
        elif key == ord("c") and self.on_calibrate is not None:
            self.on_calibrate()

    def status(self, message: str) -> None:
        self._status = message
        if self._opened:
            self._poll()

    def close(self, final_events: Sequence[Event] = ()) -> None:
        if self._opened:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
            self._opened = False
