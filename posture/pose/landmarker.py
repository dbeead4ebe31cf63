"""Pose estimation: MediaPipe Tasks PoseLandmarker behind a small adapter.

This module and face.py are the only ones that import MediaPipe. It turns a BGR frame into the
:class:`~posture.types.Landmarks` of everyone found in it, with the light around each face measured.
"""

from __future__ import annotations

import dataclasses
import os
import site
import sys
import sysconfig
from pathlib import Path
from typing import Any, Self

import cv2
import numpy as np

from .._quiet import native_stderr_silenced
from ..errors import ModelError, brief_text
from ..i18n import _
from ..offline import keep_offline
from ..paths import user_path
from ..types import N_LANDMARKS, Landmarks

MODEL_NAMES = {"full": "pose_landmarker_full.task", "lite": "pose_landmarker_lite.task"}


def model_dirs() -> list[Path]:
    """Where the shipped models may be: the project's ``models/`` (a clone, an editable install), then
    the data folder of every install scheme that may hold the project (``share/posture/models`` under
    a venv or system prefix, ``pip install --user``'s user base, a distribution's scheme)."""
    package = Path(__file__).resolve().parents[1]
    bases = [sys.prefix, sysconfig.get_path("data")]
    for scheme in (f"{os.name}_user", "osx_framework_user"):
        if scheme in sysconfig.get_scheme_names():
            bases.append(sysconfig.get_path("data", scheme))
    bases.append(site.getuserbase())
    dirs = [package.parent / "models"]
    for base in bases:
        folder = Path(base) / "share" / "posture" / "models"
        if folder not in dirs:
            dirs.append(folder)
    return dirs


def shipped_model(file_name: str) -> Path:
    """A model bundle the app ships, from the first of :func:`model_dirs` that has it.

    Raises:
        ModelError: no folder has it; the message names every place searched.
    """
    for folder in model_dirs():
        candidate = folder / file_name
        if candidate.is_file():
            return candidate
    raise ModelError(_("the model {file} is missing: looked in {folders} (reinstall the project)").format(
        file=file_name, folders=", ".join(str(f) for f in model_dirs())))


def resolve_model(spec: str) -> Path:
    """Turn ``lite``, ``full`` or a path into an existing pose model file.

    Raises:
        ModelError: the model cannot be found.
    """
    if spec in MODEL_NAMES:
        return shipped_model(MODEL_NAMES[spec])
    path = user_path(spec)
    try:
        found = path.is_file()
    except OSError:  # a name too long to be a path
        found = False
    if not found:
        raise ModelError(_("pose model not found: {model} (use lite, full or the path of a .task file)").format(
            model=brief_text(spec)))
    return path


class TaskModel:
    """What MediaPipe's Tasks landmarkers (pose, face) share: loading with a clear error, timestamps
    that strictly increase in video mode, native warnings kept off the terminal, closing.

    Subclasses set ``model_path`` and ``video`` and call :meth:`_load` with their landmarker class and
    options; :meth:`_run` runs it on a BGR image.
    """

    model_path: Path
    video: bool
    KIND = "pose"  # for the error message

    def _load(self, landmarker_class: Any, options: Any) -> None:
        keep_offline()  # before MediaPipe's usage-statistics uploader starts (posture/offline.py)
        try:
            with native_stderr_silenced():
                self._landmarker = landmarker_class.create_from_options(options)
        except (RuntimeError, ValueError, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            message = _("cannot load pose model {path}: {problem}") if self.KIND == "pose" else \
                _("cannot load face model {path}: {problem}")
            raise ModelError(message.format(path=self.model_path, problem=first)) from None
        self._last_ms = -1
        self._calls = 0

    def _run(self, image_bgr: np.ndarray, t: float) -> Any:
        """The landmarker's result for a BGR image at time ``t`` seconds."""
        import mediapipe as mp

        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._calls < 2:  # the first inferences log warnings from native code
            with native_stderr_silenced():
                result = self._detect(image, t)
        else:
            result = self._detect(image, t)
        self._calls += 1
        return result

    def _detect(self, image: Any, t: float) -> Any:
        if self.video:
            ms = max(int(round(t * 1000.0)), self._last_ms + 1)
            self._last_ms = ms
            return self._landmarker.detect_for_video(image, ms)
        return self._landmarker.detect(image)

    def close(self) -> None:
        """Release the landmarker."""
        with native_stderr_silenced():
            self._landmarker.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PoseEstimator(TaskModel):
    """MediaPipe PoseLandmarker for one person.

    In video mode (the default) the landmarker tracks the person from frame to frame and needs
    strictly increasing timestamps; in still mode every image is detected on its own.

    Args:
        model: ``lite``, ``full`` or a path to a ``.task`` bundle.
        video: track across frames (VIDEO mode) instead of judging each image alone (IMAGE mode).
        num_poses: how many people to look for (the app judges one of them, the primary user).
        min_detection_confidence, min_presence_confidence, min_tracking_confidence: MediaPipe's
            thresholds, 0..1.
    """

    def __init__(self, model: str = "full", *, video: bool = True, num_poses: int = 2,
                 min_detection_confidence: float = 0.5, min_presence_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self.model_path = resolve_model(model)
        self.video = video
        mode = vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=mode,
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        self._load(vision.PoseLandmarker, options)

    def estimate(self, image_bgr: np.ndarray, t: float) -> Landmarks | None:
        """Landmarks of the most confidently found person, or None if nobody is there."""
        people = self.estimate_all(image_bgr, t)
        return people[0] if people else None

    def estimate_all(self, image_bgr: np.ndarray, t: float) -> list[Landmarks]:
        """Landmarks of everyone found in a BGR image at time ``t`` seconds (possibly nobody)."""
        result = self._run(image_bgr, t)
        h, w = image_bgr.shape[:2]
        return [with_face_light(landmarks_from_result(result, (w, h), i), image_bgr)
                for i in range(len(result.pose_landmarks or []))]


def landmarks_from_result(result: Any, image_size: tuple[int, int], index: int = 0) -> Landmarks:
    """Convert one pose of a ``PoseLandmarkerResult`` into :class:`Landmarks`."""
    pose = result.pose_landmarks[index]
    norm = np.array([[p.x, p.y, p.z, _prob(p.visibility), _prob(p.presence)] for p in pose], dtype=np.float64)
    world = None
    world_list = getattr(result, "pose_world_landmarks", None)
    if world_list and len(world_list) > index:
        world = np.array([[p.x, p.y, p.z] for p in world_list[index]], dtype=np.float64)
    if norm.shape[0] != N_LANDMARKS:
        raise ModelError(_("the pose model gave {n} landmarks, expected {expected}").format(
            n=norm.shape[0], expected=N_LANDMARKS))
    return Landmarks.from_arrays(norm, image_size, world)


def _prob(value: float | None) -> float:
    return 1.0 if value is None else float(value)


def with_face_light(lm: Landmarks, image_bgr: np.ndarray) -> Landmarks:
    """The same landmarks with the brightness around the face measured in their image: the mean grey
    level of the box around the nose, eyes, ears and mouth, widened by a quarter."""
    x0, y0, x1, y1 = lm.face_box()
    pad = 0.25 * max(x1 - x0, y1 - y0)
    h, w = image_bgr.shape[:2]
    xa, ya = int(max(x0 - pad, 0)), int(max(y0 - pad, 0))
    xb, yb = int(min(x1 + pad, w)), int(min(y1 + pad, h))
    if xb <= xa or yb <= ya:  # the face lies outside the picture
        return lm
    patch = image_bgr[ya:yb, xa:xb]
    grey = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY) if patch.ndim == 3 else patch
    return dataclasses.replace(lm, face_light=float(grey.mean()))
