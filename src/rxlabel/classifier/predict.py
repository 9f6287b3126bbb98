"""Predict findings on image files or folders (PNG, JPEG, DICOM) with one run or an ensemble."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from rxlabel.classifier.data import RadiographDataset, prescan
from rxlabel.classifier.images import list_images
from rxlabel.classifier.run import LoadedRun, check_same_classes, load_run
from rxlabel.classifier.train import predict_probs


def expand_inputs(inputs: Sequence[str | Path]) -> list[Path]:
    """Files as given, folders expanded to the images and DICOM files under them (sorted)."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        out.extend(list_images(p) if p.is_dir() else [p])
    return out


def predict_images(
    runs: Sequence[str | Path | LoadedRun],
    inputs: Sequence[str | Path],
    device: str | None = None,
    batch_size: int = 16,
    progress: bool = False,
) -> tuple[pd.DataFrame, list[dict]]:
    """Probabilities per image (mean over runs), the positive findings, and for ensembles the agreement.

    Returns ``(table, skipped)``: unreadable files are listed in ``skipped`` with the reason, never fatal.
    Ensemble thresholds are the mean of the runs' validation-tuned thresholds.
    """
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    loaded = [r if isinstance(r, LoadedRun) else load_run(r, dev) for r in runs]
    classes = check_same_classes(loaded)
    paths = [str(p) for p in expand_inputs(inputs)]
    probs, skipped, kept_paths = [], [], None
    for r in loaded:
        ds = RadiographDataset(paths, None, None, r.image_size, r.in_chans)
        kept, bad = prescan(ds, progress=progress)
        if kept_paths is None:
            kept_paths, skipped = [paths[i] for i in kept], bad
        if kept:
            probs.append(predict_probs(r.model, ds.subset(kept), dev, batch_size, progress=progress))
        else:
            probs.append(np.zeros((0, len(classes)), np.float32))
    stacked = np.stack(probs)
    thresholds = np.stack([r.thresholds for r in loaded])
    mean = stacked.mean(axis=0)
    positive = mean >= thresholds.mean(axis=0)[None, :]
    table = pd.DataFrame(mean, columns=[f"p_{c}" for c in classes])
    table.insert(0, "image_path", kept_paths or [])
    table["findings"] = [";".join(c for c, on in zip(classes, row, strict=True) if on) for row in positive]
    if len(loaded) > 1:
        agree = (stacked >= thresholds[:, None, :]).sum(axis=0)
        for j, c in enumerate(classes):
            table[f"agree_{c}"] = agree[:, j]
    return table, skipped
