"""End to end through the command line, as a user runs it: logs, summary, exit codes, bad input."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
from pathlib import Path

import cv2
import pytest

from tests.helpers import DATA, run_cli, start_cli, wait_until

KINDS = {"forward_head", "rounded_shoulders", "phone_posture", "slump", "lean", "head_tilt"}
METRICS = {"cva_deg", "head_forward_cm", "shoulder_angle_deg", "neck_flexion_deg", "trunk_inclination_deg",
           "lateral_lean_deg", "head_tilt_deg",
           # the head's pose from the face (front view)
           "head_pitch_deg", "head_yaw_deg", "head_roll_deg", "face_x_cm", "face_y_cm", "face_z_cm"}


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def lean_video(path: Path) -> list[str]:
    """A video made from the webcam frames of a person leaning left, 2 frames a second."""
    rows = sorted((r for r in csv.DictReader(open(DATA / "front_webcam" / "labels.csv", encoding="utf-8"))
                   if r["video"] == "ngatrai"), key=lambda r: int(r["frame"]))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 2.0, (320, 180))
    for r in rows:
        writer.write(cv2.imread(str(DATA / "front_webcam" / r["file"])))
    writer.release()
    return [r["label"] for r in rows]


def test_video_made_in_the_test_gives_log_and_summary(tmp_path: Path) -> None:
    video, log = tmp_path / "lean.mp4", tmp_path / "out.jsonl"
    labels = lean_video(video)
    r = run_cli("--source", str(video), "--no-window", "--log", str(log),
                "--set", "alerts.glance_s=1", "--alert-after", "3")
    assert r.returncode == 0, r.stderr
    records = read_log(log)
    assert records[0]["type"] == "session" and records[0]["settings"]["alerts"]["alert_after_s"] == 3.0
    samples = [x for x in records if x["type"] == "sample"]
    assert len(samples) == len(labels)
    assert [s["frame"] for s in samples] == list(range(len(labels)))
    assert samples[1]["t"] == pytest.approx(0.5)
    for s in samples:
        assert set(s) >= {"t", "frame", "view", "metrics", "states"}
        assert set(s["states"]) == KINDS and set(s["states"].values()) <= {"good", "deviating", "alert", "unknown"}
        if s["present"]:
            assert set(s["metrics"]) == METRICS and s["view"] == "front"
    alerts = [x for x in records if x["type"] == "alert"]
    assert [a["kind"] for a in alerts] == ["lean"]
    assert alerts[0]["t"] >= labels.index("lean_left") * 0.5 + 3
    assert {"t", "kind", "start", "peak", "metric"} <= set(alerts[0])
    ends = [x for x in records if x["type"] == "alert_end"]
    assert ends and ends[0]["kind"] == "lean" and ends[0]["end"] > alerts[0]["t"]
    # The summary on stdout: time observed, share of good posture per problem, alerts raised.
    assert "Session summary" in r.stdout and "observed" in r.stdout
    assert "leaning sideways" in r.stdout and "alerts raised: 1" in r.stdout


def test_stills_folder(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    rows = list(csv.DictReader(open(DATA / "side_desk" / "labels.csv", encoding="utf-8")))[:6]
    for r in rows:
        shutil.copy(DATA / "side_desk" / r["file"], photos)
    log = tmp_path / "stills.jsonl"
    r = run_cli("--source", str(photos), "--stills", "--no-window", "--log", str(log))
    assert r.returncode == 0, r.stderr
    samples = [x for x in read_log(log) if x["type"] == "sample"]
    assert sorted(s["file"] for s in samples) == sorted(Path(x["file"]).name for x in rows)
    assert all(s["view"] == "side" for s in samples if s["present"])
    assert not [x for x in read_log(log) if x["type"] == "alert"]  # photos are judged, never alerted
    assert "Photo summary" in r.stdout and "6 photos judged" in r.stdout
    # Each photo gets its own verdict line, naming the problems the log has beyond the limit.
    lines = {line.split()[0]: line for line in r.stdout.splitlines()[1:] if line.startswith("    ") and ".jpg" in line}
    assert sorted(lines) == sorted(s["file"] for s in samples)
    for s in samples:
        bad = [k for k, state in s["states"].items() if state == "deviating"]
        line = lines[s["file"]]
        assert ("beyond the limit" in line) == bool(bad), line
        assert line.count(" at ") == len(bad), line


@pytest.mark.slow  # the whole demo clip through the full model
def test_the_demo_clip(tmp_path: Path) -> None:
    log = tmp_path / "demo.jsonl"
    r = run_cli("--source", "demo", "--no-window", "--log", str(log))
    assert r.returncode == 0, r.stderr
    alerts = [x for x in read_log(log) if x["type"] == "alert"]
    assert [a["kind"] for a in alerts] == ["forward_head"]
    assert "ALERT" in r.stderr and "ears back over your shoulders" in r.stderr
    assert "alerts raised: 1" in r.stdout and "view: side 100%" in r.stdout


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_prints_summary_and_keeps_the_log_complete(tmp_path: Path, sig: int, code: int) -> None:
    log, data = tmp_path / "int.jsonl", tmp_path / "data"
    proc = start_cli("--source", "demo", "--no-window", "--log", str(log), "--data-dir", str(data))
    wait_until(lambda: log.exists() and log.read_text().count("\n") >= 50, timeout_s=120, poll_s=0.2)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Session summary" in out
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 50 and all(json.loads(line) for line in lines)  # every line complete JSON
    # The history's session is closed at once, not left open until the next start.
    from posture.storage import db
    from posture.storage import queries as q

    conn = db.connect(db.db_path(data))
    [session] = q.find_sessions(conn, q.Selection())
    conn.close()
    assert session.end is not None and session.end_reason == "finished"


def test_help_and_version() -> None:
    r = run_cli("--help")
    assert r.returncode == 0
    for flag in ("--source", "--profile", "--model", "--fps", "--stills", "--no-window", "--log", "--config",
                 "--set", "--view", "examples:", "exit codes"):
        assert flag in r.stdout
    v = run_cli("--version")
    assert v.returncode == 0 and v.stdout.startswith("posture-monitor ")


def corrupt_video(tmp: Path) -> Path:
    p = tmp / "broken.mp4"
    p.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    return p


def bad_image(tmp: Path) -> Path:
    p = tmp / "photo.jpg"
    p.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return p


def bad_config(tmp: Path) -> Path:
    p = tmp / "bad.toml"
    p.write_text("[alerts]\nalert_after_s = 0\n")
    return p


def broken_toml(tmp: Path) -> Path:
    p = tmp / "broken.toml"
    p.write_text("[alerts\n")
    return p


@pytest.mark.parametrize("make_args,expected", [
    (lambda t: ["--source", str(t / "missing.mp4")], "no such camera, file or folder"),
    (lambda t: ["--source", str(corrupt_video(t))], "cannot read video"),
    (lambda t: ["--source", str(bad_image(t))], "cannot read image"),
    (lambda t: ["--source", "7"], "camera 7 not found or busy"),
    (lambda t: ["--sauce", "demo"], "unrecognized arguments: --sauce"),
    (lambda t: ["--fps", "0", "--source", "demo"], "fps = 0.0 is out of range: allowed 0.1 to 120 fps"),
    (lambda t: ["--fps", "fast"], "argument --fps: invalid float value"),
    (lambda t: ["--profile", "sofa"], "argument --profile: invalid choice"),
    (lambda t: ["--config", str(bad_config(t))], "alerts.alert_after_s = 0.0 is out of range"),
    (lambda t: ["--config", str(broken_toml(t))], "not valid TOML"),
    (lambda t: ["--config", str(t / "none.toml")], "config file not found"),
    (lambda t: ["--set", "rules.lean.limt=3"], "unknown setting 'rules.lean.limt'"),
    (lambda t: ["--source", "demo", "--model", str(t / "x.task")], "pose model not found"),
    (lambda t: ["--source", "demo", "--model", str(bad_image(t))], "cannot load pose model"),
    (lambda t: ["--source", "demo", "--no-window", "--log", str(t / "no" / "dir" / "x.jsonl")], "cannot write log"),
])
def test_bad_input_gives_one_line_and_exit_2(tmp_path: Path, make_args, expected: str) -> None:
    r = run_cli(*make_args(tmp_path), timeout=120)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("posture-monitor: error: ") and expected in lines[0]
    assert "Traceback" not in r.stderr


def test_unreadable_photo_in_a_folder_is_skipped_then_reported(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    first = sorted((DATA / "side_desk" / "images").iterdir())[:2]
    for f in first:
        shutil.copy(f, photos)
    bad_image(photos)
    r = run_cli("--source", str(photos), "--stills", "--no-window")
    assert r.returncode == 2
    assert "2 photos judged" in r.stdout  # the good photos were still judged and summarised
    assert r.stderr.strip().splitlines()[-1] == (
        "posture-monitor: error: 1 image could not be read and was skipped: photo.jpg")


def test_view_that_does_not_fit_the_profile_is_pointed_out() -> None:
    r = run_cli("--source", "demo", "--profile", "desk", "--no-window", "--fps", "2")
    assert r.returncode == 0
    assert "the camera sees you from the side, but the desk profile is meant for a front view: try --profile side " \
        "(key 3 in the window)" in r.stderr
    r = run_cli("--source", "demo", "--no-window", "--fps", "2")  # the demo picks the side profile itself
    assert "meant for" not in r.stderr
    # The side profile fixes the view, but a frontal camera is still pointed out.
    r = run_cli("--source", str(DATA / "clips" / "phone_front_low.mp4"), "--profile", "side", "--no-window",
                "--fps", "2", "--no-history")
    assert "the camera sees you from the front, but the side profile is meant for a side view: try --profile desk " \
        "(key 1 in the window)" in r.stderr
    # ... and nothing is judged as a side view: no alert (the neck read as a side view bends 120 deg), a
    # note after 30 s, and the summary gives the view the camera saw.
    assert "ALERT" not in r.stdout and "alerts raised: 0" in r.stdout
    assert "0:30 note Nothing is judged: the camera does not see you from the side that the settings ask for" \
        in r.stderr
    assert "view: front 100%" in r.stdout and "% of " not in r.stdout
    # Photos say it each: a frontal photo with the side profile's fixed view is not judged.
    photo = sorted((DATA / "front_webcam_start" / "images").iterdir())[-1]
    r = run_cli("--source", str(photo), "--stills", "--profile", "side", "--no-window")
    assert "nothing measurable (the photo looks like a front view; a side view was asked for, so it is not judged)" \
        in r.stdout
