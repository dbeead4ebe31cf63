"""The desktop app around a session: the tray icon and the live window in Qt (qt.py), and what the
icon shows (state.py, plain Python). PySide6 is imported only where a display is there to use."""
