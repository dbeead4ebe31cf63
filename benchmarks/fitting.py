"""Fitting the linear estimators of metrics.py on rendered people with exact truth.

The app judges changes from the user's own upright posture, so an estimator is fitted on changes:
within each body and camera, the features and the truth of its upright reference images are
subtracted, and the weights are the Huber-robust least squares fit of those differences (no
intercept). An ordinary fit of absolute values would flatten the slopes (noisy features) and so
under-report every change after calibration. The intercept, used only before a calibration, puts
the upright images of the training bodies on their true absolute value.

Used by tools/fit_estimators.py (constants for metrics.py) and by the accuracy benchmark
(leave-one-body-out errors after the app's calibration).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from posture.measure import estimators as E
from posture.types import Landmarks


@dataclass(frozen=True)
class Target:
    """What one estimator predicts, in terms of the rendered set's truth columns.

    Attributes:
        quantity: the metric key.
        views: the camera views it is fitted on ("side", or the two front cameras).
        change: truth of the change from upright (compared after calibration).
        absolute: truth of the absolute value at upright (for the intercept).
        huber: residual beyond which a sample's weight falls (units of the quantity).
        reference: which images count as this body's upright reference.
    """

    quantity: str
    views: tuple[str, ...]
    change: Callable[[Mapping[str, float]], float]
    absolute: Callable[[Mapping[str, float]], float]
    huber: float
    reference: Callable[[Mapping[str, float]], bool]


def _head_upright(g: Mapping[str, float]) -> bool:
    return g["neck_flex_deg"] == 0 and g["fhp_target_cm"] == 0


def _all_upright(g: Mapping[str, float]) -> bool:
    return _head_upright(g) and g["shoulder_prot_deg"] == 0


FRONT_VIEWS = ("front_eye", "front_low")
TARGETS = {
    "cva_deg": lambda views: Target("cva_deg", views, lambda g: g["cva"], lambda g: g["cva"], 3.0, _head_upright),
    # Ears ahead of the shoulder joints; its changes follow the true forward displacement of the head.
    "head_forward_cm": lambda views: Target("head_forward_cm", views, lambda g: g["protraction_cm"],
                                            lambda g: g["fhd_cm"] - g["sh_fwd_cm"], 1.0, _head_upright),
    "neck_flexion_deg": lambda views: Target("neck_flexion_deg", views, lambda g: g["neck_flex_deg"],
                                             lambda g: g["neck_flex_deg"], 3.0, _head_upright),
    # Forward shoulder angle: C7 -> shoulder joint below the horizontal (grows as the shoulders round).
    "shoulder_angle_deg": lambda views: Target("shoulder_angle_deg", views, lambda g: g["fsa"], lambda g: g["fsa"],
                                               3.0, _all_upright),
}


# Ridge penalty (on standardised features) per (quantity, feature set). The front neck-flexion fit
# without one leans on large opposing weights: on the real webcam recordings a sideways head tilt then
# moved it 9 deg; with 0.003 it moves 4 deg, for 6.4 instead of 5.9 deg error on rendered bodies.
RIDGE: dict[tuple[str, str], float] = {("neck_flexion_deg", "front"): 0.003,
                                       ("neck_flexion_deg", "front_no_ears"): 0.003}


@dataclass
class Sample:
    """One rendered image: its truth row and what the pose model found."""

    gt: dict[str, float]
    body: str
    view: str  # front_eye, front_low or side
    lm: Landmarks | None


def load_samples(folder: Path, model: str, face: bool = True) -> list[Sample]:
    """Every rendered image of ``folder`` (synthetic/) with what the pose model found in it, and the
    head's pose from the face model where its face belongs to that body (``face``)."""
    import cv2

    from posture.pose.face import FaceEstimator, with_head
    from posture.pose.landmarker import PoseEstimator

    out = []
    with PoseEstimator(model, video=False, num_poses=1) as pose, FaceEstimator(video=False) as faces:
        for row in read_truth(folder):
            img = cv2.imread(str(folder / "img" / row["img"]))
            lm = pose.estimate(img, 0.0) if img is not None else None
            if lm is not None and face:
                lm = with_head(lm, faces.estimate_all(img, 0.0))
            out.append(Sample(numeric(row), row["body"], row["view"], lm))
    return out


def read_truth(folder: Path) -> list[dict[str, str]]:
    with open(folder / "gt.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def numeric(row: Mapping[str, str]) -> dict[str, float]:
    out = {}
    for k, v in row.items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            pass
    return out


def design(samples: Sequence[Sample], spec: E.EstimatorSpec, target: Target) -> tuple[np.ndarray, ...]:
    """Features, change truth, absolute truth, groups (body|camera), reference mask, usable mask."""
    X, yc, ya, groups, ref, ok = [], [], [], [], [], []
    for s in samples:
        x = spec.features(s.lm) if s.lm is not None and s.view in target.views else None
        X.append(np.full(len(spec.names), np.nan) if x is None else np.asarray(x, float))
        yc.append(target.change(s.gt))
        ya.append(target.absolute(s.gt))
        groups.append(f"{s.body}|{s.view}")
        ref.append(target.reference(s.gt))
        ok.append(x is not None)
    return (np.array(X), np.array(yc), np.array(ya), np.array(groups), np.array(ref), np.array(ok))


def fit_change(X: np.ndarray, yc: np.ndarray, ya: np.ndarray, groups: np.ndarray, ref: np.ndarray,
               huber: float, iterations: int = 20, ridge: float = 0.0) -> tuple[np.ndarray, float]:
    """Weights fitted on changes from each group's reference images; intercept from the references."""
    Xd, yd = np.empty_like(X), np.empty_like(yc)
    keep = np.zeros(len(yc), bool)
    for g in np.unique(groups):
        m = groups == g
        r = m & ref
        if not r.any():
            continue
        Xd[m] = X[m] - X[r].mean(axis=0)
        yd[m] = yc[m] - yc[r].mean()
        keep |= m
    Xd, yd = Xd[keep], yd[keep]
    scale = np.sqrt(np.mean(Xd ** 2, axis=0))
    scale[scale == 0] = 1.0
    weights = np.ones(len(yd))
    w = np.zeros(X.shape[1])
    for _ in range(iterations):
        sw = np.sqrt(weights)
        Z = Xd / scale * sw[:, None]
        A = Z.T @ Z + ridge * len(yd) * np.eye(Z.shape[1])
        w = np.linalg.solve(A, Z.T @ (yd * sw)) / scale
        weights = np.minimum(1.0, huber / np.maximum(np.abs(Xd @ w - yd), 1e-9))
    refs = keep & ref
    b = float(np.mean(ya[refs] - X[refs] @ w))
    return w, b


def fit(samples: Sequence[Sample], spec: E.EstimatorSpec, target: Target) -> E.Estimator:
    """An estimator fitted on the given samples."""
    X, yc, ya, groups, ref, ok = design(samples, spec, target)
    ridge = RIDGE.get((target.quantity, spec.name), 0.0)
    w, b = fit_change(X[ok], yc[ok], ya[ok], groups[ok], ref[ok], target.huber, ridge=ridge)
    return E.Estimator(spec, tuple(float(v) for v in w), b)


def leave_one_body_out(samples: Sequence[Sample], spec: E.EstimatorSpec, target: Target,
                       calibration: Callable[[Mapping[str, float]], bool]) -> dict[str, dict[str, float]]:
    """Errors on each body with the estimator fitted on the others, before and after calibration.

    The calibration offset of a held-out body and camera is its estimate minus truth on its
    calibration image(s) (``calibration``); those images are left out of the errors.

    Returns:
        {body: {"n": ..., "raw_mae": ..., "cal_mae": ..., "cal_mae_le30": ...}} per camera view
        under the key "body|view".
    """
    bodies = sorted({s.body for s in samples})
    out: dict[str, dict[str, float]] = {}
    for held in bodies:
        train = [s for s in samples if s.body != held]
        est = fit(train, spec, target)
        for view in target.views:
            test = [s for s in samples if s.body == held and s.view == view and s.lm is not None]
            pred = np.array([np.nan if (x := spec.features(s.lm)) is None else est.apply(x) for s in test])  # type: ignore[arg-type]
            ya = np.array([target.absolute(s.gt) for s in test])
            yc = np.array([target.change(s.gt) for s in test])
            cal = np.array([calibration(s.gt) for s in test])
            ok = ~np.isnan(pred)
            if not (ok & cal).any():
                continue
            offset = float(np.mean(pred[ok & cal] - yc[ok & cal]))
            err_cal = pred - offset - yc
            scored = ok & ~cal
            le30 = scored & np.array([s.gt["neck_flex_deg"] <= 30 for s in test])
            out[f"{held}|{view}"] = {
                "n": float(scored.sum()),
                "raw_mae": float(np.mean(np.abs(pred[ok] - ya[ok]))),
                "cal_mae": float(np.mean(np.abs(err_cal[scored]))),
                "cal_mae_le30": float(np.mean(np.abs(err_cal[le30]))) if le30.any() else float("nan"),
            }
    return out
