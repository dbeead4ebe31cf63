"""The pose of one person in one frame, as plain arrays (no MediaPipe types past this point)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import IntEnum

import cv2
import numpy as np


class LM(IntEnum):
    """Indices of the 33 BlazePose landmarks the metrics use (the rest keep their positions)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_HIP = 23
    RIGHT_HIP = 24


N_LANDMARKS = 33
FACE = (LM.NOSE, LM.LEFT_EYE, LM.RIGHT_EYE, LM.LEFT_EAR, LM.RIGHT_EAR, LM.MOUTH_LEFT, LM.MOUTH_RIGHT)

# Bones drawn as the skeleton (upper body and legs), as landmark index pairs.
SKELETON: tuple[tuple[int, int], ...] = (
    (7, 2), (2, 0), (0, 5), (5, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
    (11, 23), (12, 24), (23, 24), (23, 25), (25, 27), (24, 26), (26, 28),
)


@dataclass(frozen=True, eq=False)
class Landmarks:
    """One person's landmarks in one frame.

    Attributes:
        px: (33, 2) image positions in pixels (x right, y down); may lie outside the image.
        depth: (33,) MediaPipe's relative depth per landmark, in the x pixel scale (smaller = nearer
            the camera; origin at the hip midpoint).
        visibility: (33,) probability 0..1 that the landmark is visible (not occluded).
        presence: (33,) probability 0..1 that the landmark is inside the image.
        world: (33, 3) metric 3D positions in metres, origin between the hips, x to the image's
            right, y down, z away from the camera; None when the model gave none.
        image_size: (width, height) of the analysed image in pixels.
        face_light: mean brightness (0-255) of the picture around the face, measured by the pose
            stage; None when not measured.
    """

    px: np.ndarray
    depth: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray | None
    image_size: tuple[int, int]
    face_light: float | None = None

    def visible(self, index: int, min_visibility: float) -> bool:
        """True when landmark ``index`` is confidently visible and inside the image."""
        return bool(self.visibility[index] >= min_visibility and self.presence[index] >= min_visibility)

    def point(self, index: int) -> np.ndarray:
        """(2,) pixel position of a landmark."""
        return np.asarray(self.px[index])

    def shifted(self, dx: float, dy: float, image_size: tuple[int, int]) -> "Landmarks":
        """The same landmarks found in a crop whose top-left corner is at (dx, dy) of a larger image."""
        return Landmarks(px=self.px + np.array([dx, dy]), depth=self.depth, visibility=self.visibility,
                         presence=self.presence, world=self.world, image_size=image_size,
                         face_light=self.face_light)

    def with_face_light(self, image_bgr: np.ndarray) -> "Landmarks":
        """The same landmarks with the brightness around the face measured in their image: the mean
        grey level of the box around the nose, eyes, ears and mouth, widened by a quarter."""
        pts = self.px[list(FACE)]
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        pad = 0.25 * max(x1 - x0, y1 - y0)
        h, w = image_bgr.shape[:2]
        xa, ya = int(max(x0 - pad, 0)), int(max(y0 - pad, 0))
        xb, yb = int(min(x1 + pad, w)), int(min(y1 + pad, h))
        if xb <= xa or yb <= ya:  # the face lies outside the picture
            return self
        patch = image_bgr[ya:yb, xa:xb]
        grey = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY) if patch.ndim == 3 else patch
        return dataclasses.replace(self, face_light=float(grey.mean()))

    def box(self, min_visibility: float = 0.5) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) pixel box around the landmarks that are inside the image."""
        inside = self.presence >= min_visibility
        pts = self.px[inside] if inside.any() else self.px
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    @classmethod
    def from_arrays(cls, norm: np.ndarray, image_size: tuple[int, int],
                    world: np.ndarray | None = None) -> "Landmarks":
        """Build from a (33, 5) array of normalised x, y, z, visibility, presence.

        Args:
            norm: (33, 5) MediaPipe-style normalised landmarks (x, y in 0..1 of the image size).
            image_size: (width, height) in pixels.
            world: optional (33, 3) world landmarks in metres.
        """
        w, h = image_size
        norm = np.asarray(norm, dtype=np.float64)
        px = np.stack([norm[:, 0] * w, norm[:, 1] * h], axis=1)
        return cls(px=px, depth=norm[:, 2] * w, visibility=norm[:, 3].copy(), presence=norm[:, 4].copy(),
                   world=None if world is None else np.asarray(world, dtype=np.float64),
                   image_size=(int(w), int(h)))
