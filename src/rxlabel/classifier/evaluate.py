"""Evaluate runs (or an ensemble of runs) on a manifest split: table, JSON, predictions CSV, ROC plot."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from rxlabel.classifier.data import RadiographDataset, mask_specs, prescan
from rxlabel.classifier.ensemble import combine
from rxlabel.classifier.labels import COARSE_CLASSES, fine_to_coarse
from rxlabel.classifier.manifest import Manifest, ManifestError, read_manifest, to_coarse
from rxlabel.classifier.metrics import bootstrap_ci, classification_metrics, format_table, tune_thresholds
from rxlabel.classifier.run import LoadedRun, check_same_classes, load_run
from rxlabel.classifier.train import predict_probs


@dataclass
class SplitPredictions:
    """Probabilities of one run on the readable images of a split, with their labels."""

    paths: list[str]
    probs: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    skipped: list[dict]


def manifest_for_run(path: str | Path, run: LoadedRun) -> Manifest:
    """Read ``path`` with the run's task and classes (coarse manifests are mapped as in training)."""
    task = run.config.get("task", "fine")
    m = read_manifest(path, None if task == "coarse" else run.classes)
    if task == "coarse":
        m = to_coarse(m)
    missing = [c for c in run.classes if c not in m.classes]
    if missing:
        raise ManifestError(f"{path}: the run predicts {run.classes} but the manifest has no label for {missing}")
    idx = [m.classes.index(c) for c in run.classes]
    return Manifest(m.frame, list(run.classes), m.labels[:, idx], m.path)


def predict_split(run: LoadedRun, m: Manifest, split: str, device: torch.device, batch_size: int = 32,
                  workers: int = 0, uncertain: str = "mask", progress: bool = False) -> SplitPredictions:
    """Run the model over the readable images of one split; unreadable images are listed, not fatal."""
    part = m.split(split)
    if len(part.frame) == 0:
        raise ManifestError(f"{m.path}: no row with split {split!r}")
    y, mask = part.targets(uncertain)
    ds = RadiographDataset(part.frame["image_path"].tolist(), y, mask, run.image_size, run.in_chans,
                           masks=mask_specs(part.frame))
    kept, skipped = prescan(ds, workers=4, progress=progress)
    if not kept:
        raise ManifestError(f"{m.path}: no readable image in split {split!r} ({len(skipped)} unreadable)")
    ds = ds.subset(kept)
    probs = predict_probs(run.model, ds, device, batch_size, workers, progress=progress)
    return SplitPredictions(ds.paths, probs, ds.targets, ds.mask, skipped)


def _roc_png(path: Path, y: np.ndarray, p: np.ndarray, mask: np.ndarray, classes: list[str], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_auc_score, roc_curve

    fig, ax = plt.subplots(figsize=(6, 6), dpi=100)
    for j, c in enumerate(classes):
        keep = mask[:, j] > 0
        yj, pj = y[keep, j], p[keep, j]
        if yj.min(initial=1) == yj.max(initial=0):
            continue  # AUC undefined with one class present
        fpr, tpr, _ = roc_curve(yj, pj)
        ax.plot(fpr, tpr, label=f"{c} (AUC {roc_auc_score(yj, pj):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="1 - specificity", ylabel="sensitivity", title=title, xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def evaluate_runs(
    runs: list[str | Path],
    split: str = "test",
    manifest: str | Path | None = None,
    method: str = "ctp",
    n_boot: int = 3000,
    seed: int = 0,
    out_dir: str | Path | None = None,
    device: str | None = None,
    batch_size: int = 32,
    as_coarse: bool = False,
    progress: bool = False,
) -> dict:
    """Evaluate one run, or an ensemble of runs by ``method``; writes ``eval_<split>.json``, predictions and ROC.

    Thresholds come from the validation split (per class, max F1): the run's stored ones for a single run,
    re-tuned on the combined validation scores for ``ctp`` and ``as_coarse``.
    """
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    loaded = [load_run(r, dev) for r in runs]
    classes = check_same_classes(loaded)
    manifest = manifest or loaded[0].config.get("manifest")
    if not manifest:
        raise ManifestError(f"{runs[0]}: no manifest recorded in config.json; pass --manifest")
    m = manifest_for_run(manifest, loaded[0])
    uncertain = loaded[0].config.get("uncertain", "mask")
    need_valid = len(loaded) > 1 or as_coarse
    test = [predict_split(r, m, split, dev, batch_size, uncertain=uncertain, progress=progress) for r in loaded]
    valid = [predict_split(r, m, "valid", dev, batch_size, uncertain=uncertain) for r in loaded] if need_valid else []
    y, mask = test[0].y, test[0].mask
    thresholds = np.stack([r.thresholds for r in loaded])
    probs = np.stack([t.probs for t in test])
    pred = None
    if as_coarse:
        if loaded[0].config.get("task") == "coarse":
            raise ManifestError("--as-coarse maps a fine (CheXpert-14) run to the 5 regions; this run is coarse")
        coarse_m = to_coarse(Manifest(m.frame, classes, m.labels, m.path))
        valid_probs = np.stack([fine_to_coarse(v.probs, classes) for v in valid])
        probs = np.stack([fine_to_coarse(p, classes) for p in probs])
        vm = coarse_m.split("valid")
        vy, vmask = vm.targets(uncertain)
        keep_v = _rows(vm.frame["image_path"], valid[0].paths)
        thresholds = np.stack([tune_thresholds(vy[keep_v], vp, vmask[keep_v]) for vp in valid_probs])
        tm = coarse_m.split(split)
        ty, tmask = tm.targets(uncertain)
        keep_t = _rows(tm.frame["image_path"], test[0].paths)
        y, mask, classes = ty[keep_t], tmask[keep_t], list(COARSE_CLASSES)
    if len(loaded) == 1:
        scores, thr = probs[0], thresholds[0]
    else:
        ctp_thr = None
        if method == "ctp":
            vprobs = probs_valid = np.stack([v.probs for v in valid]).mean(0)
            if as_coarse:
                vprobs = valid_probs.mean(0)
                ctp_thr = tune_thresholds(vy[keep_v], vprobs, vmask[keep_v])
            else:
                ctp_thr = tune_thresholds(valid[0].y, probs_valid, valid[0].mask)
        scores, pred = combine(method, probs, thresholds, ctp_thr)
        thr = ctp_thr if ctp_thr is not None else np.full(len(classes), 0.5)
    res = classification_metrics(y, scores, thr, classes, mask, pred=pred)
    ci = bootstrap_ci(y, scores, thr, classes, mask, n_boot=n_boot, seed=seed, pred=pred) if n_boot else None
    report = {"runs": [str(r.path) for r in loaded], "split": split, "manifest": str(manifest),
              "method": method if len(loaded) > 1 else "single", "as_coarse": as_coarse, **res, "ci": ci,
              "skipped": test[0].skipped}
    out = Path(out_dir) if out_dir else loaded[0].path
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{split}{'_coarse' if as_coarse else ''}{'_' + method if len(loaded) > 1 else ''}"
    (out / f"eval_{stem}.json").write_text(json.dumps(report, indent=2))
    final = pred if pred is not None else scores >= np.asarray(thr)[None, :]
    frame = pd.DataFrame(scores, columns=[f"p_{c}" for c in classes])
    frame.insert(0, "image_path", test[0].paths)
    for j, c in enumerate(classes):
        frame[f"pred_{c}"] = final[:, j].astype(int)
    if len(loaded) > 1:
        v = (probs >= thresholds[:, None, :]).sum(0)
        for j, c in enumerate(classes):
            frame[f"agree_{c}"] = v[:, j]
    frame.to_csv(out / f"predictions_{stem}.csv", index=False)
    _roc_png(out / f"roc_{stem}.png", y, scores, mask, classes, f"ROC, {split} split ({report['method']})")
    report["table"] = format_table(res, ci)
    report["outputs"] = {k: str(out / f"{k}_{stem}.{ext}") for k, ext in
                         (("eval", "json"), ("predictions", "csv"), ("roc", "png"))}
    return report


def _rows(frame_paths: pd.Series, kept_paths: list[str]) -> np.ndarray:
    pos = {p: i for i, p in enumerate(frame_paths.tolist())}
    return np.array([pos[p] for p in kept_paths], dtype=int)
