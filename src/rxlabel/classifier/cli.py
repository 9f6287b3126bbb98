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

from rxlabel import logs
from rxlabel.classifier.data import AUGMENT_PRESETS, Augment
from rxlabel.classifier.ensemble import METHODS
from rxlabel.classifier.images import ImageReadError
from rxlabel.classifier.losses import LOSSES
from rxlabel.classifier.manifest import UNCERTAIN_POLICIES
from rxlabel.classifier.models import HEADS
from rxlabel.classifier.train import MONITORS, TASKS, TrainConfig
from rxlabel.config import defaults

_TRAIN = defaults(TrainConfig)  # the one source of training defaults; the options below read it


@click.command()
@click.option("--manifest", required=True, type=click.Path(exists=True, dir_okay=False), help="Dataset manifest CSV.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Run folder to write.")
@click.option("--task", type=click.Choice(TASKS), default=_TRAIN["task"], show_default=True)
@click.option("--backbone", default=_TRAIN["backbone"], show_default=True, help="Any timm model name.")
@click.option("--loss", type=click.Choice(LOSSES), default=_TRAIN["loss"], show_default=True)
@click.option("--image-size", type=int, default=_TRAIN["image_size"], show_default=True)
@click.option("--in-chans", type=click.IntRange(min=1), default=_TRAIN["in_chans"], show_default=True,
              help="Input channels of the timm stem (the grey film is repeated).")
@click.option("--head", type=click.Choice(HEADS), default=_TRAIN["head"], show_default=True,
              help="Classifier head; mlp512 = dense 512, ReLU, dropout 0.2 (PadChest study).")
@click.option("--freeze", type=click.FloatRange(0, 1, max_open=True), default=_TRAIN["freeze"], show_default=True,
              help="Freeze this share of the body's parameter tensors, stem first.")
@click.option("--monitor", type=click.Choice(MONITORS), default=_TRAIN["monitor"], show_default=True,
              help="What picks best.pt and drives --patience.")
@click.option("--min-delta", type=float, default=_TRAIN["min_delta"], show_default=True, help="Smallest change that counts as better.")
@click.option("--augment", "augment_preset", type=click.Choice(sorted(AUGMENT_PRESETS)), default="default",
              show_default=True, help="Augmentation ranges: rxlabel's default or the PadChest study's.")
@click.option("--seeds", default=None, help="Comma-separated seeds: one run each under OUT/seed_N, "
              "then per-class mean +- sd over the runs (OUT/seeds.csv).")
@click.option("--crop-margin", type=float, default=_TRAIN["crop_margin"], show_default=True, help="Lung crop margin (share of the side).")
@click.option("--crop-below", type=float, default=_TRAIN["crop_below"], show_default=True,
              help="Lung crop: share of the film below the lungs kept (1: to the bottom edge).")
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
@click.option("--image-cache", default=None, type=click.Path(exists=True, file_okay=False),
              help="uint8 cache from 'rxlabel cache' (same manifest and --image-size): no decoding per epoch, "
                   "GPU augmentation on CUDA.")
@click.option("--cpu-augment", is_flag=True, help="With --image-cache on CUDA: augment in the loader workers instead.")
@click.option("--quiet", is_flag=True, help="No progress bar or per-evaluation lines.")
def train(**kw) -> None:
    """Train a region (coarse) or finding (fine) classifier from a manifest."""
    from rxlabel.classifier.train import train as run_train

    preset = "none" if kw.pop("no_augment") else kw.pop("augment_preset")
    kw.pop("augment_preset", None)
    aug = Augment.preset(preset, flip=not kw.pop("no_flip", False))
    classes, seeds = kw.pop("classes"), kw.pop("seeds")
    kw["gpu_augment"] = not kw.pop("cpu_augment")
    cfg = TrainConfig(
        **{k: v for k, v in kw.items() if k != "no_amp"},
        amp=not kw["no_amp"],
        augment=asdict(aug),
        classes=[c.strip() for c in classes.split(",")] if classes else None,
    )
    cfg.quiet = cfg.quiet or logs.is_quiet()
    with logs.log_file(cfg.out), logs.Heartbeat(f"train {cfg.out}"):  # log file in the run folder
        if seeds:
            from rxlabel.classifier.seeds import train_seeds

            summary = train_seeds(cfg, [int(x) for x in seeds.split(",") if x.strip()])
            click.echo(summary.pop("table"))
        else:
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
@click.option("--cam-layer", default=None,
              help="Module name to take Grad-CAM at (e.g. layer3, blocks.4); default: the last feature map.")
@click.option("--device", default=None)
def heatmap(runs, inputs, out, threshold, cam_layer, device) -> None:
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
            found = draw(loaded, path, target, threshold, device, cam_layer=cam_layer)
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


@click.command("cache")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Cache folder to write.")
@click.option("--size", type=int, default=512, show_default=True, help="Side of the cached square images.")
@click.option("--jobs", type=int, default=2, show_default=True, help="Decoding threads.")
@click.option("--crop-margin", type=float, default=0.05, show_default=True)
@click.option("--crop-below", type=float, default=1.0, show_default=True)
@click.option("--quiet", is_flag=True)
def cache(manifest, out, size, jobs, crop_margin, crop_below, quiet) -> None:
    """Dataset cache step: decode, crop and resize every image once into a memory-mapped uint8 array."""
    from rxlabel.classifier.cache import build_cache

    result = build_cache(manifest, out, size, jobs, crop_margin, crop_below, progress=not quiet and sys.stderr.isatty())
    if result["unreadable"]:
        click.echo(f"{result['unreadable']} unreadable image(s) left out; reasons in {Path(out) / 'index.csv'}", err=True)
    click.echo(json.dumps(result, indent=2))


if __name__ == "__main__":
    # ``python -m rxlabel.classifier.cli train ...`` (what torchrun needs) is the rxlabel command itself, so
    # errors become messages in the one place that does it.
    from rxlabel.cli import main

    main()
