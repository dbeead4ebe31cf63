"""One Euro filter and the metric smoother, with made-up timestamps."""

from __future__ import annotations

import numpy as np
import pytest

from posture.measure.smoothing import OneEuroFilter, Smoother
from posture.types import Metrics


def test_constant_signal_passes_unchanged() -> None:
    f = OneEuroFilter(min_cutoff_hz=0.5, beta=0.1)
    assert all(f(42.0, i / 10) == pytest.approx(42.0) for i in range(50))


def test_jitter_is_reduced_and_a_step_is_followed() -> None:
    rng = np.random.default_rng(0)
    f = OneEuroFilter(min_cutoff_hz=0.4, beta=0.05)
    t = np.arange(0, 20, 0.1)
    noisy = 50 + rng.normal(0, 1.0, t.size)
    out = np.array([f(x, ti) for x, ti in zip(noisy, t)])
    assert np.std(out[50:]) < 0.5 * np.std(noisy[50:])  # jitter at least halved
    # A 15 deg step (sitting up) is mostly followed within 2 s.
    f.reset()
    step = np.where(t < 5, 40.0, 55.0)
    out = np.array([f(x, ti) for x, ti in zip(step, t)])
    assert out[t.searchsorted(7.0)] > 52.0
    assert out[t.searchsorted(4.9)] == pytest.approx(40.0)


def test_uneven_timestamps_and_repeats() -> None:
    f = OneEuroFilter(min_cutoff_hz=1.0)
    f(0.0, 0.0)
    a = f(10.0, 0.05)
    f.reset()
    f(0.0, 0.0)
    b = f(10.0, 1.0)
    assert 0 < a < b < 10  # a longer step moves further towards the new value
    assert f(99.0, 1.0) == b  # a repeated timestamp adds nothing


def test_invalid_parameters() -> None:
    with pytest.raises(ValueError, match="cut-off"):
        OneEuroFilter(min_cutoff_hz=0)
    with pytest.raises(ValueError, match="beta"):
        OneEuroFilter(beta=-1)


def test_smoother_restarts_on_absence_unknown_and_view_change() -> None:
    s = Smoother(min_cutoff_hz=0.1)
    s.update(Metrics(view="side", cva_deg=50.0), 0.0)
    smoothed = s.update(Metrics(view="side", cva_deg=49.0), 0.1)
    assert smoothed is not None and smoothed.cva_deg > 49.8  # a small wobble is mostly smoothed away
    assert s.update(None, 0.2) is None
    fresh = s.update(Metrics(view="side", cva_deg=30.0), 0.3)
    assert fresh is not None and fresh.cva_deg == 30.0  # restarted after nobody was there
    s.update(Metrics(view="side", cva_deg=30.0, neck_flexion_deg=5.0), 0.4)
    gone = s.update(Metrics(view="side", cva_deg=30.0, neck_flexion_deg=None), 0.5)
    assert gone is not None and gone.neck_flexion_deg is None
    back = s.update(Metrics(view="side", cva_deg=30.0, neck_flexion_deg=20.0), 0.6)
    assert back is not None and back.neck_flexion_deg == 20.0
    turned = s.update(Metrics(view="front", cva_deg=10.0), 0.7)
    assert turned is not None and turned.cva_deg == 10.0
    late = s.update(Metrics(view="front", cva_deg=40.0), 5.0)  # a long gap restarts too
    assert late is not None and late.cva_deg == 40.0
