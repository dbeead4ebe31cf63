"""Refit the linear estimators of posture/measure/estimators.py on the rendered people with exact truth.

Runs the real pose model (IMAGE mode) over ../shared/data/synthetic (or --data DIR), computes each
feature set with the app's own functions, fits every estimator on changes from each body's upright
posture (benchmarks/fitting.py says why) on all bodies, and prints the FITTED table to paste into
posture/measure/estimators.py, with each estimator's leave-one-body-out error after the app's calibration.

    python tools/fit_estimators.py [--data ../shared/data/synthetic] [--model full]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import fitting as F  # noqa: E402
from posture.measure import estimators as M  # noqa: E402


def calibration_image(g: dict[str, float]) -> bool:
    return g["neck_flex_deg"] == 0 and g["fhp_target_cm"] == 0 and g["shoulder_prot_deg"] == 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data/synthetic"))
    ap.add_argument("--model", default="full")
    args = ap.parse_args()
    samples = F.load_samples(Path(args.data), args.model)
    print(f"# {sum(s.lm is not None for s in samples)} of {len(samples)} images with a person")
    print("FITTED: dict[tuple[str, str, str], tuple[tuple[float, ...], float]] = {")
    for (quantity, view), specs in M.ESTIMATED.items():
        views = ("side",) if view == "side" else F.FRONT_VIEWS
        target = F.TARGETS[quantity](views)
        for spec_name in specs:
            spec = M.SPECS[spec_name]
            est = F.fit(samples, spec, target)
            lobo = F.leave_one_body_out(samples, spec, target, calibration_image)
            cal = np.mean([v["cal_mae"] for v in lobo.values()])
            weights = ", ".join(f"{w:.6g}" for w in est.weights)
            print(f"    # calibrated leave-one-body-out MAE {cal:.2f}")
            print(f"    ({quantity!r}, {view!r}, {spec_name!r}): (({weights},), {est.intercept:.6g}),")
    print("}")


if __name__ == "__main__":
    main()
