"""Frame sources: video files, image folders, and the camera reader (with a stand-in webcam)."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from posture.errors import CameraError, SourceError
from posture.sources import CameraSource, ImageSource, VideoFileSource, open_source
from posture.sources.files import expand_images
from posture.types import Frame, Gap
from tests.helpers import DATA, DEMO_CLIP, FakeCamera, FakeClock, run_cli, wait_until


def write_video(path: Path, n: int, fps: float = 10.0, size: tuple[int, int] = (64, 48)) -> None:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(n):
        img = np.full((size[1], size[0], 3), i * 4 % 256, np.uint8)
        w.write(img)
    w.release()


def drain(source: object) -> list[Frame]:
    out = []
    while (item := source.read()) is not None:  # type: ignore[attr-defined]
        assert isinstance(item, Frame)
        out.append(item)
    return out


def test_video_timestamps_and_rate_cap(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    write_video(clip, 50, fps=10)
    frames = drain(VideoFileSource(clip))
    assert len(frames) == 50
    assert [f.index for f in frames[:3]] == [0, 1, 2] and frames[10].t == pytest.approx(1.0)
    capped = VideoFileSource(clip, max_fps=2.5)
    got = drain(capped)
    assert [f.t for f in got][:5] == pytest.approx([0.0, 0.4, 0.8, 1.2, 1.6])
    assert len(got) == capped.total == 13


def test_bad_videos(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        VideoFileSource(tmp_path / "nope.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 5000)
    with pytest.raises(SourceError, match="cannot read video"):
        VideoFileSource(junk)
    # A real video cut off after its header: no frame decodes.
    good = tmp_path / "good.mp4"
    write_video(good, 30)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(SourceError):
        VideoFileSource(cut)


def test_image_folder_sequence_and_stills(tmp_path: Path) -> None:
    for i in (10, 2, 1):
        cv2.imwrite(str(tmp_path / f"shot{i}.png"), np.zeros((20, 30, 3), np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "broken.jpg").write_bytes(b"garbage")
    assert [p.name for p in expand_images(str(tmp_path))] == ["broken.jpg", "shot1.png", "shot2.png", "shot10.png"]
    seq = open_source(str(tmp_path), sequence_fps=4)
    frames = drain(seq)
    assert [f.name for f in frames] == ["shot1.png", "shot2.png", "shot10.png"]
    assert [f.t for f in frames] == pytest.approx([0.25, 0.5, 0.75])
    assert isinstance(seq, ImageSource) and seq.unreadable == ["broken.jpg"]
    stills = drain(open_source(str(tmp_path / "shot*.png"), stills=True))
    assert [f.t for f in stills] == [0.0, 1.0, 2.0]
    with pytest.raises(SourceError, match="no images"):
        open_source(str(tmp_path / "*.gif"))


def test_missing_sources() -> None:
    with pytest.raises(SourceError, match="no such camera, file or folder"):
        open_source("/definitely/not/here.mp4")
    with pytest.raises(CameraError, match="not found"):
        open_source("/dev/video99")
    assert open_source("demo").description.endswith(DEMO_CLIP.name)


def counting_camera(**options: bool) -> FakeCamera:
    """A fast camera (200 frames a second) whose every pixel is its frame's number (mod 256)."""
    return FakeCamera(lambda number: np.full((4, 4, 3), number % 256, np.uint8), fps=200, **options)


def test_camera_always_gives_the_newest_frame_and_paces() -> None:
    camera, clock = counting_camera(), FakeClock()
    cam = CameraSource(0, max_fps=20, opener=camera.open, clock=clock, sleep=clock.sleep, stall_timeout_s=0.2,
                       backoff_s=(0.05, 0.2))
    try:
        first = cam.read()
        assert isinstance(first, Frame)
        # The camera keeps delivering meanwhile (a real wait: the reader thread grabs in real time).
        grabbed = camera.grabbed
        assert wait_until(lambda: camera.grabbed >= grabbed + 40, timeout_s=5, poll_s=0.01)
        second = cam.read()
        assert isinstance(second, Frame)
        # The frame handed out was grabbed after the request, not a stale buffered one.
        assert int(second.image[0, 0, 0]) >= (camera.grabbed - 2) % 256
        frames = [cam.read() for _ in range(10)]
        ts = [f.t for f in frames if isinstance(f, Frame)]
        assert len(ts) == 10 and min(np.diff(ts)) >= 0.045  # at most 20 a second
    finally:
        cam.close()


def test_camera_unplugged_reports_gaps_and_recovers() -> None:
    camera, clock = counting_camera(), FakeClock()
    cam = CameraSource(0, opener=camera.open, clock=clock, sleep=clock.sleep, stall_timeout_s=0.2,
                       backoff_s=(0.05, 0.2))
    try:
        assert isinstance(cam.read(), Frame)
        camera.unplug()
        gaps = [cam.read(timeout_s=0.3) for _ in range(4)]
        assert all(isinstance(g, Gap) for g in gaps)
        assert any("reopening" in g.message for g in gaps if isinstance(g, Gap))
        opens_while_lost = len(camera.opened)
        camera.plug()
        deadline = time.monotonic() + 5
        item = cam.read()
        while not isinstance(item, Frame) and time.monotonic() < deadline:
            item = cam.read()
        assert isinstance(item, Frame)
        assert len(camera.opened) > opens_while_lost  # it reopened the device
        assert cam.status == ""
    finally:
        cam.close()
    assert cam.read() is None


def test_camera_not_found_or_silent() -> None:
    unplugged, clock = counting_camera(), FakeClock()
    unplugged.unplug()
    with pytest.raises(CameraError, match="not found or busy"):
        CameraSource(3, opener=unplugged.open, clock=clock, sleep=clock.sleep)
    silent = counting_camera(silent=True)
    with pytest.raises(CameraError, match="delivers no frames"):
        CameraSource(0, opener=silent.open, clock=clock, sleep=clock.sleep, first_frame_timeout_s=0.2)


def test_camera_reader_with_a_real_opencv_capture() -> None:
    """The same reader on a real cv2.VideoCapture (a video file plays the camera)."""
    cam = CameraSource(str(DEMO_CLIP), opener=lambda d: cv2.VideoCapture(str(d)), stall_timeout_s=0.5)
    try:
        frame = cam.read()
        assert isinstance(frame, Frame) and frame.image.shape == (480, 640, 3)
    finally:
        cam.close()


def test_a_damaged_video_is_read_without_ffmpeg_noise(tmp_path: Path) -> None:
    """A video with damaged blocks: what can be decoded is analysed, and FFmpeg's complaints about
    every damaged block stay off the terminal."""
    import random

    data = bytearray((DATA / "clips" / "phone_front_low.mp4").read_bytes())
    rng = random.Random(1)
    for _ in range(200):
        at = rng.randrange(100_000, len(data) - 200_000)
        data[at:at + 50] = bytes(rng.randrange(256) for _ in range(50))
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(data)
    r = run_cli("--source", str(damaged), "--no-window", "--fps", "1", "--no-history")
    assert r.returncode == 0 and "Session summary" in r.stdout
    assert "@ 0x" not in r.stderr and "damaged at" not in r.stderr, r.stderr[-1000:]
