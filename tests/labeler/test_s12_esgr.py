"""Session 12, es-gr (issue 12): wording classes of PadChest-GR's once-seen sentences (bench/es_gr_novel.py)."""

import pytest

from rxlabel.labeler import Labeler


@pytest.fixture(scope="module")
def lab():
    return Labeler("es")


def present(found: dict) -> set[str]:
    return {k for k, v in found.items() if v}


# A size or shape word inside a finding's phrase, as "pequeño" is (pack.yaml inner_modifiers): the finding all the same.
SHAPED = [
    ("Imágenes redondeadas esclerosas en la cabeza humeral izquierda.", "sclerotic bone lesion"),
    ("Foco puntiforme escleroso en el sexto arco costal derecho.", "sclerotic bone lesion"),
    ("Lesión milimétrica esclerosa en la escápula derecha.", "sclerotic bone lesion"),
    ("Imagen ovalada blástica en el húmero derecho.", "blastic bone lesion"),
]


@pytest.mark.parametrize("text,label", SHAPED)
def test_size_or_shape_word_inside_a_phrase(lab, text, label):
    assert label in present(lab(text, "x").findings)


# A nodule whose calcification is stated after its site, size or count (findings `qualifiers`): the calcified
# granuloma, not the nodule and a calcified density beside it. An image of metal density is metal, not also the
# image's increased density ("imagen de densidad").
NOT_THE_PARTS = [
    ("Nódulo en el lóbulo superior izquierdo calcificado.", "calcified granuloma"),
    ("Varios nódulos en ambos vértices calcificados.", "calcified granuloma"),
    ("Múltiples nódulos calcificados en ambos hemitórax.", "calcified granuloma"),
    ("Nódulo subcentimétrico calcificado en la base derecha.", "calcified granuloma"),
    ("Imágenes de densidad metal en el tejido celular subcutáneo.", "metal"),
    ("Imagen de densidad metálica proyectada sobre la axila derecha.", "metal"),
]
PARTS = {"nodule", "multiple nodules", "calcified densities", "increased density"}


@pytest.mark.parametrize("text,label", NOT_THE_PARTS)
def test_one_label_not_its_parts(lab, text, label):
    found = present(lab(text, "x").findings)
    assert label in found
    assert not found & PARTS


# Guards: a calcification of something else stays that thing's, the nodule stays a nodule; a plain shaped image is no
# new finding.
GUARDS = [
    ("Nódulo en el lóbulo superior derecho. Aorta calcificada.", {"nodule"}, {"calcified granuloma"}),
    ("Nódulo pulmonar en LID y adenopatías hiliares calcificadas.", {"nodule", "calcified adenopathy"},
     {"calcified granuloma"}),
    ("Pequeño nódulo en el lóbulo superior izquierdo.", {"nodule"}, {"calcified granuloma", "calcified densities"}),
    ("Nódulo pulmonar calcificado en LSD.", {"calcified granuloma"}, {"nodule"}),
    ("Imagen esclerosa en la cabeza humeral derecha.", {"sclerotic bone lesion"}, set()),
    ("Imagen de densidad aumentada en la base derecha.", {"increased density"}, {"metal"}),
    ("Imágenes puntiformes de densidad metal en partes blandas.", {"metal"}, {"increased density"}),
    ("Fragmentos de densidad metálica en partes blandas del hombro.", {"metal"}, {"increased density"}),
]


@pytest.mark.parametrize("text,labels,absent", GUARDS)
def test_guards(lab, text, labels, absent):
    found = present(lab(text, "x").findings)
    assert labels <= found
    assert not found & absent
