"""The PadChest training recipe: mlp512 head, freezing, val-loss monitoring, augmentation presets, seeds,
any in_chans, Grad-CAM at a chosen layer, and CheXmask lung crops from the manifest."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("timm")

from click.testing import CliRunner  # noqa: E402

from rxlabel.classifier.data import AUGMENT_PRESETS, Augment, RadiographDataset, draw_params, mask_specs  # noqa: E402
from rxlabel.classifier.gradcam import grad_cam  # noqa: E402
from rxlabel.classifier.models import create_model, freeze_fraction, load_pretrained  # noqa: E402
from rxlabel.classifier.synthetic import write_synthetic_dataset  # noqa: E402


def test_mlp512_head_is_the_models_classifier():
    model = create_model("resnet10t", 4, 1, head="mlp512")
    head = model.get_classifier()
    assert isinstance(head, torch.nn.Sequential)
    assert [type(m).__name__ for m in head] == ["Linear", "ReLU", "Dropout", "Linear"]
    assert head[0].out_features == 512 and head[2].p == pytest.approx(0.2) and head[3].out_features == 4
    x = torch.rand(2, 1, 32, 32)
    assert model(x).shape == (2, 4)
    model.eval()
    assert torch.allclose(model.forward_head(model.forward_features(x)), model(x))


def test_freeze_fraction_freezes_the_stem_first_and_never_the_head():
    model = create_model("resnet10t", 3, 1, head="mlp512")
    n = freeze_fraction(model, 0.1)
    frozen = [name for name, p in model.named_parameters() if not p.requires_grad]
    assert n == len(frozen) > 0 and frozen[0].startswith("conv1")
    assert all(p.requires_grad for p in model.get_classifier().parameters())
    with pytest.raises(ValueError, match="freeze"):
        freeze_fraction(model, 1.0)


@pytest.mark.parametrize("in_chans", [1, 2, 3, 5])
def test_any_in_chans_builds_and_takes_an_rgb_checkpoint(tmp_path, in_chans):
    rgb = create_model("resnet10t", 3, 3)
    torch.save(rgb.state_dict(), tmp_path / "rgb.pt")
    model = create_model("resnet10t", 3, in_chans)
    report = load_pretrained(model, tmp_path / "rgb.pt")
    assert not report.missing and model.conv1[0].weight.shape[1] == in_chans
    assert model.eval()(torch.rand(1, in_chans, 32, 32)).shape == (1, 3)
    ds = RadiographDataset([], image_size=32, in_chans=in_chans)
    assert ds.in_chans == in_chans


def test_padchest_preset_has_the_studys_ranges():
    p = Augment.preset("padchest")
    assert (p.rotation, p.shift, p.zoom, p.shear, p.flip, p.channel_shift) == (45.0, 0.1, 0.1, 0.1, True, 0.05)
    assert p.factor_range() == (0.7, 1.1)
    draws = [draw_params(p, np.random.default_rng([0, 0, i]), 64, 64) for i in range(300)]
    factors = np.array([d.factor for d in draws])
    assert 0.7 <= factors.min() < 0.75 and 1.05 < factors.max() <= 1.1
    assert max(abs(d.angle) for d in draws) > 40 and max(abs(d.offset) for d in draws) <= 0.05
    default = Augment.preset("default")
    assert default == Augment()  # the previous ranges stay the default preset
    assert not Augment.preset("none").active and set(AUGMENT_PRESETS) == {"default", "padchest", "none"}


@pytest.mark.slow
def test_padchest_recipe_trains_on_cpu_and_monitors_val_loss(tmp_path):
    from rxlabel.cli import main

    torch.set_num_threads(1)
    manifest = write_synthetic_dataset(tmp_path / "d", n_images=40, size=32, seed=3)
    out = tmp_path / "run"
    res = CliRunner().invoke(main, [
        "train", "--manifest", str(manifest), "--out", str(out), "--backbone", "test_resnet", "--image-size", "32",
        "--epochs", "3", "--batch-size", "8", "--workers", "0", "--augment", "padchest", "--head", "mlp512",
        "--freeze", "0.1", "--monitor", "val_loss", "--min-delta", "0.001", "--patience", "25", "--quiet",
        "--warmup-steps", "1", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and all(np.isfinite(r["valid_loss"]) for r in rows)
    best = torch.load(out / "best.pt", weights_only=True)
    # best.pt is the evaluation with the lowest validation loss (each better by > min delta)
    best_loss = np.inf
    for r in rows:
        if r["valid_loss"] < best_loss - 0.001:
            best_loss, best_step = r["valid_loss"], r["step"]
    assert best["step"] == best_step and best["meta"]["head"] == "mlp512"
    config = json.loads((out / "config.json").read_text())
    assert config["augment"]["rotation"] == 45.0 and config["freeze"] == 0.1
    from rxlabel.classifier.run import load_run

    assert isinstance(load_run(out).model.get_classifier(), torch.nn.Sequential)


@pytest.mark.slow
def test_seeds_report_mean_and_sd_per_class(tmp_path):
    from rxlabel.cli import main

    torch.set_num_threads(1)
    manifest = write_synthetic_dataset(tmp_path / "d", n_images=32, size=32, seed=5)
    out = tmp_path / "seeds"
    res = CliRunner().invoke(main, [
        "train", "--manifest", str(manifest), "--out", str(out), "--backbone", "test_resnet", "--image-size", "32",
        "--epochs", "1", "--batch-size", "8", "--workers", "0", "--seeds", "0,1", "--quiet", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "seeds.csv")
    assert {"seed_0", "seed_1", "mean", "sd"} <= set(table.columns)
    auc = table[table["metric"] == "auc"].dropna(subset=["seed_0", "seed_1"])
    assert len(auc) >= 2
    assert np.allclose(auc["mean"], auc[["seed_0", "seed_1"]].mean(axis=1))
    assert np.allclose(auc["sd"], auc[["seed_0", "seed_1"]].std(axis=1, ddof=1))
    assert (out / "seed_0" / "best.pt").is_file() and (out / "seed_1" / "best.pt").is_file()
    assert "+-" in res.output


def test_cam_layer_gives_a_finer_map_and_unknown_layers_are_named():
    model = create_model("resnet10t", 2, 1)
    x = torch.rand(1, 1, 64, 64)
    _, last = grad_cam(model, x, [0, 1])
    probs, early = grad_cam(model, x, [0, 1], "layer2")
    assert last.shape[-1] == 2 and early.shape[-1] == 8 and probs.shape == (2,)
    with pytest.raises(ValueError, match="layer9.*did you mean"):
        grad_cam(model, x, [0], "layer9")


def test_manifest_lung_box_crops_lungs_and_below_once(tmp_path):
    from PIL import Image

    film = np.full((300, 200), 30, np.uint8)
    film[60:200, 40:160] = 220  # the "lungs"
    Image.fromarray(film).save(tmp_path / "f.png")
    # lungs at rows 60..200, cols 40..160 of the film = on CheXmask's 1024 square (pad 50 left)
    s = 1024 / 300
    box = f"{int(60 * s)} {int(np.ceil(200 * s))} {int((40 + 50) * s)} {int(np.ceil((160 + 50) * s))}"
    frame = pd.DataFrame({"image_path": [str(tmp_path / "f.png")], "lung_box": [box], "mask_height": [1024],
                          "mask_width": [1024], "mask_layout": ["vindr"]})
    specs = mask_specs(frame, margin=0.0, below=0.0)
    ds = RadiographDataset(frame["image_path"].tolist(), image_size=16, masks=specs, cache_dir=tmp_path / "c")
    assert ds.load(0).mean() > 0.8  # cropped to the bright lungs
    with_below = RadiographDataset(frame["image_path"].tolist(), image_size=16,
                                   masks=mask_specs(frame, margin=0.0, below=1.0), cache_dir=tmp_path / "c")
    img = with_below.load(0)
    assert img[:8].mean() > 0.8 and img[-3:].mean() < 0.3  # the area below the lungs is kept
    assert len(list((tmp_path / "c").glob("*.npy"))) == 2  # computed once per crop setting, cached
