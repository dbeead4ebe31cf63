"""The desktop in Qt (PySide6): the tray icon with its menu and the live window, in one event loop.

Qt runs in the main thread (as it must on macOS); the session (``App.run``: the camera, the models,
the sinks) runs in a worker thread. The session reaches Qt only through signals, which Qt delivers in
its own thread; Qt acts on the session only through ``App.post``, which the session runs between two
frames. So neither waits for the other: a slow frame never freezes the menu, and a menu never stalls
the camera. Why Qt and not pystray: docs/design/tray-toolkit.md.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import queue
import signal
import sqlite3
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from ..i18n import _
from .state import LOOKS, TrayState, state_word, tooltip

if TYPE_CHECKING:
    from ..config import Settings
    from ..live.app import App, RunResult
    from ..live.controls import Controls

APP_NAME = "posture-tray"  # the X11 class of the tray's windows (what xdotool searches for)
WINDOW_TITLE = "posture"
TRAY_WAIT_S = 3.0  # at login the tray may come up after the app: look this long before doing without
TODAY_EVERY_MS = 60_000  # how often the tooltip's share of today is read from the history
WINDOW_SHARE = 0.75  # the live window opens at this share of the screen's height (and keeps the aspect)
QT_XCB_LIBRARIES = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")
QT_XCB_PACKAGES = "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"


def qt_problem(environ: Mapping[str, str] | None = None) -> str | None:
    """Why Qt cannot show a window or a tray here, in a few words; None where it can.

    Checked before Qt is started, because Qt ends the process (abort) where it has no display or its
    X11 plugin's libraries are missing.
    """
    env = os.environ if environ is None else environ
    linux = sys.platform.startswith("linux")
    if linux and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return _("no display")
    try:
        from PySide6 import QtWidgets  # noqa: F401
    except ImportError as exc:
        return _("PySide6 cannot be loaded ({problem})").format(problem=exc)
    if linux and env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        missing = []
        for name in QT_XCB_LIBRARIES:
            try:
                ctypes.CDLL(name)
            except OSError:
                missing.append(name)
        if missing:
            return _("Qt needs {libraries} (Debian, Ubuntu: apt install {packages})").format(
                libraries=", ".join(missing), packages=QT_XCB_PACKAGES)
    return None


def start_qt() -> Any:
    """The QApplication (made once). Call only where ``qt_problem()`` is None."""
    for name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):  # OpenCV points these at its own Qt 5
        if "cv2" in os.environ.get(name, ""):
            del os.environ[name]
    from PySide6.QtWidgets import QApplication

    qapp = QApplication.instance()
    if qapp is None:
        QApplication.setApplicationName(APP_NAME)
        qapp = QApplication([sys.argv[0] if sys.argv else "posture"])
        qapp.setQuitOnLastWindowClosed(False)
    return qapp


def tray_available(wait_s: float = TRAY_WAIT_S) -> bool:
    """Whether the desktop has a tray, looking up to ``wait_s`` (a tray started at login may come late)."""
    import time

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QSystemTrayIcon

    deadline = time.monotonic() + wait_s
    while not QSystemTrayIcon.isSystemTrayAvailable():
        if time.monotonic() >= deadline:
            return False
        QCoreApplication.processEvents()
        time.sleep(0.1)
    return True


def state_icon(state: TrayState, size: int = 64) -> Any:
    """The tray's icon for a state: a disc in the state's colour with its symbol (never the colour alone)."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap

    look = LOOKS[state]
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(255, 255, 255), size / 16))
    painter.setBrush(QColor(*look.colour))
    margin = size / 16
    painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin))
    light = sum(look.colour) > 300
    painter.setPen(QColor(0, 0, 0) if light else QColor(255, 255, 255))
    font = QFont("DejaVu Sans")
    font.setBold(True)
    font.setPixelSize(int(size * 0.62))
    painter.setFont(font)
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, look.symbol)
    painter.end()
    return QIcon(pixmap)


class QtDisplay:
    """The live window as the window sink sees it (posture/sinks/window.py's Display): pictures go to
    the Qt window, keys come back from it. Called from the session's thread; the window lives in Qt's."""

    def __init__(self, deliver: Callable[[], None], hide: Callable[[], None]) -> None:
        self._deliver = deliver  # tell Qt's thread a picture is waiting
        self._hide = hide
        self._lock = threading.Lock()
        self._latest: np.ndarray | None = None
        self.keys: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.visible = False  # set by Qt's thread

    def show(self, image: np.ndarray) -> None:
        with self._lock:
            waiting = self._latest is not None
            self._latest = image
        if not waiting:  # Qt takes the newest picture; frames it had no time for are dropped
            self._deliver()

    def take(self) -> np.ndarray | None:
        """The newest picture, once (Qt's thread)."""
        with self._lock:
            image, self._latest = self._latest, None
        return image

    def poll_key(self) -> str | None:
        try:
            return self.keys.get_nowait()
        except queue.Empty:
            return None

    def close(self) -> None:
        self._hide()

    @property
    def showing(self) -> bool:
        return self.visible


def key_name(key: int, text: str) -> str | None:
    """A Qt key as the app's controls name it ("q", " ", "esc", ...)."""
    from PySide6.QtCore import Qt

    if key == Qt.Key.Key_Escape:
        return "esc"
    if key == Qt.Key.Key_Space:
        return " "
    return text.lower() if len(text) == 1 and text.isprintable() else None


class Desktop:
    """The tray icon, its menu and the live window around one session.

    Args:
        app, controls: the session and its controls.
        display: the live window's side of the window sink (None: no live window in this run).
        settings: the run's settings (the data folder, the person, the config file).
        tray: show the tray icon; without it, closing the window ends the session.
        window: show the live window at the start.
        autostart_extra: the options the login entry passes on (the person, the data folder...).
        config_file: the run's --config file (what "settings file" opens), else the user's own.
    """

    def __init__(self, app: "App", controls: "Controls", display: QtDisplay | None, settings: "Settings", *,
                 tray: bool, window: bool, autostart_extra: Sequence[str] = (), config_file: str | None = None) -> None:
        from PySide6.QtCore import QObject, QTimer, Signal

        class Bridge(QObject):  # signals from the session's thread, delivered in Qt's
            state = Signal(str)
            picture = Signal()
            hide = Signal()
            finished = Signal()
            opened = Signal(str, str)  # a report made in a helper thread: its path, or a problem

        self.qapp = start_qt()
        self.app = app
        self.controls = controls
        self.settings = settings
        self.autostart_extra = list(autostart_extra)
        self.config_file = config_file
        self.bridge = Bridge()
        self.display = display
        self.state = TrayState.STARTING
        self.today_share: float | None = None
        self.result: "RunResult | None" = None
        self.failure: BaseException | None = None
        self.window = _LiveWindow(self, display, closes_session=not tray) if display is not None else None
        self.tray = self._make_tray() if tray else None
        app.tray = self.tray is not None
        self.bridge.state.connect(self._on_state)
        self.bridge.finished.connect(self.qapp.quit)
        self.bridge.opened.connect(self._on_report)
        if self.window is not None:
            self.bridge.picture.connect(self.window.take_picture)
            self.bridge.hide.connect(self.window.hide)
        self._today_timer = QTimer()
        self._today_timer.timeout.connect(self.refresh_today)
        self._signal_timer = QTimer()  # Python runs its signal handlers only when it gets the hand back
        self._signal_timer.timeout.connect(lambda: None)
        self._show_at_start = window

    # -- the session's side -----------------------------------------------------------------

    def state_changed(self, state: TrayState) -> None:
        """From the session's thread (the StateSink): the icon's state changed."""
        self.bridge.state.emit(state.value)

    def deliver_picture(self) -> None:
        self.bridge.picture.emit()

    def hide_window(self) -> None:
        self.bridge.hide.emit()

    # -- running ------------------------------------------------------------------------------

    def run(self) -> "RunResult":
        """Run the session in a worker thread and Qt here until the session ends; returns its result."""
        def session() -> None:
            try:
                self.result = self.app.run()
            except BaseException as exc:  # handed to the main thread, raised there
                self.failure = exc
            finally:
                self.bridge.finished.emit()

        previous = {}

        def stop(signum: int, frame: Any) -> None:
            handler = previous.get(signum)
            if callable(handler):  # the command line's own (SIGTERM: exit code 143)
                try:
                    handler(signum, frame)
                except KeyboardInterrupt:
                    pass
            self.app.post(lambda: self.app.request_stop(interrupted=True))

        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, stop)
        self.app.answer_within_s = 0.1  # the menu's commands run within a tenth of a second
        worker = threading.Thread(target=session, name="posture-session", daemon=True)
        try:
            self.refresh_today()
            self._today_timer.start(TODAY_EVERY_MS)
            self._signal_timer.start(200)
            if self.tray is not None:
                self.tray.show()
            if self.window is not None and self._show_at_start:
                self.show_window()
            worker.start()
            self.qapp.exec()
            worker.join()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self._today_timer.stop()
            self._signal_timer.stop()
            if self.tray is not None:
                self.tray.hide()
            if self.window is not None:
                self.window.close_for_good()
        if self.failure is not None:
            raise self.failure
        assert self.result is not None
        return self.result

    # -- the tray -------------------------------------------------------------------------------

    def _make_tray(self) -> Any:
        from PySide6.QtGui import QAction
        from PySide6.QtWidgets import QMenu, QSystemTrayIcon

        tray = QSystemTrayIcon(state_icon(TrayState.STARTING))
        menu = QMenu()
        self.header = QAction(state_word(TrayState.STARTING), menu)
        self.header.setEnabled(False)
        menu.addAction(self.header)
        menu.addSeparator()
        self.pause_action = menu.addAction(_("Pause (camera off)"), lambda: self.app.post(self.app.toggle_pause))
        snooze = menu.addMenu(_("Snooze alerts"))
        for step, label in (("15m", _("15 minutes")), ("1h", _("1 hour")), ("tomorrow", _("until tomorrow")),
                            ("off", _("alerts on again"))):
            snooze.addAction(label, lambda step=step: self.app.post(lambda: self.controls.snooze(step)))
        menu.addAction(_("Calibrate now"), self.calibrate)
        menu.addAction(_("Exercise now"), self.exercise)
        if self.window is not None:
            menu.addAction(_("Show the live window"), self.show_window)
        menu.addAction(_("Today's report"), self.open_report)
        menu.addAction(_("Settings file"), self.open_settings)
        self.login_action = menu.addAction(_("Start at login"))
        self.login_action.setCheckable(True)
        self.login_action.setChecked(self._login_entry().path.is_file())
        self.login_action.toggled.connect(self.set_login)
        menu.addSeparator()
        menu.addAction(_("Quit"), self.quit)
        self.menu = menu  # kept: Qt does not own it
        tray.setContextMenu(menu)
        tray.activated.connect(self._on_click)
        tray.setToolTip(tooltip(TrayState.STARTING, None))
        return tray

    def _on_click(self, reason: Any) -> None:
        from PySide6.QtWidgets import QSystemTrayIcon

        if reason == QSystemTrayIcon.ActivationReason.Trigger and self.window is not None:  # a left click
            if self.window.isVisible():
                self.hide_live_window()
            else:
                self.show_window()

    def _on_state(self, value: str) -> None:
        self.state = TrayState(value)
        if self.tray is None:
            return
        self.tray.setIcon(state_icon(self.state))
        self.header.setText(state_word(self.state))
        self.pause_action.setText(_("Resume") if self.state is TrayState.PAUSED else _("Pause (camera off)"))
        self._tooltip()

    def _tooltip(self) -> None:
        if self.tray is not None:
            self.tray.setToolTip(tooltip(self.state, self.today_share, self.controls.snooze_text()))

    def refresh_today(self) -> None:
        """Today's good-posture share from the history (every session of the day, this one included)."""
        from ..cli.today import collect
        from ..errors import PostureError
        from ..storage.db import connect, db_path

        try:
            conn = connect(db_path(self.settings.data_path), create=False)
        except PostureError:
            return  # no history yet
        try:
            today = dt.date.today()
            days, _kinds = collect(conn, self.settings.person_name, today, self.settings.breaks.reset_min * 60,
                                   trend_days=0)
            self.today_share = days[today].good_share
        except (sqlite3.Error, PostureError):  # the history busy or damaged: the tooltip goes without the share
            self.today_share = None
        finally:
            conn.close()
        self._tooltip()

    def say(self, message: str) -> None:
        """A message from the tray (a balloon where the desktop shows them), else on the terminal."""
        if self.tray is not None and self.tray.supportsMessages():
            self.tray.showMessage(_("Posture"), message)
        print(message, file=sys.stderr)

    # -- the menu's actions ------------------------------------------------------------------------

    def calibrate(self) -> None:
        if self.window is not None:
            self.show_window()
        self.app.post(self.app.start_calibration)

    def exercise(self) -> None:
        """A set of the person's program (or the exercise against the worst problem), in the window."""
        if self.window is not None:
            self.show_window()
        self.app.post(self.controls.toggle_exercise)

    def show_window(self) -> None:
        if self.window is None:
            return
        self.window.open()
        self.app.post(lambda: self.app.watch(True))

    def hide_live_window(self) -> None:
        if self.window is not None:
            self.window.hide()
            self.app.post(lambda: self.app.watch(False))

    def quit(self) -> None:
        self.app.post(self.app.request_stop)

    def open_report(self) -> None:
        """Make today's report in the data folder (in a helper thread) and open it in the browser."""
        def make() -> None:
            from ..errors import PostureError
            from ..report.html import ReportRequest, build
            from ..storage import queries as q
            from ..storage.db import connect, db_path

            person = self.settings.person_name
            today = dt.date.today()
            try:
                path = db_path(self.settings.data_path)
                conn = connect(path, create=False)
                try:
                    page = build(conn, path, ReportRequest(person, q.Selection(person=person, since=today,
                                                                                until=today)))
                finally:
                    conn.close()
                from ..cli.history import report_name

                out = self.settings.data_path / "reports" / f"posture-today-{report_name(person)}.html"
                out.parent.mkdir(parents=True, exist_ok=True)
                tmp = out.with_name(out.name + ".tmp")
                tmp.write_text(page, encoding="utf-8")
                os.replace(tmp, out)
                self.bridge.opened.emit(str(out), "")
            except (PostureError, OSError, sqlite3.Error) as exc:
                self.bridge.opened.emit("", str(exc))

        threading.Thread(target=make, name="posture-report", daemon=True).start()

    def _on_report(self, path: str, problem: str) -> None:
        if problem:
            self.say(problem)
        else:
            self._open(Path(path))

    def open_settings(self) -> None:
        """Open the settings file (written with every setting commented out where there is none)."""
        from ..config import settings_template, user_config_file

        path = Path(self.config_file) if self.config_file else user_config_file()
        try:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(settings_template(), encoding="utf-8")
        except OSError as exc:
            self.say(_("cannot write {path}: {problem}").format(path=path, problem=exc.strerror or exc))
            return
        self.say(_("settings file: {path} (read when the monitor starts)").format(path=path))
        self._open(path)

    def _open(self, path: Path) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.say(_("open {path} yourself: no program to open it was found").format(path=path))

    def _login_entry(self) -> Any:
        from ..cli.autostart import platform_entry

        return platform_entry(self.autostart_extra)

    def set_login(self, on: bool) -> None:
        from ..cli.autostart import switch
        from ..errors import PostureError

        entry = self._login_entry()
        try:
            switch(entry, on)
        except PostureError as exc:
            self.say(str(exc))
            self.login_action.blockSignals(True)
            self.login_action.setChecked(not on)
            self.login_action.blockSignals(False)
            return
        self.say(_("starts at login from now on: {path}").format(path=entry.path) if on
                 else _("no longer starts at login (removed {path})").format(path=entry.path))


def _live_window_class() -> type:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPixmap
    from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

    class LiveWindow(QWidget):
        """The live view: the overlay's picture scaled to the window, keeping its aspect; keys go to the
        session. Without a tray, closing it ends the session; with one, it only hides."""

        def __init__(self, desktop: Desktop, display: QtDisplay, closes_session: bool) -> None:
            super().__init__()
            self.desktop = desktop
            self.display = display
            self.closes_session = closes_session
            self.setWindowTitle(WINDOW_TITLE)
            self.setStyleSheet("background-color: black;")
            self.label = QLabel()
            self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            self.label.setMinimumSize(160, 120)
            layout = QVBoxLayout(self)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(self.label)
            self.image: QImage | None = None
            self.sized = False
            self.final = False

        def open(self) -> None:
            if not self.sized:
                self._size_for(4 / 3)
            self.display.visible = True
            self.show()
            self.raise_()
            self.activateWindow()

        def _size_for(self, aspect: float) -> None:
            screen = self.screen().availableGeometry() if self.screen() is not None else None
            height = int(screen.height() * WINDOW_SHARE) if screen is not None else 720
            width = int(height * aspect)
            if screen is not None and width > screen.width() * 0.9:
                width = int(screen.width() * 0.9)
                height = int(width / aspect)
            self.resize(width, height)
            if screen is not None:
                self.move(screen.x() + (screen.width() - width) // 2, screen.y() + (screen.height() - height) // 2)

        def take_picture(self) -> None:
            image = self.display.take()
            if image is None or not self.isVisible():
                return
            h, w = image.shape[:2]
            rgb = np.ascontiguousarray(image[:, :, ::-1])
            self.image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
            if not self.sized:  # the first picture: the window takes its aspect
                self.sized = True
                self._size_for(w / h)
            self._scale()

        def _scale(self) -> None:
            if self.image is not None:
                self.label.setPixmap(QPixmap.fromImage(self.image).scaled(
                    self.label.size(), Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation))

        def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
            super().resizeEvent(event)
            self._scale()

        def keyPressEvent(self, event: Any) -> None:  # noqa: N802
            key = key_name(event.key(), event.text())
            if key is not None:
                self.display.keys.put(key)

        def hideEvent(self, event: Any) -> None:  # noqa: N802
            super().hideEvent(event)
            self.display.visible = False

        def closeEvent(self, event: Any) -> None:  # noqa: N802
            if self.final:
                event.accept()
                return
            event.ignore()
            if self.closes_session:
                self.display.keys.put("close")
            else:
                self.desktop.hide_live_window()

        def close_for_good(self) -> None:
            self.final = True
            self.close()

    return LiveWindow


def _LiveWindow(desktop: Desktop, display: QtDisplay, closes_session: bool) -> Any:  # noqa: N802
    """The live window (its class is made once Qt is loaded: PySide6 stays out of headless runs)."""
    global _LIVE_WINDOW
    if _LIVE_WINDOW is None:
        _LIVE_WINDOW = _live_window_class()
    return _LIVE_WINDOW(desktop, display, closes_session)


_LIVE_WINDOW: type | None = None
