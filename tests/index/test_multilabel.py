"""Multi-label datasets: whole-dataset min-positives, label-less images dropped, class sets, iterative split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rxlabel.index.dataset import DatasetError, DatasetSpec, create
from rxlabel.index.multilabel import iterative_split


def _labels(manifest: pd.DataFrame) -> list[set[str]]:
    return [set(s.split(";")) if isinstance(s, str) and s else set() for s in manifest["labels"]]


def test_min_positives_counts_the_whole_dataset_and_drops_unlabelled_images(searcher):
    spec = DatasetSpec(name="ml", terms=[], multilabel=True, min_positives=60, seed=1)
    made = create(searcher, spec)
    m, counts = made.manifest, made.counts
    every = searcher.index.finding_counts().set_index("finding")["positive"]
    kept = {c for c, n in every.items() if n >= 60}
    assert set(counts["dropped_classes"]) == {c for c, n in every.items() if 0 < n < 60}
    assert set().union(*_labels(m)) == kept
    assert all(_labels(m))  # no image without a label
    assert counts["images"] + counts["dropped_no_label"] == counts["candidates"] == searcher.index.n_images
    assert not (m.groupby("patient_id")["split"].nunique() > 1).any()


def test_general_class_set_adds_the_ancestors(searcher):
    specific = create(searcher, DatasetSpec(name="s", terms=[], multilabel=True, class_set="specific"))
    general = create(searcher, DatasetSpec(name="g", terms=[], multilabel=True, class_set="general"))
    g = dict(zip(general.manifest["image_id"], _labels(general.manifest), strict=True))
    for image_id, labels in zip(specific.manifest["image_id"], _labels(specific.manifest), strict=True):
        assert labels <= g[image_id]
        if "calcified granuloma" in labels:
            assert {"granuloma", "calcified densities"} & g[image_id]
    assert len(set().union(*g.values())) > len(set().union(*_labels(specific.manifest)))


def test_iterative_split_keeps_every_class_near_its_share(searcher):
    made = create(searcher, DatasetSpec(name="it", terms=[], multilabel=True, split=[0.7, 0.2, 0.1], seed=3))
    m = made.manifest
    labels = _labels(m)
    for c in sorted(set().union(*labels)):
        has = np.array([c in s for s in labels])
        if has.sum() < 50:
            continue
        share = pd.Series(m["split"][has]).value_counts(normalize=True)
        assert abs(share.get("train", 0) - 0.7) < 0.08, (c, share.to_dict())
        assert abs(share.get("valid", 0) - 0.2) < 0.08, (c, share.to_dict())


def test_iterative_split_beats_random_patient_split_on_rare_classes():
    rng = np.random.default_rng(0)
    n = 3000
    patients = pd.Series([f"p{i // 2}" for i in range(n)])
    labels = (rng.random((n, 12)) < np.linspace(0.005, 0.2, 12)).astype(int)
    split = iterative_split(patients, labels, [0.7, 0.2, 0.1], seed=0)
    assert not (pd.DataFrame({"p": patients, "s": split}).groupby("p")["s"].nunique() > 1).any()
    worst = 0.0
    for j in range(12):
        share = split[labels[:, j] > 0].value_counts(normalize=True)
        worst = max(worst, abs(share.get("train", 0) - 0.7))
    assert worst < 0.05
    assert split.value_counts(normalize=True)["train"] == pytest.approx(0.7, abs=0.02)


def test_terms_make_one_class_each_and_seed_gives_same_bytes(searcher):
    spec = DatasetSpec(name="t", terms=["nodule", "cardiomegaly", "normal"], multilabel=True, seed=5)
    a, b = create(searcher, spec).manifest, create(searcher, spec).manifest
    assert a.equals(b)
    assert set().union(*_labels(a)) == {"nodule", "cardiomegaly", "normal"}


def test_unknown_class_set_and_too_high_min_positives_are_clear(searcher):
    with pytest.raises(DatasetError, match="class set"):
        create(searcher, DatasetSpec(name="x", terms=[], multilabel=True, class_set="leafy"))
    with pytest.raises(DatasetError, match="min-positives"):
        create(searcher, DatasetSpec(name="x", terms=[], multilabel=True, min_positives=10**6))


def test_multilabel_manifest_is_read_by_the_classifier(tmp_path, searcher):
    pytest.importorskip("torch")
    from rxlabel.classifier.manifest import read_manifest

    made = create(searcher, DatasetSpec(name="ml", terms=[], multilabel=True, min_positives=30))
    path = tmp_path / "manifest.csv"
    made.manifest.to_csv(path, index=False)
    m = read_manifest(path)
    assert set(m.classes) == set().union(*_labels(made.manifest))
    assert (m.labels == 1).sum() == sum(len(s) for s in _labels(made.manifest))


@pytest.mark.parametrize("class_set", ["specific", "general"])
def test_padchest_style_dataset_min_positives_200(tmp_path, class_set):
    from rxlabel.index.build import build_index
    from rxlabel.index.hierarchy import load_hierarchy
    from rxlabel.index.query import Searcher
    from rxlabel.index.store import load
    from tests.index.conftest import make_table

    table = make_table(n=2500, seed=4)
    table.to_csv(tmp_path / "t.csv", index=False)
    searcher = Searcher(load(build_index(tmp_path / "i.sqlite", padchest=[tmp_path / "t.csv"]).path),
                        load_hierarchy("es"))
    made = create(searcher, DatasetSpec(name="pc", terms=[], multilabel=True, class_set=class_set,
                                        min_positives=200, seed=0))
    m, counts = made.manifest, made.counts
    labels = _labels(m)
    per_class = pd.Series([c for s in labels for c in s]).value_counts()
    assert per_class.min() >= 200 and all(labels)
    assert all(n < 200 for n in counts["dropped_classes"].values())
    assert counts["images"] + counts["dropped_no_label"] == counts["candidates"]
    assert not (m.groupby("patient_id")["split"].nunique() > 1).any()
    for c in per_class.index:
        share = m["split"][[c in s for s in labels]].value_counts(normalize=True)
        assert abs(share["train"] - 0.7) < 0.05, (c, share.to_dict())
