"""Issue 13 class 10: a training run that diverges stops with a clear error and keeps its last finite
checkpoint; predict never writes empty (NaN) probabilities with exit status 0."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("timm")

from rxlabel.classifier.synthetic import write_synthetic_dataset  # noqa: E402
from rxlabel.classifier.train import TrainConfig, TrainingDiverged, train  # noqa: E402


def _cfg(manifest, out, **kw) -> TrainConfig:
    base = dict(backbone="test_resnet", loss="asl", image_size=32, epochs=3, batch_size=8, workers=0,
                warmup_steps=0, patience=0, quiet=True, seed=0, device="cpu")
    return TrainConfig(manifest=str(manifest), out=str(out), **{**base, **kw})


@pytest.mark.slow
@pytest.mark.parametrize("lr", [1e30, float("inf")])
def test_class10_divergence_stops_with_a_message_and_keeps_finite_weights(tmp_path, lr, cli):
    torch.set_num_threads(2)
    manifest = write_synthetic_dataset(tmp_path / "d", n_images=40, size=32, seed=3)
    with pytest.raises(TrainingDiverged, match=r"training diverged at epoch \d+, step \d+: .*Lower --lr"):
        train(_cfg(manifest, tmp_path / "run", lr=lr))
    for name in ("last.pt", "best.pt"):
        path = tmp_path / "run" / name
        if path.exists():  # whatever was kept is finite
            state = torch.load(path, weights_only=True)["model"]
            assert all(torch.isfinite(t).all() for t in state.values() if t.is_floating_point()), name
    res = cli("train", "--manifest", manifest, "--out", tmp_path / "cli", "--backbone", "test_resnet",
              "--image-size", "32", "--epochs", "2", "--batch-size", "8", "--workers", "0", "--lr", str(lr),
              "--device", "cpu", "--quiet")
    assert res.exit_code == 1 and "training diverged" in res.output and "Traceback" not in res.output, res.output


@pytest.mark.slow
def test_class10_predict_refuses_nan_probabilities(tmp_path, cli):
    torch.set_num_threads(2)
    manifest = write_synthetic_dataset(tmp_path / "d", n_images=40, size=32, seed=4)
    train(_cfg(manifest, tmp_path / "run", epochs=1))
    ck = torch.load(tmp_path / "run" / "last.pt", weights_only=True)
    ck["model"] = {k: (torch.full_like(v, float("nan")) if v.is_floating_point() else v) for k, v in ck["model"].items()}
    torch.save(ck, tmp_path / "run" / "best.pt")
    torch.save(ck, tmp_path / "run" / "last.pt")
    image = next((tmp_path / "d").rglob("*.png"))
    res = cli("predict", "--run", tmp_path / "run", image, "-o", tmp_path / "p.csv", "--device", "cpu", "--quiet")
    assert res.exit_code == 1 and "non-finite" in res.output and not (tmp_path / "p.csv").exists(), res.output
