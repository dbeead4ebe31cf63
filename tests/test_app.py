"""The capture loop with a camera that fails mid-session (a stand-in webcam serving real frames)."""

from __future__ import annotations

import threading
import time
from typing import Sequence

import cv2
import numpy as np

from posture.config import load_settings
from posture.live.app import App
from posture.pipeline import Pipeline
from posture.sinks import BaseSink
from posture.pose.landmarker import PoseEstimator
from posture.sources.camera import CameraSource
from posture.types import Event, Observation, State
from tests.conftest import DEMO_CLIP


class DemoCamera:
    """cv2.VideoCapture-like stand-in for a webcam, serving the demo clip's real frames in a loop.

    ``plugged`` can be cleared to simulate pulling the cable.
    """

    frames: list[np.ndarray] = []

    def __init__(self, plugged: threading.Event) -> None:
        if not DemoCamera.frames:
            cap = cv2.VideoCapture(str(DEMO_CLIP))
            for _ in range(40):  # the first 4 s: the person sits upright
                ok, img = cap.read()
                DemoCamera.frames.append(img)
            cap.release()
        self.plugged = plugged
        self.i = 0
        self.open = plugged.is_set()

    def isOpened(self) -> bool:  # noqa: N802
        return self.open

    def grab(self) -> bool:
        time.sleep(1 / 30)  # a 30 fps camera
        if not (self.open and self.plugged.is_set()):
            return False
        self.i += 1
        return True

    def retrieve(self) -> tuple[bool, np.ndarray]:
        return True, DemoCamera.frames[self.i % len(DemoCamera.frames)]

    def release(self) -> None:
        self.open = False


class Recorder(BaseSink):
    """A sink that keeps what it is given."""

    def __init__(self, app_stop: list[App], stop_after: int) -> None:
        self.observations: list[Observation] = []
        self.messages: list[str] = []
        self.closed_with: Sequence[Event] | None = None
        self.app_stop = app_stop
        self.stop_after = stop_after

    def handle(self, obs: Observation) -> None:
        self.observations.append(obs)
        if len(self.observations) >= self.stop_after:
            self.app_stop[0].request_stop()

    def status(self, message: str) -> None:
        self.messages.append(message)

    def close(self, final_events: Sequence[Event] = ()) -> None:
        self.closed_with = final_events


def test_camera_lost_mid_session_is_reported_and_monitoring_resumes() -> None:
    plugged = threading.Event()
    plugged.set()
    camera = CameraSource(0, max_fps=10, opener=lambda d: DemoCamera(plugged), stall_timeout_s=0.3,
                          backoff_s=(0.1, 0.4))
    settings = load_settings(None, {"source": "0", "window": False, "profile": "side"})
    holder: list[App] = []
    recorder = Recorder(holder, stop_after=30)
    with PoseEstimator("full") as pose:
        pipeline = Pipeline(pose, settings)
        app = App(camera, pipeline, [recorder])
        holder.append(app)

        def unplug_for_a_while() -> None:
            while len(recorder.observations) < 10:
                time.sleep(0.02)
            plugged.clear()
            time.sleep(1.5)
            plugged.set()

        threading.Thread(target=unplug_for_a_while, daemon=True).start()
        result = app.run()

    assert result.frames == 30 and not result.interrupted
    # The app said the camera was lost and being reopened, then cleared the message.
    assert any("reopening" in m or "not delivering" in m for m in recorder.messages)
    assert recorder.messages[-1] == ""
    # Frames before and after the outage were analysed: a person in view, in the side view.
    assert all(o.present and o.view == "side" for o in recorder.observations)
    times = [o.frame.t for o in recorder.observations]
    assert max(np.diff(times)) > 1.0  # the outage
    # The outage is neither observed time nor bad posture.
    assert pipeline.monitor.observed_s < times[-1] - times[0] - 1.0
    assert all(s in (State.GOOD, State.UNKNOWN) for o in recorder.observations for s in o.states.values())
    assert recorder.closed_with == []
