"""Spanish classes fixed in session 8 by es-a (issue 12, BIMCV radiologist's-eye golds): one parametrised table
per class, cases written for the class (common Spanish radiology wording), each failing before its fix.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler
from rxlabel.labeler import Labeler


@pytest.fixture(scope="module")
def es() -> Labeler:
    return labeler.load("es")


def _present(es: Labeler, text: str) -> dict[str, int]:
    return {k: v for k, v in es(text).findings.items() if v}


# -- "ausencia" without "de" negates as "ausencia de" does -----------------------------------------------------

@pytest.mark.parametrize("text, finding", [
    ("Ausencia derrame pleural.", "pleural effusion"),
    ("Hallazgos: ausencia derrame pleural ni pericárdico.", "pleural effusion"),
    ("Ausencia neumotórax.", "pneumothorax"),
    ("Ausencia condensaciones pulmonares.", "consolidation"),
])
def test_ausencia_without_de_negates(es: Labeler, text: str, finding: str) -> None:
    assert finding not in _present(es, text)


# -- findings "no concluyentes para" a diagnosis rule it out --------------------------------------------------

@pytest.mark.parametrize("text, finding", [
    ("Hallazgos no concluyentes para neumonía vírica.", "viral pneumonia"),
    ("Hallazgos radiológicos no concluyentes para infección vírica.", "viral pneumonia"),
    ("Imagen no concluyente de neumonía.", "pneumonia"),
])
def test_not_conclusive_for_diagnosis(es: Labeler, text: str, finding: str) -> None:
    assert finding not in _present(es, text)


def test_not_conclusive_after_finding_still_hedges(es: Labeler) -> None:
    assert es("Infiltrado en base derecha no concluyente.").findings.get("infiltrates") == -1


# -- a haze ("veladura") is an increased density ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Veladura en base pulmonar derecha.",
    "- Veladura seno cardiofrénico izquierdo.",
    "Discreta veladura del hemitórax derecho.",
    "Veladuras basales bilaterales.",
])
def test_veladura_is_increased_density(es: Labeler, text: str) -> None:
    assert "increased density" in _present(es, text)


# -- an airspace consolidation is the consolidation, not the alveolar pattern ----------------------------------

@pytest.mark.parametrize("text", [
    "Consolidación del espacio aéreo en lóbulo inferior derecho.",
    "Consolidaciones del espacio aéreo bilaterales.",
    "Condensación del espacio alveolar en base izquierda.",
])
def test_airspace_consolidation(es: Labeler, text: str) -> None:
    found = _present(es, text)
    assert "consolidation" in found and "alveolar pattern" not in found


# -- the film's quality or penetration, adjective first, or a density blamed on the supine position ------------

@pytest.mark.parametrize("text", [
    "Estudio portátil con baja calidad, sin consolidaciones.",
    "La radiografía actual es de peor calidad que la previa.",
    "La Rx actual presenta menor penetración.",
    "Estudio con escasa penetración.",
    "Radiografía sobrepenetrada.",
    "Aumento de densidad del hemitórax derecho probablemente por el decúbito.",
])
def test_film_quality_adjective_first(es: Labeler, text: str) -> None:
    assert "suboptimal study" in _present(es, text)


def test_quality_of_life_is_no_film_quality(es: Labeler) -> None:
    assert "suboptimal study" not in _present(es, "Paciente con mala calidad de vida. Sin hallazgos.")
