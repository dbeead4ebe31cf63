"""Keeping the history small and forgetting on request: old sessions condensed to a row a minute,
sessions and people deleted for good."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from typing import Iterable

from ..i18n import _
from .db import HistoryError, most_held, transaction
from .queries import VALID_ROW, VALID_SESSION


def condense(conn: sqlite3.Connection, before: float, step: int = 60) -> int:
    """Keep sessions that started before ``before`` (Unix time) at one row a minute instead of a
    second: frames and readings add up, means are weighted by their readings, the lowest and highest
    stay, and band and state are the ones held most of the minute (a tie goes to the worse). Returns
    how many sessions were condensed."""
    # A session with damaged rows is left as it is: condensing would fold them into its minutes.
    sound = " AND ".join(f"NOT EXISTS (SELECT 1 FROM {table} WHERE session_id = s.id AND NOT ({cond}))"
                         for table, cond in VALID_ROW.items() if table != "events")
    sids = [r[0] for r in conn.execute(
        f"SELECT id FROM sessions s WHERE {VALID_SESSION} AND s.start < ? AND s.end IS NOT NULL AND EXISTS "
        f"(SELECT 1 FROM seconds WHERE session_id = s.id AND span = 1) AND {sound}", (before,))]
    for sid in sids:
        with transaction(conn):
            _condense_session(conn, sid, step)
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
                     [(sid, m, k, n, mean, lo, hi, most_held(bands.get((m, k))), span)
                      for m, k, n, mean, lo, hi, span in metric_rows])
    conn.executemany("INSERT INTO state_seconds (session_id, sec, kind, state, span) VALUES (?, ?, ?, ?, ?)",
                     [(sid, m, k, most_held(c), sum(c.values())) for (m, k), c in states.items()])


def delete_sessions(conn: sqlite3.Connection, sids: Iterable[int]) -> int:
    """Delete sessions with everything recorded in them; their people go too (with their calibrations)
    when no session of theirs is left. Call with the recording lock held. Returns how many went."""
    ids = list(sids)
    conn.execute("PRAGMA secure_delete = ON")  # deleted content is overwritten, not just unlinked
    with transaction(conn):
        people = {r[0] for sid in ids for r in conn.execute("SELECT person_id FROM sessions WHERE id = ?", (sid,))}
        for sid in ids:
            conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
        for pid in people:
            conn.execute("DELETE FROM people WHERE id = ? AND " + NOTHING_LEFT, (pid, pid, pid, pid))
    _scrub(conn)
    return len(ids)


# A person is forgotten only with nothing of theirs left: no session, no exercise set, no program.
NOTHING_LEFT = ("NOT EXISTS (SELECT 1 FROM sessions WHERE person_id = ?) AND NOT EXISTS (SELECT 1 FROM exercise_sets "
                "WHERE person_id = ?) AND NOT EXISTS (SELECT 1 FROM programs WHERE person_id = ?)")


def delete_exercise_sets(conn: sqlite3.Connection, person: str | None, since: float | None = None,
                         until: float | None = None) -> int:
    """Delete exercise sets (a person's or everyone's, between two Unix times); a person left with
    nothing goes too. Call with the recording lock held. Returns how many sets went."""
    sql = "DELETE FROM exercise_sets WHERE 1 = 1"
    args: list[object] = []
    if person is not None:
        sql += " AND person_id = (SELECT id FROM people WHERE name = ?)"
        args.append(person)
    if since is not None:
        sql += " AND start >= ?"
        args.append(since)
    if until is not None:
        sql += " AND start < ?"
        args.append(until)
    conn.execute("PRAGMA secure_delete = ON")
    with transaction(conn):
        owners = {r[0] for r in conn.execute(sql.replace("DELETE FROM", "SELECT person_id FROM", 1), args)}
        n = conn.execute(sql, args).rowcount
        for pid in owners:  # their last set gone: forgotten where nothing else of theirs is left
            conn.execute("DELETE FROM people WHERE id = ? AND " + NOTHING_LEFT, (pid, pid, pid, pid))
    if n:
        _scrub(conn)
    return n


def _scrub(conn: sqlite3.Connection) -> None:
    """Leave no deleted content behind: neither in the file's free pages nor in the write-ahead log."""
    conn.execute("VACUUM")
    busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    if busy:
        raise HistoryError(_("deleted, but the history is in use: the deleted rows leave its log file when "
                             "the other program closes it"))


def delete_person(conn: sqlite3.Connection, name: str) -> None:
    """Forget a person who has no session left, with their stored calibrations, exercise sets and
    program. Call with the recording lock held."""
    conn.execute("PRAGMA secure_delete = ON")
    with transaction(conn):
        gone = conn.execute("DELETE FROM people WHERE name = ? AND NOT EXISTS "
                            "(SELECT 1 FROM sessions WHERE sessions.person_id = people.id)", (name,)).rowcount
    if gone:
        _scrub(conn)
