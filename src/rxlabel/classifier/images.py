"""Radiograph readers (PNG, JPEG, DICOM), lung-mask crop, resize and an on-disk cache.

Every reader returns a 2-D float32 array in [0, 1] where higher means brighter on the film
(bone white), whatever the file's bit depth or photometric interpretation.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
from PIL import Image

from rxlabel.imaging import (  # the one DICOM reader
    IMAGE_SUFFIXES,
    ImageReadError,
    is_dicom,
    read_dicom,
)

DICOM_SUFFIXES = {".dcm", ".dicom", ""}


def _normalise(arr: np.ndarray) -> np.ndarray:
    arr = arr.astype(np.float32)
    lo, hi = float(np.min(arr)), float(np.max(arr))
    if hi <= lo:
        return np.zeros_like(arr, dtype=np.float32)
    return (arr - lo) / (hi - lo)


def read_raster(path: str | Path) -> np.ndarray:
    """Read PNG/JPEG/TIFF (8 or 16 bit, grey or RGB) as grey float32 in [0, 1]."""
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                arr = np.asarray(im, dtype=np.float32)
                top = 65535.0 if arr.max() > 255 or im.mode.startswith("I;16") else 255.0
                return np.clip(arr / top, 0.0, 1.0)
            if im.mode == "F":
                return _normalise(np.asarray(im, dtype=np.float32))
            return np.asarray(im.convert("L"), dtype=np.float32) / 255.0
    except Exception as exc:
        raise ImageReadError(f"{path}: not a readable image ({type(exc).__name__}: {exc})") from exc


def read_image(path: str | Path) -> np.ndarray:
    """Read any supported radiograph as a 2-D float32 array in [0, 1]."""
    p = Path(path)
    if not p.is_file():
        raise ImageReadError(f"{p}: file not found")
    return read_dicom(p) if is_dicom(p) else read_raster(p)


def rle_to_mask(rle: str, height: int, width: int) -> np.ndarray:
    """Decode a CheXmask-style run-length string (1-based start, length pairs, row-major) to a bool mask."""
    runs = np.array([int(v) for v in str(rle).split()], dtype=np.int64)
    if runs.size % 2:
        raise ValueError("RLE string must hold (start, length) pairs")
    mask = np.zeros(height * width, dtype=bool)
    for start, length in zip(runs[::2] - 1, runs[1::2], strict=True):
        mask[start : start + length] = True
    return mask.reshape(height, width)


def crop_to_mask(image: np.ndarray, mask: np.ndarray, margin: float = 0.05) -> np.ndarray:
    """Crop ``image`` to the bounding box of ``mask`` (rescaled to the image size) plus a margin."""
    if mask.shape != image.shape:
        mask = np.asarray(
            Image.fromarray(mask.astype(np.uint8) * 255).resize(image.shape[::-1], Image.NEAREST)
        ) > 0
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return image  # an empty mask carries no information: keep the whole image
    h, w = image.shape
    dy, dx = int(margin * h), int(margin * w)
    return image[max(rows[0] - dy, 0) : min(rows[-1] + dy + 1, h), max(cols[0] - dx, 0) : min(cols[-1] + dx + 1, w)]


def resize(image: np.ndarray, size: int) -> np.ndarray:
    """Resize to ``size`` x ``size`` with antialiasing (float precision kept)."""
    if image.shape == (size, size):
        return image.astype(np.float32)
    im = Image.fromarray(image.astype(np.float32))
    return np.array(im.resize((size, size), Image.BILINEAR, reducing_gap=2.0), dtype=np.float32)


def load_mask(mask_path: str | None = None, mask_rle: str | None = None, shape: tuple[int, int] | None = None):
    """Load a lung mask from an image file or an RLE string (``shape`` = (height, width) of the RLE)."""
    if mask_path:
        return read_image(mask_path) > 0.5
    if mask_rle:
        if shape is None:
            raise ValueError("an RLE mask needs its height and width")
        return rle_to_mask(mask_rle, *shape)
    return None


def load_prepared(
    path: str | Path,
    size: int,
    cache_dir: str | Path | None = None,
    mask: np.ndarray | None = None,
    mask_key: str = "",
    crop=None,
) -> np.ndarray:
    """Read, optionally crop to a lung mask, and resize; cached as uint16 ``.npy`` when ``cache_dir`` is set.

    The cache key holds the path, size, modification time and mask, so an edited file is re-read.
    """
    p = Path(path)
    cache_file = None
    if cache_dir is not None:
        try:
            st = p.stat()
        except OSError as exc:
            raise ImageReadError(f"{p}: file not found") from exc
        key = f"{p.resolve()}|{size}|{st.st_mtime_ns}|{st.st_size}|{mask_key}"
        cache_file = Path(cache_dir) / f"{hashlib.sha1(key.encode()).hexdigest()}.npy"
        if cache_file.is_file():
            try:
                return np.load(cache_file).astype(np.float32) / 65535.0
            except (OSError, ValueError):
                pass  # a damaged cache entry is rebuilt below
    image = read_image(p)
    if crop is not None:  # e.g. CheXmask lungs + area below (computed once: the result is cached)
        image = crop(image)
    elif mask is not None:
        image = crop_to_mask(image, mask)
    image = resize(image, size)
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, np.round(np.clip(image, 0, 1) * 65535).astype(np.uint16))
        os.replace(tmp, cache_file)  # atomic: parallel loader workers never see half a file
    return image


def list_images(folder: str | Path) -> list[Path]:
    """All PNG/JPEG/TIFF/DICOM files under ``folder`` (recursively), sorted."""
    out = []
    for p in sorted(Path(folder).rglob("*")):
        if not p.is_file() or p.name.startswith("."):
            continue
        if p.suffix.lower() in IMAGE_SUFFIXES or is_dicom(p):
            out.append(p)
    return out
