"""Shared test helpers: paths to the test footage and a landmark factory for geometry tests."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pytest

from posture.types import N_LANDMARKS, Landmarks

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
DEMO_CLIP = ROOT / "posture" / "data" / "demo_desk_side.mp4"


def make_landmarks(points: Mapping[int, tuple[float, float]], *, depth: Mapping[int, float] | None = None,
                   visibility: Mapping[int, float] | None = None,
                   world: Mapping[int, tuple[float, float, float]] | None = None,
                   size: tuple[int, int] = (640, 480)) -> Landmarks:
    """Landmarks with the given pixel positions; unspecified ones sit at the image centre.

    Args:
        points: landmark index -> (x, y) in pixels.
        depth: landmark index -> MediaPipe relative depth (smaller = nearer the camera).
        visibility: landmark index -> visibility (default 1 for every landmark).
        world: landmark index -> (x, y, z) metres; None gives no world landmarks.
    """
    px = np.tile(np.array([size[0] / 2, size[1] / 2], dtype=float), (N_LANDMARKS, 1))
    for i, p in points.items():
        px[i] = p
    d = np.zeros(N_LANDMARKS)
    for i, v in (depth or {}).items():
        d[i] = v
    vis = np.ones(N_LANDMARKS)
    for i, v in (visibility or {}).items():
        vis[i] = v
    w = None
    if world is not None:
        w = np.zeros((N_LANDMARKS, 3))
        for i, p in world.items():
            w[i] = p
    return Landmarks(px=px, depth=d, visibility=vis, presence=np.ones(N_LANDMARKS), world=w, image_size=size)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session", autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Calibrations made or read by the tests stay in a temporary folder, not the user's own."""
    import os

    path = tmp_path_factory.mktemp("posture-data")
    os.environ["POSTURE_DATA_DIR"] = str(path)
    return path


def run_phone_clip(tmp_path: Path, *extra: str) -> tuple[int, Path]:
    """The monitor over the rendered phone clip (96 s, 5 analyses a second) with its history in
    ``tmp_path/data`` for person pat-01; returns the exit code and the JSON Lines log."""
    from posture.cli.main import main

    log = tmp_path / "run.jsonl"
    code = main(["--source", str(DATA / "clips" / "phone_front_low.mp4"), "--no-window", "--profile", "phone",
                 "--fps", "5", "--alert-after", "30", "--data-dir", str(tmp_path / "data"), "--person", "pat-01",
                 "--log", str(log), *extra])
    return code, log


@pytest.fixture(scope="session")
def recorded_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One monitoring run over the phone clip kept in a history: (data folder, log)."""
    tmp = tmp_path_factory.mktemp("history")
    code, log = run_phone_clip(tmp)
    assert code == 0
    return tmp / "data", log
