"""Accuracy benchmark, robustness section: what dim light and a hand or mug in front of the face do to
the judgement of someone sitting upright.

Each front_webcam video's upright frames are replayed in order through the app (VIDEO mode, the
person selection, smoothing and alert timing), once as they are and once with the second half of
the frames changed. Nobody judged ("unknown") is the wanted outcome for a hidden face or a dark room;
a problem judged where the untouched replay judged none is a false judgement, and each alert the
changed replay raised beyond the untouched one's is a false alert.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from posture.config import load_settings
from posture.measure.metrics import FACE_METRICS
from posture.problems import PROBLEMS
from posture.types import BAD_STATES, LM, Landmarks, Observation

from .accuracy import REPLAY_FPS, STRICT, Report, read_csv, replay, track_frames

Change = Callable[[np.ndarray, Landmarks], np.ndarray]


def _shoulder_width(lm: Landmarks) -> int:
    return max(int(np.linalg.norm(lm.px[LM.LEFT_SHOULDER] - lm.px[LM.RIGHT_SHOULDER])), 1)


def dim(factor: float) -> Change:
    """Less light: the picture scaled down, with the sensor noise a webcam adds in the dark."""
    def change(img: np.ndarray, lm: Landmarks) -> np.ndarray:
        noise = np.random.default_rng(int(img.sum()) % 2**32).normal(0.0, 4.0, img.shape)  # new every frame
        return np.clip(img.astype(np.float32) * factor + noise, 0, 255).astype(np.uint8)
    return change


def mug(img: np.ndarray, lm: Landmarks) -> np.ndarray:
    """A white mug held in front of the mouth and chin."""
    out = img.copy()
    x = int((lm.px[LM.MOUTH_LEFT, 0] + lm.px[LM.MOUTH_RIGHT, 0]) / 2)
    y = int((lm.px[LM.MOUTH_LEFT, 1] + lm.px[LM.MOUTH_RIGHT, 1]) / 2)
    w = _shoulder_width(lm)
    cv2.rectangle(out, (x - w // 8, y - w // 10), (x + w // 8, y + w // 2), (230, 230, 235), -1)
    return out


def hand(img: np.ndarray, lm: Landmarks) -> np.ndarray:
    """A hand (a skin-coloured block) over the nose and mouth."""
    out = img.copy()
    x, y = (int(v) for v in lm.px[LM.NOSE])
    w = _shoulder_width(lm)
    cv2.rectangle(out, (x - w // 5, y - w // 12), (x + w // 5, y + w // 3), (150, 170, 200), -1)
    return out


CHANGES: dict[str, tuple[str, Change]] = {
    "dim_30": ("dim light (30 % of the light)", dim(0.3)),
    "dim_15": ("dim light (15 % of the light)", dim(0.15)),
    "mug": ("a mug in front of the mouth and chin", mug),
    "hand": ("a hand over the nose and mouth", hand),
}


def _unknown(obs: Observation) -> bool:
    """Nothing measured: nobody judged, or too dark to measure anything."""
    return obs.metrics is None or all(v is None for v in obs.metrics.values().values())


# The problems read off the head: what a hand or a mug before the face can disturb.
HEAD_KINDS = frozenset(p.kind for p in PROBLEMS if p.metric in FACE_METRICS)


def _head_unknown(obs: Observation) -> bool:
    """The head is not judged (nobody, too dark, or the face hidden), the rest may be."""
    return obs.metrics is None or all(getattr(obs.metrics, m) is None for m in FACE_METRICS)


def _judged(obs: Observation) -> set[str]:
    return {k for k, s in obs.states.items() if s in BAD_STATES}


def _alerts(obs: Sequence[Observation], start: int) -> int:
    return sum(1 for o in obs[start:] for e in o.events if e.type == "alert")


def section_robustness(root: Path, model: str, rep: Report) -> None:
    folder = root / "front_webcam"
    videos: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in read_csv(folder / "labels.csv"):
        if r["label"] == "upright":
            videos[r["video"]].append(r)
    settings = load_settings(None, {"source": "benchmark", **STRICT})
    tally: dict[str, dict[str, int]] = {key: defaultdict(int) for key in CHANGES}
    for vrows in videos.values():
        vrows.sort(key=lambda r: int(r["frame"]))
        images = [cv2.imread(str(folder / r["file"])) for r in vrows]
        times, people = track_frames(images, REPLAY_FPS, model)
        clean, _ = replay(times, people, settings)
        half = len(images) // 2
        for key, (_, change) in CHANGES.items():
            t = tally[key]
            changed = images[:half]
            for i in range(half, len(images)):  # the change placed where the untouched frame has the face
                lm = clean[i].landmarks
                changed.append(change(images[i], lm) if lm is not None else images[i])
            obs, _ = replay(*track_frames(changed, REPLAY_FPS, model), settings)
            for i in range(half, len(images)):
                if _unknown(clean[i]):
                    continue  # nothing measured in the untouched frame either
                t["frames"] += 1
                t["unknown"] += _unknown(obs[i])
                t["head_unknown"] += _head_unknown(obs[i])
                t["face_found"] += obs[i].landmarks is not None and obs[i].landmarks.head is not None
                false = _judged(obs[i]) - _judged(clean[i])
                t["false"] += bool(false)
                t["false_head"] += bool(false & HEAD_KINDS)
            t["alerts"] += max(_alerts(obs, half) - _alerts(clean, half), 0)
    rows = [(CHANGES[key][0], t["frames"], t["unknown"], t["face_found"], t["head_unknown"], t["false"],
             t["false_head"], t["alerts"]) for key, t in tally.items()]
    rep.add("## robustness: dim light and a hidden face", "",
            f"The upright frames of each front_webcam video ({len(videos)} videos) replayed in order through the "
            f"app at {REPLAY_FPS:g} frames a second with the alert delay cut to {STRICT['alerts']['alert_after_s']:g} s, "
            "once as they are and once with the second half of the frames changed. Counted over the changed "
            "frames whose untouched twin was judged: frames where nobody is judged (unknown: no judgement, the "
            "wanted outcome for a hidden face or a dark room), frames where a problem is judged that the "
            "untouched replay did not judge (false judgements; of them, those of a problem read off the head: "
            "forward head, phone posture, head tilt), and the alerts the changed replay raised beyond the "
            "untouched one's. "
            "MediaPipe's pose model places every landmark with full confidence even where it cannot see it "
            "(visibility about 1.0 under a block over the nose and mouth, and in the dark). The app therefore "
            "judges nothing when the face is darker than `pose.min_face_light` (mean grey level 25 of 255). "
            "From the front the head is read from the face model, which still finds the face behind most "
            "mugs and many hands and reads its angles within a few degrees there; where it loses a face it "
            "had found, the head's metrics are unknown instead of read off the pose model's head landmarks. "
            "The rest of the body (the sideways lean) is still judged from the pose model, whose head "
            "landmarks the block moves.", "")
    rep.table(["change", "changed frames", "nobody judged (unknown)", "face found", "head unknown",
               "false judgements", "of the head", "false alerts (3 s delay)"], rows)
    rep.figures["robustness"] = {key: dict(t) for key, t in tally.items()}
