"""Session 11, es-eye (issue 12): a seen descriptor keeps beside the reading a relative clause only hedges."""

import pytest

from rxlabel.labeler import Labeler


@pytest.fixture(scope="module")
def lab():
    return Labeler("es")


# A density seen, then a relative clause offering what it may be: the density is labelled as well as the reading.
HEDGED = [
    ("Aumento de densidad en base izquierda que sugiere consolidación.", "increased density", "consolidation"),
    ("Opacidad en lóbulo inferior derecho que podría corresponder a infiltrado.", "increased density", "infiltrates"),
    ("Aumento de densidad parahiliar que podría estar en relación con atelectasia.", "increased density", "atelectasis"),
]


@pytest.mark.parametrize("text,seen,reading", HEDGED)
def test_hedged_reading_keeps_seen_density(lab, text, seen, reading):
    found = lab(text, "x").findings
    assert found.get(seen) == 1
    assert found.get(reading) == -1


# Guards: an attribution stated plainly still makes the finding the label, and a negated reading adds nothing.
GUARDS = [
    ("Aumento de densidad en base izquierda sugestivo de consolidación.", "consolidation", "increased density"),
    ("Aumento de densidad en base derecha en relación con atelectasia.", "atelectasis", "increased density"),
]


@pytest.mark.parametrize("text,label,absent", GUARDS)
def test_plain_attribution_stays(lab, text, label, absent):
    found = lab(text, "x").findings
    assert found.get(label)
    assert absent not in found
