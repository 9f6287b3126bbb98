"""Named label sets (rxlabel.labeler.labelsets): a pack's output mapped to a target vocabulary."""

from __future__ import annotations

import shutil

import pytest

from rxlabel import labeler
from rxlabel.errors import RxlabelError
from rxlabel.labeler.labelsets import LabelSetError, apply_label_set, label_set_names, load_label_set
from rxlabel.labeler.pack import pack_dir


def test_the_spanish_pack_ships_padchest_gr():
    assert "padchest-gr" in label_set_names("es")


@pytest.mark.parametrize("text, default, grounded", [
    # PadChest labels comparison and differential diagnoses; PadChest-GR only grounded findings
    ("Derrame pleural derecho sin cambios respecto al previo.", {"pleural effusion", "unchanged"}, {"pleural effusion"}),
    ("Opacidades bilaterales sugestivas de infección por COVID-19.", {"increased density", "covid 19"},
     {"increased density"}),
    ("Infiltrado en LID en probable relación con proceso infeccioso.", {"infiltrates", "pneumonia"}, {"infiltrates"}),
    ("Signos de EPOC con atrapamiento aéreo.", {"copd signs", "air trapping"}, {"air trapping"}),
    ("Cardiomegalia.", {"cardiomegaly"}, {"cardiomegaly"}),
])
def test_padchest_gr_keeps_grounded_findings_only(text, default, grounded):
    findings = labeler.load("es")(text).findings
    assert {k for k, v in findings.items() if v} == default  # the default output is PadChest's
    mapped = apply_label_set(findings, load_label_set("es", "padchest-gr"))
    assert {k for k, v in mapped.items() if v} == grounded


def test_a_map_merges_statuses_present_first(tmp_path):
    folder = tmp_path / "es"
    shutil.copytree(pack_dir("es"), folder)
    (folder / "labelsets" / "coarse.yaml").write_text(
        "map: {laminar atelectasis: atelectasis, lobar atelectasis: atelectasis}\n", encoding="utf-8")
    coarse = load_label_set(folder, "coarse")
    assert apply_label_set({"laminar atelectasis": -1, "lobar atelectasis": 1}, coarse) == {"atelectasis": 1}
    assert apply_label_set({"laminar atelectasis": 0, "atelectasis": -1}, coarse) == {"atelectasis": -1}


@pytest.mark.parametrize("content, message", [
    ("drop: [not a label]\n", "labels not in the pack's findings.yaml: not a label"),
    ("map: {pneumonia: [x]}\nfoo: [\n", "not valid YAML"),
    ("drop: pneumonia\n", "'drop' must be a list of label names"),
    ("- a\n- b\n", "expected a mapping"),
])
def test_a_bad_label_set_says_what_is_wrong(tmp_path, content, message):
    folder = tmp_path / "es"
    shutil.copytree(pack_dir("es"), folder)
    (folder / "labelsets" / "bad.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(LabelSetError, match=message) as err:
        load_label_set(folder, "bad")
    assert isinstance(err.value, RxlabelError) and "bad.yaml" in str(err.value)


def test_an_unknown_label_set_names_the_available_ones():
    with pytest.raises(LabelSetError, match="available: .*padchest-gr"):
        load_label_set("es", "nope")


def _evaluate_cli(tmp_path, *extra):
    """`rxlabel evaluate` of the labeller's output on three reports against a grounded (PadChest-GR style) gold."""
    import json

    from click.testing import CliRunner

    from rxlabel.cli import main

    reports = tmp_path / "reports.csv"
    reports.write_text("report_id,text\n"
                       "a,Cardiomegalia sin cambios respecto al previo.\n"
                       "b,Derrame pleural derecho.\n"
                       "c,Infiltrado en LID en probable relación con proceso infeccioso.\n", encoding="utf-8")
    gold = tmp_path / "gold.csv"
    gold.write_text("report_id,cardiomegaly,pleural effusion,infiltrates\na,1,,\nb,,1,\nc,,,1\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(main, ["label", str(reports), "--lang", "es", "-o", str(tmp_path / "pred.jsonl"), "--quiet"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "eval.json"
    res = runner.invoke(main, ["evaluate", "--gold", str(gold), "--pred", str(tmp_path / "pred.jsonl"),
                               "--bootstrap", "0", "--json-out", str(out), *extra])
    assert res.exit_code == 0, res.output
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("extra, precision, classes_added", [
    ((), 1.0, set()),                                    # evaluate's classes: those in the gold
    (("--strict",), 3 / 5, {"unchanged", "pneumonia"}),  # labels the gold never uses count their false positives
    (("--strict", "--label-set", "padchest-gr"), 1.0, set()),  # read in PadChest-GR's vocabulary
])
def test_evaluate_strict_and_label_set(tmp_path, extra, precision, classes_added):
    result = _evaluate_cli(tmp_path, *extra)
    assert set(result["classes"]) - {"cardiomegaly", "pleural effusion", "infiltrates"} == classes_added
    assert result["micro"]["precision"] == pytest.approx(precision)


def test_evaluate_names_an_unknown_label_set(tmp_path):
    from click.testing import CliRunner

    from rxlabel.cli import main

    (tmp_path / "g.csv").write_text("report_id,cardiomegaly\na,1\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["evaluate", "--gold", str(tmp_path / "g.csv"), "--pred", str(tmp_path / "g.csv"),
                                    "--label-set", "nope"])
    assert res.exit_code != 0 and "nope" in res.output and "padchest-gr" in res.output
