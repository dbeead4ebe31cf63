"""Calibration: recording, refusing, storing and judging against the user's own upright posture."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from posture.clinical import ISO_HEAD_HOLD, ISO_TRUNK_HOLD, cva_band, max_hold_s, neck_flexion_band, trunk_band
from posture.config import AlertSettings, load_settings
from posture.errors import CalibrationError
from posture.judge.calibration import CalibrationRecorder
from posture.judge.monitor import Monitor
from posture.judge.rules import rules_from_settings
from posture.storage.calibrations import baseline_path, load_baseline, model_key, save_baseline
from posture.live.app import App
from posture.live.calibrator import Calibrator
from posture.live.controls import Controls
from posture.pipeline import Pipeline
from posture.sources import CameraSource
from posture.types import BAD, BORDERLINE, GOOD, LM, Baseline, Landmarks, Metrics, MetricStats, Observation, Position
from tests.helpers import DEMO_CLIP, FakeCamera, FakeClock, FakePose, RecordingSink, make_landmarks, run_cli

FRONT_POINTS = {LM.LEFT_SHOULDER: (420, 300), LM.RIGHT_SHOULDER: (220, 300), LM.LEFT_EAR: (360, 190),
                LM.RIGHT_EAR: (280, 190), LM.NOSE: (320, 200)}


def record(values: list[dict | str | None], profile: str = "desk", view: str = "front", **kwargs) -> Baseline:
    """A recording of these readings (None: nobody in view; "dark": the user there, too dark to measure)."""
    rec = CalibrationRecorder(profile=profile, duration_s=2.0, **kwargs)
    lm = make_landmarks(FRONT_POINTS)
    for i, v in enumerate(values):
        if v == "dark":
            rec.add(Metrics(view=view), lm, i * 0.1, dark=True)
        else:
            rec.add(None if v is None else Metrics(view=view, **v), None if v is None else lm, i * 0.1)
    return rec.result()


def test_recorder_keeps_robust_statistics() -> None:
    rng = np.random.default_rng(1)
    values = [{"cva_deg": 44 + rng.normal(0, 0.5), "lateral_lean_deg": 1.0} for _ in range(30)]
    values[5] = {"cva_deg": 80.0, "lateral_lean_deg": 1.0}  # one wild frame does not move the median
    b = record(values)
    assert b.view == "front" and b.frames == 30 and b.profile == "desk"
    assert b.stats["cva_deg"].median == pytest.approx(44, abs=0.4)
    assert b.stats["cva_deg"].mad < 0.6
    assert b.median("lateral_lean_deg") == 1.0 and b.median("head_tilt_deg") is None
    assert b.position.x == pytest.approx(320 / 640) and b.position.size > 0


def test_photos_in_any_order_are_not_a_change_of_posture() -> None:
    # Three photos: one reads higher. Their order means nothing, and the spread check is what judges them.
    rec = CalibrationRecorder(profile="desk", photos=True)
    lm = make_landmarks(FRONT_POINTS)
    for i, cva in enumerate([50.0, 50.0, 53.0, 50.0]):
        rec.add(Metrics(view="front", cva_deg=cva), lm, float(i))
    assert not rec.done() and rec.result().median("cva_deg") == 50.0


@pytest.mark.parametrize("values,profile,view,message", [
    ([None] * 20 + [{"cva_deg": 44.0}] * 5, "desk", "front", "in view in only 20%"),
    (["dark"] * 20 + [{"cva_deg": 44.0}] * 5, "desk", "front", "too dark around your face in 80%"),
    (["dark"] * 4 + [None] * 16 + [{"cva_deg": 44.0}] * 5, "desk", "front", "in view in only 20%"),
    ([{"cva_deg": 44.0 + (10 if i % 2 else -10)} for i in range(30)], "desk", "front", "you moved too much"),
    # Upright, then slumped for most of the recording: little spread, but two postures.
    ([{"cva_deg": 50.0 if i < 12 else 38.0} for i in range(30)], "desk", "front", "your posture changed"),
    ([{"cva_deg": 50.0}] * 30, "side", "front", "needs a side view"),
    ([{"cva_deg": 50.0}] * 30, "desk", "side", "needs a front view"),
    ([{"lateral_lean_deg": 1.0}] * 30, "desk", "front", "head and shoulders were not visible"),
])
def test_unusable_calibrations_are_refused(values: list, profile: str, view: str, message: str) -> None:
    with pytest.raises(CalibrationError, match=message):
        record(values, profile=profile, view=view)


def test_store_and_reload(tmp_path: Path) -> None:
    b = record([{"cva_deg": 44.0, "neck_flexion_deg": 9.0}] * 25)
    path = save_baseline(tmp_path, b)
    assert path == baseline_path(tmp_path, "desk") and not list(path.parent.glob("*.tmp"))
    again = load_baseline(tmp_path, "desk")
    assert again == b
    assert load_baseline(tmp_path, "phone") is None
    path.write_text("{not json")
    with pytest.raises(CalibrationError, match="damaged"):
        load_baseline(tmp_path, "desk")
    path.write_text(json.dumps({"profile": "desk"}))
    with pytest.raises(CalibrationError, match="damaged"):
        load_baseline(tmp_path, "desk")


def test_two_names_never_share_a_folder(tmp_path: Path) -> None:
    from posture.storage.calibrations import person_files, person_folder

    assert person_folder("pat-07") == "pat-07"  # a plain name as it is
    assert person_folder("pat 07") != person_folder("pat_07") and person_folder("pat 07").startswith("pat_07-")
    assert person_folder("Anna").lower() != person_folder("anna").lower()  # also where case is ignored
    a = record([{"cva_deg": 44.0}] * 25)
    b = record([{"cva_deg": 50.0}] * 25)
    save_baseline(tmp_path, a, "pat 07")
    save_baseline(tmp_path, b, "pat_07")
    assert load_baseline(tmp_path, "desk", "pat 07") == a and load_baseline(tmp_path, "desk", "pat_07") == b
    # A calibration an earlier version kept under the shared folder is still found.
    legacy = tmp_path / "calibrations" / "people" / "anna_b" / "desk.json"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(json.dumps(a.to_json()))
    assert load_baseline(tmp_path, "desk", "anna b") == a
    # Forgetting "pat 07" touches none of "pat_07"'s folders.
    assert not any("pat_07" == f.name for f in person_files(tmp_path, "pat 07", in_use=["pat_07"]))


def test_each_pose_model_keeps_its_own_calibration(tmp_path: Path) -> None:
    import dataclasses

    full = record([{"cva_deg": 44.0}] * 25)
    assert model_key(full.model) == "full"
    lite = dataclasses.replace(full, model="pose_landmarker_lite.task", stats={"cva_deg": MetricStats(47.0, 0.5, 25)})
    # With only the full model's calibration, a lite run uses it (and the app says so).
    save_baseline(tmp_path, full)
    assert load_baseline(tmp_path, "desk", model="lite") == full
    assert save_baseline(tmp_path, lite) == tmp_path / "calibrations" / "desk.lite.json"
    assert load_baseline(tmp_path, "desk", model="lite") == lite
    assert load_baseline(tmp_path, "desk", model="full") == full == load_baseline(tmp_path, "desk")
    assert model_key("/models/pose_landmarker_heavy.task") == "heavy"


def baseline(view: str, **medians: float) -> Baseline:
    return Baseline(profile="side" if view == "side" else "desk", view=view, created="2026-11-25T10:00:00",
                    source="test", model="m", duration_s=5, frames=50,
                    stats={k: MetricStats(v, 0.3, 50) for k, v in medians.items()}, position=Position(0.5, 0.6, 0.2))


def test_calibrated_rules() -> None:
    settings = load_settings()
    side = {r.kind: r for r in rules_from_settings(settings.rules, 0.6, baseline("side", cva_deg=52.0,
                                                                                  neck_flexion_deg=-3.0))["side"]}
    # 5 deg below the own upright 52 would be 47: the clinical 45.5 comes later, so 47 stands.
    assert side["forward_head"].neutral == 52.0 and side["forward_head"].limit == 47.0
    assert side["forward_head"].calibrated
    assert side["phone_posture"].limit == 22.0  # 25 deg beyond the own upright -3
    assert side["slump"].calibrated is False  # no trunk value in this baseline: general limits
    # An upright CVA already near the cut-off: the user's own limit 5 deg below it.
    near = {r.kind: r for r in rules_from_settings(settings.rules, 0.6, baseline("side", cva_deg=46.0))["side"]}
    assert near["forward_head"].limit == 41.0
    # Clinically good upright, so the clinical cut-off comes first when it is nearer.
    high = {r.kind: r for r in rules_from_settings(settings.rules, 0.6, baseline("side", cva_deg=49.0))["side"]}
    assert high["forward_head"].limit == 45.5
    front = {r.kind: r for r in rules_from_settings(settings.rules, 0.6, baseline("front", cva_deg=44.0,
                                                                                   lateral_lean_deg=2.0))["front"]}
    assert front["forward_head"].limit == 34.0 and front["lean"].neutral == 2.0  # 10 deg from the front
    assert front["lean"].beyond(7.0) and front["lean"].beyond(-3.0) and not front["lean"].beyond(6.5)
    assert front["head_tilt"].limit == 8.0
    # The baseline applies only to its own view.
    front_only = rules_from_settings(settings.rules, 0.6, baseline("front", cva_deg=44.0))
    assert not any(r.calibrated for r in front_only["side"])


@pytest.mark.parametrize("func,value,level", [
    (cva_band, 50.0, GOOD), (cva_band, 49.99, BORDERLINE), (cva_band, 45.5, BORDERLINE), (cva_band, 45.49, BAD),
    (neck_flexion_band, 10.0, GOOD), (neck_flexion_band, 10.01, BORDERLINE), (neck_flexion_band, 20.0, BORDERLINE),
    (neck_flexion_band, 20.01, BAD), (neck_flexion_band, 25.01, BAD), (neck_flexion_band, -10.0, GOOD),
    (neck_flexion_band, -10.01, BORDERLINE),
    (trunk_band, 20.0, GOOD), (trunk_band, 20.01, BORDERLINE), (trunk_band, 60.0, BORDERLINE), (trunk_band, 60.01, BAD),
])
def test_band_boundaries(func, value: float, level: str) -> None:
    band = func(value)
    assert band.level == level and band.source and band.label


def test_band_sources_name_the_facts() -> None:
    assert "Mostafaee" in cva_band(40).source
    assert "ISO 11226" in neck_flexion_band(30).source and "RULA" in neck_flexion_band(15).source
    assert "ISO 11226" in trunk_band(30).source


@pytest.mark.parametrize("table,angle,seconds", [
    (ISO_HEAD_HOLD, 24.9, None), (ISO_HEAD_HOLD, 25, 480), (ISO_HEAD_HOLD, 30, 445), (ISO_HEAD_HOLD, 45, 340),
    (ISO_HEAD_HOLD, 85, 60), (ISO_HEAD_HOLD, 95, 60),
    (ISO_TRUNK_HOLD, 19, None), (ISO_TRUNK_HOLD, 20, 240), (ISO_TRUNK_HOLD, 40, 150), (ISO_TRUNK_HOLD, 70, 60),
])
def test_iso_11226_holding_times(table, angle: float, seconds: float | None) -> None:
    assert max_hold_s(table, angle) == (None if seconds is None else pytest.approx(seconds))


def test_iso_cap_brings_the_alert_forward() -> None:
    settings = load_settings()
    timing = AlertSettings(alert_after_s=600.0)
    mon = Monitor(rules_from_settings(settings.rules, 0.6), timing)
    t, events = 0.0, []
    while t < 400 and not events:  # neck bent 85 deg: ISO 11226 allows 1 min
        events = [e for e in mon.update(Metrics(view="side", neck_flexion_deg=85.0), t) if e.type == "alert"]
        t += 0.5
    assert events and events[0].kind == "phone_posture" and events[0].reason == "iso11226"
    assert events[0].t == pytest.approx(60.0, abs=0.6)


def demo_excerpt(path: Path, ranges: list[range]) -> None:
    """A short video of some of the demo clip's frames, at 10 fps."""
    wanted = {i for r in ranges for i in r}
    cap = cv2.VideoCapture(str(DEMO_CLIP))
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (640, 480))
    for i in range(max(wanted) + 1):
        ok, img = cap.read()
        if i in wanted:
            w.write(img)
    cap.release()
    w.release()


def test_calibration_round_trip_through_the_command_line(tmp_path: Path) -> None:
    upright, slumped, data = tmp_path / "upright.mp4", tmp_path / "slumped.mp4", tmp_path / "data"
    demo_excerpt(upright, [range(0, 70)])  # 7 s sitting upright
    demo_excerpt(slumped, [range(300, 500)])  # 20 s of the slump (head forward, CVA about 38 deg)
    r = run_cli("--no-window", "--source", str(upright), "--profile", "side", "--calibrate", "--data-dir", str(data),
                "--log", str(tmp_path / "calibrate.jsonl"))
    assert r.returncode == 0, r.stderr
    assert "Calibration stored for the side profile" in r.stdout
    stored = load_baseline(data, "side")
    assert stored is not None and stored.view == "side" and 48 < (stored.median("cva_deg") or 0) < 54
    assert stored.duration_s >= 5.0 and stored.source == str(upright)
    # The lite model (the background mode's) reads some angles differently: a run with it says so.
    r = run_cli("--no-window", "--source", str(upright), "--profile", "side", "--data-dir", str(data),
                "--model", "lite", "--no-history")
    assert "made with the full pose model and this run uses lite" in r.stderr and "--model lite --calibrate" in r.stderr
    # The log says when the calibration was made, and which.
    [made] = [x for x in map(json.loads, (tmp_path / "calibrate.jsonl").read_text().splitlines())
              if x["type"] == "calibration"]
    assert made["profile"] == "side" and made["created"] == stored.created and made["t"] >= 5.0
    # Judged against it, the slump alerts (the clinical cut-off and the own limit agree).
    log = tmp_path / "a.jsonl"
    r = run_cli("--no-window", "--source", str(slumped), "--profile", "side", "--data-dir", str(data),
                "--log", str(log), "--alert-after", "5")
    assert r.returncode == 0 and "judging against your calibration" in r.stderr
    records = [json.loads(x) for x in log.read_text().splitlines()]
    assert all(s["calibrated"] for s in records if s["type"] == "sample" and s["present"])
    assert [x["kind"] for x in records if x["type"] == "alert"] == ["forward_head"]
    assert any(s["bands"].get("cva_deg") == "bad" for s in records if s["type"] == "sample")
    # A patient whose habitual posture is this slump is calibrated in it (under their own name, beside
    # the user's calibration): judged against their own posture, holding it is no deviation (the
    # clinical band still says where it stands).
    r = run_cli("--no-window", "--source", str(slumped), "--profile", "side", "--calibrate", "--data-dir", str(data),
                "--person", "pat-07")
    assert r.returncode == 0, r.stderr
    assert (data / "calibrations" / "people" / "pat-07" / "side.json").exists()
    assert load_baseline(data, "side").median("cva_deg") == stored.median("cva_deg")  # the user's is untouched
    r = run_cli("--no-window", "--source", str(slumped), "--profile", "side", "--data-dir", str(data),
                "--log", str(log), "--alert-after", "5", "--person", "pat-07")
    records = [json.loads(x) for x in log.read_text().splitlines()]
    assert not [x for x in records if x["type"] == "alert" and x["kind"] == "forward_head"]
    assert all(s["bands"].get("cva_deg") == "bad" for s in records if s["type"] == "sample" and s["present"])
    # The history keeps both calibrations, each with its person, and the session names the one it used.
    from posture.storage import db
    from posture.storage import queries as q

    conn = db.connect(db.db_path(data))
    [session] = q.find_sessions(conn, q.Selection(person="pat-07"))
    assert session.calibration == load_baseline(data, "side", "pat-07").created
    assert q.counts(conn, "pat-07")["calibrations"] == 1
    conn.close()


def test_calibration_refused_from_the_command_line(tmp_path: Path) -> None:
    # The demo is filmed from the side: the desk profile (a frontal webcam) refuses it.
    r = run_cli("--no-window", "--source", "demo", "--profile", "desk", "--calibrate", "--data-dir", str(tmp_path))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].startswith("posture-monitor: error: calibration refused: the camera "
                                                         "sees you from the side")
    assert load_baseline(tmp_path, "desk") is None


def test_calibration_from_photos(tmp_path: Path) -> None:
    # A few photos of the upright posture (here frames of the demo's first 5 s, saved as JPEG, shuffled):
    # each photo is found on its own, so their order does not matter.
    photos, data = tmp_path / "photos", tmp_path / "data"
    photos.mkdir()
    cap = cv2.VideoCapture(str(DEMO_CLIP))
    for i in range(48):
        ok, img = cap.read()
        if i % 4 == 0:
            cv2.imwrite(str(photos / f"upright_{(i * 7) % 48:02d}.jpg"), img)
    cap.release()
    r = run_cli("--no-window", "--source", str(photos), "--profile", "side", "--calibrate", "--data-dir", str(data))
    assert r.returncode == 0, r.stderr
    stored = load_baseline(data, "side")
    assert stored is not None and stored.frames == 12 and 48 < (stored.median("cva_deg") or 0) < 54  # all of them
    # Two photos are too few, and the message says so (not that nobody was in view).
    for p in sorted(photos.iterdir())[2:]:
        p.unlink()
    r = run_cli("--no-window", "--source", str(photos), "--profile", "side", "--calibrate",
                "--data-dir", str(tmp_path / "d2"))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].endswith(
        "calibration refused: 2 frames are too few; give a clip of a few seconds or at least 3 photos")


# -- the guided first calibration ------------------------------------------------------------------

def front_person() -> Landmarks:
    """A frontal person sitting upright (the head above the shoulders, level)."""
    return make_landmarks({LM.LEFT_SHOULDER: (420, 330), LM.RIGHT_SHOULDER: (220, 330), LM.LEFT_EAR: (370, 220),
                           LM.RIGHT_EAR: (270, 220), LM.NOSE: (320, 230), LM.LEFT_EYE: (340, 210),
                           LM.RIGHT_EYE: (300, 210), LM.MOUTH_LEFT: (335, 255), LM.MOUTH_RIGHT: (305, 255)})


def guided_run(tmp_path: Path, skip_at: float | None = None) -> tuple[list[str], App]:
    """A camera session that starts with the guided calibration (made-up camera, model and clock); the
    user presses n at ``skip_at`` seconds, if given. Returns what the app said and the app."""
    clock = FakeClock()
    settings = load_settings(None, {"source": "0", "window": False, "data_dir": str(tmp_path),
                                    "pose": {"face": False}})
    camera = FakeCamera([np.zeros((480, 640, 3), np.uint8)], fps=1000)
    source = CameraSource(0, max_fps=5.0, opener=camera.open, clock=clock, sleep=clock.sleep)

    def stop_or_skip(obs: Observation) -> bool:
        if skip_at is not None and obs.frame.t >= skip_at and sink.app.guide is not None:
            Controls(sink.app).handle_key("n")
        return obs.frame.t >= 14.0

    sink = RecordingSink(stop_when=stop_or_skip)
    app = App(source, Pipeline(FakePose(front_person()), settings), [sink],
              calibrator=Calibrator(settings, tmp_path, "pose_landmarker_full.task"), clock=clock, sleep=clock.sleep)
    sink.app = app
    app.guide_calibration(3.0)
    app.run()
    return [m for m in sink.messages if m], app


def test_a_first_session_starts_by_recording_the_upright_posture(tmp_path: Path) -> None:
    said, app = guided_run(tmp_path)
    # A countdown first (3, 2, 1), then 5 s of recording, then judging against the new calibration.
    countdown = [m for m in said if m.startswith("Sit upright and look at the screen")]
    assert [m[-1] for m in dict.fromkeys(countdown)] == ["3", "2", "1"]
    assert "calibrated: judging against your upright posture" in said
    stored = load_baseline(tmp_path, "desk")
    assert stored is not None and stored.view == "front" and 4.5 <= stored.duration_s <= 5.5
    assert app.pipeline.baseline == stored and app.guide is None


def test_the_guided_calibration_can_be_skipped(tmp_path: Path) -> None:
    said, app = guided_run(tmp_path, skip_at=4.0)  # in the middle of the recording
    assert "calibration skipped: judging against general limits (press c to calibrate)" in said
    assert "calibrated: judging against your upright posture" not in said
    assert load_baseline(tmp_path, "desk") is None and app.pipeline.recorder is None
