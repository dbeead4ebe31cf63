"""Paths the user gives."""

from __future__ import annotations

from pathlib import Path


def user_path(text: str) -> Path:
    """``text`` with ``~`` and ``~user`` expanded where they can be, as given where not (an unknown
    user, no home folder): the path then does not exist, and the caller says so."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        return Path(text)
