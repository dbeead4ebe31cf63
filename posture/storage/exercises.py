"""The exercise coach's part of the history: each set done, and each person's program.

Written as each set ends (one short transaction), so a session that is cut off keeps the sets done.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .. import __version__
from .db import HistoryError, connect, db_path, error_text, person_id, transaction


@dataclass(frozen=True)
class StoredSet:
    """One set as kept."""

    id: int
    person: str
    start: float
    end: float
    exercise: str
    side: str | None
    view: str
    unit: str
    target: float
    hold_asked_s: float
    reps_asked: int
    reps_counted: int
    attempts: int
    wrong_movements: int
    best_range: float | None
    holds: tuple[float, ...]
    source: str

    @property
    def day(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.start).date()


def store_set(data_dir: Path, person: str, record: dict[str, Any], start: float, end: float, source: str) -> int:
    """Keep one finished set (``record``: the log's ``set`` record); returns its id."""
    conn = connect(db_path(data_dir))
    try:
        with transaction(conn):
            pid = person_id(conn, person)
            cur = conn.execute(
                "INSERT INTO exercise_sets (person_id, start, end, exercise, side, view, unit, target, hold_asked_s, "
                "reps_asked, reps_counted, attempts, wrong_movements, best_range, holds, source, app_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (pid, start, end, record["exercise"], record["side"], record["view"], record["unit"], record["target"],
                 record["hold_asked_s"], record["reps_asked"], record["reps_counted"], record["attempts"],
                 record["wrong_movements"], record["best_range"], json.dumps(record["holds_s"]), source, __version__))
            return int(cur.lastrowid or 0)
    except sqlite3.Error as exc:
        raise HistoryError(_cannot(exc)) from None
    finally:
        conn.close()


def _cannot(exc: BaseException) -> str:
    from ..i18n import _

    return _("cannot keep the exercise in the history: {problem}").format(problem=error_text(exc))


def find_sets(conn: sqlite3.Connection, person: str | None, since: dt.date | None = None,
              until: dt.date | None = None) -> list[StoredSet]:
    """A person's sets (everyone's: None), oldest first, between two days (inclusive); damaged rows
    are left out."""
    sql = ("SELECT s.id, p.name, s.start, s.end, s.exercise, s.side, s.view, s.unit, s.target, s.hold_asked_s, "
           "s.reps_asked, s.reps_counted, s.attempts, s.wrong_movements, s.best_range, s.holds, s.source "
           "FROM exercise_sets s JOIN people p ON p.id = s.person_id WHERE (? IS NULL OR p.name = ?)")
    args: list[Any] = [person, person]
    if since is not None:
        sql += " AND s.start >= ?"
        args.append(dt.datetime.combine(since, dt.time()).timestamp())
    if until is not None:
        sql += " AND s.start < ?"
        args.append(dt.datetime.combine(until + dt.timedelta(days=1), dt.time()).timestamp())
    out = []
    for row in conn.execute(sql + " ORDER BY s.start", args):
        try:
            holds = tuple(float(h) for h in json.loads(row[15]))
            out.append(StoredSet(*row[:15], holds, row[16]))  # type: ignore[arg-type]
        except (TypeError, ValueError):  # a damaged row
            continue
    return out


def save_program(data_dir: Path, person: str, program: dict[str, Any]) -> None:
    """Keep ``program`` as the person's program (replacing an earlier one)."""
    conn = connect(db_path(data_dir))
    try:
        with transaction(conn):
            pid = person_id(conn, person)
            conn.execute("INSERT OR REPLACE INTO programs (person_id, saved, program) VALUES (?, ?, ?)",
                         (pid, time.time(), json.dumps(program)))
    except sqlite3.Error as exc:
        raise HistoryError(_cannot(exc)) from None
    finally:
        conn.close()


def load_program(conn: sqlite3.Connection, person: str) -> dict[str, Any] | None:
    """The person's program, or None."""
    row = conn.execute("SELECT g.program FROM programs g JOIN people p ON p.id = g.person_id WHERE p.name = ?",
                       (person,)).fetchone()
    if row is None:
        return None
    try:
        program = json.loads(row[0])
    except ValueError:
        return None
    return program if isinstance(program, dict) else None


def set_rows(sets: Sequence[StoredSet]) -> list[dict[str, Any]]:
    """Sets as plain rows (the exports; times as local ISO 8601, the holds as a list)."""
    def iso(t: float) -> str:
        return dt.datetime.fromtimestamp(t).astimezone().isoformat(timespec="seconds")

    return [{"set": s.id, "person": s.person, "start": iso(s.start), "end": iso(s.end), "exercise": s.exercise,
             "side": s.side, "view": s.view, "unit": s.unit, "target": s.target, "hold_asked_s": s.hold_asked_s,
             "reps_asked": s.reps_asked, "reps_counted": s.reps_counted, "attempts": s.attempts,
             "wrong_movements": s.wrong_movements, "best_range": s.best_range, "holds_s": list(s.holds),
             "source": s.source} for s in sets]
