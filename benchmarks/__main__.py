"""Benchmarks that print figures (not tests: the machines are shared and noisy).

    python -m benchmarks speed [--source VIDEO] [--model full|lite] [--log]
    python -m benchmarks accuracy [--data DIR] [--out docs/accuracy.md] [--only SECTION]
    python -m benchmarks background [--minutes 10] [--model lite]
    python -m benchmarks crash [--trials 20] [--source VIDEO]
    python -m benchmarks desktop [--runs 5]

``accuracy`` runs the real pipeline on the labeled footage and writes the accuracy report (see
``benchmarks/accuracy.py``). ``speed`` replays a video through the whole pipeline as fast as it can
(decode, pose, metrics, smoothing, judgement, and the JSON Lines log with ``--log``) and prints
frames per second, the time
per frame by stage and the share of the time spent outside pose inference.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from posture.config import load_settings
from posture.pipeline import Pipeline
from posture.pose.face import FaceEstimator
from posture.pose.landmarker import PoseEstimator
from posture.sources import DEMO_CLIP, open_source
from posture.types import Frame


FRONT_CLIP = Path(__file__).resolve().parent.parent / "tests" / "data" / "clips" / "phone_front_low.mp4"


class _Timed:
    """Wraps a pose or face estimator and adds up the time spent inside it."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.seconds = 0.0
        self.calls = 0

    def estimate_all(self, image: np.ndarray, t: float) -> Any:
        start = time.perf_counter()
        try:
            return self.model.estimate_all(image, t)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1


def speed(source: str, model: str, log: bool, repeat: int) -> None:
    """Print the throughput of the whole pipeline on a video."""
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"python {platform.python_version()}")
    print(f"source: {source}, model: {model}, log: {'yes' if log else 'no'}")
    for run in range(repeat):
        settings = load_settings(None, {"source": source, "model": model, "window": False})
        src = open_source(source)
        with PoseEstimator(model, num_poses=1) as pose, \
                PoseEstimator(model, video=False, num_poses=settings.pose.num_poses) as finder, \
                FaceEstimator() as face:
            timed = _Timed(pose)
            timed_finder = _Timed(finder)
            timed_face = _Timed(face)
            pipe = Pipeline(timed, settings, finder=timed_finder, face=timed_face)
            sink = None
            if log:
                from posture.sinks.jsonlog import JsonLinesLog

                tmp = tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False)
                tmp.close()
                sink = JsonLinesLog(tmp.name)
            frames = 0
            read_s = 0.0
            start = time.perf_counter()
            while True:
                t0 = time.perf_counter()
                frame = src.read()
                read_s += time.perf_counter() - t0
                if frame is None:
                    break
                assert isinstance(frame, Frame)
                obs = pipe.process(frame)
                if sink is not None:
                    sink.handle(obs)
                frames += 1
            total = time.perf_counter() - start
            if sink is not None:
                sink.close()
                Path(sink.path).unlink()
        src.close()
        pose_s = timed.seconds + timed_finder.seconds
        inference = pose_s + timed_face.seconds
        other = total - inference - read_s
        face_ms = 1000 * timed_face.seconds / timed_face.calls if timed_face.calls else 0.0
        print(f"run {run + 1}: {frames} frames in {total:.2f} s = {frames / total:.1f} fps | per frame: "
              f"pose {1000 * pose_s / frames:.2f} ms, face {1000 * timed_face.seconds / frames:.2f} ms "
              f"({timed_face.calls} frames in the front view, {face_ms:.2f} ms each), "
              f"decode {1000 * read_s / frames:.2f} ms, "
              f"metrics+smoothing+judging{'+log' if log else ''} {1000 * other / frames:.2f} ms | "
              f"outside inference: {100 * (total - inference) / total:.1f}% of the time")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:.0f} MB")


class _MemoryCamera:
    """A stand-in webcam (none exists here) behind OpenCV's capture interface: real frames of a
    video, kept as JPEG like a webcam's MJPEG stream and decoded when retrieved, delivered at the
    camera's own pace (30 a second), over and over."""

    def __init__(self, frames: list[bytes], fps: float = 30.0) -> None:
        self.frames = frames
        self.period = 1.0 / fps
        self.i = 0
        self.next = time.monotonic()
        self.open = True

    def isOpened(self) -> bool:  # noqa: N802
        return self.open

    def grab(self) -> bool:
        self.next += self.period
        wait = self.next - time.monotonic()
        if wait > 0:
            time.sleep(wait)  # a real camera blocks until its next frame
        self.i += 1
        return self.open

    def retrieve(self) -> tuple[bool, np.ndarray | None]:
        import cv2

        data = np.frombuffer(self.frames[self.i % len(self.frames)], np.uint8)
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)
        return image is not None, image

    def release(self) -> None:
        self.open = False


def background(source: str, minutes: float, model: str | None, extra: Sequence[str] = ()) -> None:
    """Average CPU share of one core and peak memory of the app in background mode, at real speed."""
    import cv2

    from posture.cli.monitor import build_parser, settings_from_args
    from posture.cli.run import open_models
    from posture.live.app import App
    from posture.sources import CameraSource

    args = build_parser().parse_args(["--source", "0", "--background"] + (["--model", model] if model else [])
                                     + [a for s in extra for a in ("--set", s)])
    settings = settings_from_args(args)
    width = settings.background_mode.camera_width
    cap = cv2.VideoCapture(source)
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        if width:  # the camera honours the app's request for smaller frames
            img = cv2.resize(img, (width, width * img.shape[0] // img.shape[1]), interpolation=cv2.INTER_AREA)
        frames.append(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes())
    cap.release()
    print(f"background mode: model {settings.model}, {settings.fps:g} analyses a second "
          f"({settings.background_mode.active_fps:g} after a deviation starts), people check every "
          f"{settings.pose.people_check_s:g} s, frames {width or 'full'} px wide; a {len(frames) / 10:.0f} s video "
          f"looped as a {settings.background_mode.camera_fps or 30:g} fps camera "
          f"for {minutes:g} min")
    models = open_models(settings)
    camera_fps = settings.background_mode.camera_fps or 30.0  # the camera honours the app's request
    camera = CameraSource(0, max_fps=settings.analysis_fps, opener=lambda d: _MemoryCamera(frames, camera_fps))
    app = App(camera, models.pipeline(settings, None), [])
    start_wall, start_cpu = time.monotonic(), time.process_time()
    stopper = threading.Timer(minutes * 60, app.request_stop)
    stopper.start()
    result = app.run()
    wall, cpu = time.monotonic() - start_wall, time.process_time() - start_cpu
    models.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{result.frames} frames analysed in {wall:.0f} s ({result.frames / wall:.2f} a second); "
          f"CPU {cpu:.1f} s = {100 * cpu / wall:.2f}% of one core (target: at most 3%); "
          f"peak resident memory {peak_mb:.0f} MB")


def crash(source: str, trials: int, seed: int) -> int:
    """Kill the recording app at random moments; check the database each time."""
    import random
    import statistics

    from .crash import inspect, kill_during_recording

    rng = random.Random(seed)
    failed = 0
    lost = []
    print(f"{trials} trials: monitor {Path(source).name} at real speed, SIGKILL 1-12 s after the first frame")
    for i in range(trials):
        with tempfile.TemporaryDirectory() as tmp:
            killed_after, data = kill_during_recording(Path(tmp), Path(source), rng)
            r = inspect(data, killed_after)
        ok = r.ok
        failed += not ok
        lost.append(r.lost_s)
        held = f"seconds 0-{r.last_second}" if r.last_second >= 0 else "no second"
        print(f"  trial {i + 1:>2}: killed {killed_after:5.1f} s in, database holds {held} "
              f"(lost {r.lost_s:.1f} s), integrity {r.integrity}, holes {r.holes}, {'ok' if ok else 'FAILED'}")
    print(f"{trials - failed}/{trials} trials passed; lost before the kill: median {statistics.median(lost):.1f} s, "
          f"max {max(lost):.1f} s")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks``."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    sp = sub.add_parser("speed", help="frames per second of the whole pipeline on a replayed video")
    sp.add_argument("--source", default=str(DEMO_CLIP), help="video to replay (default: the demo clip, a side view; "
                    "a front view, e.g. tests/data/clips/phone_front_low.mp4, runs the face model too)")
    sp.add_argument("--model", default="full", help="lite, full or a .task path")
    sp.add_argument("--log", action="store_true", help="also write the JSON Lines log")
    sp.add_argument("--repeat", type=int, default=2, help="runs (the first warms caches)")
    bg = sub.add_parser("background", help="CPU share and memory of background mode at real speed")
    bg.add_argument("--source", default=str(FRONT_CLIP), help="video whose frames play the camera (looped; default: "
                    "the rendered laptop-webcam phone clip of tests/data, so the face model runs as it does at a desk)")
    bg.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    bg.add_argument("--model", default=None, help="pose model (default: background mode's, lite)")
    bg.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change a setting")
    cr = sub.add_parser("crash", help="kill the recording app at random moments; check the history database")
    cr.add_argument("--source", default=str(Path(__file__).resolve().parent.parent / "tests" / "data" / "clips"
                                            / "phone_front_low.mp4"), help="video to monitor at real speed")
    cr.add_argument("--trials", type=int, default=20)
    cr.add_argument("--seed", type=int, default=1)
    from . import accuracy as _accuracy

    ac = sub.add_parser("accuracy", help="the real pipeline on the labeled footage; writes docs/accuracy.md")
    ac.add_argument("--data", type=Path, default=_accuracy.SHARED,
                    help="folder with side_desk/, front_webcam/, synthetic/, clips/ (default: ../shared/data)")
    ac.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "accuracy.md",
                    help="where to write the report (a .json of the headline figures goes beside it)")
    ac.add_argument("--model", default="full", help="lite, full or a .task path")
    ac.add_argument("--only", nargs="+", choices=_accuracy.SECTIONS, default=list(_accuracy.SECTIONS),
                    help="run only these sections")
    ac.add_argument("--merge", action="store_true",
                    help="put the sections run into the existing report in place of the same ones (keep the others)")
    dk = sub.add_parser("desktop", help="start-up time, memory and install size with the tray icon (Xvfb, trayer)")
    dk.add_argument("--runs", type=int, default=5)
    fz = sub.add_parser("fuzz", help="bad input through the command line: tracebacks, hangs, long echoes counted")
    fz.add_argument("args", nargs=argparse.REMAINDER, help="--cases N --seed S --jobs J --timeout T (benchmarks/fuzz.py)")
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["fuzz"]:  # its own options (benchmarks/fuzz.py)
        from . import fuzz

        return fuzz.main(args_list[1:])
    args = ap.parse_args(args_list)
    if args.command == "speed":
        speed(args.source, args.model, args.log, args.repeat)
    elif args.command == "background":
        background(args.source, args.minutes, args.model, args.set)
    elif args.command == "crash":
        return crash(args.source, args.trials, args.seed)
    elif args.command == "desktop":
        from .desktop import desktop

        desktop(args.runs)
    elif args.command == "accuracy":
        report = _accuracy.run(args.data, args.out, args.model, args.only, args.merge)
        print("\n".join(report.lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
