"""CheXmask anatomical masks: read the CSVs, decode the run-length masks, map them onto the image grid.

CheXmask (Gaggion et al. 2024) publishes one row per image: ``ImageID`` (PadChest) or ``image_id``
(VinDr-CXR and others), ``Left Lung`` / ``Right Lung`` / ``Heart`` run-length masks ("start length"
pairs, 1-based starts over the row-major image), ``Landmarks``, ``Dice RCA (Mean)`` / ``Dice RCA
(Max)`` (the per-image quality estimate by Reverse Classification Accuracy) and ``Height`` / ``Width``.

The *preprocessed* release holds masks on a 1024 x 1024 square: CheXmask removed a uniform black
border (PadChest only), padded the image to a centred square (the odd pixel on the bottom / right)
and resized it to 1024. :func:`to_image_grid` undoes that exactly: original pixel (y, x) takes the
value of the square-mask pixel under its centre. When the original's longest side is at most 1024 the
round trip original -> square -> original is the identity (tested on the example masks); above 1024 it
is the nearest-centre inverse of a down-sampling. A mask that is neither square nor the image's own
size cannot be placed and is refused with the image named.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rxlabel.errors import RxlabelError

PREPROCESSED_SIDE = 1024
MASK_COLUMNS = {"Left Lung": "left_lung", "Right Lung": "right_lung", "Heart": "heart"}
QUALITY_COLUMNS = {"Dice RCA (Mean)": "dice_rca_mean", "Dice RCA (Max)": "dice_rca_max"}
ID_COLUMNS = {"ImageID": "padchest", "image_id": "vindr", "dicom_id": "mimic", "Path": "chexpert"}
TABLE_COLUMNS = ["image_id", "layout", "dice_rca_mean", "dice_rca_max", "mask_height", "mask_width",
                 "left_lung", "right_lung", "heart", "landmarks"]


class ChexmaskError(RxlabelError, ValueError):
    """A CheXmask file or mask that cannot be used; the message names the file / image and the fix."""


def rle_decode(rle: str, height: int, width: int, what: str = "mask") -> np.ndarray:
    """Decode a CheXmask run-length string to a (height, width) bool mask (vectorised)."""
    text = "" if rle is None or (isinstance(rle, float) and np.isnan(rle)) else str(rle)
    try:
        runs = np.array(text.split(), dtype=np.int64)
    except ValueError as exc:
        raise ChexmaskError(f"{what}: run-length mask holds a non-integer ({exc})") from exc
    if runs.size % 2:
        raise ChexmaskError(f"{what}: run-length mask must hold (start, length) pairs, got {runs.size} numbers")
    starts, lengths = runs[::2] - 1, runs[1::2]
    n = int(height) * int(width)
    if runs.size and (starts.min() < 0 or lengths.min() < 0 or (starts + lengths).max() > n):
        raise ChexmaskError(f"{what}: run-length mask reaches pixel {int((starts + lengths).max())} "
                            f"beyond a {height} x {width} image; Height/Width do not match the mask")
    edges = np.zeros(n + 1, dtype=np.int32)
    np.add.at(edges, starts, 1)
    np.add.at(edges, starts + lengths, -1)
    return (np.cumsum(edges[:-1]) > 0).reshape(int(height), int(width))


def rle_encode(mask: np.ndarray) -> str:
    """Encode a 2-D mask in CheXmask's format (the inverse of :func:`rle_decode`)."""
    pixels = np.concatenate([[0], np.asarray(mask).reshape(-1) > 0, [0]]).astype(np.int8)
    runs = np.flatnonzero(pixels[1:] != pixels[:-1]) + 1
    runs[1::2] -= runs[::2]
    return " ".join(str(int(v)) for v in runs)


def border_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the uniform black border CheXmask removed from PadChest films.

    CheXmask took the bounding box of 8-bit pixels > 1 (``cv2.imread(path, 0)``, i.e. the top byte
    of a 16-bit film); ``image`` is the [0, 1] float film, so the test is ``image >= 2/256``.
    """
    rows = np.flatnonzero((image >= 2 / 256).any(axis=1))
    cols = np.flatnonzero((image >= 2 / 256).any(axis=0))
    if rows.size == 0:
        return 0, 0, 0, 0
    h, w = image.shape
    return int(cols[0]), int(rows[0]), int(w - 1 - cols[-1]), int(h - 1 - rows[-1])


def square_geometry(height: int, width: int, border=(0, 0, 0, 0)) -> tuple[int, int, int, int, int]:
    """(side, pad_top, pad_left, inner_h, inner_w) of CheXmask's centred square for an image."""
    left, top, right, bottom = border
    inner_h, inner_w = height - top - bottom, width - left - right
    side = max(inner_h, inner_w)
    return side, (side - inner_h) // 2, (side - inner_w) // 2, inner_h, inner_w


def to_image_grid(mask: np.ndarray, image_shape: tuple[int, int], image: str = "image",
                  border: tuple[int, int, int, int] = (0, 0, 0, 0)) -> np.ndarray:
    """Place a CheXmask mask on the original image's pixel grid (see module docstring)."""
    h, w = int(image_shape[0]), int(image_shape[1])
    if mask.shape == (h, w) and not any(border):
        return mask
    mh, mw = mask.shape
    if mh != mw:
        raise ChexmaskError(
            f"{image}: its mask is {mh} x {mw} (height x width), neither square (CheXmask preprocessed) nor the "
            f"image's own {h} x {w}; use the CheXmask release that matches these images")
    side, pad_top, pad_left, inner_h, inner_w = square_geometry(h, w, border)
    if inner_h <= 0 or inner_w <= 0:
        raise ChexmaskError(f"{image}: border {border} leaves no image of its {h} x {w} pixels")
    ys = np.floor((np.arange(inner_h) + pad_top + 0.5) * mh / side).astype(np.int64)
    xs = np.floor((np.arange(inner_w) + pad_left + 0.5) * mw / side).astype(np.int64)
    out = np.zeros((h, w), dtype=bool)
    left, top = border[0], border[1]
    out[top: top + inner_h, left: left + inner_w] = mask[np.ix_(ys, xs)]
    return out


def to_square(mask: np.ndarray, side: int = PREPROCESSED_SIDE, border=(0, 0, 0, 0)) -> np.ndarray:
    """CheXmask's forward step (border removal, centred pad, nearest resize to ``side``); for tests and tools."""
    h, w = mask.shape
    left, top, right, bottom = border
    inner = mask[top: h - bottom, left: w - right]
    big, pad_top, pad_left, ih, iw = square_geometry(h, w, border)
    padded = np.zeros((big, big), dtype=bool)
    padded[pad_top: pad_top + ih, pad_left: pad_left + iw] = inner
    idx = np.floor((np.arange(side) + 0.5) * big / side).astype(np.int64)
    return padded[np.ix_(idx, idx)]


def _layout(columns, path: Path) -> tuple[str, str]:
    for col, layout in ID_COLUMNS.items():
        if col in columns:
            return col, layout
    raise ChexmaskError(f"{path}: no image id column; CheXmask files name images in ImageID (PadChest) or "
                        f"image_id (VinDr-CXR); found {', '.join(map(str, columns))}")


def iter_chexmask(path: str | Path, chunksize: int = 2000) -> Iterator[pd.DataFrame]:
    """Read a CheXmask CSV in chunks as normalised frames with :data:`TABLE_COLUMNS`.

    A blank Height / Width is the preprocessed release's 1024 x 1024 square; each row's masks must
    fit its size (checked when decoded).
    """
    path = Path(path)
    if not path.is_file():
        raise ChexmaskError(f"{path}: CheXmask file not found")
    header = pd.read_csv(path, nrows=0).columns
    id_col, layout = _layout(header, path)
    missing = [c for c in [*MASK_COLUMNS, *QUALITY_COLUMNS] if c not in header]
    if missing:
        raise ChexmaskError(f"{path}: missing CheXmask column(s) {', '.join(missing)}")
    for chunk in pd.read_csv(path, chunksize=chunksize, dtype={id_col: str}):
        out = pd.DataFrame({"image_id": chunk[id_col].astype(str).str.strip(), "layout": layout})
        for src, dst in QUALITY_COLUMNS.items():
            out[dst] = pd.to_numeric(chunk[src], errors="coerce")
        for src, dst in (("Height", "mask_height"), ("Width", "mask_width")):
            vals = pd.to_numeric(chunk[src], errors="coerce") if src in chunk else pd.Series(np.nan, index=chunk.index)
            out[dst] = vals.fillna(PREPROCESSED_SIDE).astype(np.int64)
        for src, dst in MASK_COLUMNS.items():
            out[dst] = chunk[src].astype(object).fillna("").astype(str)
        out["landmarks"] = chunk["Landmarks"].astype(object).fillna("").astype(str) if "Landmarks" in chunk else ""
        yield out[TABLE_COLUMNS]


def read_chexmask(path: str | Path) -> pd.DataFrame:
    """The whole CheXmask CSV as one normalised frame (see :func:`iter_chexmask`)."""
    parts = list(iter_chexmask(path))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TABLE_COLUMNS)


def _id_forms(value: str) -> list[str]:
    base = os.path.basename(str(value))
    return list(dict.fromkeys([str(value), base, os.path.splitext(base)[0]]))


@dataclass
class JoinResult:
    """CheXmask rows matched to index images (``table`` gains ``key``) and what was left over."""

    table: pd.DataFrame
    rows: int
    unmatched: int
    duplicates: int


def join_to_images(table: pd.DataFrame, images: pd.DataFrame) -> JoinResult:
    """Match CheXmask ids to index images by key, file name or file stem; a second row for an image is dropped."""
    lookup: dict[str, str] = {}
    for key, path in zip(images["key"].astype(str), images["path"].astype(str), strict=True):
        for form in _id_forms(key) + _id_forms(path):
            lookup.setdefault(form, key)
    keys = [next((lookup[f] for f in _id_forms(i) if f in lookup), None) for i in table["image_id"]]
    out = table.assign(key=keys)
    matched = out[out["key"].notna()]
    dupes = matched["key"].duplicated(keep="first")
    return JoinResult(matched[~dupes].reset_index(drop=True), len(table), int(out["key"].isna().sum()),
                      int(dupes.sum()))


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a mask table as Parquet atomically (``.partial`` then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    table.to_parquet(partial, index=False)
    os.replace(partial, path)
    return path


def read_table(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a mask table written by ``rxlabel masks import``."""
    path = Path(path)
    if not path.is_file():
        raise ChexmaskError(f"{path}: mask table not found; make it with 'rxlabel masks import'")
    return pd.read_parquet(path, columns=columns)


def lung_box(left: str, right: str, height: int, width: int, what: str = "mask") -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) bounding box of the union of both lungs on the mask grid, or None if empty."""
    union = rle_decode(left, height, width, what) | rle_decode(right, height, width, what)
    rows, cols = np.flatnonzero(union.any(axis=1)), np.flatnonzero(union.any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def parse_box(text: str) -> tuple[int, int, int, int] | None:
    """'y0 y1 x0 x1' (as written in a manifest's ``lung_box``) -> ints, or None when blank."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return None
    parts = [int(float(v)) for v in str(text).split()]
    if len(parts) != 4:
        raise ChexmaskError(f"lung_box {text!r} must be four numbers 'y0 y1 x0 x1'")
    return parts[0], parts[1], parts[2], parts[3]


def lung_crop(image: np.ndarray, box: tuple[int, int, int, int], mask_shape: tuple[int, int], layout: str = "",
              margin: float = 0.05, below: float = 1.0, name: str = "image") -> np.ndarray:
    """Crop a film to its lungs plus the area below them (PadChest study), from a mask-grid box.

    ``box`` is the lungs' (y0, y1, x0, x1) on the CheXmask grid; it is mapped onto the film with
    :func:`to_image_grid` (PadChest films get CheXmask's border removal first). ``below`` is the share
    of the film under the lungs kept (1: down to the bottom edge, 0: none); ``margin`` is added on
    every side as a fraction of the film's height / width.
    """
    y0, y1, x0, x1 = box
    on_mask = np.zeros(mask_shape, dtype=bool)
    on_mask[y0:y1, x0:x1] = True
    border = border_box(image) if layout == "padchest" else (0, 0, 0, 0)
    on_image = to_image_grid(on_mask, image.shape, name, border)
    rows, cols = np.flatnonzero(on_image.any(axis=1)), np.flatnonzero(on_image.any(axis=0))
    if rows.size == 0:
        return image
    h, w = image.shape
    top, bottom = rows[0], rows[-1] + 1
    bottom = bottom + int(round(below * (h - bottom)))
    dy, dx = int(margin * h), int(margin * w)
    return image[max(top - dy, 0): min(bottom + dy, h), max(cols[0] - dx, 0): min(cols[-1] + 1 + dx, w)]


def image_masks(row, image_shape: tuple[int, int], image: str = "image",
                border: tuple[int, int, int, int] = (0, 0, 0, 0)) -> dict[str, np.ndarray]:
    """Left lung, right lung and heart of one mask-table row on the film's grid (for region tasks)."""
    h, w = int(row["mask_height"]), int(row["mask_width"])
    return {name: to_image_grid(rle_decode(row[name], h, w, f"{image} {name}"), image_shape, image, border)
            for name in MASK_COLUMNS.values()}
