"""The HTML report, opened in headless Chromium: it loads, its plots decode, its tables are there, it
prints on A4. A screenshot is kept in tests/_artifacts/report.png."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from posture.cli.main import main
from tests.helpers import ROOT, run_cli, run_phone_clip

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
ARTIFACTS = ROOT / "tests" / "_artifacts"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")

# Reports a page's state into the DOM: every image decoded? (added to a copy; the report has no script)
PROBE = """<script>
window.addEventListener("load", () => {
  const imgs = [...document.images];
  document.body.dataset.images = imgs.length;
  document.body.dataset.decoded = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
});
</script>"""


def chromium(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", "--disable-extensions", *args], capture_output=True, text=True,
                          timeout=timeout)


def open_in_chromium(report: Path, tmp_path: Path) -> str:
    """The DOM after loading (with the probe), as Chromium sees it."""
    probe = tmp_path / (report.stem + "-probe.html")
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = chromium("--virtual-time-budget=5000", "--dump-dom", probe.as_uri()).stdout
    assert "<html" in dom, "Chromium did not load the report"
    return dom


@pytest.fixture(scope="module")
def history(recorded_history: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recorded session, plus copies of it on the four days before (a week of history)."""
    data = tmp_path_factory.mktemp("report") / "data"
    shutil.copytree(recorded_history[0], data)
    conn = sqlite3.connect(data / "history.sqlite3", isolation_level=None)
    cols = "person_id, start, end, end_reason, profile, view, source, model, app_version, calibration_id"
    for k in range(1, 5):
        sid = conn.execute(f"INSERT INTO sessions ({cols}) SELECT person_id, start - {k} * 86400, end - {k} * 86400, "
                           f"end_reason, profile, view, source, model, app_version, calibration_id FROM sessions "
                           f"WHERE id = 1").lastrowid
        _copy_rows(conn, 1, sid, k)
    conn.close()
    return data


def _copy_rows(conn: sqlite3.Connection, src: int, dst: int, k: int) -> None:
    """Copy a session's rows; the further back, the more of its good seconds were deviating (a patient who
    improves)."""
    conn.execute("INSERT INTO seconds (session_id, sec, frames, present) SELECT ?, sec, frames, present FROM seconds "
                 "WHERE session_id = ?", (dst, src))
    conn.execute("INSERT INTO metric_seconds (session_id, sec, metric, n, mean, min, max, band) SELECT ?, sec, metric, "
                 "n, mean, min, max, band FROM metric_seconds WHERE session_id = ?", (dst, src))
    # Day -k: the posture was worse the further back (good seconds turned into deviating ones).
    conn.execute("INSERT INTO state_seconds (session_id, sec, kind, state) SELECT ?, sec, kind, CASE WHEN "
                 "state = 'good' AND sec % 5 < ? THEN 'deviating' ELSE state END FROM state_seconds "
                 "WHERE session_id = ?", (dst, k, src))
    conn.execute("INSERT INTO events (session_id, type, kind, metric, t, start, end, peak, reason) SELECT ?, type, "
                 "kind, metric, t, start, end, peak, reason FROM events WHERE session_id = ?", (dst, src))


def report(data: Path, out: Path, *args: str) -> str:
    assert main(["report", "--data-dir", str(data), "--person", "pat-01", "--out", str(out), *args]) == 0
    page = out.read_text(encoding="utf-8")
    # Self-contained: nothing fetched from anywhere, every picture inline.
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", page)
    assert all(src.startswith("data:image/png;base64,") for src in re.findall(r'src="([^"]+)"', page))
    return page


@needs_chromium
def test_session_report_in_chromium(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "session.html"
    page = report(history, out, "--session", "1")
    dom = open_in_chromium(out, tmp_path)
    images = int(re.search(r'data-images="(\d+)"', dom).group(1))  # type: ignore[union-attr]
    decoded = int(re.search(r'data-decoded="(\d+)"', dom).group(1))  # type: ignore[union-attr]
    # The bands chart and one chart over time per watched angle (phone profile: CVA and neck flexion).
    assert images == 3 and decoded == images
    assert "Posture report: pat-01" in dom and "Angles over time" in dom and "What is stored" in dom
    assert dom.count("<table") >= 4
    assert "head bent down (phone posture)" in page
    assert re.search(r"<td[^>]*>0:47</td><td>head bent down", page)  # the alert, at its time into the video

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    chromium("--window-size=1000,1400", f"--screenshot={shot}", out.as_uri())
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
    for colour in ((0x56, 0xB4, 0xE9), (0xD5, 0x5E, 0x00)):  # good and bad bars: the plots are drawn
        assert (np.abs(pixels - colour).sum(axis=1) < 30).sum() > 2000, colour

    pdf = tmp_path / "session.pdf"
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", out.as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in boxes)  # A4


@needs_chromium
def test_progress_and_trend_reports_in_chromium(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "compare.html"
    report(history, out, "--compare", "5", "1")  # session 5 is four days before session 1
    dom = open_in_chromium(out, tmp_path)
    assert "Before and after" in dom
    row = re.search(r"head bent down \(phone posture\): good posture</td><td[^>]*>(\d+)%</td><td[^>]*>(\d+)%</td>"
                    r"<td[^>]*>([+-]\d+)</td>", dom)
    assert row is not None
    before, after, change = map(int, row.groups())
    assert after > before and change == after - before

    out = tmp_path / "week.html"
    report(history, out, "--days", "7")
    dom = open_in_chromium(out, tmp_path)
    assert "Day by day" in dom and "daily trend" in dom
    days = re.findall(r"<tr><td[^>]*>(\d{4}-\d\d-\d\d)</td>", dom)
    assert len(days) == 5 and days == sorted(days)
    assert 'data-decoded="' in dom and re.search(r'data-images="(\d+)" data-decoded="\1"', dom)


def test_report_in_dutch_and_clear_errors(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "nl.html"
    assert main(["report", "--lang", "nl", "--data-dir", str(history), "--person", "pat-01", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert '<html lang="nl">' in page and "Houdingsrapport: pat-01" in page and "Wat er bewaard is" in page
    capsys.readouterr()
    assert main(["report", "--data-dir", str(history), "--person", "nobody", "--out", str(out)]) == 2
    assert main(["report", "--data-dir", str(history), "--compare", "1", "99", "--person", "pat-01"]) == 2
    assert main(["report", "--data-dir", str(tmp_path / "empty"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nothing recorded for nobody" in err and "no session 99" in err and "no history yet" in err
    assert "Traceback" not in err


@needs_chromium
def test_a_day_report_puts_the_sessions_on_one_clock(history: Path, tmp_path: Path) -> None:
    """An office worker's day: two sessions of the same day in one picture per angle."""
    import datetime as dt

    data = tmp_path / "data"
    shutil.copytree(history, data)
    conn = sqlite3.connect(data / "history.sqlite3", isolation_level=None)
    start = conn.execute("SELECT start FROM sessions WHERE id = 1").fetchone()[0]
    day = dt.datetime.fromtimestamp(start).date()
    shift = -600 if dt.datetime.fromtimestamp(start - 600).date() == day else 600  # same day either way
    cols = "person_id, start, end, end_reason, profile, view, source, model, app_version, calibration_id"
    sid = conn.execute(f"INSERT INTO sessions ({cols}) SELECT person_id, start + {shift}, end + {shift}, "
                       f"end_reason, profile, view, source, model, app_version, calibration_id FROM sessions "
                       f"WHERE id = 1").lastrowid
    _copy_rows(conn, 1, sid, 0)
    # Recorded from a camera (a video analysed is drawn on its own time: see the next test).
    conn.execute("UPDATE sessions SET source = 'camera'")
    conn.close()
    out = tmp_path / "day.html"
    page = report(data, out, "--from", day.isoformat(), "--to", day.isoformat())
    assert "Your day" in page and "All sessions together" not in page
    assert len(re.findall(r"<tr><td[^>]*>\d{4}-\d\d-\d\d</td><td[^>]*>2</td>", page)) == 1  # one day, two sessions
    dom = open_in_chromium(out, tmp_path)
    # The bands chart and one picture per watched angle (CVA, neck flexion), all decoded.
    assert re.search(r'data-images="3" data-decoded="3"', dom)


def test_an_analysed_video_is_placed_at_its_analysis_and_drawn_on_its_own_time(
        recorded_history: tuple[Path, Path], tmp_path: Path) -> None:
    """The 96 s phone clip, analysed in a few seconds: the session starts and ends within the analysis
    (never in the future), lasts the footage's 96 s, and its report reads times into the video."""
    import datetime as dt
    import time

    before = time.time()
    code, _log = run_phone_clip(tmp_path)
    after = time.time()
    assert code == 0
    conn = sqlite3.connect(tmp_path / "data" / "history.sqlite3")
    start, end, source = conn.execute("SELECT start, end, source FROM sessions").fetchone()
    conn.close()
    assert source == "file" and before <= start <= end <= after
    r = run_cli("history", "--data-dir", str(tmp_path / "data"))
    assert re.search(r"1\s+pat-01\s+\S+ \S+\s+1 min 36 s\s", r.stdout), r.stdout
    page = report(tmp_path / "data", tmp_path / "video.html")
    assert "(an analysed video: its times are into the video)" in page and "(video analysed)" in page
    assert "Alerts per clock hour" not in page
    # The alert is at its place in the video (about 1:10 in), not at a time of day.
    alert_time = re.search(r"<tr><td[^>]*>(\d+:\d\d)</td><td[^>]*>head bent down", page)
    assert alert_time is not None and alert_time.group(1) != dt.datetime.fromtimestamp(start).strftime("%H:%M")
