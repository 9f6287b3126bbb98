"""Issue 13 class 14: a failed ``dataset create`` leaves no complete-looking manifest.csv; images with only
unknown findings are counted; ``dataset rebuild`` compares each image's content hash and names the changed ones."""

from __future__ import annotations

import json
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


@pytest.fixture()
def pictured(tmp_path):
    """An index of 40 real PNG files and a dataset made of them (recorded in a store)."""
    import numpy as np
    from PIL import Image

    (tmp_path / "png").mkdir()
    rows = []
    for i in range(40):
        name = f"im{i:03d}.png"
        Image.fromarray(np.full((8, 8), i * 5, dtype=np.uint8)).save(tmp_path / "png" / name)
        rows.append({"ImageID": name, "PatientID": f"p{i // 2}", "Projection": "PA",
                     "Labels": "['cardiomegaly']" if i % 2 else "['normal']"})
    pd.DataFrame(rows).to_csv(tmp_path / "t.csv", index=False)
    index = build_index(tmp_path / "i.sqlite", padchest=[tmp_path / "t.csv"]).path
    spec = DatasetSpec(name="cm", terms=["cardiomegaly", "normal"], seed=0, split=[0.6, 0.2, 0.2], balance=False,
                       image_root=str(tmp_path / "png"))
    store = tmp_path / "s.sqlite"
    experiments.make_dataset(index, spec, out_dir=tmp_path / "ds", store=store)
    return tmp_path, store


def _replace_pixels(path):
    import numpy as np
    from PIL import Image

    Image.fromarray(np.full((8, 8), 255, dtype=np.uint8)).save(path)  # same name, same size, other pixels


@pytest.mark.parametrize("changed", [["im003.png"], ["im000.png", "im017.png"]])
def test_class14_rebuild_names_images_whose_pixels_were_replaced(cli, pictured, changed):
    root, store = pictured
    for name in changed:
        _replace_pixels(root / "png" / name)
    again = experiments.rebuild(store, "cm")
    assert again.manifest_identical and not again.identical and again.content == "changed"
    assert again.changed_images == sorted(changed)
    res = cli("dataset", "rebuild", "cm", "--store", store, "--out", root / "again")
    assert res.exit_code == 1 and "cannot be reproduced bit for bit" in res.output
    assert f"{len(changed)} image file(s) changed content" in res.output and all(n in res.output for n in changed)
    assert not (root / "again" / "manifest.csv").exists()


def test_class14_rebuild_of_untouched_images_is_identical(cli, pictured):
    """A guard for the case above: the content check does not turn a true rebuild into a false alarm."""
    root, store = pictured
    res = cli("dataset", "rebuild", "cm", "--store", store, "--out", root / "again")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert out["identical"] is True and out["content"] == "same" and out["changed_images"] == []


def test_class14_a_store_without_content_hashes_is_not_claimed_identical(cli, pictured):
    root, store = pictured
    with sqlite3.connect(store) as con:  # the store as rxlabel wrote it before content hashes
        if "content_hash" in {row[1] for row in con.execute("PRAGMA table_info(image)")}:
            con.execute("ALTER TABLE image DROP COLUMN content_hash")
    _replace_pixels(root / "png" / "im003.png")
    res = cli("dataset", "rebuild", "cm", "--store", store, "--out", root / "again")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert out["identical"] is False and out["content"] == "unverified"
    assert "made before rxlabel recorded image content hashes" in res.output


@pytest.mark.parametrize("damage", [b"this is not sqlite at all" * 50, b"SQLite format 3\x00" + b"\xff" * 4000])
@pytest.mark.parametrize("command", [("index", "info"), ("index", "query", "{index}", "normal"), ("index", "check"),
                                     ("dataset", "create", "{index}", "--terms", "normal", "--name", "x")])
def test_class17_a_corrupt_index_is_a_message(cli, tmp_path, damage, command):
    """A guard for a promise of the first pass that had no test: a damaged index is one line, not a traceback."""
    index = tmp_path / "i.sqlite"
    index.write_bytes(damage)
    args = [str(index) if a == "{index}" else a for a in command]
    if "{index}" not in command:
        args.append(str(index))
    res = cli(*args, *(("--store", tmp_path / "s.sqlite", "--out", tmp_path / "x") if command[0] == "dataset" else ()))
    assert res.exit_code == 1 and "not an rxlabel index" in res.output and "Traceback" not in res.output, res.output
