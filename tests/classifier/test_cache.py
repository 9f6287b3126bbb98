"""The training input cache: uint8 memmap written once, read without decoding, the same augmentation on
CPU workers and batched on the GPU path (run here on CPU tensors), persistent workers, training from it."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("timm")

from rxlabel.classifier.cache import (  # noqa: E402
    CachedDataset,
    CacheError,
    EpochTagged,
    build_cache,
    gpu_augment,
    open_cache,
    rows_for,
)
from rxlabel.classifier.data import Augment, RadiographDataset, apply_params, draw_params  # noqa: E402
from rxlabel.classifier.manifest import read_manifest  # noqa: E402
from rxlabel.classifier.synthetic import write_synthetic_dataset  # noqa: E402


@pytest.fixture()
def synthetic(tmp_path):
    manifest = write_synthetic_dataset(tmp_path / "d", n_images=24, size=48, seed=1)
    frame = read_manifest(manifest).frame
    broken = frame["image_path"].iloc[3]
    with open(broken, "wb") as fh:
        fh.write(b"not a png")
    return manifest, broken


def test_cache_holds_each_image_once_and_lists_the_unreadable(tmp_path, synthetic):
    manifest, broken = synthetic
    result = build_cache(manifest, tmp_path / "c", size=32, jobs=2)
    assert result["n"] == 24 and result["unreadable"] == 1 and result["bytes"] == 24 * 32 * 32
    arr, index, meta = open_cache(tmp_path / "c", manifest, 32)
    bad = index[~index["ok"]]
    assert bad["image_path"].tolist() == [broken] and "not a readable image" in bad["reason"].iloc[0]
    m = read_manifest(manifest)
    ref = RadiographDataset(m.frame["image_path"].tolist(), image_size=32)
    for k in (0, 5, 23):
        assert np.abs(arr[k] / 255.0 - ref.load(k)).max() <= 0.5 / 255 + 1e-6
    assert meta["size"] == 32 and not list((tmp_path / "c").glob("*.partial"))


def test_cache_from_another_manifest_or_size_is_refused(tmp_path, synthetic):
    manifest, _ = synthetic
    build_cache(manifest, tmp_path / "c", size=32)
    with pytest.raises(CacheError, match="64"):
        open_cache(tmp_path / "c", manifest, 64)
    other = tmp_path / "other.csv"
    other.write_text(manifest.read_text() + "\n")
    with pytest.raises(CacheError, match="another manifest"):
        open_cache(tmp_path / "c", other, 32)
    with pytest.raises(CacheError, match="not a finished"):
        open_cache(tmp_path / "nothing")


@pytest.mark.parametrize("preset", ["default", "padchest"])
def test_batched_gpu_path_applies_the_same_parameters_as_the_cpu_path(preset):
    aug = Augment.preset(preset)
    rng = np.random.default_rng(0)
    batch = torch.from_numpy(rng.integers(0, 256, (6, 1, 40, 56), dtype=np.uint8))
    params = [draw_params(aug, np.random.default_rng([3, 1, i]), 40, 56) for i in range(6)]
    fast = gpu_augment(batch, params)
    for i, p in enumerate(params):
        one = (apply_params(batch[i].float() / 255.0, p) - 0.5) / 0.25
        # bilinear sampling at the same points; float rounding only
        assert torch.allclose(fast[i], one, atol=2e-3), (i, (fast[i] - one).abs().max())
    assert gpu_augment(batch, params, in_chans=3).shape == (6, 3, 40, 56)


def test_cached_items_match_the_decoding_dataset_and_the_gpu_path(tmp_path, synthetic):
    manifest, _ = synthetic
    build_cache(manifest, tmp_path / "c", size=32)
    _, index, _ = open_cache(tmp_path / "c")
    paths = read_manifest(manifest).frame["image_path"].tolist()
    rows, kept, skipped = rows_for(index, paths)
    assert len(kept) == 23 and skipped[0]["index"] == 3
    y = np.zeros((len(rows), 2), np.float32)
    cpu = CachedDataset(tmp_path / "c", rows, y, np.ones_like(y), aug=Augment(), seed=4)
    raw = CachedDataset(tmp_path / "c", rows, y, np.ones_like(y), aug=Augment(), seed=4, raw=True)
    ref = RadiographDataset([paths[k] for k in kept], y, np.ones_like(y), 32, aug=Augment(), seed=4)
    for ds in (cpu, raw, ref):
        ds.set_epoch(2)
    for i in (0, 7):
        x_cpu, x_raw, x_ref = cpu[i][0], raw[i][0], ref[i][0]
        assert x_raw.dtype == torch.uint8 and x_cpu.dtype == torch.float32
        x_gpu = gpu_augment(x_raw[None], [raw.params(i, 32, 32)])[0]
        # CPU workers use PIL on uint8, the GPU grid_sample on floats: same parameters, same geometry;
        # they differ by uint8 rounding and at the borders (PIL's bilinear edge rule)
        diff = (x_gpu - x_cpu).abs() * 0.25  # back to [0, 1] units
        assert diff.mean() < 0.01 and diff[0, 4:-4, 4:-4].max() < 0.03, (diff.mean(), diff.max())
        assert ((x_cpu - x_ref).abs() * 0.25)[0, 4:-4, 4:-4].mean() < 0.01  # vs decoding every epoch


@pytest.mark.parametrize("flip", [False, True])
def test_cpu_tile_augmentation_has_the_float_paths_geometry(flip):
    from dataclasses import replace

    from rxlabel.classifier.cache import augment_tile

    yy, xx = np.mgrid[:96, :128]
    tile = (127 + 120 * np.sin(xx / 9.0) * np.cos(yy / 7.0)).astype(np.uint8)  # smooth: edges do not dominate
    p = replace(draw_params(Augment.preset("padchest"), np.random.default_rng(5), 96, 128), flip=flip)
    fast = augment_tile(tile, p).numpy() * 0.25 + 0.5
    ref = apply_params(torch.from_numpy(tile)[None].float() / 255.0, p)[0].numpy()
    inner = np.abs(fast - ref)[8:-8, 8:-8]
    assert np.median(inner) < 0.004 and np.quantile(inner, 0.95) < 0.02


def test_persistent_workers_still_draw_new_augmentation_each_epoch(tmp_path, synthetic):
    manifest, _ = synthetic
    build_cache(manifest, tmp_path / "c", size=32)
    _, index, _ = open_cache(tmp_path / "c")
    rows, _, _ = rows_for(index, read_manifest(manifest).frame["image_path"].tolist())
    y = np.zeros((len(rows), 1), np.float32)

    def run(workers):
        ds = CachedDataset(tmp_path / "c", rows, y, np.ones_like(y), aug=Augment(), seed=1)
        sampler = EpochTagged(torch.utils.data.SequentialSampler(ds), ds)
        loader = torch.utils.data.DataLoader(ds, batch_size=8, sampler=sampler, num_workers=workers,
                                             persistent_workers=workers > 0)
        epochs = []
        for epoch in range(2):
            ds.set_epoch(epoch)
            epochs.append(torch.cat([b[0] for b in loader]))
        return epochs

    e0, e1 = run(2)
    assert not torch.equal(e0, e1)
    s0, s1 = run(0)
    assert torch.equal(e0, s0) and torch.equal(e1, s1)


def test_training_from_the_cache_on_cpu(tmp_path, synthetic):
    from click.testing import CliRunner

    from rxlabel.cli import main

    torch.set_num_threads(1)
    manifest, broken = synthetic
    runner = CliRunner()
    res = runner.invoke(main, ["cache", str(manifest), "--out", str(tmp_path / "c"), "--size", "32", "--quiet"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["train", "--manifest", str(manifest), "--out", str(tmp_path / "r"), "--backbone",
                               "resnet10t", "--image-size", "32", "--epochs", "2", "--batch-size", "8", "--workers",
                               "2", "--image-cache", str(tmp_path / "c"), "--quiet", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output[res.output.index("{"):])
    assert summary["epochs_done"] == 2 and summary["skipped_images"] == 1
    assert broken in (tmp_path / "r" / "skipped.csv").read_text()
    bad = runner.invoke(main, ["train", "--manifest", str(manifest), "--out", str(tmp_path / "r2"), "--image-size",
                               "64", "--image-cache", str(tmp_path / "c"), "--quiet", "--device", "cpu"])
    assert bad.exit_code != 0 and "32 px" in bad.output


def test_opencv_and_pil_tile_paths_agree(monkeypatch):
    pytest.importorskip("cv2")
    import builtins

    from rxlabel.classifier.cache import augment_tile

    yy, xx = np.mgrid[:64, :80]
    tile = (127 + 120 * np.sin(xx / 6.0) * np.cos(yy / 5.0)).astype(np.uint8)
    p = draw_params(Augment.preset("padchest"), np.random.default_rng(9), 64, 80)
    with_cv2 = augment_tile(tile, p)
    real_import = builtins.__import__

    def no_cv2(name, *args, **kwargs):
        if name == "cv2":
            raise ImportError("cv2 hidden for this test")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cv2)
    with_pil = augment_tile(tile, p)
    inner = ((with_cv2 - with_pil).abs() * 0.25)[4:-4, 4:-4]
    # rotated content has its own edges inside the tile, where the two bilinear edge rules differ
    assert inner.median() < 0.004 and torch.quantile(inner.flatten(), 0.95) < 0.02
