"""Whole-file labelling: formats, streaming, worker processes, and every row accounted for."""

import csv
import json
import sys

import pandas as pd
import pytest

from rxlabel.labeler.batch import label_file
from rxlabel.labeler.io import ReportInputError, read_records
from rxlabel.labeler.orthography_vi import to_cp1258_bytes
from tests.labeler.conftest import MINI

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

ROWS = [
    ("r1", "Derrame pleural derecho. No se observa neumotórax."),
    ("r2", "Sin hallazgos significativos."),
    ("r3", ""),
    ("r4", "Paciente colaborador."),
    ("r1", "Duplicado."),
    ("r5", "Derame pleural."),
    ("", "Sin id."),
    ("r6", "Cardiomegalia. " + "Paciente colaborador. " * 5000),
]


def _write_csv(path, rows=ROWS, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["report_id", "text"])
        w.writerows(rows)
    return path


def _rows(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_row_is_accounted_for(tmp_path):
    src = _write_csv(tmp_path / "in.csv")
    s = label_file(src, tmp_path / "out.jsonl", str(MINI), progress=False)
    assert s.total == len(ROWS)
    assert (s.template, s.rule, s.review, s.rejected) == (1, 1, 4, 2)
    records = list(read_records(tmp_path / "out.jsonl"))
    assert [r["report_id"] for r in records] == ["r1", "r2", "r3", "r4", "r5", "r6"]
    queue = _rows(tmp_path / "out.review.csv")
    assert {q["report_id"]: q["reasons"] for q in queue} == {
        "r3": "empty", "r4": "no_match", "r5": "fuzzy_only", "r6": "too_long"}
    assert "pleural effusion=1" in next(q for q in queue if q["report_id"] == "r5")["suggested_findings"]
    rejects = _rows(tmp_path / "out.rejected.csv")
    assert [r["reason"].split(":")[0] for r in rejects] == ["duplicate_id", "missing_id"]
    assert rejects[0]["text"] == "Duplicado." and rejects[0]["row"] == "5"
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl"])
def test_output_formats_round_trip(tmp_path, suffix):
    src = _write_csv(tmp_path / "in.csv", ROWS[:2])
    label_file(src, tmp_path / f"out{suffix}", str(MINI), progress=False)
    label_file(src, tmp_path / "ref.jsonl", str(MINI), progress=False)
    got = {r["report_id"]: (r["method"], r["findings"], r["regions"]) for r in read_records(tmp_path / f"out{suffix}")}
    ref = {r["report_id"]: (r["method"], r["findings"], r["regions"]) for r in read_records(tmp_path / "ref.jsonl")}
    assert got == ref


@pytest.mark.parametrize("suffix", [".tsv", ".jsonl", ".parquet"])
def test_input_formats(tmp_path, suffix):
    frame = pd.DataFrame({"id": ["a", "b"], "report": ["Cardiomegalia.", "Neumotórax."]})
    path = tmp_path / f"in{suffix}"
    if suffix == ".tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_parquet(path)
    s = label_file(path, tmp_path / "out.jsonl", str(MINI), progress=False)
    assert s.rule == 2
    assert [r["findings"] for r in read_records(tmp_path / "out.jsonl")] == [{"cardiomegaly": 1}, {"pneumothorax": 1}]


def test_worker_processes_give_identical_output(tmp_path):
    rows = [(f"id{i}", text) for i, (_, text) in enumerate(ROWS[:-1] * 30) if text]
    src = _write_csv(tmp_path / "in.csv", rows)
    label_file(src, tmp_path / "one.jsonl", str(MINI), progress=False, chunk_size=17)
    label_file(src, tmp_path / "two.jsonl", str(MINI), jobs=2, progress=False, chunk_size=17)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def test_label_file_freezes_the_heap_for_the_run_and_gives_it_back(tmp_path, monkeypatch):
    """The compiled pack is kept out of the collector's walks while a file is labelled (batch._frozen_heap),
    and a library caller's process is left as it was: nothing stays frozen, and a caller's own freeze holds."""
    import gc

    from rxlabel.labeler import batch

    src = _write_csv(tmp_path / "in.csv", ROWS[:2])
    seen = []
    real = batch.label_rows
    monkeypatch.setattr(batch, "label_rows", lambda rows, ev="compact": seen.append(gc.get_freeze_count()) or real(rows, ev))
    before = gc.get_freeze_count()
    label_file(src, tmp_path / "out.jsonl", str(MINI), progress=False)
    assert seen and seen[0] > 0 and gc.get_freeze_count() == before == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        label_file(src, tmp_path / "again.jsonl", str(MINI), progress=False)
        assert gc.get_freeze_count() > frozen // 2  # still frozen (a frozen object may be freed meanwhile)
    finally:
        gc.unfreeze()


def test_non_utf8_input_names_the_line_and_the_fix(tmp_path):
    src = _write_csv(tmp_path / "latin.csv", [("r1", "Cardiomegalia."), ("r2", "Neumotórax.")], encoding="latin-1")
    with pytest.raises(ReportInputError, match=r"line 3 is not UTF-8.*--encoding"):
        label_file(src, tmp_path / "out.jsonl", str(MINI), progress=False)
    s = label_file(src, tmp_path / "out.jsonl", str(MINI), encoding="latin-1", progress=False)
    assert s.rule == 2


def test_vietnamese_windows_1258_is_read_with_encoding(tmp_path):
    text = "Tràn dịch màng phổi phải."
    path = tmp_path / "vi.csv"
    path.write_bytes(b"report_id,text\nv1," + to_cp1258_bytes(text) + b"\n")
    from rxlabel.labeler.io import read_reports

    rows = [r for chunk in read_reports(path, encoding="cp1258") for r in chunk]
    assert rows[0].text == text  # cp1258's combining tones recomposed to NFC


def test_bad_files_give_clear_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ReportInputError, match="empty"):
        label_file(empty, tmp_path / "o.jsonl", str(MINI), progress=False)
    header_only = tmp_path / "header.csv"
    header_only.write_text("report_id,text\n")
    with pytest.raises(ReportInputError, match="no rows"):
        label_file(header_only, tmp_path / "o.jsonl", str(MINI), progress=False)
    wrong = _write_csv(tmp_path / "w.csv")
    with pytest.raises(ReportInputError, match="no column 'informe'.*report_id, text"):
        label_file(wrong, tmp_path / "o.jsonl", str(MINI), text_col="informe", progress=False)
    assert not (tmp_path / "o.jsonl").exists() and not list(tmp_path.glob("*.partial"))


def test_nan_text_and_invalid_json_lines_are_recorded(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "text": null}\nnot json\n{"id": "b", "text": "Neumotórax."}\n[1, 2]\n', encoding="utf-8")
    s = label_file(path, tmp_path / "o.jsonl", str(MINI), progress=False)
    assert s.total == 4 and s.review == 1 and s.rule == 1 and s.rejected == 2
    assert s.rejected_reasons == {"invalid_json": 2}


def test_summary_json_shape(tmp_path):
    src = _write_csv(tmp_path / "in.csv", ROWS[:3])
    d = label_file(src, tmp_path / "o.jsonl", str(MINI), progress=False).as_dict()
    assert d["total"] == d["template"] + d["rule"] + d["review"] + d["rejected"] == 3
    assert json.loads(json.dumps(d))["rules_version"].startswith("es-")


def test_windows_off_leaves_only_the_window_out_and_the_compact_line_unchanged():
    """``label(windows=False)`` (what ``rxlabel label`` asks for when it writes compact or none records) skips
    making each mention's window, which those formats drop: every other field, and the line, is the same."""
    from rxlabel.labeler import Labeler
    from rxlabel.labeler.io import record_line

    lab = Labeler(MINI)
    for _, text in ROWS[:2] + ROWS[5:6]:
        full, bare = lab.label(text, "r").to_dict(), lab.label(text, "r", windows=False).to_dict()
        assert full["evidence"] and all(e["window"] for e in full["evidence"] if e["match"] != "template")
        assert bare == {**full, "evidence": [e if e["match"] == "template" else {**e, "window": None}
                                             for e in full["evidence"]]}
        for mode in ("compact", "none"):
            assert record_line(bare, mode, lab.version) == record_line(full, mode, lab.version)
