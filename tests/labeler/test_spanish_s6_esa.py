"""Spanish classes fixed in session 6 by es-a (issue 12, BIMCV radiologist's-eye golds): one parametrised table
per class. Cases are written for the class (common Spanish radiology wording), not copied from the dev data;
each table failed before its fix.
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


# -- a denied finding also denies the diagnosis its hedge would suggest, whichever negation cue reaches it --------

@pytest.mark.parametrize("text, diagnosis", [
    ("Hallazgos: No identifico imágenes de condensación pulmonar sugestivas de neumonía.", "pneumonia"),
    ("Hallazgos: No identfico opacidades pulmonares sugestivas de neumonía.", "pneumonia"),
    ("Hallazgos: No veo infiltrados que sugieran infección por COVID-19.", "covid 19"),
    ("Hallazgos: Ausencia de imágenes de consolidación parenquimatosa sugestivas de neumonía.", "pneumonia"),
    ("Hallazgos: No encuentro opacidades compatibles con neumonía vírica.", "viral pneumonia"),
])
def test_a_denied_finding_denies_its_suggested_diagnosis(es, text, diagnosis):
    found = _present(es, text)
    assert diagnosis not in found, es(text).findings


@pytest.mark.parametrize("text, diagnosis", [
    ("Hallazgos: No derrame pleural. Consolidación basal derecha sugestiva de neumonía.", "pneumonia"),
    ("Hallazgos: Sin derrame pleural. Opacidades periféricas bilaterales sugestivas de COVID-19.", "covid 19"),
])
def test_a_finding_after_the_denial_keeps_its_diagnosis(es, text, diagnosis):
    assert _present(es, text).get(diagnosis) == -1, es(text).findings


# -- a corrected or voided report: the annex that voids what came before is read alone ----------------------------

_FIRST = ("INFORME ORIGINAL: 1001 FECHA: 2020-04-01\n\nHallazgos:\nDerrame pleural derecho. Cardiomegalia.\n\n"
          "ANEXO: 1002 FECHA: 2020-04-01\n\n")


@pytest.mark.parametrize("void", [
    "Este informe anula al anterior.",
    "Se anula el informe anterior.",
    "El informe anterior corresponde a otro paciente. El informe correcto es el siguiente:",
    "El informe previo no corresponde a este paciente.",
    "Este anexo sustituye al informe original.",
    "NUEVO INFORME",
    "Se crea anexo por error en el informe.",
])
def test_a_voided_report_is_read_from_its_correction(es, void):
    text = _FIRST + void + "\n\nHallazgos:\nConsolidación en lóbulo inferior izquierdo."
    found = _present(es, text)
    assert "consolidation" in found and "pleural effusion" not in found and "cardiomegaly" not in found, found


@pytest.mark.parametrize("text", [
    _FIRST + "Se añade: consolidación en lóbulo inferior izquierdo.",
    _FIRST + "ADENDA: se compara con estudio previo; consolidación en lóbulo inferior izquierdo.",
])
def test_an_annex_that_adds_keeps_the_first_report(es, text):
    found = _present(es, text)
    assert {"consolidation", "pleural effusion", "cardiomegaly"} <= set(found), found


def test_a_report_voided_with_nothing_after_goes_to_review(es):
    result = es(_FIRST + "ESTE INFORME NO CORRESPONDE A ESTA PRUEBA.")
    assert result.method == "unlabelled" and not {k for k, v in result.findings.items() if v}, result.findings


# -- a negation inside a closed aside denies no change stated after it ---------------------------------------------

@pytest.mark.parametrize("text", [
    "Hallazgos: Opacidades en el lóbulo superior derecho (sin cambios) y en la base izquierda, que han aumentado.\n"
    "Sin otros cambios.",
    "Hallazgos: Consolidación basal derecha (no visible en la previa de ayer) y derrame izquierdo que ha disminuido.\n"
    "Sin cambios significativos en el resto.",
    "Hallazgos: Infiltrados bilaterales (sin grandes cambios en el derecho), con empeoramiento en el izquierdo.\n"
    "Sin otros cambios significativos.",
])
def test_a_negated_aside_does_not_deny_a_stated_change(es, text):
    found = _present(es, text)
    assert "unchanged" not in found, es(text).findings


# -- a negation of the findings before a comparison does not deny the comparison -----------------------------------

@pytest.mark.parametrize("text", [
    "Hallazgos: No se observan condensaciones pulmonares, sin variaciones significativas respecto a la previa.",
    "Hallazgos: Sin derrame pleural ni neumotórax, estudio superponible al previo.",
    "Hallazgos: No se identifican infiltrados, hallazgos similares a estudio previo.",
])
def test_a_negation_before_a_comparison_does_not_deny_it(es, text):
    assert _present(es, text).get("unchanged") == 1, es(text).findings


@pytest.mark.parametrize("text", [
    "Hallazgos: No se observan cambios significativos respecto a la previa.",
    "Hallazgos: Sin cambios respecto a estudio previo.",
])
def test_a_comparison_phrase_with_its_own_negation_is_unchanged(es, text):
    assert _present(es, text).get("unchanged") == 1, es(text).findings


# -- a heart or mediastinum enlarged by the technique is no finding ------------------------------------------------

@pytest.mark.parametrize("text, finding", [
    ("Hallazgos: Silueta cardíaca aumentada por la proyección AP.", "cardiomegaly"),
    ("Hallazgos: Silueta cardiomediastínica magnificada debido a la técnica portátil.", "cardiomegaly"),
    ("Hallazgos: Índice cardiotorácico aumentado por la rotación del paciente.", "cardiomegaly"),
    ("Hallazgos: Mediastino ensanchado por la rotación.", "mediastinal enlargement"),
])
def test_an_enlargement_explained_by_the_technique(es, text, finding):
    assert finding not in _present(es, text), es(text).findings


@pytest.mark.parametrize("text, finding", [
    ("Hallazgos: Silueta cardíaca aumentada.", "cardiomegaly"),
    ("Hallazgos: Mediastino ensanchado por adenopatías.", "mediastinal enlargement"),
])
def test_an_enlargement_for_another_cause_stays(es, text, finding):
    assert _present(es, text).get(finding) == 1, es(text).findings


# -- the abdominal part of a thoraco-abdominal CT gives no chest label ---------------------------------------------

@pytest.mark.parametrize("header", ["ABDOMEN:", "TC de abdomen y pelvis:", "TC abdominal:", "Abdomen y pelvis:"])
def test_the_abdominal_section_of_a_ct_is_not_labelled(es, header):
    text = ("TC de tórax:\nOpacidades en vidrio deslustrado periféricas bilaterales.\n\n" + header + "\n"
            "Ateromatosis aórtica calcificada. Material de osteosíntesis en cadera derecha. Adenopatías retroperitoneales.")
    found = _present(es, text)
    assert "ground glass pattern" in found, found
    assert not {"aortic atheromatosis", "osteosynthesis material", "adenopathy"} & set(found), found


# -- a resolution qualified as apparent / practical / near-complete is still a resolution --------------------------

@pytest.mark.parametrize("text, finding", [
    ("Hallazgos: Resolución aparente de las opacidades basales derechas.", "increased density"),
    ("Hallazgos: Aparente resolución de los infiltrados periféricos.", "infiltrates"),
    ("Hallazgos: Práctica resolución de la consolidación del lóbulo inferior izquierdo.", "consolidation"),
    ("Hallazgos: Resolución casi completa del derrame pleural derecho.", "pleural effusion"),
])
def test_a_qualified_resolution_rules_the_finding_out(es, text, finding):
    assert finding not in _present(es, text), es(text).findings


# -- fluid in a named fissure is a loculated fissural effusion -----------------------------------------------------

@pytest.mark.parametrize("text", [
    "Hallazgos: Líquido en cisura menor.",
    "Hallazgos: Pequeña cantidad de líquido en la cisura mayor derecha.",
    "Hallazgos: Derrame alojado en la cisura horizontal.",
])
def test_fluid_in_a_named_fissure(es, text):
    assert _present(es, text).get("loculated fissural effusion") == 1, es(text).findings


# -- an occupied costophrenic sinus with its side between is an effusion -------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Hallazgos: Seno costofrénico izquierdo ocupado.", 1),
    ("Hallazgos: Ángulo costofrénico derecho ocupado, izquierdo libre.", 1),
    ("Hallazgos: Seno costofrénico izquierdo libre.", None),
])
def test_an_occupied_sinus_with_its_side(es, text, expected):
    assert _present(es, text).get("pleural effusion") == expected, es(text).findings


# -- the flow inverted to the upper lobes is vascular redistribution -----------------------------------------------

@pytest.mark.parametrize("text", [
    "Hallazgos: Hilios prominentes con cierto grado de inversión del flujo.",
    "Hallazgos: Inversión de la vascularización pulmonar.",
])
def test_an_inverted_flow_is_redistribution(es, text):
    assert _present(es, text).get("vascular redistribution") == 1, es(text).findings


# -- oedema of the soft tissues is no lung oedema -----------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Hallazgos: Edema de la grasa axilar derecha.", None),
    ("Hallazgos: Edema de partes blandas de la pared torácica izquierda.", None),
    ("Hallazgos: Edema pulmonar bilateral.", 1),
])
def test_soft_tissue_oedema_is_not_lung_oedema(es, text, expected):
    assert _present(es, text).get("pulmonary edema") == expected, es(text).findings
