"""Issue 13 class 15 (the variant syntax is validated strictly; every shipped pack passes) and class 17 for rule
packs (a control character or a non-numeric setting is a file:line message, not a traceback)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rxlabel.labeler.compiled import phrase_syntax_error
from rxlabel.labeler.pack import available_packs, pack_dir

SHIPPED = available_packs()


@pytest.mark.parametrize("lang", SHIPPED)
def test_class15_every_shipped_pack_passes_the_strict_check(cli, lang):
    res = cli("rules", "check", lang)
    assert res.exit_code == 0 and res.output.strip().endswith("OK"), res.output


@pytest.mark.parametrize("phrase,why", [
    ("(rx|estudio) (realizad{a|o)|} en inspiración", "round brackets only"),
    ("derrame(s| pleural", "open"),
    ("derrame) pleural", "never opened"),
    ("derrame|derrames pleural", "outside brackets"),
    ("[derrame] pleural", "round brackets only"),
    ("derrame () pleural", "empty group"),
    ("derrame\u200b pleural", "control character"),
    ("derrame\x07 pleural", "control character"),
])
def test_class15_malformed_variants_are_errors(phrase, why):
    assert why in (phrase_syntax_error(phrase) or "")


@pytest.mark.parametrize("phrase", ["derrame(s|) pleural(es|)", "(a|b) (c|(d|e) f)", "(única)", "{*} derrame"])
def test_class15_well_formed_variants_pass(phrase):
    assert phrase_syntax_error(phrase) is None


def _pack_with(tmp_path: Path, lang: str, old: str, new: str, file: str = "findings.yaml") -> Path:
    folder = tmp_path / lang
    shutil.copytree(pack_dir(lang), folder)
    text = (folder / file).read_text("utf-8")
    assert old in text
    (folder / file).write_text(text.replace(old, new, 1), "utf-8")
    return folder


@pytest.mark.parametrize("file,old,new,expect", [
    ("findings.yaml", "(realizada|realizado|) en inspiración", "(realizad{a|o)|} en inspiración", "findings.yaml:"),
    ("findings.yaml", "(sobreexpuesta|sobrexpuesta|subexpuesta)", "(sobreexpuesta|sobre\u0007xpuesta)", "U+0007"),
    ("pack.yaml", "min_score: 90", "min_score: noventa", "fuzzy.min_score"),
])
def test_class15_17_a_broken_pack_names_file_line_and_fix(cli, tmp_path, file, old, new, expect):
    if file == "pack.yaml" and "min_score: 90" not in (pack_dir("es") / "pack.yaml").read_text("utf-8"):
        old, new = "fuzzy:", "fuzzy:\n  min_score: noventa"
    folder = _pack_with(tmp_path, "es", old, new, file)
    res = cli("rules", "check", folder)
    assert res.exit_code == 1 and "Traceback" not in res.output and expect in res.output, res.output
    src = tmp_path / "r.csv"
    src.write_text("report_id,text\n1,Cardiomegalia.\n", "utf-8")
    res = cli("label", src, "-o", tmp_path / "o.jsonl", "--lang", folder)
    assert res.exit_code == 1 and expect in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o.jsonl").exists()
