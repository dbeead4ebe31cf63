"""The terminal: a progress bar for files, a one-line live status for a camera, alert lines."""

from __future__ import annotations

from typing import Callable, Sequence

from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from ..i18n import _
from ..problems import PROBLEM
from ..text import (alert_end_message, alert_message, break_message, clock, kind_label, time_labels,
                    unmeasurable_message, value_text)
from ..types import Event, EventType, Observation, State
from . import BaseSink

STATE_STYLE = {State.GOOD: "green", State.DEVIATING: "yellow", State.ALERT: "bold red", State.UNKNOWN: "dim"}


def status_line(obs: Observation, at: Callable[[float], str] = clock) -> Text:
    """One line: time (``at`` writes it), view, the main angles and each problem's state."""
    line = Text(f"{at(obs.frame.t)} ")
    if obs.metrics is None:
        line.append(_("nobody in view"), style="dim")
    else:
        line.append((_("side view") if obs.metrics.view == "side" else _("front view")) + "  ", style="cyan")
        waiting = {PROBLEM[k].metric for k in obs.awaiting_calibration}  # means nothing before a calibration
        for key in ("cva_deg", "neck_flexion_deg", "lateral_lean_deg"):
            value = getattr(obs.metrics, key)
            if value is not None and key not in waiting:
                line.append(value_text(key, value) + "  ")
    for kind, state in obs.states.items():
        if state is not State.GOOD and state is not State.UNKNOWN:
            word = _("alert") if state is State.ALERT else _("deviating")
            line.append(f"{kind_label(kind)}: {word}  ", style=STATE_STYLE[state])
    return line


class TerminalSink(BaseSink):
    """Progress (files) or live status (camera) on stderr; alerts as lines that stay.

    Args:
        console: where to write (stderr by default).
        total: number of frames to analyse, for a file source; None for a live camera.
        description: what is being analysed.
    """

    def __init__(self, console: Console | None = None, *, total: int | None = None, live: bool = False,
                 description: str = "") -> None:
        self.console = console or Console(stderr=True)
        self.at = time_labels(live)  # a camera's times of day, a file's times into it
        self._live: Live | None = None
        self._progress: Progress | None = None
        if not self.console.is_terminal:  # piped or redirected: alert lines only, no animation
            return
        if live:
            self._live = Live(Text(_("starting...")), console=self.console, refresh_per_second=4, transient=True)
            self._live.start()
        else:
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TimeRemainingColumn(), TextColumn("{task.fields[state]}"), console=self.console, transient=True)
            self._task = self._progress.add_task(description or _("analysing"), total=total, state="")
            self._progress.start()

    def _print_events(self, events: Sequence[Event]) -> None:
        for event in events:
            if event.type is EventType.GLANCE:  # ignored, as the user wants
                continue
            if event.type is EventType.ALERT:
                self.console.print(f"[bold red]{self.at(event.t)} {_('ALERT')}[/] {alert_message(event)}", soft_wrap=True)
            elif event.type is EventType.BREAK:
                self.console.print(f"[bold cyan]{self.at(event.t)} {_('BREAK')}[/] {break_message(event)}",
                                   soft_wrap=True)
            elif event.type is EventType.UNMEASURABLE:
                self.console.print(f"[yellow]{self.at(event.t)} {_('note')}[/] {unmeasurable_message(event)}",
                                   soft_wrap=True)
            else:
                self.console.print(f"[green]{self.at(event.t)} {_('ok')}[/] {alert_end_message(event)}", soft_wrap=True)

    def handle(self, obs: Observation) -> None:
        self._print_events(obs.events)
        if self._live is not None:
            self._live.update(status_line(obs, self.at))
        elif self._progress is not None:
            active = [kind_label(k) for k, s in obs.states.items() if s is State.ALERT]
            self._progress.update(self._task, advance=1,
                                  state=_("alert: {problems}").format(problems=", ".join(active)) if active else "")

    def status(self, message: str) -> None:
        if self._live is not None and message:
            self._live.update(Text(message, style="yellow"))
        elif message:
            self.console.print(f"[yellow]{message}[/]", soft_wrap=True)

    def close(self, final_events: Sequence[Event] = ()) -> None:
        if self._live is not None:
            self._live.stop()
        if self._progress is not None:
            self._progress.stop()
        self._print_events(final_events)
