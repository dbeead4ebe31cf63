"""Translations. Every user-visible string goes through :func:`_` (English source strings; an English
and a Dutch catalogue in ``posture/locale``). ``N_`` marks a string for translation where it is
defined (a table of labels) and ``_`` translates it where it is shown.

The language comes from ``--lang``, the config file, or the system locale (config.py decides);
:func:`setup` switches to it, including argparse's own messages.
"""

from __future__ import annotations

import argparse
import gettext as _gettext
import string
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "posture"
LANGUAGES = ("en", "nl")

_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def setup(language: str) -> None:
    """Translate into ``language`` ("en" or "nl") from now on."""
    global _translation, _language
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    _translation = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)
    _language = language
    # argparse looks its messages ("usage:", "unrecognized arguments: %s") up through these names.
    argparse._ = _translation.gettext  # type: ignore[attr-defined]
    argparse.ngettext = _translation.ngettext  # type: ignore[attr-defined]


def language() -> str:
    """The language in use."""
    return _language


class _Numbers(string.Formatter):
    """Formats a message's fields; decimal numbers get the language's decimal mark (Dutch: 41,4)."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        text = super().format_field(value, format_spec)
        return text.replace(".", ",") if _language == "nl" and isinstance(value, float) else text


_NUMBERS = _Numbers()


class Text(str):
    """A translated message: ``format`` writes decimal numbers the way the language does. Values that
    are settings syntax (``0.5`` in a TOML file) are passed as strings and stay as they are."""

    def format(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        return _NUMBERS.vformat(self, args, kwargs)


def _(message: str) -> str:
    """The message in the current language."""
    return Text(_translation.gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural message for ``n``, in the current language."""
    return Text(_translation.ngettext(singular, plural, n))


def N_(message: str) -> str:
    """Mark a message for translation without translating it yet (translate it with ``_`` on use)."""
    return message
