"""Exports read back by the tools they target: pandas (CheXpert / PadChest CSV), Hugging Face
``datasets`` (imagefolder), DuckDB (long Parquet table); and the RxDataset in a torchxrayvision-style loop."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from rxlabel.cli import main
from rxlabel.index.dataset import DatasetSpec, create
from rxlabel.index.export import CHEXPERT_OBSERVATIONS, ExportError, export_dataset


@pytest.fixture()
def small_dataset(tmp_path: Path, padchest_small: Path):
    from rxlabel.index.build import build_index
    from rxlabel.index.hierarchy import load_hierarchy
    from rxlabel.index.query import Searcher
    from rxlabel.index.store import load

    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for k in range(1, 11):
        Image.fromarray(rng.integers(0, 255, (40, 32), dtype=np.uint8)).save(images / f"img{k:02d}.png")
    built = build_index(tmp_path / "index.sqlite", padchest=[padchest_small])
    searcher = Searcher(load(built.path), load_hierarchy("es"))
    made = create(searcher, DatasetSpec(name="ex", terms=[], multilabel=True, split=[0.6, 0.2, 0.2],
                                        image_root=str(images)))
    manifest = tmp_path / "manifest.csv"
    made.manifest.to_csv(manifest, index=False)
    return manifest, built.path, made.manifest


def test_chexpert_csv_read_by_pandas(tmp_path, small_dataset):
    manifest, index, frame = small_dataset
    out = tmp_path / "chexpert.csv"
    res = CliRunner().invoke(main, ["export", str(manifest), "--format", "chexpert", "-o", str(out), "--index", str(index)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out).set_index("Path")
    assert list(table.columns[-14:]) == list(CHEXPERT_OBSERVATIONS)
    by_image = {Path(p).name: row for p, row in table.iterrows()}
    assert by_image["img01.png"]["No Finding"] == 1 and pd.isna(by_image["img01.png"]["Cardiomegaly"])
    img03 = by_image["img03.png"]  # nodule + pacemaker
    assert img03["Lung Lesion"] == 1 and img03["Lung Opacity"] == 1 and img03["Support Devices"] == 1
    assert pd.isna(img03["No Finding"])
    assert by_image["img05.png"]["Atelectasis"] == 1 and by_image["img05.png"]["Cardiomegaly"] == 1
    assert by_image["img09.png"]["Pleural Effusion"] == 1
    assert by_image["img02.png"]["Frontal/Lateral"] == "Lateral" and by_image["img03.png"]["AP/PA"] == "PA"
    assert set(np.unique(table[list(CHEXPERT_OBSERVATIONS)].to_numpy()[~table[list(CHEXPERT_OBSERVATIONS)].isna().to_numpy()])) <= {1.0, 0.0, -1.0}
    assert "Patient" not in table.columns and len(table) == len(frame)


def test_padchest_csv_read_by_pandas_patient_only_when_asked(tmp_path, small_dataset):
    manifest, index, frame = small_dataset
    out = tmp_path / "padchest.csv"
    export_dataset(manifest, "padchest", out, index)
    table = pd.read_csv(out).set_index("ImageID")
    assert "PatientID" not in table.columns
    labels = {k: ast.literal_eval(v) for k, v in table["Labels"].items()}
    locs = {k: ast.literal_eval(v) for k, v in table["Localizations"].items()}
    assert labels["img03.png"] == ["nodule", "pacemaker"] and locs["img03.png"] == ["loc left"]
    assert set(locs["img04.png"]) == {"loc right", "loc upper lobe"}
    assert table.loc["img02.png", "Projection"] == "L"
    export_dataset(manifest, "padchest", tmp_path / "p2.csv", index, with_patient=True)
    assert pd.read_csv(tmp_path / "p2.csv").set_index("ImageID").loc["img03.png", "PatientID"] == "p2"


def test_long_parquet_queried_by_duckdb(tmp_path, small_dataset):
    duckdb = pytest.importorskip("duckdb")
    manifest, index, frame = small_dataset
    out = tmp_path / "labels.parquet"
    export_dataset(manifest, "parquet", out, index)
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*) FROM '{out}' WHERE finding = 'nodule' AND localization = 'left'").fetchone()[0]
    assert n == 1
    per_status = dict(con.execute(f"SELECT status, count(DISTINCT image_id) FROM '{out}' GROUP BY status").fetchall())
    assert per_status["positive"] == len(frame)
    located = con.execute(f"SELECT localization FROM '{out}' WHERE image_id = 'img04.png' ORDER BY 1").fetchall()
    assert [r[0] for r in located] == ["right", "upper lobe"]
    assert "patient_id" not in pd.read_parquet(out).columns


def test_imagefolder_loaded_by_hugging_face_datasets(tmp_path, small_dataset, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    manifest, index, frame = small_dataset
    out = tmp_path / "hf_tree"
    res = export_dataset(manifest, "imagefolder", out, index)
    assert sum(res["images"].values()) == len(frame)
    ds = datasets.load_dataset("imagefolder", data_dir=str(out), cache_dir=str(tmp_path / "hf_cache"))
    assert set(ds) == set(res["images"])
    got = {}
    for split in ds:
        for row in ds[split]:
            got[row["image_id"]] = (split, ";".join(json.loads(row["findings"])), row["image"].size)
    expected = dict(zip(frame["image_id"], frame["findings"], strict=True))
    assert {k: v[1] for k, v in got.items()} == expected
    assert all(size == (32, 40) for _, _, size in got.values())
    assert "patient_id" not in ds[next(iter(ds))].column_names


def test_export_refuses_to_overwrite_its_manifest_and_unknown_images(tmp_path, small_dataset):
    manifest, index, frame = small_dataset
    with pytest.raises(ExportError, match="overwrite"):
        export_dataset(manifest, "chexpert", manifest)
    bad = tmp_path / "bad.csv"
    frame.assign(image_id="ghost.png").to_csv(bad, index=False)
    with pytest.raises(ExportError, match="ghost.png"):
        export_dataset(bad, "padchest", tmp_path / "x.csv", index)


def test_rx_dataset_in_a_torchxrayvision_style_loop(tmp_path, small_dataset):
    torch = pytest.importorskip("torch")
    from rxlabel.classifier.data import RxDataset

    manifest, _, frame = small_dataset
    ds = RxDataset(manifest, image_size=32, cache_dir=tmp_path / "cache")
    assert len(ds) == len(frame) and ds.labels.shape == (len(frame), len(ds.pathologies))
    assert isinstance(ds.csv, pd.DataFrame) and ds.labels.dtype == np.float32
    sample = ds[0]
    assert set(sample) == {"idx", "lab", "img"} and sample["img"].shape == (1, 32, 32)
    assert -1024 <= sample["img"].min() and sample["img"].max() <= 1024
    # the loop torchxrayvision's training scripts use: NaN labels are masked out of the loss
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(32 * 32, len(ds.pathologies)))
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    loader = torch.utils.data.DataLoader(ds, batch_size=4, shuffle=True)
    seen = 0
    for batch in loader:
        x, y = batch["img"].float() / 1024, batch["lab"].float()
        known = ~torch.isnan(y)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x)[known], y[known])
        opt.zero_grad()
        loss.backward()
        opt.step()
        seen += len(batch["idx"])
        assert torch.isfinite(loss)
    assert seen == len(ds)
    # torchxrayvision's relabel convention: a pathology the dataset lacks is an all-NaN column
    wanted = [*ds.pathologies[:2], "Hernia"]
    relabelled = np.stack([ds.labels[:, ds.pathologies.index(p)] if p in ds.pathologies
                           else np.full(len(ds), np.nan, np.float32) for p in wanted], axis=1)
    assert np.isnan(relabelled[:, 2]).all()
    train_only = RxDataset(manifest, split="train", image_size=32, normalize="unit")
    assert len(train_only) == (frame["split"] == "train").sum() and train_only[0]["img"].max() <= 1.0
    assert json.dumps(ds.pathologies)
