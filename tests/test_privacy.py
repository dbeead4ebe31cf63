"""Nothing leaves the machine and what the app keeps is the user's alone: the real pipeline (pose and face
models, MediaPipe's own usage-statistics uploader included) traced under strace, and the modes of every
file the app writes under a permissive umask."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from posture.storage.db import OWN_ENTRIES
from posture.storage.private import tighten
from tests.helpers import DATA, RUN_MONITOR, ROOT, cli_env

CLIP = DATA / "clips" / "phone_front_low.mp4"

# Calls that name an internet address, as strace prints them.
CALL = re.compile(r"\b(connect|sendto|sendmsg|bind)\(.*sa_family=AF_INET6?\b")
PORT = re.compile(r"sin6?_port=htons\((\d+)\)")
ADDRESS = re.compile(r"inet_addr\(\"([^\"]+)\"\)|inet_pton\(AF_INET6, \"([^\"]+)\"")


def traced(args: list[str], log: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["strace", "-f", "-qq", "-e", "trace=network", "-o", str(log), *args],
                          capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)


def outside_traffic(log: Path) -> list[str]:
    """The traced calls that reach an address other than the machine's own, or look a name up (port
    53 anywhere: a local resolver forwards the question)."""
    bad = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        call, port, address = CALL.search(line), PORT.search(line), ADDRESS.search(line)
        if call is None or call.group(1) == "bind":
            continue
        if port is None or address is None:  # an internet address strace could not print: count it
            bad.append(line)
            continue
        ip = ipaddress.ip_address(address.group(1) or address.group(2))
        if not ip.is_loopback or int(port.group(1)) == 53:
            bad.append(line)
    return bad


@pytest.fixture(scope="module")
def strace_works(tmp_path_factory: pytest.TempPathFactory) -> None:
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (.ci/run installs it)")
    probe = subprocess.run(["strace", "-f", "-qq", "-o", os.devnull, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here: {probe.stderr.decode(errors='replace').strip()}")


def test_the_outside_check_sees_what_it_must(tmp_path: Path) -> None:
    log = tmp_path / "trace"
    log.write_text(
        '12 connect(11, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0\n'
        '12 connect(9, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("142.250.1.1")}, 16) = -1\n'
        '12 sendto(5, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2a00:1450::1", &sin6_addr), sin6_scope_id=0}, 28) = 1\n'
        '12 connect(8, {sa_family=AF_INET, sin_port=htons(49751), sin_addr=inet_addr("127.0.0.1")}, 16) = -1\n'
        '12 connect(3, {sa_family=AF_UNIX, sun_path="/run/dbus/system_bus_socket"}, 110) = 0\n'
        '12 connect(4, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0\n')
    assert len(outside_traffic(log)) == 4  # both DNS queries, the two outside addresses; not loopback nor AF_UNIX


def test_nothing_leaves_the_machine(strace_works: None, tmp_path: Path) -> None:
    env = cli_env(POSTURE_DATA_DIR=str(tmp_path / "data"))
    for name in ("https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        env.pop(name, None)
    commands = {
        "monitor": [*RUN_MONITOR, "--source", str(CLIP), "--no-window", "--profile", "phone", "--fps", "2"],
        "calibrate": [*RUN_MONITOR, "--source", str(CLIP), "--no-window", "--calibrate", "--profile", "phone"],
        "report": [*RUN_MONITOR, "report", "--out", str(tmp_path / "report.html")],
        "history": [*RUN_MONITOR, "history"],
    }
    for name, args in commands.items():
        log = tmp_path / f"{name}.trace"
        r = traced(args, log, env)
        assert r.returncode == 0, (name, r.stderr[-2000:])
        assert outside_traffic(log) == [], name
    # The pose and face models did run under the trace (a session was kept and reported).
    assert (tmp_path / "report.html").stat().st_size > 10_000


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_what_the_app_writes_is_readable_by_the_user_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # A data folder from an earlier version, created under umask 022, with a file of the user's own.
    (data / "calibrations").mkdir(parents=True)
    (data / "calibrations").chmod(0o755)
    data.chmod(0o755)
    (data / "history.lock").write_text("")
    (data / "history.lock").chmod(0o644)
    (data / "notes.txt").write_text("mine")
    (data / "notes.txt").chmod(0o644)
    env = cli_env(POSTURE_DATA_DIR=str(data))
    out = tmp_path / "out"
    out.mkdir()
    log, report = out / "run.jsonl", out / "report.html"
    for args in (["--source", str(CLIP), "--no-window", "--profile", "phone", "--fps", "2", "--calibrate"],
                 ["--source", str(CLIP), "--no-window", "--profile", "phone", "--fps", "2", "--log", str(log)],
                 ["report", "--out", str(report)]):
        r = subprocess.run(["sh", "-c", 'umask 022; exec "$@"', "sh", *RUN_MONITOR, *args], capture_output=True,
                           text=True, timeout=600, cwd=ROOT, env=env)
        assert r.returncode == 0, r.stderr[-2000:]
    kept = [p for p in data.rglob("*") if p.name != "notes.txt"]
    assert any(p.name == "history.sqlite3" for p in kept) and any(p.suffix == ".json" for p in kept)
    assert mode(data) == 0o700
    assert {p.relative_to(data).as_posix(): mode(p) for p in kept} == \
        {p.relative_to(data).as_posix(): 0o700 if p.is_dir() else 0o600 for p in kept}
    assert mode(log) == 0o600 and mode(report) == 0o600  # written where the user asked: private too
    assert mode(data / "notes.txt") == 0o644  # not the app's: left alone


def test_tightening_follows_no_link(tmp_path: Path) -> None:
    data, elsewhere = tmp_path / "data", tmp_path / "elsewhere"
    for folder in (data, elsewhere):
        folder.mkdir()
        folder.chmod(0o755)
    (elsewhere / "shared.txt").write_text("x")
    (elsewhere / "shared.txt").chmod(0o644)
    (data / "snapshots").symlink_to(elsewhere)
    tighten(data, OWN_ENTRIES)
    assert mode(data) == 0o700
    assert mode(elsewhere) == 0o755 and mode(elsewhere / "shared.txt") == 0o644
