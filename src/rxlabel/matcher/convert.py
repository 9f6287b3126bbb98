"""DICOM to PNG for training sets: VOI LUT or window, MONOCHROME1 inverted, compressed syntaxes decoded,
aspect kept with padding, optional de-identified file names (salted hash of the SOP Instance UID).

Speed (issue 18.2): integer pixels go through one lookup table per image (``rxlabel.imaging.read_display``:
modality LUT, VOI window and inversion evaluated once per stored value), images stay uint8 / uint16 through the resize, PNGs are
written at zlib level 1 by default (``png_level``), and in one process a thread encodes image i while
image i+1 is decoded. Output names are unique by construction (SOP UID, else a hash of the source path).
"""

from __future__ import annotations

import contextlib
import errno
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
from rxlabel.imaging import load_dicom, read_display, to_display  # noqa: F401  (to_display: this module's API)


@dataclass(frozen=True)
class ConvertOptions:
    size: int = 1024  # output is size x size; 0 keeps the original size
    bits: int = 8  # 8 or 16
    window: tuple[float, float] | None = None  # (center, width) overrides the file's VOI
    salt: str | None = None  # set: file names are HMAC-SHA256(salt, SOP UID), no patient id in outputs
    fmt: str = "png"  # png (8/16-bit) or jpg (8-bit, quality 95)
    png_level: int = 1  # zlib level: 1 is ~4x faster to write than Pillow's default 6 for ~17% more bytes
    dates: str = "shift"  # with a salt: dates shifted per patient ("shift") or cut to the year ("year")


# The one DICOM-to-array path (rxlabel.imaging), under the names this module has always exported.
load_pixels = load_dicom


def render(path: str, opts: ConvertOptions) -> tuple[np.ndarray, dict]:
    """The output image (uint8 or uint16, ``size`` x ``size``) of one DICOM file and its facts."""
    img, ds = read_display(path, opts.window, 8 if opts.fmt == "jpg" else opts.bits)
    facts = {"rows": int(img.shape[0]), "columns": int(img.shape[1]),
             "photometric": str(ds.get("PhotometricInterpretation", ""))}
    return fit(img, opts.size), facts


def fit(img: np.ndarray, size: int) -> np.ndarray:
    """Resize the longer side to ``size`` keeping the aspect ratio, then pad to a square with black.

    uint8 / uint16 images stay integer (Pillow's L / I;16 resampling); float images are taken as [0, 1]."""
    if size <= 0:
        return img
    h, w = img.shape
    scale = size / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    method = Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC
    if img.dtype == np.uint8:
        small = np.asarray(Image.fromarray(img, mode="L").resize((nw, nh), method))
    elif img.dtype == np.uint16:
        small = np.asarray(Image.fromarray(img).resize((nw, nh), method)).astype(np.uint16)
    else:
        pil = Image.fromarray(img.astype(np.float32), mode="F").resize((nw, nh), method)
        small = np.clip(np.asarray(pil), 0.0, 1.0)
    out = np.zeros((size, size), dtype=small.dtype)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top : top + nh, left : left + nw] = small
    return out


def out_name(sop_uid: str, path: str, salt: str | None) -> str:
    """File stem, unique by construction: the SOP UID, else ``nosop-`` + a hash of the source path
    (``d/x.dcm`` and ``d/sub/x.dcm`` differ); with a salt, HMAC-SHA256 of either (unlinkable without it)."""
    if sop_uid:
        key = sop_uid
    else:
        key = "path:" + os.path.normpath(str(path))
    if salt is not None:
        return hmac.new(salt.encode("utf-8"), key.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
    if sop_uid:
        return sop_uid.replace("/", "_").replace(os.sep, "_")
    return "nosop-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def write_image(img: np.ndarray, dest: str, opts: ConvertOptions) -> None:
    """Encode and move into place atomically; the same image and options give the same bytes."""
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    tmp = dest + ".partial." + opts.fmt
    try:
        if opts.fmt == "jpg":
            Image.fromarray(img, mode="L").save(tmp, quality=95)
        else:
            pil = Image.fromarray(img, mode="L") if img.dtype == np.uint8 else Image.fromarray(img)
            pil.save(tmp, compress_level=opts.png_level)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):  # no half-written file left behind (a full disk, a kill)
            os.unlink(tmp)
        raise


# The output disk is full or read-only: no later image can be written either, so the run stops with one message
# (rxlabel.cli) instead of recording every remaining image as failed. A source that cannot be read fails alone.
_OUTPUT_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def _raise_if_output_full(exc: Exception) -> None:
    if isinstance(exc, OSError) and exc.errno in _OUTPUT_FULL:
        raise exc


def _failure(exc: Exception) -> dict:
    msg = f"{type(exc).__name__}: {exc}"  # rxlabel.imaging's messages already say what to install
    return {"status": "failed", "reason": msg[:400], "rows": 0, "columns": 0, "photometric": ""}


def _check(opts: ConvertOptions) -> None:
    if opts.fmt == "jpg" and opts.bits != 8:
        raise OptionError("JPEG output is 8-bit only; use --bits 8 or --format png")


def convert_one(path: str, dest: str, opts: ConvertOptions) -> dict:
    """Convert one file; returns a record with ``status`` ``ok`` or ``failed`` and the reason. Raises only when the
    output disk is full or read-only (every later image would fail the same way)."""
    try:
        _check(opts)
        img, facts = render(path, opts)
        write_image(img, dest, opts)
        return {"status": "ok", "reason": "", **facts}
    except Exception as exc:  # each file's failure is recorded; the batch goes on
        _raise_if_output_full(exc)
        return _failure(exc)


def _convert_overlapped(tasks: list[tuple[str, str, ConvertOptions]], bar) -> list[dict]:
    """One process: decode image i+1 while a thread encodes image i (zlib and Pillow release the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    results: list[dict] = []
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending = None
        for path, dest, opts in tasks:
            try:
                _check(opts)
                img, facts = render(path, opts)
                job = writer.submit(write_image, img, dest, opts)
                record = {"status": "ok", "reason": "", **facts}
            except Exception as exc:  # each file's failure is recorded; the batch goes on
                job, record = None, _failure(exc)
            if pending is not None:
                results.append(_settle(*pending))
                bar.update()
            pending = (job, record)
        if pending is not None:
            results.append(_settle(*pending))
            bar.update()
    return results


def _settle(job, record: dict) -> dict:
    if job is None:
        return record
    try:
        job.result()
    except Exception as exc:  # a failed write fails that image only, unless the disk is full
        _raise_if_output_full(exc)
        return _failure(exc)
    return record


def deidentified_manifest(manifest: pd.DataFrame, pairs: pd.DataFrame, opts: ConvertOptions) -> pd.DataFrame:
    """The manifest without ids, names, exact dates, source paths or identifiers in the report text (see rxlabel.deid)."""
    from rxlabel.deid import Deidentifier

    deid = Deidentifier(opts.salt, opts.dates)
    deid.learn_table(pairs)  # ids, dates, and names/birth dates from the DICOM headers, per patient
    image_key = manifest["png"].str.removesuffix("." + opts.fmt)
    out = deid.table(manifest).rename(columns={"patient_id": "patient_key"})
    out.insert(0, "image_key", image_key)
    return out


def _job(args: tuple[str, str, ConvertOptions]) -> dict:
    return convert_one(*args)


def convert_pairs(
    pairs: pd.DataFrame, out_dir: str | Path, opts: ConvertOptions | None = None, jobs: int = 1, quiet: bool = False
) -> pd.DataFrame:
    """Convert every distinct image of a pairs table; returns (and writes ``manifest.csv``) one row per pair.

    With a salt the manifest carries ``patient_key`` (salted pseudonym of the patient id), pseudonymous ids, shifted
    dates and scrubbed text instead of ids, paths, dates and identifiers (:func:`deidentified_manifest`).
    """
    opts = opts or ConvertOptions()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    images = pairs.drop_duplicates("image_path")
    tasks, collided, owner = [], {}, {}
    for n, row in enumerate(images.itertuples(index=False), start=1):
        name = out_name(_text(getattr(row, "sop_uid", "")), row.image_path, opts.salt) + "." + opts.fmt
        if name in owner:  # the same SOP Instance UID on two files: never let one overwrite the other
            collided[row.image_path] = {
                "status": "failed", "rows": 0, "columns": 0, "photometric": "",
                "reason": f"name_collision: same SOP Instance UID as image {owner[name]} of the table; "
                          f"only the first is converted (remove the duplicate or give it its own UID)"}
            continue
        owner[name] = n
        tasks.append((row.image_path, str(out_dir / name), opts))
    bar = tqdm(total=len(tasks), unit="img", desc="convert", disable=quiet or not sys.stderr.isatty())
    if jobs > 1 and len(tasks) > 8:
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            results = []
            for r in ex.map(_job, tasks, chunksize=4):
                results.append(r)
                bar.update()
    else:
        results = _convert_overlapped(tasks, bar)
    bar.close()
    conv = pd.DataFrame([*results, *collided.values()],
                        columns=["status", "reason", "rows", "columns", "photometric"])
    conv.insert(0, "image_path", [t[0] for t in tasks] + list(collided))
    conv.insert(1, "png", [os.path.relpath(t[1], out_dir) for t in tasks] + [""] * len(collided))
    counts = {"images": len(conv), "ok": int(conv["status"].eq("ok").sum()),
              "failed": int(conv["status"].ne("ok").sum())}
    if counts["ok"] + counts["failed"] != images["image_path"].nunique():
        raise RuntimeError(f"internal accounting error: {counts} for {images['image_path'].nunique()} images")
    manifest = pairs.merge(conv, on="image_path", how="left")
    if opts.salt is not None:
        manifest = deidentified_manifest(manifest, pairs, opts)
    tmp = out_dir / ".manifest.csv.partial"
    manifest.to_csv(tmp, index=False)
    os.replace(tmp, out_dir / "manifest.csv")
    manifest.attrs["counts"] = counts  # distinct source images: ok + failed = images
    return manifest


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()
