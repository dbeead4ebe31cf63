"""The app's exceptions. The CLI turns each into one line on stderr and exit code 2."""


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
