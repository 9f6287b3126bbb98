"""Spanish classes fixed in session 9 by es-e (issue 12, BIMCV radiologist's-eye golds): one parametrised table
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


# -- the reticular pattern named by a compound or a qualifier: the child, not the parent ---------------------------

@pytest.mark.parametrize("text", [
    "Engrosamiento reticular intersticial bibasal.",
    "Patrón reticulointersticial bilateral de predominio periférico.",
    "Afectación reticulo-intersticial en ambas bases.",
    "Opacidades en vidrio deslustrado y una afectación basal de apariencia más reticular.",
    "Afectación intersticial de aspecto reticular en lóbulos inferiores.",
    "Cambios reticulares intersticiales bibasales.",
    "Infiltrado intersticial reticular central peribroncovascular izquierdo.",
])
def test_reticular_compound_is_the_child(es: Labeler, text: str) -> None:
    found = _present(es, text)
    assert "reticular interstitial pattern" in found
    assert "interstitial pattern" not in found


# -- a misspelt adjective the pack knows inside one phrase is read alone too ---------------------------------------

@pytest.mark.parametrize("text", [
    "Discreto engrosamiento intesticial bibasal.",
    "Alteración difusa de la densidad de apariencia intesticial.",
    "Afectación intesticial bilateral.",
])
def test_misspelt_interstitial_alone(es: Labeler, text: str) -> None:
    assert "interstitial pattern" in _present(es, text)


# -- a repaired valve at its site --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, finding", [
    ("Esternotomía media. Valvuloplastia mitral.", "artificial mitral heart valve"),
    ("Anuloplastia mitral.", "artificial mitral heart valve"),
    ("Cambios postquirúrgicos de valvuloplastia aórtica.", "artificial aortic heart valve"),
])
def test_valve_repair_at_its_site(es: Labeler, text: str, finding: str) -> None:
    found = _present(es, text)
    assert finding in found
    assert "artificial heart valve" not in found


# -- the effusion's head noun left out of the second member ------------------------------------------------------

@pytest.mark.parametrize("text, present", [
    ("Derrame pleural bilateral de hasta 1,8 cm y pericárdico (0,8 cm).", True),
    ("Derrame pleural izquierdo y pericárdico leve.", True),
    ("Derrame pleural derecho así como pericárdico.", True),
    ("No derrame pleural ni pericárdico.", False),
    ("No se identifica derrame pleural o pericárdico.", False),
    ("Sin derrame pleural y pericárdico.", False),
])
def test_pericardial_effusion_by_ellipsis(es: Labeler, text: str, present: bool) -> None:
    assert ("pericardial effusion" in _present(es, text)) is present


# -- the study compared as a whole, in the plural ----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Hallazgos que impresionan similares al estudio del 30/03/2020.",
    "Hallazgos superponibles a la radiografía previa.",
    "Hallazgos radiológicos similares a los previos.",
])
def test_plural_similar_to_previous_is_unchanged(es: Labeler, text: str) -> None:
    assert _present(es, text).get("unchanged") == 1


# -- a descriptor inside a longer phrase read once a misspelling is corrected is that phrase's fragment ------------

@pytest.mark.parametrize("text, finding", [
    ("Opacidades alveoalres en campos inferiores.", "alveolar pattern"),
    ("Opacidades intersitciales periféricas bilaterales.", "interstitial pattern"),
    ("Opacidades alveloares bibasales.", "alveolar pattern"),
])
def test_descriptor_inside_a_corrected_phrase(es: Labeler, text: str, finding: str) -> None:
    found = _present(es, text)
    assert finding in found
    assert "increased density" not in found


# -- both patterns, or one, named through a connector: the patterns alone, no opacity beside them -----------------

@pytest.mark.parametrize("text, patterns", [
    ("Opacidades de tipo alveolointersticial bilaterales.", {"interstitial pattern", "alveolar pattern"}),
    ("Opacidades de características alveolares en LID.", {"alveolar pattern"}),
    ("Densidades de tipo alveolo intersticial en ambas bases.", {"interstitial pattern", "alveolar pattern"}),
])
def test_patterns_through_a_connector(es: Labeler, text: str, patterns: set[str]) -> None:
    found = _present(es, text)
    assert patterns <= set(found)
    assert "increased density" not in found


# -- nodules counted by a quantifier, or many by their CT distribution ---------------------------------------------

@pytest.mark.parametrize("text", [
    "Escasos nódulos aislados milimétricos en el vértice izquierdo.",
    "Diversos nódulos subpleurales en ambos lóbulos inferiores.",
    "Algunas opacidades nodulares en el LSI.",
    "Pequeños nódulos centrilobulillares en el lóbulo inferior izquierdo.",
    "Micronódulos centrilobulillares de distribución difusa.",
])
def test_counted_nodules_are_multiple(es: Labeler, text: str) -> None:
    found = _present(es, text)
    assert "multiple nodules" in found
    assert "nodule" not in found


# -- the azygos fissure named with its vein or as accessory -------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Cisura accesoria para la vena ácigos como variante anatómica.",
    "Cisura de la vena ázigos.",
    "Lóbulo de la vena ácigos, variante de la normalidad.",
    "Cisura accesoria de la ácigos.",
])
def test_azygos_fissure_with_its_vein(es: Labeler, text: str) -> None:
    assert "azygos lobe" in _present(es, text)


# -- a clause that opens or closes with a whole normal template beside the study's stability states it normal -------

@pytest.mark.parametrize("text, normal", [
    ("Estudio sin hallazgos de significación aparentes similar a previo del 27/03/2020.", True),
    ("Estudio sin hallazgos patológicos de interés y sin cambios significativos respecto a estudio previo.", True),
    ("Conclusión: estabilidad radiológica en paciente sin hallazgos radiológicos.", True),
    ("Rx de tórax sin alteraciones significativas similar a la previa.", True),
    # a finding beside it still wins; a stated change still follows a disease
    ("Estudio sin hallazgos de significación salvo derrame pleural derecho similar a previo.", False),
    ("Mejoría radiológica en paciente sin hallazgos radiológicos nuevos.", False),
])
def test_edge_template_beside_stability(es: Labeler, text: str, normal: bool) -> None:
    assert (_present(es, text).get("normal") == 1) is normal


# -- film quality without the film as subject, or in wordings the pack lacked --------------------------------------

@pytest.mark.parametrize("text", [
    "Rx en sedestación, muy rotada.",
    "Proyección AP, ligeramente rotado.",
    "Tórax en espiración.",
    "Placa realizada en espiración que dificulta la valoración.",
    "Tórax en decúbito, se compara con la previa.",
    "Estudio de baja fiabilidad diagnóstica.",
])
def test_film_quality_without_its_subject(es: Labeler, text: str) -> None:
    assert "suboptimal study" in _present(es, text)


# -- a central line whose tip is stated in the subclavian vein is the line by its subclavian route ------------------

@pytest.mark.parametrize("text, finding", [
    ("Vía con extremo distal en subclavia derecha.", "central venous catheter via subclavian vein"),
    ("Vía venosa central con extremo distal en subclavia izquierda.", "central venous catheter via subclavian vein"),
    ("Catéter venoso central con punta en la vena subclavia derecha.", "central venous catheter via subclavian vein"),
    ("Vía central con extremo en vena cava superior.", "central venous catheter"),
])
def test_line_tip_in_the_subclavian(es: Labeler, text: str, finding: str) -> None:
    assert finding in _present(es, text)


# -- "no clear X" / "X not evident" rules X out, as the radiologist reads it (a caveat, not a suspicion) ------------

@pytest.mark.parametrize("text, finding", [
    ("Engrosamiento de paredes bronquiales sin claros infiltrados alveolares.", "alveolar pattern"),
    ("Mejoría radiológica, no claros infiltrados en la exploración actual.", "infiltrates"),
    ("Sin clara consolidación en el momento actual.", "consolidation"),
    ("No evidente derrame pleural.", "pleural effusion"),
    ("No evidentes signos de derrame pleural.", "pleural effusion"),
])
def test_no_clear_finding_is_ruled_out(es: Labeler, text: str, finding: str) -> None:
    assert es(text).findings.get(finding) == 0
