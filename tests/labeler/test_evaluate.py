import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, f1_score, precision_score, recall_score

from rxlabel.labeler.evaluate import cohen_kappa_tables, evaluate, format_table, load_label_table


def _tables(seed=0, n=300):
    rng = np.random.default_rng(seed)
    gold = pd.DataFrame(rng.choice([1, 0, np.nan], size=(n, 3), p=[0.3, 0.3, 0.4]), columns=["a", "b", "c"],
                        index=[f"r{i}" for i in range(n)])
    flip = rng.random((n, 3)) < 0.15
    pred = gold.where(~flip, 1 - gold.fillna(0))
    return gold, pred


def test_matches_scikit_learn():
    gold, pred = _tables()
    result = evaluate(gold, pred, bootstrap=0)
    for name in gold.columns:
        g, p = gold[name].fillna(0).astype(int), pred[name].fillna(0).astype(int)
        e = result["classes"][name]
        assert e["precision"] == pytest.approx(precision_score(g, p))
        assert e["recall"] == pytest.approx(recall_score(g, p))
        assert e["f1"] == pytest.approx(f1_score(g, p))
        assert e["kappa"] == pytest.approx(cohen_kappa_score(g, p))
        assert e["tp"] + e["fp"] + e["tn"] + e["fn"] == len(gold)
    g = gold.fillna(0).to_numpy().astype(int)
    p = pred.fillna(0).to_numpy().astype(int)
    assert result["micro"]["f1"] == pytest.approx(f1_score(g, p, average="micro"))
    assert result["macro"]["f1"] == pytest.approx(f1_score(g, p, average="macro"))


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    gold, pred = _tables()
    a = evaluate(gold, pred, bootstrap=500, seed=7)
    b = evaluate(gold, pred, bootstrap=500, seed=7)
    assert a == b
    lo, hi = a["micro"]["f1_ci"]
    assert lo < a["micro"]["f1"] < hi
    assert evaluate(gold, pred, bootstrap=500, seed=8)["micro"]["f1_ci"] != [lo, hi]


def test_uncertain_policies_and_missing_predictions():
    gold = pd.DataFrame({"x": [1, -1, 0, np.nan]}, index=["a", "b", "c", "d"])
    pred = pd.DataFrame({"x": [1, 1, 0]}, index=["a", "b", "c"])
    assert evaluate(gold, pred, bootstrap=0)["classes"]["x"]["tp"] == 2
    assert evaluate(gold, pred, uncertain="negative", bootstrap=0)["classes"]["x"]["fp"] == 1
    excluded = evaluate(gold, pred, uncertain="exclude", bootstrap=0)
    assert excluded["classes"]["x"]["tp"] + excluded["classes"]["x"]["tn"] == 3 - 0 and excluded["missing_predictions"] == 1


def test_label_file_formats(tmp_path):
    (tmp_path / "gold.csv").write_text("ImageID,Labels\nA,\"['cardiomegaly', 'normal']\"\nB,[]\nC,nodule;pleural effusion\n")
    gold = load_label_table(tmp_path / "gold.csv")
    assert gold.loc["A", "cardiomegaly"] == 1 and gold.loc["C", "pleural effusion"] == 1
    pred_lines = [{"report_id": "A", "findings": {"cardiomegaly": 1}, "regions": {"cardio": 1}},
                  {"report_id": "C", "findings": {"nodule": -1}, "regions": {}}]
    (tmp_path / "pred.jsonl").write_text("\n".join(json.dumps(p) for p in pred_lines))
    pred = load_label_table(tmp_path / "pred.jsonl")
    result = evaluate(gold, pred, bootstrap=0)
    assert result["classes"]["nodule"]["tp"] == 1 and result["classes"]["normal"]["fn"] == 1
    assert "micro" in format_table(result)


def test_kappa_between_label_sets_on_four_values():
    a = pd.DataFrame({"x": [1, 0, -1, np.nan]}, index=list("abcd"))
    assert cohen_kappa_tables(a, a)["x"] == 1.0
    b = pd.DataFrame({"x": [1, 0, 0, np.nan]}, index=list("abcd"))
    assert cohen_kappa_tables(a, b)["x"] < 1.0
