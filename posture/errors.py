"""The app's exceptions. The CLI turns each into one line on stderr and exit code 2."""


def brief(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for quoting a value the user gave in an error
    line (a 1 MB argument is not echoed back)."""
    return brief_text(repr(value), limit)


def brief_text(text: str, limit: int = 80) -> str:
    """A name the user gave (a path, a source) cut to about ``limit`` characters."""
    return text if len(text) <= limit else f"{text[:limit - 20]}...{text[-12:]} ({len(text)} characters)"


class PostureError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""


class ConfigError(PostureError):
    """An invalid setting: the message names the key, the allowed range and the value."""


class SourceError(PostureError):
    """A video file, image or folder that cannot be read."""


class CameraError(SourceError):
    """A camera that cannot be opened at start (not found or busy)."""


class ModelError(PostureError):
    """A pose model that is missing or cannot be loaded."""


class OutputError(PostureError):
    """A log or other output file that cannot be written."""


class CalibrationError(PostureError):
    """A calibration that cannot be used (or a stored one that is damaged); the message says why and
    what to do."""
