"""What the app's metrics show in each phase of a rendered exercise clip (docs/design/exercise-signals.md).

    python tools/exercise_signals.py exercise_front_low|exercise_side [--data ../shared/data/clips]

Replays the clip through the pipeline (smoothing off), calibrates on its first 5 s and prints, per
phase of the ``segment`` column, the median change of each metric from the calibration and its spread.
"""

from __future__ import annotations

import argparse
import collections
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from posture.cli.run import open_models  # noqa: E402
from posture.config import load_settings  # noqa: E402
from posture.judge.calibration import CalibrationRecorder  # noqa: E402
from posture.sources import open_source  # noqa: E402

KEYS = ("head_forward_cm", "neck_flexion_deg", "cva_deg", "shoulder_angle_deg", "head_pitch_deg", "face_z_cm",
        "face_y_cm", "trunk_inclination_deg")


def phase(segment: str) -> str:
    """tuck_3_hold -> tuck_hold; rest -> rest."""
    parts = segment.split("_")
    return parts[0] if len(parts) == 1 else f"{parts[0]}_{parts[-1]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clip")
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "clips")
    args = ap.parse_args()
    rows = list(csv.DictReader(open(args.data / f"{args.clip}.csv", encoding="utf-8")))
    profile = "side" if "side" in args.clip else "desk"
    settings = load_settings(None, {"source": "x", "profile": profile, "smoothing": {"enabled": False}})
    models = open_models(settings)
    try:
        src = open_source(str(args.data / f"{args.clip}.mp4"))
        pipe = models.pipeline(settings, None)
        rec = CalibrationRecorder(profile=profile, duration_s=0.0, max_spread_deg=30.0)
        pipe.start_calibration(rec)
        base = None
        values: dict[str, dict[str, list[float]]] = collections.defaultdict(lambda: collections.defaultdict(list))
        while (frame := src.read()) is not None:
            obs = pipe.process(frame)
            if frame.t >= 5 and pipe.recorder is not None:
                pipe.recorder = None
                base = rec.result()
                pipe.set_baseline(base)
            if base is None or obs.metrics is None:
                continue
            for key in KEYS:
                value, ref = getattr(obs.metrics, key), base.median(key)
                if value is not None and ref is not None:
                    values[phase(rows[frame.index]["segment"])][key].append(value - ref)
    finally:
        models.close()
    print(args.clip)
    for name in sorted(values):
        print(f"  {name:<14}", "  ".join(f"{k}: {np.median(v):+.2f} +- {np.std(v):.2f}" for k, v in values[name].items()))


if __name__ == "__main__":
    main()
