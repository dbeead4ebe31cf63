"""The recording sink: the session kept in the history as it happens.

Durability: the capture loop only adds up the current second; finished seconds and events go through
a queue to a writer thread that owns the connection and commits a batch at least every ``flush_s``.
A crash or ``kill -9`` loses at most the second being added up and the last batch.
"""

from __future__ import annotations

import dataclasses
import math
import queue
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence, Union

from .. import __version__
from ..i18n import _
from ..sinks import BaseSink
from ..problems import METRIC
from ..types import UNCALIBRATED, Baseline, Event, Observation, State
from .db import (HistoryError, RecordingLock, close_interrupted, connect, db_path, error_text, most_held, person_id,
                 store_calibration, transaction)
from .maintenance import condense

Row = tuple[Any, ...]


@dataclass(frozen=True)
class SessionInfo:
    """What the recorder knows when a session starts."""

    person: str
    profile: str
    source: str  # "camera" or "file"
    model: str
    baseline: Baseline | None = None


class _Second:
    """What one second of the session adds up to (kept by the capture loop, cheap)."""

    def __init__(self, sec: int) -> None:
        self.sec = sec
        self.frames = 0
        self.present = 0
        self.values: dict[str, list[float]] = defaultdict(list)
        self.bands: dict[str, Counter[str]] = defaultdict(Counter)
        self.states: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, obs: Observation) -> None:
        self.frames += 1
        self.present += bool(obs.present)
        if obs.metrics is not None:
            for key, value in obs.metrics.values().items():
                if METRIC[key].kept and isinstance(value, (int, float)) and math.isfinite(value):
                    self.values[key].append(float(value))
        for key, band in obs.bands.items():
            self.bands[key][band.level] += 1
        for kind, state in obs.states.items():
            waiting = state is State.UNKNOWN and kind in obs.awaiting_calibration
            self.states[kind][UNCALIBRATED if waiting else state.value] += 1

    def regrade(self, kind: str) -> None:
        """This second's deviating frames of a problem count as good (a glance)."""
        counts = self.states[kind]
        counts["good"] += counts.pop("deviating", 0)

    def written(self) -> "_WriteSecond":
        metrics = [(key, len(v), sum(v) / len(v), min(v), max(v), most_held(self.bands.get(key)))
                   for key, v in self.values.items()]
        states = [(kind, most_held(c)) for kind, c in self.states.items()]
        return _WriteSecond(self.sec, self.frames, self.present, metrics, states)


# What the capture loop queues for the writer thread.
@dataclass(frozen=True)
class _StartSession:
    start: float  # Unix time
    info: SessionInfo


@dataclass(frozen=True)
class _WriteSecond:
    sec: int
    frames: int
    present: int
    metrics: list[Row]  # (metric, n, mean, min, max, band)
    states: list[Row]  # (kind, state)


@dataclass(frozen=True)
class _WriteEvent:
    row: Row  # (type, kind, metric, t, start, end, peak, reason), times from the session's start


@dataclass(frozen=True)
class _RegradeAsGood:
    kind: str
    first: int  # seconds, inclusive
    last: int


@dataclass(frozen=True)
class _AttachCalibration:
    baseline: Baseline


@dataclass(frozen=True)
class _EndSession:
    view: str | None
    last_sec: int
    wall: float  # Unix time at the end


@dataclass(frozen=True)
class _SetView:
    view: str  # the view seen most so far: kept at once, so that a killed session has it too


@dataclass(frozen=True)
class _Stop:
    pass


_Message = Union[_StartSession, _WriteSecond, _WriteEvent, _RegradeAsGood, _AttachCalibration, _EndSession, _SetView,
                 _Stop]


class HistoryRecorder(BaseSink):
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
        detail_days: sessions older than this many days are condensed to a row a minute when
            recording starts; 0 keeps every second.
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
        self._queue: queue.Queue[_Message] = queue.Queue()
        self._t0: float | None = None
        self._second: _Second | None = None
        self._views: Counter[str] = Counter()
        self._view_kept: str | None = None
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
            self._queue.put(_StartSession(self.clock(), self.info))
        sec = max(int(math.floor(t - self._t0)), self._last_sec)
        if self._second is not None and sec != self._second.sec:
            self._queue.put(self._second.written())
            self._second = None
            view = self._views.most_common(1)[0][0] if self._views else None
            if view is not None and view != self._view_kept:
                self._queue.put(_SetView(view))
                self._view_kept = view
        if self._second is None:
            self._second = _Second(sec)
            self._last_sec = sec
        self._second.add(obs)
        if obs.present and obs.view:
            self._views[obs.view] += 1
        self._queue_events(obs.events)

    def _queue_events(self, events: Sequence[Event]) -> None:
        for event in events:
            good = event.regraded_as_good()
            if good is not None:
                self._regrade(event.kind, good[0])
            else:
                self._queue.put(_WriteEvent(self._event_row(event)))

    def _regrade(self, kind: str, start: float) -> None:
        """The judgement counts a stretch as good after all (a glance): its seconds, already stored as
        deviating, are stored as good."""
        if self._t0 is None:
            return
        first = max(int(math.floor(start - self._t0)), 0)
        if self._second is not None and self._second.sec >= first:
            self._second.regrade(kind)
        self._queue.put(_RegradeAsGood(kind, first, self._last_sec - 1))

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
            self._queue.put(_AttachCalibration(baseline))

    def _end_session(self, final_events: Sequence[Event] = ()) -> None:
        if self._t0 is None:
            return
        self._queue_events(final_events)
        if self._second is not None:
            self._queue.put(self._second.written())
        view = self._views.most_common(1)[0][0] if self._views else None
        self._queue.put(_EndSession(view, self._last_sec, self.clock()))
        self._t0, self._second, self._last_sec = None, None, -1
        self._views.clear()
        self._view_kept = None

    def _event_row(self, e: Event) -> Row:
        t0 = self._t0 or 0.0
        return (e.type.value, e.kind, e.metric, e.t - t0, e.start - t0, None if e.end is None else e.end - t0,
                e.peak, e.reason or None)

    def close(self, final_events: Sequence[Event] = ()) -> None:
        """Write what is left, end the session and stop the writer."""
        if self._thread is None:
            self.lock.release()
            return
        self._end_session(final_events)
        self._queue.put(_Stop())
        self._thread.join(60.0)
        self.lock.release()

    # -- the writer thread ----------------------------------------------------------------

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = _("history: recording stopped, monitoring goes on ({problem}; {folder})").format(
                problem=error_text(exc), folder=self.data_dir)
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
                while not isinstance(batch[-1], _Stop):  # gather what comes within flush_s, then commit it
                    try:
                        batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                    except queue.Empty:
                        break
                stop = isinstance(batch[-1], _Stop)
                if self.error is None:
                    try:
                        self._write(conn, batch)
                    except Exception as exc:  # sqlite3.Error above all; any other failure stops recording too
                        self._fail(exc)
        finally:
            conn.close()

    def _drain_forever(self) -> None:
        while not isinstance(self._queue.get(), _Stop):
            pass

    def _write(self, conn: sqlite3.Connection, batch: list[_Message]) -> None:
        with transaction(conn):
            for message in batch:
                if isinstance(message, _StartSession):
                    self._start_session(conn, message.start, message.info)
                elif self.session_id is None or isinstance(message, _Stop):
                    continue
                else:
                    self._apply(conn, self.session_id, message)

    @staticmethod
    def _apply(conn: sqlite3.Connection, sid: int, message: _Message) -> None:
        if isinstance(message, _WriteSecond):
            conn.execute("INSERT OR REPLACE INTO seconds (session_id, sec, frames, present) VALUES (?, ?, ?, ?)",
                         (sid, message.sec, message.frames, message.present))
            conn.executemany("INSERT OR REPLACE INTO metric_seconds (session_id, sec, metric, n, mean, min, max, band) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(sid, message.sec, *row) for row in message.metrics])
            conn.executemany("INSERT OR REPLACE INTO state_seconds (session_id, sec, kind, state) VALUES (?, ?, ?, ?)",
                             [(sid, message.sec, *row) for row in message.states])
        elif isinstance(message, _WriteEvent):
            conn.execute("INSERT INTO events (session_id, type, kind, metric, t, start, end, peak, reason) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (sid, *message.row))
        elif isinstance(message, _RegradeAsGood):
            conn.execute("UPDATE state_seconds SET state = 'good' WHERE session_id = ? AND kind = ? "
                         "AND sec BETWEEN ? AND ? AND state = 'deviating'", (sid, message.kind, message.first,
                                                                             message.last))
        elif isinstance(message, _AttachCalibration):
            pid = conn.execute("SELECT person_id FROM sessions WHERE id = ?", (sid,)).fetchone()[0]
            conn.execute("UPDATE sessions SET calibration_id = ? WHERE id = ?",
                         (store_calibration(conn, pid, message.baseline), sid))
        elif isinstance(message, _SetView):
            conn.execute("UPDATE sessions SET view = ? WHERE id = ?", (message.view, sid))
        elif isinstance(message, _EndSession):
            # A camera's session ends where its last second does; an analysed file's where its analysis
            # did (its seconds are the footage's, which may be longer or shorter than the analysis).
            conn.execute("UPDATE sessions SET end = CASE WHEN source = 'file' THEN MAX(start, ?) ELSE start + ? + 1 END, "
                         "end_reason = 'finished', view = COALESCE(?, view) WHERE id = ?",
                         (message.wall, message.last_sec, message.view, sid))

    def _start_session(self, conn: sqlite3.Connection, start: float, info: SessionInfo) -> None:
        pid = person_id(conn, info.person)
        calibration = store_calibration(conn, pid, info.baseline) if info.baseline is not None else None
        view = info.baseline.view if info.baseline is not None else None
        cur = conn.execute(
            "INSERT INTO sessions (person_id, start, profile, view, source, model, app_version, calibration_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (pid, start, info.profile, view, info.source, info.model, __version__, calibration))
        self.session_id = int(cur.lastrowid or 0)
