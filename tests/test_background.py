"""Office work in the background: break reminder, adaptive rate, camera released while nobody is
there, and alerts reaching the user (sound and desktop channels) — all with made-up clocks."""

from __future__ import annotations

import logging
from unittest import mock

import numpy as np
import pytest

from posture.config import load_settings
from posture.judge.breaks import BreakReminder
from posture.live.app import App
from posture.pipeline import Pipeline
from posture.sources import CameraSource
from posture.sinks.alerts import AlertSink, DesktopChannel, SoundChannel, chime
from posture.types import LM, Event, Frame, Landmarks
from tests.helpers import FakeCamera, FakeClock, FakePose, RecordingSink, make_landmarks


def test_break_reminder_after_sitting_and_reset_by_a_break() -> None:
    br = BreakReminder(after_s=50 * 60, reset_s=3 * 60)
    events = []
    t = 0.0
    for _ in range(3001):  # 50 min in view, one frame a second
        events += [e for e in [br.update(True, t)] if e]
        t += 1.0
    assert len(events) == 1 and events[0].type == "break" and events[0].t == pytest.approx(3000.0)
    # Two minutes away is not a break: the next reminder comes 50 min after the first.
    for _ in range(120):
        assert br.update(False, t) is None
        t += 1.0
    for _ in range(2881):
        events += [e for e in [br.update(True, t)] if e]
        t += 1.0
    assert len(events) == 2 and events[1].t == pytest.approx(6000.0)
    # Four minutes away (or the camera paused) is a break: the count starts again.
    br.gap(t)
    t += 240.0
    assert br.update(True, t) is None
    assert br.sitting_s(t) == 0.0


def person(y: float) -> Landmarks:
    """A frontal person whose shoulder line sits at height y (the head above it)."""
    return make_landmarks({LM.LEFT_SHOULDER: (420, y), LM.RIGHT_SHOULDER: (220, y), LM.LEFT_EAR: (360, y - 110),
                           LM.RIGHT_EAR: (280, y - 110), LM.NOSE: (320, y - 100), LM.LEFT_EYE: (340, y - 120),
                           LM.RIGHT_EYE: (300, y - 120), LM.MOUTH_LEFT: (335, y - 80),
                           LM.MOUTH_RIGHT: (305, y - 80)})


def scripted_people(t: float) -> Landmarks | None:
    """Who the model 'finds' at each time: away between 100 and 400 s, else upright, a lean at 50 s."""
    if 100 <= t < 400:
        return None
    lm = person(300)
    if 50 <= t < 70:  # a sideways lean: the whole upper body rolls 10 deg
        c, s = np.cos(np.radians(10)), np.sin(np.radians(10))
        px = lm.px.copy()
        for i in (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_EAR, LM.RIGHT_EAR, LM.NOSE, LM.LEFT_EYE,
                  LM.RIGHT_EYE, LM.MOUTH_LEFT, LM.MOUTH_RIGHT):
            x, y = px[i] - (320, 700)
            px[i] = (320 + c * x - s * y, 700 + s * x + c * y)
        lm = Landmarks(px=px, depth=lm.depth, visibility=lm.visibility, presence=lm.presence, world=None,
                       image_size=lm.image_size)
    return lm


def test_background_rate_and_camera_release() -> None:
    # Made-up time: it moves only when the app or the camera source waits.
    clock = FakeClock()
    settings = load_settings(None, {"source": "0", "background": True, "window": False, "fps": 2,
                                    "background_mode": {"release_after_s": 60, "check_every_s": 30},
                                    "alerts": {"alert_after_s": 5}})
    camera = FakeCamera([np.zeros((480, 640, 3), np.uint8)], fps=1000)
    sources: list[CameraSource] = []

    def open_camera() -> CameraSource:
        source = CameraSource(0, max_fps=2.0, opener=camera.open, clock=clock, sleep=clock.sleep)
        sources.append(source)
        return source

    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the app's own waits
        slept.append(seconds)
        clock.sleep(seconds)

    first = open_camera()
    asked = mock.Mock(wraps=first.set_max_fps)  # the frame rates the app asks of the first camera
    first.set_max_fps = asked  # type: ignore[method-assign]
    until_600 = RecordingSink(stop_when=lambda obs: obs.frame.t >= 600.0)
    app = App(first, Pipeline(FakePose(scripted_people), settings), [until_600], reopen=open_camera, sleep=sleep)
    until_600.app = app
    result = app.run()
    assert len(camera.opened) == len(sources)  # each camera source opened the camera once
    # The lean at 50 s raised the rate to the active 3 a second, then it fell back to 2.
    assert [c.args[0] for c in asked.call_args_list][:3] == [2.0, 3.0, 2.0]
    # Away from 100 s: released at about 160 s, then looked at every 30 s until the person was back at 400 s.
    assert camera.opened[0] in camera.released and app.camera_releases == 1
    assert slept and all(s == 30 for s in slept)
    assert 400 <= clock() - 0 and len(sources) >= 2
    assert camera.opened[-1] in camera.released  # closed at the end too
    assert result.frames > 0
    monitor = app.pipeline.monitor
    assert monitor.observed_s < 600 - 150  # the released stretch is not observed time


class RecordingChannel:
    """Stand-in with the channels' interface (no speaker or desktop here)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[tuple[str, str]] = []

    def notify(self, title: str, message: str) -> None:
        self.sent.append((title, message))


def test_alerts_and_breaks_reach_every_channel() -> None:
    sound, desktop = RecordingChannel("sound"), RecordingChannel("desktop")
    sink = AlertSink([sound, desktop])
    alert = Event("alert", "forward_head", 120.0, 0.0, 38.0, "cva_deg")
    sink.send(alert)
    sink.send(Event("break", "break", 3000.0, 0.0, None, ""))
    assert sound.sent == desktop.sent
    assert sound.sent[0] == ("Posture", "Head forward for 2 min: bring your ears back over your shoulders "
                                        "(worst CVA 38 deg)")
    assert sound.sent[1][1] == "You have been sitting for 50 min: stand up and move about for a few minutes"


def test_sound_channel_plays_the_chime_and_is_silent_without_a_device(caplog) -> None:
    wave = chime(44100)
    assert wave.dtype == np.float32 and 0.3 < len(wave) / 44100 < 0.4 and np.abs(wave).max() <= 0.3 + 1e-6
    assert abs(wave[0]) < 0.01 and abs(wave[-1]) < 0.01  # faded in and out: no click

    class Backend:
        played: list[tuple[np.ndarray, int]] = []

        def play(self, data: np.ndarray, samplerate: int) -> None:
            self.played.append((data, samplerate))

    backend = Backend()
    SoundChannel(backend).notify("Posture", "x")
    assert len(backend.played) == 1 and backend.played[0][1] == 44100
    # The real library where there is no sound card (or no PortAudio): nothing, and no exception.
    real = SoundChannel()
    with caplog.at_level(logging.INFO):
        real.notify("Posture", "x")
        real.notify("Posture", "x")
    if real.available is False:
        assert "no sound" in caplog.text


def test_desktop_channel_without_a_session_is_silent() -> None:
    channel = DesktopChannel(session=False)
    channel.notify("Posture", "x")
    assert channel.sent == 0

    class Failing:
        def send(self, title: str, message: str) -> None:
            raise RuntimeError("org.freedesktop.Notifications was not provided by any service")

    broken = DesktopChannel(session=True, notifier=Failing())
    broken.notify("Posture", "x")  # no exception; the channel turns itself off
    assert broken.session is False


def test_break_reminders_reach_the_events_and_a_snooze_holds_them() -> None:
    settings = load_settings(None, {"source": "0", "window": False, "breaks": {"after_min": 1, "reset_min": 1}})

    def breaks(snoozed_until: float) -> list[float]:
        pipeline = Pipeline(FakePose(scripted_people), settings)
        pipeline.monitor.snoozed_until = snoozed_until
        image = np.zeros((480, 640, 3), np.uint8)
        return [e.t for t in range(0, 100, 2) for e in pipeline.process(Frame(image, float(t), t)).events
                if e.type == "break"]

    assert breaks(-1.0) == [60.0]  # in view from 0 s: a minute of sitting
    assert breaks(80.0) == []  # snoozed (z key or --snooze) through the reminder


def test_alerts_that_come_together_make_one_nudge() -> None:
    from posture.types import Frame, Observation

    sound = RecordingChannel("sound")
    sink = AlertSink([sound], gather_s=2.0)
    blank = np.zeros((2, 2, 3), np.uint8)

    def frame(t: float, *events: Event) -> None:
        sink.handle(Observation(Frame(blank, t, int(t * 10)), None, None, None, {}, events=list(events)))

    # Bent over a phone: the head-forward limit trips 1 s before the neck-flexion one.
    frame(61.1, Event("alert", "forward_head", 61.1, 1.1, 25.0, "cva_deg"))
    frame(62.1, Event("alert", "phone_posture", 62.1, 2.1, 38.0, "neck_flexion_deg"))
    assert sound.sent == []  # still gathering
    frame(63.2)
    assert sound.sent == [("Posture", "Head bent down for 1 min: raise the phone to eye height instead of bending "
                                      "your neck (worst neck flexion 38 deg) (also: head forward)")]
    # A later alert on its own is its own nudge; one still gathering at the end is sent at the close.
    frame(300.0, Event("alert", "slump", 300.0, 200.0, 30.0, "trunk_inclination_deg"))
    sink.close()
    assert len(sound.sent) == 2 and sound.sent[1][1].startswith("Slumped for 1 min 40 s") and "also" not in sound.sent[1][1]


def test_a_break_reminder_offers_a_minute_of_the_exercise_against_the_worst_problem() -> None:
    from posture.text import break_message
    from posture.types import Durations

    def offered(**breaks: object) -> Event:
        settings = load_settings(None, {"source": "0", "window": False, "breaks": {"after_min": 1, **breaks}})
        pipeline = Pipeline(FakePose(scripted_people), settings)
        pipeline.last_view = "front"
        pipeline.monitor.durations = lambda: {  # type: ignore[method-assign]
            "lean": Durations(deviating=50.0), "forward_head": Durations(deviating=5.0, alert=30.0),
            "head_tilt": Durations(deviating=10.0), "slump": Durations(good=100.0)}
        return pipeline._offer_exercise(Event("break", "break", 3000.0, 0.0, None, ""))

    # The lean deviated longest but no exercise works against it; the head held forward comes next.
    reminder = offered()
    assert reminder.metric == "chin_tuck"
    assert break_message(reminder) == ("You have been sitting for 50 min: stand up and move about for a few minutes, "
                                       "or do a minute of chin tuck (posture-monitor exercise chin_tuck --reps 5)")
    assert offered(exercise=False).metric == ""  # breaks.exercise = false: only the reminder
