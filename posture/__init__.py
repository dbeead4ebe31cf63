"""posture: a webcam posture monitor built on MediaPipe pose estimation."""

__version__ = "0.1.0"

from . import _quiet  # noqa: E402,F401  (sets library log levels before cv2 and mediapipe load)
