"""Session 11, lead (issue 12, class 9 word sense): "nodular" alone is a shape, not a nodule; "xơ" of a vessel is not a fibrotic band."""

import pytest

from rxlabel.labeler import Labeler


@pytest.fixture(scope="module")
def lab():
    return Labeler("es")


# The adjective on a pattern or a consolidation: no nodule (the pattern or consolidation is the label).
SHAPE = [
    "Consolidación nodular en lóbulo superior izquierdo.",
    "Condensaciones en ambas bases con un patrón nodular confluente.",
]


@pytest.mark.parametrize("text", SHAPE)
def test_nodular_shape_is_not_a_nodule(lab, text):
    assert "nodule" not in lab(text, "x").findings


# Guards: a nodule's own words still name one (PadChest labels "imagen nodular" a nodule).
NODULE = [
    "Imagen nodular en lóbulo superior derecho.",
    "Imagen densa de morfología nodular en el lóbulo inferior derecho.",
    "Nódulo pulmonar solitario en el lóbulo superior derecho.",
    "Opacidad de aspecto nodular en el vértice izquierdo.",
]


@pytest.mark.parametrize("text", NODULE)
def test_nodule_words_still_name_a_nodule(lab, text):
    assert lab(text, "x").findings.get("nodule") == 1


@pytest.fixture(scope="module")
def vi():
    return Labeler("vi")


# Class 9 in Vietnamese: "xơ" opening a vascular term is the vessel's disease (cardio), not a fibrotic band (parenchyma).
VESSEL = [
    ("Kết luận: Xơ giãn động mạch chủ.", "aortic elongation"),
    ("Ket luan: Xo gian dong mach chu.", "aortic elongation"),
    ("Kết luận: Xơ cứng động mạch chủ ngực.", "aortic atheromatosis"),
]


@pytest.mark.parametrize("text,finding", VESSEL)
def test_vascular_xo_is_not_a_fibrotic_band(vi, text, finding):
    result = vi(text, "x")
    assert result.findings.get(finding) == 1
    assert "fibrotic band" not in result.findings and result.regions["parenchyma"] == 0


@pytest.mark.parametrize("text", ["Dải xơ đỉnh phổi phải.", "Xơ đỉnh phổi phải."])
def test_lung_xo_is_still_a_fibrotic_band(vi, text):
    assert vi(text, "x").findings.get("fibrotic band") == 1


# Class 3 inside a sentence: a finding named as history is not this film's finding.
@pytest.mark.parametrize("text,finding", [
    ("Kết luận: Phổi bình thường. (Bệnh nhân có tiền sử viêm phổi năm ngoái, đề nghị khám lại nếu sốt)", "pneumonia"),
    ("Ket luan: Hien tai phoi binh thuong. (Benh nhan co tien su viem phoi nam ngoai)", "pneumonia"),
    ("Hai phổi sáng. Bệnh nhân có tiền căn lao phổi đã điều trị.", "tuberculosis"),
])
def test_history_in_a_sentence_is_not_a_finding(vi, text, finding):
    assert vi(text, "x").findings.get(finding) != 1


# Class 7: the costophrenic recess named as a pouch ("túi cùng sườn hoành") is a pleura subject, normal or blunted.
@pytest.mark.parametrize("text,pleura", [
    ("c) Màng phổi: Túi cùng sườn hoành hai bên sáng.", 0),
    ("Hai túi cùng sườn hoành nhọn.", 0),
    ("Túi cùng sườn hoành phải tù.", 1),
    ("Mờ túi cùng sườn hoành trái.", 1),
])
def test_costophrenic_pouch(vi, text, pleura):
    result = vi(text, "x")
    assert result.method in ("template", "rule") and result.regions["pleura"] == pleura
