"""The history: every monitoring session kept in an SQLite database in the data folder.

What is kept: people (a name or pseudonym), sessions (person, start, end, profile, view, calibration,
app version), one row a second for each metric (mean, min, max, band) and each posture problem's
state, alert events and calibrations. Never frames or images.

Durability: the capture loop only adds up the current second; finished seconds and events go
through a queue to a writer thread that owns the connection and commits a batch at least every
``flush_s``. The database runs in WAL mode, so a crash or ``kill -9`` loses at most the second
being added up and the last batch, and never leaves the file corrupt. One recording instance at a
time holds a lock file next to the database; reports and exports read alongside it.

The schema is versioned (``PRAGMA user_version``) and upgraded by the migrations in ``MIGRATIONS``,
each applied once, in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
import os
import queue
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Sequence

from . import __version__
from .calibration import Baseline
from .errors import PostureError
from .i18n import _
from .monitor import Event
from .pipeline import Observation

log = logging.getLogger(__name__)

DB_NAME = "history.sqlite3"
LOCK_NAME = "history.lock"

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
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class HistoryError(PostureError):
    """The history cannot be opened, read or written."""


class HistoryBusy(HistoryError):
    """Another instance is recording into the same history."""


def db_path(data_dir: Path) -> Path:
    """Where the history database lives."""
    return data_dir / DB_NAME


def _problem(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return str(exc.strerror or exc)
    return str(exc)


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (and create or upgrade) the database. Raises HistoryError with a clear message."""
    if not create and not path.exists():
        raise HistoryError(_("no history yet in {folder}").format(folder=path.parent))
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=10.0, isolation_level=None, check_same_thread=True)
        conn.execute("PRAGMA foreign_keys = ON")
        if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            raise sqlite3.OperationalError("WAL mode is not available")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a process crash loses no commit
        migrate(conn)
        return conn
    except (sqlite3.Error, OSError) as exc:
        raise HistoryError(_("cannot open the history {path}: {problem}").format(
            path=path, problem=_problem(exc))) from None


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to ``target``; returns the version it was at."""
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise HistoryError(_("the history was written by a newer version of the app (schema {found}, "
                             "this one knows {known}): update the app").format(found=found, known=SCHEMA_VERSION))
    for version, statements in MIGRATIONS:
        if found < version <= target:
            conn.execute("BEGIN IMMEDIATE")
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) >= version:  # another process was quicker
                conn.execute("COMMIT")
                continue
            try:
                for statement in statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
    return found


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
    rows = conn.execute("SELECT id, start FROM sessions WHERE end IS NULL").fetchall()
    for sid, start in rows:
        last = conn.execute("SELECT MAX(sec) FROM seconds WHERE session_id = ?", (sid,)).fetchone()[0]
        conn.execute("UPDATE sessions SET end = ?, end_reason = 'interrupted' WHERE id = ?",
                     (start + (last + 1 if last is not None else 0), sid))
    return len(rows)


# -- recording ------------------------------------------------------------------------------------


@dataclass
class _Second:
    """What one second of the session adds up to (kept by the capture loop, cheap)."""

    sec: int
    frames: int = 0
    present: int = 0

    def __post_init__(self) -> None:
        self.values: dict[str, list[float]] = defaultdict(list)
        self.bands: dict[str, Counter[str]] = defaultdict(Counter)
        self.states: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, obs: Observation) -> None:
        self.frames += 1
        self.present += bool(obs.present)
        if obs.metrics is not None:
            for key, value in obs.metrics.values().items():
                if isinstance(value, (int, float)) and math.isfinite(value):
                    self.values[key].append(float(value))
        for key, band in obs.bands.items():
            self.bands[key][band.level] += 1
        for kind, state in obs.states.items():
            self.states[kind][state.value] += 1

    def rows(self) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        metrics = [(self.sec, key, len(v), sum(v) / len(v), min(v), max(v),
                    _most(self.bands.get(key)))
                   for key, v in self.values.items()]
        states = [(self.sec, kind, _most(c)) for kind, c in self.states.items()]
        return (self.sec, self.frames, self.present), metrics, states


_SEVERITY = {"bad": 3, "alert": 3, "borderline": 2, "deviating": 2, "unknown": 1, "good": 0}


def _most(counts: Counter[str] | None) -> str | None:
    """The level held most in the second; a tie goes to the worse one."""
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: (kv[1], _SEVERITY.get(kv[0], 0)))[0]


@dataclass(frozen=True)
class SessionInfo:
    """What the recorder knows when a session starts."""

    person: str
    profile: str
    source: str  # "camera" or "file"
    model: str
    baseline: Baseline | None = None


class HistoryRecorder:
    """A sink that keeps the session in the history.

    The capture loop calls ``handle`` (adds to the current second); a writer thread owns the
    database connection and commits what is queued every ``flush_s``. When writing fails (disk
    full, folder read-only), recording stops with one message through ``warn`` while monitoring
    goes on.

    Args:
        data_dir: the data folder (the database and the lock live there).
        info: the session's person, profile, source kind, model and calibration.
        warn: says something to the user (the terminal); called from either thread.
        clock: Unix time (the session's start).
        flush_s: the longest a finished second waits in the queue.
    """

    def __init__(self, data_dir: Path, info: SessionInfo, *, warn: Callable[[str], None] = print,
                 clock: Callable[[], float] = time.time, flush_s: float = 0.1, detail_days: float = 0) -> None:
        self.detail_days = detail_days
        self.data_dir = data_dir
        self.path = db_path(data_dir)
        self.info = info
        self.warn = warn
        self.clock = clock
        self.flush_s = flush_s
        self.lock = RecordingLock(data_dir)
        self.error: str | None = None
        self.session_id: int | None = None
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._t0: float | None = None
        self._second: _Second | None = None
        self._views: Counter[str] = Counter()
        self._last_sec = -1
        try:
            self.lock.acquire()
        except OSError as exc:
            self._fail(exc)
            self._thread: threading.Thread | None = None
            return
        ready = threading.Event()
        self._thread = threading.Thread(target=self._writer, args=(ready,), name="history-writer", daemon=True)
        self._thread.start()
        ready.wait(30.0)

    # -- the capture loop's side: cheap ----------------------------------------------------

    def handle(self, obs: Observation) -> None:
        if self.error is not None or self._thread is None:
            return
        t = obs.frame.t
        if self._t0 is None:
            self._t0 = t
            self._queue.put(("session", (self.clock(), self.info)))
        sec = max(int(math.floor(t - self._t0)), self._last_sec)
        if self._second is not None and sec != self._second.sec:
            self._queue.put(("second", self._second.rows()))
            self._second = None
        if self._second is None:
            self._second = _Second(sec)
            self._last_sec = sec
        self._second.add(obs)
        if obs.present and obs.view:
            self._views[obs.view] += 1
        self._queue_events(obs.events)

    def _queue_events(self, events: Sequence[Event]) -> None:
        for event in events:
            if event.type == "glance":
                self._glance(event)
            else:
                self._queue.put(("event", self._event_row(event)))

    def _glance(self, event: Event) -> None:
        """A deviation that ended as a glance counts as good time (as in the summary): its seconds,
        already stored as deviating, are stored as good."""
        if self._t0 is None:
            return
        first = max(int(math.floor(event.start - self._t0)), 0)
        if self._second is not None and self._second.sec >= first:
            counts = self._second.states[event.kind]
            counts["good"] += counts.pop("deviating", 0)
        self._queue.put(("glance", (event.kind, first, self._last_sec - 1)))

    def new_session(self, profile: str, baseline: Baseline | None, final_events: Sequence[Event] = ()) -> None:
        """End the session here (with the events that closed it) and start another with the next frame:
        a new profile."""
        if self._thread is None:
            return
        self._end_session(final_events)
        self.info = dataclasses.replace(self.info, profile=profile, baseline=baseline)

    def calibrated(self, baseline: Baseline) -> None:
        """A calibration made during the session: kept, and the session judged against it from now on."""
        self.info = dataclasses.replace(self.info, baseline=baseline)
        if self._thread is not None and self._t0 is not None:
            self._queue.put(("calibration", baseline))

    def _end_session(self, final_events: Sequence[Event] = ()) -> None:
        if self._t0 is None:
            return
        self._queue_events(final_events)
        if self._second is not None:
            self._queue.put(("second", self._second.rows()))
        view = self._views.most_common(1)[0][0] if self._views else None
        self._queue.put(("end", (view, self._last_sec)))
        self._t0, self._second, self._last_sec = None, None, -1
        self._views.clear()

    def _event_row(self, e: Event) -> tuple[Any, ...]:
        t0 = self._t0 or 0.0
        return (e.type, e.kind, e.metric, e.t - t0, e.start - t0, None if e.end is None else e.end - t0,
                e.peak, e.reason or None)

    def status(self, message: str) -> None:
        pass

    def close(self, final_events: Sequence[Event] = ()) -> None:
        """Write what is left, end the session and stop the writer."""
        if self._thread is None:
            self.lock.release()
            return
        self._end_session(final_events)
        self._queue.put(("stop", None))
        self._thread.join(60.0)
        self.lock.release()

    # -- the writer thread ----------------------------------------------------------------

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = _("history: recording stopped, monitoring goes on ({problem}; {folder})").format(
                problem=_problem(exc), folder=self.data_dir)
            self.warn(self.error)

    def _writer(self, ready: threading.Event) -> None:
        try:
            conn = connect(self.path)
            close_interrupted(conn)
        except (HistoryError, sqlite3.Error) as exc:
            self._fail(exc)
            ready.set()
            self._drain_forever()
            return
        ready.set()  # monitoring starts; tidying up old sessions happens while its first frames queue
        stop = False
        try:
            if self.detail_days > 0:
                try:
                    condense(conn, self.clock() - self.detail_days * 86400)
                except sqlite3.Error as exc:
                    self._fail(exc)
            while not stop:
                batch = [self._queue.get()]
                deadline = time.monotonic() + self.flush_s
                while batch[-1][0] != "stop":  # gather what comes within flush_s, then commit it at once
                    try:
                        batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                    except queue.Empty:
                        break
                stop = batch[-1][0] == "stop"
                if self.error is None:
                    try:
                        self._write(conn, batch)
                    except Exception as exc:  # sqlite3.Error above all; any other failure stops recording too
                        self._fail(exc)
        finally:
            conn.close()

    def _drain_forever(self) -> None:
        while self._queue.get()[0] != "stop":
            pass

    def _write(self, conn: sqlite3.Connection, batch: list[tuple[str, Any]]) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for what, data in batch:
                if what == "session":
                    self._start_session(conn, *data)
                elif self.session_id is None:
                    continue
                elif what == "second":
                    (sec, frames, present), metrics, states = data
                    sid = self.session_id
                    conn.execute("INSERT OR REPLACE INTO seconds (session_id, sec, frames, present) "
                                 "VALUES (?, ?, ?, ?)", (sid, sec, frames, present))
                    conn.executemany("INSERT OR REPLACE INTO metric_seconds (session_id, sec, metric, n, mean, min, "
                                     "max, band) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(sid, *row) for row in metrics])
                    conn.executemany("INSERT OR REPLACE INTO state_seconds (session_id, sec, kind, state) "
                                     "VALUES (?, ?, ?, ?)", [(sid, *row) for row in states])
                elif what == "event":
                    conn.execute("INSERT INTO events (session_id, type, kind, metric, t, start, end, peak, reason) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (self.session_id, *data))
                elif what == "glance":
                    kind, first, last = data
                    conn.execute("UPDATE state_seconds SET state = 'good' WHERE session_id = ? AND kind = ? "
                                 "AND sec BETWEEN ? AND ? AND state = 'deviating'", (self.session_id, kind, first, last))
                elif what == "calibration":
                    pid = conn.execute("SELECT person_id FROM sessions WHERE id = ?", (self.session_id,)).fetchone()[0]
                    conn.execute("UPDATE sessions SET calibration_id = ? WHERE id = ?",
                                 (store_calibration(conn, pid, data), self.session_id))
                elif what == "end":
                    view, last_sec = data
                    conn.execute("UPDATE sessions SET end = start + ? + 1, end_reason = 'finished', "
                                 "view = COALESCE(?, view) WHERE id = ?", (last_sec, view, self.session_id))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _start_session(self, conn: sqlite3.Connection, start: float, info: SessionInfo) -> None:
        pid = person_id(conn, info.person)
        calibration = store_calibration(conn, pid, info.baseline) if info.baseline is not None else None
        view = info.baseline.view if info.baseline is not None else None
        cur = conn.execute(
            "INSERT INTO sessions (person_id, start, profile, view, source, model, app_version, calibration_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (pid, start, info.profile, view, info.source, info.model, __version__, calibration))
        self.session_id = int(cur.lastrowid or 0)


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
        conn.execute("BEGIN IMMEDIATE")
        store_calibration(conn, person_id(conn, person), baseline)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise HistoryError(_("cannot write the history {path}: {problem}").format(
            path=db_path(data_dir), problem=exc)) from None
    finally:
        conn.close()


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A stored session."""

    id: int
    person: str
    start: float
    end: float | None
    end_reason: str | None
    profile: str
    view: str | None
    source: str
    model: str | None
    app_version: str
    calibration: str | None  # the calibration's date, if one was used

    @property
    def duration_s(self) -> float:
        return (self.end or self.start) - self.start

    @property
    def start_local(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.start)


@dataclass(frozen=True)
class Selection:
    """Which sessions: a person's, and then given ids, or a date range, or the last N days, or all."""

    person: str | None = None
    sessions: tuple[int, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    everything: bool = False

    @classmethod
    def last_days(cls, person: str | None, days: int, today: dt.date | None = None) -> "Selection":
        today = today or dt.date.today()
        return cls(person=person, since=today - dt.timedelta(days=days - 1), until=today)


def _day_start(d: dt.date) -> float:
    return dt.datetime.combine(d, dt.time()).timestamp()


_SESSION_SQL = """SELECT s.id, p.name, s.start,
                         COALESCE(s.end, s.start + (SELECT MAX(sec) + 1 FROM seconds WHERE session_id = s.id)),
                         COALESCE(s.end_reason, 'open'), s.profile, s.view, s.source, s.model,
                         s.app_version, c.created
                  FROM sessions s JOIN people p ON p.id = s.person_id
                  LEFT JOIN calibrations c ON c.id = s.calibration_id"""


def find_sessions(conn: sqlite3.Connection, sel: Selection) -> list[Session]:
    """The sessions a selection names, oldest first."""
    where: list[str] = []
    args: list[Any] = []
    if sel.person is not None:
        where.append("p.name = ?")
        args.append(sel.person)
    if sel.sessions:
        where.append(f"s.id IN ({','.join('?' * len(sel.sessions))})")
        args.extend(sel.sessions)
    if sel.since is not None:
        where.append("s.start >= ?")
        args.append(_day_start(sel.since))
    if sel.until is not None:
        where.append("s.start < ?")
        args.append(_day_start(sel.until + dt.timedelta(days=1)))
    sql = _SESSION_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY s.start, s.id"
    return [Session(*row) for row in conn.execute(sql, args)]


def people(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM people ORDER BY name")]


def seconds(conn: sqlite3.Connection, sid: int) -> list[tuple[int, int, int]]:
    """(sec, frames, present) of a session."""
    return conn.execute("SELECT sec, frames, present FROM seconds WHERE session_id = ? ORDER BY sec",
                        (sid,)).fetchall()


def coverage(conn: sqlite3.Connection, sid: int) -> tuple[int, int, int]:
    """A session's seconds observed, seconds with the user in view, and the seconds one row stands for
    (1, or 60 once condensed)."""
    observed, present, step = conn.execute(
        "SELECT COALESCE(SUM(span), 0), COALESCE(SUM(span * present * 1.0 / frames), 0), COALESCE(MAX(span), 1) "
        "FROM seconds WHERE session_id = ?", (sid,)).fetchone()
    return int(observed), int(round(present)), int(step)


def metric_series(conn: sqlite3.Connection, sid: int, metric: str) -> list[tuple[int, float, float, float, str]]:
    """(sec, mean, min, max, band) of one metric in a session."""
    return conn.execute("SELECT sec, mean, min, max, band FROM metric_seconds WHERE session_id = ? AND metric = ? "
                        "ORDER BY sec", (sid, metric)).fetchall()


def metrics_of(conn: sqlite3.Connection, sid: int) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT metric FROM metric_seconds WHERE session_id = ?", (sid,))]


def _tally(conn: sqlite3.Connection, sql: str, sid: int) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for key, level, n in conn.execute(sql, (sid,)):
        out[key][level] = n
    return out


def state_counts(conn: sqlite3.Connection, sid: int) -> dict[str, Counter[str]]:
    """Seconds in each state, per posture problem."""
    return _tally(conn, "SELECT kind, state, SUM(span) FROM state_seconds WHERE session_id = ? GROUP BY kind, state",
                  sid)


def band_counts(conn: sqlite3.Connection, sid: int) -> dict[str, Counter[str]]:
    """Seconds in each band, per metric."""
    return _tally(conn, "SELECT metric, band, SUM(span) FROM metric_seconds WHERE session_id = ? "
                        "AND band IS NOT NULL GROUP BY metric, band", sid)


def events(conn: sqlite3.Connection, sid: int) -> list[dict[str, Any]]:
    cur = conn.execute("SELECT type, kind, metric, t, start, end, peak, reason FROM events WHERE session_id = ? "
                       "ORDER BY t, id", (sid,))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur]


def condense(conn: sqlite3.Connection, before: float, step: int = 60) -> int:
    """Keep sessions that started before ``before`` (Unix time) at one row a minute instead of a
    second: frames and readings add up, means are weighted by their readings, the lowest and highest
    stay, and band and state are the ones held most of the minute (a tie goes to the worse). Returns
    how many sessions were condensed."""
    sids = [r[0] for r in conn.execute(
        "SELECT id FROM sessions s WHERE start < ? AND end IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM seconds WHERE session_id = s.id AND span = 1)", (before,))]
    for sid in sids:
        conn.execute("BEGIN IMMEDIATE")
        try:
            _condense_session(conn, sid, step)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(sids)


def _condense_session(conn: sqlite3.Connection, sid: int, step: int) -> None:
    bucket = f"(sec / {int(step)}) * {int(step)}"
    seconds_rows = conn.execute(f"SELECT {bucket}, SUM(frames), SUM(present), SUM(span) FROM seconds "
                                f"WHERE session_id = ? GROUP BY 1", (sid,)).fetchall()
    metric_rows = conn.execute(f"SELECT {bucket}, metric, SUM(n), SUM(mean * n) / SUM(n), MIN(min), MAX(max), "
                               f"SUM(span) FROM metric_seconds WHERE session_id = ? GROUP BY 1, 2", (sid,)).fetchall()
    bands: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for minute, metric, band, n in conn.execute(f"SELECT {bucket}, metric, band, SUM(span) FROM metric_seconds "
                                                f"WHERE session_id = ? AND band IS NOT NULL GROUP BY 1, 2, 3", (sid,)):
        bands[(minute, metric)][band] = n
    states: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for minute, kind, state, n in conn.execute(f"SELECT {bucket}, kind, state, SUM(span) FROM state_seconds "
                                               f"WHERE session_id = ? GROUP BY 1, 2, 3", (sid,)):
        states[(minute, kind)][state] = n
    for table in ("seconds", "metric_seconds", "state_seconds"):
        conn.execute(f"DELETE FROM {table} WHERE session_id = ?", (sid,))
    conn.executemany("INSERT INTO seconds (session_id, sec, frames, present, span) VALUES (?, ?, ?, ?, ?)",
                     [(sid, *row) for row in seconds_rows])
    conn.executemany("INSERT INTO metric_seconds (session_id, sec, metric, n, mean, min, max, band, span) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(sid, m, k, n, mean, lo, hi, _most(bands.get((m, k))), span)
                      for m, k, n, mean, lo, hi, span in metric_rows])
    conn.executemany("INSERT INTO state_seconds (session_id, sec, kind, state, span) VALUES (?, ?, ?, ?, ?)",
                     [(sid, m, k, _most(c), sum(c.values())) for (m, k), c in states.items()])


def counts(conn: sqlite3.Connection, person: str) -> dict[str, int]:
    """How many rows of each kind the history holds about a person (for 'what is stored')."""
    mine = "SELECT s.id FROM sessions s JOIN people p ON p.id = s.person_id WHERE p.name = ?"
    out = {"sessions": conn.execute(f"SELECT COUNT(*) FROM ({mine})", (person,)).fetchone()[0]}
    for table in ("seconds", "metric_seconds", "state_seconds", "events"):
        out[table] = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE session_id IN ({mine})", (person,)).fetchone()[0]
    out["calibrations"] = conn.execute("SELECT COUNT(*) FROM calibrations c JOIN people p ON p.id = c.person_id "
                                       "WHERE p.name = ?", (person,)).fetchone()[0]
    return out


def delete_sessions(conn: sqlite3.Connection, sids: Iterable[int]) -> int:
    """Delete sessions with everything recorded in them; their people go too (with their calibrations)
    when no session of theirs is left. Call with the recording lock held. Returns how many went."""
    ids = list(sids)
    conn.execute("PRAGMA secure_delete = ON")  # deleted content is overwritten, not just unlinked
    conn.execute("BEGIN IMMEDIATE")
    try:
        people = {r[0] for sid in ids for r in conn.execute("SELECT person_id FROM sessions WHERE id = ?", (sid,))}
        for sid in ids:
            conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
        for pid in people:
            conn.execute("DELETE FROM people WHERE id = ? AND NOT EXISTS (SELECT 1 FROM sessions WHERE person_id = ?)",
                         (pid, pid))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    _scrub(conn)
    return len(ids)


def _scrub(conn: sqlite3.Connection) -> None:
    """Leave no deleted content behind: neither in the file's free pages nor in the write-ahead log."""
    conn.execute("VACUUM")
    busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    if busy:
        raise HistoryError(_("deleted, but the history is in use: the deleted rows leave its log file when "
                             "the other program closes it"))


def delete_person(conn: sqlite3.Connection, name: str) -> None:
    """Forget a person who has no session left, with their stored calibrations. Call with the
    recording lock held."""
    conn.execute("PRAGMA secure_delete = ON")
    gone = conn.execute("DELETE FROM people WHERE name = ? AND NOT EXISTS "
                        "(SELECT 1 FROM sessions WHERE sessions.person_id = people.id)", (name,)).rowcount
    if gone:
        _scrub(conn)


def export_rows(conn: sqlite3.Connection, sessions: Sequence[Session]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Everything of the sessions as (table, row) pairs, times as local ISO 8601."""
    for s in sessions:
        yield "sessions", {"session": s.id, "person": s.person, "start": _iso(s.start),
                           "end": _iso(s.end) if s.end else None, "end_reason": s.end_reason, "profile": s.profile,
                           "view": s.view, "source": s.source, "model": s.model, "app_version": s.app_version,
                           "calibration": s.calibration}
    for s in sessions:
        states = defaultdict(dict)  # type: ignore[var-annotated]
        for sec, kind, state in conn.execute("SELECT sec, kind, state FROM state_seconds WHERE session_id = ?",
                                             (s.id,)):
            states[sec][kind] = state
        by_sec = defaultdict(dict)  # type: ignore[var-annotated]
        for sec, metric, n, mean, lo, hi, band in conn.execute(
                "SELECT sec, metric, n, mean, min, max, band FROM metric_seconds WHERE session_id = ? "
                "ORDER BY sec, metric", (s.id,)):
            by_sec[sec][metric] = (n, mean, lo, hi, band)
        for sec, frames, present, span in conn.execute(
                "SELECT sec, frames, present, span FROM seconds WHERE session_id = ? ORDER BY sec", (s.id,)):
            for metric, (n, mean, lo, hi, band) in sorted(by_sec.get(sec, {}).items()):
                yield "aggregates", {"session": s.id, "time": _iso(s.start + sec), "sec": sec, "seconds": span,
                                     "metric": metric, "n": n, "mean": round(mean, 3), "min": round(lo, 3),
                                     "max": round(hi, 3), "band": band}
            yield "seconds", {"session": s.id, "time": _iso(s.start + sec), "sec": sec, "seconds": span,
                              "frames": frames, "present": present,
                              **{f"state_{k}": v for k, v in sorted(states.get(sec, {}).items())}}
    for s in sessions:
        for e in events(conn, s.id):
            yield "events", {"session": s.id, "time": _iso(s.start + e["t"]), **e}


def _iso(t: float) -> str:
    """Local time with its UTC offset, so that exported times stay exact across a clock change."""
    return dt.datetime.fromtimestamp(t).astimezone().isoformat(timespec="seconds")
