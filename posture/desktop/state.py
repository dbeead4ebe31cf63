"""What the tray icon shows: the session's state in one word, a colour and a symbol (never the colour
alone), and the tooltip's line. Plain Python: no Qt here, so it is tested without a display."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from ..i18n import _
from ..sinks import BaseSink
from ..sinks.overlay import BLUE, GREY, VERMILLION, YELLOW
from ..types import Baseline, Event, Observation, State

if TYPE_CHECKING:
    from ..live.app import App
    from ..live.controls import Controls


class TrayState(enum.Enum):
    GOOD = "good"
    DEVIATING = "deviating"
    ALERT = "alert"
    PAUSED = "paused"
    SNOOZED = "snoozed"
    AWAY = "away"  # nobody in view (the camera may be released)
    CAMERA_LOST = "camera_lost"
    STARTING = "starting"  # no judgement yet (the first frames, a calibration, nothing judged)


@dataclass(frozen=True)
class Look:
    """How a state is drawn: a fill colour (RGB, Okabe & Ito's palette like the window) and a symbol."""

    colour: tuple[int, int, int]
    symbol: str


BLACK = (0, 0, 0)
LOOKS = {
    TrayState.GOOD: Look(BLUE, "\u2713"),  # check mark
    TrayState.DEVIATING: Look(YELLOW, "~"),
    TrayState.ALERT: Look(VERMILLION, "!"),
    TrayState.PAUSED: Look(GREY, "\u2016"),  # double bar
    TrayState.SNOOZED: Look(GREY, "z"),
    TrayState.AWAY: Look(GREY, "\u2013"),  # dash: nobody there
    TrayState.CAMERA_LOST: Look(BLACK, "\u00d7"),  # cross
    TrayState.STARTING: Look(GREY, "\u2026"),  # ellipsis
}


def state_word(state: TrayState) -> str:
    """The state in a few words (the tooltip's first line and the menu's header)."""
    return {TrayState.GOOD: _("good posture"), TrayState.DEVIATING: _("posture deviating"),
            TrayState.ALERT: _("alert: correct your posture"), TrayState.PAUSED: _("paused: the camera is off"),
            TrayState.SNOOZED: _("alerts snoozed"), TrayState.AWAY: _("nobody in view"),
            TrayState.CAMERA_LOST: _("camera lost"), TrayState.STARTING: _("starting")}[state]


def session_state(app: "App", controls: "Controls", obs: Observation | None) -> TrayState:
    """The state the icon shows, most pressing first: the camera lost, paused, nobody there, snoozed,
    then the worst judged problem."""
    if app.camera_lost:
        return TrayState.CAMERA_LOST
    if app.paused:
        return TrayState.PAUSED
    if app.camera_released or (obs is not None and not obs.present):
        return TrayState.AWAY
    if controls.snooze_text():
        return TrayState.SNOOZED
    if obs is None:
        return TrayState.STARTING
    states = [s for s in obs.states.values() if s is not State.UNKNOWN]
    if State.ALERT in states:
        return TrayState.ALERT
    if State.DEVIATING in states:
        return TrayState.DEVIATING
    return TrayState.GOOD if states else TrayState.STARTING


def tooltip(state: TrayState, today_share: float | None, snoozed: str = "") -> str:
    """The tooltip: the state, then today's good-posture share (from the history)."""
    rows = [_("Posture: {state}").format(state=state_word(state))]
    if snoozed and state is not TrayState.SNOOZED:
        rows.append(snoozed)
    elif snoozed:
        rows[0] = _("Posture: {state}").format(state=snoozed)
    if today_share is None:
        rows.append(_("today: nothing judged yet"))
    else:
        rows.append(_("today: good posture {share:.0f}% of the time").format(share=100 * today_share))
    return "\n".join(rows)


class StateSink(BaseSink):
    """Follows the session for the tray: calls ``changed(state)`` in the session's thread whenever the
    state the icon shows changes (after a frame, or a status such as paused or snoozed).

    Args:
        app, controls: the running session and its controls (read, never changed).
        changed: told the new state.
    """

    def __init__(self, app: "App", controls: "Controls", changed) -> None:  # noqa: ANN001 (a callable)
        self.app = app
        self.controls = controls
        self.changed = changed
        self.state: TrayState | None = None
        self._obs: Observation | None = None

    def _update(self) -> None:
        state = session_state(self.app, self.controls, self._obs)
        if state is not self.state:
            self.state = state
            self.changed(state)

    def handle(self, obs: Observation) -> None:
        self._obs = obs
        self._update()

    def status(self, message: str) -> None:
        self._update()

    def new_session(self, profile: str, baseline: Baseline | None, final_events: Sequence[Event] = ()) -> None:
        self._obs = None
        self._update()
