"""Issue 13 class 1 / issue 18.3: label evidence is bounded (offsets, cue, rule id, clipped window), a
runaway report harms no other row, and the JSONL content is the same whichever JSON encoder wrote it."""

import csv
import json
import resource
import time

import pytest

from rxlabel.labeler import Labeler
from rxlabel.labeler.aggregate import WINDOW, clip_window, evidence_sentence, pack_rule_ids, rule_id, rule_ids
from rxlabel.labeler.batch import label_file
from rxlabel.labeler.io import read_records, record_line
from rxlabel.labeler.review import apply_decisions, export_queue
from tests.labeler.conftest import MINI


@pytest.fixture(scope="module")
def mini():
    return Labeler(MINI)


def test_evidence_carries_offsets_and_a_clipped_window_not_the_sentence(mini):
    text = "Paciente de 80 años con antecedentes de insuficiencia cardiaca y disnea, se observa derrame pleural " \
           "derecho de moderada cuantía que ocupa el tercio inferior del hemitórax, sin otros hallazgos relevantes."
    ev = next(e for e in mini(text).evidence if e["finding"] == "pleural effusion")
    a, b = ev["sentence"]
    assert text[a:b].startswith("Paciente") and ev["start"] >= a and ev["end"] <= b
    assert text[ev["start"]:ev["end"]] in ev["window"]
    assert len(ev["window"]) <= ev["end"] - ev["start"] + 2 * WINDOW + 2 < len(text[a:b])
    assert ev["window"].startswith("\u2026") and ev["window"].endswith("\u2026")
    assert evidence_sentence(ev, text) == text[a:b]  # recoverable from the input and the offsets
    assert evidence_sentence(ev, None) == ev["window"]


@pytest.mark.parametrize(("sentence", "start", "end", "want"), [
    ("Derrame pleural.", 0, 15, "Derrame pleural."),
    ("x" * 50 + "derrame" + "y" * 50, 50, 57, "\u2026" + "x" * WINDOW + "derrame" + "y" * WINDOW + "\u2026"),
    ("z" * 500, 0, 500, "z" * (4 * WINDOW) + "\u2026"),
])
def test_clip_window(sentence, start, end, want):
    assert clip_window(sentence, start, end) == want


def test_rule_ids_are_short_stable_and_map_back(mini):
    rules = {e["rule"] for text in ("Derrame pleural derecho.", "Sin neumotórax.", "Cardiomegalia.")
             for e in mini(text).evidence}
    assert all(len(r) <= 40 for r in rules)
    patterns = [f"phrase:{p}" for f in mini.pack.findings.values() for p in [*f.phrases, *f.negative_phrases]]
    back = rule_ids(patterns)
    assert {r for r in rules if r.startswith("phrase:")} <= set(back)
    assert rules <= set(pack_rule_ids(mini.pack))  # every id of the pack's evidence maps back to its rule
    assert rule_id("review:ana: typo") == "review:ana: typo" and rule_id(None) is None
    assert rule_id(patterns[0]) == rule_id(patterns[0])


@pytest.mark.parametrize("record", [
    {"report_id": "r1", "findings": {"derrame": 1}, "evidence": [{"cue": None, "window": "ñandú \u2026 \"x\"\n\t"}]},
    {"report_id": "é" * 3, "method": "rule", "evidence": [], "review_reasons": ["too_long"], "n": -1},
    {"report_id": "ctl\x01\x1f\u2028", "x": [1, [2, {"y": None}]]},
])
def test_record_line_is_the_json_content(record):
    line = record_line(record)
    assert line.endswith("\n") and "\n" not in line[:-1]
    assert json.loads(line) == record
    assert line == json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


@pytest.mark.slow
def test_a_5mb_report_without_sentence_breaks_harms_no_other_row(tmp_path):
    """The case that reached 21.7 GB and wrote nothing: now queued as too_long in bounded time and memory."""
    src = tmp_path / "in.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["report_id", "text"])
        w.writerow(["a", "Derrame pleural derecho."])
        w.writerow(["huge", "Cardiomegalia " * 380_000])  # 5.3 MB, one sentence
        w.writerow(["long", "Cardiomegalia " * 7_200])  # 100,800 chars: labelled, flagged, bounded evidence
        w.writerow(["b", "Sin neumotórax."])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    s = label_file(src, tmp_path / "out.jsonl", str(MINI), progress=False)
    assert time.process_time() - started < 60
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 400 * 1024  # KiB: < 400 MB growth
    assert s.total == 4 and s.rule + s.template + s.review + s.rejected == 4
    records = {r["report_id"]: r for r in read_records(tmp_path / "out.jsonl")}
    assert records["a"]["findings"]["pleural effusion"] == 1 and records["b"]["method"] != "unlabelled"
    assert records["huge"]["method"] == "unlabelled" and records["huge"]["review_reasons"] == ["too_long"]
    assert records["long"]["findings"]["cardiomegaly"] == 1 and "too_long" in records["long"]["review_reasons"]
    sizes = {line.split('"', 4)[3]: len(line) for line in open(tmp_path / "out.jsonl", encoding="utf-8")}
    assert sizes["long"] < 300 * 7_200  # was ~100 kB of sentence per mention
    with open(tmp_path / "out.review.csv", encoding="utf-8") as fh:
        queue = {q["report_id"]: q for q in csv.DictReader(fh)}
    assert set(queue) == {"huge", "long"}
    assert len(queue["long"]["evidence"]) < 200 * 7_200  # windows, not the 100 kB sentence per mention


def test_review_export_and_apply_work_from_offsets(tmp_path):
    src = tmp_path / "in.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["report_id", "text"])
        w.writerows([("r1", "Derrame pleural derecho."), ("r2", "Derame pleural. Sin neumotórax.")])
    label_file(src, tmp_path / "l.jsonl", str(MINI), progress=False)
    assert export_queue(tmp_path / "l.jsonl", tmp_path / "q.csv", reports=src) == 1
    with open(tmp_path / "q.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert "'Derame pleural.'" in rows[0]["evidence"] and "'Sin neumotórax.'" in rows[0]["evidence"]
    rows[0]["decision"] = "accept"
    with open(tmp_path / "q.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    s = apply_decisions(tmp_path / "l.jsonl", tmp_path / "q.csv", tmp_path / "after.jsonl", pack=MINI)
    assert s.decided == 1
    after = {r["report_id"]: r for r in read_records(tmp_path / "after.jsonl")}
    assert after["r2"]["method"] == "review" and after["r2"]["evidence"][-1]["match"] == "review"
