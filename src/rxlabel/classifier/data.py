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
from rxlabel.errors import OptionError

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
    brightness_range: tuple[float, float] | None = None  # (lo, hi) factor; overrides ``brightness``
    channel_shift: float = 0.0  # intensity offset in [-s, s] (images in [0, 1])

    @staticmethod
    def none() -> Augment:
        return Augment(0.0, 0.0, 0.0, 0.0, False, 0.0)

    @staticmethod
    def preset(name: str, flip: bool = True) -> Augment:
        """Named ranges: ``default`` (rxlabel's), ``padchest`` (the PadChest study's Keras generator), ``none``."""
        if name not in AUGMENT_PRESETS:
            raise OptionError(f"unknown augmentation preset {name!r}; use one of {', '.join(AUGMENT_PRESETS)}")
        return Augment(**{**AUGMENT_PRESETS[name], "flip": flip and AUGMENT_PRESETS[name]["flip"]})

    @property
    def active(self) -> bool:
        return any((self.rotation, self.shift, self.zoom, self.shear, self.flip, self.brightness,
                    self.brightness_range, self.channel_shift))

    def factor_range(self) -> tuple[float, float]:
        if self.brightness_range is not None:
            return float(self.brightness_range[0]), float(self.brightness_range[1])
        return 1 - self.brightness, 1 + self.brightness


# The PadChest study (Bustos et al. 2020) trained with Keras' ImageDataGenerator: rotation_range 45,
# shear_range 0.1 (Keras takes degrees), zoom_range 0.1, width/height_shift_range 0.1, horizontal
# flip, brightness_range [0.7, 1.1], channel_shift_range 0.05.
AUGMENT_PRESETS: dict[str, dict] = {
    "default": {"rotation": 10.0, "shift": 0.1, "zoom": 0.1, "shear": 5.0, "flip": True, "brightness": 0.2},
    "padchest": {"rotation": 45.0, "shift": 0.1, "zoom": 0.1, "shear": 0.1, "flip": True, "brightness": 0.0,
                 "brightness_range": (0.7, 1.1), "channel_shift": 0.05},
    "none": {"rotation": 0.0, "shift": 0.0, "zoom": 0.0, "shear": 0.0, "flip": False, "brightness": 0.0},
}


@dataclass(frozen=True)
class AugmentDraw:
    """One image's drawn augmentation parameters (the same on CPU and GPU)."""

    angle: float
    tx: int
    ty: int
    scale: float
    shear: float
    flip: bool
    factor: float
    offset: float


def draw_params(aug: Augment, rng: np.random.Generator, h: int, w: int) -> AugmentDraw:
    """Draw every parameter in a fixed order, so a seed gives the same image on any device."""
    angle = float(rng.uniform(-aug.rotation, aug.rotation))
    tx, ty = (int(round(rng.uniform(-aug.shift, aug.shift) * s)) for s in (w, h))
    scale = float(rng.uniform(1 - aug.zoom, 1 + aug.zoom))
    shear = float(rng.uniform(-aug.shear, aug.shear))
    flip = bool(aug.flip and rng.random() < 0.5)
    lo, hi = aug.factor_range()
    factor = float(rng.uniform(lo, hi)) if (lo, hi) != (1.0, 1.0) else 1.0
    offset = float(rng.uniform(-aug.channel_shift, aug.channel_shift)) if aug.channel_shift else 0.0
    return AugmentDraw(angle, tx, ty, scale, shear, flip, factor, offset)


def apply_params(x: torch.Tensor, p: AugmentDraw) -> torch.Tensor:
    """Apply drawn parameters to a (C, H, W) tensor in [0, 1] on whatever device it lives."""
    from torchvision.transforms.v2 import functional as TF

    x = TF.affine(x, angle=p.angle, translate=[p.tx, p.ty], scale=p.scale, shear=[p.shear, 0.0],
                  interpolation=TF.InterpolationMode.BILINEAR)
    if p.flip:
        x = torch.flip(x, dims=[-1])
    if p.factor != 1.0 or p.offset:
        x = (x * p.factor + p.offset).clamp(0, 1)
    return x


def augment(x: torch.Tensor, aug: Augment, rng: np.random.Generator) -> torch.Tensor:
    """Random affine + flip + brightness (+ channel shift) on a (C, H, W) tensor in [0, 1], drawn from ``rng``."""
    if not aug.active:
        return x
    return apply_params(x, draw_params(aug, rng, *x.shape[-2:]))


def _mask_key(spec: dict) -> str:
    if not spec:
        return ""
    if spec.get("lung_box"):
        return f"lungbox|{spec['lung_box']}|{spec['shape']}|{spec['layout']}|{spec['margin']}|{spec['below']}"
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
        mask, crop = None, None
        if spec.get("lung_box"):
            crop = _lung_cropper(spec, self.paths[i])
        elif spec:
            mask = load_mask(spec.get("mask_path"), spec.get("mask_rle"), spec.get("shape"))
        return load_prepared(self.paths[i], self.image_size, self.cache_dir, mask,
                             mask_key=_mask_key(spec), crop=crop)

    def __getitem__(self, key: int | tuple[int, int]):
        # (epoch, index) from the training loader's EpochTagged sampler: persistent workers hold a stale epoch
        epoch, i = key if isinstance(key, tuple) else (self.epoch, key)
        x = torch.from_numpy(self.load(i)).unsqueeze(0)
        if self.aug.active:
            x = augment(x, self.aug, np.random.default_rng([self.seed, epoch, i]))
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


def _lung_cropper(spec: dict, name: str):
    from rxlabel.index.chexmask import lung_crop

    def crop(image: np.ndarray) -> np.ndarray:
        return lung_crop(image, spec["lung_box"], spec["shape"], spec["layout"], spec["margin"], spec["below"], name)

    return crop


def mask_specs(frame: pd.DataFrame, margin: float = 0.05, below: float = 1.0) -> list[dict] | None:
    """Per-row crop specs: CheXmask ``lung_box`` (lungs + area below), ``mask_path`` or ``mask_rle`` columns."""
    if not {"mask_path", "mask_rle", "lung_box"} & set(frame.columns):
        return None
    from rxlabel.index.chexmask import parse_box

    specs = []
    for _, row in frame.iterrows():
        spec: dict = {}
        box = parse_box(row.get("lung_box")) if "lung_box" in frame.columns else None
        if box is not None:
            spec = {"lung_box": box, "shape": (int(row["mask_height"]), int(row["mask_width"])),
                    "layout": str(row.get("mask_layout") or ""), "margin": margin, "below": below}
        elif isinstance(row.get("mask_path"), str) and row["mask_path"].strip():
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


class EpochTagged(Sampler):
    """Wraps a sampler so each index carries the current epoch: persistent workers hold a stale copy
    of the dataset, so the epoch that seeds augmentation must travel with the index.

    ``dataset`` is any dataset with an ``epoch`` attribute whose ``__getitem__`` takes ``(epoch, i)``."""

    def __init__(self, base, dataset: Dataset) -> None:
        self.base, self.dataset = base, dataset

    def __len__(self) -> int:
        return len(self.base)

    def set_epoch(self, epoch: int) -> None:
        if hasattr(self.base, "set_epoch"):
            self.base.set_epoch(epoch)

    def __iter__(self):
        epoch = self.dataset.epoch
        for i in self.base:
            yield (epoch, int(i))


class RxDataset(Dataset):
    """A manifest as a torchxrayvision-style dataset: drop-in for xrv / MONAI / plain torch loops.

    Attributes follow torchxrayvision: ``pathologies`` (class names), ``labels`` (n x C float32,
    1 / 0 and NaN for unknown; uncertain -1 becomes NaN unless ``uncertain`` says ``one``, ``zero``
    or ``keep``), ``csv`` (the manifest rows). Items are dicts ``{"idx", "lab", "img"}`` with
    ``img`` a (1, size, size) float32 array, scaled to [-1024, 1024] as xrv's models expect
    (``normalize="xrv"``) or left in [0, 1] (``"unit"``); ``transform`` is applied to ``img``.
    Images are read once and cached like training images (``cache_dir``), lung crops included.
    """

    def __init__(self, manifest: str | Path, split: str | None = None, image_size: int = 224,
                 classes: Sequence[str] | None = None, uncertain: str = "nan", normalize: str = "xrv",
                 transform=None, cache_dir: str | Path | None = None) -> None:
        from rxlabel.classifier.manifest import read_manifest

        if uncertain not in ("nan", "one", "zero", "keep"):
            raise ValueError(f"uncertain must be nan, one, zero or keep, got {uncertain!r}")
        if normalize not in ("xrv", "unit"):
            raise ValueError(f"normalize must be xrv or unit, got {normalize!r}")
        m = read_manifest(manifest, list(classes) if classes else None)
        if split is not None:
            m = m.split(split)
        labels = m.labels.astype(np.float32)
        if uncertain != "keep":
            labels[labels == -1] = {"nan": np.nan, "one": 1.0, "zero": 0.0}[uncertain]
        self.pathologies = list(m.classes)
        self.labels = labels
        self.csv = m.frame
        self.transform, self.normalize = transform, normalize
        self._manifest, self._anatomy = manifest, None
        self._images = RadiographDataset(m.frame["image_path"].tolist(), image_size=image_size,
                                         cache_dir=cache_dir, masks=mask_specs(m.frame))

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return f"RxDataset(num_samples={len(self)}, pathologies={self.pathologies})"

    def anatomy(self, idx: int) -> dict[str, np.ndarray]:
        """Left lung, right lung and heart masks of image ``idx`` on its film's own grid (region tasks).

        Read from ``masks.parquet`` beside the manifest (``dataset create --masks`` writes it); an image
        without a CheXmask row gets an empty dict.
        """
        from rxlabel.classifier.images import read_image
        from rxlabel.index.chexmask import border_box, image_masks, read_table

        if self._anatomy is None:
            table = read_table(Path(self._manifest).parent / "masks.parquet")
            self._anatomy = table.drop_duplicates("key").set_index("key")
        key = str(self.csv["image_id"].iloc[idx]) if "image_id" in self.csv else None
        if key is None or key not in self._anatomy.index:
            return {}
        row = self._anatomy.loc[key]
        film = read_image(self.csv["image_path"].iloc[idx])
        border = border_box(film) if row["layout"] == "padchest" else (0, 0, 0, 0)
        return image_masks(row, film.shape, key, border)

    def __getitem__(self, idx: int) -> dict:
        img = self._images.load(idx)[None].astype(np.float32)
        if self.normalize == "xrv":
            img = (2.0 * img - 1.0) * 1024.0
        if self.transform is not None:
            img = self.transform(img)
        return {"idx": idx, "lab": self.labels[idx], "img": img}
