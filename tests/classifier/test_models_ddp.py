"""Backbones, local pretrained weights with a key report, checkpoint mismatches, and DDP on CPU (gloo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("timm")

from click.testing import CliRunner  # noqa: E402

from rxlabel.classifier.models import CheckpointError, create_model, load_pretrained  # noqa: E402
from rxlabel.classifier.run import load_run  # noqa: E402
from rxlabel.classifier.synthetic import write_synthetic_dataset  # noqa: E402
from rxlabel.cli import main  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def test_unknown_backbone_suggests_names():
    with pytest.raises(ValueError, match="did you mean.*resnet50"):
        create_model("resnet_50", 3)


def test_pretrained_rgb_imagenet_style_checkpoint_loads_into_grey_model(tmp_path):
    donor = create_model("resnet10t", 1000, in_chans=3)
    torch.save({"state_dict": {f"module.{k}": v for k, v in donor.state_dict().items()}}, tmp_path / "w.pth")
    model = create_model("resnet10t", 5, in_chans=1)
    report = load_pretrained(model, tmp_path / "w.pth")
    assert report.skipped_head == ["fc.weight", "fc.bias"] and report.unexpected == []
    assert report.missing == []  # the head is reported as re-initialised, not as missing
    stem = donor.state_dict()["conv1.0.weight"].sum(dim=1, keepdim=True)
    torch.testing.assert_close(model.state_dict()["conv1.0.weight"], stem)
    assert "classifier head re-initialised" in report.summary()


def test_pretrained_safetensors_and_partial_keys(tmp_path):
    from safetensors.torch import save_file

    donor = create_model("resnet10t", 5, in_chans=1).state_dict()
    partial = {k: v for k, v in donor.items() if not k.startswith("layer4")}
    partial["extra.weight"] = torch.zeros(1)
    save_file(partial, tmp_path / "w.safetensors")
    report = load_pretrained(create_model("resnet10t", 5, in_chans=1), tmp_path / "w.safetensors")
    assert report.unexpected == ["extra.weight"]
    assert report.missing and all(k.startswith("layer4") for k in report.missing)


def test_checkpoint_from_another_backbone_is_refused(tmp_path):
    torch.save(create_model("test_efficientnet", 5).state_dict(), tmp_path / "eff.pt")
    with pytest.raises(CheckpointError, match="another backbone"):
        load_pretrained(create_model("resnet10t", 5), tmp_path / "eff.pt")
    torch.save(create_model("resnet18", 5).state_dict(), tmp_path / "r18.pt")
    with pytest.raises(CheckpointError, match="other shapes than this backbone"):
        load_pretrained(create_model("resnet10t", 5), tmp_path / "r18.pt")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_pretrained(create_model("resnet10t", 5), tmp_path / "junk.pt")


def test_cli_train_errors_and_wrong_class_count(tmp_path):
    manifest = write_synthetic_dataset(tmp_path / "d", n_images=30, size=32, seed=3)
    args = ["--manifest", str(manifest), "--backbone", "test_resnet", "--image-size", "32", "--epochs", "1",
            "--batch-size", "8", "--workers", "0", "--quiet"]
    ok = CliRunner().invoke(main, ["train", *args, "--out", str(tmp_path / "r")])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["classes"][-1] == "abnormal"
    # fewer classes than the checkpoint: resuming must say so, not crash in load_state_dict
    fewer = CliRunner().invoke(main, ["train", *args, "--task", "fine", "--classes", "pleura,cardio",
                                           "--out", str(tmp_path / "r"), "--resume", "--epochs", "2"])
    assert fewer.exit_code != 0 and "checkpoint has 5 classes" in fewer.output
    bad = CliRunner().invoke(main, ["train", *args, "--backbone", "nope_net", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "unknown timm backbone 'nope_net'" in bad.output
    # a checkpoint whose weights do not fit its recorded head size
    ck = torch.load(tmp_path / "r" / "best.pt", weights_only=True)
    ck["meta"]["classes"] = ck["meta"]["classes"][:3]
    torch.save(ck, tmp_path / "r" / "best.pt")
    with pytest.raises(CheckpointError, match="do not fit backbone 'test_resnet'"):
        load_run(tmp_path / "r")


def test_ddp_two_cpu_processes_gloo(tmp_path):
    manifest = write_synthetic_dataset(tmp_path / "d", n_images=48, size=32, seed=4)
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "rxlabel.classifier.cli", "train", "--manifest", str(manifest), "--out", str(out),
           "--backbone", "test_resnet", "--image-size", "32", "--epochs", "2", "--batch-size", "8",
           "--workers", "0", "--quiet", "--device", "cpu"]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["epochs_done"] == 2
    # 28 training images, 4 per rank per step: 3 optimizer steps per epoch (DistributedSampler drops the rest)
    assert summary["steps"] == 6
    assert json.loads((out / "config.json").read_text())["world_size"] == 2
    run = load_run(out)
    assert run.classes[-1] == "abnormal"


def test_fine_chexpert_run_scored_on_coarse_regions(tmp_path):
    import pandas as pd

    from rxlabel.classifier.evaluate import evaluate_runs
    from rxlabel.classifier.train import TrainConfig, train

    manifest = write_synthetic_dataset(tmp_path / "d", n_images=60, size=32, seed=5)
    frame = pd.read_csv(manifest).rename(columns={
        "chest_wall": "Fracture", "pleura": "Pleural Effusion", "parenchyma": "Consolidation",
        "cardio": "Cardiomegaly"}).drop(columns="abnormal")
    frame.to_csv(tmp_path / "d" / "chexpert.csv", index=False)
    train(TrainConfig(manifest=str(tmp_path / "d" / "chexpert.csv"), out=str(tmp_path / "fine"), task="fine",
                      backbone="test_resnet", image_size=32, epochs=1, batch_size=8, workers=0, quiet=True))
    fine = evaluate_runs([tmp_path / "fine"], "test", n_boot=50)
    assert list(fine["per_class"]) == ["Fracture", "Pleural Effusion", "Consolidation", "Cardiomegaly"]  # CSV order
    coarse = evaluate_runs([tmp_path / "fine"], "test", n_boot=50, as_coarse=True)
    assert list(coarse["per_class"]) == ["chest_wall", "pleura", "parenchyma", "cardio", "abnormal"]
    truth = pd.read_csv(manifest).query("split == 'test'")
    assert coarse["per_class"]["abnormal"]["positives"] == truth["abnormal"].sum()
    assert Path(coarse["outputs"]["eval"]).name == "eval_test_coarse.json"
