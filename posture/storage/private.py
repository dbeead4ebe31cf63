"""What the app keeps is health data: readable by the user alone.

Every command sets the process's umask to 077 (posture/cli/main.py), so whatever it writes, in the data
folder or where the user asks (a log, a report), is created 0600 and its folders 0700, whatever the
user's umask. Data folders from earlier versions, created 0755 with 0644 files, are tightened the first
time a command opens them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Sequence

PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """Create everything from now on readable by the user alone."""
    os.umask(PRIVATE_UMASK)


def tighten(folder: Path, own: Sequence[str]) -> None:
    """Take the group's and others' access from a data folder and the entries ``own`` that the app keeps
    in it (anything else there is the user's and left alone: a data folder may be one the user chose;
    symbolic links are neither followed nor changed; what cannot be changed is left as it is)."""
    try:
        if not folder.is_dir() or folder.is_symlink():
            return
    except OSError:
        return
    _restrict(str(folder))
    for name in own:
        entry = os.path.join(folder, name)
        if not _restrict(entry) or not os.path.isdir(entry):
            continue
        for root, dirs, files in os.walk(entry, onerror=lambda exc: None):
            for child in (*dirs, *files):
                _restrict(os.path.join(root, child))


def _restrict(path: str) -> bool:
    """Owner-only access for one file or folder; False if it does not exist or is a link."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    if stat.S_ISLNK(mode):
        return False
    if mode & 0o077:
        try:
            os.chmod(path, stat.S_IMODE(mode) & 0o700)
        except OSError:
            pass
    return True
