"""The JSON Lines log: one object per analysed frame and per alert event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any, Sequence

from ..errors import OutputError
from ..i18n import _
from ..paths import open_for_writing
from ..types import Baseline, Event, Observation
from . import BaseSink


def sample_record(obs: Observation) -> dict[str, Any]:
    """The ``sample`` record of one analysed frame."""
    rec: dict[str, Any] = {"type": "sample", "t": round(obs.frame.t, 3), "frame": obs.frame.index}
    if obs.frame.name is not None:
        rec["file"] = obs.frame.name
    rec["present"] = obs.present
    rec["presence"] = obs.presence
    rec["people"] = obs.people
    rec["view"] = obs.view
    rec["calibrated"] = obs.calibrated
    rec["metrics"] = obs.metrics.values() if obs.metrics is not None else {}
    rec["bands"] = {k: b.level for k, b in obs.bands.items()}
    rec["states"] = {k: s.value for k, s in obs.states.items()}
    if obs.awaiting_calibration:
        rec["awaiting_calibration"] = sorted(k for k in obs.states if k in obs.awaiting_calibration)
    return rec


def _calibration(baseline: Baseline) -> dict[str, Any]:
    """What a log reader needs of a calibration: when, from what, in which view."""
    return {"created": baseline.created, "view": baseline.view, "source": baseline.source}


class JsonLinesLog(BaseSink):
    """Writes ``{"type": "sample", ...}`` for every frame and ``alert``/``alert_end`` for every event;
    ``profile`` when the profile changes and ``calibration`` when a calibration is made.

    Each line is flushed as it is written, so the log is complete up to the last frame even when
    the app is interrupted or killed.

    Args:
        path: the log file (created or overwritten).
        header: extra fields for a first ``{"type": "session", ...}`` line.
        samples: write a ``sample`` per frame (off for an exercise session, whose log is its repetitions).
    """

    def __init__(self, path: str | Path, header: dict[str, Any] | None = None, *, samples: bool = True) -> None:
        self.path = Path(path)
        self.samples = samples
        try:
            self._fh: IO[str] | None = open_for_writing(self.path, buffering=1)
        except OSError as exc:
            raise OutputError(_("cannot write log {path}: {problem}").format(
                path=self.path, problem=exc.strerror or exc)) from None
        self._t: float | None = None  # the last sample's time
        if header is not None:
            self.write({"type": "session", **header})

    def write(self, record: dict[str, Any]) -> None:
        """Write one record as a line."""
        if self._fh is None:
            return
        try:
            self._fh.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")
        except OSError as exc:
            self._fh = None
            raise OutputError(_("cannot write log {path}: {problem}").format(
                path=self.path, problem=exc.strerror or exc)) from None

    def handle(self, obs: Observation) -> None:
        self._t = obs.frame.t
        if self.samples:
            self.write(sample_record(obs))
            self._write_events(obs.events)

    def status(self, message: str) -> None:
        if message:
            self.write({"type": "status", "message": message})

    def new_session(self, profile: str, baseline: Baseline | None, final_events: Sequence[Event] = ()) -> None:
        """Another profile from now on: the old profile's open alerts end here, then a ``profile`` record
        (the following samples carry the new profile's judgement)."""
        self._write_events(final_events)
        self.write({"type": "profile", "t": self._time(), "profile": profile,
                    "calibration": None if baseline is None else _calibration(baseline)})

    def calibrated(self, baseline: Baseline) -> None:
        """A calibration made during the session: the following samples are judged against it."""
        self.write({"type": "calibration", "t": self._time(), "profile": baseline.profile, **_calibration(baseline)})

    def _time(self) -> float | None:
        return None if self._t is None else round(self._t, 3)

    def _write_events(self, events: Sequence[Event]) -> None:
        for event in events:
            self.write(event.as_record())

    def close(self, final_events: Sequence[Event] = ()) -> None:
        self._write_events(final_events)
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError as exc:
                raise OutputError(_("cannot write log {path}: {problem}").format(
                path=self.path, problem=exc.strerror or exc)) from None
            finally:
                self._fh = None
