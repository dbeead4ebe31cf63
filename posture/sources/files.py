"""Sources that play files: a video file, a folder or glob of images, either at their real speed."""

from __future__ import annotations

import glob as globlib
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import cv2
import numpy as np

from .._quiet import native_stderr_silenced
from ..errors import SourceError
from ..i18n import _
from ..paths import user_path
from ..types import Frame, Gap

if TYPE_CHECKING:
    from . import FrameSource

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


class _RateGate:
    """Lets a frame through only when ``1 / max_fps`` seconds have passed since the last one."""

    def __init__(self, max_fps: float | None) -> None:
        self.period = 0.0 if not max_fps else 1.0 / max_fps
        self.next_t: float | None = None
        self.last_t: float | None = None

    def wants(self, t: float) -> bool:
        """Whether a frame at ``t`` would be analysed (no side effect)."""
        return self.next_t is None or t >= self.next_t - 1e-6

    def take(self, t: float) -> None:
        """Record that the frame at ``t`` is analysed."""
        # Schedule on a fixed grid so that the rate does not drift below the cap.
        late = self.next_t is None or t - self.next_t > self.period
        self.next_t = (t if late else self.next_t) + self.period  # type: ignore[operator]
        self.last_t = t

    def set_max_fps(self, max_fps: float | None) -> None:
        """A new rate from the next frame on."""
        self.period = 0.0 if not max_fps else 1.0 / max_fps
        if self.last_t is not None:
            self.next_t = self.last_t + self.period

    def admit(self, t: float) -> bool:
        """``wants`` and ``take`` in one."""
        if not self.wants(t):
            return False
        self.take(t)
        return True


class VideoFileSource:
    """Frames of a video file, timestamped by their position in the video.

    Args:
        path: the video file.
        max_fps: analyse at most this many frames per second of video; skipped frames are only
            grabbed, never decoded into images.
    """

    live = False
    total: int | None

    def __init__(self, path: str | Path, max_fps: float | None = None) -> None:
        self.path = Path(path)
        self.description = _("video {name}").format(name=self.path.name)
        if not self.path.is_file():
            raise SourceError(_("video file not found: {path}").format(path=self.path))
        with native_stderr_silenced():  # FFmpeg prints its own complaints about a bad file
            self._cap = cv2.VideoCapture(str(self.path))
            opened = self._cap.isOpened()
            ok, image = self._cap.read() if opened else (False, None)
        if not opened:
            raise SourceError(_("cannot read video {path}: not a video file, or it is corrupt").format(path=self.path))
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and fps == fps and 0 < fps < 1000 else 30.0
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self._gate = _RateGate(max_fps)
        step = max(1.0, self.fps / max_fps) if max_fps else 1.0
        self.total = int(np.ceil(count / step)) if count > 0 else None
        self._index = -1
        if not ok or image is None or image.size == 0:
            self._cap.release()
            raise SourceError(_("cannot read video {path}: no frame could be decoded (corrupt or empty)").format(
                path=self.path))
        self._first: np.ndarray | None = image

    def read(self) -> Frame | None:
        while True:
            if self._first is not None:
                image, self._first = self._first, None
            else:
                if not self._gate.wants((self._index + 1) / self.fps):
                    if not self._cap.grab():
                        return None
                    self._index += 1
                    continue
                ok, image = self._cap.read()
                if not ok or image is None:
                    return None
            self._index += 1
            t = self._index / self.fps
            self._gate.take(t)
            return Frame(image=image, t=t, index=self._index)

    def set_max_fps(self, fps: float | None) -> None:
        self._gate.set_max_fps(fps)

    def close(self) -> None:
        self._cap.release()


class ImageSource:
    """Images from a folder or glob, in sorted order.

    As a sequence (the default) image ``i`` is at ``i / fps`` seconds. As stills each image is
    judged on its own; its timestamp is its number.

    Args:
        paths: the image files, in the order to analyse them.
        fps: frame rate of the sequence.
        max_fps: analyse at most this many images per second of the sequence (skipped ones are not read).
        stills: judge unrelated photos one by one.
    """

    live = False
    total: int | None

    def __init__(self, paths: Sequence[Path], *, fps: float = 10.0, max_fps: float | None = None,
                 stills: bool = False, description: str = "images") -> None:
        if not paths:
            raise SourceError(_("no images found in {where}").format(where=description))
        self.fps = fps
        self.stills = stills
        self.description = description
        self._gate = _RateGate(None if stills else max_fps)
        probe = _RateGate(None if stills else max_fps)
        self.total = sum(1 for i in range(len(paths)) if probe.admit(i / fps))
        self._items = list(enumerate(paths))
        self._pos = 0
        self.unreadable: list[str] = []

    def read(self) -> Frame | None:
        while self._pos < len(self._items):
            index, path = self._items[self._pos]
            self._pos += 1
            if not self.stills and not self._gate.admit(index / self.fps):
                continue
            image = read_image(path)
            if image is None:
                self.unreadable.append(path.name)
                continue
            t = float(index) if self.stills else index / self.fps
            return Frame(image=image, t=t, index=index, name=path.name)
        return None

    def set_max_fps(self, fps: float | None) -> None:
        if not self.stills:
            self._gate.set_max_fps(fps)

    def close(self) -> None:
        pass


MAX_IMAGE_BYTES = 200_000_000  # a camera's largest photos are tens of MB


def read_image(path: Path) -> np.ndarray | None:
    """Decode an image file (any path, including non-ASCII names); None when it cannot be read."""
    try:
        if path.stat().st_size > MAX_IMAGE_BYTES:  # not a photo: not read into memory
            return None
        data = np.fromfile(str(path), dtype=np.uint8)
    except (OSError, ValueError):
        return None
    if data.size == 0:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        return None
    return image


class RealtimeSource:
    """Plays a file source at its real speed: each frame is handed out when its time has come.

    Args:
        inner: a video file or image sequence.
        clock: monotonic seconds; sleep: waits.
    """

    live = False

    def __init__(self, inner: FrameSource, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.inner = inner
        self.total = inner.total
        self.description = inner.description
        self._clock = clock
        self._sleep = sleep
        self._origin: tuple[float, float] | None = None  # (wall, media) time of the first frame

    def read(self) -> Frame | Gap | None:
        item = self.inner.read()
        if not isinstance(item, Frame):
            return item
        now = self._clock()
        if self._origin is None:
            self._origin = (now, item.t)
        wait = self._origin[0] + (item.t - self._origin[1]) - now
        if wait > 0:
            self._sleep(wait)
        return item

    def set_max_fps(self, fps: float | None) -> None:
        self.inner.set_max_fps(fps)

    def close(self) -> None:
        self.inner.close()


def expand_images(spec: str) -> list[Path]:
    """The image files a folder or glob names, sorted by name (natural order of numbered frames)."""
    p = user_path(spec)
    if p.is_dir():
        files = [f for f in p.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS]
    else:
        files = [Path(f) for f in globlib.glob(str(p), recursive=True)
                 if Path(f).is_file() and Path(f).suffix.lower() in IMAGE_EXTENSIONS]
    return sorted(files, key=lambda f: _natural_key(f.name))


def _natural_key(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]
