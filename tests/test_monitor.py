"""The posture state machines, fed made-up metrics and timestamps (no clock, no sleeping)."""

from __future__ import annotations

from typing import Iterable

import pytest

from posture.config import AlertSettings
from posture.judge.monitor import Monitor, judge_still
from posture.judge.rules import Rule
from posture.types import Event, Metrics, State

TIMING = AlertSettings(glance_s=5.0, alert_after_s=60.0, release_fraction=0.6, release_s=2.0,
                       release_readings=3, cooldown_min=5.0, unknown_grace_s=3.0)
# Neck flexion: deviation beyond 25 deg, released below 0.6 * 25 = 15 deg.
PHONE = Rule("phone_posture", "neck_flexion_deg", +1, limit=25.0, neutral=0.0, release_fraction=0.6)
# Lean: either side, beyond 6 deg.
LEAN = Rule("lean", "lateral_lean_deg", 0, limit=6.0, neutral=0.0, release_fraction=0.6)
TILT = Rule("head_tilt", "head_tilt_deg", 0, limit=10.0, neutral=0.0, release_fraction=0.6)
FWD = Rule("forward_head", "cva_deg", -1, limit=45.5, neutral=50.6, release_fraction=0.6)


def monitor(*rules: Rule, timing: AlertSettings = TIMING) -> Monitor:
    return Monitor({"side": list(rules), "front": list(rules)}, timing)


def run(mon: Monitor, samples: Iterable[tuple[float, float | None]], key: str = "neck_flexion_deg",
        fps: float = 10.0) -> list[tuple[float, Event]]:
    """Feed (value, seconds) segments at ``fps``; a None value means nobody in view."""
    t = 0.0
    events = []
    for value, seconds in samples:
        for _ in range(int(round(seconds * fps))):
            metrics = None if value is None else Metrics(view="side", **{key: value})
            events += [(t, e) for e in mon.update(metrics, t)]
            t = round(t + 1 / fps, 6)
    return events


def test_alert_after_sustained_time_then_recovery() -> None:
    mon = monitor(PHONE)
    events = run(mon, [(5, 10), (35, 90), (5, 20)])
    assert [e.type for _, e in events] == ["alert", "alert_end"]
    (t_alert, alert), (t_end, end) = events
    assert alert.start == pytest.approx(10.0) and t_alert == pytest.approx(70.0)
    assert alert.peak == 35 and end.reason == "recovered"
    # Leaves only after release_s (2 s) of good readings: first good reading at 100 s.
    assert t_end == pytest.approx(102.0)
    assert end.end == pytest.approx(102.0) and end.start == pytest.approx(10.0)
    d = mon.durations()["phone_posture"]
    assert d.alerts == 1
    assert d.deviating == pytest.approx(60.0, abs=0.2)
    assert d.alert == pytest.approx(32.0, abs=0.2)


def test_glances_never_alert_and_count_as_good() -> None:
    mon = monitor(PHONE, timing=AlertSettings(glance_s=5.0, alert_after_s=5.0))
    # Ten glances of 3 s each, 5 s apart: with the alert delay at the glance limit, none alerts.
    events = run(mon, [(5, 5), (40, 3)] * 10 + [(5, 10)])
    assert [e.type for _, e in events] == ["glance"] * 10  # each one said, for the history; none alerts
    assert all(e.end - e.start == pytest.approx(3.0, abs=0.2) for _, e in events)
    d = mon.durations()["phone_posture"]
    assert d.glances == 10
    assert d.deviating == 0 and d.good == pytest.approx(d.known)


def test_short_good_readings_inside_a_deviation_do_not_reset_it() -> None:
    mon = monitor(PHONE)
    # 1 s upright moments (below release_s) every 20 s do not restart the 60 s count.
    events = run(mon, [(35, 20), (5, 1), (35, 20), (5, 1), (35, 30)])
    alerts = [(t, e) for t, e in events if e.type == "alert"]
    assert len(alerts) == 1 and alerts[0][0] == pytest.approx(60.0, abs=0.2)


def test_hysteresis_values_between_release_and_limit_keep_the_deviation() -> None:
    mon = monitor(PHONE)
    # Beyond 25 for 30 s, then 20 (inside the limit but above the 15 deg release) for 40 s.
    events = run(mon, [(30, 30), (20, 40), (30, 1)])
    assert [e.type for _, e in events] == ["alert"]
    assert mon.states["phone_posture"] is State.ALERT
    # Values in the band never end it; a good value (< 15) for 2 s does.
    events = run(mon, [(20, 30), (10, 3)])
    assert [e.type for _, e in events] == ["alert_end"]


def test_cooldown_delays_the_next_alert() -> None:
    mon = monitor(PHONE)
    events = run(mon, [(35, 61), (5, 3), (35, 400)])
    alerts = [t for t, e in events if e.type == "alert"]
    assert len(alerts) == 2
    first_end = next(t for t, e in events if e.type == "alert_end")
    # The second deviation is sustained long before the 5 min cooldown ends; it alerts right then.
    assert alerts[1] == pytest.approx(first_end + 300.0, abs=0.2)


def test_absent_person_ends_deviation_without_alert_and_is_not_bad_time() -> None:
    mon = monitor(PHONE)
    events = run(mon, [(35, 50), (None, 30), (35, 50), (5, 5)])
    assert events == []  # neither stretch reached 60 s; the absence reset the count
    assert mon.states["phone_posture"] is State.GOOD
    d = mon.durations()["phone_posture"]
    assert d.unknown == pytest.approx(27.0, abs=0.2)  # 30 s away minus the 3 s grace
    assert mon.present_s < mon.observed_s


def test_absence_during_an_alert_ends_it_as_unknown() -> None:
    mon = monitor(PHONE)
    events = run(mon, [(35, 65), (None, 10)])
    assert [(e.type, e.reason) for _, e in events] == [("alert", "sustained"), ("alert_end", "unknown")]
    assert events[1][0] == pytest.approx(65.0 + 3.0, abs=0.15)
    assert mon.states["phone_posture"] is State.UNKNOWN


def test_short_occlusion_does_not_break_a_deviation() -> None:
    mon = monitor(PHONE)
    events = run(mon, [(35, 30), (None, 2), (35, 30)])
    assert [e.type for _, e in events] == ["alert"]


def test_lower_is_worse_and_two_sided_rules() -> None:
    mon = monitor(FWD)
    assert [e.type for _, e in run(mon, [(48, 5), (40, 61)], key="cva_deg")] == ["alert"]
    assert mon.durations()["forward_head"].alerts == 1
    for side in (-9.0, 9.0):
        lean = monitor(LEAN)
        events = run(lean, [(0, 5), (side, 61)], key="lateral_lean_deg")
        assert [e.type for _, e in events] == ["alert"] and events[0][1].peak == side


def test_head_tilt_is_suppressed_while_leaning() -> None:
    mon = monitor(LEAN, TILT)
    t = 0.0
    events = []
    for _ in range(700):  # 70 s of a lean that also rolls the head 15 deg against the shoulders
        events += mon.update(Metrics(view="front", lateral_lean_deg=9.0, head_tilt_deg=15.0), t)
        t += 0.1
    assert [e.kind for e in events] == ["lean"]
    assert mon.states["head_tilt"] is State.GOOD


def test_a_tilt_right_after_a_lean_is_judged_while_the_lean_releases() -> None:
    mon = monitor(LEAN, TILT)
    t = 0.0
    for _ in range(100):  # 10 s leaning
        mon.update(Metrics(view="front", lateral_lean_deg=9.0, head_tilt_deg=15.0), t)
        t += 0.1
    # Straight back up at the trunk (2 deg: inside the lean's release point, not yet for its release
    # time), head still rolled: the lean is releasing, and the head tilt counts at once.
    mon.update(Metrics(view="front", lateral_lean_deg=2.0, head_tilt_deg=15.0), t)
    assert mon.states["lean"] is State.DEVIATING and mon.states["head_tilt"] is State.DEVIATING
    # A lean past its limit again hides the tilt: the tilt ends (after its release time), the lean goes on.
    for _ in range(60):
        t += 0.1
        mon.update(Metrics(view="front", lateral_lean_deg=9.0, head_tilt_deg=15.0), t)
    assert mon.states["lean"] is not State.GOOD and mon.states["head_tilt"] is State.GOOD


def test_a_lean_hovering_about_its_limit_raises_one_alert_not_a_tilt_too() -> None:
    mon = monitor(LEAN, TILT)
    events = []
    for i in range(900):  # 90 s: the trunk at 5.8 / 6.2 deg about the 6 deg limit, the head rolled with it
        events += mon.update(Metrics(view="front", lateral_lean_deg=5.8 if i % 2 else 6.2, head_tilt_deg=12.0),
                             i * 0.1)
    assert [(e.type, e.kind) for e in events] == [("alert", "lean")]


def test_finish_closes_open_alerts() -> None:
    mon = monitor(PHONE)
    run(mon, [(35, 70)])
    events = mon.finish(70.0)
    assert [(e.type, e.reason) for e in events] == [("alert_end", "finished")]


def test_camera_gap_is_not_observed_time() -> None:
    mon = monitor(PHONE)
    run(mon, [(5, 10)])
    mon.gap(10.0)
    mon.update(Metrics(view="side", neck_flexion_deg=5.0), 100.0)
    mon.update(Metrics(view="side", neck_flexion_deg=5.0), 100.1)
    assert mon.observed_s == pytest.approx(10.0, abs=0.15)


@pytest.mark.parametrize("kwargs,match", [
    ({"direction": 1, "limit": 10.0, "neutral": 20.0}, "must lie above"),
    ({"direction": -1, "limit": 50.0, "neutral": 45.0}, "must lie below"),
    ({"direction": 1, "limit": 10.0, "neutral": 10.0}, "must lie above"),
    ({"direction": 2, "limit": 10.0, "neutral": 0.0}, "direction"),
])
def test_rule_rejects_impossible_thresholds(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Rule("x", "neck_flexion_deg", **kwargs)


def test_judge_still() -> None:
    rules = {"side": [PHONE, FWD], "front": [PHONE, FWD]}
    states = judge_still(Metrics(view="side", neck_flexion_deg=30.0, cva_deg=48.0), rules)
    assert states == {"forward_head": State.GOOD, "phone_posture": State.DEVIATING}
    assert set(judge_still(None, rules).values()) == {State.UNKNOWN}


def test_persistent_unknown_is_noted_once_not_alerted() -> None:
    mon = monitor(PHONE, LEAN)
    events = []
    t = 0.0
    for _ in range(1200):  # 2 min in view, the head tilt measurable, the neck never (headphones, say)
        events += mon.update(Metrics(view="front", lateral_lean_deg=1.0), t)
        t += 0.1
    notes = [e for e in events if e.type == "unmeasurable"]
    assert [(e.kind, e.metric) for e in notes] == [("phone_posture", "neck_flexion_deg")]
    assert notes[0].t == pytest.approx(30.0, abs=0.15) and notes[0].peak is None
    assert not [e for e in events if e.type == "alert"]
    # Measurable again, then lost again: a new episode, noted again.
    for _ in range(10):
        mon.update(Metrics(view="front", lateral_lean_deg=1.0, neck_flexion_deg=5.0), t)
        t += 0.1
    again = []
    for _ in range(400):
        again += mon.update(Metrics(view="front", lateral_lean_deg=1.0), t)
        t += 0.1
    assert [e.type for e in again] == ["unmeasurable"]
    # Metrics a view cannot show at all (a lean from the side) are not noted.
    side = monitor(LEAN)
    assert not [e for i in range(600) for e in side.update(Metrics(view="side", cva_deg=50.0), i * 0.1)]


def test_camera_dropouts_are_neither_observed_time_nor_time_towards_an_alert() -> None:
    """A camera that drops out for 1.5 s after every 3 s of frames (too short to be reported lost), and
    once for 30 s (reported as a gap): only the 10 readings a second count."""
    mon = monitor(PHONE)
    t, alert, lost_at_alert = 0.0, None, 0.0
    for block in range(40):
        for _ in range(30):
            for e in mon.update(Metrics(view="side", neck_flexion_deg=35.0), t):
                if e.type == "alert":
                    alert, lost_at_alert = e, mon.lost_s
            t = round(t + 0.1, 6)
        t = round(t + 1.5, 6)  # the dropout: 1.6 s between two readings
        if block == 5:
            mon.gap(t)
            t += 30.0
    assert alert is not None
    # The alert comes after 60 s of readings, 90 s of dropouts and the gap later on the clock.
    assert alert.t - alert.start - lost_at_alert == pytest.approx(60.0, abs=0.2)
    assert alert.t - alert.start > 110
    # 38 dropouts between readings (the last has none after it) and the gap with its block's dropout.
    assert mon.lost_s == pytest.approx(38 * 1.5 + 31.6, abs=0.05)
    # Observed: 40 blocks of 3 s (29 steps of 0.1 s, and the dropout counted as one usual step).
    assert mon.observed_s == pytest.approx(40 * 3.0, abs=0.5)


def test_a_cameras_times_are_times_of_day_and_a_files_times_into_it() -> None:
    import datetime as dt
    import time

    from posture.text import time_labels

    now = time.monotonic()  # a camera's frames are timed by the monotonic clock (seconds since boot)
    told = time_labels(live=True)(now - 90.0)
    expected = {(dt.datetime.now() - dt.timedelta(seconds=90 + d)).strftime("%H:%M:%S") for d in (-1, 0, 1)}
    assert told in expected
    assert time_labels(live=False)(75.0) == "1:15"
