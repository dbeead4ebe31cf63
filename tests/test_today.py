"""``posture-monitor today``: today at a glance, on a history built from the bundled phone clip."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from posture.cli.main import main


def _copy_session(conn: sqlite3.Connection, src: int, shift_s: float, source: str = "file") -> int:
    cols = "person_id, start, end, end_reason, profile, view, source, model, app_version, calibration_id"
    sid = int(conn.execute(f"INSERT INTO sessions ({cols}) SELECT person_id, start + ?, end + ?, end_reason, profile, "
                           f"view, ?, model, app_version, calibration_id FROM sessions WHERE id = ?",
                           (shift_s, shift_s, source, src)).lastrowid or 0)
    for table in ("seconds", "metric_seconds", "state_seconds", "events"):
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in ("session_id", "id")]
        conn.execute(f"INSERT INTO {table} (session_id, {', '.join(cols)}) SELECT ?, {', '.join(cols)} FROM {table} "
                     f"WHERE session_id = ?", (sid, src))
    return sid


def test_today_at_a_glance(recorded_history: tuple[Path, Path], tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    shutil.copytree(recorded_history[0], data)
    conn = sqlite3.connect(data / "history.sqlite3", isolation_level=None)
    # The clip again on the three days before (all good there), and twice today from the camera,
    # 10 minutes apart: a break in between.
    for k in (1, 2, 3):
        sid = _copy_session(conn, 1, -k * 86400)
        conn.execute("UPDATE state_seconds SET state = 'good' WHERE session_id = ? AND state != 'unknown'", (sid,))
        conn.execute("DELETE FROM events WHERE session_id = ?", (sid,))
    start = conn.execute("SELECT start FROM sessions WHERE id = 1").fetchone()[0]
    for shift in (-1200, -600):
        _copy_session(conn, 1, shift, source="camera")
    day = conn.execute("SELECT date(?, 'unixepoch', 'localtime')", (start,)).fetchone()[0]
    same_day = conn.execute("SELECT date(? - 1200, 'unixepoch', 'localtime')", (start,)).fetchone()[0] == day
    conn.close()
    if not same_day:
        pytest.skip("the recording was made just after midnight")
    assert main(["today", "--data-dir", str(data), "--person", "pat-01"]) == 0
    out = capsys.readouterr().out
    assert f"Today, {day} (pat-01)" in out
    assert "observed 4 min 48 s in 3 sessions" in out  # the clip's 96 s, three times
    share = int(re.search(r"good posture: (\d+)% of the judged time", out).group(1))  # type: ignore[union-attr]
    assert 20 <= share <= 50  # the phone held about two thirds of the clip
    assert re.search(r"head bent down \(phone posture\)\s+\d+% good", out)
    assert "alerts: 3; breaks taken (away 3 min or more): 1" in out
    # Three earlier days all good, today worse: the line says so.
    trend = next(line for line in out.splitlines() if "last 7 days" in line)
    assert trend.count("█") == 3 and "average 100%" in trend and f"today {share}% ({share - 100:+d} points)" in trend
    # In Dutch too; and someone with nothing recorded.
    assert main(["today", "--data-dir", str(data), "--person", "pat-01", "--lang", "nl"]) == 0
    assert "Vandaag" in capsys.readouterr().out
    assert main(["today", "--data-dir", str(data), "--person", "nobody"]) == 0
    assert "nothing recorded today" in capsys.readouterr().out


def test_history_lists_each_sessions_good_share_and_alerts(recorded_history: tuple[Path, Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--data-dir", str(recorded_history[0])]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\bgood\s+alerts\b", out)
    assert re.search(r"^\s+1\s+pat-01\s+.*1 min 36 s\s+\d+%\s+1\s+phone\s", out, re.M), out
