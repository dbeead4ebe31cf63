"""Temporal smoothing of the metrics with the One Euro filter.

The One Euro filter (Casiez, Roussel and Vogel, CHI 2012) is a low-pass filter whose cut-off rises
with the speed of the signal: still postures are smoothed hard (no jitter), quick moves pass with
little lag. It works out its rate from the timestamps, so frames need not be evenly spaced.
"""

from __future__ import annotations

import math

from ..types import METRIC_KEYS, Metrics


def _alpha(cutoff_hz: float, dt: float) -> float:
    """Smoothing factor of an exponential filter with the given cut-off for a step of ``dt`` seconds."""
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """One Euro filter for one scalar signal.

    Args:
        min_cutoff_hz: cut-off frequency when the signal is still (lower = smoother).
        beta: how fast the cut-off rises with speed (higher = less lag when moving).
        d_cutoff_hz: cut-off of the derivative estimate.
    """

    def __init__(self, min_cutoff_hz: float = 1.0, beta: float = 0.0, d_cutoff_hz: float = 1.0) -> None:
        if min_cutoff_hz <= 0 or d_cutoff_hz <= 0:
            raise ValueError(f"cut-off frequencies must be > 0 Hz, got {min_cutoff_hz} and {d_cutoff_hz}")
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next value passes unchanged."""
        self._x: float | None = None
        self._dx = 0.0
        self._t: float | None = None

    def __call__(self, x: float, t: float) -> float:
        """Filter value ``x`` observed at time ``t`` (seconds, increasing)."""
        if self._x is None or self._t is None:
            self._x, self._t = x, t
            return x
        dt = t - self._t
        if dt <= 0:  # a repeated timestamp adds nothing
            return self._x
        dx = (x - self._x) / dt
        self._dx += _alpha(self.d_cutoff_hz, dt) * (dx - self._dx)
        cutoff = self.min_cutoff_hz + self.beta * abs(self._dx)
        self._x += _alpha(cutoff, dt) * (x - self._x)
        self._t = t
        return self._x


class Smoother:
    """Smooths every metric of a stream of :class:`Metrics`.

    A metric that becomes unknown, a change of view, or a gap longer than ``max_gap_s`` restarts
    its filter, so a smoothed value never mixes readings across an absence.

    Args:
        min_cutoff_hz, beta, d_cutoff_hz: One Euro parameters (see :class:`OneEuroFilter`).
        max_gap_s: a longer pause between readings restarts the filters.
    """

    def __init__(self, *, min_cutoff_hz: float = 0.4, beta: float = 0.05, d_cutoff_hz: float = 1.0,
                 max_gap_s: float = 2.0) -> None:
        self._filters = {k: OneEuroFilter(min_cutoff_hz, beta, d_cutoff_hz) for k in METRIC_KEYS}
        self._max_gap_s = max_gap_s
        self._last_t: float | None = None
        self._view: str | None = None

    def reset(self) -> None:
        """Restart every filter."""
        for f in self._filters.values():
            f.reset()
        self._last_t = None
        self._view = None

    def update(self, metrics: Metrics | None, t: float) -> Metrics | None:
        """Smoothed metrics at time ``t`` (None passes through and restarts the filters)."""
        if metrics is None:
            self.reset()
            return None
        if (self._last_t is not None and t - self._last_t > self._max_gap_s) or metrics.view != self._view:
            self.reset()
        self._last_t = t
        self._view = metrics.view
        values: dict[str, float | None] = {}
        for key, filt in self._filters.items():
            raw = getattr(metrics, key)
            if raw is None:
                filt.reset()
                values[key] = None
            else:
                values[key] = filt(raw, t)
        return Metrics(view=metrics.view, **values)
