"""Every install finds its models: the wheel, installed with ``pip install --user`` into a temporary
user base, runs the demo (the models are then in the user base's ``share/posture/models``, not next to
the package), and a missing model names every place searched."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from posture.errors import ModelError
from posture.pose import landmarker
from tests.helpers import ROOT, cli_env


@pytest.mark.slow  # builds a wheel and a virtual environment
def test_the_wheel_runs_the_demo_from_a_user_install(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-w", str(dist), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    [wheel] = dist.glob("posture-*.whl")
    # A user install needs an interpreter whose user site is on: a venv that sees the system's packages.
    base = Path(getattr(sys, "_base_executable", sys.executable))
    venv = tmp_path / "user-venv"
    subprocess.run([str(base), "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    user_base = tmp_path / "userbase"
    env = {**cli_env(), "PYTHONUSERBASE": str(user_base), "PIP_NO_INDEX": "1"}
    env.pop("PYTHONPATH", None)
    install = subprocess.run([str(python), "-m", "pip", "install", "--user", "--no-deps", str(wheel)],
                             capture_output=True, text=True, timeout=600, env=env)
    assert install.returncode == 0, install.stderr[-2000:]
    assert (user_base / "share" / "posture" / "models" / "pose_landmarker_full.task").is_file()
    # The project's dependencies come from this test's environment; the project itself only from the
    # user base (a folder on PYTHONPATH does not run the editable install's hook).
    deps = sysconfig.get_paths()["purelib"]
    run_env = {**env, "PYTHONPATH": deps, "POSTURE_DATA_DIR": str(tmp_path / "data")}
    where = subprocess.run([str(python), "-c", "import posture; print(posture.__file__)"], capture_output=True,
                           text=True, timeout=120, env=run_env, cwd=tmp_path)
    assert where.stdout.strip().startswith(str(user_base)), where.stdout + where.stderr
    script = user_base / "bin" / "posture-monitor"  # the command pip installed for the user
    demo = subprocess.run([str(script), "--source", "demo", "--no-window", "--fps", "1", "--no-history"],
                          capture_output=True, text=True, timeout=600, env=run_env, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "Session summary" in demo.stdout and "Traceback" not in demo.stderr


def test_a_missing_model_names_every_place_searched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    places = [tmp_path / "a" / "models", tmp_path / "b" / "share" / "posture" / "models"]
    monkeypatch.setattr(landmarker, "model_dirs", lambda: places)
    with pytest.raises(ModelError) as exc:
        landmarker.shipped_model("pose_landmarker_full.task")
    assert all(str(p) in str(exc.value) for p in places)


def test_the_user_scheme_is_searched() -> None:
    user_data = sysconfig.get_path("data", f"{os.name}_user")
    assert Path(user_data) / "share" / "posture" / "models" in landmarker.model_dirs()
