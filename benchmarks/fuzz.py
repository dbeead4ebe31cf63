"""Fuzzing the command line: bad flags, settings, TOML files, media files, folders and history rows,
each run through ``run_monitor.py`` and sorted by how the program ended.

    python -m benchmarks.fuzz [--cases 2000] [--seed 1] [--jobs 2] [--timeout 60] [--show 8]

The goal (the hardening issue): no traceback and no hang on any bad input; every bad input ends as
one clear line on stderr and exit code 2, or the run carries on with a clear note where only the
history is damaged. Each case ends as one of:

- ``clean``: exit 0, or exit 2 with exactly one ``posture-monitor: error:`` line, the last one;
- ``traceback``: a Python traceback on stdout or stderr (also one from a thread);
- ``hang``: still running at the timeout (the process group is killed);
- ``long-echo``: a line of stderr longer than 400 characters (a huge value echoed back), counted
  with the case's folder written as ``@TMP@``;
- ``other``: anything else: exit 1, a signal, exit 2 without the error line or over several lines;
- ``harness``: the case could not be set up (a fault of this script, not of the app).

``generate(seed, n)`` makes the same cases for the same seed. Most end while the flags and
settings are read; a few dozen in a thousand load the pose model (a single photo, or the short
phone clip at a quarter of an analysis a second). Cases with history rows copy one real history,
recorded once per run from the phone clip, and damage it with SQL. Every file a case writes goes to
its own temporary folder; the subprocess runs from the project folder with ``POSTURE_DATA_DIR`` and
``XDG_DATA_HOME`` in that folder, no display and English messages, its address space capped at 4 GB
(so that reading ``/dev/zero`` ends in a MemoryError instead of taking the machine's memory).

tests/test_fuzz.py runs 300 of these cases; the parsing-only ones run inside the test process
(``run_in_process``), the rest in subprocesses.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import io
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from functools import lru_cache
from typing import Callable, Iterator, Mapping, Sequence

ROOT = Path(__file__).resolve().parent.parent
RUN_MONITOR = ROOT / "run_monitor.py"
CLIP = ROOT / "tests" / "data" / "clips" / "phone_front_low.mp4"
IMAGES = ROOT / "tests" / "data" / "front_webcam" / "images"
LITE_MODEL = ROOT / "models" / "pose_landmarker_lite.task"
FACE_MODEL = ROOT / "models" / "face_landmarker.task"

TMP = "@TMP@"  # in a case's argv, env and files: its own temporary folder
BIG = "@BIG@"  # in a text file: ``unit`` repeated ``size`` times
OUTCOMES = ("clean", "traceback", "hang", "long-echo", "other", "harness")
FAILURES = ("traceback", "hang", "long-echo", "other", "harness")
TRACEBACK = "Traceback (most recent call last)"
ERROR_PREFIXES = ("posture-monitor: error:", "posture-monitor: fout:")  # en, nl
MAX_LINE = 400
MEMORY_LIMIT = 4 << 30  # bytes of address space for each run (the pose models need about 2 GB)
BASE_DIR = "_base"  # beside the cases' folders: the history every history case copies
_NOT_PASSED = ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "LANGUAGE", "LC_ALL", "LC_MESSAGES",
               "LANG", "POSTURE_DATA_DIR", "XDG_DATA_HOME")


# -- cases -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileSpec:
    """A file or folder a case makes in its temporary folder before the run.

    ``kind``:
        text: ``data`` (str) written as UTF-8, with ``@BIG@`` replaced by ``unit * size``;
        bytes: ``data`` (bytes);
        dir, fifo: an empty folder, a named pipe nobody writes to;
        symlink: a link to ``data``;
        copy: the first ``size`` bytes (-1: all) of the file ``data``;
        truncate: the existing file cut to ``size`` bytes;
        garble: the existing file with the byte ranges ``ranges`` overwritten;
        history: a copy of the run's recorded data folder, then each SQL script of ``sql`` run on its
            database, each in a connection of its own (so a schema edited by one is read by the next).
    Whatever already exists at ``path`` is replaced (``truncate`` and ``garble`` change it).
    """

    path: str
    kind: str
    data: str | bytes = ""
    unit: str = ""
    size: int = -1
    ranges: tuple[tuple[int, int], ...] = ()
    sql: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    """One run of the command line.

    Attributes:
        name: what is bad about it, short.
        kind: the family (flag, set, config, source, model, select, history-rows, data-dir, run).
        argv: the arguments after ``run_monitor.py``; ``@TMP@`` stands for the case's folder.
        files: what to make in that folder first, in order.
        env: variables to set (a value of None removes one), after the defaults.
        in_process: safe to run inside the caller (ends while reading flags, settings or the history:
            no pose model, no named pipe or endless file, no native code that might hang or crash).
        loads_model: the run is expected to load the pose model (a few seconds).
    """

    name: str
    kind: str
    argv: tuple[str, ...]
    files: tuple[FileSpec, ...] = ()
    env: tuple[tuple[str, str | None], ...] = ()
    in_process: bool = True
    loads_model: bool = False

    @property
    def needs_history(self) -> bool:
        return any(f.kind == "history" for f in self.files)


@dataclass(frozen=True)
class Outcome:
    """How a case ended."""

    case: Case
    outcome: str
    code: int | None  # exit code; negative: killed by that signal; None: hung
    seconds: float
    reason: str = ""  # for anything but clean: why
    tail: str = ""  # the end of stderr (and stdout after a traceback there)
    signature: str = ""  # a traceback's exception and last frame: "ValueError at posture/x.py:12 (f)"

    @property
    def failed(self) -> bool:
        return self.outcome in FAILURES


# -- values ----------------------------------------------------------------------------------------

def _numbers() -> list[str]:
    """Bad numbers as a user might type them (and some no user would)."""
    return ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e-400", "9" * 400,
            "-" + "9" * 400, "", " ", "²", "١٢", "٣.٥", "𝟓", "Ⅷ", "0x1A", "1_000", "1,5", "5s", "abc", "true",
            "[1]", "-1", "0", "-0.0", "1e308", "\t", "\x01\x02", "\x1b[31m5", "\u202e9", "5" * 100_000,
            "0." + "0" * 300 + "1", "1e", ".", "--", "0b1"]


TOML_VALUES = ["nan", "+nan", "-nan", "inf", "-inf", "1e400", "-1e400", "9" * 400, "-" + "9" * 400,
               "0x7fffffffffffffffff", "1_000_000_000_000_000_000_000", "[1, 2]", "[]", "{ a = 1 }", "{}", '"5"',
               "'x'", "true", "false", "1979-05-27", "1979-05-27T07:32:00Z", "07:32:00", "0b101", "0o17", '"""x"""',
               '""', "-0.0", "1e-400", "[[[]]]", '"\\u0000"']
TOML_BROKEN = ['"unterminated', "'''", "[1,", "{a=", "1.2.3", "²", "=", "\\", "0xZZ", "1e400e4"]
BOOL_VALUES = ["yes", "no", "1", "0", "TRUE", '"true"', "nan", "", "[true]", "on", "2", "-1"]
CHOICE_VALUES = ["x" * 100_000, "", " ", "DESK", "desk ", "[]", "{}", "1", "nan", "é" * 50, "de\\u0073k", "\x1b[2J",
                 "../desk", "desk\\n"]
TEXT_VALUES = ["", " ", "x" * 100_000, "/", "/dev/null", "..", "~", "~nosuchuser9/x", "[1,2]", "{a=1}", "1e400",
               "nan", "true", "\x01", "%s%n", "{0}{}", "a\\nb"]
BAD_KEYS = ["", " ", ".", "..", "a..b", ".fps", "fps.", "FPS", "ﬁps", "__class__", "__dict__", "rules.get",
            "rules", "alerts", "rules.slump", "rules.nosuch.enabled", "pose.num_poses.x", "source.x",
            "alerts.alert_after_s.deeper.still", "rules." + "a." * 3000 + "b", "x" * 100_000, "é", "fps\\t",
            "calibration", "notify.banner.x"]


Fields = Sequence[tuple[str, str, dict[str, object]]]  # (key, type, metadata) of every setting


def setting_fields() -> list[tuple[str, str, dict[str, object]]]:
    """Every setting: (key, type, metadata with lo, hi, choices), read from posture/config.py."""
    from posture.config import Settings

    fields: list[tuple[str, str, dict[str, object]]] = []

    def walk(cls: type, obj: object, prefix: str) -> None:
        for f in dataclasses.fields(cls):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                walk(type(value), value, prefix + f.name + ".")
            else:
                fields.append((prefix + f.name, str(f.type), dict(f.metadata)))

    walk(Settings, Settings(), "")
    return fields


def _kind_of(ftype: str) -> str:
    for kind in ("bool", "int", "float", "str"):
        if ftype.startswith(kind):
            return kind
    return "other"


def _edges(meta: Mapping[str, object]) -> list[str]:
    """Values just outside (and on) a numeric setting's range."""
    lo, hi = meta.get("lo"), meta.get("hi")
    out = []
    if isinstance(lo, (int, float)):
        out += [repr(lo - 1e-9), repr(lo - 1), repr(float(lo))]
    if isinstance(hi, (int, float)):
        out += [repr(hi + 1e-9), repr(hi * 10 + 1), repr(float(hi))]
    return out


def _bad_value(rng: random.Random, ftype: str, meta: Mapping[str, object], *, toml: bool) -> str:
    """A wrong value for a setting of this type, for --set (any text) or a TOML file (valid TOML)."""
    kind = _kind_of(ftype)
    if kind in ("int", "float"):
        pool = TOML_VALUES + _edges(meta) + ([] if toml else _numbers())
    elif kind == "bool":
        pool = TOML_VALUES + ([] if toml else BOOL_VALUES)
    elif meta.get("choices"):
        pool = TOML_VALUES + ([f'"{v}"' for v in CHOICE_VALUES if '"' not in v] if toml else CHOICE_VALUES)
    else:
        pool = TOML_VALUES + ([] if toml else TEXT_VALUES)
    if not toml and rng.random() < 0.1:
        pool = TOML_BROKEN
    return rng.choice(pool)


def _short(text: str, limit: int = 40) -> str:
    """A value for a case's name or a report: long ones summarised."""
    if len(text) <= limit:
        return repr(text)
    return f"<{len(text)} chars: {text[:12]!r}...>"


# -- the case families -----------------------------------------------------------------------------

def _missing_source() -> list[str]:
    """Ends every parsing case before any camera, video or model: the settings are read first."""
    return ["--source", f"{TMP}/missing.mp4", "--no-window"]


def _maybe_dutch(rng: random.Random, argv: list[str]) -> list[str]:
    return argv + ["--lang", "nl"] if rng.random() < 0.15 else argv


def flag_case(rng: random.Random) -> Case:
    """A numeric flag with a bad value (``--fps nan``, ``--alert-after=1e400``)."""
    flag = rng.choice(["--fps", "--alert-after", "--sequence-fps", "--fps", "--alert-after"])
    value = rng.choice(_numbers() + [repr(rng.uniform(-1e6, 1e6)), f"1e{rng.randint(-500, 500)}"])
    form = [f"{flag}={value}"] if rng.random() < 0.5 or value.startswith("-") else [flag, value]
    argv = _maybe_dutch(rng, form + _missing_source())
    return Case(f"{flag} {_short(value)}", "flag", tuple(argv))


def usage_case(rng: random.Random) -> Case:
    """Argument mistakes: bad choices, missing values, unknown flags, odd subcommand flags."""
    value = rng.choice(CHOICE_VALUES)
    options = [
        ["--profile", value], ["--view", value], ["--snooze", value], ["--lang", value], ["--fps"],
        ["--nosuch-flag"], ["--set"], ["--set", "noequals"], ["--set", "=5"], ["--set", value],
        ["--config"], [value], ["report", "--bogus"], ["history", "--export-csv"], ["report", "--compare", "1"],
        ["history", "--delete", "--export-json", f"{TMP}/x.json"], ["--fps", "1", "--fps", value],
        ["--set", "fps=1", "--set", "fps=" + value], ["report", value],
        ["history", "--days", "1", "--from", "2024-01-01"],
        ["--" + "x" * 5000], ["--profile=" + value], ["report", "--session", "1", "--days", "2"],
    ]
    argv = rng.choice(options)
    if argv[0] == "report":
        argv = argv + ["--out", f"{TMP}/r.html", "--data-dir", f"{TMP}/data"]
    elif argv[0] == "history":
        argv = argv + ["--data-dir", f"{TMP}/data"]
    else:
        argv = _maybe_dutch(rng, argv + _missing_source())
    return Case(f"usage {_short(' '.join(argv), 60)}", "flag", tuple(argv))


def set_case(rng: random.Random, fields: Fields) -> Case:
    """One to three ``--set KEY=VALUE`` with a bad value, or a bad key."""
    sets = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        if rng.random() < 0.15:
            key, value = rng.choice(BAD_KEYS), rng.choice(["1", "true", '"x"', "nan", "{}"])
        else:
            key, ftype, meta = rng.choice([f for f in fields if f[0] != "source"])
            value = _bad_value(rng, ftype, meta, toml=False)
        sets += ["--set", f"{key}={value}"]
    argv = _maybe_dutch(rng, sets + _missing_source())
    return Case("set " + " ".join(_short(s, 50) for s in sets[1::2]), "set", tuple(argv))


def _config_texts(rng: random.Random, fields: Fields) -> list[tuple[str, FileSpec, bool]]:
    """TOML files that are wrong: (name, file, safe to read in-process)."""
    key, ftype, meta = rng.choice(fields)
    value = _bad_value(rng, ftype, meta, toml=True)
    depth = rng.choice([100, 1000, 5000, 100_000])
    table = rng.choice(["alerts", "rules", "pose", "rules.slump", "background_mode"])

    def text(data: str, unit: str = "", size: int = -1) -> FileSpec:
        return FileSpec("c.toml", "text", data, unit, size)

    return [
        (f"toml {key} = {_short(value)}", text(f"{key} = {value}\n"), True),
        (f"toml [{table}] = {_short(value)}", text(f"{table} = {value}\n"), True),
        (f"toml invalid {_short(b := rng.choice(TOML_BROKEN))}", text(f"fps = {b}\n"), True),
        ("toml duplicate key", text("fps = 1\nfps = 2\n"), True),
        ("toml duplicate table", text("[alerts]\nglance_s = 1\n[alerts]\nglance_s = 2\n"), True),
        ("toml array of tables", text(f"[[{table}]]\nx = 1\n"), True),
        (f"toml nested '[' x {depth}", text(f"a = {BIG}", "[", depth), depth <= 1000),
        (f"toml nested inline tables x {depth}", text(f"a = {BIG}", "{b = ", depth), depth <= 1000),
        (f"toml dotted key x {depth}", text(f"a{BIG} = 1", ".a", depth), depth <= 1000),
        (f"toml table header x {depth}", text(f"[a{BIG}]", ".a", depth), depth <= 1000),
        (f"toml {key} = 10**400", text(f"{key} = 1{'0' * 400}\n"), True),
        ("toml 1 MB choice value", text(f'profile = "{BIG}"\n', "x", 1_000_000), True),
        ("toml 1 MB text value", text(f'person = "{BIG}"\n', "x", 1_000_000), True),
        ("toml 1 MB key", text(f"{BIG} = 1\n", "k", 1_000_000), True),
        ("toml 1 MB comment", text(f"#{BIG}\nfps = nan\n", "#", 1_000_000), True),
        ("toml invalid UTF-8", FileSpec("c.toml", "bytes", b"fps = 1\nperson = \"\xff\xfe\xc3\"\n"), True),
        ("toml UTF-16", FileSpec("c.toml", "bytes", "fps = 5\n".encode("utf-16")), True),
        ("toml UTF-8 BOM", FileSpec("c.toml", "bytes", b"\xef\xbb\xbffps = 5\n"), True),
        ("toml NUL bytes", FileSpec("c.toml", "bytes", b"fps = 5\x00\x00\n"), True),
        ("toml control chars", text("person = \"a\x01\x1b[2Jb\"\nfps = nan\n"), True),
        ("toml random bytes", FileSpec("c.toml", "bytes", rng.randbytes(rng.choice([10, 1000, 100_000]))), True),
        ("toml profile as table", text("[profile]\nname = 'desk'\n"), True),
        ("toml lang wrong type", text("lang = 5\n"), True),
        ("toml data_dir ~user", text("data_dir = '~nosuchuser9/data'\n"), True),
    ]


def config_case(rng: random.Random, fields: Fields) -> Case:
    """``--config`` with a bad TOML file, or a path that is not a plain file."""
    if rng.random() < 0.75:
        name, spec, safe = rng.choice(_config_texts(rng, fields))
        return Case(name, "config", tuple(["--config", f"{TMP}/c.toml"] + _missing_source()), (spec,), in_process=safe)
    name, path, files, safe = rng.choice([
        ("config is a folder", f"{TMP}/d", (FileSpec("d", "dir"),), True),
        ("config /dev/zero", "/dev/zero", (), False),
        ("config /dev/urandom", "/dev/urandom", (), False),
        ("config /dev/null", "/dev/null", (), True),
        ("config a named pipe", f"{TMP}/pipe.toml", (FileSpec("pipe.toml", "fifo"),), False),
        ("config 50 MB", f"{TMP}/big.toml", (FileSpec("big.toml", "text", f"#{BIG}\n", "#", 50 << 20),), False),
        ("config 50 MB no newline", f"{TMP}/big.toml", (FileSpec("big.toml", "text", f"fps = {BIG}", "9", 50 << 20),),
         False),
        ("config symlink loop", f"{TMP}/loop.toml", (FileSpec("loop.toml", "symlink", "loop.toml"),), True),
        ("config missing", f"{TMP}/nope/c.toml", (), True),
        ("config name too long", f"{TMP}/{'c' * 300}.toml", (), True),
        ("config path too long", f"{TMP}/" + "d/" * 3000 + "c.toml", (), True),
        ("config is the video", str(CLIP), (), True),
        ("config /proc/self/mem", "/proc/self/mem", (), False),
        ("config a dangling link", f"{TMP}/dangle.toml", (FileSpec("dangle.toml", "symlink", "nowhere"),), True),
    ])
    return Case(name, "config", tuple(["--config", path] + _missing_source()), files, in_process=safe)


def _clip_prefix(size: int, name: str = "v.mp4") -> FileSpec:
    return FileSpec(name, "copy", str(CLIP), size=size)


def _garbled_clip(rng: random.Random) -> tuple[FileSpec, ...]:
    """The phone clip with a few stretches of its frames overwritten (its index, at the end, intact)."""
    size = CLIP.stat().st_size
    ranges = tuple(sorted((rng.randrange(48, size - 6000), rng.choice([16, 512, 65536]))
                          for _ in range(rng.randint(1, 6))))
    return _clip_prefix(-1), FileSpec("v.mp4", "garble", ranges=ranges)


@lru_cache(maxsize=1)
def _image_names() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in IMAGES.glob("*.jpg"))[:20])


def _an_image(rng: random.Random) -> Path:
    """One of the first 20 front-webcam photos of tests/data."""
    return IMAGES / rng.choice(_image_names())


def source_case(rng: random.Random) -> Case:
    """``--source`` with something that is not a camera, video or photo the app can use."""
    png = b"\x89PNG\r\n\x1a\n"
    ihdr_huge = png + b"\x00\x00\x00\rIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x02\x00\x00\x00\x00\x00\x00\x00"
    image = _an_image(rng)
    # (name, source, files, in_process, loads_model)
    options: list[tuple[str, str, tuple[FileSpec, ...], bool, bool]] = [
        ("source superscript two", "²", (), True, False),
        ("source Arabic-Indic digits", "١٢", (), True, False),
        ("source 20 digits", "9" * 20, (), True, False),
        ("source 300 digits", "1" * 300, (), True, False),
        ("source -1", "-1", (), True, False),
        ("source ' 0'", " 0", (), True, False),
        ("source 1e3", "1e3", (), True, False),
        ("source /dev/video99", "/dev/video99", (), True, False),
        ("source /dev/videoX", "/dev/videoX", (), True, False),
        ("source /dev/null", "/dev/null", (), False, False),
        ("source /dev/zero", "/dev/zero", (), False, False),
        ("source /dev/urandom", "/dev/urandom", (), False, False),
        ("source /proc/self/status", "/proc/self/status", (), False, False),
        ("source /", "/", (), True, False),
        ("source empty", "", (), True, False),
        ("source missing file", f"{TMP}/missing.mp4", (), True, False),
        ("source missing folder", f"{TMP}/missing/", (), True, False),
        ("source ~user", "~nosuchuser9/clip.mp4", (), True, False),
        ("source name too long", f"{TMP}/{'a' * 300}.mp4", (), True, False),
        ("source path too long", f"{TMP}/" + "d/" * 3000 + "x.mp4", (), True, False),
        ("source glob matching nothing", f"{TMP}/nothing*.png", (), True, False),
        ("source unbalanced glob", f"{TMP}/[.png", (), True, False),
        ("source recursive glob", f"{TMP}/**/*.jpg", (FileSpec("e", "dir"),), True, False),
        ("source empty folder", f"{TMP}/e", (FileSpec("e", "dir"),), True, False),
        ("source folder of corrupt images", f"{TMP}/e",
         (FileSpec("e", "dir"), FileSpec("e/a.png", "bytes", png + b"x" * 100),
          FileSpec("e/b.jpg", "text", "not a photo")),
         True, False),
        ("source folder with a folder named x.jpg", f"{TMP}/e", (FileSpec("e", "dir"), FileSpec("e/x.jpg", "dir")),
         True, False),
        ("source folder with a pipe named x.png", f"{TMP}/e", (FileSpec("e", "dir"), FileSpec("e/x.png", "fifo")),
         False, False),
        ("source folder with a link loop", f"{TMP}/e", (FileSpec("e", "dir"), FileSpec("e/l.jpg", "symlink", "l.jpg")),
         True, False),
        ("source one good photo and corrupt ones", f"{TMP}/e",
         (FileSpec("e", "dir"), FileSpec("e/a.jpg", "copy", str(image)), FileSpec("e/b.png", "bytes", png + b"\0" * 64),
          FileSpec("e/c.jpg", "bytes", b"\xff\xd8\xff" + rng.randbytes(2000))), False, True),
        ("source text file as .mp4", f"{TMP}/v.mp4", (FileSpec("v.mp4", "text", "hello\n" * 100),), True, False),
        ("source zero-byte .mp4", f"{TMP}/v.mp4", (FileSpec("v.mp4", "bytes", b""),), True, False),
        ("source .mp4 folder", f"{TMP}/v.mp4", (FileSpec("v.mp4", "dir"),), True, False),
        ("source .mp4 pipe", f"{TMP}/v.mp4", (FileSpec("v.mp4", "fifo"),), False, False),
        (f"source clip cut at {(n := rng.choice([8, 40, 1000, 100_000, 1_500_000]))} bytes", f"{TMP}/v.mp4",
         (_clip_prefix(n),), True, False),
        ("source clip with frames garbled", f"{TMP}/v.mp4", _garbled_clip(rng), False, True),
        ("source corrupt PNG", f"{TMP}/p.png", (FileSpec("p.png", "bytes", png + rng.randbytes(300)),), True, False),
        ("source PNG of 100000 x 100000", f"{TMP}/p.png", (FileSpec("p.png", "bytes", ihdr_huge),), True, False),
        ("source corrupt JPEG", f"{TMP}/p.jpg", (FileSpec("p.jpg", "bytes", b"\xff\xd8\xff\xe0" + rng.randbytes(500)),),
         True, False),
        ("source zero-byte PNG", f"{TMP}/p.png", (FileSpec("p.png", "bytes", b""),), True, False),
        ("source photo named .txt", f"{TMP}/p.txt", (FileSpec("p.txt", "copy", str(image)),), False, True),
        ("source the pose model", str(LITE_MODEL), (), True, False),
    ]
    name, source, files, in_process, loads = rng.choice(options)
    extra = rng.choice([[], [], ["--stills"], ["--calibrate"], ["--realtime"], ["--fps", "0.25"]])
    argv = ["--source", source, "--no-window", "--no-history", *extra]
    return Case(name + (" " + " ".join(extra) if extra else ""), "source", tuple(argv), files, in_process=in_process,
                loads_model=loads)


def model_case(rng: random.Random) -> Case:
    """``--model`` with a path that is not a pose model (the source a good photo, so the model is loaded)."""
    options: list[tuple[str, str, tuple[FileSpec, ...]]] = [
        ("model empty", "", ()), ("model space", " ", ()), ("model .", ".", ()), ("model /", "/", ()),
        ("model 5000 chars", "x" * 5000, ()), ("model name too long", f"{TMP}/{'m' * 300}.task", ()),
        ("model missing", f"{TMP}/missing.task", ()), ("model a folder", f"{TMP}/m.task", (FileSpec("m.task", "dir"),)),
        ("model zero bytes", f"{TMP}/m.task", (FileSpec("m.task", "bytes", b""),)),
        ("model text", f"{TMP}/m.task", (FileSpec("m.task", "text", "not a model\n"),)),
        ("model cut short", f"{TMP}/m.task",
         (FileSpec("m.task", "copy", str(LITE_MODEL), size=rng.choice([100, 10_000, 1_000_000])),)),
        ("model garbled", f"{TMP}/m.task",
         (FileSpec("m.task", "copy", str(LITE_MODEL)),
          FileSpec("m.task", "garble", ranges=((rng.randrange(1000, 5_000_000), 4096),)))),
        ("model a pipe", f"{TMP}/m.task", (FileSpec("m.task", "fifo"),)), ("model /dev/zero", "/dev/zero", ()),
        ("model /dev/null", "/dev/null", ()), ("model LITE", "LITE", ()), ("model 'lite '", "lite ", ()),
        ("model ~user", "~nosuchuser9/m.task", ()), ("model the face model", str(FACE_MODEL), ()),
        ("model the video", str(CLIP), ()), ("model a photo", str(_an_image(rng)), ()),
        ("model a dangling link", f"{TMP}/m.task", (FileSpec("m.task", "symlink", "nowhere"),)),
    ]
    name, model, files = rng.choice(options)
    argv = ["--source", str(_an_image(rng)), "--no-window", "--no-history", "--model", model]
    return Case(name, "model", tuple(argv), files, in_process=False, loads_model=True)


def _dates() -> list[str]:
    return ["0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "2024-02-30", "2024-13-01", "",
            "٢٠٢٤-٠١-٠١", "2024-1-1", "20240101", "2024-W01-1", "-1", "1e400", "x" * 100_000, "1970-01-01",
            "2038-01-19"]


def _whole_numbers() -> list[str]:
    return ["10000000", "99999999999999999999", "9" * 400, "0", "-1", "1e3", "²", "١", "x" * 100_000, "2147483648",
            "9223372036854775808", " 1"]


def _people() -> list[str]:
    return [".", "..", "/", "../..", "x" * 100_000, "", " ", "-", "a\nb", "\x1b[2J", "%s%n", "{0}", "{}",
            "'; DROP TABLE sessions; --", "é" * 300, "con", "a/b"]


def select_case(rng: random.Random) -> Case:
    """``report`` and ``history`` with odd selections, people and output paths, on a real history or none."""
    command = rng.choice(["report", "history"])
    argv = [command]
    for _ in range(rng.choice((1, 1, 2))):
        flag = rng.choice(["--from", "--to", "--days", "--session", "--person", "--compare", "--data-dir", "--lang"])
        if flag in ("--from", "--to"):
            argv += [flag, rng.choice(_dates())]
        elif flag in ("--days", "--session"):
            argv += [flag, rng.choice(_whole_numbers())]
        elif flag == "--person":
            argv += [flag, rng.choice(_people())]
        elif flag == "--compare" and command == "report":
            argv += [flag, rng.choice(["1", "2"] + _whole_numbers()), rng.choice(["1", "99999999999999999999"])]
        elif flag == "--lang":
            argv += [flag, "nl"]
    files: list[FileSpec] = []
    if rng.random() < 0.6:
        files.append(FileSpec("data", "history"))
    in_process = True
    if command == "report":
        out, more = rng.choice([(f"{TMP}/r.html", ()), (f"{TMP}/r.html", ()), (TMP, ()), (f"{TMP}/no/such/r.html", ()),
                                (f"{TMP}/f/r.html", (FileSpec("f", "text", "a file"),)),
                                (f"{TMP}/{'r' * 300}.html", ())])
        argv += ["--out", out]
        files += more
    else:
        action, more, in_process = rng.choice([
            ([], (), True), ([], (), True),
            (["--export-csv", f"{TMP}/f"], (FileSpec("f", "text", "a file"),), True),
            (["--export-csv", f"{TMP}/d"], (FileSpec("d", "dir"), FileSpec("d/sessions.csv", "dir")), True),
            (["--export-csv", f"{TMP}/d"], (FileSpec("d", "dir"), FileSpec("d/sessions.csv", "fifo")), False),
            (["--export-csv", f"{TMP}/{'d' * 300}"], (), True),
            (["--export-json", TMP], (), True), (["--export-json", f"{TMP}/no/such/x.json"], (), True),
            (["--export-json", f"{TMP}/x.json"], (FileSpec("x.json.tmp", "dir"),), True),
            (["--delete"], (), True), (["--delete", "--all"], (), True), (["--all"], (), True),
        ])
        argv += action
        files += more
    argv += ["--data-dir", f"{TMP}/data"]
    return Case(f"{command} " + " ".join(_short(a, 24) for a in argv[1:-2]), "select", tuple(argv), tuple(files),
                in_process=in_process)


_RELAX = ("PRAGMA writable_schema = ON; "
          "UPDATE sqlite_master SET sql = replace(sql, 'NOT NULL', '') WHERE type = 'table';")
_LONG = "replace(hex(zeroblob(50000)), '00', 'x')"
_CALIBRATION = ("INSERT INTO calibrations (person_id, profile, created, view, model, baseline) "
                "VALUES ((SELECT id FROM people LIMIT 1), 'desk', {created}, 'front', 'full', {baseline}); "
                "UPDATE sessions SET calibration_id = last_insert_rowid();")
# (name, scripts, extreme: may make a reader allocate or loop without bound: run in a subprocess only)
HISTORY_DAMAGE: list[tuple[str, tuple[str, ...], bool]] = [
    ("session start 'abc'", ("UPDATE sessions SET start = 'abc'",), False),
    ("session start 1e300", ("UPDATE sessions SET start = 1e300",), False),
    ("session start -1e300", ("UPDATE sessions SET start = -1e300",), False),
    ("session start infinite", ("UPDATE sessions SET start = 1e999",), False),
    ("session start NULL", (_RELAX, "UPDATE sessions SET start = NULL"), False),
    ("session start a blob", ("UPDATE sessions SET start = x'00ff'",), False),
    ("session end 'later'", ("UPDATE sessions SET end = 'later'",), False),
    ("session end before start", ("UPDATE sessions SET end = start - 86400",), False),
    ("session left open", ("UPDATE sessions SET end = NULL, end_reason = NULL",), False),
    ("session open, start 'abc'", ("UPDATE sessions SET end = NULL, end_reason = NULL, start = 'abc'",), False),
    ("session end reason odd", ("UPDATE sessions SET end_reason = 'exploded'",), False),
    ("session profile odd", ("UPDATE sessions SET profile = 'handstand'",), False),
    ("session profile NULL", (_RELAX, "UPDATE sessions SET profile = NULL"), False),
    ("session view odd", ("UPDATE sessions SET view = 'diagonal'",), False),
    ("session source 50000 chars", (f"UPDATE sessions SET source = {_LONG}",), False),
    ("session model NULL", ("UPDATE sessions SET model = NULL",), False),
    ("session app_version NULL", (_RELAX, "UPDATE sessions SET app_version = NULL"), False),
    ("session id huge", ("UPDATE sessions SET id = 9223372036854775807",), False),
    ("sessions deleted", ("DELETE FROM sessions",), False),
    ("people deleted", ("DELETE FROM people",), False),
    ("person name NULL", (_RELAX, "UPDATE people SET name = NULL"), False),
    ("person name 50000 chars", (f"UPDATE people SET name = {_LONG}",), False),
    ("person name '..'", ("UPDATE people SET name = '..'",), False),
    ("person name with a newline", ("UPDATE people SET name = 'a' || char(10) || 'b'",), False),
    ("metric mean 'x'", ("UPDATE metric_seconds SET mean = 'x'",), False),
    ("metric mean NULL", (_RELAX, "UPDATE metric_seconds SET mean = NULL, min = NULL"), False),
    ("metric min above max", ("UPDATE metric_seconds SET min = max + 100",), False),
    ("metric mean infinite", ("UPDATE metric_seconds SET mean = 1e999, max = 1e999, min = -1e999",), False),
    ("metric unknown", ("UPDATE metric_seconds SET metric = 'wingspan_deg' "
                        "WHERE metric = (SELECT MIN(metric) FROM metric_seconds)",), False),
    ("metric band odd", ("UPDATE metric_seconds SET band = 'purple'",), False),
    ("metric n 0", ("UPDATE metric_seconds SET n = 0",), False),
    ("metric n negative", ("UPDATE metric_seconds SET n = -5",), False),
    ("seconds negative", ("UPDATE seconds SET sec = -sec - 1; UPDATE metric_seconds SET sec = -sec - 1; "
                          "UPDATE state_seconds SET sec = -sec - 1",), False),
    ("second 10**12", ("UPDATE seconds SET sec = sec + 1000000000000 WHERE sec = (SELECT MAX(sec) FROM seconds); "
                       "UPDATE metric_seconds SET sec = sec + 1000000000000 WHERE sec = "
                       "(SELECT MAX(sec) FROM metric_seconds)",), True),
    ("second 'abc'", ("UPDATE seconds SET sec = 'abc' WHERE sec = 0; UPDATE metric_seconds SET sec = 'abc' "
                      "WHERE sec = 0; UPDATE state_seconds SET sec = 'abc' WHERE sec = 0",), False),
    ("span 0", ("UPDATE seconds SET span = 0; UPDATE metric_seconds SET span = 0; UPDATE state_seconds SET span = 0",),
     False),
    ("span negative", ("UPDATE seconds SET span = -60; UPDATE metric_seconds SET span = -60",), False),
    ("span 10**9", ("UPDATE seconds SET span = 1000000000; UPDATE metric_seconds SET span = 1000000000; "
                    "UPDATE state_seconds SET span = 1000000000",), True),
    ("frames 0", ("UPDATE seconds SET frames = 0",), False),
    ("present above frames", ("UPDATE seconds SET present = frames + 10",), False),
    ("present 'x'", ("UPDATE seconds SET present = 'x'",), False),
    ("seconds deleted", ("DELETE FROM seconds",), False),
    ("metric seconds deleted", ("DELETE FROM metric_seconds",), False),
    ("state seconds deleted", ("DELETE FROM state_seconds",), False),
    ("state odd", ("UPDATE state_seconds SET state = 'exploded'",), False),
    ("state kind odd", ("UPDATE state_seconds SET kind = 'wobble' WHERE kind = (SELECT MIN(kind) FROM state_seconds)",),
     False),
    ("event type odd", ("UPDATE events SET type = 'party'",), False),
    ("event kind and metric odd", ("UPDATE events SET kind = 'wobble', metric = 'nope'",), False),
    ("event times text", ("UPDATE events SET t = 'x', start = 'y', end = 'z'",), False),
    ("event peak text", ("UPDATE events SET peak = 'high'",), False),
    ("event end before start", ("UPDATE events SET end = start - 1000",), False),
    ("event times 1e300", ("UPDATE events SET t = 1e300, start = 1e300, end = 1e300",), False),
    ("event of no session", ("INSERT INTO events (session_id, type, kind, metric, t, start) "
                             "VALUES (999, 'alert', 'slump', 'x', 1, 1)",), False),
    ("calibration not JSON", (_CALIBRATION.format(created="'2025-01-01T10:00:00'", baseline="'not json'"),), False),
    ("calibration JSON list", (_CALIBRATION.format(created="'2025-01-01T10:00:00'", baseline="'[]'"),), False),
    ("calibration JSON null", (_CALIBRATION.format(created="'2025-01-01T10:00:00'", baseline="'null'"),), False),
    ("calibration JSON wrong fields", (_CALIBRATION.format(created="'2025-01-01T10:00:00'",
                                                           baseline="'{\"profile\": 5, \"stats\": []}'"),), False),
    ("calibration created odd", (_CALIBRATION.format(created="'yesterday'", baseline="'{}'"),), False),
    ("calibration of no row", ("UPDATE sessions SET calibration_id = 12345",), False),
    ("second person, nulls", (_RELAX, "INSERT INTO people (id, name, created) VALUES (77, NULL, NULL); "
                              "INSERT INTO sessions (person_id, start, profile, source, app_version) "
                              "VALUES (77, NULL, NULL, NULL, NULL)"), False),
    ("500 more sessions", ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
                           "INSERT INTO sessions (person_id, start, end, end_reason, profile, view, source, model, "
                           "app_version) SELECT person_id, start - i * 3600, end - i * 3600, end_reason, profile, "
                           "view, source, model, app_version FROM sessions, n WHERE sessions.id = 1",), False),
    ("schema version 99", ("PRAGMA user_version = 99",), False),
    ("schema version 2", ("PRAGMA user_version = 2",), False),
    ("schema version -1", ("PRAGMA user_version = -1",), False),
    ("events table dropped", ("DROP TABLE events",), False),
    ("seconds table dropped", ("DROP TABLE seconds",), False),
    ("people table dropped", ("DROP TABLE people",), False),
    ("metric column renamed", ("ALTER TABLE metric_seconds RENAME COLUMN mean TO average",), False),
]
# Damage to the data folder's files themselves: (name, files after the copy, extreme)
FOLDER_DAMAGE: list[tuple[str, tuple[FileSpec, ...], bool]] = [
    ("history.lock a folder", (FileSpec("data/history.lock", "dir"),), False),
    ("history.lock a pipe", (FileSpec("data/history.lock", "fifo"),), True),
    ("database a folder", (FileSpec("data/history.sqlite3", "dir"),), False),
    ("database a pipe", (FileSpec("data/history.sqlite3", "fifo"),), True),
    ("database a link loop", (FileSpec("data/history.sqlite3", "symlink", "history.sqlite3"),), False),
    ("database zero bytes", (FileSpec("data/history.sqlite3", "truncate", size=0),), False),
    ("database cut at 4096 bytes", (FileSpec("data/history.sqlite3", "truncate", size=4096),), False),
    ("database cut at 10000 bytes", (FileSpec("data/history.sqlite3", "truncate", size=10000),), False),
    ("database header garbled", (FileSpec("data/history.sqlite3", "garble", ranges=((0, 100),)),), False),
    ("database pages garbled", (FileSpec("data/history.sqlite3", "garble", ranges=((4096, 8192), (40960, 4096))),),
     False),
    ("database text", (FileSpec("data/history.sqlite3", "text", "not a database\n" * 100),), False),
    ("write-ahead log garbage", (FileSpec("data/history.sqlite3-wal", "bytes", b"\x37\x7f\x06\x82" + b"\xa5" * 8000),),
     False),
    ("shared memory file a folder", (FileSpec("data/history.sqlite3-shm", "dir"),), False),
    ("calibrations a file", (FileSpec("data/calibrations", "text", "x"),), False),
]


def _history_command(rng: random.Random) -> tuple[str, list[str], bool]:
    """What to run on a damaged history: (name, argv, loads the model)."""
    data = f"{TMP}/data"
    return rng.choice([
        ("report", ["report", "--out", f"{TMP}/r.html", "--data-dir", data], False),
        ("report", ["report", "--out", f"{TMP}/r.html", "--data-dir", data], False),
        ("report --days 3650", ["report", "--days", "3650", "--out", f"{TMP}/r.html", "--data-dir", data], False),
        ("report --compare 1 1", ["report", "--compare", "1", "1", "--out", f"{TMP}/r.html", "--data-dir", data],
         False),
        ("history", ["history", "--data-dir", data], False),
        ("history", ["history", "--data-dir", data], False),
        ("history --export-json", ["history", "--export-json", f"{TMP}/x.json", "--data-dir", data], False),
        ("history --export-csv", ["history", "--export-csv", f"{TMP}/csv", "--data-dir", data], False),
        ("history --delete --all", ["history", "--delete", "--all", "--data-dir", data], False),
        ("history --delete --session 1", ["history", "--delete", "--session", "1", "--data-dir", data], False),
        ("monitor", ["--source", str(CLIP), "--no-window", "--fps", "0.25", "--data-dir", data], True),
        ("monitor", ["--source", str(CLIP), "--no-window", "--fps", "0.25", "--data-dir", data], True),
    ])


def history_case(rng: random.Random) -> Case:
    """A real history damaged row by row (or file by file), then a report, a list, an export or a run."""
    if rng.random() < 0.8:
        name, sql, extreme = rng.choice(HISTORY_DAMAGE)
        files: tuple[FileSpec, ...] = (FileSpec("data", "history", sql=sql),)
    else:
        name, more, extreme = rng.choice(FOLDER_DAMAGE)
        files = (FileSpec("data", "history"), *more)
    command, argv, loads = _history_command(rng)
    return Case(f"{name}: {command}", "history-rows", tuple(argv), files, in_process=not (loads or extreme),
                loads_model=loads)


def _calibration_json(rng: random.Random) -> tuple[str, str]:
    """A stored calibration with one thing wrong: (name, file text)."""
    good = ('{"profile": "desk", "view": "front", "created": "2025-01-01T10:00:00", "source": "camera", '
            '"model": "full", "duration_s": 5.0, "frames": 50, "stats": {"neck_flexion_deg": '
            '{"median": 10.0, "mad": 1.0, "n": 50}}, "position": {"x": 0.5, "y": 0.6, "size": 0.2, "aspect": 1.3}, '
            '"version": 1, "extra": {}}')
    return rng.choice([
        ("not JSON", "{not json"), ("a list", "[]"), ("null", "null"), ("a string", '"desk"'),
        ("stats a list", good.replace('"stats": {"neck_flexion_deg": {"median": 10.0, "mad": 1.0, "n": 50}}',
                                      '"stats": []')),
        ("frames 1e400", good.replace('"frames": 50', '"frames": 1e400')),
        ("frames NaN", good.replace('"frames": 50', '"frames": NaN')),
        ("duration Infinity", good.replace('"duration_s": 5.0', '"duration_s": Infinity')),
        ("position extra field", good.replace('"aspect": 1.3', '"aspect": 1.3, "z": 1')),
        ("extra a list", good.replace('"extra": {}', '"extra": [1, 2]')),
        ("version text", good.replace('"version": 1', '"version": "one"')),
        ("nested 100000 deep", "[" * 100_000), ("invalid UTF-8", "\udcff"),
        ("median a string", good.replace('"median": 10.0', '"median": "ten"')),
        ("profile 100000 chars", good.replace('"profile": "desk"', '"profile": "' + "p" * 100_000 + '"')),
    ])


def data_dir_case(rng: random.Random) -> Case:
    """A data folder that is not one (a file, a pipe, /dev/null), a damaged stored calibration, or an
    odd ``POSTURE_DATA_DIR`` or language in the environment."""
    choice = rng.random()
    if choice < 0.35:
        name, text = _calibration_json(rng)
        data = text.encode("utf-8", "surrogateescape")
        return Case(f"stored calibration {name}", "data-dir", tuple(_missing_source() + ["--data-dir", f"{TMP}/data"]),
                    (FileSpec("data/calibrations", "dir"), FileSpec("data/calibrations/desk.json", "bytes", data)))
    if choice < 0.7:
        name, path, files, safe = rng.choice([
            ("a file", f"{TMP}/data", (FileSpec("data", "text", "x"),), True),
            ("/dev/null", "/dev/null", (), True), ("a pipe", f"{TMP}/data", (FileSpec("data", "fifo"),), False),
            ("name too long", f"{TMP}/{'d' * 300}", (), True), ("~user", "~nosuchuser9/data", (), True),
            ("a dangling link", f"{TMP}/data", (FileSpec("data", "symlink", "nowhere"),), True),
            ("empty", "", (), True), ("a link loop", f"{TMP}/data", (FileSpec("data", "symlink", "data"),), True),
        ])
        command = rng.choice([["report", "--out", f"{TMP}/r.html"], ["history"], ["history", "--delete", "--all"],
                              ["--source", str(_an_image(rng)), "--no-window"], _missing_source()])
        loads = command[0] == "--source" and command[1] != f"{TMP}/missing.mp4"
        if path == "":
            command = [c for c in command if c != "--delete" and c != "--all"]  # never the real user folder
        return Case(f"data dir {name}: {command[0]}", "data-dir", tuple(command + ["--data-dir", path]), files,
                    in_process=safe and not loads, loads_model=loads)
    name, env = rng.choice([
        ("POSTURE_DATA_DIR empty", (("POSTURE_DATA_DIR", ""),)),
        ("POSTURE_DATA_DIR /dev/null", (("POSTURE_DATA_DIR", "/dev/null"),)),
        ("POSTURE_DATA_DIR a file", (("POSTURE_DATA_DIR", f"{TMP}/f"),)),
        ("POSTURE_DATA_DIR 5000 chars", (("POSTURE_DATA_DIR", f"{TMP}/" + "d" * 5000),)),
        ("POSTURE_DATA_DIR ~user", (("POSTURE_DATA_DIR", "~nosuchuser9"),)),
        ("LANG Dutch", (("LANG", "nl_NL.UTF-8"),)), ("LANGUAGE nl:en", (("LANGUAGE", "nl:en"),)),
        ("LC_ALL odd", (("LC_ALL", "xx_YY.weird"),)), ("LANG unset", (("LANG", None),)),
    ])
    command = rng.choice([["history"], ["report", "--out", f"{TMP}/r.html"], ["--fps", "nan"] + _missing_source(),
                          ["--set", "alerts.alert_after_s=1e400"] + _missing_source(), ["--profile", "x"]])
    return Case(f"{name}: {command[0]}", "data-dir", tuple(command), (FileSpec("f", "text", "x"),), env)


def run_case_family(rng: random.Random, fields: Fields) -> Case:
    """Runs that get as far as the model on a photo: odd people, logs and settings at their limits."""
    image = str(_an_image(rng))
    base = ["--source", image, "--no-window"]
    choice = rng.random()
    if choice < 0.4:
        person = rng.choice(_people()[:-5] + ["x" * 300])
        extra = rng.choice([[], ["--calibrate"], ["--stills"]])
        return Case(f"run --person {_short(person)} {' '.join(extra)}", "run",
                    tuple(base + ["--person", person, *extra]), in_process=False, loads_model=True)
    if choice < 0.7:
        name, log, files = rng.choice([
            ("a folder", TMP, ()), ("a pipe", f"{TMP}/log", (FileSpec("log", "fifo"),)),
            ("no such folder", f"{TMP}/no/such/log.jsonl", ()), ("/dev/full", "/dev/full", ()),
            ("name too long", f"{TMP}/{'l' * 300}.jsonl", ()), ("under a file", f"{TMP}/f/log.jsonl",
                                                              (FileSpec("f", "text", "x"),)),
        ])
        return Case(f"run --log {name}", "run", tuple(base + ["--log", log]), files, in_process=False, loads_model=True)
    sets = []
    for _ in range(rng.choice((1, 2, 3))):  # valid, but at the ends of the ranges
        key, ftype, meta = rng.choice([f for f in fields if _kind_of(f[1]) in ("int", "float")
                                       and isinstance(f[2].get("lo"), (int, float))])
        bound = float(meta["lo"] if rng.random() < 0.5 else meta["hi"])  # type: ignore[arg-type]
        sets += ["--set", f"{key}={int(bound) if _kind_of(ftype) == 'int' else bound!r}"]
    return Case("run " + " ".join(sets[1::2]), "run", tuple(base + sets), in_process=False, loads_model=True)


def exercise_case(rng: random.Random) -> Case:
    """The exercise command: bad exercises, counts, holds, targets and program files."""
    value = rng.choice(_numbers() + ["0", "-1", "51", "1e9", "x", "", "\u00b2", "3.5"])
    choice = rng.random()
    files: tuple[FileSpec, ...] = ()
    if choice < 0.4:
        flag = rng.choice(["--sets", "--reps", "--hold", "--target", "--per-week"])
        exercise = rng.choice(["chin_tuck", "shoulder_squeeze", "sit_tall", "neck_side_bend"])
        argv = ["exercise", exercise, f"{flag}={value}"] + (["--keep-program"] if flag == "--per-week" else [])
        name = f"exercise {flag} {_short(value)}"
    elif choice < 0.55:
        what = rng.choice(["push_up", "CHIN_TUCK", "x" * 300, f"{TMP}/missing.toml", "\u00b2", "chin_tuck.toml", TMP])
        argv, name = ["exercise", what], f"exercise {_short(what)}"
    else:
        text = rng.choice([
            f'[[exercise]]\nname = "chin_tuck"\nsets = {value or 0}\n', f'per_week = {value or 0}\n[[exercise]]\nname = "sit_tall"\n',
            '[[exercise]]\nname = 5\n', "exercise = 3\n", '[exercise]\nname = "chin_tuck"\n', "",
            f'[[exercise]]\nname = "chin_tuck"\nhold_s = "{value}"\n', "[[exercise]]\n" * 2000, "not toml [",
            '[[exercise]]\nname = "neck_side_bend"\nreps = 1e400\n', '[[exercise]]\nname = "chin_tuck"\nrepz = 3\n',
            '[[exercise]]\nname = "chin_tuck"\n[[exercise]]\nname = "sit_tall"\ntarget = -2\n'])
        files = (FileSpec("p.toml", "text", text),)
        argv = ["exercise", f"{TMP}/p.toml"] + (["--keep-program"] if rng.random() < 0.5 else [])
        name = f"exercise program {_short(text.splitlines()[-1] if text else '(empty)')}"
    argv = _maybe_dutch(rng, argv + ["--data-dir", f"{TMP}/data"] + _missing_source())
    return Case(name, "exercise", tuple(argv), files)


# Weights of the families among the generated cases (before the must-have cases below).
FAMILIES: tuple[tuple[str, int], ...] = (
    ("flag", 16), ("set", 22), ("config", 16), ("source", 10), ("model", 3), ("select", 13), ("history-rows", 14),
    ("data-dir", 5), ("run", 1), ("exercise", 6),
)


def must_cases() -> list[Case]:
    """The inputs the hardening issue names, each once, first in every generated list."""
    src = _missing_source()
    hist = (FileSpec("data", "history"),)
    data = ["--data-dir", f"{TMP}/data"]
    out = ["--out", f"{TMP}/r.html"]

    def cfg(name: str, path: str, *files: FileSpec, safe: bool = True) -> Case:
        return Case(name, "config", ("--config", path, *src), files, in_process=safe)

    def damaged(name: str, scripts: tuple[str, ...], argv: list[str], *, model: bool = False) -> Case:
        return Case(name, "history-rows", tuple(argv), (FileSpec("data", "history", sql=scripts),),
                    in_process=not model, loads_model=model)

    monitor = ["--source", str(CLIP), "--no-window", "--fps", "0.25", *data]
    return [
        Case("--fps nan", "flag", ("--fps", "nan", *src)),
        Case("--fps unicode digits", "flag", ("--fps", "١٢", *src)),
        Case("--alert-after 1e400", "flag", ("--alert-after", "1e400", *src)),
        Case("--set 400-digit int", "set", ("--set", "alerts.alert_after_s=" + "9" * 400, *src)),
        Case("--set int setting inf", "set", ("--set", "pose.num_poses=inf", *src)),
        cfg("config invalid TOML", f"{TMP}/c.toml", FileSpec("c.toml", "text", "fps = [1,\n")),
        cfg("config nested '[' x 100000", f"{TMP}/c.toml", FileSpec("c.toml", "text", f"a={BIG}", "[", 100_000),
            safe=False),
        cfg("config wrong types", f"{TMP}/c.toml", FileSpec("c.toml", "text", "fps = 'fast'\nalerts = 5\n")),
        cfg("config huge numbers", f"{TMP}/c.toml", FileSpec("c.toml", "text", "fps = 1" + "0" * 400 + "\n")),
        cfg("config a folder", TMP),
        cfg("config /dev/zero", "/dev/zero", safe=False),
        cfg("config a named pipe", f"{TMP}/p.toml", FileSpec("p.toml", "fifo"), safe=False),
        cfg("config 50 MB", f"{TMP}/big.toml", FileSpec("big.toml", "text", f"#{BIG}\nfps = 5\n", "#", 50 << 20),
            safe=False),
        Case("source superscript two", "source", ("--source", "²", "--no-window")),
        Case("source 20 digits", "source", ("--source", "9" * 20, "--no-window")),
        Case("source 300-digit path", "source", ("--source", f"{TMP}/" + "1" * 300, "--no-window")),
        Case("source a folder", "source", ("--source", TMP, "--no-window")),
        Case("source glob matching nothing", "source", ("--source", f"{TMP}/*.png", "--no-window")),
        Case("source text file as .mp4", "source", ("--source", f"{TMP}/v.mp4", "--no-window"),
             (FileSpec("v.mp4", "text", "hello\n"),)),
        Case("source zero-byte .mp4", "source", ("--source", f"{TMP}/v.mp4", "--no-window"),
             (FileSpec("v.mp4", "bytes", b""),)),
        Case("source clip cut in half", "source", ("--source", f"{TMP}/v.mp4", "--no-window"),
             (_clip_prefix(CLIP.stat().st_size // 2),)),
        Case("source corrupt PNG", "source", ("--source", f"{TMP}/p.png", "--no-window"),
             (FileSpec("p.png", "bytes", b"\x89PNG\r\n\x1a\n" + b"\xa5" * 200),)),
        Case("model 5000-char path", "model", ("--source", str(IMAGES / _image_names()[0]),
                                               "--no-window", "--no-history", "--model", f"{TMP}/" + "m" * 5000),
             in_process=False, loads_model=True),
        Case("report --from 0000-01-01", "select", ("report", "--from", "0000-01-01", *out, *data), hist),
        Case("report --to 9999-12-31", "select", ("report", "--to", "9999-12-31", *out, *data), hist),
        Case("report --days 10000000", "select", ("report", "--days", "10000000", *out, *data), hist),
        Case("report --session 20 digits", "select", ("report", "--session", "9" * 20, *out, *data), hist),
        Case("history --person ..", "select", ("history", "--person", "..", *data), hist),
        Case("report --person /", "select", ("report", "--person", "/", *out, *data), hist),
        Case("history --export-csv to a file", "select", ("history", "--export-csv", f"{TMP}/f", *data),
             (*hist, FileSpec("f", "text", "x"))),
        damaged("session start 'abc': report", ("UPDATE sessions SET start = 'abc'",), ["report", *out, *data]),
        damaged("session start 1e300: history", ("UPDATE sessions SET start = 1e300",), ["history", *data]),
        damaged("metric mean 'x': export-json", ("UPDATE metric_seconds SET mean = 'x'",),
                ["history", "--export-json", f"{TMP}/x.json", *data]),
        damaged("people deleted: report", ("DELETE FROM people",), ["report", *out, *data]),
        damaged("session open with NULLs: monitor", (_RELAX, "UPDATE sessions SET end = NULL, end_reason = NULL, "
                                                             "start = NULL"), monitor, model=True),
        Case("history.lock a folder: monitor", "history-rows", tuple(monitor),
             (FileSpec("data", "history"), FileSpec("data/history.lock", "dir")), in_process=False, loads_model=True),
    ]


def generate(seed: int, n: int) -> list[Case]:
    """``n`` cases, the same ones for the same seed (and the same settings in posture/config.py): the
    must-have cases first, then drawn from the families by weight."""
    rng = random.Random(seed)
    fields = setting_fields()
    makers: dict[str, Callable[[random.Random], Case]] = {
        "flag": lambda r: flag_case(r) if r.random() < 0.7 else usage_case(r),
        "set": lambda r: set_case(r, fields),
        "config": lambda r: config_case(r, fields),
        "source": source_case,
        "model": model_case,
        "select": select_case,
        "history-rows": history_case,
        "data-dir": data_dir_case,
        "run": lambda r: run_case_family(r, fields),
        "exercise": exercise_case,
    }
    cases = must_cases()[:n]
    names, weights = zip(*FAMILIES)
    while len(cases) < n:
        family = rng.choices(names, weights)[0]
        case = makers[family](random.Random(rng.getrandbits(64)))  # one stream per case: stable if one changes
        cases.append(dataclasses.replace(case, name=f"{len(cases) + 1:04d} {case.name}"))
    return cases


# -- making a case's files -------------------------------------------------------------------------

def _resolve(text: str, tmpdir: Path) -> str:
    return text.replace(TMP, str(tmpdir))


def _clear(path: Path) -> None:
    """Remove whatever is at ``path`` (a link is removed, never followed)."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _write_repeated(path: Path, head: str, unit: str, size: int, tail: str) -> None:
    """``head + unit * size + tail`` written in pieces (50 MB never held at once)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(head)
        per_write = max(1, (1 << 20) // max(1, len(unit)))
        left = size
        while left > 0:
            fh.write(unit * min(per_write, left))
            left -= per_write
        fh.write(tail)


def make_file(spec: FileSpec, tmpdir: Path, base: Path | None) -> None:
    """Make one of a case's files (see FileSpec)."""
    path = tmpdir / spec.path
    path.parent.mkdir(parents=True, exist_ok=True)
    if spec.kind in ("truncate", "garble"):
        if spec.kind == "truncate":
            os.truncate(path, spec.size)
        else:
            with open(path, "r+b") as fh:
                for offset, length in spec.ranges:
                    fh.seek(offset)
                    fh.write(b"\xa5" * length)
        return
    _clear(path)
    if spec.kind == "text":
        text = str(spec.data)
        if BIG in text:
            head, _, tail = text.partition(BIG)
            _write_repeated(path, head, spec.unit, spec.size, tail)
        else:
            path.write_text(text, encoding="utf-8", errors="surrogateescape")
    elif spec.kind == "bytes":
        path.write_bytes(bytes(spec.data))  # type: ignore[arg-type]
    elif spec.kind == "dir":
        path.mkdir()
    elif spec.kind == "fifo":
        os.mkfifo(path)
    elif spec.kind == "symlink":
        os.symlink(str(spec.data), path)
    elif spec.kind == "copy":
        with open(str(spec.data), "rb") as src, open(path, "wb") as dst:
            dst.write(src.read() if spec.size < 0 else src.read(spec.size))
    elif spec.kind == "history":
        if base is None:
            raise RuntimeError("a history case needs the recorded history")
        shutil.copytree(base / "data", path, symlinks=True)
        for script in spec.sql:
            conn = sqlite3.connect(str(path / "history.sqlite3"))
            try:
                conn.executescript(script)
            finally:
                conn.close()
    else:
        raise ValueError(f"unknown file kind {spec.kind}")


def base_history(root: Path, environ: Mapping[str, str] | None = None, timeout: float = 300.0) -> Path:
    """The folder holding the run's recorded history (``data/``), made the first time it is asked for:
    one monitoring run over the phone clip at one analysis a second. Safe to call from several
    processes and threads at once (a lock file)."""
    base = root / BASE_DIR
    root.mkdir(parents=True, exist_ok=True)
    with open(root / (BASE_DIR + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (base / "ok").exists():
            return base
        if base.exists():
            shutil.rmtree(base)
        base.mkdir()
        env = environment(base, environ or base_environment())
        proc = subprocess.run([sys.executable, str(RUN_MONITOR), "--source", str(CLIP), "--no-window", "--fps", "1",
                               "--data-dir", str(base / "data")], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        if proc.returncode != 0 or not (base / "data" / "history.sqlite3").is_file():
            raise RuntimeError(f"the history to damage could not be recorded (exit {proc.returncode}): "
                               f"{proc.stderr[-2000:]}")
        (base / "ok").touch()
    return base


def base_environment() -> dict[str, str]:
    """The environment every case starts from: this one without a display, session or language."""
    return {k: v for k, v in os.environ.items() if k not in _NOT_PASSED}


def environment(tmpdir: Path, start: Mapping[str, str], case: Case | None = None) -> dict[str, str]:
    """A case's environment: ``start`` (see base_environment) in English, with the data folder and the
    user data folder in the case's own folder, then the case's own variables."""
    env = {**start, "LANG": "C.UTF-8", "POSTURE_DATA_DIR": str(tmpdir / "posture-data"),
           "XDG_DATA_HOME": str(tmpdir / "xdg-data")}
    for key, value in (case.env if case else ()):
        if value is None:
            env.pop(key, None)
        else:
            env[key] = _resolve(value, tmpdir)
    return env


def prepare(case: Case, tmpdir: Path, environ: Mapping[str, str]) -> tuple[list[str], Outcome | None]:
    """Make the case's folder and files; returns its argv, or the harness outcome if that failed."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    try:
        base = base_history(tmpdir.parent, environ) if case.needs_history else None
        for spec in case.files:
            make_file(spec, tmpdir, base)
    except Exception as exc:  # noqa: BLE001 (any failure here is the harness's)
        return [], Outcome(case, "harness", None, 0.0, f"could not set up: {exc!r}"[:2000])
    return [_resolve(a, tmpdir) for a in case.argv], None


# -- running and judging ---------------------------------------------------------------------------

def _shorten_path(path: str) -> str:
    root = str(ROOT) + os.sep
    if path.startswith(root):
        return path[len(root):]
    if "site-packages" + os.sep in path:
        return path.split("site-packages" + os.sep, 1)[1]
    return "/".join(path.split(os.sep)[-2:])  # the standard library: tomllib/_re.py


def signature(text: str) -> str:
    """The last traceback in ``text`` as "ExceptionType at file:line (function)", and where the last
    frame is outside the project, "via" the project's last frame (the place to fix)."""
    start = text.rfind(TRACEBACK)
    if start < 0:
        return ""
    lines = text[start:].splitlines()[1:]
    frame, ours, last = "", "", -1
    for i, line in enumerate(lines):
        m = re.match(r'\s+File "([^"]+)", line (\d+), in (.+)', line)
        if m:
            frame, last = f"{_shorten_path(m.group(1))}:{m.group(2)} ({m.group(3)})", i
            if m.group(1).startswith(str(ROOT) + os.sep) and not m.group(1).endswith("run_monitor.py"):
                ours = frame
    exception = next((line for line in lines[last + 1:] if line and not line[0].isspace()), "?")
    exc_type = exception.split(":", 1)[0].strip()
    if not frame:
        return exc_type
    return f"{exc_type} at {frame}" + (f" via {ours}" if ours and ours != frame else "")


def judge(code: int | None, stdout: str, stderr: str, timeout: float) -> tuple[str, str, str]:
    """(outcome, reason, signature) of a run that exited with ``code`` (None: still running at ``timeout``)."""
    if code is None:  # a traceback before it (a thread's) is likely the cause: kept as the signature
        sig = signature(stderr) or signature(stdout)
        return "hang", f"still running after {timeout:g} s", f"hang after {sig}" if sig else ""
    if TRACEBACK in stderr or TRACEBACK in stdout:
        sig = signature(stderr if TRACEBACK in stderr else stdout)
        return "traceback", sig, sig
    lines = stderr.splitlines()
    long = [line for line in lines if len(line) > MAX_LINE]
    if long:
        return "long-echo", f"a stderr line of {len(long[0])} characters", f"long-echo: {long[0][:60]!r}..."
    if code == 0:
        return "clean", "", ""
    if code == 2:
        errors = [line for line in lines if line.startswith(ERROR_PREFIXES)]
        shown = [line for line in lines if line.strip()]
        if not errors:
            return "other", "exit 2 without a 'posture-monitor: error:' line", ""
        if len(errors) > 1:
            return "other", f"{len(errors)} error lines", ""
        if shown[-1] != errors[0]:
            return "other", "the error is not the last line (a message over several lines?)", ""
        return "clean", "", ""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return "other", f"killed by {name}", ""
    return "other", f"exit {code}", ""


def _as_text(output: str | bytes, tmpdir: Path) -> str:
    """A run's output with the case's folder written as @TMP@: the judgement of a long line must not
    depend on where the harness keeps its files (a pytest folder is 80 characters longer than /tmp)."""
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
    return text.replace(str(tmpdir), TMP)


def _tail(stdout: str, stderr: str, traceback_in_stdout: bool, chars: int = 1500) -> str:
    text = stderr + (("\n[stdout]\n" + stdout) if traceback_in_stdout else "")
    return text[-chars:]


def _limit_memory(pid: int) -> None:
    try:
        resource.prlimit(pid, resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (OSError, ValueError):  # gone already, or not allowed: the timeout still holds
        pass


def run_case(case: Case, tmpdir: Path | str, timeout: float = 60.0,
             environ: Mapping[str, str] | None = None) -> Outcome:
    """Run one case as a user would: ``python run_monitor.py ARGV`` from the project folder, in the
    case's environment, killed (its whole process group) at ``timeout``. ``tmpdir``: the case's own
    folder; its parent holds the recorded history the history cases copy."""
    tmpdir = Path(tmpdir)
    environ = environ or base_environment()
    argv, failed = prepare(case, tmpdir, environ)
    if failed is not None:
        return failed
    env = environment(tmpdir, environ, case)
    start = time.monotonic()
    try:
        proc = subprocess.Popen([sys.executable, str(RUN_MONITOR), *argv], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        return Outcome(case, "harness", None, 0.0, f"could not start: {exc!r}")
    _limit_memory(proc.pid)
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = None
    seconds = time.monotonic() - start
    stdout, stderr = _as_text(out, tmpdir), _as_text(err, tmpdir)
    outcome, reason, sig = judge(code, stdout, stderr, timeout)
    return Outcome(case, outcome, code, seconds, reason, _tail(stdout, stderr, TRACEBACK in stdout), sig)


class _Hang(BaseException):
    """Raised by the alarm in an in-process run that takes too long."""


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def ring(signum: int, frame: object) -> None:
        raise _Hang

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_in_process(case: Case, tmpdir: Path | str, timeout: float = 30.0,
                   environ: Mapping[str, str] | None = None) -> Outcome:
    """Run a case (one marked ``in_process``) by calling ``posture.cli.main.main(argv)`` here, with
    stdout and stderr captured. An exception other than SystemExit escaping main() is a traceback, as
    the script would print it. Main thread only (the timeout is an alarm signal); the environment,
    umask and language are put back afterwards."""
    from posture.cli.main import main
    from posture.i18n import language, setup

    tmpdir = Path(tmpdir)
    environ = environ or base_environment()
    argv, failed = prepare(case, tmpdir, environ)
    if failed is not None:
        return failed
    env = environment(tmpdir, environ, case)
    out, err = io.StringIO(), io.StringIO()
    umask, lang = os.umask(0o022), language()
    os.umask(umask)
    code: int | None
    start = time.monotonic()
    try:
        with _environment(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _alarm(timeout):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except _Hang:
        code = None
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 (what escapes main is exactly what the user would see as a traceback)
        err.write(traceback.format_exc())
        code = 1
    finally:
        os.umask(umask)
        setup(lang)
    seconds = time.monotonic() - start
    stdout, stderr = _as_text(out.getvalue(), tmpdir), _as_text(err.getvalue(), tmpdir)
    outcome, reason, sig = judge(code, stdout, stderr, timeout)
    return Outcome(case, outcome, code, seconds, reason, _tail(stdout, stderr, TRACEBACK in stdout), sig)


def _run_and_clean(case: Case, tmpdir: Path, timeout: float, environ: Mapping[str, str] | None,
                   in_process: bool = False) -> Outcome:
    """Run a case, then remove its folder (a 50 MB file each would add up)."""
    try:
        runner = run_in_process if in_process else run_case
        return runner(case, tmpdir, timeout, environ)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def run_cases(cases: Sequence[Case], root: Path, *, jobs: int = 2, timeout: float = 60.0, in_process: bool = False,
              progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Run every case, each in ``root/NNNN``, in order of the cases' list.

    With ``in_process``, the cases marked so run here in the calling (main) thread, while the others
    run in subprocesses started from ``jobs`` threads; without it, every case runs in a subprocess,
    from a pool of ``jobs`` processes.
    """
    root.mkdir(parents=True, exist_ok=True)
    environ = base_environment()
    here = [i for i, c in enumerate(cases) if in_process and c.in_process]
    away = [i for i in range(len(cases)) if i not in set(here)]
    results: dict[int, Outcome] = {}
    pool: Executor = ThreadPoolExecutor(jobs) if in_process else ProcessPoolExecutor(jobs)
    with pool:
        futures: dict[Future[Outcome], int] = {
            pool.submit(_run_and_clean, cases[i], root / f"{i:05d}", timeout, environ): i for i in away}
        for i in here:
            results[i] = _run_and_clean(cases[i], root / f"{i:05d}", timeout, environ, in_process=True)
            if progress:
                progress(len(results), len(cases))
        for future, i in futures.items():
            try:
                results[i] = future.result()
            except Exception as exc:  # noqa: BLE001 (a harness fault: reported, not raised)
                results[i] = Outcome(cases[i], "harness", None, 0.0, f"the runner failed: {exc!r}")
            if progress:
                progress(len(results), len(cases))
    return [results[i] for i in range(len(cases))]


def stray_files(before: set[str]) -> list[str]:
    """Names new in the project folder since ``before`` (a case must write only to its own folder),
    leaving out what git ignores (a ``build/`` of someone's ``pip install .`` meanwhile)."""
    new = sorted(set(os.listdir(ROOT)) - before)
    if not new:
        return []
    try:
        ignored = subprocess.run(["git", "check-ignore", "--", *new], cwd=ROOT, capture_output=True, text=True,
                                 timeout=30).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        ignored = []
    return [name for name in new if name not in ignored]


# -- the report ------------------------------------------------------------------------------------

def show_argv(argv: Sequence[str], limit: int = 70) -> str:
    return " ".join(a if len(a) <= limit and a.isprintable() and a else _short(a) for a in argv)


def group_key(o: Outcome) -> str:
    """What failures have in common: a traceback's exception and frame, the start of an echoed line,
    the kind of input that hung, the exit or signal of the others."""
    if o.signature:
        return o.signature
    if o.outcome == "hang":
        return "hang: " + re.sub(r"^\d+ ", "", o.case.name).split(":")[0]
    return f"{o.outcome}: {o.reason}"


def report(outcomes: Sequence[Outcome], show: int = 8) -> list[str]:
    """The counts by outcome and by family, the time per case, the distinct tracebacks, the first failures."""
    lines = []
    counts = Counter(o.outcome for o in outcomes)
    lines.append(f"{len(outcomes)} cases: " + ", ".join(f"{name} {counts.get(name, 0)}" for name in OUTCOMES))
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        by_kind[o.case.kind][o.outcome] += 1
    lines.append(f"{'family':<14}" + "".join(f"{name:>11}" for name in OUTCOMES))
    for kind in sorted(by_kind):
        lines.append(f"{kind:<14}" + "".join(f"{by_kind[kind].get(name, 0):>11}" for name in OUTCOMES))
    times = [o.seconds for o in outcomes if o.outcome != "harness"]
    if times:
        model = [o.seconds for o in outcomes if o.case.loads_model]
        lines.append(f"time per case: median {statistics.median(times):.2f} s, 90th percentile "
                     f"{sorted(times)[int(0.9 * (len(times) - 1))]:.2f} s, max {max(times):.1f} s; "
                     f"{len(model)} cases load the model")
    sigs: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.failed:
            sigs[group_key(o)].append(o)
    if sigs:
        lines.append("distinct failures (count, first case):")
        for sig, group in sorted(sigs.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"  {len(group):>4}  {sig}   e.g. {group[0].case.name}")
    failed = [o for o in outcomes if o.failed]
    for o in failed[:show]:
        lines.append(f"--- {o.outcome}: {o.case.name} [{o.case.kind}] ({o.reason}; exit {o.code}, {o.seconds:.1f} s)")
        lines.append(f"    run_monitor.py {show_argv(o.case.argv)}")
        tail = "\n".join(o.tail.strip().splitlines()[-6:])
        lines.extend("    | " + line[:300] for line in tail.splitlines())
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.fuzz``: exit 1 if any case failed."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=2000, help="how many cases (default 2000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before a run counts as a hang (default 60)")
    ap.add_argument("--show", type=int, default=8, help="failing cases to show in full (default 8)")
    ap.add_argument("--only", metavar="FAMILY", help="run only the cases of this family")
    args = ap.parse_args(argv)
    cases = generate(args.seed, args.cases)
    if args.only:
        cases = [c for c in cases if c.kind == args.only]
    before = set(os.listdir(ROOT))
    print(f"{len(cases)} cases (seed {args.seed}), {args.jobs} at a time, timeout {args.timeout:g} s; "
          f"{sum(c.loads_model for c in cases)} load the model", flush=True)
    start = time.monotonic()

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"  {done}/{total} done, {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="posture-fuzz-") as tmp:
        outcomes = run_cases(cases, Path(tmp), jobs=args.jobs, timeout=args.timeout, progress=progress)
    print("\n".join(report(outcomes, args.show)))
    print(f"wall time {time.monotonic() - start:.0f} s")
    stray = stray_files(before)
    if stray:
        print(f"files left in {ROOT} by the cases: {', '.join(stray)}")
    return 1 if any(o.failed for o in outcomes) or stray else 0


if __name__ == "__main__":
    sys.exit(main())
