"""posture-monitor exercise on real footage: the rendered side clip's squeezes and nods
(tests/data/clips/exercise_side_cut.mp4), through the real pose model, as a user runs it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.helpers import DATA, run_cli

CUT = DATA / "clips" / "exercise_side_cut.mp4"


def ways_in(kind: str) -> list[tuple[float, float]]:
    """When each repetition of ``kind`` ("squeeze", "nod") moves in, in the cut's time (its truth)."""
    rows = list(csv.DictReader(open(CUT.with_suffix(".csv"), encoding="utf-8")))
    spans: dict[str, list[float]] = {}
    for r in rows:
        if r["segment"].startswith(kind + "_") and r["segment"].endswith("_in"):
            spans.setdefault(r["segment"], []).append(float(r["t_s"]))
    return [(min(v), max(v)) for v in spans.values()]


def records(log: Path, kind: str) -> list[dict]:
    return [r for r in map(json.loads, log.read_text(encoding="utf-8").splitlines()) if r["type"] == kind]


@pytest.mark.slow
def test_squeezes_are_counted_and_nods_are_no_chin_tucks(tmp_path: Path) -> None:
    # The shoulder-blade squeeze, watched from the side: both squeezes reach the target, none is a
    # wrong movement, and nothing in the nods or the upright rest is an attempt.
    log = tmp_path / "squeeze.jsonl"
    r = run_cli("exercise", "shoulder_squeeze", "--source", str(CUT), "--reps", "5", "--log", str(log))
    assert r.returncode == 0, r.stderr
    reps = records(log, "rep")
    assert len(reps) == 2 and all(x["exercise"] == "shoulder_squeeze" and x["unit"] == "deg" for x in reps)
    assert all(a <= x["started"] <= b + 1.0 for x, (a, b) in zip(reps, ways_in("squeeze")))  # during each way in
    assert all(x["range"] >= 4.0 and x["why"] in (None, "not held") for x in reps)
    assert all(abs(x["hold_s"] - 3.0) < 1.0 for x in reps)
    assert sum(x["counted"] for x in reps) >= 1
    [done] = records(log, "set")
    assert done["reps_counted"] == sum(x["counted"] for x in reps) and done["attempts"] == 2 and done["view"] == "side"
    assert "Exercise summary" in r.stdout and "shoulder-blade squeeze" in r.stdout

    # The chin tuck on the same footage: the two nods are the wrong movement, rejected; no tuck counted.
    log = tmp_path / "tuck.jsonl"
    r = run_cli("exercise", "chin_tuck", "--source", str(CUT), "--reps", "5", "--log", str(log), "--lang", "nl")
    assert r.returncode == 0, r.stderr
    reps = records(log, "rep")
    assert [(x["counted"], x["why"]) for x in reps] == [(False, "wrong movement")] * 2
    assert all(a <= x["started"] <= b + 1.0 for x, (a, b) in zip(reps, ways_in("nod")))  # during each nod
    [done] = records(log, "set")
    assert done["reps_counted"] == 0 and done["wrong_movements"] == 2
    assert "knikken" in r.stderr  # said in Dutch


def test_exercise_errors_are_one_line(tmp_path: Path) -> None:
    cases = [
        (["exercise", "push_up"], "no exercise or program push_up"),
        (["exercise", "chin_tuck", "--reps", "0"], "reps = 0 is not allowed"),
        (["exercise", str(tmp_path / "missing.toml")], "config file not found"),
    ]
    program = tmp_path / "program.toml"
    program.write_text('[[exercise]]\nname = "chin_tuck"\nsets = "two"\n', encoding="utf-8")
    cases.append((["exercise", str(program)], "sets = 'two' is not allowed"))
    bad = tmp_path / "bad.toml"
    bad.write_text('[[exercise]]\nname = "chin_tuck"\nholds = 3\n', encoding="utf-8")
    cases.append((["exercise", str(bad)], "unknown key holds"))
    cases.append((["exercise", "chin_tuck", "--keep-program", "--per-week", "30"], "--per-week 30 is not allowed"))
    for argv, said in cases:
        r = run_cli(*argv, "--source", str(CUT), "--no-window")
        assert r.returncode == 2, (argv, r.stderr)
        assert said in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


@pytest.mark.slow
def test_an_exercise_watched_from_another_view_asks_for_it() -> None:
    r = run_cli("exercise", "neck_side_bend", "--source", str(CUT), "--no-window")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].endswith(
        "the neck side bend is watched from the front, but the camera sees you from the side: place the camera "
        "so that it sees you from the front")


@pytest.mark.slow
def test_a_kept_program_runs_with_one_command_and_its_sets_reach_the_report(tmp_path: Path) -> None:
    import sqlite3

    data = tmp_path / "data"
    program = tmp_path / "anna.toml"
    program.write_text('per_week = 5\n\n[[exercise]]\nname = "shoulder_squeeze"\nreps = 1\nhold_s = 3\n\n'
                       '[[exercise]]\nname = "chin_tuck"\nreps = 10\n', encoding="utf-8")
    # The therapist keeps the program for anna; anna starts it with one command.
    r = run_cli("exercise", str(program), "--keep-program", "--person", "anna", "--data-dir", str(data))
    assert r.returncode == 0 and "posture-monitor exercise --person anna" in r.stdout, r.stderr
    r = run_cli("exercise", "--person", "anna", "--data-dir", str(data), "--source", str(CUT), "--no-window")
    assert r.returncode == 0, r.stderr
    assert "shoulder-blade squeeze" in r.stdout and "chin tuck" in r.stdout  # the squeezes, then the nods' part
    conn = sqlite3.connect(data / "history.sqlite3")
    rows = conn.execute("SELECT exercise, reps_asked, attempts, view FROM exercise_sets ORDER BY start").fetchall()
    conn.close()
    assert rows[0][0::3] == ("shoulder_squeeze", "side") and rows[0][1] == 1 and rows[-1][0] == "chin_tuck"
    # Exercises without any posture session: the report shows them (a person who only does the program).
    out = tmp_path / "exercises.html"
    r = run_cli("report", "--person", "anna", "--data-dir", str(data), "--days", "7", "--out", str(out))
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert "No posture session was recorded in this span" in page and "<h2>Exercises</h2>" in page
    assert "shoulder-blade squeeze" in page and "<h2>Sessions</h2>" not in page
    # Without a program, one command says what to do.
    r = run_cli("exercise", "--person", "bob", "--data-dir", str(data), "--source", str(CUT), "--no-window")
    assert r.returncode == 2 and "no program kept for bob" in r.stderr
    # The report of a posture session that week shows the exercises beside it.
    r = run_cli("--source", str(DATA / "clips" / "phone_front_low.mp4"), "--no-window", "--person", "anna",
                "--data-dir", str(data), "--fps", "2")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "report.html"
    r = run_cli("report", "--person", "anna", "--data-dir", str(data), "--days", "7", "--out", str(out))
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    section = page[page.index("<h2>Exercises</h2>"):]
    assert "shoulder-blade squeeze" in section and "days done / asked" in section
    squeeze_row = section[section.index("shoulder-blade squeeze"):].split("</tr>")[0]
    assert squeeze_row.count(">1 / 5<") == 2  # on one day of the five a week asked; one set of the five
    assert 'alt="Range of motion of each exercise' in section
    # Deleting the posture session keeps the exercises (and anna); --all for anna takes everything of hers.
    r = run_cli("history", "--person", "anna", "--data-dir", str(data), "--delete", "--session", "1")
    assert r.returncode == 0, r.stderr
    r = run_cli("history", "--person", "anna", "--data-dir", str(data))
    assert "exercise sets" in r.stdout and "shoulder-blade squeeze" in r.stdout
    exported = tmp_path / "export.json"
    r = run_cli("history", "--person", "anna", "--data-dir", str(data), "--export-json", str(exported))
    assert [s["exercise"] for s in json.loads(exported.read_text())["exercise_sets"]][0] == "shoulder_squeeze"
    r = run_cli("history", "--person", "anna", "--data-dir", str(data), "--delete", "--all", "--yes")
    assert r.returncode == 0 and "exercise set" in r.stdout, r.stderr
    conn = sqlite3.connect(data / "history.sqlite3")
    assert conn.execute("SELECT COUNT(*) FROM exercise_sets").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM programs").fetchone()[0] == 0
    conn.close()
