"""English and Dutch: every user-visible message is in both catalogues, and the app speaks Dutch."""

from __future__ import annotations

import re
import string
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, cli_env, run_cli

sys.path.insert(0, str(ROOT / "tools"))
import i18n as catalogue  # noqa: E402


def fields(template: str) -> set[str]:
    """The replacement fields of a str.format template (or the %-style ones of argparse)."""
    if "%(" in template or "%s" in template:
        return {m for pair in re.findall(r"%\((\w+)\)|(%s)", template) for m in pair if m}
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_message_is_translated(lang: str) -> None:
    messages = catalogue.extract()
    assert len(messages) > 150
    po = catalogue.read_po(catalogue.po_path(lang))
    missing = [m for m in messages if m not in po or not all(po[m])]
    assert not missing, f"{len(missing)} message(s) missing from the {lang} catalogue, e.g. {missing[:3]} " \
                        "(run tools/i18n.py update, translate, then tools/i18n.py compile)"
    for (msgid, plural), strs in po.items():
        if not msgid:
            continue
        for translated in strs:
            assert fields(translated) == fields(msgid), (msgid, translated)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_compiled_catalogues_are_up_to_date(lang: str) -> None:
    path = catalogue.po_path(lang)
    assert path.with_suffix(".mo").read_bytes() == catalogue.mo_bytes(catalogue.read_po(path)), \
        "run python tools/i18n.py compile"


def test_no_user_facing_error_bypasses_translation() -> None:
    pattern = re.compile(r"raise (Source|Camera|Config|Model|Output|Calibration|Posture|Usage)Error\(\s*f?[\"']")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in (ROOT / "posture").rglob("*.py")
                 for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert not offenders


def test_the_app_speaks_dutch(tmp_path: Path) -> None:
    r = run_cli("--lang", "nl", "--source", "demo", "--no-window", "--fps", "2")
    assert r.returncode == 0
    assert "Hoofd al 1 min naar voren: breng je oren terug boven je schouders" in r.stderr
    assert "Samenvatting van de sessie" in r.stdout and "tijd in goede houding:" in r.stdout
    assert "hoofd naar voren" in r.stdout and "meldingen gegeven: 1" in r.stdout
    help_text = run_cli("--lang", "nl", "--help").stdout
    assert help_text.startswith("gebruik: posture-monitor") and "voorbeelden:" in help_text and "opties:" in help_text
    err = run_cli("--lang", "nl", "--sauce").stderr.strip()
    assert err == "posture-monitor: fout: onbekende argumenten: --sauce (zie posture-monitor --help)"
    # The system locale chooses the language when nothing else does; --lang wins over it.
    env = cli_env(LANG="nl_NL.UTF-8", POSTURE_DATA_DIR=str(tmp_path))
    assert "valt buiten het bereik" in run_cli("--fps", "0", "--source", "demo", env=env).stderr
    assert "is out of range" in run_cli("--fps", "0", "--source", "demo", "--lang", "en", env=env).stderr


def test_dutch_numbers_and_units() -> None:
    from posture.config import describe_settings
    from posture.i18n import _, setup
    from posture.text import duration, value_text

    setup("nl")
    try:
        # A decimal comma in what people read; a degree is singular once.
        assert _("{share:.1f}% of {time}").format(share=41.1, time="2 min") == "41,1% van 2 min"
        assert value_text("neck_flexion_deg", 1.2) == "nekbuiging 1 graad"
        assert value_text("neck_flexion_deg", -0.3) == "nekbuiging 0 graden"
        assert value_text("cva_deg", 36.4) == "CVA 36 graden" and duration(3600) == "1 uur"
        # Settings keep their own syntax (a TOML file takes 0.1, not 0,1); their units are Dutch.
        rows = {key: allowed for key, _default, allowed, _doc in describe_settings()}
        assert rows["fps"] == "0.1 tot 120 fps" and rows["history_detail_days"] == "0 tot 36500 dagen"
    finally:
        setup("en")
    assert value_text("neck_flexion_deg", 1.2) == "neck flexion 1 deg"
