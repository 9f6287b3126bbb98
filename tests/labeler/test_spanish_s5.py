"""Session 5, Spanish: classes that move the radiologist's-eye figures on BIMCV (issue 12).

One parametrised table per class; the cases are written for the class (common Spanish radiology wording),
not copied from the development or held-out reports. Each table failed before its fix.
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


# -- a report that states normality region by region, in wordings no template lists ----------------------
# Subjects (parénquima, campos pulmonares, silueta cardiaca, corazón y mediastino, senos costofrénicos,
# estructuras óseas, el estudio) x normal predicates (sin alteraciones / hallazgos / lesiones, no se
# aprecian ..., normal(es), de tamaño y morfología normales, libres) x modifiers (significativas, radiológicas,
# a reseñar, en la actualidad, y / ni): rules/es/normals.yaml. Naming only some regions still states normal.

@pytest.mark.parametrize("text", [
    "Campos pulmonares sin lesiones radiológicas apreciables.",
    "Pulmones sin hallazgos patológicos. Mediastino centrado.",
    "Corazón de tamaño normal. Parénquima pulmonar sin alteraciones relevantes.",
    "Silueta cardíaca y mediastino de morfología y tamaño normales.",
    "Hilios y silueta cardiaca normales. Ambos senos costofrénicos libres.",
    "No se observan alteraciones significativas en el parénquima pulmonar.",
    "No se identifican lesiones pleuroparenquimatosas.",
    "Sin hallazgos patológicos relevantes en la actualidad.",
    "No se aprecian hallazgos radiológicos de significación patológica.",
    "Exploración radiológica dentro de la normalidad.",
    "Estructuras óseas y partes blandas sin alteraciones. Pulmones bien aireados.",
    "Índice cardiotorácico dentro de límites normales. Senos costodiafragmáticos libres.",
    "No se observan lesiones pleurales ni alteraciones en los campos pulmonares.",
    "Sin focalidad pulmonar.",
])
def test_normal_stated_region_by_region(es, text):
    result = es(text)
    assert result.method == "template", (text, result.method, result.review_reasons)
    assert _present(result) == {"normal"}


@pytest.mark.parametrize("text, present", [
    # a finding beside a region's normal is labelled, not normal
    ("Parénquima pulmonar sin alteraciones. Derrame pleural izquierdo.", {"pleural effusion"}),
    ("Silueta cardiaca aumentada de tamaño. Campos pulmonares sin lesiones.", {"cardiomegaly"}),
    # follow-up wording names no normality
    ("Sin cambios respecto al estudio previo.", {"unchanged"}),
    ("Estabilidad radiológica.", {"unchanged"}),
])
def test_a_region_normal_does_not_hide_findings_or_follow_up(es, text, present):
    assert _present(es(text)) == present


# -- stability and a stated normal in one sentence (colon, comma) ----------------------------------------
# "Estabilidad radiológica: sin hallazgos significativos" states the study normal beside `unchanged`, as the
# two sentences "Estabilidad radiológica. Sin hallazgos significativos." already did.
NORMAL_AFTER_A_COLON = [
    "Estabilidad radiológica: sin alteraciones significativas.",
    "Comparado con el previo: sin hallazgos relevantes.",
    "Conclusión: sin cambios, sin hallazgos radiológicos.",
]

# -- a change word inside a technique line is no change of the study -------------------------------------
# "alta resolución" (HRCT) holds "resolución", a change word; read in an administrative sentence it blocked
# the normal of a report whose every finding is ruled out. A stated change still blocks it.
CHANGE_WORD_IN_TECHNIQUE = [
    "Se realiza TC de tórax de alta resolución.\nNo se observan adenopatías mediastínicas.\nNo se aprecian nódulos pulmonares.",
    "Se realiza estudio con protocolo de alta resolución:\nNo se identifican consolidaciones ni derrame pleural.",
]
STATED_CHANGE = ["Resolución de la consolidación del lóbulo inferior derecho."]

# -- film quality: rotation with a degree word, anatomy left out of the film ------------------------------
# A film that leaves out a costophrenic angle or the apices, or is rotated to any degree, is `suboptimal study`;
# a finding the previous film did not include is not this film's limit, nor an organ partly in a CT's field.
SUBOPTIMAL_FILM = [
    "Placa algo rotada. Sin hallazgos significativos.",
    "Radiografía ligeramente rotada, sin consolidaciones.",
    "Ángulo costofrénico izquierdo no incluido.",
    "Ápices pulmonares cortados. Parénquima pulmonar sin alteraciones.",
    "Base izquierda no incluida en la placa.",
    "Senos costofrénicos cortados en la proyección lateral.",
]
NO_FILM_LIMIT = [
    "Nódulo no incluido en el estudio previo, de nueva aparición.",
    "Abdomen superior parcialmente incluido en el estudio, sin alteraciones.",
]

# -- diagnoses: a hypothesis, an open form answer, the viral qualifier on other nouns -----------------------
# "si se sospecha X", "si existe sospecha clínica de X" (what the film cannot settle) and a form answer left with
# both options ("COVID-19: SI / NO") state no diagnosis; "proceso neumónico vírico", "foco infeccioso viral",
# "neumonía atípica/vírica" are `viral pneumonia`, not the general pneumonia.
HYPOTHESES = [
    ("Sin hallazgos. Si se sospecha neumonía por coronavirus, la radiografía puede ser normal al inicio.", "covid 19"),
    ("Si existe sospecha clínica de neumonía se recomienda TC.", "pneumonia"),
    ("En caso de sospecha de tuberculosis, completar estudio.", "tuberculosis"),
    ("Afectación compatible con COVID-19: SI / NO", "covid 19"),
]
# a pneumonic focus names the diagnosis beside the consolidation, as "infiltrado neumónico" already did
PNEUMONIC_FOCUS = [
    ("Foco neumónico en el lóbulo medio.", "pneumonia"),
    ("Opacidad basal derecha sugestiva de foco neumónico.", "pneumonia"),
]
# the patient's test result or admission written in the findings is history, not what the film shows
HISTORY_IN_FINDINGS = [
    ("Paciente COVID-19 positivo. Sin hallazgos significativos.", "covid 19"),
    ("Ingresada por coronavirus; se realiza radiografía de control.", "covid 19"),
    ("PCR de SARS-CoV-2 positiva hace dos semanas. Senos costofrénicos libres.", "covid 19"),
]
VIRAL_WORDING = [
    ("Opacidades parcheadas en relación con proceso neumónico vírico.", "viral pneumonia"),
    ("Infiltrado en língula, probable foco infeccioso viral.", "viral pneumonia"),
    ("Patrón intersticial sugestivo de neumonía atípica/vírica.", "viral pneumonia"),
    ("Afectación pulmonar de origen vírico.", "viral pneumonia"),
]

# -- a report form's letterhead and footer do not keep a stated normal from the report ---------------------
LETTERHEAD_NORMAL = [
    "F.estudio: 02/05/2020\nRX TÓRAX PA + LAT:\nSin hallazgos significativos.\nCastellón, 02/05/2020\nFRDO.:",
    "Se solicita informe desde el centro de salud.\nParénquima pulmonar sin alteraciones.",
]

# -- a stated change of one finding is no unchanged study --------------------------------------------------
# "X sin cambios" beside another finding that grew or is new ("aumento del tamaño del derrame", "no presente
# previamente") is a study that changed; "aumento del tamaño de la silueta cardiaca" is a finding, not a change.
PART_CHANGED = [
    "Consolidación basal derecha sin cambios. Aumento del tamaño del derrame pleural izquierdo.",
    "Nódulo pulmonar estable. Atelectasia laminar en língula, no presente en el estudio previo.",
    "Infiltrados bilaterales sin cambios significativos. Disminución del número de las opacidades derechas.",
]
STILL_UNCHANGED = [
    "Aumento del tamaño de la silueta cardiaca. Sin cambios respecto al estudio previo.",
    "Aumento de densidad en la base derecha, sin cambios respecto al previo.",
]

STATED = ([(t, "normal") for t in NORMAL_AFTER_A_COLON + CHANGE_WORD_IN_TECHNIQUE + LETTERHEAD_NORMAL]
          + [(t, "suboptimal study") for t in SUBOPTIMAL_FILM] + VIRAL_WORDING + PNEUMONIC_FOCUS
          + [(t, "unchanged") for t in STILL_UNCHANGED])
NOT_STATED = ([(t, "normal") for t in STATED_CHANGE] + [(t, "suboptimal study") for t in NO_FILM_LIMIT] + HYPOTHESES
              + HISTORY_IN_FINDINGS
              + [(t, "pneumonia") for t, _ in VIRAL_WORDING] + [(t, "unchanged") for t in PART_CHANGED])


@pytest.mark.parametrize("text, label", STATED)
def test_label_stated(es, text, label):
    assert label in _present(es(text)), text


@pytest.mark.parametrize("text, label", NOT_STATED)
def test_label_not_stated(es, text, label):
    assert label not in _present(es(text)), text
