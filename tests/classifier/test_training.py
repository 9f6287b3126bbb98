"""End to end on CPU: train on generated radiographs, evaluate held-out images, resume, predict, heatmap."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("timm")

from click.testing import CliRunner  # noqa: E402
from PIL import Image  # noqa: E402

from rxlabel.classifier.evaluate import evaluate_runs  # noqa: E402
from rxlabel.classifier.synthetic import write_synthetic_dataset  # noqa: E402
from rxlabel.classifier.train import TrainConfig, TrainError, train  # noqa: E402
from rxlabel.cli import main  # noqa: E402

DATA = Path(__file__).parents[1] / "data" / "classifier"
SHARED_CXR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "cxr"
# The learning fixture: a macro AUC >= 0.85 on held-out images proves the model learned the drawn findings.
# A tiny backbone (timm's test_resnet, 0.37 M parameters) at 32 px on one torch thread: 22 CPU s for
# generate + train + resume + evaluate against 171-186 s for resnet10t at 64 px on two threads, held-out
# AUC 0.919 (bench/training_fixture.py; docs/architecture.md has the profile).
N_IMAGES, GENERATED_SIZE, IMAGE_SIZE, BATCH, EPOCHS, LR = 400, 64, 32, 32, 14, 3e-3
BACKBONE, THREADS = "test_resnet", 1  # one thread: two spin-wait against each other on a shared 2-core machine
STEPS_PER_EPOCH = int(N_IMAGES * 0.6) // BATCH  # 240 training images / 32 = 7 steps, last partial batch dropped


def _cfg(manifest, out, **kw) -> TrainConfig:
    base = dict(backbone=BACKBONE, loss="asl", image_size=IMAGE_SIZE, epochs=EPOCHS, batch_size=BATCH, workers=0,
                warmup_steps=10, lr=LR, patience=0, quiet=True, seed=0)
    base.update(kw)
    return TrainConfig(manifest=str(manifest), out=str(out), **base)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    torch.set_num_threads(THREADS)
    root = tmp_path_factory.mktemp("cls")
    manifest = write_synthetic_dataset(root / "data", n_images=N_IMAGES, size=GENERATED_SIZE, seed=0)
    run = root / "run"
    # stopped after EPOCHS-1 epochs, then resumed for the last one
    first = train(_cfg(manifest, run, max_steps=STEPS_PER_EPOCH * (EPOCHS - 1)))
    assert first["epochs_done"] == EPOCHS - 1
    second = train(_cfg(manifest, run, resume=True))
    return {"manifest": manifest, "run": run, "first": first, "second": second, "root": root}


@pytest.mark.slow
def test_reaches_macro_auc_on_held_out_images(trained):
    assert trained["second"]["epochs_done"] == EPOCHS and trained["second"]["steps"] > trained["first"]["steps"]
    report = evaluate_runs([trained["run"]], split="test", n_boot=300, seed=0)
    assert report["macro"]["auc"] >= 0.85, report["table"]
    assert report["n_images"] == int(N_IMAGES * 0.2)
    lo, hi = report["ci"]["macro"]["auc"]
    assert lo <= report["macro"]["auc"] <= hi
    assert Path(report["outputs"]["roc"]).stat().st_size > 10_000
    rows = [json.loads(x) for x in (trained["run"] / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == list(range(1, EPOCHS + 1))  # resumed run continued the log
    best = torch.load(trained["run"] / "best.pt", weights_only=True)
    assert best["valid_macro_f1"] == pytest.approx(max(r["valid_macro_f1"] for r in rows))


@pytest.mark.slow
def test_resume_gives_the_same_weights_as_an_uninterrupted_run(tmp_path):
    torch.set_num_threads(1)
    manifest = write_synthetic_dataset(tmp_path / "d", n_images=60, size=32, seed=1)
    kw = dict(backbone="test_resnet", image_size=32, batch_size=8, epochs=2)
    train(_cfg(manifest, tmp_path / "a", **kw))
    train(_cfg(manifest, tmp_path / "b", **kw, max_steps=4))  # 36 training images / 8 = 4 steps per epoch
    train(_cfg(manifest, tmp_path / "b", **kw, resume=True))
    a = torch.load(tmp_path / "a" / "last.pt", weights_only=True)["model"]
    b = torch.load(tmp_path / "b" / "last.pt", weights_only=True)["model"]
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=1e-6)
    with pytest.raises(TrainError, match="already holds a run"):
        train(_cfg(manifest, tmp_path / "a", **kw))
    with pytest.raises(TrainError, match="backbone 'test_resnet', not 'resnet10t'"):
        train(_cfg(manifest, tmp_path / "a", **{**kw, "backbone": "resnet10t", "epochs": 3}, resume=True))


def _real_images(tmp_path) -> list[Path]:
    imgs = [DATA / "00000001_000.png", DATA / "Fake_MONOHR1.dcm"]
    if SHARED_CXR.is_dir():
        imgs += sorted(p for p in SHARED_CXR.iterdir() if p.suffix in (".png", ".jpg", ".dcm"))
    folder = tmp_path / "in"
    folder.mkdir()
    for p in imgs:
        shutil.copy(p, folder / p.name)
    (folder / "truncated.png").write_bytes((DATA / "00000001_000.png").read_bytes()[:2000])
    return [folder]


@pytest.mark.slow
def test_predict_on_real_radiographs_skips_unreadable(trained, tmp_path):
    inputs = _real_images(tmp_path)
    out = tmp_path / "preds.csv"
    res = CliRunner().invoke(main, ["predict", "--run", str(trained["run"]), *map(str, inputs), "-o", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    import pandas as pd

    table = pd.read_csv(out)
    n_real = len(list(inputs[0].iterdir())) - 1
    assert len(table) == n_real and not table["image_path"].str.contains("truncated").any()
    assert table.filter(like="p_").to_numpy().min() >= 0 and table.filter(like="p_").to_numpy().max() <= 1
    assert table["image_path"].str.endswith(".dcm").any() and table["image_path"].str.endswith(".png").any()
    skipped = pd.read_csv(out.with_suffix(".skipped.csv"))
    assert skipped["image_path"].str.endswith("truncated.png").all() and len(skipped) == 1
    assert "1 unreadable" in res.output


@pytest.mark.slow
def test_heatmaps_on_real_radiographs_single_and_ensemble(trained, tmp_path):
    inputs = _real_images(tmp_path)
    run = str(trained["run"])
    res = CliRunner().invoke(main, ["heatmap", "--run", run, *map(str, inputs), "--out", str(tmp_path / "h"),
                                       "--threshold", "0.0"])
    assert res.exit_code == 0, res.output
    pngs = sorted((tmp_path / "h").glob("*_heatmap.png"))
    assert len(pngs) == len(list(inputs[0].iterdir())) - 1
    assert "1 unreadable image(s) skipped" in res.output
    dcm = Image.open(tmp_path / "h" / "Fake_MONOHR1_heatmap.png")
    assert dcm.size[0] == 1024 + 340  # image at display size plus the legend panel
    arr = np.asarray(dcm.convert("RGB")).astype(int)
    # threshold 0: every class is drawn, so the image part is no longer grey
    assert (np.abs(arr[:, :1024, 0] - arr[:, :1024, 1]) > 20).any()
    two = CliRunner().invoke(main, ["heatmap", "--run", run, "--run", run, str(DATA / "00000001_000.png"),
                                       "--out", str(tmp_path / "e"), "--threshold", "0.0"])
    assert two.exit_code == 0, two.output
    from rxlabel.classifier.gradcam import heatmap as draw

    found = draw([trained["run"], trained["run"]], DATA / "00000001_000.png", tmp_path / "x.png", threshold=0.0)
    assert len(found) == 5 and all(f.agree == 2 and f.models == 2 for f in found)
    assert [f.probability for f in found] == sorted((f.probability for f in found), reverse=True)


@pytest.mark.slow
def test_evaluate_and_ensemble_cli(trained, tmp_path):
    run = str(trained["run"])
    res = CliRunner().invoke(main, ["evaluate-model", run, "--split", "test", "--n-boot", "200", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "macro" in res.output and (tmp_path / "eval_test.json").is_file() and (tmp_path / "roc_test.png").is_file()
    single = json.loads((tmp_path / "eval_test.json").read_text())["macro"]["auc"]
    for method in ("ctp", "ptc-vote", "ptc-mode"):
        out = tmp_path / method
        res = CliRunner().invoke(main, ["ensemble", run, run, "--method", method, "--n-boot", "100", "--out", str(out)])
        assert res.exit_code == 0, res.output
        report = json.loads((out / f"eval_test_{method}.json").read_text())
        assert report["method"] == method
        if method == "ctp":  # a run averaged with itself scores exactly as the run
            assert report["macro"]["auc"] == pytest.approx(single)
        else:  # votes of thresholded predictions: the AUC of 0/1 scores is the balanced accuracy
            assert report["macro"]["auc"] > 0.75
    res = CliRunner().invoke(main, ["ensemble", run])
    assert res.exit_code != 0 and "at least two runs" in res.output


def test_unreadable_training_image_is_skipped_and_listed(tmp_path):
    torch.set_num_threads(1)
    manifest = write_synthetic_dataset(tmp_path / "d", n_images=40, size=32, seed=2)
    broken = tmp_path / "d" / "images" / "syn00003.png"
    broken.write_bytes(b"not a png")
    summary = train(_cfg(manifest, tmp_path / "r", backbone="test_resnet", image_size=32, epochs=1, batch_size=8))
    assert summary["skipped_images"] == 1
    listed = (tmp_path / "r" / "skipped.csv").read_text()
    assert "syn00003.png" in listed and "not a readable image" in listed
    labels = json.loads((tmp_path / "r" / "labels.json").read_text())
    assert labels["n_train"] + labels["n_valid"] == 40 - 8 - 1  # 8 test images; the broken one left out
