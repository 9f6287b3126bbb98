"""The CPU learning fixture of tests/classifier/test_training.py: CPU seconds and held-out macro AUC.

Trains on generated radiographs exactly as the test's ``trained`` fixture does (stop one epoch early,
resume for the last), evaluates the test split, and prints one JSON line: the settings, the macro
AUC (the test asserts >= 0.85) and the process CPU seconds after the imports (user + system; CPU
time, so the number means something on a shared machine whose wall time depends on other jobs).
``--profile`` adds the CPU seconds of each phase (cProfile on process time; it slows Python-heavy
phases, so compare phases with each other, and the unprofiled ``cpu_s`` between runs).

  python bench/training_fixture.py                # the test's settings (test_resnet, 32 px, 1 thread)
  python bench/training_fixture.py --backbone resnet10t --size 96 --image-size 64 --lr 1e-3 --threads 2
                                                  # the settings before (resnet10t, 64 px, 2 threads)
  python bench/training_fixture.py --profile      # where the CPU time goes
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# phase -> (file suffix, function name) of the call whose cumulative CPU time is the phase's cost
PHASES = {
    "imports": ("", "_find_and_load"),
    "synthetic_data": ("synthetic.py", "write_synthetic_dataset"),
    "train_total": ("train.py", "train"),
    "create_model": ("models.py", "create_model"),
    "prescan": ("data.py", "prescan"),
    "forward": ("module.py", "_wrapped_call_impl"),
    "backward": ("~", "run_backward"),
    "optimizer_step": ("adam.py", "step"),
    "train_loader": ("dataloader.py", "__next__"),
    "augment": ("data.py", "augment"),
    "per_epoch_eval": ("train.py", "_evaluate_and_log"),
    "checkpoints": ("train.py", "_save"),
    "final_evaluate": ("evaluate.py", "evaluate_runs"),
    "bootstrap_ci": ("metrics.py", "bootstrap_ci"),
    "roc_plot": ("evaluate.py", "_roc_png"),
}


def _phases(prof) -> dict:
    import pstats

    stats = pstats.Stats(prof).stats
    out = {}
    for phase, (suffix, name) in PHASES.items():
        # the outermost call of a recursive function holds the cumulative time; take the largest entry
        hits = [v[3] for (f, _, fn), v in stats.items() if f.endswith(suffix) and (fn == name or name in fn)]
        out[phase] = round(max(hits, default=0.0), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=400)
    ap.add_argument("--size", type=int, default=64, help="Generated image side.")
    ap.add_argument("--image-size", type=int, default=32, help="Training input side.")
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--backbone", default="test_resnet")
    ap.add_argument("--warmup", type=int, default=10, help="Warm-up steps.")
    ap.add_argument("--profile", action="store_true",
                    help="Also profile (cProfile on process CPU time) and add the CPU s of each phase.")
    args = ap.parse_args()
    if args.profile:
        import cProfile

        prof = cProfile.Profile(time.process_time)
        prof.enable()

    import torch

    from rxlabel.classifier.evaluate import evaluate_runs
    from rxlabel.classifier.synthetic import write_synthetic_dataset
    from rxlabel.classifier.train import TrainConfig, train

    torch.set_num_threads(args.threads)
    root = Path(tempfile.mkdtemp(prefix="rxlabel-fixture-"))
    c0, t0 = _cpu(), time.perf_counter()
    manifest = write_synthetic_dataset(root / "data", n_images=args.images, size=args.size, seed=0)
    steps = int(args.images * 0.6) // args.batch
    base = dict(backbone=args.backbone, loss="asl", image_size=args.image_size, epochs=args.epochs,
                batch_size=args.batch, workers=0, warmup_steps=args.warmup, lr=args.lr, patience=0, quiet=True, seed=0)
    train(TrainConfig(manifest=str(manifest), out=str(root / "run"), max_steps=steps * (args.epochs - 1), **base))
    done = train(TrainConfig(manifest=str(manifest), out=str(root / "run"), resume=True, **base))
    report = evaluate_runs([root / "run"], split="test", n_boot=300, seed=0)
    result = {"bench": "training_fixture", **vars(args), "macro_auc": round(report["macro"]["auc"], 4),
              "epochs_done": done["epochs_done"], "test_images": report["n_images"],
              "cpu_s": round(_cpu() - c0, 1), "wall_s": round(time.perf_counter() - t0, 1)}
    if args.profile:
        prof.disable()
        result["phases_cpu_s"] = _phases(prof)
    print(json.dumps(result))
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
