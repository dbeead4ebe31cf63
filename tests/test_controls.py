"""The live window's keys and the app's controls, with a stand-in display and made-up clocks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cv2
import numpy as np
import pytest

from posture.clinical import neck_load_kg
from posture.config import load_settings
from posture.live.app import App
from posture.live.controls import Controls, snooze_seconds
from posture.pipeline import Pipeline
from posture.pose.landmarker import PoseEstimator
from posture.sinks.window import WindowSink
from posture.sources import CameraSource, VideoFileSource
from posture.types import Landmarks
from tests.helpers import DEMO_CLIP, FakeCamera, FakeClock, FakePose, RecordingSink, video_frames


class ScriptedDisplay:
    """Stands in for the window: keeps what it is shown and hands out keys from a script.

    ``keys`` maps the number of frames the window has been given to the key pressed then.
    """

    def __init__(self, keys: dict[int, str]) -> None:
        self.keys = keys
        self.shown: list[np.ndarray] = []
        self.by_frame: dict[int, np.ndarray] = {}
        self.frames = 0
        self.closed = False
        self.showing = True

    def show(self, image: np.ndarray) -> None:
        self.shown.append(image)
        self.by_frame.setdefault(self.frames, image)

    def poll_key(self) -> str | None:
        return self.keys.pop(self.frames, None)

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def demo_landmarks() -> dict[float, list[Landmarks]]:
    """What the real model found in the demo clip, by time (the first 100 s at 2 frames a second)."""
    out = {}
    src = VideoFileSource(DEMO_CLIP, max_fps=2)
    with PoseEstimator("full") as pose:
        while (f := src.read()) is not None and f.t <= 100:
            out[round(f.t, 3)] = pose.estimate_all(f.image, f.t)
    src.close()
    return out


def make_app(recorded: dict[float, list[Landmarks]], tmp_path: Path, keys: dict[int, str], **overrides):
    settings = load_settings(None, {"source": "demo", "profile": "side", "data_dir": str(tmp_path),
                                    "fps": 2, **overrides})
    source = VideoFileSource(DEMO_CLIP, max_fps=2)
    app = App(source, Pipeline(FakePose(recorded, otherwise=[]), settings), [])
    controls = Controls(app, settings_for=lambda p: load_settings(None, {"source": "demo", "profile": p,
                                                                          "data_dir": str(tmp_path)}),
                        wall_clock=lambda: dt.datetime(2026, 11, 25, 14, 0, 0))
    display = ScriptedDisplay(keys)
    window = WindowSink(controls, display, snapshot_dir=tmp_path / "snapshots",
                        clock=lambda: dt.datetime(2026, 11, 25, 14, 0, 0))
    handle = window.handle

    def counting(obs) -> None:
        display.frames += 1
        handle(obs)

    window.handle = counting  # type: ignore[method-assign]
    app.sinks.append(window)
    return app, display, window


def test_quit_help_profile_and_snapshot(demo_landmarks, tmp_path: Path) -> None:
    from posture.storage.db import connect, db_path
    from posture.storage.queries import Selection, find_sessions
    from posture.storage.recorder import HistoryRecorder, SessionInfo

    app, display, window = make_app(demo_landmarks, tmp_path, {5: "h", 8: "s", 10: "2", 12: "h", 20: "q"})
    app.sinks.append(HistoryRecorder(tmp_path, SessionInfo("me", "side", "file", "full")))
    terminal = RecordingSink()  # what the terminal would print
    app.sinks.append(terminal)
    result = app.run()
    assert result.frames == 20  # q stopped it
    # Each message once: h redraws the window without saying the last message again.
    assert [m for m in terminal.messages if m] == ["snapshot saved: " + str(tmp_path / "snapshots" / "posture-20261125-140000.png"),
                                      "profile phone"]
    assert display.closed
    # h showed the keys from frame 5 to 12: a dark box in the middle of the picture.
    centre = (slice(200, 280), slice(200, 440))
    assert display.by_frame[7][centre].mean() < display.by_frame[4][centre].mean() - 10
    assert window.controls.show_help is False
    # s saved the window's picture without the keys' help box (shown then), the only frame written to disk.
    files = list((tmp_path / "snapshots").iterdir())
    assert [f.name for f in files] == ["posture-20261125-140000.png"]
    saved = cv2.imread(str(files[0]))
    shown = display.by_frame[8]
    assert saved.shape == shown.shape
    assert saved[centre].mean() > shown[centre].mean() + 10  # no dark box
    assert np.array_equal(saved[:40], shown[:40])  # the same picture and overlay outside the box
    # 2 switched to the phone profile, and the history started a session for it.
    assert app.pipeline.settings.profile == "phone"
    conn = connect(db_path(tmp_path))
    assert [s.profile for s in find_sessions(conn, Selection())] == ["side", "phone"]
    conn.close()


def test_a_profile_switch_ends_the_old_profiles_alert_in_the_log(demo_landmarks, tmp_path: Path) -> None:
    import json

    from posture.sinks.jsonlog import JsonLinesLog

    # Alert after 5 s: the slump (from 22 s) alerts at about 27 s; the phone profile takes over at 40 s.
    app, _, _ = make_app(demo_landmarks, tmp_path, {80: "2", 90: "q"}, alerts={"alert_after_s": 5.0})
    app.sinks.insert(0, JsonLinesLog(tmp_path / "log.jsonl"))  # before the window, as the app orders them
    app.run()
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    alerts = [r for r in records if r.get("type") == "alert"]
    ends = [r for r in records if r.get("type") == "alert_end"]
    assert alerts and app.pipeline.settings.profile == "phone"
    # Every alert of the side profile ends in the log, at the switch (40 s), before the phone's samples.
    assert sorted(r["kind"] for r in ends) == sorted(r["kind"] for r in alerts)
    assert all(r["reason"] == "finished" and r["t"] == pytest.approx(40.0, abs=0.6) for r in ends)
    last_end = max(i for i, r in enumerate(records) if r.get("type") == "alert_end")
    assert any(r.get("type") == "sample" for r in records[last_end:])
    # Then one record says which profile judges from here, and with which calibration (none stored here).
    [switch] = [r for r in records if r.get("type") == "profile"]
    assert records.index(switch) == last_end + 1
    assert switch["profile"] == "phone" and switch["calibration"] is None and switch["t"] == pytest.approx(40.0, abs=0.6)


def test_snooze_holds_alerts_and_can_be_ended(demo_landmarks, tmp_path: Path) -> None:
    # Alert after 5 s: the slump (from 22 s) would alert at about 27 s.
    app, display, window = make_app(demo_landmarks, tmp_path, {2: "z"}, alerts={"alert_after_s": 5.0})
    app.run()
    alerts = [e for e in _events(app)]
    assert alerts == []  # snoozed for 15 minutes from 1 s in: the whole clip
    assert window.controls.snooze_text() == "alerts snoozed until 14:15"
    app2, _, window2 = make_app(demo_landmarks, tmp_path, {2: "z", 3: "z", 4: "z", 5: "z"},
                                alerts={"alert_after_s": 5.0})
    app2.run()  # 15 min, 1 h, tomorrow, then off: alerts come again
    assert window2.controls.snooze_end_wall is None
    assert _events(app2)


def _events(app: App) -> list:
    window = next(s for s in app.sinks if isinstance(s, WindowSink))
    return [e for obs in [window.last_obs] if obs is not None for e in obs.events] + \
        [1 for _ in range(app.pipeline.monitor.durations()["forward_head"].alerts)]


def test_snooze_lengths() -> None:
    now = dt.datetime(2026, 11, 25, 22, 30, 0)
    assert snooze_seconds("15m", now) == 900 and snooze_seconds("1h", now) == 3600
    assert snooze_seconds("tomorrow", now) == 90 * 60  # until midnight
    with pytest.raises(ValueError):
        snooze_seconds("forever", now)


def test_hansraj_model_figures() -> None:
    assert neck_load_kg(0) == pytest.approx(5.0)
    assert neck_load_kg(30) == pytest.approx(18.1)
    assert neck_load_kg(37.5) == pytest.approx((18.1 + 22.2) / 2)
    assert neck_load_kg(90) == pytest.approx(27.2)


def test_pause_releases_the_camera_and_resume_reopens_it(demo_landmarks, tmp_path: Path) -> None:
    camera = FakeCamera(video_frames(DEMO_CLIP, 40), fps=100)
    opened, released = camera.opened, camera.released
    settings = load_settings(None, {"source": "0", "profile": "side", "data_dir": str(tmp_path)})
    # The landmarks the model found in the clip's first frame, for every frame.
    still = FakePose(demo_landmarks[0.0])
    clock = FakeClock()

    def open_camera() -> CameraSource:
        return CameraSource(0, max_fps=20, opener=camera.open, clock=clock, sleep=clock.sleep)

    sleeps: list[float] = []
    app = App(open_camera(), Pipeline(still, settings), [], reopen=open_camera, sleep=sleeps.append)
    display = ScriptedDisplay({})
    window = WindowSink(Controls(app), display, snapshot_dir=tmp_path)
    handle = window.handle
    released_while_paused: list[int] = []

    def counting(obs) -> None:
        display.frames += 1
        handle(obs)

    def poll_key() -> str | None:
        if app.paused:
            released_while_paused.append(len(released))
            return " " if len(released_while_paused) == 5 else None  # resume after five polls
        if display.frames == 3 and not released:
            return " "  # pause after the third frame
        return "q" if display.frames >= 8 else None

    window.handle = counting  # type: ignore[method-assign]
    display.poll_key = poll_key  # type: ignore[method-assign]
    app.sinks.append(window)
    result = app.run()
    assert result.frames == 8
    assert len(opened) == 2 and released[0] is opened[0]  # the first camera was released on pause ...
    assert released_while_paused == [1] * 5  # ... and stayed released while paused (no frames read)
    assert len(sleeps) >= 3 and all(s == 0.05 for s in sleeps)  # the paused loop waited between polls
    assert released[-1] is opened[1]  # the reopened camera was released at the end


def test_e_starts_an_exercise_set_in_the_window_and_e_again_stops_it(demo_landmarks, tmp_path: Path) -> None:
    import sqlite3

    # The demo at 2 frames a second: e at 30 s (the head held forward since 22 s), e again at 60 s.
    app, display, window = make_app(demo_landmarks, tmp_path, {60: "e", 120: "e", 130: "q"})
    terminal = RecordingSink()
    app.sinks.append(terminal)
    app.run()
    said = [m for m in terminal.messages if m]
    # The exercise against the problem that deviated most, the head forward: the chin tuck, from the side.
    assert said[0] == "chin tuck: sit in your start position and hold still for 3 s"
    assert any(m.startswith("chin tuck: Sit upright and look ahead.") for m in said)
    assert said[-1] == "exercise stopped" and window.controls.coach is None
    # The window showed the exercise (the bar at the right edge) while it ran, and not after.
    bar = (slice(100, 380), slice(600, 625))
    assert display.by_frame[100][bar].mean() < display.by_frame[50][bar].mean() - 20  # the dark bar
    assert abs(display.by_frame[125][bar].mean() - display.by_frame[50][bar].mean()) < 10
    # The set was kept in the history, closed as it stood.
    conn = sqlite3.connect(tmp_path / "history.sqlite3")
    [(exercise, view)] = conn.execute("SELECT exercise, view FROM exercise_sets").fetchall()
    conn.close()
    assert (exercise, view) == ("chin_tuck", "side")


def test_a_counted_repetition_chimes_with_a_camera() -> None:
    from types import SimpleNamespace

    from posture.exercise.coach import SetResult
    from posture.exercise.counter import Attempt
    from posture.sinks.alerts import SoundChannel

    played: list[int] = []
    said: list[str] = []
    app = SimpleNamespace(pipeline=SimpleNamespace(settings=load_settings(None, {"source": "0"})),
                          source=SimpleNamespace(live=True), sinks=[], status=lambda message, fade_s=0.0: said.append(message))
    controls = Controls(app)  # type: ignore[arg-type]
    controls._chime = SoundChannel(backend=SimpleNamespace(play=lambda data, rate: played.append(len(data))))
    result = SetResult("chin_tuck", None, "front", "cm", 1.2, 3.0, 10, started=0.0)
    counted = Attempt(0.0, 8.0, True, 3.1, 2.4, 2.6)
    result.attempts.append(counted)
    controls._exercise_attempt(result, counted, 1)
    controls._exercise_attempt(result, Attempt(9.0, 15.0, False, 0.5, 2.0, 2.2, why="not held"), 2)
    assert len(played) == 1 and played[0] > 0  # one chime: the counted repetition only
    assert said[0].startswith("repetition 1 of 10 counted") and said[1].startswith("attempt 2 not counted")
