"""A live session: the capture loop (app.py), what the user controls (controls.py), what the window
shows besides the picture (view.py), background pacing (background.py), calibrating (calibrator.py)."""
