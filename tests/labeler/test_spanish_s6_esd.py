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
