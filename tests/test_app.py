"""The capture loop with a camera that fails mid-session (a stand-in webcam serving real frames)."""

from __future__ import annotations

import numpy as np

from posture.config import load_settings
from posture.live.app import App
from posture.pipeline import Pipeline
from posture.pose.landmarker import PoseEstimator
from posture.sources.camera import CameraSource
from posture.types import Observation, State
from tests.helpers import DEMO_CLIP, FakeCamera, FakeClock, RecordingSink, video_frames


def test_camera_lost_mid_session_is_reported_and_monitoring_resumes() -> None:
    camera = FakeCamera(video_frames(DEMO_CLIP, 40), fps=30)  # the demo's first 4 s: the person sits upright
    clock = FakeClock()
    source = CameraSource(0, max_fps=10, opener=camera.open, clock=clock, sleep=clock.sleep, stall_timeout_s=0.3,
                          backoff_s=(0.1, 0.4))
    settings = load_settings(None, {"source": "0", "window": False, "profile": "side"})

    class CableOutForAWhile(RecordingSink):
        """Pulls the camera's cable after the 10th frame; once the app says the camera is being
        reopened, 1.5 s go by and the cable goes back in."""

        def handle(self, obs: Observation) -> None:
            super().handle(obs)
            if len(self.observations) == 10:
                camera.unplug()

        def status(self, message: str) -> None:
            super().status(message)
            if "reopening" in message and not camera.plugged.is_set():
                clock.advance(1.5)
                camera.plug()

    recorder = CableOutForAWhile(stop_when=lambda obs: len(recorder.observations) >= 30)
    with PoseEstimator("full") as pose:
        pipeline = Pipeline(pose, settings)
        app = App(source, pipeline, [recorder], clock=clock, sleep=clock.sleep)
        recorder.app = app
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
