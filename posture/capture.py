"""Frame sources: a live camera, a video file, or a folder or glob of images.

Every source hands out :class:`Frame` values with a timestamp in seconds. A live camera also hands
out :class:`Gap` values while it is lost and being reopened, so that the rest of the app can say so
and never mistake a dead camera for bad posture. ``None`` means the source has ended.
"""

from __future__ import annotations

import glob as globlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

import cv2
import numpy as np

from ._quiet import native_stderr_silenced
from .errors import CameraError, SourceError
from .i18n import _

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
DEMO_CLIP = Path(__file__).resolve().parent / "data" / "demo_desk_side.mp4"


@dataclass(frozen=True, eq=False)
class Frame:
    """One image to analyse.

    Attributes:
        image: (H, W, 3) uint8 BGR pixels.
        t: capture time in seconds (monotonic clock for a camera, media time for a file).
        index: position in the source (frame number, or image number in a folder).
        name: file name, for image inputs.
    """

    image: np.ndarray
    t: float
    index: int
    name: str | None = None


@dataclass(frozen=True)
class Gap:
    """No frame available: the camera is lost and being reopened."""

    t: float
    message: str


class FrameSource(Protocol):
    """Anything that hands out frames. ``read`` returns None when the source has ended."""

    live: bool
    total: int | None  # frames that will be analysed, when known (for a progress bar)
    description: str

    def read(self) -> Frame | Gap | None:
        """The next frame to analyse, a gap while a camera is lost, or None at the end."""
        ...

    def set_max_fps(self, fps: float | None) -> None:
        """Analyse at most this many frames a second from now on (None: every frame)."""
        ...

    def close(self) -> None:
        """Release the device or file."""
        ...


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
            image = _read_image(path)
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


def _read_image(path: Path) -> np.ndarray | None:
    """Decode an image file (any path, including non-ASCII names); None when it cannot be read."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError:
        return None
    if data.size == 0:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        return None
    return image


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
        clock: monotonic clock in seconds.
        first_frame_timeout_s: how long the first frame may take before the camera counts as busy.
        stall_timeout_s: no frame for this long means the camera is lost.
        backoff_s: first and longest wait between reopen attempts.
    """

    live = True
    total: int | None = None

    def __init__(self, device: int | str, *, max_fps: float | None = None,
                 opener: Callable[[int | str], Capture] = open_cv_camera,
                 clock: Callable[[], float] = time.monotonic, first_frame_timeout_s: float = 5.0,
                 stall_timeout_s: float = 2.0, backoff_s: tuple[float, float] = (0.5, 10.0)) -> None:
        self.device = device
        self.description = _("camera {device}").format(device=device)
        self._opener = opener
        self._clock = clock
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
            time.sleep(0.05)
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
                time.sleep(0.01)
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
            time.sleep(wait)
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
    p = Path(spec).expanduser()
    if p.is_dir():
        files = [f for f in p.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS]
    else:
        files = [Path(f) for f in globlib.glob(str(p), recursive=True)
                 if Path(f).is_file() and Path(f).suffix.lower() in IMAGE_EXTENSIONS]
    return sorted(files, key=lambda f: _natural_key(f.name))


def _natural_key(name: str) -> list[object]:
    import re

    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def is_image_source(spec: str) -> bool:
    """True when ``--source`` names photos (a folder, a glob or an image file) rather than a video or camera."""
    if spec == "demo" or spec.isdigit() or spec.startswith("/dev/video"):
        return False
    path = Path(spec).expanduser()
    return path.is_dir() or any(ch in spec for ch in "*?[") or path.suffix.lower() in IMAGE_EXTENSIONS


def open_source(spec: str, *, max_fps: float | None = None, sequence_fps: float = 10.0,
                stills: bool = False, camera_width: int = 0, camera_fps: float = 0.0) -> FrameSource:
    """Open what ``--source`` names: camera index or device, video file, image folder or glob, ``demo``.

    Raises:
        CameraError, SourceError: the source cannot be opened; the message says why.
    """
    if spec == "demo":
        if not DEMO_CLIP.is_file():
            raise SourceError(_("the demo clip is missing: {path} (reinstall the project)").format(path=DEMO_CLIP))
        return VideoFileSource(DEMO_CLIP, max_fps)
    if spec.isdigit():
        return CameraSource(int(spec), max_fps=max_fps,
                            opener=lambda d: open_cv_camera(d, camera_width, camera_fps))
    if spec.startswith("/dev/video"):
        if not Path(spec).exists():
            raise CameraError(_("camera {device} not found").format(device=spec))
        return CameraSource(spec, max_fps=max_fps, opener=lambda d: open_cv_camera(d, camera_width, camera_fps))
    path = Path(spec).expanduser()
    if path.is_dir() or any(ch in spec for ch in "*?["):  # as is_image_source
        files = expand_images(spec)
        return ImageSource(files, fps=sequence_fps, max_fps=max_fps, stills=stills, description=spec)
    if path.is_file():
        if path.suffix.lower() in IMAGE_EXTENSIONS:
            if _read_image(path) is None:
                raise SourceError(_("cannot read image {path}: not an image, or it is corrupt").format(path=spec))
            return ImageSource([path], fps=sequence_fps, stills=stills, description=spec)
        return VideoFileSource(path, max_fps)
    raise SourceError(_("no such camera, file or folder: {source}").format(source=spec))


def iterate(source: FrameSource) -> Iterator[Frame | Gap]:
    """Iterate a source until it ends."""
    while (item := source.read()) is not None:
        yield item
