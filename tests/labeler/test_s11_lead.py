"""Session 11, lead (issue 12, class 9 word sense): "nodular" alone describes a shape, not a nodule."""

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
