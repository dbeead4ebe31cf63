"""Alerts that reach the user: a short sound and a desktop notification (the banner is in the window,
the JSON Lines event in the log). Each channel degrades to nothing where it cannot work: no audio
device, no desktop session. Their libraries are imported only when the channel is used.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol, Sequence

import numpy as np

from ..i18n import _
from ..problems import PROBLEM
from ..text import event_message, kind_label
from ..types import Event, EventType, Observation
from . import BaseSink

log = logging.getLogger(__name__)


class AlertChannel(Protocol):
    """One way of telling the user."""

    name: str

    def notify(self, title: str, message: str) -> None:
        """Tell the user; never raises."""
        ...


def chime(samplerate: int = 44100) -> np.ndarray:
    """A soft two-note chime (E5 then A5, 0.18 s each, faded in and out), float32 mono in -0.3..0.3."""
    notes = []
    for freq in (659.25, 880.0):
        t = np.arange(int(0.18 * samplerate)) / samplerate
        tone = np.sin(2 * np.pi * freq * t)
        fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02)
        notes.append(0.3 * tone * fade)
    return np.concatenate(notes).astype(np.float32)


class SoundChannel:
    """The chime through sounddevice (PortAudio); nothing where no audio output exists.

    Args:
        backend: the sounddevice module, or a stand-in with ``play(data, samplerate)`` and
            ``query_devices(kind="output")``; imported on first use when None.
    """

    name = "sound"

    def __init__(self, backend: Any = None, samplerate: int = 44100) -> None:
        self._backend = backend
        self.samplerate = samplerate
        self.available: bool | None = None if backend is None else True

    def _ready(self) -> bool:
        if self.available is None:
            try:
                import sounddevice

                sounddevice.query_devices(kind="output")  # raises where there is no output device
                self._backend = sounddevice
                self.available = True
            except Exception as exc:  # OSError (no PortAudio), PortAudioError (no device), ...
                log.info("no sound: %s", exc)
                self.available = False
        return bool(self.available)

    def notify(self, title: str, message: str) -> None:
        if not self._ready():
            return
        try:
            self._backend.play(chime(self.samplerate), self.samplerate)
        except Exception as exc:  # a device that went away
            log.info("no sound: %s", exc)
            self.available = False


class DesktopChannel:
    """A desktop notification through the desktop-notifier library; nothing without a desktop session.

    Args:
        session: whether a desktop session exists (config.desktop_session_available()).
        notifier: a ``desktop_notifier.DesktopNotifierSync`` or a stand-in with ``send(title, message)``;
            made on first use when None.
    """

    name = "desktop"

    def __init__(self, session: bool, notifier: Any = None) -> None:
        self.session = session
        self._notifier = notifier
        self.sent = 0

    def notify(self, title: str, message: str) -> None:
        if not self.session:
            return
        try:
            if self._notifier is None:
                from desktop_notifier import DesktopNotifierSync

                logging.getLogger("desktop_notifier").setLevel(logging.CRITICAL)  # its failures are ours to judge
                self._notifier = DesktopNotifierSync(app_name="posture")
            self._notifier.send(title, message)
            self.sent += 1
        except Exception as exc:  # no notification service on this desktop, library missing, ...
            log.info("no desktop notification: %s", exc)
            self.session = False


class AlertSink(BaseSink):
    """Sends every alert through the enabled channels; alerts that come within ``gather_s`` of each
    other (one posture tripping two limits, as a phone posture does) make one nudge, not two.

    Args:
        channels: the channels (sound, desktop, or stand-ins with the same interface).
        gather_s: how long to wait for other alerts after the first (media or camera time).
    """

    def __init__(self, channels: Sequence[AlertChannel], gather_s: float = 2.0) -> None:
        self.channels = list(channels)
        self.gather_s = gather_s
        self._pending: list[Event] = []

    def handle(self, obs: Observation) -> None:
        for event in obs.events:
            if event.type is EventType.BREAK:
                self.send(event)
            elif event.type is EventType.ALERT:
                self._pending.append(event)
        if self._pending and obs.frame.t - self._pending[0].t >= self.gather_s:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            # The most specific advice speaks for the others (bent over a phone: raise the phone; that the
            # head is forward as well goes without saying): the problems' priority.
            ranked = sorted(self._pending, key=lambda e: PROBLEM[e.kind].priority if e.kind in PROBLEM else 99)
            self.send(ranked[0], also=[e.kind for e in ranked[1:]])
            self._pending = []

    def send(self, event: Event, also: Sequence[str] = ()) -> None:
        """One alert through every channel (naming the problems that alerted with it)."""
        title = _("Posture")
        message = event_message(event)
        if also:
            message += " " + _("(also: {problems})").format(problems=", ".join(kind_label(k) for k in also))
        for channel in self.channels:
            channel.notify(title, message)

    def close(self, final_events: Sequence[Event] = ()) -> None:
        self._flush()
