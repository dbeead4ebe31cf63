"""Frame sources: a live camera, a video file, or a folder or glob of images.

Every source hands out :class:`~posture.types.Frame` values with a timestamp in seconds. A live
camera also hands out :class:`~posture.types.Gap` values while it is lost and being reopened, so that
the rest of the app can say so and never mistake a dead camera for bad posture. ``None`` means the
source has ended.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..config import camera_index
from ..errors import CameraError, SourceError, brief_text
from ..i18n import _
from ..paths import user_path
from ..types import Frame, Gap
from .camera import CameraSource, open_cv_camera
from .files import IMAGE_EXTENSIONS, ImageSource, RealtimeSource, VideoFileSource, expand_images, read_image

DEMO_CLIP = Path(__file__).resolve().parent.parent / "data" / "demo_desk_side.mp4"

__all__ = ["DEMO_CLIP", "CameraSource", "FrameSource", "ImageSource", "RealtimeSource", "VideoFileSource",
           "is_image_source", "open_source"]


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


MAX_CAMERA_INDEX = 255  # OpenCV's device numbers are small; a longer number is no camera


def is_image_source(spec: str) -> bool:
    """True when ``--source`` names photos (a folder, a glob or an image file) rather than a video or camera."""
    if spec == "demo" or camera_index(spec) is not None or spec.startswith("/dev/video"):
        return False
    path = user_path(spec)
    try:
        return path.is_dir() or any(ch in spec for ch in "*?[") or path.suffix.lower() in IMAGE_EXTENSIONS
    except OSError:  # a name too long to be a path: open_source says so
        return False


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
    index = camera_index(spec)
    if index is not None:
        if index > MAX_CAMERA_INDEX:
            raise CameraError(_("camera {device} not found").format(device=brief_text(spec)))
        return CameraSource(index, max_fps=max_fps, opener=lambda d: open_cv_camera(d, camera_width, camera_fps))
    try:
        return _open_path(spec, max_fps=max_fps, sequence_fps=sequence_fps, stills=stills, camera_width=camera_width,
                          camera_fps=camera_fps)
    except OSError as exc:  # a name too long, a folder that cannot be read, ...
        raise SourceError(_("cannot open {source}: {problem}").format(
            source=brief_text(spec), problem=exc.strerror or exc)) from None


def _open_path(spec: str, *, max_fps: float | None, sequence_fps: float, stills: bool, camera_width: int,
               camera_fps: float) -> FrameSource:
    if spec.startswith("/dev/video"):
        if not Path(spec).exists():
            raise CameraError(_("camera {device} not found").format(device=brief_text(spec)))
        return CameraSource(spec, max_fps=max_fps, opener=lambda d: open_cv_camera(d, camera_width, camera_fps))
    path = user_path(spec)
    if path.is_dir() or any(ch in spec for ch in "*?["):  # as is_image_source
        files = expand_images(spec)
        return ImageSource(files, fps=sequence_fps, max_fps=max_fps, stills=stills, description=spec)
    if path.is_file():
        if path.suffix.lower() in IMAGE_EXTENSIONS:
            if read_image(path) is None:
                raise SourceError(_("cannot read image {path}: not an image, or it is corrupt").format(
                    path=brief_text(spec)))
            return ImageSource([path], fps=sequence_fps, stills=stills, description=spec)
        return VideoFileSource(path, max_fps)
    raise SourceError(_("no such camera, file or folder: {source}").format(source=brief_text(spec)))
