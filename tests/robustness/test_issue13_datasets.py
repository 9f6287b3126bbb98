"""Issue 13 class 14 (part): a failed ``dataset create`` leaves no complete-looking manifest.csv."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from rxlabel.index import experiments
from rxlabel.index.build import build_index
from rxlabel.index.dataset import DatasetSpec


@pytest.fixture()
def index(tmp_path):
    rows = [{"ImageID": f"im{i:03d}.png", "PatientID": f"p{i // 2}", "Projection": "PA",
             "Labels": "['cardiomegaly']" if i % 2 else "['normal']"} for i in range(80)]
    pd.DataFrame(rows).to_csv(tmp_path / "t.csv", index=False)
    return build_index(tmp_path / "i.sqlite", padchest=[tmp_path / "t.csv"]).path


def _spec():
    return DatasetSpec(name="cm", terms=["cardiomegaly", "normal"], seed=0, split=[0.6, 0.2, 0.2], balance=False)


@pytest.mark.parametrize("where", ["store", "images"])
def test_class14_failed_create_leaves_no_manifest(tmp_path, index, monkeypatch, where):
    out = tmp_path / "ds"
    if where == "store":
        def broken(*args, **kwargs):
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(experiments, "record", broken)
        with pytest.raises(sqlite3.OperationalError):
            experiments.make_dataset(index, _spec(), out_dir=out, store=tmp_path / "s.sqlite")
    else:  # --copy of images that are not there
        with pytest.raises(Exception):  # noqa: B017 - whichever error the copy gives
            experiments.make_dataset(index, _spec(), out_dir=out, store=tmp_path / "s.sqlite", mode="copy")
    assert not (out / "manifest.csv").exists() and not list(out.glob("manifest.csv*"))
    monkeypatch.undo()
    made = experiments.make_dataset(index, _spec(), out_dir=out, store=tmp_path / "s2.sqlite")
    assert (out / "manifest.csv").exists() and made["images"] == 80


@pytest.mark.parametrize("damage", [b"this is not sqlite at all" * 50, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_class17_a_corrupt_experiment_store_is_a_message(cli, tmp_path, index, damage):
    store = tmp_path / "store.sqlite"
    store.write_bytes(damage)
    for args in (("dataset", "list", "--store", store),
                 ("dataset", "create", index, "--terms", "normal,cardiomegaly", "--name", "x", "--store", store,
                  "--out", tmp_path / "x")):
        res = cli(*args)
        assert res.exit_code == 1 and "not a readable experiment store" in res.output, res.output
        assert "Traceback" not in res.output
    assert not (tmp_path / "x" / "manifest.csv").exists()


def test_class14_images_with_only_unknown_findings_are_counted_and_reported(tmp_path):
    rows = [{"ImageID": f"im{i:03d}.png", "PatientID": f"p{i // 2}", "Projection": "PA",
             "Labels": ["['normal']", "['cardiomegaly']", "['hallazgo local raro']"][i % 3]} for i in range(90)]
    pd.DataFrame(rows).to_csv(tmp_path / "t.csv", index=False)
    index = build_index(tmp_path / "i.sqlite", padchest=[tmp_path / "t.csv"], on_error="reject").path
    spec = DatasetSpec(name="nn", terms=["normal", "cardiomegaly"], seed=0, split=[0.6, 0.2, 0.2], balance=False)
    made = experiments.make_dataset(index, spec, out_dir=tmp_path / "nn", store=tmp_path / "s.sqlite")
    assert made["outside_hierarchy_only"] == 30 and made["images"] == 60
    assert any("30 image(s) have only findings the hierarchy does not know (hallazgo local raro)" in w
               for w in made["warnings"]), made["warnings"]
