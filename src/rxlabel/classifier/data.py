"""Torch datasets, augmentation (PadChest study: rotation, shift, zoom, shear, flip, brightness) and samplers."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset, Sampler

from rxlabel.classifier.images import ImageReadError, load_mask, load_prepared

MEAN, STD = 0.5, 0.25


@dataclass(frozen=True)
class Augment:
    """Augmentation ranges; ``none()`` turns them off (evaluation)."""

    rotation: float = 10.0  # degrees
    shift: float = 0.1  # fraction of the side
    zoom: float = 0.1  # scale in [1 - zoom, 1 + zoom]
    shear: float = 5.0  # degrees
    flip: bool = True
    brightness: float = 0.2  # factor in [1 - b, 1 + b]

    @staticmethod
    def none() -> Augment:
        return Augment(0.0, 0.0, 0.0, 0.0, False, 0.0)

    @property
    def active(self) -> bool:
        return any((self.rotation, self.shift, self.zoom, self.shear, self.flip, self.brightness))


def augment(x: torch.Tensor, aug: Augment, rng: np.random.Generator) -> torch.Tensor:
    """Random affine + flip + brightness on a (C, H, W) tensor in [0, 1], parameters drawn from ``rng``."""
    from torchvision.transforms.v2 import functional as TF

    if not aug.active:
        return x
    h, w = x.shape[-2:]
    angle = float(rng.uniform(-aug.rotation, aug.rotation))
    tx, ty = (int(round(rng.uniform(-aug.shift, aug.shift) * s)) for s in (w, h))
    scale = float(rng.uniform(1 - aug.zoom, 1 + aug.zoom))
    shear = float(rng.uniform(-aug.shear, aug.shear))
    x = TF.affine(x, angle=angle, translate=[tx, ty], scale=scale, shear=[shear, 0.0],
                  interpolation=TF.InterpolationMode.BILINEAR)
    if aug.flip and rng.random() < 0.5:
        x = torch.flip(x, dims=[-1])
    if aug.brightness:
        x = (x * float(rng.uniform(1 - aug.brightness, 1 + aug.brightness))).clamp(0, 1)
    return x


def _mask_key(spec: dict) -> str:
    if not spec:
        return ""
    if spec.get("mask_path"):
        return str(spec["mask_path"])
    return hashlib.sha1(f"{spec.get('mask_rle')}|{spec.get('shape')}".encode()).hexdigest()


class RadiographDataset(Dataset):
    """Images of a manifest split with targets and label masks.

    Items are ``(image, target, mask, index)``. Augmentation is drawn from a generator seeded by
    (seed, epoch, index), so a run gives the same batches with any number of loader workers and
    after a resume.
    """

    def __init__(
        self,
        paths: Sequence[str],
        targets: np.ndarray | None = None,
        mask: np.ndarray | None = None,
        image_size: int = 512,
        in_chans: int = 1,
        aug: Augment | None = None,
        cache_dir: str | Path | None = None,
        seed: int = 0,
        masks: Sequence[dict] | None = None,
    ) -> None:
        self.paths = [str(p) for p in paths]
        n = len(self.paths)
        self.targets = np.zeros((n, 0), np.float32) if targets is None else np.asarray(targets, np.float32)
        self.mask = np.ones_like(self.targets) if mask is None else np.asarray(mask, np.float32)
        self.image_size, self.in_chans = image_size, in_chans
        self.aug = aug or Augment.none()
        self.cache_dir, self.seed, self.epoch = cache_dir, seed, 0
        self.masks = list(masks) if masks is not None else [{} for _ in range(n)]

    def __len__(self) -> int:
        return len(self.paths)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def load(self, i: int) -> np.ndarray:
        spec = self.masks[i]
        mask = None
        if spec:
            mask = load_mask(spec.get("mask_path"), spec.get("mask_rle"), spec.get("shape"))
        return load_prepared(self.paths[i], self.image_size, self.cache_dir, mask,
                             mask_key=_mask_key(spec))

    def __getitem__(self, i: int):
        x = torch.from_numpy(self.load(i)).unsqueeze(0)
        if self.aug.active:
            x = augment(x, self.aug, np.random.default_rng([self.seed, self.epoch, i]))
        x = (x - MEAN) / STD
        if self.in_chans != 1:
            x = x.expand(self.in_chans, -1, -1).contiguous()
        return x, torch.from_numpy(self.targets[i]), torch.from_numpy(self.mask[i]), i

    def subset(self, keep: Sequence[int]) -> RadiographDataset:
        keep = list(keep)
        return RadiographDataset([self.paths[i] for i in keep], self.targets[keep], self.mask[keep],
                                 self.image_size, self.in_chans, self.aug, self.cache_dir, self.seed,
                                 [self.masks[i] for i in keep])


def prescan(ds: RadiographDataset, workers: int = 4, progress: bool = False) -> tuple[list[int], list[dict]]:
    """Read (and cache) every image once; returns kept indices and the unreadable ones with the reason."""
    from tqdm.auto import tqdm

    def one(i: int):
        try:
            ds.load(i)
            return i, None
        except (ImageReadError, ValueError, OSError) as exc:
            return i, str(exc)

    kept, skipped = [], []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for i, err in tqdm(pool.map(one, range(len(ds))), total=len(ds), desc="reading images",
                           disable=not progress, leave=False):
            if err is None:
                kept.append(i)
            else:
                skipped.append({"index": i, "image_path": ds.paths[i], "reason": err})
    return kept, skipped


def mask_specs(frame: pd.DataFrame) -> list[dict] | None:
    """Per-row lung-mask specs from ``mask_path`` or ``mask_rle`` (+ height/width) columns, if any."""
    if "mask_path" not in frame.columns and "mask_rle" not in frame.columns:
        return None
    specs = []
    for _, row in frame.iterrows():
        spec: dict = {}
        if isinstance(row.get("mask_path"), str) and row["mask_path"].strip():
            spec["mask_path"] = row["mask_path"]
        elif isinstance(row.get("mask_rle"), str) and row["mask_rle"].strip():
            spec["mask_rle"] = row["mask_rle"]
            spec["shape"] = (int(row["mask_height"]), int(row["mask_width"]))
        specs.append(spec)
    return specs


class ClassAwareSampler(Sampler[int]):
    """Class-aware sampling (Shen et al. 2016): pick a class uniformly, then one of its positive images.

    Images with no positive label form their own pseudo-class, so normal images keep being seen.
    Each rank of a distributed run draws its own share from a generator seeded by (seed, epoch, rank).
    """

    def __init__(self, targets: np.ndarray, num_samples: int | None = None, seed: int = 0,
                 rank: int = 0, world_size: int = 1) -> None:
        t = np.asarray(targets) > 0.5
        self.pools = [np.flatnonzero(t[:, j]) for j in range(t.shape[1])]
        normal = np.flatnonzero(~t.any(axis=1))
        if normal.size:
            self.pools.append(normal)
        self.pools = [p for p in self.pools if p.size]
        total = num_samples or len(t)
        self.num_samples = int(math.ceil(total / world_size))
        self.seed, self.rank, self.epoch = seed, rank, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.num_samples

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.epoch, self.rank, 7])
        classes = rng.integers(len(self.pools), size=self.num_samples)
        for c in classes:
            pool = self.pools[c]
            yield int(pool[rng.integers(pool.size)])
