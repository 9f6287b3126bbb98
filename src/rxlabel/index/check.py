"""Open every indexed image (PNG, JPEG, DICOM) and record the damaged ones so datasets leave them out."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
from pyroaring import BitMap

from rxlabel.imaging import is_dicom
from rxlabel.index.store import Index, record_damage


def check_image(path: str | Path) -> str | None:
    """None when the image decodes fully; otherwise the reason it cannot be used."""
    path = Path(path)
    if not path.is_file():
        return "missing file"
    try:
        with path.open("rb") as handle:
            head = handle.read(132)
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    if not head:
        return "empty file"
    if is_dicom(path):
        return _check_dicom(path)
    return _check_picture(path)


def _check_picture(path: Path) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.verify()  # structure and checksums; cannot be followed by load() on the same object
        with Image.open(path) as img:
            img.load()  # decodes every pixel: catches truncated files that verify() lets through
            if img.width == 0 or img.height == 0:
                return "image has no pixels"
    except UnidentifiedImageError:
        return "not an image Pillow can read (PNG/JPEG expected)"
    except (OSError, SyntaxError, ValueError) as exc:
        return f"damaged image: {exc}"
    return None


def _check_dicom(path: Path) -> str | None:
    from rxlabel.imaging import ImageReadError, read_dicom

    try:
        read_dicom(path)  # the reader convert and the classifier use: what it reads, training can use
    except ImageReadError as exc:
        return str(exc).removeprefix(f"{path}: ")
    return None


def check_images(
    paths: Iterable[str], jobs: int = 4, progress: Callable[[int], None] | None = None
) -> dict[str, str]:
    """Reason per damaged path (threads: decoders release the GIL)."""
    paths = list(paths)
    damaged: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for path, reason in zip(paths, pool.map(check_image, paths, chunksize=16), strict=True):
            if reason is not None:
                damaged[path] = reason
            if progress:
                progress(1)
    return damaged


def check_index(
    index: Index, image_root: str | Path = "", jobs: int = 4, progress: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """Check every image of ``index``; store the damaged ones in it. Returns key, path, reason of each damaged image."""
    rows = index.images(index.universe, ["key", "path"])
    full = [os.path.join(str(image_root), p) if image_root else p for p in rows["path"]]
    damaged = check_images(full, jobs=jobs, progress=progress)
    reasons = [damaged.get(p) for p in full]
    rows = rows.assign(full_path=full, reason=reasons)
    bad = rows[rows["reason"].notna()]
    record_damage(Path(index.path), dict(zip(bad["key"], bad["reason"], strict=True)), rows["key"].tolist())
    index.damaged = BitMap(bad["id"].tolist())
    return bad[["key", "full_path", "reason"]].rename(columns={"full_path": "path"}).reset_index(drop=True)
