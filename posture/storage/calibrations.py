"""Where calibrations are kept: one JSON file per profile and pose model, per person."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Collection

from ..errors import CalibrationError
from ..i18n import _
from ..types import Baseline


def person_folder(person: str) -> str:
    """A named person's folder name, one per name: a plain lower-case name as it is ("pat-07"), any
    other with a short hash of it ("pat_07-1c2e4f6a" for "pat 07", "Anna-…" for "Anna"), so that two
    names never share a folder, also where the file system ignores case."""
    plain = _plain(person)
    if plain == person and person == person.lower():
        return plain
    return f"{plain}-{hashlib.sha1(person.encode('utf-8')).hexdigest()[:8]}"


def _plain(person: str) -> str:
    """The name with everything but letters, digits, '.', '-' and '_' replaced (the folder name before
    version 0.1.1, which two names could share)."""
    return re.sub(r"[^\w.-]+", "_", person).strip("._") or "_"


def person_files(data_dir: Path, person: str, in_use: Collection[str] = ()) -> list[Path]:
    """The folders that hold a named person's files (calibrations and snapshots), leaving out any that
    also belongs to one of the names ``in_use``."""
    taken = {f for name in in_use for f in (person_folder(name), _plain(name))}
    names = [n for n in dict.fromkeys((person_folder(person), _plain(person))) if n not in taken]
    return [data_dir / kind / n for kind in ("calibrations/people", "snapshots") for n in names]


def model_key(model: str) -> str:
    """The pose model a calibration belongs to: "full", "lite" or a bundle's own name. The models
    read some angles differently (the lite model puts a side view's neck about 7 deg further back on
    the rendered clips), so each keeps its own calibration."""
    stem = Path(model).name.removesuffix(".task")
    return stem.removeprefix("pose_landmarker_") or "full"  # not recorded: the default model


def baseline_path(data_dir: Path, profile: str, person: str | None = None, model: str = "full") -> Path:
    """Where a profile's calibration is kept: per named person (a therapist's patients each have
    their own), else the user's own; the full model's as ``desk.json``, another model's beside it
    (``desk.lite.json``)."""
    folder = data_dir / "calibrations"
    if person:
        folder = folder / "people" / person_folder(person)
    key = model_key(model)
    return folder / (f"{profile}.json" if key == "full" else f"{profile}.{key}.json")


def save_baseline(data_dir: Path, baseline: Baseline, person: str | None = None) -> Path:
    """Store a baseline (atomically: a crash never leaves half a file). Returns the path."""
    path = baseline_path(data_dir, baseline.profile, person, baseline.model)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(baseline.to_json(), fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise CalibrationError(_("cannot store the calibration in {folder}: {problem}").format(
            folder=path.parent, problem=exc.strerror or exc)) from None
    return path


def load_baseline(data_dir: Path, profile: str, person: str | None = None, model: str = "full") -> Baseline | None:
    """The stored baseline of a (person's) profile for this pose model; without one, the one made with
    the other model (its ``model`` says so: the caller tells the user); None if there is none."""
    for name in dict.fromkeys((model, "lite" if model_key(model) == "full" else "full")):
        paths = [baseline_path(data_dir, profile, person, name)]
        if person and _plain(person) != person_folder(person):  # kept by an earlier version
            paths.append(paths[0].parent.parent / _plain(person) / paths[0].name)
        for path in paths:
            baseline = _read_baseline(path)
            if baseline is not None:
                return baseline
    return None


def _read_baseline(path: Path) -> Baseline | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CalibrationError(_("cannot read the calibration {path}: {problem}").format(
            path=path, problem=exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise CalibrationError(_("the stored calibration {path} is damaged: calibrate again").format(
            path=path)) from None
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except (ValueError, RecursionError):  # not JSON (json's errors are ValueErrors), nested without end
        raise CalibrationError(_("the stored calibration {path} is damaged: calibrate again").format(
            path=path)) from None
    return Baseline.from_json(data)
