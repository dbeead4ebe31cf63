"""The exercise coach against the truth of the rendered exercise clips (section ``exercises`` of
``python -m benchmarks accuracy``).

Each clip (``clips/exercise_front_low`` and ``exercise_side``: upright 10 s, 5 chin tucks, upright,
5 shoulder-blade squeezes, 2 nods, upright; every repetition 2 s in, 3 s held, 2 s out, 2 s rest) goes
through the real pipeline twice: as filmed, and mirrored (the camera on the body's other side, which
the landmark model sees differently: a check on a camera placement the targets were not read off). A
coach for the chin tuck and one for the squeeze listen, each asked for 50 repetitions of a 3 s hold so
that it watches the whole clip. Each attempt belongs to the repetition of the truth it overlaps most
(from its way in to the end of its way out); one that overlaps none happened while the body was
upright or resting. A repetition counts once if any of its attempts counted; a second counted attempt
on it is counted twice.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import statistics
from pathlib import Path
from typing import Any

import numpy as np

from posture.config import load_settings
from posture.exercise.catalogue import EXERCISE
from posture.exercise.coach import Coach, SetPlan, SetResult
from posture.exercise.counter import WRONG_MOVEMENT, Attempt
from posture.live.app import App
from posture.sources import open_source
from posture.types import Frame

CLIPS = ("exercise_front_low", "exercise_side")
WATCHED = {"chin_tuck": "tuck", "shoulder_squeeze": "squeeze"}
HOLD_S = 3.0


def truth_reps(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Each repetition of the truth: its kind, number, way in, hold and way out (seconds)."""
    reps: dict[tuple[str, int], dict[str, Any]] = {}
    for r in rows:
        m = re.fullmatch(r"(tuck|squeeze|nod)_(\d+)_(in|hold|out)", r["segment"])
        if not m:
            continue
        rep = reps.setdefault((m.group(1), int(m.group(2))), {"kind": m.group(1), "n": int(m.group(2))})
        t = float(r["t_s"])
        phase = rep.setdefault(m.group(3), [t, t])
        phase[1] = t
        rep.setdefault("rows", []).append(r)
    out = list(reps.values())
    for rep in out:
        rep["hold_s"] = rep["hold"][1] - rep["hold"][0] + 0.1
        rep["window"] = (rep["in"][0], rep["out"][1] + 0.1)
    return sorted(out, key=lambda rep: rep["in"][0])


class Mirrored:
    """A source whose frames are flipped left to right (the camera on the body's other side)."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.live, self.total, self.description = source.live, source.total, source.description + " (mirrored)"

    def read(self) -> Any:
        item = self.source.read()
        if isinstance(item, Frame):
            item = dataclasses.replace(item, image=np.ascontiguousarray(item.image[:, ::-1]))
        return item

    def set_max_fps(self, fps: float | None) -> None:
        self.source.set_max_fps(fps)

    def close(self) -> None:
        self.source.close()


def run_clip(path: Path, model: str, mirrored: bool = False) -> dict[str, list[Attempt]]:
    """The attempts each coach saw in one clip."""
    from posture.cli.run import open_models

    settings = load_settings(None, {"source": str(path), "model": model})
    models = open_models(settings)
    attempts: dict[str, list[Attempt]] = {ex: [] for ex in WATCHED}

    def collect(result: SetResult, attempt: Attempt, number: int) -> None:
        attempts[result.exercise].append(attempt)

    try:
        coaches = [Coach([SetPlan(EXERCISE[ex], 50, HOLD_S)], view=None, say=lambda cue, transient=False: None,
                         attempt_done=collect, set_done=lambda result: None, finished=lambda: None)
                   for ex in WATCHED]
        source = open_source(str(path))
        App(Mirrored(source) if mirrored else source, models.pipeline(settings, None), coaches, check_view=False).run()
    finally:
        models.close()
    return attempts


def _start_value(rows: list[dict[str, str]], column: str) -> float:
    """The truth's value in the coach's start position (its first 3 s)."""
    return statistics.median(float(r[column]) for r in rows if float(r["t_s"]) < 3.0 and r[column])


def section_exercises(root: Path, model: str, rep: Any) -> None:
    rep.add("## Exercise coach (rendered exercise clips)", "", (__doc__ or "").split("\n\n", 1)[1].strip(), "")
    summary_rows = []
    detail_rows = []
    for clip, mirrored in ((clip, mirrored) for clip in CLIPS for mirrored in (False, True)):
        path = root / "clips" / f"{clip}.mp4"
        rows = list(csv.DictReader(open(path.with_suffix(".csv"), encoding="utf-8")))
        reps = truth_reps(rows)
        seen = run_clip(path, model, mirrored)
        view = "front" if "front" in clip else "side"
        shown = view + (", mirrored" if mirrored else "")
        for exercise, kind in WATCHED.items():
            matched: dict[int, list[Attempt]] = {}
            loose: list[Attempt] = []
            for a in seen[exercise]:
                overlaps = [(min(a.end, r["window"][1]) - max(a.start, r["window"][0]), i) for i, r in enumerate(reps)]
                overlap, i = max(overlaps)
                if overlap > 0:
                    matched.setdefault(i, []).append(a)
                else:
                    loose.append(a)
            verdict = {i: next((a for a in tries if a.counted), tries[-1]) for i, tries in matched.items()}
            twice = sum(max(0, sum(a.counted for a in tries) - 1) for tries in matched.values())
            mine = [i for i, r in enumerate(reps) if r["kind"] == kind]
            counted = [i for i in mine if i in verdict and verdict[i].counted]
            nods = [i for i, r in enumerate(reps) if r["kind"] == "nod"]
            nods_rejected = sum(1 for i in nods if i in verdict and verdict[i].why == WRONG_MOVEMENT)
            nods_counted = sum(1 for i in nods if i in verdict and verdict[i].counted)
            other = [i for i, r in enumerate(reps) if r["kind"] not in (kind, "nod") and i in verdict]
            holds = [verdict[i].hold_s - reps[i]["hold_s"] for i in mine if i in verdict]
            column = "fhd_cm" if kind == "tuck" else "sh_protraction_cm"
            start = _start_value(rows, column)
            truths = {i: -(statistics.median(float(r[column]) for r in reps[i]["rows"] if r["segment"].endswith("_hold"))
                           - start) for i in mine}
            unit = EXERCISE[exercise].measures[view].unit
            range_errors = [verdict[i].range - truths[i] for i in mine if i in verdict] if unit == "cm" else []
            summary_rows.append([
                EXERCISE[exercise].name, shown, f"{len(counted)} / {len(mine)}",
                f"{sum(a.counted for a in loose) + twice} ({len(loose)} attempts outside)",
                f"{len(other)} ({sum(verdict[i].counted for i in other)} counted)",
                f"{nods_rejected} / {len(nods)} ({nods_counted} counted)" if kind == "tuck" else "-",
                f"{statistics.mean(abs(h) for h in holds):.2f} / {max(abs(h) for h in holds):.2f}" if holds else "-",
                f"{statistics.mean(abs(e) for e in range_errors):.2f} / {max(abs(e) for e in range_errors):.2f}"
                if range_errors else "-"])
            for i in mine:
                a = verdict.get(i)
                detail_rows.append([EXERCISE[exercise].name, shown, reps[i]["n"],
                                    "-" if a is None else ("counted" if a.counted else a.why),
                                    "-" if a is None else f"{a.hold_s:.2f}", f"{reps[i]['hold_s']:.1f}",
                                    "-" if a is None else f"{a.range:.2f} {unit}", f"{truths[i]:.2f} cm"])
            rep.figures[f"exercise_{exercise}_{view}" + ("_mirrored" if mirrored else "")] = {
                "counted": len(counted), "of": len(mine), "loose_counted": sum(a.counted for a in loose) + twice,
                "holds_error": holds, "range_errors": range_errors}
    rep.table(["exercise", "view", "reps counted / truth", "counted outside a rep or twice",
               "attempts during the other exercise", "nods rejected (as wrong movements)",
               "hold error mean / max (s)", "range error mean / max (cm)"], summary_rows)
    rep.add("Per repetition (the truth's hold is its `_hold` segment; its range the median true displacement "
            "during the hold, from the start position: the head's backward move for the tuck, the shoulder's "
            "for the squeeze, in cm, whatever unit the view measures in):", "")
    rep.table(["exercise", "view", "rep", "verdict", "hold (s)", "true hold (s)", "range", "true range"], detail_rows)
