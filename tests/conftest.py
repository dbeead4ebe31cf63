"""Fixtures shared by the test files (the helpers themselves are in tests/helpers.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import DATA, run_phone_clip


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session", autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Calibrations made or read by the tests stay in a temporary folder, not the user's own."""
    path = tmp_path_factory.mktemp("posture-data")
    os.environ["POSTURE_DATA_DIR"] = str(path)
    # Nor is the user's own settings file read (~/.config/posture/config.toml): one that does not exist.
    os.environ["POSTURE_CONFIG"] = str(path / "no-settings-file.toml")
    return path


@pytest.fixture(scope="session")
def recorded_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One monitoring run over the phone clip kept in a history: (data folder, log)."""
    tmp = tmp_path_factory.mktemp("history")
    code, log = run_phone_clip(tmp)
    assert code == 0
    return tmp / "data", log
