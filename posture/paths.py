"""Paths the user gives."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO


def user_path(text: str) -> Path:
    """``text`` with ``~`` and ``~user`` expanded where they can be, as given where not (an unknown
    user, no home folder): the path then does not exist, and the caller says so."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        return Path(text)


def open_for_writing(path: Path, buffering: int = -1) -> IO[str]:
    """``open(path, "w")`` for text, except that a named pipe nobody reads from fails at once (ENXIO)
    instead of waiting without end."""
    try:
        fifo = stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        fifo = False
    if fifo:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.set_blocking(fd, True)
        return open(fd, "w", encoding="utf-8", buffering=buffering)
    return open(path, "w", encoding="utf-8", buffering=buffering)
