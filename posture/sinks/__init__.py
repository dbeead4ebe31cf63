"""Where observations go: a log file, the terminal, a window. Each is a :class:`Sink`."""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

from ..monitor import Event
from ..pipeline import Observation


@runtime_checkable
class Sink(Protocol):
    """Receives every observation; ``status`` carries messages such as "camera lost"."""

    def handle(self, obs: Observation) -> None:
        """Take one analysed frame."""
        ...

    def status(self, message: str) -> None:
        """Show a message about the source (empty string: all is well again)."""
        ...

    def close(self, final_events: Sequence[Event] = ()) -> None:
        """Take the events that closed the session (open alerts ended), then flush and release."""
        ...
