"""The review loop: export, a person's decisions, apply (validated), QC sample."""

import csv

import pytest

from rxlabel.labeler.batch import label_file
from rxlabel.labeler.io import InputError, read_records
from rxlabel.labeler.review import apply_decisions, export_queue, parse_labels, sample_for_qc
from tests.labeler.conftest import MINI
from tests.labeler.test_batch import ROWS, _write_csv


@pytest.fixture()
def labelled(tmp_path):
    rows = [r for r in ROWS if r[0] in ("r2", "r3", "r4", "r5")] + [
        ("r1", "Derrame pleural derecho."), ("r7", "Neumotórax. No se observa neumotórax.")]
    src = _write_csv(tmp_path / "in.csv", rows)
    label_file(src, tmp_path / "labels.jsonl", str(MINI), progress=False)
    return src, tmp_path / "labels.jsonl"


def _fill(path, decisions):
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
        fields = list(rows[0])
    for row in rows:
        row.update(decisions.get(row["report_id"], {}))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def test_round_trip_without_decisions_changes_nothing(labelled, tmp_path):
    src, labels = labelled
    n = export_queue(labels, tmp_path / "queue.csv", reports=src)
    assert n == 4
    s = apply_decisions(labels, tmp_path / "queue.csv", tmp_path / "after.jsonl", pack=MINI)
    assert s.pending == 4 and s.decided == 0
    assert list(read_records(tmp_path / "after.jsonl")) == list(read_records(labels))


def test_decisions_override_and_are_traced(labelled, tmp_path):
    src, labels = labelled
    export_queue(labels, tmp_path / "queue.csv", reports=src)
    _fill(tmp_path / "queue.csv", {
        "r3": {"decision": "reject", "reviewer": "ana"},
        "r4": {"decision": "normal", "reviewer": "ana"},
        "r5": {"decision": "accept", "reviewer": "luis", "comment": "typo"},
        "r7": {"decision": "pneumothorax=-1", "decision_pleura": "-1"},
    })
    s = apply_decisions(labels, tmp_path / "queue.csv", tmp_path / "after.jsonl", pack=MINI)
    assert (s.decided, s.rejected, s.pending) == (3, 1, 0)
    after = {r["report_id"]: r for r in read_records(tmp_path / "after.jsonl")}
    assert "r3" not in after
    assert after["r4"]["method"] == "review" and after["r4"]["findings"] == {"normal": 1}
    assert after["r5"]["findings"] == {"pleural effusion": 1} and after["r5"]["regions"]["pleura"] == 1
    assert after["r5"]["evidence"][-1]["rule"] == "review:luis: typo"
    assert after["r7"]["findings"] == {"pneumothorax": -1} and after["r7"]["regions"]["pleura"] == -1
    assert after["r1"]["method"] == "rule"
    with open(tmp_path / "after.rejected.csv", encoding="utf-8") as fh:
        assert "rejected_by_reviewer" in fh.read()


def test_invalid_decisions_are_all_reported_and_nothing_written(labelled, tmp_path):
    src, labels = labelled
    export_queue(labels, tmp_path / "queue.csv", reports=src)
    _fill(tmp_path / "queue.csv", {"r4": {"decision": "neumotorax=1"}, "r5": {"decision": "pleural effusion=2"}})
    with open(tmp_path / "queue.csv", "a", encoding="utf-8") as fh:
        fh.write("ghost,,,,,,accept,,,,,,,\n")
    with pytest.raises(InputError) as err:
        apply_decisions(labels, tmp_path / "queue.csv", tmp_path / "after.jsonl", pack=MINI)
    message = str(err.value)
    assert "queue.csv:3 (report_id r4): unknown finding 'neumotorax'; closest known: pneumothorax" in message
    assert "(report_id r5): decision 'pleural effusion=2': the value must be 1, 0 or -1" in message
    assert "(report_id ghost): unknown report id" in message
    assert not (tmp_path / "after.jsonl").exists()


def test_qc_sample_is_seeded_and_stratified(labelled, tmp_path):
    src, labels = labelled
    a = sample_for_qc(labels, tmp_path / "a.csv", 0.5, seed=3, reports=src)
    sample_for_qc(labels, tmp_path / "b.csv", 0.5, seed=3, reports=src)
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
    with open(tmp_path / "a.csv", encoding="utf-8") as fh:
        reasons = {row["reasons"] for row in csv.DictReader(fh)}
    assert reasons == {"qc_sample:rule", "qc_sample:template"} and a == 2


def test_parse_labels():
    assert parse_labels("pleural effusion=1; cardiomegaly=-1;; nodule") == {"pleural effusion": 1, "cardiomegaly": -1, "nodule": 1}
