"""The reminder to get up: after sitting for long without a break, once, then again after as long."""

from __future__ import annotations

from ..types import BREAK_KIND, Event, EventType


class BreakReminder:
    """Counts how long the user has sat in view; being away long enough is a break.

    Args:
        after_s: remind after sitting this long (seconds).
        reset_s: being away (or the camera paused) this long counts as a break.
    """

    def __init__(self, after_s: float, reset_s: float) -> None:
        if after_s <= 0 or reset_s <= 0:
            raise ValueError(f"break times must be > 0 s, got {after_s} and {reset_s}")
        self.after_s = after_s
        self.reset_s = reset_s
        self.sitting_since: float | None = None
        self.away_since: float | None = None

    def update(self, present: bool, t: float) -> Event | None:
        """One frame: is the user in view? Returns a ``break`` event when it is time to get up."""
        if not present:
            if self.away_since is None:
                self.away_since = t
            return None
        if self.sitting_since is None or (self.away_since is not None and t - self.away_since >= self.reset_s):
            self.sitting_since = t  # back from a break (or the first sight of the user)
        self.away_since = None
        if t - self.sitting_since >= self.after_s:
            start, self.sitting_since = self.sitting_since, t  # remind again after as long
            return Event(EventType.BREAK, BREAK_KIND, t, start, None, "")
        return None

    def gap(self, t: float) -> None:
        """No frames (camera paused or lost): like being away, from ``t`` on."""
        if self.away_since is None:
            self.away_since = t

    def sitting_s(self, t: float) -> float:
        """How long the user has sat since the last break."""
        return 0.0 if self.sitting_since is None else t - self.sitting_since
