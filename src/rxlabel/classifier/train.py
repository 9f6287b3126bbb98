"""Training: Adam + warm-up/cosine schedule, AMP on CUDA, accumulation, DDP, best-by-macro-F1, resume.

Launch on one device with :func:`train` (or ``rxlabel train``), on several with
``torchrun --nproc_per_node N -m rxlabel.classifier.cli train ...``: each process reads the torchrun
environment, joins the process group (NCCL on CUDA, gloo on CPU) and takes its share of each batch.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler

from rxlabel.classifier.data import (
    Augment,
    ClassAwareSampler,
    EpochTagged,
    RadiographDataset,
    mask_specs,
    prescan,
)
from rxlabel.classifier.losses import build_loss
from rxlabel.classifier.manifest import Manifest, check_trainable, read_manifest, select_labels, to_coarse
from rxlabel.classifier.metrics import classification_metrics, tune_thresholds
from rxlabel.classifier.models import DEFAULT_BACKBONE, create_model, freeze_fraction, load_pretrained, unwrap
from rxlabel.errors import RxlabelError

TASKS = ("coarse", "fine")
MONITORS = ("macro_f1", "val_loss")
CHECKPOINT_VERSION = 1


@dataclass
class TrainConfig:
    """Everything that defines a training run; saved as ``config.json`` in the run folder."""

    manifest: str
    out: str
    task: str = "coarse"
    backbone: str = DEFAULT_BACKBONE
    loss: str = "asl"
    image_size: int = 768
    in_chans: int = 1
    epochs: int = 30
    batch_size: int = 16
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.0
    warmup_steps: int = 100
    accumulate: int = 1
    class_aware: bool = False
    eval_every: int = 0  # optimizer steps between evaluations; 0 = once per epoch
    patience: int = 5  # evaluations without a better macro F1 before stopping; 0 = never stop early
    uncertain: str = "mask"
    min_positives: int = 0
    classes: list[str] | None = None
    pretrained: str | None = None
    seed: int = 0
    workers: int = 2
    amp: bool = True
    augment: dict = field(default_factory=lambda: asdict(Augment()))
    resume: bool = False
    max_steps: int = 0  # stop after this many optimizer steps (0 = no limit); for smoke runs and benchmarks
    device: str | None = None
    quiet: bool = False
    cache_dir: str | None = None
    head: str = "linear"  # or mlp512 (the PadChest study's dense 512 + ReLU + dropout 0.2)
    freeze: float = 0.0  # share of the body's parameter tensors frozen, stem first
    monitor: str = "macro_f1"  # what picks best.pt and drives patience: macro_f1 (up) or val_loss (down)
    min_delta: float = 0.0  # an evaluation improves only by more than this
    crop_margin: float = 0.05  # lung crop (manifest lung_box): margin as a share of the film's side
    crop_below: float = 1.0  # lung crop: share of the film under the lungs that is kept
    gpu_augment: bool = True  # with a cache on CUDA, augment batches on the GPU (same parameters as on CPU)
    image_cache: str | None = None  # folder written by 'rxlabel cache' (uint8 memmap): no decoding per epoch


class TrainError(RxlabelError, RuntimeError):
    """A run that cannot start or continue; the message says why and what to do."""


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _dist_info() -> tuple[int, int, int]:
    if "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1:
        return int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0))
    return 0, 1, 0


def _device(cfg: TrainConfig, local_rank: int) -> torch.device:
    if cfg.device and cfg.device != "cuda":
        return torch.device(cfg.device)
    if cfg.device == "cuda" or torch.cuda.is_available():
        # under torchrun each process takes the GPU of its local rank
        return torch.device("cuda", local_rank)
    return torch.device("cpu")


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """Learning-rate factor: linear warm-up to 1, then cosine annealing to 0 at ``total`` steps."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def prepare_manifest(cfg: TrainConfig) -> Manifest:
    """Read the manifest and apply the task, class list and label selection of ``cfg``."""
    if cfg.task not in TASKS:
        raise TrainError(f"unknown task {cfg.task!r}; use coarse or fine")
    m = read_manifest(cfg.manifest, cfg.classes if cfg.task == "fine" else None)
    if cfg.task == "coarse":
        m = to_coarse(m)
    if cfg.min_positives > 0:
        m = select_labels(m, cfg.min_positives)
    check_trainable(m)
    return m


def cached_datasets(m: Manifest, cfg: TrainConfig, raw_train: bool = False):
    """Train and valid datasets served from ``cfg.image_cache``; unreadable images listed as skipped."""
    from rxlabel.classifier.cache import CachedDataset, open_cache, rows_for

    _, index, _ = open_cache(cfg.image_cache, cfg.manifest, cfg.image_size)
    out, skipped = [], []
    for split, augment in (("train", True), ("valid", False)):
        part = m.split(split)
        y, mask = part.targets(cfg.uncertain)
        rows, kept, bad = rows_for(index, part.frame["image_path"].tolist())
        skipped += [{**b, "split": split} for b in bad]
        aug = Augment(**cfg.augment) if augment else Augment.none()
        out.append(CachedDataset(cfg.image_cache, rows, y[kept], mask[kept], cfg.in_chans, aug, cfg.seed,
                                 raw=raw_train and augment))
    return out[0], out[1], skipped


def make_dataset(m: Manifest, cfg: TrainConfig, split: str, augment: bool, cache_dir: str | None) -> RadiographDataset:
    part = m.split(split)
    y, mask = part.targets(cfg.uncertain)
    aug = Augment(**cfg.augment) if augment else Augment.none()
    return RadiographDataset(part.frame["image_path"].tolist(), y, mask, cfg.image_size, cfg.in_chans, aug,
                             cache_dir, cfg.seed, mask_specs(part.frame, cfg.crop_margin, cfg.crop_below))


@torch.no_grad()
def predict_probs(model: torch.nn.Module, ds: RadiographDataset, device: torch.device, batch_size: int = 32,
                  workers: int = 0, amp: bool = True, progress: bool = False, logits: bool = False) -> np.ndarray:
    """Sigmoid probabilities (n, C) for every item of ``ds``, in order (raw logits with ``logits=True``)."""
    from tqdm.auto import tqdm

    model.eval()
    loader = DataLoader(ds, batch_size=batch_size, shuffle=False, num_workers=workers,
                        pin_memory=device.type == "cuda")
    out = []
    for x, *_ in tqdm(loader, desc="predicting", disable=not progress, leave=False):
        x = x.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=torch.float16, enabled=amp and device.type == "cuda"):
            raw = model(x).float()
        out.append((raw if logits else torch.sigmoid(raw)).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, ds.targets.shape[1]), np.float32)


def _write_row(path: Path, row: dict) -> None:
    new = not path.exists()
    with open(path, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row))
        if new:
            w.writeheader()
        w.writerow(row)
    with open(path.with_suffix(".jsonl"), "a") as fh:
        fh.write(json.dumps(row) + "\n")


def _save(path: Path, payload: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)  # a killed run never leaves half a checkpoint under the real name


def make_adam(params: list[torch.nn.Parameter], cfg: TrainConfig) -> torch.optim.Adam:
    """Adam with torch's fused kernel where the device has one (CPU and CUDA).

    The per-parameter Python loop of the default CPU implementation cost 0.4 CPU s per step on
    resnet10t (24 of the learning fixture's 152 training CPU s); the fused kernel does the same
    update in one pass. Its state dict is the same, so runs resume across either implementation.
    """
    kw = dict(lr=cfg.lr, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay)
    try:
        return torch.optim.Adam(params, fused=True, **kw)
    except (RuntimeError, TypeError):  # a device or dtype without a fused kernel
        return torch.optim.Adam(params, **kw)


def load_checkpoint(path: str | Path) -> dict:
    """A run checkpoint (``weights_only=True``: plain tensors, numbers, strings and lists only)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise TrainError(f"{path}: not a readable run checkpoint ({type(exc).__name__}: {exc})") from exc


def train(cfg: TrainConfig) -> dict:
    """Train one run; returns a summary (best step, best macro F1/AUC, paths). Safe to call under torchrun."""
    rank, world, local_rank = _dist_info()
    device = _device(cfg, local_rank)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    try:
        return _train(cfg, rank, world, device)
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def _train(cfg: TrainConfig, rank: int, world: int, device: torch.device) -> dict:
    out = Path(cfg.out)
    main = rank == 0
    show = main and not cfg.quiet and sys.stderr.isatty()
    seed_everything(cfg.seed)
    last_path, best_path = out / "last.pt", out / "best.pt"
    if main:
        out.mkdir(parents=True, exist_ok=True)
        if not cfg.resume and (last_path.exists() or (out / "metrics.csv").exists()):
            raise TrainError(f"{out}: already holds a run; pass --resume to continue it or choose another --out")

    m = prepare_manifest(cfg)
    classes = m.classes
    cache_dir = cfg.cache_dir or str(out / "cache")
    gpu_aug = bool(cfg.image_cache) and cfg.gpu_augment and device.type == "cuda"
    if cfg.image_cache:
        train_ds, valid_ds, skipped = cached_datasets(m, cfg, raw_train=gpu_aug)
    else:
        train_ds = make_dataset(m, cfg, "train", True, cache_dir)
        valid_ds = make_dataset(m, cfg, "valid", False, cache_dir)
        skipped = []
        for name, ds in (("train", train_ds), ("valid", valid_ds)):
            kept, bad = prescan(ds, workers=max(cfg.workers, 1), progress=show)
            skipped += [{**b, "split": name} for b in bad]
            if name == "train":
                train_ds = ds.subset(kept)
            else:
                valid_ds = ds.subset(kept)
    if main:
        _write_skipped(out / "skipped.csv", skipped)
        if skipped:
            print(f"skipped {len(skipped)} unreadable image(s); listed in {out / 'skipped.csv'}", file=sys.stderr)
        (out / "labels.json").write_text(json.dumps(
            {"classes": classes, "dropped_min_positives": m.dropped, "min_positives": cfg.min_positives,
             "train_positives": dict(zip(classes, map(int, (train_ds.targets * train_ds.mask > 0).sum(0)), strict=True)),
             "n_train": len(train_ds), "n_valid": len(valid_ds)}, indent=2))
        if m.dropped:
            print(f"dropped {len(m.dropped)} class(es) with < {cfg.min_positives} positive training images: "
                  + ", ".join(f"{c} ({n})" for c, n in m.dropped.items()), file=sys.stderr)
    if len(train_ds) == 0 or len(valid_ds) == 0:
        raise TrainError(f"{cfg.manifest}: no readable image left in the train or valid split (see skipped.csv)")
    pos_counts = (train_ds.targets * train_ds.mask).sum(0)
    if (pos_counts == 0).any():
        bad = [c for c, n in zip(classes, pos_counts, strict=True) if n == 0]
        raise TrainError(f"class(es) {', '.join(bad)} have no readable positive training image")

    if cfg.monitor not in MONITORS:
        raise TrainError(f"unknown --monitor {cfg.monitor!r}; use one of {', '.join(MONITORS)}")
    model = create_model(cfg.backbone, len(classes), cfg.in_chans, head=cfg.head).to(device)
    if cfg.pretrained and not cfg.resume:
        report = load_pretrained(unwrap(model), cfg.pretrained)
        if main:
            print(report.summary(), file=sys.stderr)
    frozen = freeze_fraction(model, cfg.freeze)
    if main and frozen:
        print(f"froze the first {frozen} parameter tensors (--freeze {cfg.freeze})", file=sys.stderr)
    loss_fn = build_loss(cfg.loss, pos_counts.tolist(), len(train_ds)).to(device)
    optimizer = make_adam([p for p in model.parameters() if p.requires_grad], cfg)
    use_amp = cfg.amp and device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)

    if cfg.class_aware:
        sampler = ClassAwareSampler(train_ds.targets * train_ds.mask, len(train_ds), cfg.seed, rank, world)
    elif world > 1:
        sampler = DistributedSampler(train_ds, num_replicas=world, rank=rank, shuffle=True, seed=cfg.seed, drop_last=True)
    else:
        sampler = None
    per_rank_batch = max(1, cfg.batch_size // world)
    loader_gen = torch.Generator().manual_seed(cfg.seed)
    # the epoch travels with each index, so loader workers stay alive across epochs (no start-up per
    # epoch) and still draw each epoch's own augmentation
    base = sampler if sampler is not None else torch.utils.data.RandomSampler(train_ds, generator=loader_gen)
    loader = DataLoader(train_ds, batch_size=per_rank_batch, sampler=EpochTagged(base, train_ds),
                        num_workers=cfg.workers, pin_memory=device.type == "cuda",
                        drop_last=len(train_ds) > per_rank_batch * world, persistent_workers=cfg.workers > 0)
    steps_per_epoch = max(1, math.ceil(len(loader) / cfg.accumulate))
    # the schedule spans the configured epochs; --max-steps only stops early, so a run cut short by it
    # and resumed follows the same learning-rate curve as one that was never stopped
    total_steps = steps_per_epoch * cfg.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: warmup_cosine(s, min(cfg.warmup_steps, total_steps // 5 + 1), total_steps))

    state = {"epoch": 0, "step": 0, "best_f1": -1.0, "best_step": -1, "bad_evals": 0, "best_auc": None,
             "stopped_early": False, "best_loss": float("inf")}
    if cfg.resume and last_path.exists():
        ck = load_checkpoint(last_path)
        _check_compatible(ck, cfg, classes, last_path)
        unwrap(model).load_state_dict(ck["model"])
        optimizer.load_state_dict(ck["optimizer"])
        scheduler.load_state_dict(ck["scheduler"])
        if "scaler" in ck and use_amp:
            scaler.load_state_dict(ck["scaler"])
        state.update(ck["state"])
        if main:
            print(f"resumed from {last_path} at epoch {state['epoch']}, step {state['step']}", file=sys.stderr)
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    if main:
        (out / "config.json").write_text(json.dumps({**asdict(cfg), "classes": classes, "world_size": world}, indent=2))

    from tqdm.auto import tqdm

    def evaluate_now() -> dict:
        raw = predict_probs(unwrap(model), valid_ds, device, batch_size=max(per_rank_batch, 16), amp=cfg.amp,
                            logits=True)
        with torch.no_grad():
            val_loss = float(loss_fn(torch.from_numpy(raw).to(device), torch.from_numpy(valid_ds.targets).to(device),
                                     torch.from_numpy(valid_ds.mask).to(device)))
        probs = 1.0 / (1.0 + np.exp(-raw))
        thr = tune_thresholds(valid_ds.targets, probs, valid_ds.mask)
        res = classification_metrics(valid_ds.targets, probs, thr, classes, valid_ds.mask)
        return {"thresholds": thr.tolist(), "val_loss": val_loss, **res}

    metrics_path = out / "metrics.csv"
    start_epoch = state["epoch"]
    t_epoch = time.perf_counter()
    for epoch in range(start_epoch, cfg.epochs):
        if state["stopped_early"] or (cfg.max_steps and state["step"] >= cfg.max_steps):
            break
        for s in (sampler, train_ds):
            if s is not None and hasattr(s, "set_epoch"):
                s.set_epoch(epoch)
        loader_gen.manual_seed(cfg.seed * 1000 + epoch)
        model.train()
        running, seen, n_batches = 0.0, 0, 0
        t0 = time.perf_counter()
        bar = tqdm(total=len(loader), desc=f"epoch {epoch + 1}/{cfg.epochs}", disable=not show, leave=False)
        optimizer.zero_grad(set_to_none=True)
        for i, (x, y, mk, idx) in enumerate(loader):
            x, y, mk = (t.to(device, non_blocking=True) for t in (x, y, mk))
            if x.dtype == torch.uint8:  # cached tiles: augment the batch on the GPU with the same draws as on CPU
                from rxlabel.classifier.cache import gpu_augment

                params = [train_ds.params(int(k), *x.shape[-2:]) for k in idx] if train_ds.aug.active else []
                x = gpu_augment(x, params, cfg.in_chans)
            final_micro = (i + 1) % cfg.accumulate == 0 or i + 1 == len(loader)
            sync = world == 1 or final_micro
            ctx = model.no_sync() if (world > 1 and not sync) else _null()
            with ctx:
                with torch.autocast(device.type, dtype=torch.float16, enabled=use_amp):
                    logits = model(x)
                loss = loss_fn(logits.float(), y, mk)
                if not torch.isfinite(loss.detach()):
                    raise _diverged(cfg, epoch, state["step"], float(loss.detach()), last_path)
                scaler.scale(loss / cfg.accumulate).backward()
            running += float(loss.detach()) * x.shape[0]
            seen += x.shape[0]
            n_batches += 1
            bar.update(1)
            if not final_micro:
                continue
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            scheduler.step()
            state["step"] += 1
            if cfg.eval_every and state["step"] % cfg.eval_every == 0:
                _evaluate_and_log(evaluate_now, state, cfg, epoch, running / max(seen, 1), seen * world,
                                  time.perf_counter() - t0, optimizer, model, main, metrics_path, best_path, classes)
                model.train()
            if cfg.max_steps and state["step"] >= cfg.max_steps:
                break
            if state["stopped_early"]:
                break
        bar.close()
        if not cfg.eval_every:
            _evaluate_and_log(evaluate_now, state, cfg, epoch, running / max(seen, 1), seen * world,
                              time.perf_counter() - t0, optimizer, model, main, metrics_path, best_path, classes)
        state["epoch"] = epoch + 1
        if not _finite(unwrap(model)):
            raise _diverged(cfg, epoch, state["step"], float("nan"), last_path)  # never save NaN weights
        if main:
            payload = {"model": unwrap(model).state_dict(), "optimizer": optimizer.state_dict(),
                       "scheduler": scheduler.state_dict(), "state": dict(state), "meta": _meta(cfg, classes)}
            if use_amp:
                payload["scaler"] = scaler.state_dict()
            _save(last_path, payload)
        if world > 1:
            dist.barrier()
    summary = {"out": str(out), "classes": classes, "best_step": state["best_step"], "best_macro_f1": state["best_f1"],
               "best_macro_auc": state["best_auc"], "best_valid_loss": state.get("best_loss"), "monitor": cfg.monitor,
               "steps": state["step"], "epochs_done": state["epoch"],
               "stopped_early": state["stopped_early"], "skipped_images": len(skipped),
               "seconds": time.perf_counter() - t_epoch, "world_size": world}
    if main:
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


class TrainingDiverged(TrainError):
    """The loss (or the weights) became NaN/inf: training stops; the last finite checkpoint is kept."""


def _diverged(cfg: TrainConfig, epoch: int, step: int, loss: float, last_path: Path) -> TrainingDiverged:
    kept = (f"the last finite checkpoint is {last_path} (end of epoch {epoch})" if last_path.exists()
            else "no checkpoint was written (it diverged in the first epoch)")
    return TrainingDiverged(
        f"training diverged at epoch {epoch + 1}, step {step}: the loss is {loss} (lr {cfg.lr:g}); {kept}. "
        f"Lower --lr (e.g. {cfg.lr / 10:g}), add warm-up steps, or check the images for extreme values.")


def _finite(model: torch.nn.Module) -> bool:
    # the largest |weight| (one fused reduction instead of a check per tensor) is finite iff every weight is
    norm = torch.nn.utils.get_total_norm([p.detach() for p in model.parameters()], float("inf"), error_if_nonfinite=False)
    return bool(torch.isfinite(norm))


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _meta(cfg: TrainConfig, classes: list[str]) -> dict:
    return {"version": CHECKPOINT_VERSION, "backbone": cfg.backbone, "classes": list(classes),
            "in_chans": cfg.in_chans, "image_size": cfg.image_size, "task": cfg.task, "loss": cfg.loss,
            "head": cfg.head}


def _check_compatible(ck: dict, cfg: TrainConfig, classes: list[str], path: Path) -> None:
    meta = ck.get("meta", {})
    if meta.get("backbone") != cfg.backbone:
        raise TrainError(f"{path}: checkpoint is from backbone {meta.get('backbone')!r}, not {cfg.backbone!r}")
    if list(meta.get("classes", [])) != list(classes):
        raise TrainError(f"{path}: checkpoint has {len(meta.get('classes', []))} classes {meta.get('classes')}, "
                         f"the manifest gives {len(classes)}: {classes}")


def _evaluate_and_log(evaluate_now, state, cfg, epoch, train_loss, images, seconds, optimizer, model, main,
                      metrics_path, best_path, classes) -> None:
    # every rank evaluates the same validation set (cheap next to training) so early stopping agrees
    res = evaluate_now()
    f1 = res["macro"]["f1"] if res["macro"]["f1"] is not None else -1.0
    auc, val_loss = res["macro"]["auc"], res["val_loss"]
    if cfg.monitor == "val_loss":
        improved = val_loss < state.get("best_loss", float("inf")) - cfg.min_delta
    else:
        improved = f1 > state["best_f1"] + (cfg.min_delta if state["best_f1"] >= 0 else 0.0)
    if improved:
        state.update(best_f1=f1, best_step=state["step"], bad_evals=0, best_auc=auc, best_loss=val_loss)
        if main:
            _save(best_path, {"model": unwrap(model).state_dict(), "meta": _meta(cfg, classes),
                              "thresholds": res["thresholds"], "step": state["step"], "valid_macro_f1": f1,
                              "valid_macro_auc": auc, "valid_loss": val_loss})
    else:
        state["bad_evals"] += 1
        if cfg.patience and state["bad_evals"] >= cfg.patience:
            state["stopped_early"] = True
    if main:
        row = {"epoch": epoch + 1, "step": state["step"], "train_loss": round(train_loss, 6),
               "lr": optimizer.param_groups[0]["lr"], "valid_loss": round(val_loss, 6), "valid_macro_auc": auc, "valid_macro_f1": f1,
               "valid_hamming_loss": res["macro"]["hamming_loss"],
               "images_per_s": round(images / max(seconds, 1e-9), 2), "best": improved}
        _write_row(metrics_path, row)
        if not cfg.quiet:
            auc_s = f"{auc:.3f}" if auc is not None else "-"
            print(f"epoch {epoch + 1} step {state['step']}: loss {train_loss:.4f} valid macro AUC {auc_s} "
                  f"F1 {f1:.3f}{' (best)' if improved else ''}", file=sys.stderr)


def _write_skipped(path: Path, skipped: list[dict]) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["split", "image_path", "reason"], extrasaction="ignore")
        w.writeheader()
        w.writerows(skipped)
