"""Build the compact test footage in tests/data from the full sets in ../shared/data.

    python tools/make_test_data.py [--shared ../shared/data]

- side_desk: all 152 photos, scaled to 384x384 and stored as JPEG quality 80 (the head-forward AUC
  is the same as at full size: 0.874 against 0.876), with labels.csv (keypoints scaled alike).
- front_webcam: every frame of the sideways-lean video ngatrai and the upright frames of the other
  nine, scaled to 320x180, JPEG quality 70, with labels.csv.
- front_webcam_start: the first 24 labelled frames (frames 0-29) of video WIN_20251109_18_42_31 at
  their full 640x360 (JPEG quality 85), where the tracker first locks onto a small false skeleton
  before it finds the user: the selector must not keep the real user out because of it.
- side_misc: all 22 staged side-view photos, scaled so the longer side is 640 px (JPEG quality 80),
  with labels.csv and the MIT licence notice of their two sources.
- clips: phone_front_low.mp4 as it is, and the per-frame truth of it and of desk_side (whose video
  ships as the demo clip posture/data/demo_desk_side.mp4), reduced to the columns the tests use.
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path
from typing import Callable

import cv2

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data"
LEAN_VIDEOS = ("ngatrai",)
CLIP_COLUMNS = ("frame", "t_s", "label", "segment", "present", "cva", "fhd_cm", "neck_flex_deg")


def save_jpeg(src: Path, dst: Path, size: tuple[int, int], quality: int = 80) -> None:
    img = cv2.imread(str(src))
    if img is None:
        raise SystemExit(f"cannot read {src}")
    img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    dst.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(dst), img, [cv2.IMWRITE_JPEG_QUALITY, quality])


def side_desk(shared: Path) -> None:
    out = OUT / "side_desk"
    shutil.rmtree(out, ignore_errors=True)
    rows = list(csv.DictReader(open(shared / "side_desk" / "labels.csv", encoding="utf-8")))
    for r in rows:
        save_jpeg(shared / "side_desk" / r["file"], out / r["file"], (384, 384))
    scale = 384 / 640
    keypoints = [f"{p}_{a}" for p in ("bottom", "shoulder", "head", "back") for a in ("x", "y")]
    with open(out / "labels.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "label", "day", *keypoints])
        w.writeheader()
        w.writerows({**{k: r[k] for k in ("file", "label", "day")},
                     **{k: f"{float(r[k]) * scale:.1f}" for k in keypoints}} for r in rows)


def front_webcam_frames(shared: Path, name: str, keep: Callable[[list[dict[str, str]]], list[dict[str, str]]],
                        size: tuple[int, int], quality: int) -> None:
    """Copy the front_webcam frames ``keep`` picks from its rows into tests/data/``name``, with their labels."""
    out = OUT / name
    shutil.rmtree(out, ignore_errors=True)
    kept = keep(list(csv.DictReader(open(shared / "front_webcam" / "labels.csv", encoding="utf-8"))))
    for r in kept:
        save_jpeg(shared / "front_webcam" / r["file"], out / r["file"], size, quality=quality)
    with open(out / "labels.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "label", "video", "frame", "persons"])
        w.writeheader()
        w.writerows(kept)


def front_webcam(shared: Path) -> None:
    front_webcam_frames(shared, "front_webcam",
                        lambda rows: [r for r in rows if r["video"] in LEAN_VIDEOS or r["label"] == "upright"],
                        (320, 180), 70)


def front_webcam_start(shared: Path, video: str = "WIN_20251109_18_42_31_Pro", count: int = 24) -> None:
    def first(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return sorted((r for r in rows if r["video"] == video), key=lambda r: int(r["frame"]))[:count]

    front_webcam_frames(shared, "front_webcam_start", first, (640, 360), 85)


MIT_NOTICE = """The photos in this folder come from two GitHub repositories under the MIT License:

- images/kk_*: kkartikeya22/sitting_posture_recognition (folder "Sample Model-Satyam"), MIT License
  as stated by the project's shared data README, copyright its authors.
- images/nv_*: nvinayvarma189/Sitting-Posture-Recognition (folder sample_images),
  MIT License, Copyright (c) 2020 Vinay Varma.

They were scaled down and re-encoded (tools/make_test_data.py); nothing else was changed.

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def side_misc(shared: Path, longest: int = 640) -> None:
    out = OUT / "side_misc"
    shutil.rmtree(out, ignore_errors=True)
    src = shared / "side_misc"
    rows = list(csv.DictReader(open(src / "labels.csv", encoding="utf-8")))
    for r in rows:
        h, w = cv2.imread(str(src / r["file"])).shape[:2]
        scale = min(1.0, longest / max(h, w))
        save_jpeg(src / r["file"], out / r["file"], (round(w * scale), round(h * scale)))
    with open(out / "labels.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (out / "LICENSE").write_text(MIT_NOTICE, encoding="utf-8")


def clips(shared: Path) -> None:
    out = OUT / "clips"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(shared / "clips" / "phone_front_low.mp4", out / "phone_front_low.mp4")
    for name in ("phone_front_low", "desk_side"):
        rows = list(csv.DictReader(open(shared / "clips" / f"{name}.csv", encoding="utf-8")))
        with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=CLIP_COLUMNS)
            w.writeheader()
            w.writerows({k: r[k] for k in CLIP_COLUMNS} for r in rows)


# The side exercise clip's frames kept for tests/test_exercise.py: the upright rest before the squeezes,
# two shoulder-blade squeezes (55-78 s), then the two nods and the last upright seconds (103-123 s).
EXERCISE_CUT = (range(550, 780), range(1030, 1230))


def exercise_side(shared: Path) -> None:
    """exercise_side_cut.mp4 (re-encoded MPEG-4 at 640x480, 10 fps) and its truth rows."""
    import cv2

    out = OUT / "clips"
    cap = cv2.VideoCapture(str(shared / "clips" / "exercise_side.mp4"))
    frames = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        frames.append(image)
    cap.release()
    keep = [i for part in EXERCISE_CUT for i in part]
    writer = cv2.VideoWriter(str(out / "exercise_side_cut.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 10.0,
                             frames[0].shape[1::-1])
    for i in keep:
        writer.write(frames[i])
    writer.release()
    rows = list(csv.DictReader(open(shared / "clips" / "exercise_side.csv", encoding="utf-8")))
    with open(out / "exercise_side_cut.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["frame", "t_s", "source_frame", "segment", "fhd_cm", "sh_protraction_cm",
                                           "neck_flex_deg"])
        w.writeheader()
        for n, i in enumerate(keep):
            r = rows[i]
            w.writerow({"frame": n, "t_s": n / 10, "source_frame": i, "segment": r["segment"], "fhd_cm": r["fhd_cm"],
                        "sh_protraction_cm": r["sh_protraction_cm"], "neck_flex_deg": r["neck_flex_deg"]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    side_desk(args.shared)
    front_webcam(args.shared)
    front_webcam_start(args.shared)
    side_misc(args.shared)
    clips(args.shared)
    exercise_side(args.shared)
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"tests/data: {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
