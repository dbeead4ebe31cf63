"""What the tray icon shows, without Qt: the state's priority, its look and the tooltip."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from posture.desktop.state import LOOKS, StateSink, TrayState, session_state, tooltip
from posture.i18n import setup
from posture.types import Frame, Observation, State
from tests.helpers import make_landmarks


def obs(states: dict[str, State], present: bool = True) -> Observation:
    lm = make_landmarks({}) if present else None
    return Observation(Frame(np.zeros((4, 4, 3), np.uint8), 1.0, 1), lm, None, "front", states,
                       presence="present" if present else "away")


def session(**flags: bool) -> tuple[SimpleNamespace, SimpleNamespace]:
    app = SimpleNamespace(camera_lost=False, paused=False, camera_released=False)
    vars(app).update(flags)
    controls = SimpleNamespace(snoozed="")
    controls.snooze_text = lambda: controls.snoozed
    return app, controls


def test_the_most_pressing_state_shows() -> None:
    app, controls = session()
    judged = obs({"forward_head": State.ALERT, "lean": State.DEVIATING, "slump": State.GOOD})
    assert session_state(app, controls, judged) is TrayState.ALERT
    assert session_state(app, controls, obs({"lean": State.DEVIATING, "slump": State.GOOD})) is TrayState.DEVIATING
    assert session_state(app, controls, obs({"slump": State.GOOD, "lean": State.UNKNOWN})) is TrayState.GOOD
    assert session_state(app, controls, obs({"slump": State.UNKNOWN})) is TrayState.STARTING  # nothing judged
    assert session_state(app, controls, None) is TrayState.STARTING
    assert session_state(app, controls, obs({}, present=False)) is TrayState.AWAY
    controls.snoozed = "alerts snoozed until 14:30"
    assert session_state(app, controls, judged) is TrayState.SNOOZED  # the user asked for quiet
    app.camera_released = True
    assert session_state(app, controls, judged) is TrayState.AWAY
    app.paused = True
    assert session_state(app, controls, judged) is TrayState.PAUSED
    app.camera_lost = True
    assert session_state(app, controls, judged) is TrayState.CAMERA_LOST


def test_every_state_has_a_symbol_and_no_two_look_alike() -> None:
    looks = [(LOOKS[s].colour, LOOKS[s].symbol) for s in TrayState]
    assert all(symbol.strip() for _colour, symbol in looks)
    assert len({symbol for _colour, symbol in looks}) == len(TrayState)  # never the colour alone


def test_tooltip_says_the_state_and_todays_share_in_english_and_dutch() -> None:
    try:
        assert tooltip(TrayState.GOOD, 0.824) == "Posture: good posture\ntoday: good posture 82% of the time"
        assert tooltip(TrayState.ALERT, None).splitlines()[1] == "today: nothing judged yet"
        assert tooltip(TrayState.SNOOZED, 0.5, "alerts snoozed until 14:30").splitlines()[0] == \
            "Posture: alerts snoozed until 14:30"
        setup("nl")
        assert tooltip(TrayState.GOOD, 0.824) == "Houding: goede houding\nvandaag: 82% van de tijd een goede houding"
    finally:
        setup("en")


def test_the_sink_tells_each_change_once() -> None:
    app, controls = session()
    told: list[TrayState] = []
    sink = StateSink(app, controls, told.append)
    good, bad = obs({"slump": State.GOOD}), obs({"slump": State.ALERT})
    for o in (good, good, bad, bad, good):
        sink.handle(o)
    app.paused = True
    sink.status("paused")
    sink.status("paused")
    assert told == [TrayState.GOOD, TrayState.ALERT, TrayState.GOOD, TrayState.PAUSED]
