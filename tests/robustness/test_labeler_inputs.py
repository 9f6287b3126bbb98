"""Bad inputs through ``rxlabel label``: exit status, message, and where every input row went."""

from __future__ import annotations

import csv
import json

import pytest

from rxlabel.labeler.orthography_vi import to_cp1258_bytes
from tests.robustness.conftest import read_csv, read_jsonl

VI_NORMAL = ("- Không thấy bất thường xương lồng ngực.\n- Không thấy hình tràn dịch, tràn khí màng phổi.\n"
             "- Hai phế trường sáng đều.\n- Bóng tim không to.")


def _write(path, rows, header=("report_id", "text"), encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _accounted(out, n_rows):
    """Every input row is in exactly one of: labels file, rejects file; review rows are labels rows too."""
    labels = read_jsonl(out)
    rejected = read_csv(out.with_name(out.stem + ".rejected.csv"))
    review = read_csv(out.with_name(out.stem + ".review.csv"))
    assert len(labels) + len(rejected) == n_rows
    assert {r["report_id"] for r in review} == {r["report_id"] for r in labels if r["method"] == "unlabelled"}
    return labels, rejected, review


def test_empty_file_is_refused_before_any_output(cli, tmp_path):
    src = tmp_path / "empty.csv"
    src.write_bytes(b"")
    res = cli("label", src, "-o", tmp_path / "out.jsonl", "--lang", "vi")
    assert res.exit_code == 1 and "empty" in res.output and str(src) in res.output
    assert not list(tmp_path.glob("out*"))


def test_header_only_file(cli, tmp_path):
    src = tmp_path / "h.csv"
    src.write_text("report_id,text\n", "utf-8")
    res = cli("label", src, "-o", tmp_path / "out.jsonl", "--lang", "vi")
    assert res.exit_code == 1 and "no rows" in res.output


def test_missing_text_column_names_the_columns_there_are(cli, tmp_path):
    src = _write(tmp_path / "r.csv", [["1", VI_NORMAL]], header=("id", "informe_body"))
    res = cli("label", src, "-o", tmp_path / "out.jsonl", "--lang", "vi")
    assert res.exit_code == 1 and "informe_body" in res.output and "--text-col" in res.output
    res = cli("label", src, "-o", tmp_path / "out.jsonl", "--lang", "vi", "--text-col", "nope")
    assert res.exit_code == 1 and "no column 'nope'" in res.output


def test_windows_1258_without_encoding_names_the_line_and_the_fix(cli, tmp_path):
    rows = [[str(i), "- Bóng tim to." if i == 3 else VI_NORMAL] for i in range(1, 6)]
    src = tmp_path / "cp1258.csv"  # a Windows export: the whole file in cp1258, row 1 plain ASCII
    body = "report_id,text\r\n0,normal\r\n" + "".join(f'{i},"{t}"\r\n' for i, t in rows)
    src.write_bytes(to_cp1258_bytes(body))
    out = tmp_path / "out.jsonl"
    res = cli("label", src, "-o", out, "--lang", "vi")
    assert res.exit_code == 1 and "not UTF-8" in res.output and "--encoding cp1258" in res.output
    assert "line 3 " in res.output  # the first row with a Vietnamese letter
    assert not out.exists()
    res = cli("label", src, "-o", out, "--lang", "vi", "--encoding", "cp1258")
    assert res.exit_code == 0, res.output
    labels = read_jsonl(out)
    assert [r["report_id"] for r in labels] == ["0", "1", "2", "3", "4", "5"]
    assert labels[3]["findings"] == {"cardiomegaly": 1}


def test_empty_blank_huge_and_duplicate_reports_each_land_somewhere(cli, tmp_path):
    huge = ("- Bóng tim to. " * 70_000)[:1_000_000]
    rows = [["a", VI_NORMAL], ["b", ""], ["c", "   "], ["d", huge], ["a", VI_NORMAL], ["", VI_NORMAL],
            ["e", "- Bong tim to."]]
    src = _write(tmp_path / "r.csv", rows)
    out = tmp_path / "out.jsonl"
    res = cli("label", src, "-o", out, "--lang", "vi", "--summary-json", tmp_path / "s.json")
    assert res.exit_code == 0, res.output
    labels, rejected, review = _accounted(out, len(rows))
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["total"] == len(rows)
    assert summary["template"] + summary["rule"] + summary["review"] + summary["rejected"] == len(rows)
    reasons = {r["report_id"] or f"row{r['row']}": r["reason"].split(":")[0] for r in rejected}
    assert reasons == {"a": "duplicate_id", "row6": "missing_id"}
    by_id = {r["report_id"]: r for r in labels}
    assert "empty" in by_id["b"]["review_reasons"] and "empty" in by_id["c"]["review_reasons"]
    assert by_id["d"]["method"] in ("unlabelled", "rule")  # a 1 MB report: labelled or sent to review, never lost
    # Typed without diacritics, one reading in the pack's vocabulary: restored and labelled (issue 12, class 8).
    assert by_id["e"]["method"] == "rule" and by_id["e"]["regions"]["cardio"] == 1
    assert f"total {len(rows):>8}" in res.output.replace("  ", " ") or str(len(rows)) in res.output


def test_jsonl_with_broken_lines_and_missing_fields(cli, tmp_path):
    src = tmp_path / "r.jsonl"
    src.write_text('{"report_id": "1", "text": "- Bóng tim to."}\n{"report_id": "2", "text": \n[1, 2]\n'
                   '{"report_id": "4", "body": "x"}\n', "utf-8")
    out = tmp_path / "out.jsonl"
    res = cli("label", src, "-o", out, "--lang", "vi")
    assert res.exit_code == 0, res.output
    labels, rejected, _ = _accounted(out, 4)
    assert [r["report_id"] for r in labels] == ["1"]
    assert sorted(r["reason"].split(":")[0] for r in rejected) == ["invalid_json", "invalid_json", "missing_text_field"]


def test_every_row_rejected_is_an_error_not_a_success(cli, tmp_path):
    src = _write(tmp_path / "r.csv", [["", VI_NORMAL], ["", VI_NORMAL]])
    res = cli("label", src, "-o", tmp_path / "o.jsonl", "--lang", "vi")
    assert res.exit_code == 1 and "all 2 rows were rejected" in res.output


@pytest.mark.parametrize("name", ["reports.xlsx", "reports"])
def test_unknown_file_type(cli, tmp_path, name):
    src = tmp_path / name
    src.write_text("x", "utf-8")
    res = cli("label", src, "-o", tmp_path / "o.jsonl", "--lang", "vi")
    assert res.exit_code == 1 and "unknown file type" in res.output


def test_stale_partial_from_a_killed_run_is_never_taken_for_output(cli, tmp_path):
    src = _write(tmp_path / "r.csv", [["1", VI_NORMAL], ["2", "- Bóng tim to."]])
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.partial").write_text('{"report_id": "stale", "method": "rule"', "utf-8")
    (tmp_path / "out.review.csv.partial").write_text("report_id,reasons\nstale,", "utf-8")
    res = cli("label", src, "-o", out, "--lang", "vi")
    assert res.exit_code == 0, res.output
    assert [r["report_id"] for r in read_jsonl(out)] == ["1", "2"]
    assert not list(tmp_path.glob("*.partial"))
