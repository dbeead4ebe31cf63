"""The pose stage: MediaPipe's landmarks of everyone in the frame (landmarker.py), the camera's view of
the person (view.py), and which of them is the user to judge (people.py)."""
