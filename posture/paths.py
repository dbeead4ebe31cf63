"""Paths the user gives."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from .errors import PostureError, brief_text
from .i18n import _


def user_path(text: str) -> Path:
    """``text`` with ``~`` and ``~user`` expanded.

    Raises:
        PostureError: ``~user`` names no user (or there is no home folder): never a folder of that
            name made in the current one.
    """
    try:
        return Path(text).expanduser()
    except RuntimeError:
        raise PostureError(_("{path}: no such user, or no home folder to expand {home} to").format(
            path=brief_text(text), home=brief_text(text.split("/")[0], 40))) from None


def open_for_writing(path: Path, buffering: int = -1, newline: str | None = None) -> IO[str]:
    """``open(path, "w")`` for text, except that a named pipe nobody reads from fails at once (ENXIO)
    instead of waiting without end."""
    try:
        fifo = stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        fifo = False
    if fifo:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.set_blocking(fd, True)
        return open(fd, "w", encoding="utf-8", buffering=buffering, newline=newline)
    return open(path, "w", encoding="utf-8", buffering=buffering, newline=newline)
