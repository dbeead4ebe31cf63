"""What the user controls in a live session: the window's keys (calibrate, pause, snooze, switch
profile, show the keys, quit), and the live view they see."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any, Callable

from ..config import PROFILES, Settings
from ..errors import CalibrationError
from ..i18n import _
from ..sinks.overlay import OverlayInfo
from ..storage.calibrations import load_baseline
from ..types import Observation
from .calibrator import other_model_note
from .view import LiveView

if TYPE_CHECKING:
    from ..exercise.coach import Coach
    from .app import App

# The snooze steps of the z key: 15 minutes, an hour, until tomorrow, then off again.
SNOOZE_STEPS = ("15m", "1h", "tomorrow", "off")


def snooze_seconds(step: str, now: dt.datetime) -> float:
    """How long a snooze step lasts from ``now`` ("15m", "1h", "tomorrow": until the next midnight)."""
    if step == "15m":
        return 15 * 60.0
    if step == "1h":
        return 3600.0
    if step == "tomorrow":
        midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return (midnight - now).total_seconds()
    raise ValueError(f"unknown snooze {step!r}")


class Controls:
    """The user's side of a running session: what the keys do, the snooze, the profile in use.

    Args:
        app: the running session.
        settings_for: the settings of another profile (the 1/2/3 keys); None: no switching.
        wall_clock: the local time (a snooze until tomorrow, the time it ends).
    """

    def __init__(self, app: "App", *, settings_for: Callable[[str], Settings] | None = None,
                 wall_clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.app = app
        self.settings_for = settings_for
        self.wall_clock = wall_clock
        self.show_help = False
        self.snooze_step = -1
        self.snooze_end_wall: dt.datetime | None = None
        self.view = LiveView(app, self)
        self.coach: Coach | None = None  # an exercise session's coach (posture-monitor exercise)
        self._chime: Any = None  # the sound of a counted repetition (made on first use)

    def handle_key(self, key: str) -> None:
        """A key from the live window."""
        if key in ("q", "esc", "close"):
            self.app.request_stop()
        elif key == "c":
            self.app.start_calibration()
        elif key == "n":
            self.app.skip_calibration()
        elif key == " ":
            self.app.toggle_pause()
        elif key == "z":
            self.snooze_next()
        elif key == "h":
            self.show_help = not self.show_help
            self.app.redraw()  # the window shows or hides the keys now, even while paused
        elif key in ("1", "2", "3"):
            self.switch_profile(PROFILES[int(key) - 1])
        elif key == "e":
            self.toggle_exercise()

    def keys(self) -> list[tuple[str, str]]:
        """The keys and what they do (the help overlay)."""
        return [("c", _("calibrate: sit upright for a few seconds")), ("n", _("skip the first calibration")),
                (_("space"), _("pause / resume (camera off)")),
                ("s", _("save a snapshot of the window")), ("1 2 3", _("profile desk, phone or side")),
                ("z", _("snooze alerts: 15 min, 1 h, until tomorrow, off")),
                ("e", _("exercise: a set of your program, or of the exercise against your worst problem")),
                ("h", _("show or hide the keys")),
                (_("q, Esc"), _("quit"))]

    def status(self, message: str, fade_s: float = 0.0) -> None:
        """Tell the user something (the terminal and the window; the window for ``fade_s`` if given)."""
        self.app.status(message, fade_s)

    def overlay_info(self, obs: Observation | None) -> OverlayInfo:
        """What the window shows besides the observation."""
        return self.view.overlay_info(obs)

    # -- snooze ----------------------------------------------------------------------------

    def snooze(self, step: str) -> None:
        """Snooze the alerts ("15m", "1h", "tomorrow") or end a snooze ("off")."""
        monitor = self.app.pipeline.monitor
        if step == "off":
            monitor.snooze(-math.inf)
            self.snooze_end_wall = None
            self.status(_("alerts on again"))
            return
        seconds = snooze_seconds(step, self.wall_clock())
        monitor.snooze(self.app.now() + seconds)
        self.snooze_end_wall = self.wall_clock() + dt.timedelta(seconds=seconds)
        self.status(self.snooze_text())

    def snooze_next(self) -> None:
        """The z key: the next snooze step."""
        self.snooze_step = (self.snooze_step + 1) % len(SNOOZE_STEPS)
        self.snooze(SNOOZE_STEPS[self.snooze_step])

    def snooze_text(self) -> str:
        """"alerts snoozed until 14:30" while a snooze lasts, else ""."""
        if self.snooze_end_wall is None or self.snooze_end_wall <= self.wall_clock():
            return ""
        when = self.snooze_end_wall.strftime("%H:%M")
        if self.snooze_end_wall.date() > self.wall_clock().date():
            return _("alerts snoozed until tomorrow")
        return _("alerts snoozed until {time}").format(time=when)

    # -- profiles --------------------------------------------------------------------------

    def switch_profile(self, profile: str) -> None:
        """Judge with another profile (the 1/2/3 keys), with its own calibration."""
        if self.settings_for is None or profile == self.app.pipeline.settings.profile:
            return
        settings = self.settings_for(profile)
        try:
            baseline = load_baseline(settings.data_path, profile, settings.person, settings.model)
        except CalibrationError as exc:
            self.status(str(exc))
            baseline = None
        said = [_("profile {profile}").format(profile=profile)]
        if baseline is not None and other_model_note(baseline, settings):
            said.append(other_model_note(baseline, settings))
        self.app.switch_pipeline(self.app.pipeline.for_settings(settings, baseline), said)

    # -- an exercise set in the middle of monitoring -------------------------------------------------

    def toggle_exercise(self) -> None:
        """The e key (and the tray's "exercise now"): a set of the person's kept program, else of the
        exercise against the posture problem that deviated most so far (else the chin tuck), guided in
        the window while the monitoring goes on; e again stops it. Its sets go into the history."""
        from ..exercise.catalogue import EXERCISE
        from ..exercise.coach import Coach, SetPlan

        if self.coach is not None:
            self._end_exercise()
            self.status(_("exercise stopped"))
            return
        plans = self._kept_program()
        if not plans:
            exercise = self.app.pipeline.worst_exercise() or EXERCISE["chin_tuck"]
            plans = [SetPlan(exercise, exercise.reps, exercise.hold_s)]
        self.coach = Coach(plans, view=None, say=lambda cue, transient=False: self.status(cue),
                           attempt_done=self._exercise_attempt, set_done=self._exercise_set,
                           finished=self._end_exercise)
        self.app.sinks.append(self.coach)

    def _kept_program(self) -> list:  # type: ignore[type-arg]
        from ..cli.exercise import plans_of_program
        from ..errors import PostureError
        from ..storage.db import connect, db_path
        from ..storage.exercises import load_program

        settings = self.app.pipeline.settings
        try:
            conn = connect(db_path(settings.data_path), create=False)
        except PostureError:
            return []
        try:
            program = load_program(conn, settings.person_name)
        finally:
            conn.close()
        try:
            return plans_of_program(program) if program else []
        except PostureError:
            return []

    def _log(self, record: dict[str, Any]) -> None:
        """A record into the session's --log, where there is one (the exercise command's records)."""
        from ..sinks.jsonlog import JsonLinesLog

        for sink in self.app.sinks:
            if isinstance(sink, JsonLinesLog):
                sink.write(record)

    def _exercise_attempt(self, result, attempt, number) -> None:  # noqa: ANN001
        from ..exercise.coach import attempt_text, rep_record

        self._log(rep_record(result, attempt, number))
        text = attempt_text(result, attempt, number)
        self.status(text)
        if attempt.counted and self.app.pipeline.settings.notify.sound and self.app.source.live:
            if self._chime is None:
                from ..sinks.alerts import SoundChannel

                self._chime = SoundChannel()
            self._chime.notify(_("Posture"), text)  # a counted repetition chimes, as in the exercise command

    def _exercise_set(self, result) -> None:  # noqa: ANN001
        import time

        from ..errors import PostureError
        from ..storage.exercises import store_set

        self._log(result.record())
        settings = self.app.pipeline.settings
        if not settings.history:
            return
        now, t = time.time(), self.app.now()
        try:
            store_set(settings.data_path, settings.person_name, result.record(), now - (t - result.started),
                      now - (t - result.ended), "camera" if self.app.source.live else "file")
        except PostureError as exc:
            self.status(str(exc))

    def _end_exercise(self) -> None:
        """Take the coach away (after the frame under way: the sinks are being handed it)."""
        coach = self.coach
        if coach is not None:
            coach.close()  # the set under way is closed and kept as it stands
            self.coach = None
            self.app.post(lambda: coach in self.app.sinks and self.app.sinks.remove(coach))
