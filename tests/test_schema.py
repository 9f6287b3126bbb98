"""The data contracts of rxlabel.schema: one definition, and every reader and writer agrees with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rxlabel import schema
from rxlabel.index.readers import PairColumns, read_labels
from rxlabel.labeler.io import RecordWriter, read_records

SRC = Path(schema.__file__).parent
RECORDS = [
    {"report_id": "r1", "method": "rule", "rules_version": "es-1", "findings": {"pleural effusion": 1, "pneumothorax": 0},
     "regions": {"chest_wall": 0, "pleura": 1, "parenchyma": 0, "cardio": 0, "abnormal": 1},
     "evidence": [{"finding": "pleural effusion", "status": 1, "sentence": 0, "start": 0, "end": 15,
                   "localizations": ["right"]}], "review_reasons": [], },
    {"report_id": "r2", "method": "unlabelled", "rules_version": "es-1", "findings": {"cardiomegaly": -1},
     "regions": {"cardio": -1}, "evidence": [], "review_reasons": ["fuzzy_only", "conflict"]},
]
FINDINGS = ["cardiomegaly", "pleural effusion", "pneumothorax"]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".tsv", ".parquet"])
def test_the_label_record_round_trips_through_its_writer_and_both_readers(tmp_path, suffix):
    path = tmp_path / f"labels{suffix}"
    writer = RecordWriter(path, FINDINGS)
    writer.write(RECORDS)
    writer.close()
    back = list(read_records(path))
    assert [r["report_id"] for r in back] == ["r1", "r2"]
    for got, want in zip(back, RECORDS, strict=True):
        assert got["findings"] == want["findings"] and got["regions"] == want["regions"]
        assert got["method"] == want["method"] and got["review_reasons"] == want["review_reasons"]
        assert got["evidence"] == want["evidence"]
    index_view = read_labels(path)  # the index reads through the same parse, setting bad rows aside
    assert index_view.findings == {r["report_id"]: r["findings"] for r in RECORDS}
    assert index_view.regions == {r["report_id"]: r["regions"] for r in RECORDS}
    assert index_view.locs == {"r1": [("pleural effusion", "right")]} and not index_view.rejected


def test_no_part_spells_the_regions_again():
    spelled = re.compile(r"""["']chest_wall["'],\s*["']pleura["'],\s*["']parenchyma["'],\s*["']cardio["']""")
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if p.name != "schema.py" and spelled.search(p.read_text("utf-8"))]
    assert not offenders, f"import REGIONS / REGION_COLUMNS from rxlabel.schema instead: {offenders}"


def test_the_named_columns_come_from_the_schema():
    from rxlabel.classifier.labels import COARSE_CLASSES
    from rxlabel.index.dataset import MANIFEST_COLUMNS
    from rxlabel.matcher.match import PAIR_COLUMNS

    assert tuple(PAIR_COLUMNS) == schema.PAIR_COLUMNS
    assert tuple(MANIFEST_COLUMNS) == schema.DATASET_MANIFEST_COLUMNS
    assert set(schema.TRAINING_MANIFEST_COLUMNS) <= set(schema.DATASET_MANIFEST_COLUMNS)
    assert COARSE_CLASSES == schema.REGION_COLUMNS
    cols = PairColumns()
    assert {cols.image, cols.report, cols.patient, cols.time} <= set(schema.PAIR_COLUMNS)
    assert schema.label_columns(FINDINGS)[3:8] == list(schema.REGION_COLUMNS)
