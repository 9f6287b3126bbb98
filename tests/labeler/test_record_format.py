"""Issue 18 item 3: the compact label record (format 2) carries every record without loss, every reader
reads every format (a file of the previous release included), and the output is at most 1.5x its input."""

from __future__ import annotations

import csv
import json
import shutil
import unicodedata
from pathlib import Path

import pytest

from rxlabel import schema
from rxlabel.index.readers import read_labels
from rxlabel.labeler.aggregate import attach_text, evidence_sentence
from rxlabel.labeler.batch import label_file
from rxlabel.labeler.evaluate import load_label_table
from rxlabel.labeler.io import RecordWriter, file_contract, parse_label_line, read_records, record_line
from rxlabel.labeler.review import apply_decisions, export_queue
from tests.conftest import TEST_DATA
from tests.labeler.conftest import MINI

V1 = TEST_DATA / "labeler" / "record_v1"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
BIMCV = SHARED / "es" / "bimcv_covid19" / "bimcv_covid19_reports_raw.jsonl"


def _texts(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return {r["report_id"]: unicodedata.normalize("NFC", r["text"]) for r in csv.DictReader(fh)}


def _v1_records() -> list[dict]:
    with open(V1 / "labels_v1.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture
def v1(tmp_path) -> Path:
    """A copy of the previous release's run (labels, queue, rejects, manifest, input)."""
    for f in V1.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def test_a_file_of_the_previous_release_reads_as_it_was_written(v1):
    assert list(read_records(v1 / "labels_v1.jsonl")) == _v1_records()
    labels = read_labels(v1 / "labels_v1.jsonl")
    assert labels.rules_versions == {_v1_records()[0]["rules_version"]} and len(labels.findings) == 7


def test_full_evidence_writes_the_previous_release_s_records(tmp_path):
    label_file(V1 / "reports.csv", tmp_path / "full.jsonl", str(MINI), progress=False, evidence="full")
    assert list(read_records(tmp_path / "full.jsonl")) == _v1_records()
    assert file_contract(tmp_path / "full.jsonl")["evidence"] == "full"


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_compact_records_read_back_as_the_full_ones_with_the_text(tmp_path, suffix):
    """Old full records -> today's compact writer -> reader + attach_text: the same records, windows included."""
    out = tmp_path / f"compact{suffix}"
    label_file(V1 / "reports.csv", out, str(MINI), progress=False)
    texts = _texts(V1 / "reports.csv")
    back = list(read_records(out))
    assert [attach_text(r, texts[r["report_id"]]) for r in back] == _v1_records()
    assert all("window" not in e for r in back for e in r["evidence"])  # not stored: recovered from the text


def test_the_compact_line_and_its_contract(tmp_path):
    out = tmp_path / "l.jsonl"
    label_file(V1 / "reports.csv", out, str(MINI), progress=False)
    lines = [json.loads(line) for line in open(out, encoding="utf-8")]
    first = lines[0]
    assert set(first) == set(schema.LABEL_FIELDS) - {"rules_version"}  # the version is the manifest's
    assert first["regions"] == [0, 1, 0, 0, 1]
    # Derrame pleural derecho. -> finding, status, offsets, sentence span, rule, region index, abnormal, cue, locs
    assert first["evidence"][0] == ["pleural effusion", 1, 0, 15, 0, 24, "phrase:derrame pleural", 1, 1, None,
                                    ["loc right"]]
    assert first["evidence"][1] == ["pneumothorax", 0, 29, 39, 25, 40, "phrase:neumotórax", 1, 1, "Sin"]
    contract = file_contract(out)
    assert contract["format"] == schema.LABEL_FORMAT and contract["evidence"] == "compact"
    assert contract["evidence_fields"] == list(schema.EVIDENCE_FIELDS)
    assert contract["rules_version"] == _v1_records()[0]["rules_version"]
    assert {r["rules_version"] for r in read_records(out)} == {contract["rules_version"]}
    assert read_labels(out).rules_versions == {contract["rules_version"]}  # the index finds the pack's language


@pytest.mark.parametrize("item", [
    {"finding": "x", "status": 1, "start": 0, "end": 1, "cue": None, "rule": "phrase:x", "localizations": [],
     "match": "exact", "sentence": [0, 2], "window": "x.", "region": "pleura", "abnormal": True},
    {"finding": "x", "status": -1, "start": 3, "end": 9, "cue": "posible", "rule": "phrase:1a2b3c4d5e",
     "localizations": ["loc left"], "match": "fuzzy", "sentence": [0, 12], "window": "w", "region": "none",
     "abnormal": False},
    {"finding": "normal", "status": 1, "start": 0, "end": 9, "cue": None, "rule": "template:normal",
     "localizations": [], "match": "template", "sentence": [0, 9], "window": "w"},  # template: no region keys
    {"finding": None, "status": None, "start": None, "end": None, "cue": None, "rule": "review:ana: ok",
     "localizations": [], "match": "review", "sentence": None, "window": None},  # a reviewer's note
])
def test_an_evidence_item_round_trips_as_a_list(item):
    encoded = schema.encode_evidence_item(item)
    assert isinstance(encoded, list) and len(encoded) <= len(schema.EVIDENCE_FIELDS)
    decoded = schema.decode_evidence_item(json.loads(json.dumps(encoded)))
    assert decoded == {k: v for k, v in item.items() if k != "window"}


@pytest.mark.parametrize("item", [
    {"finding": "x", "status": 1, "start": 0, "end": 1, "sentence": "Derrame pleural.", "rule": "phrase:x"},  # < offsets
    {"finding": "x", "status": 1, "start": 0, "end": 1, "cue": None, "rule": "p", "localizations": [],
     "match": "exact", "sentence": [0, 2], "window": "x.", "extra": 1},  # a key another tool added
    {"finding": "x", "status": 1, "start": 0, "end": 1, "cue": None, "rule": "p", "localizations": [],
     "match": "exact", "sentence": None, "window": "no offsets to recover me from"},
    {"finding": "x", "status": 1, "start": 0, "end": 1, "cue": None, "rule": "p", "localizations": [],
     "match": "exact", "sentence": [0, 2], "region": None, "abnormal": None},  # an explicit null
])
def test_an_item_a_list_would_lose_something_of_stays_a_dict(item):
    assert schema.encode_evidence_item(item) is item
    record = {"report_id": "r", "method": "rule", "findings": {}, "regions": {}, "evidence": [item],
              "review_reasons": [], "rules_version": "es-1"}
    assert parse_label_line(record_line(record, "compact", "es-1"), "es-1") == record


def test_a_line_keeps_a_rules_version_that_is_not_the_file_s():
    record = {"report_id": "r", "method": "review", "findings": {}, "regions": {}, "evidence": [],
              "review_reasons": [], "rules_version": "es-old"}
    assert '"rules_version":"es-old"' in record_line(record, "compact", "es-new")
    assert parse_label_line(record_line(record, "compact", "es-new"), "es-new") == record
    assert "rules_version" not in record_line({**record, "rules_version": "es-new"}, "compact", "es-new")


def test_evidence_none_keeps_the_labels(tmp_path):
    label_file(V1 / "reports.csv", tmp_path / "n.jsonl", str(MINI), progress=False, evidence="none")
    got = list(read_records(tmp_path / "n.jsonl"))
    assert [{**r, "evidence": []} for r in _v1_records()] == got
    assert file_contract(tmp_path / "n.jsonl")["evidence"] == "none"


def test_review_queue_workbench_inputs_and_evaluate_read_compact_files(tmp_path):
    src = V1 / "reports.csv"
    label_file(src, tmp_path / "c.jsonl", str(MINI), progress=False)
    label_file(src, tmp_path / "f.jsonl", str(MINI), progress=False, evidence="full")
    for name in ("c", "f"):
        export_queue(tmp_path / f"{name}.jsonl", tmp_path / f"{name}.q.csv", reports=src)
    compact_q, full_q = ((tmp_path / f"{n}.q.csv").read_text("utf-8") for n in ("c", "f"))
    assert compact_q == full_q and "'Derame pleural.'" in compact_q  # the queue shows the sentences
    pd_c, pd_f = load_label_table(tmp_path / "c.jsonl"), load_label_table(tmp_path / "f.jsonl")
    assert pd_c.equals(pd_f)


def test_review_apply_keeps_the_input_s_format_and_version(v1):
    queue = v1 / "q.csv"
    export_queue(v1 / "labels_v1.jsonl", queue, reports=v1 / "reports.csv")
    with open(queue, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["decision"] = "accept"
    with open(queue, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    for evidence in (None, "compact"):  # None: the input's format; a v1 file has no contract -> compact
        out = v1 / f"after_{evidence}.jsonl"
        assert apply_decisions(v1 / "labels_v1.jsonl", queue, out, pack=MINI, evidence=evidence).decided == 1
        after = {r["report_id"]: r for r in read_records(out)}
        assert {r["rules_version"] for r in after.values()} == {_v1_records()[0]["rules_version"]}
        assert after[rows[0]["report_id"]]["evidence"][-1]["match"] == "review"
        assert file_contract(out)["evidence"] == "compact"


def test_a_labels_file_without_its_manifest_reads_with_a_blank_version(tmp_path):
    label_file(V1 / "reports.csv", tmp_path / "l.jsonl", str(MINI), progress=False)
    (tmp_path / "alone").mkdir()
    shutil.copy(tmp_path / "l.jsonl", tmp_path / "alone" / "l.jsonl")
    assert {r["rules_version"] for r in read_records(tmp_path / "alone" / "l.jsonl")} == {""}


def test_the_writer_refuses_an_unknown_evidence_mode(tmp_path):
    with pytest.raises(ValueError, match="compact, full, none"):
        RecordWriter(tmp_path / "x.jsonl", [], evidence="short")


@pytest.mark.skipif(not BIMCV.exists(), reason="BIMCV-COVID19 reports not in ../shared/data (restricted)")
def test_bimcv_labels_are_at_most_1_5x_the_input_and_lossless(tmp_path):
    """The issue's target on real reports: JSONL at most 1.5x the input CSV; full and compact agree."""
    with open(BIMCV, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    src = tmp_path / "bimcv.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["report_id", "text"])
        writer.writerows((f"r{i}", r["text"]) for i, r in enumerate(rows) if (r.get("text") or "").strip())
    label_file(src, tmp_path / "c.jsonl", "es", progress=False)
    label_file(src, tmp_path / "f.jsonl", "es", progress=False, evidence="full")
    assert (tmp_path / "c.jsonl").stat().st_size <= 1.5 * src.stat().st_size
    texts = _texts(src)
    compact = [attach_text(r, texts[r["report_id"]]) for r in read_records(tmp_path / "c.jsonl")]
    assert compact == list(read_records(tmp_path / "f.jsonl"))
    item = next(e for r in compact for e in r["evidence"] if e["sentence"])
    assert evidence_sentence(item, texts[next(r["report_id"] for r in compact if item in r["evidence"])])


def test_the_queue_shows_the_window_of_a_long_sentence_from_a_compact_file(tmp_path):
    src = tmp_path / "in.csv"
    long = "Paciente con disnea " * 20 + "y derame pleural derecho sin otros hallazgos."  # > 300 characters
    with open(src, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([("report_id", "text"), ("r1", long)])
    queues = []
    for mode in ("compact", "full"):
        label_file(src, tmp_path / f"{mode}.jsonl", str(MINI), progress=False, evidence=mode)
        export_queue(tmp_path / f"{mode}.jsonl", tmp_path / f"{mode}.q.csv", reports=src)
        queues.append((tmp_path / f"{mode}.q.csv").read_text("utf-8"))
    assert queues[0] == queues[1] and "derame pleural" in queues[0] and "\u2026" in queues[0]


def test_an_evidence_list_of_the_wrong_length_is_named_by_both_readers(tmp_path):
    good = record_line({"report_id": "a", "method": "rule", "findings": {}, "regions": {}, "evidence": [],
                        "review_reasons": [], "rules_version": "es-1"})
    bad = '{"report_id":"b","method":"rule","findings":{},"regions":[],"evidence":[["x",1,0]],"review_reasons":[]}\n'
    path = tmp_path / "l.jsonl"
    path.write_text(good + bad, "utf-8")
    with pytest.raises(ValueError, match=r"l.jsonl:2: not a label record: an evidence item has 3 fields"):
        list(read_records(path))
    labels = read_labels(path)  # the index's tolerant reader sets the row aside with the reason
    assert list(labels.findings) == ["a"] and "3 fields" in labels.rejected[0]["reason"]
