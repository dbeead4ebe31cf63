"""What the live window shows besides the observation: the alert banner, the neck-load illustration,
the calibrated ghost line, the status, snooze and help."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..clinical import neck_load_kg
from ..i18n import _
from ..sinks.overlay import Ghost, OverlayInfo
from ..text import event_message
from ..types import EventType, Observation, State

if TYPE_CHECKING:
    from .app import App
    from .controls import Controls

BREAK_BANNER_S = 30.0  # a break reminder stays this long; an alert's banner until the alert ends
STATUS_FADE_S = 1.0  # a transient message (a snapshot saved) fades out over its last second


class LiveView:
    """Builds the window's :class:`~posture.sinks.overlay.OverlayInfo` for each observation.

    Args:
        app: the running session (its pipeline, source and status).
        controls: what the user controls (snooze, help).
    """

    def __init__(self, app: "App", controls: "Controls") -> None:
        self.app = app
        self.controls = controls
        self._banner = ""
        self._banner_until = -math.inf

    def banner(self, obs: Observation) -> str:
        """The banner after this observation: the last alert while it lasts, a break reminder for a while."""
        t = obs.frame.t
        for e in obs.events:
            if e.type in (EventType.ALERT, EventType.BREAK):
                self._banner = event_message(e)
                self._banner_until = t + BREAK_BANNER_S if e.type is EventType.BREAK else math.inf
        if self._banner_until == math.inf and not any(s is State.ALERT for s in obs.states.values()):
            self._banner = ""
        if t > self._banner_until:
            self._banner = ""
        return self._banner

    def overlay_info(self, obs: Observation | None) -> OverlayInfo:
        """The live view's extras for an observation."""
        pipeline = self.app.pipeline
        settings = pipeline.settings
        baseline = pipeline.baseline
        ghost = None
        if baseline is not None and obs is not None and obs.view == baseline.view:
            ghost = Ghost(ear_angle_deg=baseline.extra.get("ear_angle_deg"),
                          nose_height=baseline.extra.get("nose_height"))
        banner = self.banner(obs) if obs is not None else ""
        load = ""
        if settings.profile == "phone" and obs is not None and obs.metrics is not None \
                and obs.metrics.neck_flexion_deg is not None:
            load = _("about {kg:.0f} kg on your neck at {angle:.0f} deg (Hansraj 2014, a model)").format(
                kg=neck_load_kg(obs.metrics.neck_flexion_deg), angle=obs.metrics.neck_flexion_deg)
        mirror = settings.mirror and obs is not None and obs.view == "front" and self.app.source.live
        guide, progress = self.guide(obs)
        status, fade = self.app.message, 1.0
        left = self.app.message_until - self.app.clock()
        if left <= 0:
            status = ""
        elif left < STATUS_FADE_S:
            fade = left / STATUS_FADE_S
        coach = self.controls.coach
        exercise = coach.view_info() if coach is not None else None
        return OverlayInfo(profile=settings.profile, mirror=bool(mirror), status=status, status_fade=fade,
                           exercise=exercise,
                           banner=banner if settings.notify.banner else "",
                           paused=self.app.paused_text() if self.app.paused else "",
                           snoozed=self.controls.snooze_text(), good_share=pipeline.monitor.good_share,
                           observed_s=pipeline.monitor.present_s, show_help=self.controls.show_help, ghost=ghost,
                           keys=self.controls.keys(), neck_load=load, guide=guide, progress=progress)

    def guide(self, obs: Observation | None) -> tuple[str, float | None]:
        """What a calibration under way asks of the user, and how far its recording is."""
        recorder = self.app.pipeline.recorder
        if recorder is not None and self.app.source.live:
            return _("Hold still in your upright posture"), recorder.progress()
        guide = self.app.guide
        if guide is not None and obs is not None and not guide.recording:
            return guide.text(obs.frame.t) + "\n" + _("(n: skip)"), None
        return "", None
