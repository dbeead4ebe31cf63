"""Refit the linear estimators in posture/metrics.py on the rendered bodies with exact truth.

Runs the real pose model (IMAGE mode) over ../shared/data/synthetic (or --data DIR), computes the
features with the app's own functions, fits each estimator by least squares on all bodies and
prints the constants to paste into metrics.py, with the leave-one-body-out error of each.

    python tools/fit_estimators.py [--data ../shared/data/synthetic] [--model full]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from posture import metrics as M  # noqa: E402
from posture.pose import PoseEstimator  # noqa: E402


def features(rows: list[dict[str, str]], folder: Path, model: str) -> list[tuple[dict[str, str], object]]:
    out = []
    with PoseEstimator(model, video=False) as est:
        for r in rows:
            img = cv2.imread(str(folder / "img" / r["img"]))
            lm = est.estimate(img, 0.0) if img is not None else None
            out.append((r, lm))
    return out


def fit(name: str, X: np.ndarray, y: np.ndarray, bodies: np.ndarray) -> np.ndarray:
    A = np.column_stack([X, np.ones(len(X))])
    w, *_ = np.linalg.lstsq(A, y, rcond=None)
    errs = []
    for b in sorted(set(bodies)):
        tr, te = bodies != b, bodies == b
        wb, *_ = np.linalg.lstsq(A[tr], y[tr], rcond=None)
        errs.append(f"{b} {np.abs(A[te] @ wb - y[te]).mean():.1f}")
    print(f"{name} = ({', '.join(f'{v:.4g}' for v in w)})  # n={len(y)}; leave-one-body-out MAE: {', '.join(errs)}")
    return w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data/synthetic"))
    ap.add_argument("--model", default="full")
    args = ap.parse_args()
    folder = Path(args.data)
    rows = list(csv.DictReader(open(folder / "gt.csv", encoding="utf-8")))
    found = [(r, lm) for r, lm in features(rows, folder, args.model) if lm is not None]
    print(f"{len(found)} of {len(rows)} images with a person")
    vis = 0.5
    for view in ("side", "front"):
        Xc, yc, yn, bodies = [], [], [], []
        for r, lm in found:
            if (r["view"] == "side") != (view == "side"):
                continue
            if view == "side":
                if not M._visible(lm, M.HEAD + M.SHOULDERS + M.EYES, vis):
                    continue
                x = [M.side_cva_proxy_deg(lm), M.side_head_pitch_deg(lm)]
            else:
                if not M._visible(lm, M.HEAD + M.SHOULDERS, vis):
                    continue
                x = list(M.front_head_cues(lm))
            Xc.append(x)
            yc.append(float(r["cva"]))
            yn.append(float(r["neck_flex_deg"]))
            bodies.append(r["body"])
        X, B = np.array(Xc), np.array(bodies)
        fit(f"{view.upper()}_CVA_FIT", X, np.array(yc), B)
        fit(f"{view.upper()}_NECK_FIT", X, np.array(yn), B)


if __name__ == "__main__":
    main()
