"""Crash trials of the history (used by ``python -m benchmarks crash`` and the tests): the app
monitors a file at real speed in a child process, is killed with SIGKILL at a random moment, and the
database is checked afterwards."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from posture.storage import queries as q
from posture.storage.db import close_interrupted, connect, db_path

ROOT = Path(__file__).resolve().parent.parent
# What a kill may cost: the second being added up, the next frame, the writer's batch (0.1 s), scheduling.
MAX_LOST_S = 1.5


@dataclass(frozen=True)
class Trial:
    """One kill and what the database held afterwards."""

    killed_after_s: float  # media time of the last frame logged before the kill
    last_second: int  # the last whole second in the database
    integrity: str  # PRAGMA integrity_check
    holes: int  # missing seconds before the last one
    end_reason: str | None
    view: str | None = None  # the view kept for the session (the one seen most up to the kill)

    @property
    def lost_s(self) -> float:
        """Seconds of monitoring before the kill that the database does not hold."""
        return max(0.0, self.killed_after_s - (self.last_second + 1))

    @property
    def ok(self) -> bool:
        """Whole, without holes, and short of at most MAX_LOST_S."""
        return self.integrity == "ok" and self.holes == 0 and self.lost_s <= MAX_LOST_S


def kill_during_recording(workdir: Path, source: Path, rng: random.Random, *, earliest_s: float = 1.0,
                          latest_s: float = 12.0) -> tuple[float, Path]:
    """Monitor ``source`` at real speed in a child process and SIGKILL it a random time after the
    first frame; returns the media time of the last frame logged before the kill, and the data folder."""
    data, log = workdir / "data", workdir / "run.jsonl"
    env = {**os.environ, "MPLCONFIGDIR": str(workdir / "mpl")}
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_monitor.py"), "--source", str(source), "--no-window",
                             "--realtime", "--data-dir", str(data), "--log", str(log)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=workdir)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not log.exists() or '"sample"' not in log.read_text()):
            if proc.poll() is not None:
                raise RuntimeError(f"the monitor ended before the kill (exit {proc.returncode})")
            time.sleep(0.05)
        time.sleep(rng.uniform(earliest_s, latest_s))
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    samples = [json.loads(x) for x in log.read_text().splitlines() if '"sample"' in x and x.endswith("}")]
    return samples[-1]["t"] - samples[0]["t"], data


def inspect(data: Path, killed_after_s: float) -> Trial:
    """What the database holds after the kill (the next start closes the interrupted session)."""
    raw = sqlite3.connect(db_path(data))
    integrity = raw.execute("PRAGMA integrity_check").fetchone()[0]
    raw.close()
    conn = connect(db_path(data))
    try:
        close_interrupted(conn)
        [s] = q.find_sessions(conn, q.Selection())
        secs = [r[0] for r in q.seconds(conn, s.id)]
        last = secs[-1] if secs else -1
        return Trial(killed_after_s, last, integrity, last + 1 - len(secs), s.end_reason, s.view)
    finally:
        conn.close()
