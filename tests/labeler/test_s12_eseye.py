"""Session 12, eseye (issue 12): wording classes of the BIMCV radiologist's-eye golds (docs/spanish.md, Session 12)."""

import pytest

from rxlabel.labeler import Labeler


@pytest.fixture(scope="module")
def lab():
    return Labeler("es")


# The material of a tracheostomy cannula is the device, not a separate metal object.
METAL_OF_DEVICE = [
    ("Cánula metálica de traqueostomía.", "tracheostomy tube"),
    ("Portador de cánula metálica de traqueostomía bien posicionada.", "tracheostomy tube"),
    ("Cánulas metálicas de traqueostomía.", "tracheostomy tube"),
]


@pytest.mark.parametrize("text,device", METAL_OF_DEVICE)
def test_metal_cannula_is_the_device(lab, text, device):
    found = lab(text, "x").findings
    assert found.get(device) == 1
    assert "metal" not in found


# A line's tip at the confluence of the brachiocephalic veins (where the superior vena cava begins) is a central
# venous catheter, not a catheter of unknown kind nor one in the jugular route.
CONFLUENCE = [
    "Extremo distal de catéter proyectado sobre confluencia de troncos braquiocefálicos.",
    "Catéter con extremo en la confluencia de las venas braquiocefálicas.",
    "Extremo distal de cateter proyectado sobre confluencia de tronco braquio-cefálicos.",
]


@pytest.mark.parametrize("text", CONFLUENCE)
def test_tip_at_brachiocephalic_confluence_is_central(lab, text):
    found = lab(text, "x").findings
    assert found.get("central venous catheter") == 1
    assert "catheter" not in found
    assert "central venous catheter via jugular vein" not in found


# COVID-19 written short ("CO19", "Co-19", "COVI", "Cov19"): the covid diagnosis, negated and hedged as usual.
COVID_SHORT = [
    ("Opacidades periféricas bilaterales típicas de CO19.", 1),
    ("Progresión de los infiltrados por Co-19.", 1),
    ("Hallazgos a favor de neumonía viral (COVI).", 1),
    ("Patrón intersticial bilateral sugestivo de Cov19.", -1),
    ("No se aprecian infiltrados típicos de Co19.", 0),
]


@pytest.mark.parametrize("text,status", COVID_SHORT)
def test_covid_written_short(lab, text, status):
    assert lab(text, "x").findings.get("covid 19") == status


# The thyroid grown, named by its half or its adjective: goiter (uncertain when hedged).
GOITER = [
    ("Leve crecimiento de hemitiroides derecho.", 1),
    ("Desviación traqueal, probablemente secundaria a crecimiento tiroideo.", -1),
    ("Hemitiroides izquierdo aumentado de tamaño.", 1),
    ("No se observa crecimiento tiroideo.", 0),
]


@pytest.mark.parametrize("text,status", GOITER)
def test_thyroid_growth_is_goiter(lab, text, status):
    assert lab(text, "x").findings.get("goiter") == status


# Guards: what must stay as it was.
GUARDS = [
    ("Puntos metálicos de esternotomía media.", {"metal", "sternotomy"}),  # PadChest-GR labels both
    ("Cuerpo extraño metálico en hemitórax derecho.", {"abnormal foreign body"}),
    ("Catéter con extremo en tronco braquiocefálico.", {"central venous catheter via jugular vein"}),
    ("Catéter con extremo distal en vena cava superior.", {"central venous catheter"}),
    ("Clips metálicos axilares.", {"suture material", "metal"}),
    ("Consolidación en LID por COVID-19.", {"consolidation", "covid 19"}),
    ("Índice cardiotorácico en el límite alto de la normalidad.", {"cardiomegaly"}),  # PadChest-GR labels it
    ("Atelectasia en lóbulo inferior izquierdo.", {"lobar atelectasis"}),  # PadChest-GR labels it lobar
]


@pytest.mark.parametrize("text,labels", GUARDS)
def test_guards(lab, text, labels):
    found = lab(text, "x").findings
    assert {k for k, v in found.items() if v} == labels
