"""``--jobs`` with JSONL output: the workers read, label and render; the parent routes what they send back
(batch.LabelledBlock). Every table row is a file whose three outputs and counts must be the bytes and figures
``--jobs 1`` gives, whichever chunk an id, a repeat, a rejection or a review row falls in."""

import csv
import json

import pytest

from rxlabel.labeler import batch
from rxlabel.labeler.batch import _pack_facts, label_file
from rxlabel.labeler.engine import Labeler
from tests.labeler.conftest import MINI
from tests.labeler.test_batch import _write_csv

EFFUSION, REVIEW, PLAIN = "Derrame pleural derecho.", "Paciente colaborador.", "Sin hallazgos significativos."

# (name, rows (id, text), chunk_size)
CASES = [
    ("repeat in the same chunk", [("a", EFFUSION), ("b", PLAIN), ("a", EFFUSION)], 10),
    ("repeat in a later chunk", [("a", EFFUSION), ("b", PLAIN), ("c", REVIEW), ("a", PLAIN)], 2),
    ("a repeated review row", [("a", REVIEW), ("b", PLAIN), ("a", REVIEW), ("c", REVIEW)], 3),
    ("a repeated review row before another", [("a", REVIEW), ("a", REVIEW), ("c", REVIEW), ("d", EFFUSION)], 10),
    ("repeats between rejects", [("a", ""), ("b", EFFUSION), ("", PLAIN), ("b", REVIEW), ("c", ""), ("b", PLAIN)], 4),
    ("a rejected row's id is not remembered", [("a", ""), ("a", EFFUSION), ("a", PLAIN)], 1),
    ("the same id three times, chunk edges", [("x", EFFUSION)] * 3 + [("y", PLAIN)] * 2, 2),
    ("ids that differ by case and space", [("A", EFFUSION), ("a", PLAIN), ("A ", REVIEW), (" A", EFFUSION)], 2),
    ("formula cells and quotes", [("=1+1", REVIEW), ("-2", 'Dijo "nada", ok.'), ("@x", "=cmd()"), ("=1+1", PLAIN)], 2),
    ("missing ids and blank texts only", [("", ""), ("", EFFUSION), ("a", "")], 2),
    ("no repeats", [(f"r{i}", (EFFUSION, PLAIN, REVIEW)[i % 3]) for i in range(25)], 4),
]


def _outputs(stem):
    return {suffix: (stem.parent / (stem.name + suffix)).read_bytes() for suffix in (".jsonl", ".review.csv", ".rejected.csv")}


@pytest.mark.parametrize(("name", "rows", "chunk"), CASES, ids=[c[0] for c in CASES])
def test_jobs_2_writes_what_jobs_1_writes(tmp_path, name, rows, chunk):
    src = _write_csv(tmp_path / "in.csv", rows)
    one = label_file(src, tmp_path / "one.jsonl", str(MINI), progress=False, chunk_size=chunk)
    two = label_file(src, tmp_path / "two.jsonl", str(MINI), jobs=2, progress=False, chunk_size=chunk)
    assert _outputs(tmp_path / "two") == _outputs(tmp_path / "one")
    drop = {"seconds", "reports_per_second", "outputs"}
    assert {k: v for k, v in two.as_dict().items() if k not in drop} == {k: v for k, v in one.as_dict().items() if k not in drop}
    assert two.total == len(rows)


def test_the_review_rows_of_the_table_go_to_review():
    assert Labeler(str(MINI))(REVIEW).method == "unlabelled"


def test_jsonl_input_goes_the_same_way(tmp_path):
    rows = [("a", EFFUSION), ("b", REVIEW), ("a", PLAIN), ("c", "")]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"report_id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in rows)
                   + "not json\n", "utf-8")
    label_file(src, tmp_path / "one.jsonl", str(MINI), progress=False, chunk_size=2)
    label_file(src, tmp_path / "two.jsonl", str(MINI), jobs=2, progress=False, chunk_size=2)
    assert _outputs(tmp_path / "two") == _outputs(tmp_path / "one")


@pytest.mark.parametrize("stemmed", [False, True])
def test_the_parent_reads_the_packs_facts_without_compiling_it(stemmed):
    lab = Labeler(str(MINI), stemmed=stemmed)
    assert _pack_facts(None, str(MINI), stemmed) == (lab.finding_names, lab.version)


def _poison(rows, *args):  # a chunk whose labelling kills its worker, every time
    import os
    import signal

    if any(r.report_id == "poison" for r in rows):
        os.kill(os.getpid(), signal.SIGKILL)
    return _label_rows(rows, *args)


_label_rows = batch.label_rows


@pytest.mark.slow
def test_a_chunk_that_kills_its_worker_is_rejected_row_by_row_and_the_rest_routed(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "label_rows", _poison)
    rows = [(f"r{i}", EFFUSION) for i in range(12)] + [("poison", PLAIN), ("r0", PLAIN)] + [("z", REVIEW)]
    src = _write_csv(tmp_path / "in.csv", rows)
    s = label_file(src, tmp_path / "out.jsonl", str(MINI), jobs=2, progress=False, chunk_size=3)
    assert s.total == len(rows) and s.rejected_reasons == {"worker_died": 3}  # the poison's chunk: 3 rows
    with open(tmp_path / "out.rejected.csv", encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    assert [r["report_id"] for r in rejected] == ["poison", "r0", "z"]
    assert (tmp_path / "out.jsonl").read_text("utf-8").count("\n") == 12
