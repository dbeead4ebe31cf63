"""The history database: schema and migrations, a monitoring run over real footage, the lock, a
failing disk, crashes, export and deletion. All on real SQLite files."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from benchmarks.crash import MAX_LOST_S, inspect, kill_during_recording
from posture.cli.main import main
from posture.storage import db, maintenance, recorder
from posture.storage import queries as q
from tests.helpers import DATA, ROOT, cli_env, run_cli, run_phone_clip

CLIP = DATA / "clips" / "phone_front_low.mp4"


def test_schema_is_created_and_an_old_one_migrated(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    # A database as version 1 of the app left it, with a session in it.
    old = sqlite3.connect(path, isolation_level=None)
    db.migrate(old, target=1)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    old.execute("INSERT INTO people (name, created) VALUES ('anna', 0)")
    old.execute("INSERT INTO sessions (person_id, start, end, end_reason, profile, source, app_version) "
                "VALUES (1, 1000, 1060, 'finished', 'desk', 'camera', '0.0.9')")
    old.execute("INSERT INTO seconds VALUES (1, 0, 10, 10)")
    old.execute("INSERT INTO metric_seconds VALUES (1, 0, 'cva_deg', 10, 48.0, 47.0, 49.0, 'borderline')")
    tables_v1 = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    old.close()
    assert "calibrations" not in tables_v1

    conn = db.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION == 4
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    columns = {r[1] for r in conn.execute("PRAGMA table_info(sessions)")}
    assert "calibration_id" in columns
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"exercise_sets", "programs"} <= tables  # version 4: the exercise coach
    [s] = q.find_sessions(conn, q.Selection(person="anna"))
    assert (s.profile, s.duration_s, s.calibration) == ("desk", 60.0, None)
    assert q.metric_series(conn, s.id, "cva_deg") == [(0, 48.0, 47.0, 49.0, "borderline")]
    assert q.coverage(conn, s.id) == (1, 1, 1)  # version 3: the old rows stand for one second each
    conn.close()
    db.connect(path).close()  # opening again changes nothing

    newer = sqlite3.connect(path)
    newer.execute("PRAGMA user_version = 99")
    newer.close()
    with pytest.raises(db.HistoryError, match="newer version"):
        db.connect(path)


def test_a_monitoring_run_is_kept_second_by_second(recorded_history: tuple[Path, Path]) -> None:
    data, log = recorded_history
    records = [json.loads(x) for x in log.read_text().splitlines()]
    samples = [r for r in records if r["type"] == "sample"]
    conn = db.connect(db.db_path(data), create=False)
    [s] = q.find_sessions(conn, q.Selection(person="pat-01"))
    assert (s.profile, s.view, s.source, s.end_reason) == ("phone", "front", "file", "finished")
    assert s.duration_s == pytest.approx(samples[-1]["t"] - samples[0]["t"], abs=1.5)
    secs = q.seconds(conn, s.id)
    # One row a second, not a row a frame: 5 analysed frames in each.
    assert len(secs) == pytest.approx(len(samples) / 5, abs=2)
    assert sum(r[1] for r in secs) == len(samples)
    assert sum(r[2] for r in secs) == sum(r["present"] for r in samples)
    # The per-second neck flexion is the mean of that second's frames, with its range and band.
    t0 = samples[0]["t"]
    second_40 = [r["metrics"]["neck_flexion_deg"] for r in samples
                 if int(r["t"] - t0) == 40 and r["metrics"].get("neck_flexion_deg") is not None]
    row = next(r for r in q.metric_series(conn, s.id, "neck_flexion_deg") if r[0] == 40)
    assert row[1] == pytest.approx(sum(second_40) / len(second_40), abs=1e-6)
    assert (row[2], row[3]) == pytest.approx((min(second_40), max(second_40)), abs=1e-6)
    assert row[4] in ("good", "borderline", "bad")
    # The alerts of the log are the alerts of the database.
    logged = [(r["type"], r["kind"], round(r["t"] - t0, 2)) for r in records if r["type"] in ("alert", "alert_end")]
    stored = [(e["type"], e["kind"], round(e["t"], 2)) for e in q.events(conn, s.id)
              if e["type"] in ("alert", "alert_end")]
    assert logged and stored == logged
    assert any(kind == "phone_posture" for _t, kind, _x in stored)
    states = q.state_counts(conn, s.id)["phone_posture"]
    assert states["alert"] > 0 and states["good"] > 0
    # Never a picture: only numbers and words in the file.
    blobs = conn.execute("SELECT COUNT(*) FROM metric_seconds WHERE typeof(mean) != 'real'").fetchone()[0]
    assert blobs == 0
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_export_and_delete(recorded_history: tuple[Path, Path], tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    data, _log = recorded_history
    work = tmp_path / "data"
    import shutil

    shutil.copytree(data, work)
    # The list: a header over its columns, then a line a session.
    assert main(["history", "--data-dir", str(work)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["no.", "person", "start", "duration", "good", "alerts", "profile", "view", "source"]
    assert lines[2].split()[:2] == ["1", "pat-01"] and len(lines) == 3
    assert main(["history", "--data-dir", str(work), "--export-csv", str(tmp_path / "csv")]) == 0
    with open(tmp_path / "csv" / "aggregates.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    conn = db.connect(db.db_path(work))
    assert len(rows) == conn.execute("SELECT COUNT(*) FROM metric_seconds").fetchone()[0]
    assert {"session", "time", "metric", "mean", "min", "max", "band"} <= set(rows[0])
    with open(tmp_path / "csv" / "events.csv", encoding="utf-8") as fh:
        assert any(r["kind"] == "phone_posture" for r in csv.DictReader(fh))
    assert main(["history", "--data-dir", str(work), "--export-json", str(tmp_path / "all.json")]) == 0
    exported = json.loads((tmp_path / "all.json").read_text())
    assert exported["sessions"][0]["person"] == "pat-01" and len(exported["aggregates"]) == len(rows)
    # Times carry their UTC offset and give back the stored instant.
    start = dt.datetime.fromisoformat(exported["sessions"][0]["start"])
    assert start.utcoffset() is not None
    assert start.timestamp() == pytest.approx(q.find_sessions(conn, q.Selection())[0].start, abs=1.0)

    # Deleting needs a choice; then the session and everything in it are gone.
    assert main(["history", "--data-dir", str(work), "--delete"]) == 2
    [s] = q.find_sessions(conn, q.Selection())
    conn.close()
    # The person's calibration and snapshot files go with their last session; another person's stay.
    for who in ("pat-01", "pat-02"):
        (work / "calibrations" / "people" / who).mkdir(parents=True, exist_ok=True)
        (work / "calibrations" / "people" / who / "side.json").write_text("{}")
        (work / "snapshots" / who).mkdir(parents=True)
        (work / "snapshots" / who / "posture-20261126-101010.png").write_bytes(b"png")
    assert main(["history", "--data-dir", str(work), "--delete", "--session", str(s.id)]) == 0
    conn = db.connect(db.db_path(work))
    for table in ("people", "sessions", "seconds", "metric_seconds", "state_seconds", "events"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
    conn.close()
    assert not (work / "calibrations" / "people" / "pat-01").exists() and not (work / "snapshots" / "pat-01").exists()
    assert (work / "calibrations" / "people" / "pat-02" / "side.json").exists()
    assert (work / "snapshots" / "pat-02" / "posture-20261126-101010.png").exists()


def test_a_second_instance_is_refused_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = db.RecordingLock(tmp_path / "data")
    lock.acquire()
    try:
        code, _log = run_phone_clip(tmp_path)
    finally:
        lock.release()
    err = capsys.readouterr().err
    assert code == 2 and "another posture monitor" in err and "Traceback" not in err
    assert err.count("\n") == 1
    # Without the lock the same run records.
    assert run_phone_clip(tmp_path)[0] == 0


def _child_env(tmp_path: Path) -> dict[str, str]:
    return cli_env(MPLCONFIGDIR=str(tmp_path / "mpl"), PYTHONPATH=str(ROOT))


def test_a_full_disk_stops_recording_but_not_monitoring(tmp_path: Path) -> None:
    """The file-size limit of the operating system (RLIMIT_FSIZE) makes every write beyond 128 KB fail,
    the way a full disk does."""
    import resource

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write instead of a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (128 * 1024, 128 * 1024))

    data = tmp_path / "data"
    proc = run_cli("--source", str(CLIP), "--no-window", "--profile", "phone", "--data-dir", str(data),
                   "--person", "pat", timeout=600, preexec_fn=limit, env=_child_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "recording stopped, monitoring goes on" in proc.stderr and "Traceback" not in proc.stderr
    assert "Session summary" in proc.stdout  # monitoring went on to the end
    conn = db.connect(db.db_path(data))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    [s] = q.find_sessions(conn, q.Selection())
    kept = len(q.seconds(conn, s.id))
    assert 0 < kept < 90  # what fitted was kept, the rest could not be
    conn.close()


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write in: by its permissions, or for root (who ignores them) a read-only
    bind mount of it."""
    folder = tmp_path / "data"
    folder.mkdir()
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    ok = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode == 0
    ok = ok and subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True).returncode == 0
    try:
        if not ok:
            pytest.skip("running as root without the right to mount a read-only folder")
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_read_only_folder_stops_recording_but_not_monitoring(read_only_folder: Path, tmp_path: Path) -> None:
    with pytest.raises(OSError):
        (read_only_folder / "probe").touch()
    proc = run_cli("--source", str(CLIP), "--no-window", "--fps", "2", "--data-dir", str(read_only_folder),
                   timeout=600, env=_child_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "recording stopped, monitoring goes on" in proc.stderr and "Traceback" not in proc.stderr
    assert "Session summary" in proc.stdout
    assert list(read_only_folder.iterdir()) == []


@pytest.mark.slow  # a crash trial
@pytest.mark.parametrize("trial", range(2))
def test_killed_at_a_random_moment(tmp_path: Path, trial: int) -> None:
    """SIGKILL while recording: the file is whole and holds every second up to about one second
    before the kill (``python -m benchmarks crash`` runs many more trials)."""
    killed_after, data = kill_during_recording(tmp_path, CLIP, random.Random(trial))
    result = inspect(data, killed_after)
    assert result.integrity == "ok"
    assert result.holes == 0
    assert result.lost_s <= MAX_LOST_S, result
    assert result.end_reason == "interrupted"
    assert result.view == "front"  # the laptop camera's view, kept while recording


def test_a_new_profile_or_calibration_starts_a_new_session(tmp_path: Path) -> None:
    """The recorder driven frame by frame (10 a second): seconds add up, a profile switch ends the
    session at its last second and the next frame opens another."""
    import numpy as np

    from posture.types import Band, Event, Frame, Metrics, Observation, State
    from tests.helpers import make_landmarks

    def obs(t: float, cva: float, state: State = State.GOOD, events: tuple[Event, ...] = ()) -> Observation:
        return Observation(Frame(np.zeros((4, 4, 3), np.uint8), t, int(t * 10)), make_landmarks({0: (2.0, 2.0)}),
                           Metrics(view="side", cva_deg=cva), "side", {"forward_head": state}, events,
                           bands={"cva_deg": Band("good" if cva >= 50 else "bad", "", "")}, presence="present")

    clock = iter([1_000_000.0, 1_000_050.0, 1_000_100.0, 1_000_150.0])  # start, end (wall), start, end
    rec = recorder.HistoryRecorder(tmp_path, recorder.SessionInfo("anna", "side", "camera", "lite"), clock=lambda: next(clock),
                            warn=pytest.fail)
    for i in range(30):  # 3 s: 52, 51, then 43 deg
        t = 5.0 + i / 10
        rec.handle(obs(t, 52.0 - (i // 10) - 7 * (i >= 20), State.DEVIATING if i >= 20 else State.GOOD))
    from posture.types import Baseline, MetricStats, Position

    rec.calibrated(Baseline(profile="side", view="side", created="2026-11-20T10:00:00", source="c", model="lite",
                            duration_s=5.0, frames=50, stats={"cva_deg": MetricStats(52.0, 1.0, 50)},
                            position=Position(0.5, 0.5, 0.2)))  # c pressed: the session is judged against it
    rec.new_session("desk", None)
    alert = Event("alert", "forward_head", 9.0, 8.0, 40.0, "cva_deg", reason="sustained")
    for i in range(15):
        rec.handle(obs(8.0 + i / 10, 40.0, State.ALERT, (alert,) if i == 10 else ()))
    rec.close()
    assert rec.error is None
    conn = db.connect(db.db_path(tmp_path))
    first, second = q.find_sessions(conn, q.Selection(person="anna"))
    assert (first.profile, first.start, first.end, first.end_reason) == ("side", 1_000_000.0, 1_000_003.0, "finished")
    assert (second.profile, second.start, second.end) == ("desk", 1_000_100.0, 1_000_102.0)
    assert (first.calibration, second.calibration) == ("2026-11-20T10:00:00", None)
    assert q.metric_series(conn, first.id, "cva_deg") == [(0, 52.0, 52.0, 52.0, "good"), (1, 51.0, 51.0, 51.0, "good"),
                                                          (2, 43.0, 43.0, 43.0, "bad")]
    assert q.state_counts(conn, first.id)["forward_head"] == {"good": 2, "deviating": 1}
    assert q.seconds(conn, second.id) == [(0, 10, 10), (1, 5, 5)]
    [event] = q.events(conn, second.id)
    assert (event["type"], event["t"], event["start"], event["peak"]) == ("alert", pytest.approx(1.0), 0.0, 40.0)
    conn.close()


def test_deleting_keeps_other_people_and_waits_for_the_recorder(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Deleting one person's session leaves another person (with only a calibration) alone, and is
    refused while a monitor records into the same history."""
    from posture.types import Baseline, MetricStats, Position

    conn = db.connect(db.db_path(tmp_path))
    baseline = Baseline(profile="side", view="side", created="2026-11-20T10:00:00", source="clip", model="full",
                        duration_s=5.0, frames=50, stats={"cva_deg": MetricStats(52.0, 1.0, 50)},
                        position=Position(0.5, 0.5, 0.2))
    db.store_calibration(conn, db.person_id(conn, "bob"), baseline)
    anna = db.person_id(conn, "anna")
    conn.execute("INSERT INTO sessions (person_id, start, end, profile, source, app_version) "
                 "VALUES (?, 1000, 1010, 'desk', 'camera', 'x')", (anna,))
    conn.close()
    lock = db.RecordingLock(tmp_path)
    lock.acquire()
    try:
        assert main(["history", "--data-dir", str(tmp_path), "--delete", "--all", "--yes"]) == 2
    finally:
        lock.release()
    err = capsys.readouterr().err
    assert "another posture monitor" in err and "--no-history" not in err
    assert main(["history", "--data-dir", str(tmp_path), "--delete", "--all", "--yes"]) == 0
    conn = db.connect(db.db_path(tmp_path))
    assert q.people(conn) == ["bob"] and q.counts(conn, "bob")["calibrations"] == 1
    conn.close()
    assert not (tmp_path / "history.sqlite3-wal").exists() or (tmp_path / "history.sqlite3-wal").stat().st_size == 0


def test_old_sessions_are_condensed_to_minutes(recorded_history: tuple[Path, Path], tmp_path: Path) -> None:
    """A session older than history_detail_days is kept a minute at a time by the next recording:
    the seconds and readings still add up, and its report still draws."""
    import shutil

    from posture.report.facts import read_facts
    from posture.report.html import ReportRequest, build

    data = tmp_path / "data"
    shutil.copytree(recorded_history[0], data)
    conn = db.connect(db.db_path(data))
    conn.execute("UPDATE sessions SET start = start - 100 * 86400, end = end - 100 * 86400")
    [s] = q.find_sessions(conn, q.Selection())
    before = read_facts(conn, s)
    n_before = conn.execute("SELECT SUM(n) FROM metric_seconds WHERE metric = 'neck_flexion_deg'").fetchone()[0]
    mean_before = conn.execute("SELECT SUM(mean * n) / SUM(n) FROM metric_seconds "
                               "WHERE metric = 'neck_flexion_deg'").fetchone()[0]
    conn.close()

    rec = recorder.HistoryRecorder(data, recorder.SessionInfo("pat-01", "phone", "camera", "lite"), detail_days=90,
                            warn=pytest.fail)
    rec.close()  # a recording that saw nothing: it only tidied up
    conn = db.connect(db.db_path(data))
    assert db.SCHEMA_VERSION == 4
    secs = q.seconds(conn, s.id)
    assert [r[0] for r in secs] == [0, 60]  # 96 s: two minutes
    assert sum(r[1] for r in secs) == 480  # every analysed frame still counted
    after = read_facts(conn, s)
    assert (after.observed_s, after.step) == (before.observed_s, 60)
    assert after.present_s == pytest.approx(before.present_s, abs=1)
    assert sum(after.states["phone_posture"].values()) == sum(before.states["phone_posture"].values())
    assert after.good_share("phone_posture") == pytest.approx(before.good_share("phone_posture"), abs=0.35)
    row = conn.execute("SELECT SUM(n), SUM(mean * n) / SUM(n), COUNT(*) FROM metric_seconds "
                       "WHERE metric = 'neck_flexion_deg'").fetchone()
    assert row[0] == n_before and row[1] == pytest.approx(mean_before) and row[2] == 2
    assert after.events == before.events  # alerts keep their exact times
    assert "kept a minute at a time" in build(conn, db.db_path(data),
                                              ReportRequest("pat-01", q.Selection(sessions=(s.id,))))
    assert maintenance.condense(conn, time.time()) == 0  # once is enough
    conn.close()


def test_a_person_with_only_a_calibration_can_be_forgotten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from posture.storage.calibrations import save_baseline
    from posture.types import Baseline, MetricStats, Position

    baseline = Baseline(profile="side", view="side", created="2026-11-20T10:00:00", source="clip", model="full",
                        duration_s=5.0, frames=50, stats={"cva_deg": MetricStats(52.0, 1.0, 50)},
                        position=Position(0.5, 0.5, 0.2))
    conn = db.connect(db.db_path(tmp_path))
    db.store_calibration(conn, db.person_id(conn, "pat-04"), baseline)
    db.store_calibration(conn, db.person_id(conn, "bob"), baseline)
    conn.close()
    save_baseline(tmp_path, baseline, "pat-04")
    save_baseline(tmp_path, baseline, "bob")
    # A session that does not exist is an error, and nothing goes; so is a session with a range of days.
    assert main(["history", "--data-dir", str(tmp_path), "--delete", "--session", "7"]) == 2
    assert "no session 7" in capsys.readouterr().err
    assert main(["history", "--data-dir", str(tmp_path), "--delete", "--session", "1", "--days", "7"]) == 2
    assert "give either --session or --days/--from/--to, not both" in capsys.readouterr().err
    # --person with --all forgets the person even without a session: database and files.
    assert main(["history", "--data-dir", str(tmp_path), "--delete", "--all", "--person", "pat-04", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "deleted 0 session(s)" in out and "also deleted the stored calibrations and snapshots of pat-04" in out
    conn = db.connect(db.db_path(tmp_path))
    assert q.people(conn) == ["bob"]
    conn.close()
    assert not (tmp_path / "calibrations" / "people" / "pat-04").exists()
    assert (tmp_path / "calibrations" / "people" / "bob" / "side.json").exists()
    # Two names that share a folder ("bob!" is kept as "bob"): forgetting one leaves the other's files.
    conn = db.connect(db.db_path(tmp_path))
    db.store_calibration(conn, db.person_id(conn, "bob!"), baseline)
    conn.close()
    assert main(["history", "--data-dir", str(tmp_path), "--delete", "--all", "--person", "bob!", "--yes"]) == 0
    assert (tmp_path / "calibrations" / "people" / "bob" / "side.json").exists()


@pytest.mark.slow  # the whole demo clip through the full model
def test_the_report_and_the_summary_agree_on_good_posture(tmp_path: Path) -> None:
    """Glances count as good time in the summary, so the stored seconds count them as good too."""
    from posture.report.facts import read_facts

    r = run_cli("--source", "demo", "--no-window", "--data-dir", str(tmp_path), timeout=600)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.strip().startswith("head forward "))
    assert "2 glances ignored" in line  # the demo's two glances at the keyboard
    shown = float(line.split("%")[0].split()[-1]) / 100
    conn = db.connect(db.db_path(tmp_path))
    [s] = q.find_sessions(conn, q.Selection())
    stored = read_facts(conn, s).good_share("forward_head")
    conn.close()
    assert stored == pytest.approx(shown, abs=0.015)  # seconds against frames


def test_files_go_even_when_another_reader_holds_the_history(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from posture.storage.calibrations import save_baseline
    from posture.types import Baseline, MetricStats, Position

    baseline = Baseline(profile="side", view="side", created="2026-11-20T10:00:00", source="clip", model="full",
                        duration_s=5.0, frames=50, stats={"cva_deg": MetricStats(52.0, 1.0, 50)},
                        position=Position(0.5, 0.5, 0.2))
    conn = db.connect(db.db_path(tmp_path))
    pid = db.person_id(conn, "pat-09")
    conn.execute("INSERT INTO sessions (person_id, start, end, profile, source, app_version) "
                 "VALUES (?, 1000, 1010, 'side', 'camera', 'x')", (pid,))
    conn.close()
    save_baseline(tmp_path, baseline, "pat-09")
    reader = sqlite3.connect(db.db_path(tmp_path))
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM sessions").fetchone()  # a report being read: the log cannot be emptied
    try:
        assert main(["history", "--data-dir", str(tmp_path), "--delete", "--all", "--person", "pat-09", "--yes"]) == 2
    finally:
        reader.close()
    assert "in use" in capsys.readouterr().err
    assert not (tmp_path / "calibrations" / "people" / "pat-09").exists()
    conn = db.connect(db.db_path(tmp_path))
    assert q.people(conn) == []
    conn.close()


def test_deleting_more_than_one_session_is_confirmed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import io

    conn = db.connect(db.db_path(tmp_path))
    anna = db.person_id(conn, "anna")
    for start in (1000, 2000, 3000):
        conn.execute("INSERT INTO sessions (person_id, start, end, profile, source, app_version) "
                     "VALUES (?, ?, ?, 'desk', 'camera', 'x')", (anna, start, start + 10))
    conn.close()

    def sessions() -> int:
        c = db.connect(db.db_path(tmp_path))
        try:
            return len(q.find_sessions(c, q.Selection()))
        finally:
            c.close()

    delete_all = ["history", "--data-dir", str(tmp_path), "--delete", "--all"]
    # Not on a terminal (a script, a pipe): refused without --yes.
    assert main(delete_all) == 2
    assert "deleting 3 sessions for good needs --yes" in capsys.readouterr().err and sessions() == 3
    # On a terminal: asked, and only a yes deletes (Dutch "j" too).
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    assert main(delete_all) == 1
    out = capsys.readouterr().out
    assert "Delete 3 sessions of anna for good" in out and "nothing deleted" in out and sessions() == 3
    monkeypatch.setattr("sys.stdin", io.StringIO("j\n"))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    assert main(delete_all) == 0 and sessions() == 0
