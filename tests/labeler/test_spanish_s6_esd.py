"""Session 6 (es-d), Spanish: engine classes of issue 12, round 2.

One parametrised table per class; the cases are written for the class (common Spanish radiology wording),
not copied from the development reports. Each table failed before its fix.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler
from rxlabel.labeler import Labeler


@pytest.fixture(scope="module")
def es() -> Labeler:
    return labeler.load("es")


def _present(result) -> set[str]:
    return {k for k, v in result.findings.items() if v}


# -- a general finding written as a conjunct of its own beside a more specific one (pack coordinators) -------

@pytest.mark.parametrize("text, both", [
    ("Infiltrados en ambos campos pulmonares y consolidación en língula.", ("infiltrates", "consolidation")),
    ("Infiltrados periféricos bilaterales y con consolidación en base izquierda.", ("infiltrates", "consolidation")),
    ("Infiltrado en lóbulo medio e infiltrado alveolar en base derecha.", ("infiltrates", "alveolar pattern")),
])
def test_general_conjunct_is_kept(es: Labeler, text: str, both: tuple[str, str]) -> None:
    found = _present(es(text))
    assert set(both) <= found, found


@pytest.mark.parametrize("text, kept, dropped", [
    # the general words are the specific finding's own phrase, or the coordinator joins sites, not findings
    ("Infiltrado alveolar en base derecha.", "alveolar pattern", "infiltrates"),
    ("Opacidades reticulares en base derecha y en língula, sin infiltrados de otro tipo.",
     "reticular interstitial pattern", "infiltrates"),
    ("Consolidación en base derecha que sugiere neumonía por COVID-19.", "covid 19", "pneumonia"),
])
def test_general_inside_specific_phrase_still_drops(es: Labeler, text: str, kept: str, dropped: str) -> None:
    found = _present(es(text))
    assert kept in found, found
    assert dropped not in found, found


# -- an ordinal list (pack inner_ordinals) or a vertebra level where a phrase expects the bone's name ----------

@pytest.mark.parametrize("text, label", [
    ("Hundimiento del 9º arco costal izquierdo.", "rib fracture"),
    ("Hundimiento de los 3º y 4º arcos costales derechos.", "rib fracture"),
    ("Hundimiento del octavo arco costal derecho.", "rib fracture"),
    ("Callo de fractura en 8º y 9º arcos costales derechos.", "callus rib fracture"),
    ("Alteración morfológica de 2º y 3º arcos costales derechos.", "thoracic cage deformation"),
    ("Aplastamiento de D11.", "vertebral fracture"),
    ("Hundimiento de la vértebra T8.", "vertebral fracture"),
    ("Aplastamiento del cuerpo vertebral de L1.", "vertebral fracture"),
    ("Fractura de D9.", "vertebral fracture"),
])
def test_numbered_bone_is_read(es: Labeler, text: str, label: str) -> None:
    assert label in _present(es(text))


@pytest.mark.parametrize("text, kept, dropped", [
    # a rib deformity the same sentence puts down to old fractures is their callus
    ("Alteración morfológica de 5º y 6º arcos costales izquierdos en relación con fracturas antiguas consolidadas.",
     "callus rib fracture", "thoracic cage deformation"),
])
def test_deformity_of_old_fractures_is_callus(es: Labeler, text: str, kept: str, dropped: str) -> None:
    found = _present(es(text))
    assert kept in found, found
    assert dropped not in found, found
