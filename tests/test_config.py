"""Settings: defaults, profiles, TOML files, flags, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from posture.config import ConfigError, Settings, describe_settings, load_settings, parse_assignment, read_toml


def test_defaults_rest_on_the_posture_facts() -> None:
    s = load_settings()
    assert s.profile == "desk" and s.model == "full" and s.source == "0"
    assert s.alerts.glance_s == 5 and s.alerts.alert_after_s == 60
    assert 0.5 <= s.alerts.release_fraction <= 0.7
    assert s.rules.forward_head.limit == 45.5  # Mostafaee et al. 2024
    assert s.rules.phone_posture.limit == 25.0  # ISO 11226
    assert s.rules.slump.limit == 20.0  # ISO 11226 trunk
    assert s.analysis_fps == 10.0  # a camera source
    assert load_settings(None, {"source": "clip.mp4"}).analysis_fps is None


def test_profiles_change_what_is_watched() -> None:
    phone = load_settings(None, {"profile": "phone"})
    assert phone.rules.phone_posture.enabled and not phone.rules.lean.enabled
    side = load_settings({"profile": "side"})
    assert side.view == "side" and not side.rules.head_tilt.enabled
    # A file can still switch a rule back on over the profile.
    side_on = load_settings({"profile": "side", "rules": {"lean": {"enabled": True}}})
    assert side_on.rules.lean.enabled


def test_file_then_flags(tmp_path: Path) -> None:
    cfg = tmp_path / "posture.toml"
    cfg.write_text('model = "lite"\nfps = 4\n[alerts]\nalert_after_s = 90\n[rules.lean]\nlimit = 8\n')
    data = read_toml(cfg)
    s = load_settings(data, parse_assignment("alerts.alert_after_s=30"))
    assert s.model == "lite" and s.fps == 4.0
    assert s.alerts.alert_after_s == 30.0  # the flag wins over the file
    assert s.rules.lean.limit == 8.0 and s.rules.lean.neutral == 0.0  # other keys keep defaults


@pytest.mark.parametrize("data,message", [
    ({"alerts": {"alert_after_s": -5}}, "alerts.alert_after_s = -5.0 is out of range: allowed 1 to 7200 s"),
    ({"alerts": {"glance_s": "long"}}, "alerts.glance_s = 'long' is not a number"),
    ({"fps": 0}, "fps = 0.0 is out of range: allowed 0.1 to 120 fps"),
    ({"view": "top"}, "view = 'top' is not allowed: use one of auto, front, side"),
    ({"profile": "sofa"}, "profile = 'sofa' is not allowed: use one of desk, phone, side"),
    ({"alerts": {"colour": 1}}, "unknown setting 'alerts.colour'"),
    ({"smoothing": 3}, "smoothing must be a table of settings"),
    ({"stills": "yes"}, "stills = 'yes' is not allowed: use true or false"),
    ({"alerts": {"release_readings": 2.5}}, "alerts.release_readings = 2.5 must be a whole number"),
    ({"alerts": {"glance_s": 30, "alert_after_s": 10}}, "alerts.alert_after_s = 10.0 is out of range"),
    ({"rules": {"lean": {"limit": 0}}}, "rules.lean.limit = 0.0 must differ from rules.lean.neutral"),
])
def test_bad_values_name_the_key_and_range(data: dict, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(data)
    assert message in str(exc.value)


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        read_toml(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("alerts = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_toml(broken)


def test_assignment_parsing() -> None:
    assert parse_assignment("rules.lean.enabled=false") == {"rules": {"lean": {"enabled": False}}}
    assert parse_assignment("model=lite") == {"model": "lite"}
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_assignment("novalue")


def test_every_setting_is_described() -> None:
    rows = describe_settings()
    keys = {r[0] for r in rows}
    assert {"alerts.alert_after_s", "rules.forward_head.limit", "smoothing.beta", "pose.min_visibility"} <= keys
    assert all(doc for _, _, _, doc in rows)
    assert isinstance(Settings(), Settings)
