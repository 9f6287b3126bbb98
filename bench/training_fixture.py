"""The CPU learning fixture of tests/classifier/test_training.py: CPU seconds and held-out macro AUC.

Trains resnet10t on generated radiographs exactly as the test's ``trained`` fixture does (stop one
epoch early, resume for the last), evaluates the test split, and prints one JSON line: the settings,
the macro AUC (the test asserts >= 0.9) and the process CPU seconds (user + system; CPU time, so the
number means something on a shared machine whose wall time depends on other jobs).

  python bench/training_fixture.py                                   # the test's settings
  python bench/training_fixture.py --images 200 --size 64 --image-size 32 --batch 16 --lr 3e-3   # a smaller try
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=400)
    ap.add_argument("--size", type=int, default=96, help="Generated image side.")
    ap.add_argument("--image-size", type=int, default=64, help="Training input side.")
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch

    from rxlabel.classifier.evaluate import evaluate_runs
    from rxlabel.classifier.synthetic import write_synthetic_dataset
    from rxlabel.classifier.train import TrainConfig, train

    torch.set_num_threads(args.threads)
    root = Path(tempfile.mkdtemp(prefix="rxlabel-fixture-"))
    c0, t0 = _cpu(), time.perf_counter()
    manifest = write_synthetic_dataset(root / "data", n_images=args.images, size=args.size, seed=0)
    steps = int(args.images * 0.6) // args.batch
    base = dict(backbone="resnet10t", loss="asl", image_size=args.image_size, epochs=args.epochs,
                batch_size=args.batch, workers=0, warmup_steps=10, lr=args.lr, patience=0, quiet=True, seed=0)
    train(TrainConfig(manifest=str(manifest), out=str(root / "run"), max_steps=steps * (args.epochs - 1), **base))
    done = train(TrainConfig(manifest=str(manifest), out=str(root / "run"), resume=True, **base))
    report = evaluate_runs([root / "run"], split="test", n_boot=300, seed=0)
    print(json.dumps({"bench": "training_fixture", **vars(args), "macro_auc": round(report["macro"]["auc"], 4),
                      "epochs_done": done["epochs_done"], "test_images": report["n_images"],
                      "cpu_s": round(_cpu() - c0, 1), "wall_s": round(time.perf_counter() - t0, 1)}))
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
