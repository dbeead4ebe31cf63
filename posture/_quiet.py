"""Keep native libraries (MediaPipe's C++ logging) from writing to the user's terminal."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterator

# MediaPipe and LiteRT log through absl/glog; these variables quiet what honours them.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# OpenCV: our own messages say what failed; its probing of every camera backend is noise.
os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
os.environ.setdefault("OPENCV_VIDEOIO_PRIORITY_OBSENSOR", "0")
# FFmpeg (inside OpenCV) reports every damaged block of a corrupt video on stderr: the app says in one
# line what it could not read instead (AV_LOG_QUIET).
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the duration (Python's own sys.stderr is untouched).

    Native code writes its INFO and WARNING lines straight to fd 2, which Python cannot filter.
    Python-level errors are raised as exceptions and reported by the caller, so nothing is lost.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (e.g. an embedded interpreter)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
