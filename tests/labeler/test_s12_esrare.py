"""Session 12, es-rare (issue 12): wordings of long-tail findings no rule understood (rules/es/findings_s12_esrare.yaml)."""

import pytest

from rxlabel.labeler import Labeler


@pytest.fixture(scope="module")
def lab():
    return Labeler("es")


# (sentence, label it must give, label it must not give or None)
FOUND = [
    # a thyroid named as grown, its half or lobe named
    ("Crecimiento del hemitiroides izquierdo con desplazamiento traqueal.", "goiter", None),
    ("Glándula tiroidea multinodular.", "goiter", None),
    ("Desviación de la tráquea que podría deberse a crecimiento tiroideo.", "goiter", None),
    # the oesophagus (or a neo-oesophagus) named as widened
    ("Mega-esófago con contenido alimentario.", "esophagic dilatation", None),
    ("Neoesófago dilatado en mediastino posterior.", "esophagic dilatation", None),
    ("Neoesófago de calibre aumentado.", "esophagic dilatation", None),
    ("Aumento de calibre del esófago.", "esophagic dilatation", None),
    # the pulmonary trunk or arteries named as widened
    ("Tronco pulmonar de calibre aumentado.", "pulmonary artery enlargement", None),
    ("Arterias pulmonares principales aumentadas de calibre.", "pulmonary artery enlargement", None),
    # a mass or lesion by its pleural base, a size between
    ("Lesión de base pleural en el hemitórax izquierdo.", "pleural mass", "pulmonary mass"),
    ("Masa de base pleural en la pared lateral.", "pleural mass", "pulmonary mass"),
    ("Tumoración con amplia base de implantación pleural.", "pleural mass", "pulmonary mass"),
    # an external object
    ("Artefactos externos sobre el hemitórax derecho.", "external foreign body", None),
    ("Objeto externo proyectado sobre el vértice derecho.", "external foreign body", None),
    ("Cables externos superpuestos.", "external foreign body", None),
    # hilar enlargement named vascular by other words
    ("Ensanchamiento hiliar derecho de origen vascular.", "vascular hilar enlargement", "hilar enlargement"),
    ("Aumento hiliar bilateral vascular.", "vascular hilar enlargement", "hilar enlargement"),
    ("Prominencia de las estructuras vasculares hiliares.", "vascular hilar enlargement", None),
    # lymph nodes by their chest station
    ("Ganglios paratraqueales aumentados de tamaño.", "adenopathy", None),
    ("Se aprecian ganglios hiliares de aspecto reactivo.", "adenopathy", None),
    ("Imágenes ganglionares mediastínicas.", "adenopathy", None),
    # the ascending or descending aorta named as widened
    ("Aorta ascendente de calibre aumentado.", "ascendent aortic elongation", None),
    ("Aneurisma de aorta ascendente de 5 cm.", "ascendent aortic elongation", None),
    ("Aorta descendente ectásica.", "descendent aortic elongation", None),
    # an interstitium named as involved or thickened
    ("Afectación bilateral del intersticio.", "interstitial pattern", None),
    ("Intersticio peribroncovascular engrosado.", "interstitial pattern", None),
    # a bronchovascular pattern with a degree word between, or in two words
    ("Aumento generalizado de la trama bronquial.", "bronchovascular markings", None),
    ("Engrosamiento peri bronco vascular bilateral.", "bronchovascular markings", None),
    # widened upper-lobe vessels
    ("Aumento del calibre de los vasos en los lóbulos superiores.", "vascular redistribution", None),
    ("Vasos de los campos superiores dilatados.", "vascular redistribution", None),
    # inflammatory changes called chronic
    ("Lesión inflamatoria crónica en língula.", "chronic changes", None),
    ("Cambios de tipo inflamatorio crónico en ambas bases.", "chronic changes", None),
    # a raised hemidiaphragm said to be known or chronic before its name
    ("Elevación persistente del hemidiafragma izquierdo.", "hemidiaphragm elevation", None),
    # a fissure thickened with a shape word between
    ("Engrosamiento fino de la cisura horizontal.", "minor fissure thickening", None),
    ("Engrosamiento lineal de la cisura mayor izquierda.", "major fissure thickening", None),
    # sequelae after tuberculosis written with "post"
    ("Tractos post TBC en vértice izquierdo.", "tuberculosis sequelae", "tuberculosis"),
    ("Lesiones pos TBC en ambos vértices.", "tuberculosis sequelae", "tuberculosis"),
    # a nodule qualified as calcified after its sites
    ("Nódulo en língula calcificado.", "calcified granuloma", "nodule"),
    ("Varios nódulos en ambos campos superiores calcificados.", "calcified granuloma", "multiple nodules"),
    # both lungs called low in volume with the noun first, a chest widened front to back
    ("Reducción de los volúmenes pulmonares.", "hypoexpansion", None),
    ("Incremento del diámetro anteroposterior torácico.", "hyperinflated lung", None),
    # a sclerotic focus with a shape word between
    ("Focos puntiformes escleróticos en la cabeza humeral.", "sclerotic bone lesion", None),
]


@pytest.mark.parametrize("text,label,absent", FOUND)
def test_long_tail_wording(lab, text, label, absent):
    found = lab(text, "x").findings
    assert found.get(label), found
    if absent:
        assert absent not in found, found


# Guards (labels given, present or uncertain): the same words where they name no finding (normal size, negated, motion artefact, brain or abdomen,
# the clinical request) and sentences already labelled as they were.
GUARDS = [
    ("Tiroides de tamaño normal.", {}),
    ("Ganglios mediastínicos de 8 mm de eje corto.", {}),
    ("Stent coronario.", {"surgery heart": 1}),
    ("Superposición de partes blandas.", {}),
    ("Cardiomegalia. No se aprecia afectación del intersticio.", {"cardiomegaly": 1}),
    ("Tuberculosis pulmonar activa.", {"tuberculosis": 1}),
    ("Nódulo en língula.", {"nodule": 1}),
    # a degree word a phrase does not list is still skipped where the new phrases open with the same words
    ("Engrosamiento difuso de la pleura.", {"pleural thickening": 1}),
    ("Engrosamiento discreto de la cisura menor.", {"minor fissure thickening": 1}),
    ("Aorta descendente ligeramente tortuosa.", {"descendent aortic elongation": 1}),
    ("Disminución del volumen pulmonar derecho.", {"volume loss": 1}),
    ("Cardiomegalia. No se observan ganglios mediastínicos aumentados de tamaño.", {"cardiomegaly": 1}),
    ("Ganglios hiliares de tamaño normal.", {}),
    ("Hematoma en ganglios de la base.", {}),
    ("Estudio artefactado por movimientos respiratorios.", {"suboptimal study": 1}),
    ("Tronco de la arteria pulmonar de calibre normal.", {}),
    ("Sonda nasogástrica en esófago distal.", {"nsg tube": 1}),
    ("Masa pulmonar en lóbulo superior derecho.", {"pulmonary mass": 1}),
    ("Hilios prominentes.", {"hilar enlargement": 1}),
    ("Hilios prominentes de aspecto vascular.", {"vascular hilar enlargement": 1}),
    ("Aumento de tamaño del tiroides.", {"goiter": 1}),
    ("Dilatación del tronco de la arteria pulmonar.", {"pulmonary artery enlargement": 1}),
    ("Motivo de consulta: crecimiento tiroideo.\n\nHallazgos:\nSin alteraciones.", {"normal": 1}),
]


@pytest.mark.parametrize("text,expected", GUARDS)
def test_guards(lab, text, expected):
    found = {k: v for k, v in lab(text, "x").findings.items() if v}
    assert found == expected
