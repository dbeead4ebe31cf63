"""The capture loop: source -> pipeline -> sinks, until the source ends or the user quits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .capture import FrameSource, Gap
from .errors import PostureError
from .pipeline import Pipeline
from .sinks import Sink


@dataclass
class RunResult:
    """How the loop ended."""

    frames: int
    interrupted: bool
    last_t: float | None
    error: PostureError | None = None


class App:
    """Runs one monitoring session.

    Args:
        source: where frames come from.
        pipeline: turns frames into observations.
        sinks: where observations go (log, terminal, window, summary).
    """

    def __init__(self, source: FrameSource, pipeline: Pipeline, sinks: Sequence[Sink]) -> None:
        self.source = source
        self.pipeline = pipeline
        self.sinks = list(sinks)
        self._stop = False

    def request_stop(self) -> None:
        """Stop after the current frame (the window's quit key)."""
        self._stop = True

    def _status(self, message: str) -> None:
        for sink in self.sinks:
            sink.status(message)

    def run(self) -> RunResult:
        """Analyse until the source ends, the user quits or Ctrl+C; sinks are always closed."""
        frames = 0
        last_t: float | None = None
        interrupted = False
        in_gap = False
        error: PostureError | None = None
        try:
            while not self._stop:
                item = self.source.read()
                if item is None:
                    break
                if isinstance(item, Gap):
                    self.pipeline.gap(item.t)
                    self._status(item.message)
                    in_gap = True
                    continue
                if in_gap:
                    self._status("")
                    in_gap = False
                obs = self.pipeline.process(item)
                frames += 1
                last_t = item.t
                for sink in self.sinks:
                    sink.handle(obs)
        except KeyboardInterrupt:
            interrupted = True
        except PostureError as exc:  # an output failed: stop cleanly, keep what was written
            error = exc
        finally:
            final = self.pipeline.finish(last_t) if last_t is not None else []
            for sink in self.sinks:
                try:
                    sink.close(final)
                except PostureError as exc:
                    error = error or exc
            self.source.close()
        return RunResult(frames=frames, interrupted=interrupted, last_t=last_t, error=error)
