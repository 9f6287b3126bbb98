"""Metrics, thresholds, bootstrap CIs, the region mapping and ensemble combination rules."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from rxlabel.classifier.ensemble import combine, votes
from rxlabel.classifier.labels import COARSE_CLASSES, chexpert_labels_to_coarse, fine_to_coarse
from rxlabel.classifier.metrics import bootstrap_ci, classification_metrics, format_table, tune_thresholds


def _data(n=200, c=3, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, c)) < 0.3).astype(float)
    p = np.clip(y * 0.4 + rng.random((n, c)) * 0.7, 0, 1)
    p[:10, 0] = 0.5  # ties
    return y, p


def test_auc_matches_sklearn_with_ties_and_mask():
    y, p = _data()
    mask = np.ones_like(y)
    mask[::7, 1] = 0
    res = classification_metrics(y, p, np.full(3, 0.5), ["a", "b", "c"], mask)
    assert res["per_class"]["a"]["auc"] == pytest.approx(roc_auc_score(y[:, 0], p[:, 0]))
    keep = mask[:, 1] > 0
    assert res["per_class"]["b"]["auc"] == pytest.approx(roc_auc_score(y[keep, 1], p[keep, 1]))
    assert res["per_class"]["b"]["labelled"] == keep.sum()


def test_sensitivity_specificity_f1_hamming():
    y = np.array([[1, 0], [1, 1], [0, 0], [0, 1]], float)
    p = np.array([[0.9, 0.2], [0.4, 0.8], [0.6, 0.1], [0.1, 0.3]])
    res = classification_metrics(y, p, np.array([0.5, 0.5]), ["a", "b"])
    a = res["per_class"]["a"]
    assert (a["sensitivity"], a["specificity"], a["f1"]) == (0.5, 0.5, 0.5)
    assert res["per_class"]["b"]["f1"] == pytest.approx(f1_score([0, 1, 0, 1], [0, 1, 0, 0]))
    assert res["macro"]["hamming_loss"] == pytest.approx(3 / 8)


def test_tuned_threshold_maximises_f1():
    y, p = _data(seed=3)
    thr = tune_thresholds(y, p)
    for j in range(y.shape[1]):
        best_f1 = max(f1_score(y[:, j], p[:, j] >= t) for t in np.unique(p[:, j]))
        assert f1_score(y[:, j], p[:, j] >= thr[j]) == pytest.approx(best_f1)


def test_class_without_positives_gives_no_auc_not_a_crash():
    y = np.zeros((5, 1))
    res = classification_metrics(y, np.linspace(0, 1, 5)[:, None], np.array([0.5]), ["x"])
    assert res["per_class"]["x"]["auc"] is None and res["macro"]["auc"] is None
    assert tune_thresholds(y, np.zeros((5, 1)))[0] == 0.5


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    y, p = _data(n=150)
    thr = tune_thresholds(y, p)
    a = bootstrap_ci(y, p, thr, ["a", "b", "c"], n_boot=400, seed=5)
    b = bootstrap_ci(y, p, thr, ["a", "b", "c"], n_boot=400, seed=5)
    c = bootstrap_ci(y, p, thr, ["a", "b", "c"], n_boot=400, seed=6)
    assert a == b and a != c
    point = classification_metrics(y, p, thr, ["a", "b", "c"])
    for cls in "abc":
        lo, hi = a["per_class"][cls]["auc"]
        assert lo < point["per_class"][cls]["auc"] < hi
        assert hi - lo < 0.3
    table = format_table(point, a)
    assert "macro" in table and "[" in table


def test_fine_to_coarse_mapping():
    fine = ["Cardiomegaly", "Pleural Effusion", "Fracture", "Support Devices", "No Finding"]
    probs = np.array([[0.9, 0.1, 0.2, 0.05, 0.0], [0.1, 0.2, 0.3, 0.95, 0.9]])
    coarse = fine_to_coarse(probs, fine)
    ix = {c: i for i, c in enumerate(COARSE_CLASSES)}
    assert coarse[0, ix["cardio"]] == 0.9 and coarse[0, ix["pleura"]] == 0.1
    assert coarse[0, ix["chest_wall"]] == 0.2 and coarse[0, ix["parenchyma"]] == 0.0
    assert coarse[1, ix["abnormal"]] == 0.95  # support devices: abnormal only, "No Finding" never
    labels = chexpert_labels_to_coarse({"Edema": -1, "Consolidation": 0, "Cardiomegaly": 1})
    assert labels["parenchyma"] == -1 and labels["cardio"] == 1 and labels["abnormal"] == 1


def test_ensemble_rules():
    # 3 models, 2 images, 2 classes
    probs = np.array([
        [[0.9, 0.2], [0.6, 0.7]],
        [[0.8, 0.6], [0.2, 0.8]],
        [[0.1, 0.7], [0.3, 0.1]],
    ])
    thr = np.full((3, 2), 0.5)
    mean, pred = combine("ctp", probs, thr, np.array([0.5, 0.5]))
    np.testing.assert_allclose(mean, probs.mean(0))
    assert pred.tolist() == [[True, True], [False, True]]
    _, vote = combine("ptc-vote", probs, thr)
    assert votes(probs, thr).tolist() == [[2, 2], [1, 2]]
    assert vote.tolist() == [[True, True], [False, True]]
    _, mode = combine("ptc-mode", probs, thr)
    # image 0 sets: (1,0) (1,1) (0,1) -> all different, the first model's set wins the tie
    # image 1 sets: (1,1) (0,1) (0,0) -> tie again -> first model's
    assert mode.tolist() == [[True, False], [True, True]]
    with pytest.raises(ValueError, match="unknown ensemble"):
        combine("max", probs, thr)
