"""Start at login: the XDG autostart entry written for real, validated and run; the macOS LaunchAgent
and the Windows Startup command checked for the files they would write."""

from __future__ import annotations

import plistlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from posture.cli.autostart import APP_ID, command, entry
from tests.helpers import ROOT, cli_env, run_cli


def test_linux_login_entry_is_written_validated_and_runs(tmp_path: Path) -> None:
    env = cli_env(XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path / "home"))
    desktop = tmp_path / "config" / "autostart" / "posture-monitor.desktop"
    r = run_cli("autostart", "status", env=env)
    assert r.returncode == 0 and "does not start at login" in r.stdout
    r = run_cli("autostart", "on", "--", "--person", "Anna de Vries", env=env)
    assert r.returncode == 0 and desktop.is_file(), r.stderr
    assert "starts at login" in run_cli("autostart", "status", env=env).stdout
    text = desktop.read_text(encoding="utf-8")
    if shutil.which("desktop-file-validate"):  # desktop-file-utils (.ci/run installs it)
        v = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert v.returncode == 0 and not v.stdout.strip(), v.stdout + v.stderr
    # The Exec line runs this installation's app in the background with the options given.
    [exec_line] = [line[len("Exec="):] for line in text.splitlines() if line.startswith("Exec=")]
    argv = shlex.split(exec_line)
    assert argv == [sys.executable, "-m", "posture", "--background", "--person", "Anna de Vries"]
    run = subprocess.run([*argv, "--list-settings"], capture_output=True, text=True, timeout=120, env=env,
                         cwd=tmp_path)
    assert run.returncode == 0 and "background" in run.stdout, run.stderr
    r = run_cli("autostart", "off", env=env)
    assert r.returncode == 0 and not desktop.exists()
    assert "nothing to remove" in run_cli("autostart", "off", env=env).stdout


def test_macos_and_windows_entries(tmp_path: Path) -> None:
    argv = command(["--person", "pat-01"])
    mac = entry("darwin", argv, {"HOME": str(tmp_path)})
    assert mac.path == tmp_path / "Library" / "LaunchAgents" / f"{APP_ID}.plist"
    plist = plistlib.loads(mac.text.encode("utf-8"))
    assert plist["ProgramArguments"] == argv and plist["RunAtLoad"] is True and plist["Label"] == APP_ID
    win = entry("win32", [r"C:\Program Files\Python311\python.exe", "-m", "posture", "--background"],
                {"APPDATA": r"C:\Users\anna\AppData\Roaming"})
    assert win.path.name == "posture-monitor.cmd" and "Startup" in win.path.parts
    assert win.text == '@echo off\r\nstart "" "C:\\Program Files\\Python311\\pythonw.exe" -m posture --background\r\n'


def test_python_dash_m_posture_is_the_app() -> None:
    r = subprocess.run([sys.executable, "-m", "posture", "--help"], capture_output=True, text=True, timeout=120,
                       cwd=ROOT, env=cli_env())
    assert r.returncode == 0 and "posture-monitor" in r.stdout
