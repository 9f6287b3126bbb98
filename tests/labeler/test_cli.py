"""The rxlabel command as a user runs it."""

import json

from click.testing import CliRunner

from rxlabel.cli import main
from tests.labeler.conftest import MINI
from tests.labeler.test_batch import _write_csv


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_help_lists_the_commands():
    out = run("--help").output
    for name in ("label", "review", "evaluate", "rules", "demo", "match", "index", "train"):
        assert name in out


def test_label_review_evaluate_end_to_end(tmp_path):
    src = _write_csv(tmp_path / "in.csv", [("a", "Derrame pleural."), ("b", "Paciente colaborador."), ("c", "Sin hallazgos significativos.")])
    res = run("label", src, "-o", tmp_path / "out.jsonl", "--lang", MINI, "--summary-json", tmp_path / "s.json")
    assert res.exit_code == 0, res.output
    assert "total               3  = 1 + 1 + 1 + 0" in res.output
    assert json.loads((tmp_path / "s.json").read_text())["review"] == 1
    res = run("review", "export", tmp_path / "out.jsonl", "--reports", src, "-o", tmp_path / "q.csv")
    assert "1 reports to review" in res.output
    (tmp_path / "gold.csv").write_text("report_id,pleural effusion,normal\na,1,\nb,,1\nc,,1\n")
    res = run("evaluate", "--gold", tmp_path / "gold.csv", "--pred", tmp_path / "out.jsonl", "--bootstrap", 50,
              "--json-out", tmp_path / "e.json")
    assert res.exit_code == 0 and "pleural effusion" in res.output
    assert json.loads((tmp_path / "e.json").read_text())["classes"]["pleural effusion"]["tp"] == 1


def test_errors_are_messages_not_tracebacks(tmp_path):
    res = CliRunner().invoke(main, ["label", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "o.jsonl")])
    assert res.exit_code != 0 and "no such file" in res.output
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "pack.yaml").write_text("lang: xx\ndiacritics: sometimes\n")
    res = CliRunner().invoke(main, ["rules", "check", str(bad)])
    assert res.exit_code != 0 and "pack.yaml" in res.output and "diacritics" in res.output


def test_all_rows_rejected_is_an_error(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("garbage\nmore garbage\n")
    res = CliRunner().invoke(main, ["label", str(path), "-o", str(tmp_path / "o.jsonl"), "--lang", str(MINI)])
    assert res.exit_code != 0 and "all 2 rows were rejected" in res.output


def test_rules_list_and_demo(tmp_path):
    assert "en:" in run("rules", "list").output
    res = run("demo", "--workdir", tmp_path, "--only", "samples")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "labels_en.jsonl").exists()
