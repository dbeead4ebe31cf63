"""Where observations go: a log file, the terminal, a window, alerts, the summary (and the history, in
posture/storage). Each is a :class:`Sink`; sinks import only the plain types (posture/types.py) and
the words for them, never the processing stages."""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

from ..types import Baseline, Event, Observation


@runtime_checkable
class Sink(Protocol):
    """Everything a sink is told during a session, in this order: ``handle`` for every analysed frame,
    ``status`` now and then, ``calibrated`` and ``new_session`` when the user calibrates or switches
    profile, ``redraw`` when what is shown changes between frames, and ``close`` once at the end."""

    def handle(self, obs: Observation) -> None:
        """Take one analysed frame."""
        ...

    def status(self, message: str) -> None:
        """Show a message about the source or the app (empty string: all is well again)."""
        ...

    def calibrated(self, baseline: Baseline) -> None:
        """A calibration was made during the session: the frames that follow are judged against it."""
        ...

    def new_session(self, profile: str, baseline: Baseline | None, final_events: Sequence[Event] = ()) -> None:
        """Another profile from the next frame on (with its calibration, if any); ``final_events`` closed
        the previous profile's open alerts."""
        ...

    def redraw(self) -> None:
        """What is shown has changed without a new frame (the keys shown or hidden)."""
        ...

    def close(self, final_events: Sequence[Event] = ()) -> None:
        """Take the events that closed the session (open alerts ended), then flush and release."""
        ...


class BaseSink:
    """A sink that ignores everything: subclass it and override what the sink cares about."""

    def handle(self, obs: Observation) -> None:
        pass

    def status(self, message: str) -> None:
        pass

    def calibrated(self, baseline: Baseline) -> None:
        pass

    def new_session(self, profile: str, baseline: Baseline | None, final_events: Sequence[Event] = ()) -> None:
        pass

    def redraw(self) -> None:
        pass

    def close(self, final_events: Sequence[Event] = ()) -> None:
        pass
