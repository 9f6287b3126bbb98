"""DICOM to PNG for training sets: VOI LUT or window, MONOCHROME1 inverted, compressed syntaxes decoded,
aspect kept with padding, optional de-identified file names (salted hash of the SOP Instance UID)."""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm

from rxlabel.errors import OptionError
from rxlabel.imaging import load_dicom, to_display


@dataclass(frozen=True)
class ConvertOptions:
    size: int = 1024  # output is size x size; 0 keeps the original size
    bits: int = 8  # 8 or 16
    window: tuple[float, float] | None = None  # (center, width) overrides the file's VOI
    salt: str | None = None  # set: file names are HMAC-SHA256(salt, SOP UID), no patient id in outputs
    fmt: str = "png"  # png (8/16-bit) or jpg (8-bit, quality 95)


# The one DICOM-to-array path (rxlabel.imaging), under the names this module has always exported.
load_pixels = load_dicom


def fit(img: np.ndarray, size: int) -> np.ndarray:
    """Resize the longer side to ``size`` keeping the aspect ratio, then pad to a square with black."""
    if size <= 0:
        return img
    h, w = img.shape
    scale = size / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    pil = Image.fromarray(img.astype(np.float32), mode="F").resize((nw, nh), Image.Resampling.LANCZOS if scale < 1
                                                                   else Image.Resampling.BICUBIC)
    small = np.clip(np.asarray(pil), 0.0, 1.0)
    out = np.zeros((size, size), dtype=np.float32)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top : top + nh, left : left + nw] = small
    return out


def out_name(sop_uid: str, path: str, salt: str | None) -> str:
    """File stem: the SOP UID, or its salted hash when de-identifying (stable for one salt, unlinkable without it)."""
    key = sop_uid or os.path.basename(path)
    if salt is None:
        return key.replace("/", "_")
    return hmac.new(salt.encode("utf-8"), key.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def convert_one(path: str, dest: str, opts: ConvertOptions) -> dict:
    """Convert one file; returns a record with ``status`` ``ok`` or ``failed`` and the reason. Never raises."""
    try:
        arr, ds = load_pixels(path)
        img = fit(to_display(arr, ds, opts.window), opts.size)
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
        tmp = dest + ".partial." + opts.fmt
        if opts.fmt == "jpg":
            if opts.bits != 8:
                raise OptionError("JPEG output is 8-bit only; use --bits 8 or --format png")
            Image.fromarray(np.round(img * 255).astype(np.uint8), mode="L").save(tmp, quality=95)
        elif opts.bits == 16:
            Image.fromarray(np.round(img * 65535).astype(np.uint16)).save(tmp)
        else:
            Image.fromarray(np.round(img * 255).astype(np.uint8), mode="L").save(tmp)
        os.replace(tmp, dest)
        return {"status": "ok", "reason": "", "rows": int(arr.shape[0]), "columns": int(arr.shape[1]),
                "photometric": str(ds.get("PhotometricInterpretation", ""))}
    except Exception as exc:  # each file's failure is recorded; the batch goes on
        msg = f"{type(exc).__name__}: {exc}"
        return {"status": "failed", "reason": msg[:400], "rows": 0, "columns": 0, "photometric": ""}


def _job(args: tuple[str, str, ConvertOptions]) -> dict:
    return convert_one(*args)


def convert_pairs(
    pairs: pd.DataFrame, out_dir: str | Path, opts: ConvertOptions | None = None, jobs: int = 1, quiet: bool = False
) -> pd.DataFrame:
    """Convert every distinct image of a pairs table; returns (and writes ``manifest.csv``) one row per pair.

    With a salt the manifest carries ``patient_key`` (salted hash of the patient id) instead of ids and paths.
    """
    opts = opts or ConvertOptions()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    images = pairs.drop_duplicates("image_path")
    tasks = []
    for row in images.itertuples(index=False):
        name = out_name(str(getattr(row, "sop_uid", "") or ""), row.image_path, opts.salt) + "." + opts.fmt
        tasks.append((row.image_path, str(out_dir / name), opts))
    bar = tqdm(total=len(tasks), unit="img", desc="convert", disable=quiet or not sys.stderr.isatty())
    results = []
    if jobs > 1 and len(tasks) > 8:
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            for r in ex.map(_job, tasks, chunksize=8):
                results.append(r)
                bar.update()
    else:
        for t in tasks:
            results.append(_job(t))
            bar.update()
    bar.close()
    conv = pd.DataFrame(results)
    conv.insert(0, "image_path", [t[0] for t in tasks])
    conv.insert(1, "png", [os.path.relpath(t[1], out_dir) for t in tasks])
    manifest = pairs.merge(conv, on="image_path", how="left")
    if opts.salt is not None:
        manifest["patient_key"] = [out_name(str(p), "", opts.salt) for p in manifest["patient_id"]]
        manifest["image_key"] = manifest["png"].str.removesuffix("." + opts.fmt)
        drop = [c for c in ("image_path", "patient_id", "sop_uid", "study_uid", "series_uid", "session_id",
                            "report_source", "note") if c in manifest]
        manifest = manifest.drop(columns=drop)
    tmp = out_dir / ".manifest.csv.partial"
    manifest.to_csv(tmp, index=False)
    os.replace(tmp, out_dir / "manifest.csv")
    return manifest
