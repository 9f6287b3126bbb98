"""A training input cache: every image decoded, cropped and resized once into one memory-mapped uint8 array.

``rxlabel cache MANIFEST --size 512 --out CACHE`` (the dataset cache step) writes

* ``CACHE/images.u8``: a raw ``(n, size, size)`` uint8 array (``np.memmap``; the OS page cache
  shares it between loader workers, nothing is decoded again);
* ``CACHE/index.csv``: one row per manifest row, ``row`` (its slot in the array), ``image_path``,
  ``ok`` and the ``reason`` an unreadable image was left out;
* ``CACHE/meta.json``: size, count, crop settings and the manifest's sha256, so a cache made from
  another manifest or size is refused instead of silently used.

:class:`CachedDataset` serves items from it: a uint8 read and, on CPU, the same seeded augmentation
as :class:`~rxlabel.classifier.data.RadiographDataset`. With ``raw=True`` (a CUDA run) it returns the
uint8 tile untouched and :func:`gpu_augment` applies the same drawn parameters to the whole batch on
the GPU (one ``affine_grid`` / ``grid_sample`` for the batch).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from rxlabel.classifier.data import MEAN, STD, Augment, AugmentDraw, EpochTagged, draw_params, mask_specs  # noqa: F401 (EpochTagged re-exported)
from rxlabel.classifier.images import ImageReadError
from rxlabel.errors import RxlabelError
from rxlabel.outputs import sha256

CACHE_VERSION = 1


class CacheError(RxlabelError, ValueError):
    """A cache that is missing, damaged or made from another manifest / size."""


def build_cache(manifest: str | Path, out: str | Path, size: int = 512, jobs: int = 2, crop_margin: float = 0.05,
                crop_below: float = 1.0, progress: bool = False) -> dict:
    """Decode, crop and resize every manifest image once into ``out`` (see module docstring)."""
    from tqdm.auto import tqdm

    from rxlabel.classifier.data import RadiographDataset
    from rxlabel.classifier.manifest import read_manifest

    manifest = Path(manifest)
    m = read_manifest(manifest)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = m.frame["image_path"].tolist()
    reader = RadiographDataset(paths, image_size=size, masks=mask_specs(m.frame, crop_margin, crop_below))
    partial = out / "images.u8.partial"
    arr = np.memmap(partial, dtype=np.uint8, mode="w+", shape=(max(len(paths), 1), size, size))
    reasons: list[str] = [""] * len(paths)

    def one(i: int, arr: np.ndarray = arr) -> None:
        try:
            arr[i] = np.round(np.clip(reader.load(i), 0, 1) * 255).astype(np.uint8)
        except (ImageReadError, ValueError, OSError) as exc:
            reasons[i] = str(exc)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:  # PIL and zlib release the GIL
        list(tqdm(pool.map(one, range(len(paths))), total=len(paths), desc="caching", disable=not progress,
                  leave=False))
    arr.flush()
    del arr
    os.replace(partial, out / "images.u8")
    index = pd.DataFrame({"row": np.arange(len(paths)), "image_path": paths, "ok": [not r for r in reasons],
                          "reason": reasons})
    index.to_csv(out / "index.csv.partial", index=False)
    os.replace(out / "index.csv.partial", out / "index.csv")
    meta = {"version": CACHE_VERSION, "size": size, "n": len(paths), "manifest": str(manifest.resolve()),
            "manifest_sha256": sha256(manifest), "crop_margin": crop_margin, "crop_below": crop_below,
            "unreadable": int(sum(bool(r) for r in reasons))}
    (out / "meta.json").write_text(json.dumps(meta, indent=2))  # written last: its presence means complete
    return {**meta, "out": str(out), "bytes": int((out / "images.u8").stat().st_size)}


def open_cache(cache: str | Path, manifest: str | Path | None = None, size: int | None = None):
    """(uint8 memmap, index frame, meta) of a cache; checks it was made from ``manifest`` at ``size``."""
    cache = Path(cache)
    meta_path = cache / "meta.json"
    if not meta_path.is_file():
        raise CacheError(f"{cache}: not a finished image cache (no meta.json); run 'rxlabel cache' again")
    meta = json.loads(meta_path.read_text())
    if size is not None and meta["size"] != size:
        raise CacheError(f"{cache}: images cached at {meta['size']} px, the run asks for {size}; "
                         "rebuild the cache with --size or use the matching --image-size")
    if manifest is not None and sha256(Path(manifest)) != meta["manifest_sha256"]:
        raise CacheError(f"{cache}: made from another manifest ({meta['manifest']}); rebuild it for {manifest}")
    arr = np.memmap(cache / "images.u8", dtype=np.uint8, mode="r", shape=(max(meta["n"], 1), meta["size"], meta["size"]))
    index = pd.read_csv(cache / "index.csv", keep_default_na=False)
    return arr, index, meta


class CachedDataset(Dataset):
    """Items ``(image, target, mask, index)`` read from a cache: uint8 tiles, no decoding.

    ``rows`` are the cache slots of this split's images (in order). On CPU the item is augmented in
    the worker with parameters drawn from (seed, epoch, index), exactly as RadiographDataset does;
    with ``raw=True`` the item is the uint8 tile and :func:`gpu_augment` draws the same parameters.
    """

    def __init__(self, cache: str | Path, rows: np.ndarray, targets: np.ndarray, mask: np.ndarray,
                 in_chans: int = 1, aug: Augment | None = None, seed: int = 0, raw: bool = False) -> None:
        self.cache, self.rows = Path(cache), np.asarray(rows, dtype=np.int64)
        self.targets = np.asarray(targets, np.float32)
        self.mask = np.asarray(mask, np.float32)
        self.in_chans, self.aug, self.seed, self.epoch, self.raw = in_chans, aug or Augment.none(), seed, 0, raw
        self._arr = None  # opened lazily in each worker process

    def _array(self) -> np.ndarray:
        if self._arr is None:
            self._arr, _, _ = open_cache(self.cache)
        return self._arr

    def __len__(self) -> int:
        return len(self.rows)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def params(self, i: int, h: int, w: int) -> AugmentDraw:
        return draw_params(self.aug, np.random.default_rng([self.seed, self.epoch, i]), h, w)

    def __getitem__(self, key):
        epoch, i = key if isinstance(key, tuple) else (self.epoch, key)
        tile = torch.from_numpy(np.array(self._array()[self.rows[i]])).unsqueeze(0)
        if self.raw:
            return tile, torch.from_numpy(self.targets[i]), torch.from_numpy(self.mask[i]), i
        if self.aug.active:
            rng = np.random.default_rng([self.seed, epoch, i])
            x = augment_tile(tile[0].numpy(), draw_params(self.aug, rng, *tile.shape[-2:]))[None]
        else:
            x = tile.float().mul_(1.0 / (255.0 * STD)).sub_(MEAN / STD)
        if self.in_chans != 1:
            x = x.expand(self.in_chans, -1, -1).contiguous()
        return x, torch.from_numpy(self.targets[i]), torch.from_numpy(self.mask[i]), i


def augment_tile(tile: np.ndarray, p: AugmentDraw) -> torch.Tensor:
    """CPU augmentation of one uint8 tile, returned normalised (the cached loader's worker path).

    The geometry is torchvision's: the inverse matrix ``TF.affine`` builds for a PIL image, with the
    flip folded into it. It is applied on uint8 by OpenCV's ``warpAffine`` when installed (fixed-point
    SIMD: about 0.5 ms at 512 px on one core, 4x PIL) or by PIL's ``Image.transform``; brightness,
    channel shift and clamp are one uint8 lookup table, then one fused normalisation. The result
    equals the float path (:func:`apply_params`) up to uint8 rounding and the bilinear edge rule.
    """
    from torchvision.transforms.v2.functional._geometry import _get_inverse_affine_matrix

    h, w = tile.shape
    m = _get_inverse_affine_matrix([w * 0.5, h * 0.5], p.angle, [float(p.tx), float(p.ty)], p.scale,
                                   [p.shear, 0.0])
    if p.flip:  # output x -> w - x before the affine: M . [[-1, 0, w], [0, 1, 0], [0, 0, 1]]
        m = [-m[0], m[1], m[0] * w + m[2], -m[3], m[4], m[3] * w + m[5]]
    lut = None
    if p.factor != 1.0 or p.offset:
        lut = np.clip(np.round(np.arange(256) * p.factor + p.offset * 255.0), 0, 255).astype(np.uint8)
    try:
        import cv2
    except ImportError:
        cv2 = None
    if cv2 is not None:
        # PIL puts pixel centres at i + 0.5, OpenCV at i: shift the translation accordingly
        a = np.array([[m[0], m[1], m[2]], [m[3], m[4], m[5]]], dtype=np.float64)
        a[:, 2] += a[:, :2].sum(axis=1) * 0.5 - 0.5
        moved = cv2.warpAffine(np.ascontiguousarray(tile), a, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        if lut is not None:
            moved = cv2.LUT(moved, lut)
    else:
        from PIL import Image

        img = Image.fromarray(tile).transform((w, h), Image.AFFINE, m, Image.BILINEAR, fillcolor=0)
        moved = np.array(img.point(lut.tolist()) if lut is not None else img)
    return torch.from_numpy(moved).float().mul_(1.0 / (255.0 * STD)).sub_(MEAN / STD)


def _inverse_matrix(p: AugmentDraw, h: int, w: int) -> list[float]:
    from torchvision.transforms.v2.functional._geometry import _get_inverse_affine_matrix

    return _get_inverse_affine_matrix([0.0, 0.0], p.angle, [float(p.tx), float(p.ty)], p.scale, [p.shear, 0.0])


def gpu_augment(batch: torch.Tensor, params: list[AugmentDraw], in_chans: int = 1) -> torch.Tensor:
    """Batched augmentation of a (B, 1, H, W) uint8 or [0, 1] float batch on its device; returns normalised input.

    The affine part is torchvision's own inverse matrix (so the geometry equals ``TF.affine`` per
    image) applied with one ``affine_grid`` / ``grid_sample`` call for the whole batch.
    """
    x = batch.float() / 255.0 if batch.dtype == torch.uint8 else batch.float()
    b, _, h, w = x.shape
    if params:
        theta = torch.tensor([_inverse_matrix(p, h, w) for p in params], dtype=torch.float32, device=x.device)
        theta = theta.view(b, 2, 3)
        # torchvision's matrix maps output pixel offsets from the centre to input offsets; affine_grid wants
        # normalised [-1, 1] coordinates, so rescale the translation and the cross terms by the aspect
        norm = torch.tensor([[1.0, h / w, 2.0 / w], [w / h, 1.0, 2.0 / h]], device=x.device)
        grid = torch.nn.functional.affine_grid(theta * norm, list(x.shape), align_corners=False)
        x = torch.nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        flip = torch.tensor([p.flip for p in params], device=x.device)
        x = torch.where(flip.view(b, 1, 1, 1), x.flip(-1), x)
        factor = torch.tensor([p.factor for p in params], device=x.device).view(b, 1, 1, 1)
        offset = torch.tensor([p.offset for p in params], device=x.device).view(b, 1, 1, 1)
        x = (x * factor + offset).clamp_(0, 1)
    x = (x - MEAN) / STD
    return x.expand(-1, in_chans, -1, -1) if in_chans != 1 else x


def rows_for(index: pd.DataFrame, paths: list[str]) -> tuple[np.ndarray, list[int], list[dict]]:
    """Cache slots of ``paths`` (in order), the positions kept, and the unreadable ones with their reason."""
    by_path = {p: (int(r), bool(ok), reason) for p, r, ok, reason in
               zip(index["image_path"], index["row"], index["ok"], index["reason"], strict=True)}
    rows, kept, skipped = [], [], []
    for k, p in enumerate(paths):
        hit = by_path.get(p)
        if hit is None:
            raise CacheError(f"{p}: not in the cache; rebuild it from this manifest")
        if hit[1]:
            rows.append(hit[0])
            kept.append(k)
        else:
            skipped.append({"index": k, "image_path": p, "reason": hit[2]})
    return np.asarray(rows, dtype=np.int64), kept, skipped


def per_image_cpu_ms(ds: Dataset, n: int) -> float:
    """CPU milliseconds per item of ``ds`` in this process (what one loader worker spends)."""
    import time

    n = min(n, len(ds))
    start = time.process_time()
    for i in range(n):
        ds[i]
    return 1000.0 * (time.process_time() - start) / max(n, 1)
