"""DICOM -> PNG conversion rate: ``rxlabel convert`` beside a bare pydicom + numpy + Pillow path, same run.

Input: ``--images`` (default 8) 2500x2000 12-bit MONOCHROME2 DICOM files with a VOI window, made from the
public NIH ChestX-ray14 sample in ``../shared/data/dicom`` (upscaled to 2500x2000, 12-bit, with noise so
the PNG encoder sees film-like texture), or from a generated smooth image when that file is absent.
Output: 1024 px 8-bit PNGs.

Timed, per CPU-second of this process (the machine is shared) and wall:
- ``bare``: ``pydicom.dcmread`` + ``pixel_array``, float32 linear window, uint8, Pillow LANCZOS resize,
  pad, PNG save: at zlib level 6 (Pillow's default) and at rxlabel's level;
- ``before``: the convert module of ``--before REV`` (git), loaded from git, with its defaults (level 6);
- ``rxlabel``: ``convert_pairs`` as the CLI runs it (``--jobs 1``: decode beside a PNG-writing thread), and
  ``--jobs 2`` (wall only, children's CPU from ``RUSAGE_CHILDREN``).

    python bench/convert_throughput.py                    # ~1 minute on a loaded 2-CPU machine
    python bench/convert_throughput.py --images 4 --before 8cf292d

Prints one JSON line, also appended to bench/results/convert_throughput.jsonl.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
from PIL import Image
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from _results import emit  # noqa: E402

from rxlabel.matcher.convert import ConvertOptions, convert_pairs  # noqa: E402

NIH = ROOT / ".." / "shared" / "data" / "dicom" / "nih_cxr14_DX_chest_via_nhsx_nccid.dcm"
RESULTS = ROOT / "bench" / "results" / "convert_throughput.jsonl"
ROWS, COLS = 2500, 2000


def source_image(seed: int) -> tuple[np.ndarray, str]:
    """A 2500x2000 12-bit chest-like image (uint16) and where it came from."""
    rng = np.random.default_rng(seed)
    if NIH.exists():
        base = pydicom.dcmread(NIH, force=True).pixel_array.astype(np.float32)
        what = "NIH ChestX-ray14 sample upscaled"
    else:
        yy, xx = np.mgrid[0:512, 0:512].astype(np.float32)
        base = 128 + 80 * np.sin(xx / 40) * np.cos(yy / 55)
        what = "generated smooth image"
    big = np.asarray(Image.fromarray(base, mode="F").resize((COLS, ROWS), Image.Resampling.BICUBIC))
    big = big * 16 + rng.normal(0, 8, big.shape).astype(np.float32)
    return np.clip(big, 0, 4095).astype(np.uint16), what


def write_dicom(pixels: np.ndarray, path: Path) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.PatientID = "DX", "BENCH"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2048, 3600
    ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True)


def bare(path: Path, dest: Path, level: int, size: int = 1024) -> None:
    """What a user writes without rxlabel: read, float32 window, uint8, resize, pad, PNG."""
    ds = pydicom.dcmread(path)
    arr = ds.pixel_array.astype(np.float32)
    c, w = float(ds.WindowCenter), float(ds.WindowWidth)
    img = np.clip((arr - (c - w / 2)) / w * 255, 0, 255).astype(np.uint8)
    h, wd = img.shape
    scale = size / max(h, wd)
    small = Image.fromarray(img, mode="L").resize((round(wd * scale), round(h * scale)), Image.Resampling.LANCZOS)
    canvas = Image.new("L", (size, size))
    canvas.paste(small, ((size - small.width) // 2, (size - small.height) // 2))
    canvas.save(dest, compress_level=level)


def load_before(rev: str):
    """The convert module as it was at ``rev`` (git), imported under another name; None without git."""
    try:
        src = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:src/rxlabel/matcher/convert.py"],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp(prefix="rxlabel-before-")) / "convert_before.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("convert_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["convert_before"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def timed(run, n: int) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    return {"images_per_cpu_s": round(n / max(cpu + child_cpu, 1e-9), 2), "images_per_wall_s": round(n / wall, 2),
            "cpu_s": round(cpu + child_cpu, 2), "wall_s": round(wall, 2)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=8)
    ap.add_argument("--before", default="8cf292d", help="git revision of the 'before' convert module ('' to skip)")
    ap.add_argument("--png-level", type=int, default=ConvertOptions().png_level)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args(argv)

    record: dict = {"bench": "convert_throughput", "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "machine": f"{platform.machine()} {os.cpu_count()} cpus", "images": args.images,
                    "input": f"{ROWS}x{COLS} 12-bit MONOCHROME2, VOI window", "output": "1024 px 8-bit PNG",
                    "load_average_1m": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(prefix="rxlabel-convert-bench-") as tmp:
        tmp = Path(tmp)
        pixels, record["source"] = source_image(1)
        paths = []
        for i in range(args.images):
            paths.append(tmp / f"in{i}.dcm")
            write_dicom(np.roll(pixels, 37 * i, axis=1), paths[-1])
        pairs = pd.DataFrame({"image_path": [str(p) for p in paths], "sop_uid": [f"1.2.3.{i}" for i in range(len(paths))],
                              "patient_id": "P", "report_id": [f"r{i}" for i in range(len(paths))]})
        n = len(paths)
        for level in sorted({6, args.png_level}):
            (tmp / f"bare{level}").mkdir()
            record[f"bare_level{level}"] = timed(
                lambda level=level: [bare(p, tmp / f"bare{level}" / f"{p.stem}.png", level) for p in paths], n)
        before = load_before(args.before) if args.before else None
        if before is not None:
            record["before_rev"] = args.before
            record["before"] = timed(lambda: before.convert_pairs(pairs, tmp / "before", before.ConvertOptions(),
                                                                  quiet=True), n)
        opts = ConvertOptions(png_level=args.png_level)
        record["png_level"] = args.png_level
        record["rxlabel_jobs1"] = timed(lambda: convert_pairs(pairs, tmp / "now1", opts, jobs=1, quiet=True), n)
        links = []  # more than 8 distinct paths, so that convert_pairs uses its process pool
        for k in range(max(2, -(-9 // n))):
            for p in paths:
                links.append(tmp / f"link{k}_{p.name}")
                links[-1].symlink_to(p)
        many = pd.DataFrame({"image_path": [str(p) for p in links], "sop_uid": [f"9.{i}" for i in range(len(links))],
                             "patient_id": "P", "report_id": [f"m{i}" for i in range(len(links))]})
        record["rxlabel_jobs2"] = timed(lambda: convert_pairs(many, tmp / "now2", opts, jobs=2, quiet=True), len(links))
        sizes = {name: sum(f.stat().st_size for f in (tmp / name).glob("*.png")) / n
                 for name in ["now1", *[f"bare{lv}" for lv in sorted({6, args.png_level})]]}
        record["mean_png_kb"] = {k: round(v / 1024, 1) for k, v in sizes.items()}
    now = record["rxlabel_jobs1"]["images_per_cpu_s"]
    record["ratio_vs_bare_level6"] = round(now / record["bare_level6"]["images_per_cpu_s"], 2)
    if "before" in record:
        record["ratio_vs_before"] = round(now / record["before"]["images_per_cpu_s"], 2)
        record["meets_3x_target"] = record["ratio_vs_before"] >= 3
    for key in [k for k in record if k.startswith(("bare_", "before", "rxlabel_")) and isinstance(record[k], dict)]:
        r = record[key]
        print(f"{key:<16} {r['images_per_cpu_s']:7.2f} images/CPU-s  {r['images_per_wall_s']:7.2f} images/s wall")
    emit(record, RESULTS, append=not args.no_append)
    return record


if __name__ == "__main__":
    main()
