"""The live window: the frame with the overlay, and the keys that control the app.

Drawing and key handling do not depend on a display: a :class:`Display` shows the picture and
reports keys. :class:`OpenCVDisplay` is the real one (an OpenCV window); tests use a stand-in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Callable, Protocol, Sequence

import cv2
import numpy as np

from ..i18n import _
from ..types import Event, Observation
from . import BaseSink
from .overlay import OverlayInfo, draw_overlay

WINDOW_TITLE = "posture"
FALLBACK_WIDTH = 960  # the OpenCV window's width: it cannot ask how large the screen is
SNAPSHOT_MESSAGE_S = 4.0  # how long the window says where a snapshot went (then it fades)


def display_available() -> bool:
    """Whether a window can be shown (on Linux: an X11 or Wayland display is set)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class Display(Protocol):
    """Shows pictures and reports the keys pressed."""

    def show(self, image: np.ndarray) -> None:
        """Show a BGR picture."""
        ...

    def poll_key(self) -> str | None:
        """The key pressed since the last call ("q", " ", "c", ...; "close" when the window was closed)."""
        ...

    def close(self) -> None:
        """Take the window away."""
        ...

    @property
    def showing(self) -> bool:
        """Whether the window is on the screen now (a tray's window may be hidden: nothing is drawn)."""
        ...


class OpenCVDisplay:
    """An OpenCV window without its developer toolbar, larger than a webcam's frame, keeping the
    picture's aspect when resized (the fallback where Qt cannot be used; posture/desktop has the
    Qt window)."""

    def __init__(self, title: str = WINDOW_TITLE) -> None:
        self.title = title
        self._opened = False

    def show(self, image: np.ndarray) -> None:
        if not self._opened:
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
            h, w = image.shape[:2]
            scale = max(1.0, FALLBACK_WIDTH / max(w, 1))
            cv2.resizeWindow(self.title, int(w * scale), int(h * scale))
            self._opened = True
        cv2.imshow(self.title, image)

    def poll_key(self) -> str | None:
        if not self._opened:
            return None
        code = cv2.waitKey(1)
        if self._opened and cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            return "close"
        if code < 0:
            return None
        code &= 0xFF
        return "esc" if code == 27 else chr(code)

    def close(self) -> None:
        if self._opened:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
            self._opened = False

    @property
    def showing(self) -> bool:
        return True


class WindowControls(Protocol):
    """What the window needs of the app: the view's extras, and somewhere to send keys."""

    def overlay_info(self, obs: Observation | None) -> OverlayInfo:
        """The live view's extras (status, banner, ghost lines...) for this observation."""
        ...

    def handle_key(self, key: str) -> None:
        """A key the window does not handle itself."""
        ...

    def status(self, message: str, fade_s: float = 0.0) -> None:
        """Tell the user something (shown on the terminal, and in the window for ``fade_s`` if given)."""
        ...


class WindowSink(BaseSink):
    """Shows every observation with the overlay; ``s`` saves what it shows, other keys go to the app.

    Args:
        controls: the session's controls (overlay extras, key handling; live/controls.py).
        display: where the picture goes (an OpenCV window by default).
        snapshot_dir: where ``s`` saves snapshots (the only way a frame reaches the disk).
        clock: wall clock for snapshot file names.
    """

    def __init__(self, controls: WindowControls, display: Display | None = None, *, snapshot_dir: Path,
                 clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.controls = controls
        self.display = display or OpenCVDisplay()
        self.snapshot_dir = snapshot_dir
        self.clock = clock
        self.last_frame: np.ndarray | None = None
        self.last_obs: Observation | None = None
        self.snapshots: list[Path] = []

    def handle(self, obs: Observation) -> None:
        self.last_obs = obs
        self._draw()

    def _draw(self) -> None:
        if self.last_obs is None:
            return
        if not self.display.showing:  # a hidden window costs no drawing
            self.last_frame = None
            self.poll()
            return
        self.last_frame = draw_overlay(self.last_obs.frame.image, self.last_obs,
                                       self.controls.overlay_info(self.last_obs))
        self.display.show(self.last_frame)
        self.poll()

    def poll(self) -> None:
        """Handle the keys pressed since the last frame."""
        key = self.display.poll_key()
        if key is None:
            return
        if key == "s":
            self.snapshot()
        else:
            self.controls.handle_key(key)

    def snapshot(self) -> Path | None:
        """Save what the window shows now as a PNG file, without the keys' help box; returns its path."""
        if self.last_obs is None:
            return None
        info = dataclasses.replace(self.controls.overlay_info(self.last_obs), show_help=False)
        picture = draw_overlay(self.last_obs.frame.image, self.last_obs, info)
        name = f"posture-{self.clock().strftime('%Y%m%d-%H%M%S')}.png"
        path = self.snapshot_dir / name
        try:
            self.snapshot_dir.mkdir(parents=True, exist_ok=True)
            ok = cv2.imwrite(str(path), picture)
        except (OSError, cv2.error):
            ok = False
        if not ok:
            self.controls.status(_("cannot save the snapshot in {folder}").format(folder=self.snapshot_dir))
            return None
        self.snapshots.append(path)
        self.controls.status(_("snapshot saved: {path}").format(path=path), fade_s=SNAPSHOT_MESSAGE_S)
        return path

    def status(self, message: str) -> None:
        """Redraw (with the app's new status) and keep reading keys, also while paused."""
        self.redraw()

    def redraw(self) -> None:
        """Draw the last observation again (the view changed: the keys shown or hidden)."""
        if self.last_obs is not None:
            self._draw()
        else:
            self.poll()

    def close(self, final_events: Sequence[Event] = ()) -> None:
        self.display.close()
