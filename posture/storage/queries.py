"""Reading the history: which sessions, and what was recorded in them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterator, Sequence


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
    length: float | None = None  # seconds of footage or camera time its rows cover

    @property
    def is_file(self) -> bool:
        """An analysed video or photos: placed at the time of the analysis, its own times are the
        footage's (seconds into the video), not the clock's."""
        return self.source == "file"

    @property
    def duration_s(self) -> float:
        """How long the session watched: the footage's length for an analysed file (its start and end
        are when it was analysed), the clock's for a camera."""
        if self.is_file and self.length is not None:
            return self.length
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


# A history file can be damaged (a disk error, an edit by hand, a tool that wrote into it): rows whose
# times or numbers are not numbers in range are left out of every reading, so that one bad row never
# stops a report, a listing, an export or a recording. damage() says what was left out.
MAX_TIME = 253402300799.0  # 9999-12-31 23:59:59 UTC
MAX_SEC = 10_000_000  # seconds into a session: 115 days


def _num(col: str, lo: float | str, hi: float | str) -> str:
    return f"(typeof({col}) IN ('integer', 'real') AND {col} BETWEEN {lo} AND {hi})"


VALID_SESSION = (f"{_num('s.start', 0, MAX_TIME)} AND (s.end IS NULL OR {_num('s.end', 's.start', MAX_TIME)}) "
                 "AND typeof(s.profile) = 'text' AND typeof(s.source) = 'text'")
VALID_ROW = {  # per table, the condition its rows must meet (no table prefix)
    "seconds": f"{_num('sec', 0, MAX_SEC)} AND typeof(frames) = 'integer' AND frames > 0 "
               f"AND {_num('present', 0, 'frames')} AND {_num('span', 1, 3600)}",
    "metric_seconds": f"{_num('sec', 0, MAX_SEC)} AND {_num('n', 1, 1e9)} AND {_num('mean', -1e6, 1e6)} "
                      f"AND {_num('min', -1e6, 1e6)} AND {_num('max', -1e6, 1e6)} AND {_num('span', 1, 3600)} "
                      "AND typeof(metric) = 'text'",
    "state_seconds": f"{_num('sec', 0, MAX_SEC)} AND {_num('span', 1, 3600)} AND typeof(kind) = 'text' "
                     "AND typeof(state) = 'text'",
    "events": f"{_num('t', 0, MAX_SEC)} AND (start IS NULL OR {_num('start', 0, MAX_SEC)}) "
              f"AND (end IS NULL OR {_num('end', 0, MAX_SEC)}) AND (peak IS NULL OR {_num('peak', -1e6, 1e6)}) "
              "AND typeof(type) = 'text'",
}

_SESSION_SQL = f"""SELECT s.id, p.name, s.start,
                         COALESCE(s.end, s.start + (SELECT MAX(sec) + 1 FROM seconds WHERE session_id = s.id
                                                    AND {VALID_ROW['seconds']})),
                         COALESCE(s.end_reason, 'open'), s.profile, s.view, s.source, s.model,
                         s.app_version, c.created,
                         (SELECT MAX(sec + span) FROM seconds WHERE session_id = s.id AND {VALID_ROW['seconds']})
                  FROM sessions s JOIN people p ON p.id = s.person_id
                  LEFT JOIN calibrations c ON c.id = s.calibration_id"""


@dataclass(frozen=True)
class Damage:
    """What a reading of the history left out: damaged sessions, and damaged rows of sound ones."""

    sessions: tuple[int, ...] = ()
    rows: int = 0

    def __bool__(self) -> bool:
        return bool(self.sessions or self.rows)


def damage(conn: sqlite3.Connection) -> Damage:
    """The damaged sessions and rows that every reading leaves out."""
    bad = tuple(r[0] for r in conn.execute(
        f"SELECT s.id FROM sessions s LEFT JOIN people p ON p.id = s.person_id "
        f"WHERE NOT ({VALID_SESSION}) OR typeof(p.name) IS NOT 'text' ORDER BY s.id"))
    rows = sum(conn.execute(f"SELECT COUNT(*) FROM {table} WHERE NOT ({cond})").fetchone()[0]
               for table, cond in VALID_ROW.items())
    return Damage(bad, rows)


def find_sessions(conn: sqlite3.Connection, sel: Selection) -> list[Session]:
    """The sessions a selection names, oldest first."""
    where: list[str] = [VALID_SESSION, "typeof(p.name) = 'text'"]
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
    sql = _SESSION_SQL + " WHERE " + " AND ".join(where) + " ORDER BY s.start, s.id"
    return [Session(*row) for row in conn.execute(sql, args)]


def people(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM people WHERE typeof(name) = 'text' ORDER BY name")]


def seconds(conn: sqlite3.Connection, sid: int) -> list[tuple[int, int, int]]:
    """(sec, frames, present) of a session."""
    return conn.execute(f"SELECT sec, frames, present FROM seconds WHERE session_id = ? AND {VALID_ROW['seconds']} ORDER BY sec",
                        (sid,)).fetchall()


def coverage(conn: sqlite3.Connection, sid: int) -> tuple[int, int, int]:
    """A session's seconds observed, seconds with the user in view, and the seconds one row stands for
    (1, or 60 once condensed)."""
    observed, present, step = conn.execute(
        "SELECT COALESCE(SUM(span), 0), COALESCE(SUM(span * present * 1.0 / frames), 0), COALESCE(MAX(span), 1) "
        f"FROM seconds WHERE session_id = ? AND {VALID_ROW['seconds']}", (sid,)).fetchone()
    return int(observed), int(round(present)), int(step)


def metric_series(conn: sqlite3.Connection, sid: int, metric: str) -> list[tuple[int, float, float, float, str]]:
    """(sec, mean, min, max, band) of one metric in a session."""
    return conn.execute("SELECT sec, mean, min, max, band FROM metric_seconds WHERE session_id = ? AND metric = ? "
                        f"AND {VALID_ROW['metric_seconds']} ORDER BY sec", (sid, metric)).fetchall()


def metrics_of(conn: sqlite3.Connection, sid: int) -> list[str]:
    return [r[0] for r in conn.execute(f"SELECT DISTINCT metric FROM metric_seconds WHERE session_id = ? "
                                             f"AND {VALID_ROW['metric_seconds']}", (sid,))]


def _tally(conn: sqlite3.Connection, sql: str, sid: int) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for key, level, n in conn.execute(sql, (sid,)):
        out[key][level] = n
    return out


def state_counts(conn: sqlite3.Connection, sid: int) -> dict[str, Counter[str]]:
    """Seconds in each state, per posture problem."""
    return _tally(conn, f"SELECT kind, state, SUM(span) FROM state_seconds WHERE session_id = ? "
                        f"AND {VALID_ROW['state_seconds']} GROUP BY kind, state",
                  sid)


def posture_seconds(conn: sqlite3.Connection, sid: int) -> tuple[int, int]:
    """Seconds of a session in good posture (every judged problem good, short glances included) and
    seconds judged at all: the session's good-posture share is their ratio."""
    good, judged = conn.execute(
        "SELECT COALESCE(SUM(CASE WHEN bad = 0 THEN span ELSE 0 END), 0), COALESCE(SUM(span), 0) FROM ("
        "  SELECT sec, MAX(span) AS span, MAX(state IN ('deviating', 'alert')) AS bad,"
        "         MAX(state IN ('good', 'deviating', 'alert')) AS judged"
        f"  FROM state_seconds WHERE session_id = ? AND {VALID_ROW['state_seconds']} GROUP BY sec"
        ") WHERE judged = 1", (sid,)).fetchone()
    return int(good), int(judged)


def alert_count(conn: sqlite3.Connection, sid: int) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM events WHERE session_id = ? AND type = 'alert' "
                            f"AND {VALID_ROW['events']}", (sid,)).fetchone()[0])


def band_counts(conn: sqlite3.Connection, sid: int) -> dict[str, Counter[str]]:
    """Seconds in each band, per metric."""
    return _tally(conn, "SELECT metric, band, SUM(span) FROM metric_seconds WHERE session_id = ? "
                        f"AND band IS NOT NULL AND {VALID_ROW['metric_seconds']} GROUP BY metric, band", sid)


def events(conn: sqlite3.Connection, sid: int) -> list[dict[str, Any]]:
    cur = conn.execute("SELECT type, kind, metric, t, start, end, peak, reason FROM events WHERE session_id = ? "
                       f"AND {VALID_ROW['events']} ORDER BY t, id", (sid,))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur]


def counts(conn: sqlite3.Connection, person: str) -> dict[str, int]:
    """How many rows of each kind the history holds about a person (for 'what is stored')."""
    mine = "SELECT s.id FROM sessions s JOIN people p ON p.id = s.person_id WHERE p.name = ?"
    out = {"sessions": conn.execute(f"SELECT COUNT(*) FROM ({mine})", (person,)).fetchone()[0]}
    for table in ("seconds", "metric_seconds", "state_seconds", "events"):
        out[table] = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE session_id IN ({mine})", (person,)).fetchone()[0]
    out["calibrations"] = conn.execute("SELECT COUNT(*) FROM calibrations c JOIN people p ON p.id = c.person_id "
                                       "WHERE p.name = ?", (person,)).fetchone()[0]
    out["exercise_sets"] = conn.execute("SELECT COUNT(*) FROM exercise_sets e JOIN people p ON p.id = e.person_id "
                                        "WHERE p.name = ?", (person,)).fetchone()[0]
    return out


def export_rows(conn: sqlite3.Connection, sessions: Sequence[Session]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Everything of the sessions as (table, row) pairs, times as local ISO 8601."""
    for s in sessions:
        yield "sessions", {"session": s.id, "person": s.person, "start": _iso(s.start),
                           "end": _iso(s.end) if s.end else None, "end_reason": s.end_reason, "profile": s.profile,
                           "view": s.view, "source": s.source, "model": s.model, "app_version": s.app_version,
                           "calibration": s.calibration}
    for s in sessions:
        states = defaultdict(dict)  # type: ignore[var-annotated]
        for sec, kind, state in conn.execute(f"SELECT sec, kind, state FROM state_seconds WHERE session_id = ? "
                                             f"AND {VALID_ROW['state_seconds']}",
                                             (s.id,)):
            states[sec][kind] = state
        by_sec = defaultdict(dict)  # type: ignore[var-annotated]
        for sec, metric, n, mean, lo, hi, band in conn.execute(
                "SELECT sec, metric, n, mean, min, max, band FROM metric_seconds WHERE session_id = ? "
                f"AND {VALID_ROW['metric_seconds']} ORDER BY sec, metric", (s.id,)):
            by_sec[sec][metric] = (n, mean, lo, hi, band)
        for sec, frames, present, span in conn.execute(
                f"SELECT sec, frames, present, span FROM seconds WHERE session_id = ? AND {VALID_ROW['seconds']} "
                "ORDER BY sec", (s.id,)):
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
