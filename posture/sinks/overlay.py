"""The live view: the frame with the skeleton, the angles at their joints, the states and the alerts.

Draws only; decides nothing (every value and band comes in with the observation). Lines are drawn
with OpenCV (anti-aliased), text with a real font through Pillow (large, readable across a
treatment room, and any language's letters).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..i18n import _
from ..problems import PROBLEM
from ..text import duration, metric_label, short_label, unit
from ..types import BAD, BORDERLINE, GOOD, LM, SEVERITY, SKELETON, Landmarks, Observation, State

# Okabe & Ito's palette for colour-blind viewers (RGB): sky blue, yellow and vermillion stay apart
# under every common colour-vision deficiency; a symbol always goes with the colour.
BLUE, YELLOW, VERMILLION = (86, 180, 233), (240, 228, 66), (213, 94, 0)
GREY, WHITE = (160, 160, 160), (255, 255, 255)
BAND_COLOURS = {GOOD: BLUE, BORDERLINE: YELLOW, BAD: VERMILLION}
BAND_SYMBOLS = {GOOD: "\u2713", BORDERLINE: "!", BAD: "!!"}  # check mark, ! and !!
STATE_COLOURS = {State.GOOD: BLUE, State.DEVIATING: YELLOW, State.ALERT: VERMILLION, State.UNKNOWN: GREY}
STATE_SYMBOLS = {State.GOOD: "\u2713", State.DEVIATING: "~", State.ALERT: "!!", State.UNKNOWN: "?"}


@dataclass(frozen=True)
class Ghost:
    """The calibrated upright posture, drawn as faint lines: angles measured at calibration.

    Attributes:
        ear_angle_deg: side view, shoulder midpoint -> camera-side ear above the forward horizontal.
        nose_height: front view, nose height above the shoulder line, in shoulder widths.
    """

    ear_angle_deg: float | None = None
    nose_height: float | None = None


@dataclass(frozen=True)
class OverlayInfo:
    """What the live view shows besides the observation itself."""

    profile: str = "desk"
    mirror: bool = False
    status: str = ""
    banner: str = ""
    paused: str = ""  # e.g. "paused: the camera is off (space resumes)"; empty while running
    snoozed: str = ""  # e.g. "alerts snoozed until 14:30"
    good_share: float | None = None
    observed_s: float = 0.0
    show_help: bool = False
    ghost: Ghost | None = None
    keys: Sequence[tuple[str, str]] = field(default_factory=tuple)
    neck_load: str = ""  # phone profile: the modelled load on the neck
    guide: str = ""  # a calibration under way: what to do, large in the middle of the picture
    progress: float | None = None  # how far the calibration's recording is (0..1)
    status_fade: float = 1.0  # a transient status fading out: 1 shown, 0 gone
    exercise: "ExerciseInfo | None" = None  # an exercise under way: the coach's view instead of the problems


@dataclass(frozen=True)
class ExerciseInfo:
    """What the window shows of an exercise under way (posture/exercise/coach.py's view)."""

    title: str
    cue: str
    movement: float | None = None  # how far the body has moved, in the unit
    target: float = 0.0
    unit: str = ""
    held_s: float = 0.0
    hold_s: float = 0.0
    counted: int = 0
    reps: int = 0
    best: float | None = None


@lru_cache(maxsize=8)
def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (shipped with matplotlib, a dependency of MediaPipe) at a pixel size."""
    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / name
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:  # pragma: no cover - a matplotlib without its fonts
        return ImageFont.load_default()


def wrap(text: str, size: int, width: float) -> list[str]:
    """The text broken at spaces into lines no wider than ``width`` pixels at this font size."""
    f = font(size)
    rows: list[str] = []
    for word in text.split(" "):
        if rows and f.getlength(rows[-1] + " " + word) <= width:
            rows[-1] += " " + word
        else:
            rows.append(word)
    return rows or [""]


class _Painter:
    """Collects text to draw in one Pillow pass after the OpenCV lines."""

    def __init__(self, img: np.ndarray, mirror: bool) -> None:
        self.img = img
        self.h, self.w = img.shape[:2]
        self.mirror = mirror
        # Text and boxes, drawn in the order they were added (a box covers what came before it).
        self.texts: list[tuple[tuple[float, float], str, tuple[int, int, int], int, str, int]] = []
        self.layers: list[tuple[str, int]] = []
        self.boxes: list[tuple[tuple[int, int, int, int], tuple[int, int, int], int]] = []
        # The skeleton's lines and joints, drawn again over a banner so that it hides none of them.
        self.marks: list[tuple[str, tuple[int, int], tuple[int, int], tuple[int, int, int], int]] = []
        self.above_boxes: list[tuple[int, int]] = []  # rows (y0, y1) where the skeleton goes over the boxes

    def x(self, x: float) -> int:
        """A landmark's x in the displayed (possibly mirrored) picture."""
        return int(round(self.w - 1 - x if self.mirror else x))

    def pt(self, p: np.ndarray) -> tuple[int, int]:
        return self.x(float(p[0])), int(round(float(p[1])))

    def line(self, a: np.ndarray, b: np.ndarray, colour: tuple[int, int, int], width: int,
             faint: bool = False) -> None:
        bgr = colour[::-1]
        if faint:
            layer = self.img.copy()
            cv2.line(layer, self.pt(a), self.pt(b), bgr, width, cv2.LINE_AA)
            cv2.addWeighted(layer, 0.45, self.img, 0.55, 0, dst=self.img)
        else:
            self.marks.append(("line", self.pt(a), self.pt(b), colour, width))
            _mark(self.img, self.marks[-1])

    def dot(self, p: np.ndarray, colour: tuple[int, int, int], r: int) -> None:
        self.marks.append(("dot", self.pt(p), self.pt(p), colour, r))
        _mark(self.img, self.marks[-1])

    def text(self, xy: tuple[float, float], s: str, colour: tuple[int, int, int], size: int,
             anchor: str = "la", alpha: int = 255) -> None:
        """Text at a display position (already mirrored if needed); ``alpha`` below 255 fades it."""
        self.layers.append(("text", len(self.texts)))
        self.texts.append((xy, s, colour, size, anchor, alpha))

    def box(self, rect: tuple[int, int, int, int], colour: tuple[int, int, int], alpha: int = 255) -> None:
        self.layers.append(("box", len(self.boxes)))
        self.boxes.append((rect, colour, alpha))

    def finish(self) -> np.ndarray:
        pil = Image.fromarray(cv2.cvtColor(self.img, cv2.COLOR_BGR2RGB))
        draw = ImageDraw.Draw(pil, "RGBA")
        for kind, i in self.layers:
            if kind == "box":
                (x0, y0, x1, y1), colour, alpha = self.boxes[i]
                draw.rectangle((x0, y0, x1, y1), fill=(*colour, alpha))
            else:
                xy, text, colour, size, anchor, alpha = self.texts[i]
                draw.text(xy, text, fill=(*colour, alpha), font=font(size), anchor=anchor,
                          stroke_width=max(2, size // 12), stroke_fill=(0, 0, 0, alpha))
        out = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
        if self.above_boxes and self.marks:
            layer = out.copy()
            for mark in self.marks:
                _mark(layer, mark)
            for y0, y1 in self.above_boxes:
                out[max(0, y0):max(0, y1)] = layer[max(0, y0):max(0, y1)]
        return out


def _mark(img: np.ndarray, mark: tuple[str, tuple[int, int], tuple[int, int], tuple[int, int, int], int]) -> None:
    """Draw one of the skeleton's lines or joints."""
    kind, a, b, colour, size = mark
    if kind == "line":
        cv2.line(img, a, b, colour[::-1], size, cv2.LINE_AA)
    else:
        cv2.circle(img, a, size + 2, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(img, a, size, colour[::-1], -1, cv2.LINE_AA)


def face_box(lm: Landmarks, mirror_x: Callable[[float], int]) -> tuple[int, int, int, int] | None:
    """The face with the forehead and chin in display pixels (x0, y0, x1, y1), from the head's
    landmarks (nose, eyes, ears, mouth); None where too few are seen. Labels keep out of it."""
    seen = [i for i in range(11) if lm.presence[i] > 0.5]
    if len(seen) < 3:
        return None
    xs = [mirror_x(float(lm.px[i][0])) for i in seen]
    ys = [float(lm.px[i][1]) for i in seen]
    span_x = max(max(xs) - min(xs), 1.0)
    span_y = max(max(ys) - min(ys), span_x * 0.4)
    return (int(min(xs) - 0.15 * span_x), int(min(ys) - 1.0 * span_y),
            int(max(xs) + 0.15 * span_x), int(max(ys) + 0.8 * span_y))


def place_label(width: float, size: int, x: int, y: int, face: tuple[int, int, int, int] | None,
                taken: Sequence[tuple[int, int, int, int]], picture_w: int,
                floor: int) -> tuple[int, int, float] | None:
    """Where a label of ``width`` pixels, meant to be centred at (x, y), goes: there if it is free,
    else beside the face (the nearer side first), under it, or above it. Free means inside the
    picture, above ``floor`` and clear of the face and every ``taken`` box (other labels, corner
    text). Returns (x, y, width), or None where no spot is free."""
    half_w, half_h = width / 2, size * 0.6
    spots = [(x, y)]
    if face is not None:
        x0, y0, x1, y1 = face
        sides = [(int(x0 - half_w - 6), y), (int(x1 + half_w + 6), y)]
        sides.sort(key=lambda s: abs(s[0] - x))
        spots += sides + [(x, int(y1 + half_h + 4)), ((x0 + x1) // 2, int(y1 + half_h + 4)),
                          ((x0 + x1) // 2, int(y0 - half_h - 4))]
    for sx, sy in spots:
        sx = int(min(max(sx, half_w), picture_w - half_w))
        box = (sx - half_w, sy - half_h, sx + half_w, sy + half_h)
        if box[0] < 0 or box[2] > picture_w or box[1] < 0 or box[3] > floor:
            continue
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
            continue
        return sx, sy, width
    return None



def _mid(lm: Landmarks, a: int, b: int) -> np.ndarray:
    return np.asarray((lm.px[a] + lm.px[b]) / 2.0)


def _value(obs: Observation, key: str) -> tuple[str, tuple[int, int, int]] | None:
    """A metric as "label 38° !!" in its band colour, or None when unknown."""
    if obs.metrics is None:
        return None
    v = getattr(obs.metrics, key)
    if v is None:
        return None
    band = obs.bands.get(key)
    colour = BAND_COLOURS.get(band.level, WHITE) if band else WHITE
    symbol = BAND_SYMBOLS.get(band.level, "") if band else ""
    v = round(v) + 0.0  # no "-0"
    shown = f"{v:.0f}\u00b0" if key.endswith("_deg") else f"{v:.0f} {unit(key)}"
    return f"{metric_label(key)} {shown} {symbol}".rstrip(), colour


def draw_overlay(image: np.ndarray, obs: Observation, info: OverlayInfo | None = None, *,
                 status: str = "") -> np.ndarray:
    """A copy of ``image`` (mirrored if asked) with the observation drawn on it.

    Args:
        image: (H, W, 3) BGR frame as captured (the measurement is never mirrored).
        obs: what was measured and judged for it.
        info: the rest of the live view (status, banner, ghost lines, help...).
        status: shorthand for ``info.status``.
    """
    info = info or OverlayInfo(status=status)
    img = np.ascontiguousarray(image[:, ::-1] if info.mirror else image).copy()
    p = _Painter(img, info.mirror)
    h, w = p.h, p.w
    big = max(18, int(h / 16))  # the angle labels: readable from across a room on a large screen
    small = max(14, int(h / 28))
    thick = max(2, w // 220)
    lm = obs.landmarks
    judged = [s for s in obs.states.values() if s is not State.UNKNOWN]
    worst = max(judged, key=lambda s: SEVERITY[s.value], default=State.UNKNOWN)

    bottom = _bottom_rows(obs, info, lm, w, big, small)  # laid out first: the angle labels stay above it
    floor = h - small // 2 - sum(int(size * 1.5) * len(rows) for rows, size, _style in bottom)

    if lm is not None and not obs.dark:  # in the dark the landmarks are guesses: not drawn
        colour = STATE_COLOURS[worst]
        for a, b in SKELETON:
            if lm.presence[a] > 0.5 and lm.presence[b] > 0.5:
                p.line(lm.px[a], lm.px[b], colour, thick)
        for i in (LM.NOSE, LM.LEFT_EAR, LM.RIGHT_EAR, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP):
            if lm.presence[i] > 0.5:
                p.dot(lm.px[i], colour, thick + 2)

    # Top left: profile, view and calibration.
    y = small // 2
    view = {"side": _("side view"), "front": _("front view")}.get(obs.view or "", "")
    head = _("profile {profile}").format(profile=info.profile) + (f" \u00b7 {view}" if view else "")
    corner = [head, _("calibrated") if obs.calibrated else _("not calibrated")]
    if info.exercise is None:
        p.text((small // 2, y), corner[0], WHITE, small)
        y += int(small * 1.3)
        p.text((small // 2, y), corner[1], WHITE if obs.calibrated else GREY, small)
        y += int(small * 1.3)
    if info.good_share is not None and info.exercise is None:
        corner.append(_("good posture {share:.0f}% of {time}").format(
            share=100 * info.good_share, time=duration(info.observed_s)))
        p.text((small // 2, y), corner[-1], WHITE, small)
    taken = [(0, 0, small + int(max(font(small).getlength(t) for t in corner)), small // 2 + int(small * 1.3) *
              len(corner))]  # the corners' text: no angle label over it
    if info.guide:
        _guide(p, info.guide, info.progress, big, small)
    elif lm is None:
        p.text((w // 2, h // 2), info.status or _("Nobody in view"), WHITE, big, "mm")
    elif obs.dark:
        for n, row in enumerate(wrap(_("Too dark to measure: light your face from the front"), big, w - small)):
            p.text((w // 2, h // 2 + n * int(big * 1.3)), row, WHITE, big, "mm")

    # Top right: each problem with a symbol and a word.
    y = small // 2
    words = {State.GOOD: _("good"), State.DEVIATING: _("deviating"), State.ALERT: _("alert"),
             State.UNKNOWN: _("unknown")}
    for kind, state in (obs.states.items() if info.exercise is None else ()):
        word = _("calibrate (c)") if state is State.UNKNOWN and kind in obs.awaiting_calibration else words[state]
        text = f"{short_label(kind)}: {word} {STATE_SYMBOLS[state]}"
        p.text((w - small // 2, y), text, STATE_COLOURS[state], small, "ra")
        taken.append((w - small - int(font(small).getlength(text)), y, w, y + int(small * 1.3)))
        y += int(small * 1.3)
    if lm is not None and not obs.dark and info.exercise is None:
        _angles(p, obs, info, lm, big, thick, floor, taken)
    if info.exercise is not None:
        _exercise(p, info.exercise, big, small, floor)

    # Bottom: the neck load (phone profile), then the alert banner and the status lines.
    y = floor
    for rows, size, style in bottom:
        step = int(size * 1.5)
        if style == "banner":
            rect = (0, y, w, h if (rows, size, style) == bottom[-1] else y + step * len(rows))
            p.box(rect, VERMILLION)
            p.above_boxes.append((rect[1], rect[3]))  # the banner hides no joint
        alpha = int(255 * max(0.0, min(1.0, info.status_fade))) if style == "status" else 255
        for row in rows:
            y += step
            if style == "centre":
                p.text((w // 2, y), row, WHITE, size, "md")
            else:
                p.text((small // 2, y), row, WHITE, size, "ld", alpha=alpha)
    if info.show_help and info.keys:
        _help(p, help_rows(info.keys, obs), small)
    return p.finish()


def _bottom_rows(obs: Observation, info: OverlayInfo, lm: Landmarks | None, w: int, big: int,
                 small: int) -> list[tuple[list[str], int, str]]:
    """What the bottom of the picture shows, top first, each wrapped to the width: (rows, size, style)."""
    out: list[tuple[list[str], int, str]] = []
    if info.neck_load and lm is not None and obs.metrics is not None and obs.metrics.neck_flexion_deg is not None:
        size = max(14, big * 2 // 3)
        rows = wrap(info.neck_load, size, w - small)
        while len(rows) > 1 and size > small:  # one line if it can be read at all
            size = max(small, size * 5 // 6)
            rows = wrap(info.neck_load, size, w - small)
        out.append((rows, size, "centre"))
    if info.banner:
        size = big
        rows = wrap(info.banner, size, w - small)
        while len(rows) > 2 and size > small:  # two lines at most: smaller type if need be
            size = max(small, size * 4 // 5)
            rows = wrap(info.banner, size, w - small)
        out.append((rows, size, "banner"))
    cue = info.exercise.cue if info.exercise is not None else ""
    for text in (cue, info.snoozed, info.paused):
        if text:
            out.append((wrap(text, small, w - small), small, "line"))
    if info.status and lm is not None and info.status_fade > 0:
        out.append((wrap(info.status, small, w - small), small, "status"))
    return out


def _angles(p: _Painter, obs: Observation, info: OverlayInfo, lm: Landmarks, big: int, thick: int,
            floor: int, taken: list[tuple[int, int, int, int]]) -> None:
    """Each angle at the joint it belongs to, and the calibrated posture as a ghost line."""
    shoulders = _mid(lm, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
    ears = _mid(lm, LM.LEFT_EAR, LM.RIGHT_EAR)
    nose = lm.px[LM.NOSE]
    neck = float(np.linalg.norm(ears - shoulders)) or 1.0
    if obs.view == "side":
        facing = 1.0 if nose[0] >= ears[0] else -1.0
        # The horizontal through the shoulders and the line to the ear: the CVA's two arms.
        p.line(shoulders, shoulders + np.array([facing * neck, 0.0]), WHITE, max(1, thick - 1))
        p.line(shoulders, ears, WHITE, thick)
        if info.ghost is not None and info.ghost.ear_angle_deg is not None:
            a = math.radians(info.ghost.ear_angle_deg)
            upright = shoulders + neck * np.array([facing * math.cos(a), -math.sin(a)])
            p.line(shoulders, upright, WHITE, thick, faint=True)
        labels = [("cva_deg", shoulders + np.array([facing * neck * 0.35, -neck * 0.15])),
                  ("neck_flexion_deg", nose + np.array([facing * neck * 0.25, 0.0])),
                  ("shoulder_angle_deg", shoulders + np.array([-facing * neck * 0.35, neck * 0.45])),
                  ("trunk_inclination_deg", _mid(lm, LM.LEFT_HIP, LM.RIGHT_HIP) + np.array([0.0, -neck * 0.6]))]
    else:
        width = float(np.linalg.norm(lm.px[LM.LEFT_SHOULDER] - lm.px[LM.RIGHT_SHOULDER])) or 1.0
        if info.ghost is not None and info.ghost.nose_height is not None:
            level = shoulders + np.array([0.0, -info.ghost.nose_height * width])
            p.line(level - np.array([width * 0.3, 0.0]), level + np.array([width * 0.3, 0.0]), WHITE, thick,
                   faint=True)
        labels = [("lateral_lean_deg", shoulders + np.array([0.0, width * 0.25])),
                  ("head_tilt_deg", ears + np.array([0.0, -neck * 0.9])),
                  ("cva_deg", np.asarray(lm.px[LM.RIGHT_SHOULDER]) + np.array([0.0, -neck * 0.8])),
                  ("neck_flexion_deg", np.asarray(lm.px[LM.LEFT_SHOULDER]) + np.array([0.0, -neck * 0.8]))]
    # The profile's problems, not every angle; not those awaiting a calibration (their angle means nothing yet).
    judged = {PROBLEM[kind].metric for kind in obs.states if kind not in obs.awaiting_calibration}
    face = face_box(lm, p.x)
    if face is not None:
        taken.append(face)
    for key, where in labels:
        shown = _value(obs, key) if key in judged else None
        if shown is not None:
            text, colour = shown
            x = min(max(p.x(float(where[0])), 0), p.w - 1)
            y = min(max(int(where[1]), big), floor - big * 2 // 3)  # above the banner and status lines
            for size in (big, big * 4 // 5, big * 2 // 3):  # smaller type only where the large does not fit
                spot = place_label(font(size).getlength(text), size, x, y, face, taken, p.w, floor)
                if spot is not None:
                    break
            if spot is None:  # nowhere free: where it belongs, inside the picture
                size = big * 2 // 3
                width = font(size).getlength(text)
                spot = (int(min(max(x, width / 2), p.w - width / 2)), y, width)
            x, y, width = spot
            taken.append((int(x - width / 2), int(y - size * 0.6), int(x + width / 2), int(y + size * 0.6)))
            p.text((x, y), text, colour, size, "mm")


UNIT_SIGNS = {"cm": " cm", "deg": "\u00b0", "%": "%"}


def _exercise(p: _Painter, ex: ExerciseInfo, big: int, small: int, floor: int) -> None:
    """An exercise under way: its name and the repetitions counted at the top left (the cue goes with
    the lines at the bottom), a bar at the right with how far the body has moved against the target
    line, and the hold's countdown in large type."""
    p.text((small // 2, small // 2), ex.title, WHITE, small)
    if ex.reps:
        p.text((small // 2, small // 2 + int(small * 1.4)), _("{counted} of {reps}").format(
            counted=ex.counted, reps=ex.reps), BLUE, big)
    if ex.target <= 0:
        return
    # The bar: from the start position (0) to 1.6 times the target; the target as a line across it.
    top, bottom = int(p.h * 0.2), min(int(p.h * 0.8), floor - small)
    right = p.w - small
    left = right - max(12, p.w // 30)
    full = max(ex.target * 1.6, ex.best or 0.0)
    p.box((left, top, right, bottom), (40, 40, 40), alpha=200)
    if ex.movement is not None:
        share = max(0.0, min(1.0, ex.movement / full))
        reached = ex.movement >= ex.target
        p.box((left, int(bottom - share * (bottom - top)), right, bottom), BLUE if reached else YELLOW)
        unit = UNIT_SIGNS.get(ex.unit, ex.unit)
        p.text((left - small // 2, int(bottom - share * (bottom - top))), f"{ex.movement:.1f}{unit}", WHITE, small, "rm")
    line = int(bottom - ex.target / full * (bottom - top))
    p.box((left - 6, line - 2, right + 4, line + 2), WHITE)
    if ex.hold_s > 0 and ex.held_s > 0:
        left_s = ex.hold_s - ex.held_s
        text = f"{math.ceil(left_s)}" if left_s > 0 else "\u2713"
        p.text((p.w // 2, int(p.h * 0.6)), text, BLUE if left_s <= 0 else WHITE, big * 3, "mm")


def _guide(p: _Painter, text: str, progress: float | None, big: int, small: int) -> None:
    """A calibration's instruction in large type in the middle of the picture, on a dark band, with
    the recording's progress as a bar under it."""
    size = big * 4 // 3
    rows = [row for part in text.split("\n") for row in wrap(part, size, p.w - 2 * small)]
    step = int(size * 1.3)
    height = step * len(rows) + (small * 2 if progress is not None else 0) + small
    y0 = (p.h - height) // 2
    p.box((0, y0, p.w, y0 + height), (0, 0, 0), alpha=170)
    for n, row in enumerate(rows):
        p.text((p.w // 2, y0 + small // 2 + n * step + step // 2), row, WHITE, size, "mm")
    if progress is not None:
        top = y0 + small // 2 + step * len(rows) + small // 2
        left, right = p.w // 6, p.w * 5 // 6
        p.box((left, top, right, top + small), GREY)
        p.box((left, top, left + int((right - left) * max(0.0, min(1.0, progress))), top + small), BLUE)


def help_rows(keys: Sequence[tuple[str, str]], obs: Observation | None) -> list[str]:
    """What ``h`` shows: the keys, then where each measured angle's band comes from."""
    rows = [_("Keys")] + [f"{k:>5}  {what}" for k, what in keys]
    bands = obs.bands if obs is not None else {}
    if bands:
        rows += ["", _("Bands (guidance, not a diagnosis)")]
        rows += [_("{metric}: {band} ({source})").format(metric=metric_label(key), band=_(b.label), source=_(b.source))
                 for key, b in bands.items()]
    return rows


def _help(p: _Painter, rows: Sequence[str], size: int) -> None:
    """The keys and the bands' sources, in a box in the middle; long lines wrap."""
    keys_end = rows.index("") if "" in rows else len(rows)
    size = min(size, max(10, int(p.w * 0.9 / max(1, max(len(r) for r in rows[:keys_end])) * 1.7)))
    while True:  # the largest type with which the box fits the picture
        width = min(p.w, int(max(font(size).getlength(r) for r in rows[:keys_end])) + 2 * size)
        small = max(8, size * 4 // 5)
        lines = [(row, size) for row in rows[:keys_end]]
        lines += [(part, small) for row in rows[keys_end:] for part in wrap(row, small, width - 2 * size)]
        height = sum(int(sz * 1.4) for _row, sz in lines) + size
        if height <= p.h or size <= 8:
            break
        size -= 1
    x0, y0 = max(0, (p.w - width) // 2), max(0, (p.h - height) // 2)
    p.box((x0, y0, min(p.w, x0 + width), min(p.h, y0 + height)), (0, 0, 0), alpha=215)
    y = y0 + size // 2
    for row, sz in lines:
        p.text((x0 + size, y), row, WHITE, sz)
        y += int(sz * 1.4)