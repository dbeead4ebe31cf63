"""Who to judge: the primary user among the people in the frame, and whether they are at their place.

With a calibration the primary user is the person nearest the calibrated position; without one,
the person judged last (so the choice does not flip between frames), or at the start the largest and
most central person. Someone standing up or moving away from their place is not judged: their
posture there is not a sitting posture.
"""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from ..types import AWAY, LM, MOVED, PRESENT, Landmarks, Position
from .view import detect_view


def prominence(p: Position) -> float:
    """Larger and more central people score higher."""
    return p.size * (1.0 - min(abs(p.x - 0.5), 0.5))


class PersonSelector:
    """Picks the primary user in each frame and tells whether they sit at their usual place.

    Args:
        reference: the calibrated position, if any.
        max_shift: a position further than this (in units of the person's size) from the reference
            counts as having moved away (stood up, left the desk).
        adapt_s: without a calibration, the reference follows the person's own recent position with
            this time constant (seconds), so a standing-up is told from a slow shift of the chair.
        settle_s: a new place held this long becomes the reference (the chair was moved, or the
            tracker first locked onto something else); with a calibration, the app suggests
            calibrating again.
        confirm_s: without a calibration, the user's place counts as known only once they have been
            seen there (within ``max_shift``, without a break) this long. Until then a clearly more
            prominent person elsewhere (1.2 times) takes the place over and is judged, so that a
            skeleton the tracker locks onto for a moment at the start does not make the real user
            look "moved" for ``settle_s``; a less prominent one elsewhere (standing up) is "moved".
        min_front_width: a frontal skeleton whose shoulders span less than this share of the image
            height is no one at the desk (the tracker sometimes locks onto something tiny: 2-12 %
            of the width in a dim webcam video, where users span 29-42 %).
        min_size: the same for any view: the shoulder-to-ear distance as a share of the image height.
    """

    def __init__(self, reference: Position | None = None, *, max_shift: float = 1.2, adapt_s: float = 120.0,
                 settle_s: float = 30.0, confirm_s: float = 5.0, min_front_width: float = 0.25,
                 min_size: float = 0.06) -> None:
        self.calibrated = reference
        self.max_shift = max_shift
        self.adapt_s = adapt_s
        self.settle_s = settle_s
        self.confirm_s = confirm_s
        self.min_front_width = min_front_width
        self.min_size = min_size
        self._running: Position | None = None
        self._last: Position | None = None
        self._last_t: float | None = None
        self._seen_since: float | None = None  # since when the uncalibrated place has held
        self._away_since: float | None = None  # when the user was first seen off their place
        self._away_at: Position | None = None
        self.resettled = False  # a calibrated user has settled somewhere else

    def set_reference(self, reference: Position | None) -> None:
        """Use a (new) calibrated position."""
        self.calibrated = reference
        self._running = None
        self._away_since = self._away_at = None
        self.resettled = False

    def plausible(self, lm: Landmarks) -> bool:
        """False for a skeleton far too small to be someone at the desk."""
        if Position.of(lm).size < self.min_size:
            return False
        if detect_view(lm) != "front":
            return True
        width = float(np.linalg.norm(lm.px[LM.LEFT_SHOULDER] - lm.px[LM.RIGHT_SHOULDER]))
        return width >= self.min_front_width * lm.image_size[1]

    def choose(self, people: Sequence[Landmarks]) -> tuple[Landmarks, Position]:
        """The primary user among several people (not empty): nearest the calibrated (or last)
        position, else the largest and most central."""
        positions = [Position.of(p) for p in people]
        anchor = self.calibrated or self._last
        if anchor is not None:
            index = min(range(len(people)), key=lambda i: positions[i].distance(anchor))
        else:
            index = max(range(len(people)), key=lambda i: prominence(positions[i]))
        return people[index], positions[index]

    def select(self, people: Sequence[Landmarks], t: float) -> tuple[Landmarks | None, str]:
        """The primary user (None when nobody is judged) and why: present, away or moved."""
        people = [p for p in people if self.plausible(p)]
        if not people:
            if self.calibrated is None and self._known_place() is None:
                self._seen_since = None  # the place must be held without a break to count
            return None, AWAY
        chosen, pos = self.choose(people)
        reference = self._running if self.resettled else (self.calibrated or self._known_place())
        if reference is None and self._running is not None and prominence(pos) < 1.2 * prominence(self._running):
            # The place is not known yet: a clearly more prominent person elsewhere is the user (the
            # first sighting was something else); anyone else away from it (standing up) is not.
            reference = self._running
        if reference is not None and pos.distance(reference) > self.max_shift:
            if self._away_at is None or pos.distance(self._away_at) > self.max_shift:
                self._away_since, self._away_at = t, pos
            if t - (self._away_since or t) < self.settle_s:
                return None, MOVED
            # Settled at the new place: it becomes the reference.
            self._running, self._last_t = pos, t
            self.resettled = self.calibrated is not None
        self._away_since = self._away_at = None
        self._last = pos
        self._adapt(pos, t)
        return chosen, PRESENT

    def _known_place(self) -> Position | None:
        """The uncalibrated reference, once the user has held it for ``confirm_s``."""
        if self._running is None or self._seen_since is None or self._last_t is None:
            return None
        return self._running if self._last_t - self._seen_since >= self.confirm_s else None

    def _adapt(self, pos: Position, t: float) -> None:
        if self.calibrated is not None and not self.resettled:
            return
        if self._running is None or self._last_t is None or pos.distance(self._running) > self.max_shift:
            # A first sighting, or (before the place is known, or once a new place has settled) a
            # different place: start over from here.
            self._running, self._last_t, self._seen_since = pos, t, t
            return
        if self._seen_since is None:  # back after a break, before the place was known
            self._seen_since = t
        a = min(1.0, max(0.0, t - self._last_t) / self.adapt_s)
        r = self._running
        self._running = Position(r.x + a * (pos.x - r.x), r.y + a * (pos.y - r.y), r.size + a * (pos.size - r.size),
                                 pos.aspect)
        self._last_t = t

    def reset(self) -> None:
        """Forget the running reference (an unrelated image follows)."""
        self._running = self._last = self._away_at = None
        self._last_t = self._away_since = self._seen_since = None


class PoseModel(Protocol):
    """A pose estimator (``landmarker.PoseEstimator``): everyone found in an image."""

    def estimate_all(self, image_bgr: np.ndarray, t: float) -> list[Landmarks]: ...


def crop_box(box: tuple[float, float, float, float], image_size: tuple[int, int],
             margin: float = 0.6) -> tuple[int, int, int, int]:
    """The box grown by ``margin`` of its size on every side (at least a square around its centre),
    clipped to the image; integers (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    w, h = image_size
    side = max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = side * (0.5 + margin)
    return (max(0, int(cx - half)), max(0, int(cy - half)), min(w, int(cx + half + 1)), min(h, int(cy + half + 1)))


class UserFollower:
    """Finds the primary user in each frame, cheaply.

    Following one person (MediaPipe VIDEO mode with one pose) costs one landmark inference a frame;
    looking for several people in every frame would run the person detector every frame as well.
    So ``pose`` follows one person, and every ``check_s`` seconds the ``finder`` (IMAGE mode,
    several poses) looks for everyone. When there are others in the frame, ``pose`` is given a
    crop around the primary user, so that it follows them and not someone walking behind.

    Args:
        pose: follows one person across frames.
        finder: finds everyone in one image; None to use what ``pose`` finds as it is.
        selector: chooses the primary user and tells whether they are at their place.
        check_s: how often to look for other people.
    """

    def __init__(self, pose: PoseModel, finder: PoseModel | None, selector: PersonSelector, *,
                 check_s: float = 3.0) -> None:
        self.pose = pose
        self.finder = finder
        self.selector = selector
        self.check_s = check_s
        self._last_check: float | None = None
        self._crop: tuple[int, int, int, int] | None = None
        self._alone_checks = 0
        self.count = 0  # people seen at the last check

    def find(self, image: np.ndarray, t: float) -> tuple[Landmarks | None, str]:
        """The primary user's landmarks (None when not judged) and their presence."""
        h, w = image.shape[:2]
        if self.finder is not None and (self._last_check is None or t - self._last_check >= self.check_s
                                        or t < self._last_check):
            self._last_check = t
            everyone = self.finder.estimate_all(image, t)
            self.count = len(everyone)
            if len(everyone) > 1:
                primary, _ = self.selector.choose(everyone)
                self._crop = crop_box(primary.box(), (w, h))
                self._alone_checks = 0
            else:
                # The detector misses people now and then: only after several checks that see one
                # person (or nobody) does ``pose`` get the whole frame again.
                self._alone_checks += 1
                if self._alone_checks >= 3:
                    self._crop = None
        if self._crop is not None:
            x0, y0, x1, y1 = self._crop
            found = [lm.shifted(x0, y0, (w, h)) for lm in self.pose.estimate_all(image[y0:y1, x0:x1], t)]
            if found:  # follow the user with the crop
                self._crop = crop_box(found[0].box(), (w, h))
        else:
            found = self.pose.estimate_all(image, t)
        if self.finder is None:
            self.count = len(found)
        return self.selector.select(found, t)
