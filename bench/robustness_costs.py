"""What the issue 13 checks cost: the pixel-data completeness check of the DICOM header scan (class 12) and the
content hash that ``dataset create`` / ``rebuild`` compute per image (class 14). Prints a JSON line.

    python bench/robustness_costs.py               # the real files of shared/data, 20 rounds
    python bench/robustness_costs.py --rounds 5    # quick

Scan: the time of the whole ``read_header`` and of its pixel-data check alone (open, the pixel data element's
declared length, and for encapsulated data each fragment's 8-byte item header), on the same real chest files
(CR native, DX native, JPEG 2000 encapsulated). Hash: blake2b-128 over the real
radiograph files (PNG, JPEG, DICOM), MB/s of file bytes, the page cache warm (the rebuild case).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pydicom  # noqa: E402
from _results import emit  # noqa: E402

from rxlabel.imaging import expected_pixel_bytes, pixel_element_problem  # noqa: E402
from rxlabel.index.experiments import content_hashes  # noqa: E402
from rxlabel.matcher.scan import read_header  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _per_file_us(fn, paths: list[str], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for p in paths:
            fn(p)
    return (time.perf_counter() - start) / (rounds * len(paths)) * 1e6


def _pixel_checks(paths: list[str]):
    """A function running only the pixel-data check of one file (its header position found beforehand)."""
    where = {}
    for p in paths:
        with open(p, "rb") as fp:
            ds = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
            ts = str(ds.file_meta.get("TransferSyntaxUID", "")) if getattr(ds, "file_meta", None) else ""
            where[p] = (fp.tell(), os.path.getsize(p), ts,
                        expected_pixel_bytes(ds.get("Rows"), ds.get("Columns"), ds.get("SamplesPerPixel"),
                                             ds.get("BitsAllocated"), ds.get("NumberOfFrames")))

    def check(path: str) -> None:
        pos, size, ts, expected = where[path]
        with open(path, "rb") as fp:
            assert pixel_element_problem(fp, pos, size, ts, expected)[0] == "ok"

    return check


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    dicom = sorted(str(p) for p in (args.data / "dicom").glob("*.dcm"))
    assert all(read_header(p)["status"] == "ok" for p in dicom)
    check = _per_file_us(_pixel_checks(dicom), dicom, args.rounds)
    full = _per_file_us(read_header, dicom, args.rounds)
    pictures = sorted(str(p) for p in (args.data / "cxr").iterdir() if p.suffix in (".png", ".jpg", ".dcm")) + dicom
    size = sum(os.path.getsize(p) for p in pictures)
    content_hashes(pictures)  # warm the page cache
    start = time.perf_counter()
    for _ in range(args.rounds):
        content_hashes(pictures * 4)  # >= 32 paths: the threaded path dataset create takes
    seconds = time.perf_counter() - start
    emit({"bench": "robustness_costs", "dicom_files": len(dicom), "rounds": args.rounds,
          "scan_read_header_us": round(full), "scan_pixel_check_us": round(check),
          "scan_pixel_check_share": round(check / full, 3),
          "hash_files": len(pictures) * 4, "hash_mb": round(4 * size / 1e6, 1),
          "hash_mb_per_s": round(args.rounds * 4 * size / 1e6 / seconds),
          "cpu_count": os.cpu_count()},
         Path(__file__).resolve().parent / "results" / "robustness_costs.jsonl")


if __name__ == "__main__":
    main()
