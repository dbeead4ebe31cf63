"""The band of every metric of a frame: clinical where a source gives numbers, else against the rule."""

from __future__ import annotations

from typing import Sequence

from ..clinical import relative_band
from ..problems import METRIC
from ..types import Band, Metrics
from .rules import Rule


def metric_bands(metrics: Metrics, rules: Sequence[Rule]) -> dict[str, Band]:
    """The band of every known metric (posture/problems.py says which metric has a clinical band).

    A band read from upright (neck flexion, trunk inclination) is taken from the rule's upright
    reference: 0 from the side, the user's own upright value with a calibration.
    """
    by_metric = {r.metric: r for r in rules}
    out: dict[str, Band] = {}
    for key, value in metrics.values().items():
        if value is None:
            continue
        rule = by_metric.get(key)
        info = METRIC[key]
        if info.band is not None and metrics.view in info.band_views:
            out[key] = info.band(value - (rule.neutral if rule and info.band_from_upright else 0.0))
        elif rule is not None:
            out[key] = relative_band(rule.badness(value), rule.release_fraction)
    return out
