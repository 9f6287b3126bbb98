"""A trained run folder: its config, best checkpoint, model and tuned thresholds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from rxlabel.classifier.models import CheckpointError, create_model


@dataclass
class LoadedRun:
    """A model ready for inference with the metadata needed to feed it and read its outputs."""

    path: Path
    model: torch.nn.Module
    classes: list[str]
    thresholds: np.ndarray
    image_size: int
    in_chans: int
    backbone: str
    config: dict


def load_run(run: str | Path, device: str | torch.device = "cpu", checkpoint: str = "best.pt") -> LoadedRun:
    """Load ``RUN/best.pt`` (or a checkpoint file given directly); errors name the file and the mismatch."""
    run = Path(run)
    ckpt = run if run.is_file() else run / checkpoint
    folder = ckpt.parent
    if not ckpt.is_file():
        raise CheckpointError(f"{ckpt}: no checkpoint; is {run} a training run folder (rxlabel train --out)?")
    try:
        ck = torch.load(ckpt, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"{ckpt}: not a readable checkpoint ({type(exc).__name__}: {exc})") from exc
    meta = ck.get("meta") if isinstance(ck, dict) else None
    if not meta or "model" not in ck:
        raise CheckpointError(f"{ckpt}: not an rxlabel run checkpoint (no 'meta' and 'model' entries)")
    model = create_model(meta["backbone"], len(meta["classes"]), meta["in_chans"], head=meta.get("head", "linear"))
    try:
        model.load_state_dict(ck["model"])
    except RuntimeError as exc:
        raise CheckpointError(f"{ckpt}: weights do not fit backbone {meta['backbone']!r}: {exc}") from exc
    model.to(device).eval()
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    thresholds = np.asarray(ck.get("thresholds", [0.5] * len(meta["classes"])), dtype=float)
    return LoadedRun(folder, model, list(meta["classes"]), thresholds, int(meta["image_size"]),
                     int(meta["in_chans"]), meta["backbone"], config)


def check_same_classes(runs: list[LoadedRun]) -> list[str]:
    """The common class list of several runs; an error when they differ."""
    first = runs[0].classes
    for r in runs[1:]:
        if r.classes != first:
            raise CheckpointError(
                f"{r.path}: classes {r.classes} differ from {runs[0].path}: {first}; "
                "an ensemble needs runs trained on the same classes"
            )
    return first
