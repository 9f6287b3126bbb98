from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxlabel.index.build import build_index
from rxlabel.index.dataset import (
    DatasetError,
    DatasetSpec,
    assign_splits,
    check_patient_disjoint,
    create,
    manifest_bytes,
    materialize,
    parse_split,
    write_manifest,
)
from rxlabel.index.experiments import (
    StoreError,
    get,
    list_experiments,
    manifest_from_store,
    open_searcher,
    rebuild,
    record,
)

from .conftest import PADCHEST_GR, make_table, shared


def _spec(**kw) -> DatasetSpec:
    return DatasetSpec(**({"name": "ds", "terms": ["linear", "nodular"], "exclude": ["pacemaker"], "seed": 3} | kw))


def test_classes_balanced_disjoint_by_patient_and_excluded(searcher):
    ds = create(searcher, _spec())
    m = ds.manifest
    sizes = m["class"].value_counts()
    assert sizes["linear"] == sizes["nodular"] == ds.counts["c_min"]
    check_patient_disjoint(m)
    assert m.groupby("patient_id")["split"].nunique().max() == 1
    assert not m["findings"].str.contains("pacemaker").any()
    for klass, term_findings in ds.class_findings.items():
        assert all(set(f.split(";")) & set(term_findings) for f in m.loc[m["class"] == klass, "findings"])
    assert ds.counts["images"] == len(m) == sum(ds.counts[f"{s}:{c}"] for s in ("train", "valid", "test")
                                                for c in ("linear", "nodular") if f"{s}:{c}" in ds.counts)


def test_images_in_two_classes_are_left_out_and_counted(searcher):
    ds = create(searcher, _spec(balance=False))
    both = searcher.search("linear").ids & searcher.search("nodular").ids - searcher.search("pacemaker", uncertain=True).ids
    assert ds.counts["ambiguous"] == len(both) > 0
    assert not set(ds.manifest["image_id"]) & set(searcher.index.images(both, ["key"])["key"])
    # Without balancing every candidate that is not ambiguous is kept.
    for term in ("linear", "nodular"):
        assert ds.counts[f"selected:{term}"] == ds.counts[f"candidates:{term}"] - ds.counts["ambiguous"]


def test_same_seed_same_bytes_other_seed_other_choice(searcher):
    one, two = create(searcher, _spec()), create(searcher, _spec())
    assert manifest_bytes(one.manifest) == manifest_bytes(two.manifest)
    other = create(searcher, _spec(seed=4))
    assert manifest_bytes(other.manifest) != manifest_bytes(one.manifest)


def test_split_fractions_are_followed(tmp_path: Path):
    table = make_table(3000, seed=5, patients=2500)
    table.to_csv(tmp_path / "t.csv", index=False)
    build_index(tmp_path / "i.sqlite", padchest=[tmp_path / "t.csv"])
    searcher, _ = open_searcher(tmp_path / "i.sqlite")
    m = create(searcher, DatasetSpec(name="x", terms=["normal", "not-normal"], seed=1)).manifest
    shares = m["split"].value_counts(normalize=True)
    assert abs(shares["train"] - 0.7) < 0.02 and abs(shares["valid"] - 0.2) < 0.02 and abs(shares["test"] - 0.1) < 0.02
    per_class = m.groupby("class")["split"].value_counts(normalize=True)
    assert abs(per_class[("normal", "train")] - 0.7) < 0.03


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from(["a", "b", "c"])), min_size=1, max_size=200),
       st.integers(0, 2**31), st.sampled_from([[0.7, 0.2, 0.1], [0.5, 0.5], [0.8, 0.1, 0.1]]))
def test_split_assignment_never_puts_a_patient_in_two_splits(rows, seed, fractions):
    frame = pd.DataFrame(rows, columns=["patient", "class"]).astype(str)
    split = assign_splits(frame["patient"], frame["class"], fractions, seed)
    assert (frame.assign(split=split).groupby("patient")["split"].nunique() == 1).all()
    assert split.equals(assign_splits(frame["patient"], frame["class"], fractions, seed))


def test_bad_requests_are_clear(searcher):
    with pytest.raises(DatasetError, match="at least two terms"):
        create(searcher, _spec(terms=["nodular"]))
    with pytest.raises(DatasetError, match="have no images"):
        create(searcher, _spec(terms=["nodular", "pneumothorax"]))
    with pytest.raises(DatasetError, match="70,20,10"):
        parse_split("70;30")
    assert parse_split("70,20,10") == pytest.approx([0.7, 0.2, 0.1])


def test_store_records_and_rebuilds_bit_for_bit(tmp_path: Path, searcher, built):
    store = tmp_path / "store.sqlite"
    ds = create(searcher, _spec())
    sha = write_manifest(ds.manifest, tmp_path / "ds" / "manifest.csv")
    record(store, ds, searcher, "es", sha)
    with pytest.raises(StoreError, match="exists"):
        record(store, ds, searcher, "es", sha)
    exp = get(store, "ds")
    assert exp.row["seed"] == 3 and exp.row["manifest_sha256"] == sha and exp.spec == ds.spec
    assert exp.splits["n_images"].sum() == len(ds.manifest) == len(exp.images)
    assert list_experiments(store)["name"].tolist() == ["ds"]
    again = rebuild(store, "ds")
    assert again.identical and not again.index_changed and again.sha256 == sha
    stored = manifest_from_store(exp, searcher)
    assert manifest_bytes(stored) == manifest_bytes(ds.manifest)
    with pytest.raises(StoreError, match="no dataset named 'nope'; known: ds"):
        get(store, "nope")


def test_rebuild_detects_a_changed_index(tmp_path: Path, table: pd.DataFrame):
    table.to_csv(tmp_path / "t.csv", index=False)
    build_index(tmp_path / "i.sqlite", padchest=[tmp_path / "t.csv"])
    searcher, _ = open_searcher(tmp_path / "i.sqlite")
    ds = create(searcher, _spec())
    store = tmp_path / "store.sqlite"
    record(store, ds, searcher, "es", write_manifest(ds.manifest, tmp_path / "m.csv"))
    extra = make_table(300, seed=9)
    extra["ImageID"] = "new_" + extra["ImageID"]
    pd.concat([table, extra]).to_csv(tmp_path / "t.csv", index=False)
    build_index(tmp_path / "i.sqlite", padchest=[tmp_path / "t.csv"])
    again = rebuild(store, "ds")
    assert again.index_changed and not again.identical


def test_materialize_copies_and_links(tmp_path: Path, searcher):
    ds = create(searcher, _spec())
    m = ds.manifest.head(6).copy()
    for p in m["image_path"]:
        (tmp_path / "img").mkdir(exist_ok=True)
        (tmp_path / "img" / p).write_bytes(b"x")
    m["image_path"] = [str(tmp_path / "img" / p) for p in m["image_path"]]
    assert materialize(m, tmp_path / "out", "copy") == 6
    first = m.iloc[0]
    assert (tmp_path / "out" / first["split"] / first["class"] / Path(first["image_path"]).name).read_bytes() == b"x"
    assert materialize(m, tmp_path / "lnk", "symlink") == 6
    m.loc[m.index[0], "image_path"] = str(tmp_path / "missing.png")
    with pytest.raises(DatasetError, match="not found"):
        materialize(m, tmp_path / "x", "copy")


def test_paper_example_normal_vs_not_normal_on_padchest_gr(tmp_path: Path):
    build_index(tmp_path / "gr.sqlite", padchest=[shared(PADCHEST_GR)])
    searcher, _ = open_searcher(tmp_path / "gr.sqlite")
    ds = create(searcher, DatasetSpec(name="paper", terms=["normal", "not-normal"], seed=42, split=[0.7, 0.2, 0.1]))
    m = ds.manifest
    check_patient_disjoint(m)
    assert (m["class"].value_counts() == ds.counts["c_min"]).all() and ds.counts["c_min"] > 900
    shares = m["split"].value_counts(normalize=True)
    assert abs(shares["train"] - 0.7) < 0.02 and abs(shares["test"] - 0.1) < 0.02
    assert (m.loc[m["class"] == "normal", "findings"] == "normal").all()


def test_make_dataset_manifest_is_read_by_the_classifier(tmp_path: Path, built):
    from rxlabel.index import DatasetSpec as Spec
    from rxlabel.index import make_dataset

    result = make_dataset(built.path, Spec(name="both", terms=["normal", "not-normal"], seed=2),
                          out_dir=tmp_path / "both", store=tmp_path / "store.sqlite")
    manifest = pd.read_csv(result["manifest"])
    assert len(manifest) == result["images"] and set(manifest["class"]) == {"normal", "not-normal"}
    from rxlabel.classifier import manifest as reader
    m = reader.read_manifest(result["manifest"])
    assert sorted(m.classes) == ["normal", "not-normal"] and len(m.frame) == len(manifest)
    assert set(m.frame["split"]) == {"train", "valid", "test"}


def test_streamed_hash_equals_the_hash_of_the_written_file(tmp_path: Path, searcher):
    import hashlib

    from rxlabel.index.dataset import manifest_sha256

    m = create(searcher, _spec()).manifest
    sha = write_manifest(m, tmp_path / "m.csv")
    assert sha == manifest_sha256(m) == hashlib.sha256((tmp_path / "m.csv").read_bytes()).hexdigest()
    assert (tmp_path / "m.csv").read_bytes() == manifest_bytes(m)


def test_a_leak_between_splits_is_caught():
    leaky = pd.DataFrame({"patient_id": ["a", "a", "b", "c"], "split": ["train", "test", "train", "valid"]})
    with pytest.raises(DatasetError, match="1 patient\\(s\\) are in more than one split, e.g. a"):
        check_patient_disjoint(leaky)
    check_patient_disjoint(leaky.iloc[1:])
