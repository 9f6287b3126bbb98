"""Training options: class-aware sampling, accumulation, evaluation every N steps, early stopping, losses."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("timm")

from rxlabel.classifier.data import Augment, ClassAwareSampler, RadiographDataset, augment  # noqa: E402
from rxlabel.classifier.synthetic import write_synthetic_dataset  # noqa: E402
from rxlabel.classifier.train import TrainConfig, train, warmup_cosine  # noqa: E402


def test_class_aware_sampler_balances_rare_classes():
    targets = np.zeros((1000, 3))
    targets[:500, 0] = 1
    targets[500:510, 1] = 1  # rare
    targets[510:520, 2] = 1  # rare; rows 520.. are normal
    sampler = ClassAwareSampler(targets, 4000, seed=1)
    idx = np.fromiter(iter(sampler), int)
    share = [(targets[idx, j] > 0).mean() for j in range(3)] + [(~targets[idx].any(1)).mean()]
    assert all(0.2 < s < 0.3 for s in share), share  # four pools drawn equally
    assert list(iter(ClassAwareSampler(targets, 50, seed=1))) == list(iter(ClassAwareSampler(targets, 50, seed=1)))
    r0 = set(ClassAwareSampler(targets, 100, seed=1, rank=0, world_size=2))
    r1 = set(ClassAwareSampler(targets, 100, seed=1, rank=1, world_size=2))
    assert r0 != r1 and len(ClassAwareSampler(targets, 100, world_size=2)) == 50


def test_warmup_then_cosine():
    assert warmup_cosine(0, 10, 100) == pytest.approx(0.1)
    assert warmup_cosine(9, 10, 100) == pytest.approx(1.0)
    assert warmup_cosine(55, 10, 100) == pytest.approx(0.5)
    assert warmup_cosine(100, 10, 100) == pytest.approx(0.0)


def test_augmentation_is_seeded_and_off_for_evaluation():
    x = torch.rand(1, 32, 32)
    a = augment(x, Augment(), np.random.default_rng([0, 1, 2]))
    b = augment(x, Augment(), np.random.default_rng([0, 1, 2]))
    c = augment(x, Augment(), np.random.default_rng([0, 2, 2]))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(augment(x, Augment.none(), np.random.default_rng(0)), x)


@pytest.mark.parametrize("loss", ["wbce", "dbl"])
def test_options_run_and_log(tmp_path, loss):
    torch.set_num_threads(1)
    manifest = write_synthetic_dataset(tmp_path / "d", n_images=48, size=32, seed=7)
    summary = train(TrainConfig(
        manifest=str(manifest), out=str(tmp_path / "r"), backbone="test_resnet", loss=loss, image_size=32,
        epochs=6, batch_size=4, accumulate=2, eval_every=2, patience=2, class_aware=loss == "dbl",
        uncertain="one", workers=2 if loss == "wbce" else 0, quiet=True, lr=1e-5, warmup_steps=1))
    rows = [json.loads(x) for x in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    assert all(r["step"] % 2 == 0 for r in rows) and rows[0]["step"] == 2
    # lr 1e-5 barely moves the model: macro F1 stalls, so patience 2 stops the run long before 6 epochs
    assert summary["stopped_early"] and summary["steps"] < 6 * 4
    assert [r["best"] for r in rows[-2:]] == [False, False]
    assert np.isfinite([r["train_loss"] for r in rows]).all()
    ds = RadiographDataset([str(tmp_path / "d" / "images" / "syn00000.png")], image_size=32, in_chans=3)
    assert ds[0][0].shape == (3, 32, 32)


def test_lung_mask_rle_column_crops_before_resize(tmp_path):
    import pandas as pd
    from PIL import Image

    from rxlabel.classifier.data import mask_specs

    img = np.zeros((40, 40), np.uint8)
    img[10:20, 20:30] = 255  # the only bright block lies inside the "lungs"
    Image.fromarray(img).save(tmp_path / "a.png")
    # mask rows 10..19, columns 20..29 of a 40x40 grid: one run of 10 per row, 1-based starts
    rle = " ".join(f"{r * 40 + 21} 10" for r in range(10, 20))
    frame = pd.DataFrame({"image_path": [str(tmp_path / "a.png")] * 2, "mask_rle": [rle, None],
                          "mask_height": [40, None], "mask_width": [40, None]})
    specs = mask_specs(frame)
    assert specs[1] == {} and specs[0]["shape"] == (40, 40)
    ds = RadiographDataset(frame["image_path"].tolist(), image_size=16, masks=specs, cache_dir=tmp_path / "c")
    cropped, whole = ds.load(0), ds.load(1)
    assert cropped.mean() > 0.4 and whole.mean() < 0.1  # 10x10 block in a 14x14 crop (2 px margin) vs 40x40
