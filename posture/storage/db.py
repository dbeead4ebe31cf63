"""The history's database: every monitoring session kept in an SQLite file in the data folder.

What is kept: people (a name or pseudonym), sessions (person, start, end, profile, view, calibration,
app version), one row a second for each metric (mean, min, max, band) and each posture problem's
state, alert events and calibrations. Never frames or images.

The database runs in WAL mode, so a crash or ``kill -9`` never leaves the file corrupt (the
recorder in recorder.py says what a crash can lose). One recording instance at a time holds a lock
file next to the database; reports and exports read alongside it. The schema is versioned
(``PRAGMA user_version``) and upgraded by the migrations in ``MIGRATIONS``, each applied once, in one
transaction.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import time
from collections import Counter
from pathlib import Path
from typing import IO, Iterator, Sequence

from ..errors import PostureError, brief_text
from ..i18n import _
from ..types import SEVERITY, Baseline
from .private import tighten
from .queries import VALID_SESSION

DB_NAME = "history.sqlite3"
LOCK_NAME = "history.lock"
# What the app keeps in its data folder: the database with SQLite's own files, the lock, the calibrations
# and snapshots (storage/calibrations.py).
OWN_ENTRIES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", LOCK_NAME, "calibrations",
               "snapshots")

# Each migration brings the schema from the previous version to its own; never edit a released one.
MIGRATIONS: tuple[tuple[int, Sequence[str]], ...] = (
    (1, (
        """CREATE TABLE people (
               id INTEGER PRIMARY KEY,
               name TEXT NOT NULL UNIQUE,
               created REAL NOT NULL)""",
        """CREATE TABLE sessions (
               id INTEGER PRIMARY KEY,
               person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
               start REAL NOT NULL,            -- Unix time of the first frame
               end REAL,                       -- Unix time of the end; NULL while recording
               end_reason TEXT,                -- finished, interrupted (crash or kill)
               profile TEXT NOT NULL,
               view TEXT,
               source TEXT NOT NULL,           -- camera or file
               model TEXT,
               app_version TEXT NOT NULL)""",
        "CREATE INDEX sessions_person_start ON sessions(person_id, start)",
        # One row a second of the session (sec = whole seconds since its start).
        """CREATE TABLE seconds (
               session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
               sec INTEGER NOT NULL,
               frames INTEGER NOT NULL,
               present INTEGER NOT NULL,       -- frames with the user in view
               PRIMARY KEY (session_id, sec)) WITHOUT ROWID""",
        """CREATE TABLE metric_seconds (
               session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
               sec INTEGER NOT NULL,
               metric TEXT NOT NULL,
               n INTEGER NOT NULL,
               mean REAL NOT NULL,
               min REAL NOT NULL,
               max REAL NOT NULL,
               band TEXT,                      -- good, borderline, bad (most frames of the second)
               PRIMARY KEY (session_id, sec, metric)) WITHOUT ROWID""",
        """CREATE TABLE state_seconds (
               session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
               sec INTEGER NOT NULL,
               kind TEXT NOT NULL,
               state TEXT NOT NULL,            -- good, deviating, alert, unknown
               PRIMARY KEY (session_id, sec, kind)) WITHOUT ROWID""",
        """CREATE TABLE events (
               id INTEGER PRIMARY KEY,
               session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
               type TEXT NOT NULL,             -- alert, alert_end, unmeasurable, break
               kind TEXT NOT NULL,
               metric TEXT NOT NULL,
               t REAL NOT NULL,                -- seconds since the session's start
               start REAL NOT NULL,
               end REAL,
               peak REAL,
               reason TEXT)""",
        "CREATE INDEX events_session ON events(session_id, t)",
    )),
    (2, (
        """CREATE TABLE calibrations (
               id INTEGER PRIMARY KEY,
               person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
               profile TEXT NOT NULL,
               created TEXT NOT NULL,          -- as in the calibration file (local ISO time)
               view TEXT NOT NULL,
               model TEXT NOT NULL,
               baseline TEXT NOT NULL,         -- the whole calibration as JSON
               UNIQUE (person_id, profile, created))""",
        "ALTER TABLE sessions ADD COLUMN calibration_id INTEGER REFERENCES calibrations(id) ON DELETE SET NULL",
    )),
    # Old sessions condensed to one row a minute: how many seconds a row stands for.
    (3, (
        "ALTER TABLE seconds ADD COLUMN span INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE metric_seconds ADD COLUMN span INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE state_seconds ADD COLUMN span INTEGER NOT NULL DEFAULT 1",
    )),
    # The exercise coach: every set done, and the program a therapist wrote for a person.
    (4, (
        """CREATE TABLE exercise_sets (
               id INTEGER PRIMARY KEY,
               person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
               start REAL NOT NULL,            -- Unix time
               end REAL NOT NULL,
               exercise TEXT NOT NULL,
               side TEXT,                      -- left, right (two-sided exercises), else NULL
               view TEXT NOT NULL,
               unit TEXT NOT NULL,             -- of the target and the ranges: cm, deg, %
               target REAL NOT NULL,
               hold_asked_s REAL NOT NULL,
               reps_asked INTEGER NOT NULL,
               reps_counted INTEGER NOT NULL,
               attempts INTEGER NOT NULL,
               wrong_movements INTEGER NOT NULL,
               best_range REAL,
               holds TEXT NOT NULL,            -- JSON list: the counted repetitions' holds (s)
               source TEXT NOT NULL,           -- camera or file
               app_version TEXT NOT NULL)""",
        "CREATE INDEX exercise_sets_person_start ON exercise_sets(person_id, start)",
        """CREATE TABLE programs (
               person_id INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
               saved REAL NOT NULL,            -- Unix time
               program TEXT NOT NULL)""",      # JSON: {"per_week": N, "exercise": [{name, sets, reps, hold_s, target}]}
    )),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class HistoryError(PostureError):
    """The history cannot be opened, read or written."""


class HistoryBusy(HistoryError):
    """Another instance is recording into the same history."""


def db_path(data_dir: Path) -> Path:
    """Where the history database lives."""
    return data_dir / DB_NAME


def error_text(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return str(exc.strerror or exc)
    return str(exc)


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (and create or upgrade) the database. Raises HistoryError with a clear message."""
    try:
        exists = path.exists()
    except OSError as exc:  # a name too long, a folder that cannot be entered
        raise HistoryError(_("cannot open the history in {folder}: {problem}").format(
            folder=brief_text(str(path.parent)), problem=exc.strerror or exc)) from None
    if not create and not exists:
        raise HistoryError(_("no history yet in {folder}").format(folder=path.parent))
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        tighten(path.parent, OWN_ENTRIES)
        conn = sqlite3.connect(str(path), timeout=10.0, isolation_level=None, check_same_thread=True)
        conn.execute("PRAGMA foreign_keys = ON")
        if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            raise sqlite3.OperationalError("WAL mode is not available")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a process crash loses no commit
        migrate(conn)
        return conn
    except (sqlite3.Error, OSError) as exc:
        raise HistoryError(_("cannot open the history {path}: {problem}").format(
            path=path, problem=error_text(exc))) from None


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to ``target``; returns the version it was at."""
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise HistoryError(_("the history was written by a newer version of the app (schema {found}, "
                             "this one knows {known}): update the app").format(found=found, known=SCHEMA_VERSION))
    for version, statements in MIGRATIONS:
        if found < version <= target:
            with transaction(conn):
                if int(conn.execute("PRAGMA user_version").fetchone()[0]) >= version:  # another process was quicker
                    continue
                for statement in statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version}")
    return found


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: ``BEGIN IMMEDIATE`` (the write lock at once, so two writers never
    deadlock), committed when the block ends, rolled back when it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class RecordingLock:
    """One recording instance a data folder: an exclusive lock on a file next to the database.

    The operating system drops the lock when the process ends, however it ends, so a crash never
    leaves a stale lock behind.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self._fh: IO[str] | None = None

    def acquire(self, monitor: bool = True) -> None:
        """Take the lock; raises HistoryBusy when another instance holds it (``monitor``: the message
        suggests how to run this one anyway)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if not stat.S_ISREG(self.path.lstat().st_mode):  # a folder or a pipe: opening could fail or block
                raise HistoryError(_("{path} is not a file: remove it (it only marks a recording in progress)").format(
                    path=self.path))
        except FileNotFoundError:
            pass
        fh = open(self.path, "a+", encoding="utf-8")
        try:
            _lock_file(fh)
        except OSError:
            try:
                fh.seek(0)
                holder = fh.read(32).strip() or "?"
            except OSError:
                holder = "?"
            finally:
                fh.close()
            message = _("another posture monitor (process {pid}) is recording into {folder}: stop it first").format(
                pid=holder, folder=self.path.parent)
            if monitor:
                message += _(", or run this one with --no-history or another --data-dir")
            raise HistoryBusy(message) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing drops the lock
            self._fh = None


def _lock_file(fh: IO[str]) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        fh.seek(1 << 20)  # a byte far past the process id, which stays readable for the refusal message
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
    else:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def person_id(conn: sqlite3.Connection, name: str, *, create: bool = True) -> int | None:
    """The id of a person by name (made when missing and ``create``)."""
    row = conn.execute("SELECT id FROM people WHERE name = ?", (name,)).fetchone()
    if row is not None:
        return int(row[0])
    if not create:
        return None
    return int(conn.execute("INSERT INTO people (name, created) VALUES (?, ?)", (name, time.time())).lastrowid or 0)


def close_interrupted(conn: sqlite3.Connection) -> int:
    """Give sessions left open by a crash an end: their last recorded second. Call with the lock held."""
    # A damaged session (a start that is not a time) is left for the readers to leave out.
    rows = conn.execute(f"SELECT s.id, s.start FROM sessions s WHERE s.end IS NULL AND {VALID_SESSION}").fetchall()
    for sid, start in rows:
        last = conn.execute("SELECT MAX(sec) FROM seconds WHERE session_id = ? AND typeof(sec) = 'integer'",
                            (sid,)).fetchone()[0]
        conn.execute("UPDATE sessions SET end = ?, end_reason = 'interrupted' WHERE id = ?",
                     (start + (last + 1 if last is not None else 0), sid))
    return len(rows)


def most_held(counts: Counter[str] | None) -> str | None:
    """The band or state held most in a stretch (a second, a minute); a tie goes to the worse one."""
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: (kv[1], SEVERITY.get(kv[0], 0)))[0]


def store_calibration(conn: sqlite3.Connection, pid: int | None, baseline: Baseline) -> int:
    """Keep a calibration (once); returns its id."""
    conn.execute("INSERT OR IGNORE INTO calibrations (person_id, profile, created, view, model, baseline) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (pid, baseline.profile, baseline.created, baseline.view,
                                                baseline.model, json.dumps(baseline.to_json())))
    row = conn.execute("SELECT id FROM calibrations WHERE person_id = ? AND profile = ? AND created = ?",
                       (pid, baseline.profile, baseline.created)).fetchone()
    return int(row[0])


def record_calibration(data_dir: Path, person: str, baseline: Baseline) -> None:
    """Keep a new calibration in the history too (the app reads it from its file)."""
    conn = connect(db_path(data_dir))
    try:
        with transaction(conn):
            store_calibration(conn, person_id(conn, person), baseline)
    except sqlite3.Error as exc:
        raise HistoryError(_("cannot write the history {path}: {problem}").format(
            path=db_path(data_dir), problem=exc)) from None
    finally:
        conn.close()
