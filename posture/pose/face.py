"""The head's pose from the face: MediaPipe's Face Landmarker beside the pose model.

The pose model's head landmarks (ears, eyes, nose, mouth) are few and move little when the head bends
down; the face model fits a 3D face to 478 points and gives the head's rotation and position against
the camera (its facial transformation matrix). On rendered people its pitch, taken as a change from
upright, follows the true neck flexion with r = 0.99, also at 45 deg of flexion from a low laptop
camera, where the pose model loses the person (docs/accuracy.md).

Only the face that belongs to the judged body counts: the one whose nose tip lies nearest the body's
nose, within a quarter of the shoulder width.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Protocol

import numpy as np

from ..types import LM, HeadPose, Landmarks
from .landmarker import TaskModel, shipped_model

FACE_MODEL = "face_landmarker.task"
NOSE_TIP = 1  # face-mesh index of the nose tip
# The face whose nose tip lies within this share of the shoulder width of the body's nose is that body's
# (correct matches: median 0.05, 99th percentile 0.11, 0.16 at 45 deg of flexion).
MAX_NOSE_DISTANCE = 0.25


def head_pose(matrix: np.ndarray, nose: tuple[float, float], box: tuple[float, float, float, float]) -> HeadPose:
    """The head's pose from a facial transformation matrix.

    Args:
        matrix: (4, 4) MediaPipe facial transformation matrix: the canonical face model (cm) into the
            camera frame (x to the image's right, y up, z towards the viewer); its 3x3 part is a pure
            rotation, decomposed as yaw (about y), then pitch (about x), then roll (about z).
        nose: the nose tip in pixels; box: the face mesh's pixel box.
    """
    r = np.asarray(matrix, dtype=float)[:3, :3]
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, -r[1, 2]))))
    yaw = math.degrees(math.atan2(r[0, 2], r[2, 2]))
    roll = math.degrees(math.atan2(r[1, 0], r[1, 1]))  # + counter-clockwise on screen: the person's right
    x, y, z = (float(v) for v in np.asarray(matrix, dtype=float)[:3, 3])
    return HeadPose(pitch_deg=pitch, yaw_deg=yaw, roll_deg=-roll, x_cm=x, y_cm=y, z_cm=z, nose=nose, box=box)


class FaceModel(Protocol):
    """A face estimator (:class:`FaceEstimator`): the head poses of the faces in an image."""

    def estimate_all(self, image_bgr: np.ndarray, t: float) -> list[HeadPose]: ...


class FaceEstimator(TaskModel):
    """MediaPipe FaceLandmarker: the faces in a frame with their head pose.

    In video mode (the default) the model follows the face from frame to frame and needs strictly
    increasing timestamps. The whole frame is given: the model's geometry assumes the camera's own
    field of view centred on the image, so a crop would read other angles (and saves no time).

    Args:
        model: the path of a face landmarker ``.task`` bundle, or None for the shipped one.
        video: follow the face across frames (VIDEO mode) instead of finding it in each image (IMAGE).
        num_faces: how many faces to look for (a second face costs about 40 % more in video mode).
    """

    KIND = "face"

    def __init__(self, model: str | None = None, *, video: bool = True, num_faces: int = 1) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self.model_path = Path(model) if model else shipped_model(FACE_MODEL)
        self.video = video
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
            num_faces=num_faces, output_face_blendshapes=False, output_facial_transformation_matrixes=True)
        self._load(vision.FaceLandmarker, options)

    def estimate_all(self, image_bgr: np.ndarray, t: float) -> list[HeadPose]:
        """The head pose of every face found in a BGR image at time ``t`` seconds."""
        result = self._run(image_bgr, t)
        h, w = image_bgr.shape[:2]
        out = []
        for points, matrix in zip(result.face_landmarks or [], result.facial_transformation_matrixes or []):
            xy = np.array([[p.x * w, p.y * h] for p in points])
            (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
            nose = (float(xy[NOSE_TIP, 0]), float(xy[NOSE_TIP, 1]))
            out.append(head_pose(np.asarray(matrix), nose, (float(x0), float(y0), float(x1), float(y1))))
        return out


def nose_distance(lm: Landmarks, head: HeadPose) -> float:
    """How far the face's nose tip lies from the body's nose, in shoulder widths."""
    width = max(float(np.linalg.norm(lm.px[LM.LEFT_SHOULDER] - lm.px[LM.RIGHT_SHOULDER])), 1e-6)
    return float(np.hypot(head.nose[0] - lm.px[LM.NOSE, 0], head.nose[1] - lm.px[LM.NOSE, 1])) / width


def match_face(lm: Landmarks, faces: list[HeadPose]) -> HeadPose | None:
    """The face that belongs to this body: nearest its nose, within ``MAX_NOSE_DISTANCE`` shoulder widths."""
    if not faces:
        return None
    best = min(faces, key=lambda f: nose_distance(lm, f))
    return best if nose_distance(lm, best) <= MAX_NOSE_DISTANCE else None


def with_head(lm: Landmarks, faces: list[HeadPose]) -> Landmarks:
    """The landmarks with the head pose of their own face (None where no face belongs to them)."""
    return dataclasses.replace(lm, head=match_face(lm, faces))
