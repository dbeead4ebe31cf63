"""A monitoring run with the tray, on a stand-in webcam (this machine has none): what
tests/test_tray.py drives from outside with xdotool, and tools/screenshot_tray.py photographs.

    python -m tests.tray_session REPORT.json -- [posture-monitor options]

The camera plays the bundled phone clip's frames in a loop at 15 frames a second through the same
interface OpenCV's camera has (tests/helpers.py: FakeCamera); everything else is the real app (the
pose and face models, the history, the tray, the Qt window). At the end REPORT.json says when each
open of the camera began and ended (monotonic seconds), and the exit code.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

# A real system tray from Debian (trayer) at the top right of the screen: what the tray's tests, its
# screenshot and its benchmark dock the icon in.
TRAY_HOST = ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "160", "--height", "32",
             "--transparent", "false"]


def main() -> int:
    report = Path(sys.argv[1])
    args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    from posture.cli import main as cli
    from posture.cli import run
    from posture.sources.camera import CameraSource
    from tests.helpers import DATA, FakeCamera, video_frames

    frames = video_frames(DATA / "clips" / "phone_front_low.mp4", 120)
    camera = FakeCamera(frames, fps=15)
    times: dict[int, list[float | None]] = {}
    plain_open = camera.open

    def open_camera(device: int | str = 0) -> FakeCamera.Capture:
        capture = plain_open(device)
        times[id(capture)] = [time.monotonic(), None]
        plain_release = capture.release

        def release() -> None:
            times[id(capture)][1] = time.monotonic()
            plain_release()

        capture.release = release  # type: ignore[method-assign]
        return capture

    def open_source(source: str, *, max_fps: float | None = None, **_ignored: object) -> CameraSource:
        return CameraSource(0, max_fps=max_fps, opener=open_camera)

    run.open_source = open_source  # type: ignore[assignment]
    code = cli.main(["--source", "0", *args])
    report.write_text(json.dumps({"code": code, "opens": list(times.values())}))
    return code


if __name__ == "__main__":
    sys.exit(main())
