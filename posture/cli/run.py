"""One run of the monitor, wired from source to sinks: what ``posture-monitor`` does once its flags
are read (imported only then: the pose model, OpenCV and the rest stay out of ``--help``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rich.console import Console

from .. import __version__
from ..config import Settings, desktop_session_available
from ..errors import PostureError
from ..i18n import _, ngettext
from ..live.app import App, RunResult
from ..live.calibrator import Calibrator, other_model_note
from ..live.controls import Controls
from ..pipeline import Pipeline
from ..pose.face import FaceEstimator
from ..pose.landmarker import PoseEstimator
from ..sinks import Sink
from ..sinks.alerts import AlertChannel, AlertSink, DesktopChannel, SoundChannel
from ..sinks.jsonlog import JsonLinesLog
from ..sinks.summary import SessionSummary, render_baseline
from ..sinks.terminal import TerminalSink
from ..sinks.window import WindowSink, display_available
from ..sources import FrameSource, ImageSource, RealtimeSource, open_source
from ..storage.calibrations import load_baseline, person_folder
from ..storage.recorder import HistoryRecorder, SessionInfo
from ..text import describe_calibration
from ..types import Baseline
from .main import EXIT_INTERRUPTED, EXIT_OK


@dataclass
class Models:
    """The models of a run: the pose model that follows the user, the one that finds everyone now
    and then, and the face model (each None where the run does without)."""

    pose: PoseEstimator
    finder: PoseEstimator | None
    face: FaceEstimator | None

    def pipeline(self, settings: Settings, baseline: Baseline | None) -> Pipeline:
        """The pipeline that runs these models."""
        return Pipeline(self.pose, settings, baseline, finder=self.finder, face=self.face)

    def close(self) -> None:
        for model in (self.pose, self.finder, self.face):
            if model is not None:
                model.close()


def open_models(settings: Settings) -> Models:
    """The models the settings ask for (the face model only where it is on)."""
    pose, finder = open_pose(settings)
    try:
        face = FaceEstimator(video=not settings.stills) if settings.pose.face else None
    except BaseException:
        pose.close()
        if finder is not None:
            finder.close()
        raise
    return Models(pose, finder, face)


def open_pose(settings: Settings) -> tuple[PoseEstimator, PoseEstimator | None]:
    """The pose estimators: one that follows the user and one that finds everyone now and then.

    For stills there is only one, which finds everyone in each photo.
    """
    p = settings.pose
    kwargs = dict(min_detection_confidence=p.min_detection_confidence,
                  min_presence_confidence=p.min_presence_confidence,
                  min_tracking_confidence=p.min_tracking_confidence)
    if settings.stills:
        return PoseEstimator(settings.model, video=False, num_poses=p.num_poses, **kwargs), None
    follower = PoseEstimator(settings.model, video=True, num_poses=1, **kwargs)
    finder = PoseEstimator(settings.model, video=False, num_poses=p.num_poses, **kwargs) if p.num_poses > 1 else None
    return follower, finder


class SourceOpener:
    """Opens the source the settings name (again after a pause: a camera is released while paused)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self) -> FrameSource:
        s = self.settings
        src = open_source(s.source, max_fps=s.analysis_fps, sequence_fps=s.sequence_fps, stills=s.stills,
                          camera_width=s.background_mode.camera_width if s.background else 0,
                          camera_fps=s.background_mode.camera_fps if s.background else 0.0)
        realtime = s.realtime or (s.source == "demo" and s.window and display_available())
        return RealtimeSource(src) if realtime and not src.live and not s.stills else src


def _say(console: Console, message: str, style: str = "") -> None:
    console.print(message, style=style or None, highlight=False, soft_wrap=True)


def _history(settings: Settings, source: FrameSource, model: str, baseline: Baseline | None,
             err: Console) -> HistoryRecorder:
    """The recording sink that keeps this run in the history."""
    kind = "camera" if source.live else "demo" if settings.source == "demo" else "file"
    return HistoryRecorder(settings.data_path, SessionInfo(settings.person_name, settings.profile, kind, model, baseline),
                           warn=lambda message: _say(err, message, "yellow"), detail_days=settings.history_detail_days)


def _alerts(settings: Settings) -> AlertSink | None:
    """Sound and desktop notifications, as the settings ask."""
    channels: list[AlertChannel] = []
    if settings.notify.sound:
        channels.append(SoundChannel())
    if settings.notify.desktop:
        channels.append(DesktopChannel(desktop_session_available()))
    return AlertSink(channels) if channels else None


def _announce(err: Console, settings: Settings, baseline: Baseline | None, calibrate: bool, guided: bool) -> None:
    """Say what the judgement rests on: the user's calibration, or general limits (unless a guided
    calibration comes first)."""
    if baseline is not None:
        _say(err, _("judging against your {calibration}").format(calibration=describe_calibration(baseline)))
        note = other_model_note(baseline, settings)
        if note:
            _say(err, note, "yellow")
    elif not calibrate and not guided:
        _say(err, _("no calibration for the {profile} profile yet: judging against general limits "
                    "(calibrate with --calibrate, or c in the window)").format(profile=settings.profile), "dim")


def _guide(app: App, settings: Settings, err: Console) -> None:
    """Start with a guided calibration: say so on the terminal and as a desktop notification."""
    countdown_s = 3.0
    app.guide_calibration(countdown_s)
    message = _("First the app records your upright posture: sit upright and look at the screen; it starts in "
                "{seconds:g} s and takes {duration:g} s (n in the window, or --skip-calibration, skips it)").format(
        seconds=countdown_s, duration=settings.calibration.duration_s)
    _say(err, message)
    if settings.notify.desktop:
        DesktopChannel(desktop_session_available()).notify(_("Posture"), message)


@dataclass
class DesktopPlan:
    """How the run shows itself on the desktop in Qt: with a tray icon, a live window, or both."""

    tray: bool
    window: bool


def _desktop(settings: Settings, source: FrameSource, calibrate: bool, err: Console) -> DesktopPlan | None:
    """Whether this run goes on the desktop in Qt (a tray icon, the Qt live window), or in the terminal
    (with the OpenCV window where asked): said in one line where a tray was asked for and cannot be."""
    want_tray = not calibrate and (settings.tray == "on" or (settings.tray == "auto" and settings.background
                                                            and source.live))
    want_window = settings.window and display_available() and settings.toolkit == "qt"
    if not want_tray and not want_window:
        return None
    from ..desktop import qt

    problem = qt.qt_problem() if settings.toolkit == "qt" else _("the opencv toolkit has no tray")
    tray_found = False
    if problem is None:
        qt.start_qt()
        tray_found = want_tray and qt.tray_available()
    if want_tray and not tray_found:
        _say(err, _("no tray icon: {why}; carrying on in the terminal").format(
            why=problem or _("the desktop has no system tray")), "yellow")
    if problem is not None:  # the OpenCV window where one is wanted, else the terminal only
        return None
    if not want_window and not tray_found:
        return None
    return DesktopPlan(tray=tray_found, window=want_window)


def _run_desktop(app: App, controls: Controls, settings: Settings, plan: DesktopPlan, snapshots: Path,
                 config_file: str | None) -> RunResult:
    """The session in a worker thread, the tray and the Qt live window in this one."""
    from ..desktop.qt import Desktop, QtDisplay
    from ..desktop.state import StateSink

    holder: list[Desktop] = []
    display = QtDisplay(lambda: holder[0].deliver_picture(), lambda: holder[0].hide_window())
    app.sinks.append(WindowSink(controls, display, snapshot_dir=snapshots))
    extra: list[str] = []
    for flag, value in (("--person", settings.person), ("--data-dir", settings.data_dir), ("--lang", settings.lang)):
        if value:
            extra += [flag, str(value)]
    desktop = Desktop(app, controls, display, settings, tray=plan.tray, window=plan.window,
                      autostart_extra=extra, config_file=config_file)
    holder.append(desktop)
    if plan.tray:
        app.sinks.append(StateSink(app, controls, desktop.state_changed))
    return desktop.run()


def run(settings: Settings, *, calibrate: bool = False, snooze: str | None = None,
        settings_for: Callable[[str], Settings] | None = None, config_file: str | None = None) -> int:
    """Monitor (or calibrate) with the given settings; returns the exit code."""
    err = Console(stderr=True)
    baseline = None if calibrate else load_baseline(settings.data_path, settings.profile, settings.person,
                                                    settings.model)
    opener = SourceOpener(settings)
    source = opener()
    closing: list[Sink] = []  # what must be closed (log, history) if the run cannot start
    models: Models | None = None
    try:
        models = open_models(settings)
        model = models.pose.model_path.name
        pipeline = models.pipeline(settings, baseline)
        summary = SessionSummary(stills=settings.stills, live=source.live)
        sinks: list[Sink] = []
        if settings.log:
            header = {"version": __version__, "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                      "source": settings.source, "model": model, "settings": dataclasses.asdict(settings)}
            sinks.append(JsonLinesLog(settings.log, header))
            closing.append(sinks[-1])
        sinks.append(TerminalSink(err, total=source.total, live=source.live, description=source.description))
        sinks.append(summary)
        recorder: HistoryRecorder | None = None
        if settings.history and not calibrate and not settings.stills:
            recorder = _history(settings, source, model, baseline, err)
            sinks.append(recorder)
            closing.append(recorder)
        alerts = _alerts(settings) if (source.live or isinstance(source, RealtimeSource)) and not calibrate else None
        if alerts is not None:
            sinks.append(alerts)
        guided = source.live and baseline is None and not calibrate and settings.guided_calibration
        _announce(err, settings, baseline, calibrate, guided)
        calibrator = Calibrator(settings, settings.data_path, model)
        app = App(source, pipeline, sinks, calibrator=calibrator, calibrate_only=calibrate, reopen=opener)
        controls = Controls(app, settings_for=settings_for)
        if snooze:
            controls.snooze(snooze)
        if guided:
            _guide(app, settings, err)
        desktop = _desktop(settings, source, calibrate, err)
        snapshots = settings.data_path / "snapshots"  # a named person's go with their calibrations
        snapshots = snapshots / person_folder(settings.person) if settings.person else snapshots
        if desktop is not None:
            result = _run_desktop(app, controls, settings, desktop, snapshots, config_file)
        else:
            if settings.window:
                if display_available():
                    app.sinks.append(WindowSink(controls, snapshot_dir=snapshots))
                else:
                    _say(err, _("no display: running without a window (--no-window silences this note)"), "dim")
            result = app.run()
    except BaseException:
        source.close()
        for sink in closing:
            sink.close()
        raise
    finally:
        if models is not None:
            models.close()

    if calibrate:
        if result.error is not None:
            raise result.error
        if result.baseline is None:
            raise PostureError(_("calibration interrupted before it was complete: nothing stored"))
        print(render_baseline(result.baseline, calibrator.path))
        return EXIT_OK
    monitor = pipeline.monitor  # the profile the run started with
    print(summary.render(monitor.durations(), monitor.observed_s, monitor.present_s))
    if recorder is not None and recorder.session_id and recorder.error is None:
        who = f" --person {settings.person}" if settings.person else ""
        print(_("kept in the history as session {id}: posture-monitor report{who} --session {id}").format(
            id=recorder.session_id, who=who))
    if result.error is not None:
        raise result.error
    if isinstance(source, ImageSource) and source.unreadable:
        unreadable = source.unreadable
        names = ", ".join(unreadable[:5]) + (" ..." if len(unreadable) > 5 else "")
        raise PostureError(ngettext("{n} image could not be read and was skipped: {names}",
                                    "{n} images could not be read and were skipped: {names}",
                                    len(unreadable)).format(n=len(unreadable), names=names))
    if result.frames == 0:
        raise PostureError(_("no frame could be analysed from {source}").format(source=settings.source))
    return EXIT_INTERRUPTED if result.interrupted else EXIT_OK
