"""``rxlabel rules coverage`` and ``rxlabel rules test``: a hospital grows its pack from its own reports."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from rxlabel.cli import main
from rxlabel.labeler import load
from rxlabel.labeler.coverage import CasesError, coverage, load_cases, run_cases
from tests.conftest import SHARED

REPORTS = [
    "Derrame pleural derecho. Muy colaborador durante la prueba.",
    "Cardiomegalai. Muy colaborador durante la prueba.",
    "Sin hallazgos significativos.",
    "Muy colaborador durante la prueba.",
    "",
]


def test_coverage_ranks_what_the_pack_did_not_understand():
    cov = coverage(REPORTS, load("es"))
    rows = cov.rows()
    by = {(r["section"], r["item"]): r for r in rows}
    assert cov.reports == 5
    top = [r for r in rows if r["section"] == "unmatched_sentence"][0]
    assert top["item"] == "muy colaborador durante la prueba" and top["count"] == 3
    assert by[("unmatched_ngram", "muy colaborador")]["count"] == 3
    assert by[("correction", "cardiomegalai -> cardiomegalia")]["count"] == 1
    assert by[("review_reason", "no_match")]["count"] == 1 and by[("review_reason", "empty")]["count"] == 1
    assert by[("finding_hit", "pleural effusion=1")]["count"] == 1
    assert ("finding_never_hit", "pneumothorax") in by and ("finding_never_hit", "pleural effusion") not in by
    assert by[("template", "sin hallazgos significativos")]["count"] == 1


def test_rules_coverage_cli_writes_a_ranked_csv(tmp_path):
    corpus = tmp_path / "reports.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"r{i}", "text": t}) + "\n" for i, t in enumerate(REPORTS)),
                      encoding="utf-8")
    out = tmp_path / "coverage.csv"
    result = CliRunner().invoke(main, ["rules", "coverage", str(corpus), "--lang", "es", "-o", str(out), "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "== unmatched_sentence" in result.output and "5 reports" in result.output
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["section"] == "unmatched_sentence" and rows[0]["rank"] == "1"
    assert {r["section"] for r in rows} >= {"unmatched_ngram", "correction", "review_reason", "finding_never_hit"}


CASES = """\
cases:
  - id: effusion
    text: Derrame pleural derecho. No se observa neumotórax.
    findings: {pleural effusion: 1, pneumothorax: 0}
    regions: {pleura: 1}
  - id: normal
    text: Sin hallazgos significativos.
    findings: {normal: 1}
    absent: [cardiomegaly]
    method: template
  - id: wrong-on-purpose
    text: Cardiomegalia.
    findings: {pleural effusion: 1}
"""


def test_rules_test_is_a_pass_fail_table_with_exit_status(tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text(CASES, encoding="utf-8")
    results = run_cases(load_cases(path), load("es"))
    assert [r.passed for r in results] == [True, True, False]
    assert results[2].problems == ["pleural effusion: expected 1, got 0"]
    result = CliRunner().invoke(main, ["rules", "test", str(path), "--lang", "es"])
    assert result.exit_code == 1
    assert "FAIL    wrong-on-purpose" in result.output and "2 passed, 1 failed" in result.output
    path.write_text(CASES.split("  - id: wrong-on-purpose")[0], encoding="utf-8")
    assert CliRunner().invoke(main, ["rules", "test", str(path), "--lang", "es"]).exit_code == 0


@pytest.mark.parametrize("text, message", [
    ("cases: [", "YAML syntax error"),
    ("items: []", "expected a top-level 'cases:' list"),
    ("cases:\n  - {id: a}\n", "needs a 'text' string"),
    ("cases:\n  - {text: x, findings: {a: 2}}\n", "must map names to 1, 0 or -1"),
    ("cases:\n  - {text: x, expected: {}}\n", "unknown key(s) expected"),
])
def test_bad_case_files_say_where_and_what(tmp_path, text, message):
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CasesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_cases(path)


def test_unknown_finding_names_fail_the_case(tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text("cases:\n  - {text: Cardiomegalia., findings: {cardiomegalie: 1}}\n", encoding="utf-8")
    assert "unknown finding 'cardiomegalie'" in run_cases(load_cases(path), load("es"))[0].problems


BIMCV = SHARED / "es" / "bimcv_covid19" / "bimcv_covid19_reports_raw.jsonl"


@pytest.mark.slow
@pytest.mark.skipif(not BIMCV.exists(), reason="BIMCV reports are read from ../shared/data only")
def test_coverage_on_the_bimcv_reports():
    texts = [json.loads(line)["text"] for line in BIMCV.open(encoding="utf-8")]
    cov = coverage(texts, load("es"))
    assert cov.reports == 2465 and cov.sentences > 5000
    assert sum(cov.counts["review_reason"].values()) < 0.06 * cov.reports
