import shutil

import pytest

from rxlabel.labeler import Labeler, RulePackError, load_pack
from rxlabel.labeler.pack import available_packs
from tests.labeler.conftest import MINI


def _copy(tmp_path):
    target = tmp_path / "pack"
    shutil.copytree(MINI, target)
    return target


def test_installed_packs_load_and_have_versions():
    assert "en" in available_packs()
    pack = load_pack("en")
    assert pack.version.startswith("en-") and len(pack.version) == 15
    assert "pleural effusion" in pack.findings


def test_version_changes_when_a_phrase_is_added(tmp_path):
    folder = _copy(tmp_path)
    before = load_pack(folder).version
    (folder / "findings_hospital.yaml").write_text(
        "findings:\n  - name: pneumothorax\n    region: pleura\n    phrases: [neumotorax a tension]\n", encoding="utf-8")
    after = load_pack(folder)
    assert after.version != before
    assert "neumotorax a tension" in after.findings["pneumothorax"].phrases


def test_errors_name_file_line_and_fix(tmp_path):
    folder = _copy(tmp_path)
    (folder / "extra.yaml").write_text(
        "findings:\n"
        "  - name: nodule\n"
        "    region: lungs\n"           # line 3 mapping starts at line 2
        "    phrases: [nodulo]\n"
        "cues:\n"
        "  - cue: quizas\n"
        "    category: maybe\n"
        "    direction: sideways\n", encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        load_pack(folder)
    messages = "\n".join(err.value.errors)
    assert "extra.yaml:2: finding 'nodule' has region 'lungs'" in messages
    assert "extra.yaml:6: cue 'quizas' has category 'maybe'" in messages
    assert "direction 'sideways'" in messages


def test_yaml_syntax_error_has_line(tmp_path):
    folder = _copy(tmp_path)
    (folder / "broken.yaml").write_text("findings:\n  - name: x\n    phrases: [a, b\n", encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        load_pack(folder)
    assert any("broken.yaml:" in e and "YAML syntax error" in e for e in err.value.errors)


def test_one_phrase_may_name_several_findings(tmp_path):
    folder = _copy(tmp_path)
    (folder / "multi.yaml").write_text(
        "findings:\n  - name: kyphosis\n    region: chest_wall\n    phrases: [cifoescoliosis]\n"
        "  - name: scoliosis\n    region: chest_wall\n    phrases: [cifoescoliosis]\n", encoding="utf-8")
    assert Labeler(folder)("No se observa cifoescoliosis.").findings == {"kyphosis": 0, "scoliosis": 0, "normal": 1}


def test_phrase_both_present_and_absent_is_rejected(tmp_path):
    folder = _copy(tmp_path)
    (folder / "dup.yaml").write_text("findings:\n  - name: cardiomegaly\n    region: cardio\n"
                                     "    negative_phrases: [cardiomegalia]\n", encoding="utf-8")
    with pytest.raises(RulePackError, match="both present and absent"):
        Labeler(folder)


def test_unknown_language_lists_installed_packs():
    with pytest.raises(RulePackError, match="installed packs: .*en"):
        load_pack("xx")


def test_compact_variant_syntax_expands(tmp_path):
    from rxlabel.labeler.compiled import expand_phrase

    assert expand_phrase("derrame(s|) pleural(es|)") == ["derrames pleurales", "derrames pleural", "derrame pleurales",
                                                         "derrame pleural"]
    folder = _copy(tmp_path)
    (folder / "extra.yaml").write_text(
        "findings:\n  - name: suboptimal study\n    region: none\n    abnormal: false\n"
        "    phrases: ['(radiografía|rx|placa) (rotada|subóptima)']\n", encoding="utf-8")
    lab = Labeler(folder)
    assert lab("Placa rotada.").findings.get("suboptimal study") == 1
    assert lab("Rx subóptima.").findings.get("suboptimal study") == 1
