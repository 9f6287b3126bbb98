"""Click commands ``train``, ``predict``, ``evaluate-model``, ``ensemble``, ``heatmap`` (wired by rxlabel/cli.py).

``python -m rxlabel.classifier.cli train ...`` runs the same commands without the rxlabel entry point, which is
what ``torchrun --nproc_per_node N -m rxlabel.classifier.cli train ...`` needs for multi-GPU training.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click
import numpy as np

from rxlabel.classifier.data import Augment
from rxlabel.classifier.ensemble import METHODS
from rxlabel.classifier.images import ImageReadError
from rxlabel.classifier.losses import LOSSES
from rxlabel.classifier.manifest import UNCERTAIN_POLICIES
from rxlabel.classifier.train import TASKS, TrainConfig
from rxlabel.config import defaults

_TRAIN = defaults(TrainConfig)  # the one source of training defaults; the options below read it


@click.command()
@click.option("--manifest", required=True, type=click.Path(exists=True, dir_okay=False), help="Dataset manifest CSV.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Run folder to write.")
@click.option("--task", type=click.Choice(TASKS), default=_TRAIN["task"], show_default=True)
@click.option("--backbone", default=_TRAIN["backbone"], show_default=True, help="Any timm model name.")
@click.option("--loss", type=click.Choice(LOSSES), default=_TRAIN["loss"], show_default=True)
@click.option("--image-size", type=int, default=_TRAIN["image_size"], show_default=True)
@click.option("--in-chans", type=click.Choice(["1", "3"]), default=str(_TRAIN["in_chans"]), show_default=True)
@click.option("--epochs", type=int, default=_TRAIN["epochs"], show_default=True)
@click.option("--batch-size", type=int, default=_TRAIN["batch_size"], show_default=True, help="Global batch (split over DDP ranks).")
@click.option("--lr", type=float, default=_TRAIN["lr"], show_default=True)
@click.option("--warmup-steps", type=int, default=_TRAIN["warmup_steps"], show_default=True)
@click.option("--accumulate", type=int, default=_TRAIN["accumulate"], show_default=True, help="Gradient accumulation steps.")
@click.option("--class-aware", is_flag=True, help="Class-aware sampling instead of shuffling.")
@click.option("--eval-every", type=int, default=_TRAIN["eval_every"], show_default=True, help="Optimizer steps between evaluations (0: per epoch).")
@click.option("--patience", type=int, default=_TRAIN["patience"], show_default=True, help="Evaluations without improvement before stopping (0: never).")
@click.option("--uncertain", type=click.Choice(UNCERTAIN_POLICIES), default=_TRAIN["uncertain"], show_default=True,
              help="Uncertain (-1) labels: masked out of the loss, or mapped to 1 or 0.")
@click.option("--min-positives", type=int, default=_TRAIN["min_positives"], show_default=True, help="Drop classes with fewer positive training images.")
@click.option("--classes", default=None, help="Comma-separated classes to train (fine task); default: all.")
@click.option("--pretrained", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Local checkpoint (.pt/.pth/.safetensors) for the backbone; nothing is downloaded.")
@click.option("--seed", type=int, default=_TRAIN["seed"], show_default=True)
@click.option("--workers", type=int, default=_TRAIN["workers"], show_default=True, help="Data-loader worker processes.")
@click.option("--no-amp", is_flag=True, help="Disable mixed precision on CUDA.")
@click.option("--no-flip", is_flag=True, help="No horizontal flip in augmentation.")
@click.option("--no-augment", is_flag=True, help="No augmentation at all.")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@click.option("--max-steps", type=int, default=_TRAIN["max_steps"], help="Stop after this many optimizer steps (0: no limit).")
@click.option("--device", default=None, help="cpu, cuda, cuda:1 ... (default: CUDA when available).")
@click.option("--cache-dir", default=None, type=click.Path(file_okay=False), help="Resized-image cache (default RUN/cache).")
@click.option("--quiet", is_flag=True, help="No progress bar or per-evaluation lines.")
def train(**kw) -> None:
    """Train a region (coarse) or finding (fine) classifier from a manifest."""
    from rxlabel.classifier.train import train as run_train

    aug = Augment.none() if kw.pop("no_augment") else Augment(flip=not kw.pop("no_flip", False))
    kw.pop("no_flip", None)
    classes = kw.pop("classes")
    cfg = TrainConfig(
        **{k: v for k, v in kw.items() if k not in ("no_amp", "in_chans")},
        in_chans=int(kw["in_chans"]),
        amp=not kw["no_amp"],
        augment=asdict(aug),
        classes=[c.strip() for c in classes.split(",")] if classes else None,
    )
    summary = run_train(cfg)
    if summary.get("world_size", 1) == 1 or _rank() == 0:
        click.echo(json.dumps(summary, indent=2))


def _rank() -> int:
    import os

    return int(os.environ.get("RANK", 0))


def _write_skipped(path: Path, skipped: list[dict]) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["image_path", "reason"], extrasaction="ignore")
        w.writeheader()
        w.writerows(skipped)


@click.command()
@click.option("--run", "runs", multiple=True, required=True, type=click.Path(exists=True),
              help="Run folder (repeat for an ensemble).")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--out", "out", required=True, type=click.Path(dir_okay=False), help="Probabilities CSV.")
@click.option("--device", default=None)
@click.option("--batch-size", type=int, default=16, show_default=True)
@click.option("--quiet", is_flag=True)
def predict(runs, inputs, out, device, batch_size, quiet) -> None:
    """Predict findings for images or folders (PNG, JPEG, DICOM); writes one row per readable image."""
    from rxlabel.classifier.predict import predict_images

    table, skipped = predict_images(runs, inputs, device, batch_size, progress=not quiet and sys.stderr.isatty())
    numeric = table.select_dtypes("number")
    if len(numeric.columns) and not np.isfinite(numeric.to_numpy(dtype=float)).all():
        raise click.ClickException(
            f"the model gives non-finite probabilities (NaN) for {int((~np.isfinite(numeric.to_numpy(dtype=float))).any(axis=1).sum())} "
            f"image(s): its weights are not finite (a diverged training run?). Nothing was written; retrain with a lower --lr "
            f"or use an earlier checkpoint.")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    msg = f"{len(table)} image(s) predicted -> {out}"
    if skipped:
        skipped_path = out.with_suffix(".skipped.csv")
        _write_skipped(skipped_path, skipped)
        msg += f"; {len(skipped)} unreadable, listed in {skipped_path}"
        for s in skipped:
            click.echo(f"skipped: {s['reason']}", err=True)
    click.echo(msg)


def _evaluate(runs, split, manifest, method, n_boot, seed, out, device, as_coarse, quiet) -> None:
    from rxlabel.classifier.evaluate import evaluate_runs

    report = evaluate_runs(list(runs), split, manifest, method, n_boot, seed, out, device,
                           as_coarse=as_coarse, progress=not quiet and sys.stderr.isatty())
    click.echo(report["table"])
    if report["skipped"]:
        click.echo(f"{len(report['skipped'])} unreadable image(s) skipped:", err=True)
        for s in report["skipped"]:
            click.echo(f"  {s['reason']}", err=True)
    click.echo("wrote " + ", ".join(report["outputs"].values()))


_eval_options = [
    click.option("--split", default="test", show_default=True, type=click.Choice(["train", "valid", "test"])),
    click.option("--manifest", default=None, type=click.Path(exists=True, dir_okay=False),
                 help="Manifest to evaluate on (default: the run's training manifest)."),
    click.option("--n-boot", type=int, default=3000, show_default=True, help="Bootstrap replicates for 95% CIs (0: none)."),
    click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed."),
    click.option("--out", default=None, type=click.Path(file_okay=False), help="Output folder (default: the run folder)."),
    click.option("--device", default=None),
    click.option("--as-coarse", is_flag=True, help="Score a fine (CheXpert-14) run on the 5 regions."),
    click.option("--quiet", is_flag=True),
]


def _with(options):
    def wrap(f):
        for opt in reversed(options):
            f = opt(f)
        return f

    return wrap


@click.command("evaluate-model")
@click.argument("runs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--method", type=click.Choice(METHODS), default="ctp", show_default=True, help="When several runs are given.")
@_with(_eval_options)
def evaluate_model(runs, method, split, manifest, n_boot, seed, out, device, as_coarse, quiet) -> None:
    """Evaluate a trained run on a split: metrics table with bootstrap CIs, JSON, predictions CSV, ROC PNG."""
    _evaluate(runs, split, manifest, method, n_boot, seed, out, device, as_coarse, quiet)


@click.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--method", type=click.Choice(METHODS), default="ctp", show_default=True,
              help="ctp: mean probabilities; ptc-vote: label-wise majority; ptc-mode: most frequent label set.")
@_with(_eval_options)
def ensemble(runs, method, split, manifest, n_boot, seed, out, device, as_coarse, quiet) -> None:
    """Combine several runs and evaluate the ensemble on a split."""
    if len(runs) < 2:
        raise click.UsageError("an ensemble needs at least two runs")
    out = out or str(Path(runs[0]).resolve().parent / f"ensemble_{method}")
    _evaluate(runs, split, manifest, method, n_boot, seed, out, device, as_coarse, quiet)


@click.command()
@click.option("--run", "runs", multiple=True, required=True, type=click.Path(exists=True),
              help="Run folder (repeat for an ensemble: probabilities averaged, agreement shown).")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Folder for the PNGs.")
@click.option("--threshold", type=float, default=None, help="Override the runs' tuned thresholds.")
@click.option("--device", default=None)
def heatmap(runs, inputs, out, threshold, device) -> None:
    """Multi-label Grad-CAM heatmaps: one colour per finding above threshold, legend with probabilities."""
    from rxlabel.classifier.gradcam import heatmap as draw
    from rxlabel.classifier.predict import expand_inputs
    from rxlabel.classifier.run import load_run

    loaded = [load_run(r, device or "cpu") for r in runs]
    out_dir = Path(out)
    skipped, done = [], 0
    for path in expand_inputs(inputs):
        target = out_dir / f"{path.stem}_heatmap.png"
        try:
            found = draw(loaded, path, target, threshold, device)
        except ImageReadError as exc:
            skipped.append({"image_path": str(path), "reason": str(exc)})
            click.echo(f"skipped: {exc}", err=True)
            continue
        done += 1
        names = ", ".join(f"{f.name} {f.probability:.2f}" for f in found) or "no finding above threshold"
        click.echo(f"{target}: {names}")
    if skipped:
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_skipped(out_dir / "skipped.csv", skipped)
    click.echo(f"{done} heatmap(s) written to {out_dir}; {len(skipped)} unreadable image(s) skipped")


if __name__ == "__main__":
    # ``python -m rxlabel.classifier.cli train ...`` (what torchrun needs) is the rxlabel command itself, so
    # errors become messages in the one place that does it.
    from rxlabel.cli import main

    main()
