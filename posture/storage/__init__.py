"""What the app keeps: the history database (db.py), the sink that records a session into it
(recorder.py), reading it (queries.py), condensing and deleting (maintenance.py), and the
calibration files (calibrations.py). Numbers only: never a frame."""
