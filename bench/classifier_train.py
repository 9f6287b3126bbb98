"""Classifier benchmarks; each prints a JSON line (and appends it to --json-out).

``--mode throughput`` (the GPU line of docs/classifier.md): training images/s of a backbone at a size,
AMP on CUDA, fed by the real data loader from cached PNGs, beside two baselines measured in the same
process: the loader alone (images/s it can deliver) and the model alone on tensors already on the
device (images/s the GPU can consume). ``loader_keeps_up`` is loader / model-alone > 1, and
``gpu_busy`` is (train with loader) / (model alone).

``--mode loader`` (or ``--loader``): the training input path per image, in CPU-ms of this process with
one torch thread (what one DataLoader worker spends), for the same images at ``--image-size``:
decoding the PNG each epoch (``png``), the 16-bit ``.npy`` per-image cache (``npy16``), and the uint8
memmap cache of ``rxlabel cache`` with CPU augmentation (``memmap_cpu_aug``) and without it
(``memmap_raw``: what a worker does when the GPU augments). ``images_per_s_per_worker`` is 1000 / ms;
``feed_images_per_s`` multiplies it by ``--cores``. With CUDA, ``gpu_augment_host_ms`` is the host
CPU time per image of the batched GPU augmentation (parameter draws and kernel launches).

``--mode synthetic-auc``: the CPU test's run (resnet10t, 64 px, generated radiographs): wall time to
train and the held-out macro AUC, beside the loader-only pass as baseline.

  python bench/classifier_train.py --mode throughput --device cuda --backbone efficientnet_b2 \\
      --image-size 768 --batch-size 16 --workers 12 --steps 60
  python bench/classifier_train.py --mode synthetic-auc --threads 2
  python bench/classifier_train.py --loader --image-size 512 --source-size 1024 --png-bits 16 --images 64
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from rxlabel.classifier.data import Augment, RadiographDataset, prescan  # noqa: E402
from rxlabel.classifier.losses import AsymmetricLoss  # noqa: E402
from rxlabel.classifier.manifest import read_manifest  # noqa: E402
from rxlabel.classifier.models import create_model  # noqa: E402
from rxlabel.classifier.synthetic import write_synthetic_dataset  # noqa: E402


def _loader(ds, batch, workers, device):
    return DataLoader(ds, batch_size=batch, shuffle=True, num_workers=workers, drop_last=True,
                      pin_memory=device.type == "cuda", persistent_workers=workers > 0)


def throughput(args) -> dict:
    device = torch.device(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        manifest = write_synthetic_dataset(Path(tmp) / "d", n_images=args.images, size=args.source_size, seed=0,
                                           split=(1.0, 0.0, 0.0))
        m = read_manifest(manifest)
        y, mask = m.targets()
        ds = RadiographDataset(m.frame["image_path"].tolist(), y, mask, args.image_size, 1, Augment(),
                               Path(tmp) / "cache")
        prescan(ds, workers=args.workers)  # resize-and-cache once, as training does before the first epoch
        model = create_model(args.backbone, y.shape[1], 1).to(device).to(memory_format=torch.channels_last)
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        amp = device.type == "cuda"
        scaler = torch.amp.GradScaler("cuda", enabled=amp)
        loss_fn = AsymmetricLoss()

        def step(x, t):
            with torch.autocast(device.type, dtype=torch.float16, enabled=amp):
                out = model(x)
            loss = loss_fn(out.float(), t)
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()

        def sync():
            if device.type == "cuda":
                torch.cuda.synchronize()

        # baseline 1: the loader alone
        loader = _loader(ds, args.batch_size, args.workers, device)
        n, t0 = 0, None
        for i, (x, *_rest) in enumerate(_cycle(loader, args.steps + 5)):
            if i == 5:
                t0, n = time.perf_counter(), 0
            n += x.shape[0]
        loader_ips = n / (time.perf_counter() - t0)
        # baseline 2: the model alone on device tensors
        x = torch.randn(args.batch_size, 1, args.image_size, args.image_size, device=device).to(
            memory_format=torch.channels_last)
        t = (torch.rand(args.batch_size, y.shape[1], device=device) > 0.5).float()
        for _ in range(5):
            step(x, t)
        sync()
        t0 = time.perf_counter()
        for _ in range(args.steps):
            step(x, t)
        sync()
        model_ips = args.steps * args.batch_size / (time.perf_counter() - t0)
        # the real thing: loader -> device -> step
        n = 0
        for i, (xb, tb, *_rest) in enumerate(_cycle(loader, args.steps + 5)):
            if i == 5:
                sync()
                t0, n = time.perf_counter(), 0
            xb = xb.to(device, non_blocking=True).to(memory_format=torch.channels_last)
            step(xb, tb.to(device, non_blocking=True))
            n += xb.shape[0]
        sync()
        train_ips = n / (time.perf_counter() - t0)
    return {"bench": "classifier_throughput", "device": _device_name(device), "backbone": args.backbone,
            "image_size": args.image_size, "batch_size": args.batch_size, "workers": args.workers, "amp": amp,
            "train_images_per_s": round(train_ips, 1), "model_alone_images_per_s": round(model_ips, 1),
            "loader_alone_images_per_s": round(loader_ips, 1),
            "loader_keeps_up": round(loader_ips / model_ips, 2), "gpu_busy": round(train_ips / model_ips, 2)}


def _cycle(loader, n):
    i = 0
    while True:
        for batch in loader:
            if i >= n:
                return
            yield batch
            i += 1


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    import platform

    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def synthetic_auc(args) -> dict:
    from rxlabel.classifier.evaluate import evaluate_runs
    from rxlabel.classifier.train import TrainConfig, train

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        manifest = write_synthetic_dataset(Path(tmp) / "d", n_images=400, size=96, seed=0)
        m = read_manifest(manifest).split("train")
        y, mask = m.targets()
        ds = RadiographDataset(m.frame["image_path"].tolist(), y, mask, 64, 1, Augment(), Path(tmp) / "c0")
        prescan(ds, workers=1)
        t1 = time.perf_counter()
        n = sum(x.shape[0] for x, *_ in DataLoader(ds, batch_size=32))
        loader_ips = n / (time.perf_counter() - t1)
        t0, c0 = time.perf_counter(), time.process_time()
        summary = train(TrainConfig(manifest=str(manifest), out=str(Path(tmp) / "run"), backbone="resnet10t",
                                    loss="asl", image_size=64, epochs=14, batch_size=32, workers=0,
                                    warmup_steps=10, patience=0, quiet=True))
        train_s, train_cpu_s = time.perf_counter() - t0, time.process_time() - c0
        report = evaluate_runs([Path(tmp) / "run"], "test", n_boot=0)
        total_s = time.perf_counter() - t0
    train_ips = 240 * summary["epochs_done"] / train_s
    return {"bench": "classifier_synthetic_auc", "device": _device_name(torch.device("cpu")),
            "train_seconds": round(train_s, 1), "train_cpu_seconds": round(train_cpu_s, 1),
            "load_average_1min": round(__import__("os").getloadavg()[0], 2), "train_and_eval_seconds": round(total_s, 1),
            "test_macro_auc": round(report["macro"]["auc"], 4), "train_images_per_s": round(train_ips, 1),
            "loader_alone_images_per_s": round(loader_ips, 1), "ratio_train_to_loader": round(train_ips / loader_ips, 3)}


def _write_16bit(frame) -> None:
    import numpy as np
    from PIL import Image

    for path in frame["image_path"]:
        with Image.open(path) as im:
            arr = np.asarray(im.convert("L"), dtype=np.uint16) * 257
        Image.fromarray(arr).save(path)  # a 16-bit grey PNG, as PadChest distributes its films


def loader_bench(args) -> dict:

    from rxlabel.classifier.cache import CachedDataset, build_cache, gpu_augment, open_cache, per_image_cpu_ms

    torch.set_num_threads(1)  # one loader worker = one core
    size, n = args.image_size, args.images
    aug = Augment.preset(args.augment)
    with tempfile.TemporaryDirectory() as tmp:
        manifest = write_synthetic_dataset(Path(tmp) / "d", n_images=n, size=args.source_size, seed=0,
                                           split=(1.0, 0.0, 0.0))
        m = read_manifest(manifest)
        if args.png_bits == 16:
            _write_16bit(m.frame)
        paths = m.frame["image_path"].tolist()
        y, mask = m.targets()
        ms = {}
        png = RadiographDataset(paths, y, mask, size, 1, aug)
        ms["png"] = per_image_cpu_ms(png, n)
        npy = RadiographDataset(paths, y, mask, size, 1, aug, Path(tmp) / "npy")
        prescan(npy, workers=1)
        ms["npy16"] = per_image_cpu_ms(npy, n)
        build_cache(manifest, Path(tmp) / "mm", size=size, jobs=1)
        _, index, _ = open_cache(Path(tmp) / "mm")
        rows = index["row"].to_numpy()
        ms["memmap_cpu_aug"] = per_image_cpu_ms(CachedDataset(Path(tmp) / "mm", rows, y, mask, 1, aug), n)
        ms["memmap_no_aug"] = per_image_cpu_ms(CachedDataset(Path(tmp) / "mm", rows, y, mask, 1, Augment.none()), n)
        raw = CachedDataset(Path(tmp) / "mm", rows, y, mask, 1, aug, raw=True)
        ms["memmap_raw"] = per_image_cpu_ms(raw, n)
        c0 = time.process_time()
        for i in range(n * 10):
            raw.params(i % n, size, size)
        ms["gpu_path_param_draw"] = 1000.0 * (time.process_time() - c0) / (n * 10)  # main-process share per image
        gpu_ms = None
        if torch.cuda.is_available():
            dev = torch.device("cuda")
            batch = torch.stack([raw[i][0] for i in range(min(n, args.batch_size))]).pin_memory()
            for _ in range(3):
                gpu_augment(batch.to(dev, non_blocking=True), [raw.params(i, size, size) for i in range(len(batch))])
            torch.cuda.synchronize()
            c0, reps = time.process_time(), 20
            for _ in range(reps):
                gpu_augment(batch.to(dev, non_blocking=True), [raw.params(i, size, size) for i in range(len(batch))])
            torch.cuda.synchronize()
            gpu_ms = 1000.0 * (time.process_time() - c0) / (reps * len(batch))
        loader = DataLoader(CachedDataset(Path(tmp) / "mm", rows, y, mask, 1, aug), batch_size=args.batch_size,
                            num_workers=args.workers, persistent_workers=args.workers > 0)
        t0 = time.perf_counter()
        seen = sum(b[0].shape[0] for b in loader)
        wall_ips = seen / (time.perf_counter() - t0)
    per_worker = {k: round(1000.0 / v, 1) for k, v in ms.items()}
    return {"bench": "classifier_loader", "device": _device_name(torch.device("cpu")), "image_size": size,
            "source_size": args.source_size, "png_bits": args.png_bits, "augment": args.augment, "images": n,
            "cpu_ms_per_image": {k: round(v, 2) for k, v in ms.items()},
            "images_per_s_per_worker": per_worker, "gpu_augment_host_ms": None if gpu_ms is None else round(gpu_ms, 3),
            "cores": args.cores,
            "feed_images_per_s": {k: round(v * args.cores) for k, v in per_worker.items()},
            "memmap_loader_wall_images_per_s": round(wall_ips, 1), "loader_workers": args.workers,
            "load_average_1min": round(__import__("os").getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["throughput", "synthetic-auc", "loader"], default="synthetic-auc")
    ap.add_argument("--loader", action="store_true", help="same as --mode loader")
    ap.add_argument("--png-bits", type=int, choices=[8, 16], default=16, help="--loader: bit depth of the PNGs")
    ap.add_argument("--augment", default="padchest", help="--loader: augmentation preset")
    ap.add_argument("--cores", type=int, default=16, help="--loader: cores to scale the per-worker rate to")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--backbone", default="efficientnet_b2")
    ap.add_argument("--image-size", type=int, default=768)
    ap.add_argument("--source-size", type=int, default=1024, help="side of the generated PNGs")
    ap.add_argument("--images", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True
    if args.loader:
        args.mode = "loader"
    modes = {"throughput": throughput, "synthetic-auc": synthetic_auc, "loader": loader_bench}
    result = modes[args.mode](args)
    line = json.dumps(result)
    print(line)
    if args.json_out:
        with open(args.json_out, "a") as fh:
            fh.write(line + "\n")


if __name__ == "__main__":
    main()
