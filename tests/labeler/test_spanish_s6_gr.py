"""Session 6, Spanish (es-b): PadChest-GR wording the rules were not written from (issue 12, novel sentences).

One parametrised table per class (rules/es/findings_s6_esb.yaml, pack.yaml title_abbreviations, the pack's
merge of sites / specifies); the cases are written for the class, not copied from the development data. Each
table failed before its fix.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler
from rxlabel.labeler import Labeler
from rxlabel.labeler.pack import load_pack


@pytest.fixture(scope="module")
def es() -> Labeler:
    return labeler.load("es")


def _present(result) -> set[str]:
    return {k for k, v in result.findings.items() if v}


def _findings(lab: Labeler, text: str) -> set[str]:
    names = set(lab.finding_names)
    return {k for k in _present(lab(text)) if k in names}


# -- a later rule file adds sites and refinements to a finding another file defines ---------------------------

def test_later_file_merges_sites_and_specifies(tmp_path):
    import shutil

    from rxlabel.labeler.pack import pack_dir

    folder = tmp_path / "es"
    shutil.copytree(pack_dir("es"), folder)
    (folder / "findings_zz_site.yaml").write_text(
        "findings:\n"
        "  - name: increased density\n    region: none\n    sites: {loc thymus: mediastinal mass}\n"
        "  - name: mediastinal mass\n    region: cardio\n    specifies: [increased density]\n",
        encoding="utf-8")
    pack = load_pack(folder)
    assert pack.findings["increased density"].sites["loc thymus"] == "mediastinal mass"
    assert "increased density" in pack.findings["mediastinal mass"].specifies
    # the first file's sites keep their place (they are tried first)
    first = list(load_pack(pack_dir("es")).findings["increased density"].sites)
    assert list(pack.findings["increased density"].sites)[:len(first)] == first


# -- a port named with its route: the reservoir, not the line's route ----------------------------------------

@pytest.mark.parametrize("text", [
    "Catéter de reservorio por vía subclavia derecha con punta en aurícula derecha.",
    "Reservorio subcutáneo a través de la vena subclavia izquierda.",
    "Implantación de reservorio por yugular derecha, extremo en cava superior.",
    "Dispositivo de reservorio desde subclavia izquierda.",
    "Catéter de reservorios a través de v. yugular izquierda.",
])
def test_reservoir_named_with_its_route(es, text):
    found = _findings(es, text)
    assert "reservoir central venous catheter" in found, (text, found)
    assert not found & {"central venous catheter via subclavian vein", "central venous catheter via jugular vein"}


# -- "v." / "a." (vena, arteria) do not end the sentence --------------------------------------------------------

@pytest.mark.parametrize("text, label", [
    ("Catéter venoso central a través de v. subclavia derecha.", "central venous catheter via subclavian vein"),
    ("Vía central por v. yugular izquierda con extremo en cava.", "central venous catheter via jugular vein"),
    ("Acceso a través de v. yugular interna derecha.", "central venous catheter via jugular vein"),
])
def test_vein_abbreviation_keeps_the_sentence(es, text, label):
    assert label in _findings(es, text), text


# -- "engrosamiento pleuroparenquimatoso": a pleural thickening; an apex makes it the apical child ---------------

@pytest.mark.parametrize("text, label", [
    ("Engrosamiento pleuroparenquimatoso derecho.", "pleural thickening"),
    ("Engrosamientos pleuroparenquimatosos bilaterales de aspecto residual.", "pleural thickening"),
    ("Engrosamiento pleuro-parenquimatoso en la base izquierda.", "pleural thickening"),
    ("Engrosamiento pleuroparenquimatoso en ambos vértices.", "apical pleural thickening"),
    ("Engrosamiento pleuroparenquimatoso de predominio en vértice izquierdo.", "apical pleural thickening"),
])
def test_pleuroparenchymal_thickening_is_pleural(es, text, label):
    found = _findings(es, text)
    assert label in found, (text, found)
    assert "fibrotic band" not in found, (text, found)
    if label == "apical pleural thickening":
        assert "pleural thickening" not in found, (text, found)


def test_pleuroparenchymal_tracts_stay_fibrotic_band(es):
    assert "fibrotic band" in _findings(es, "Tractos pleuroparenquimatosos en ambos vértices.")


# -- enlarged hila put down to the vessels, with a hedge or a comma between ---------------------------------------

@pytest.mark.parametrize("text", [
    "Hilios aumentados, compatibles con origen vascular.",
    "Hilio derecho engrosado sugestivo de naturaleza vascular.",
    "Prominencia hiliar bilateral de aspecto vascular.",
    "Aumento de tamaño hiliar izquierdo de características vasculares.",
    "Hilios prominentes de aspecto vascular.",
])
def test_vascular_hila_with_a_hedge(es, text):
    found = _findings(es, text)
    assert "vascular hilar enlargement" in found, (text, found)
    assert "hilar enlargement" not in found, (text, found)


# -- granularity: a density or widening placed in the upper mediastinum --------------------------------------------

@pytest.mark.parametrize("text", [
    "Opacidad en mediastino superior izquierdo.",
    "Aumento de densidad que ocupa el mediastino anterosuperior.",
    "Ensanchamiento de la silueta mediastínica a expensas del mediastino superior.",
    "Opacidad mediastínica superior derecha.",
    "Ensanchamiento mediastínico anterosuperior.",
])
def test_upper_mediastinum_site(es, text):
    found = _findings(es, text)
    assert "superior mediastinal enlargement" in found, (text, found)
    assert not found & {"increased density", "mediastinal enlargement"}, (text, found)


# -- post-surgical changes placed somewhere; the named operation wins ---------------------------------------------

@pytest.mark.parametrize("text, label", [
    ("Cambios postquirúrgicos en pared torácica izquierda.", "surgery"),
    ("Signos posquirúrgicos a nivel del seno costofrénico derecho.", "surgery"),
    ("Cambios postquirúrgicos en la mama derecha.", "surgery breast"),
    ("Cambios post-quirúrgicos en región cervical.", "surgery neck"),
])
def test_placed_postsurgical_changes(es, text, label):
    found = _findings(es, text)
    assert label in found, (text, found)
    if label != "surgery":
        assert "surgery" not in found, (text, found)


def test_named_operation_is_the_label(es):
    found = _findings(es, "Mastectomía derecha con cambios postquirúrgicos en la axila.")
    assert "mastectomy" in found and "surgery" not in found, found


# -- an old (healed) fracture is a callus; the bone picks the child -----------------------------------------------

@pytest.mark.parametrize("text, label", [
    ("Antigua fractura del cuarto arco costal derecho.", "callus rib fracture"),
    ("Fracturas costales izquierdas antiguas consolidadas.", "callus rib fracture"),
    ("Signos de fractura antigua en arcos costales posteriores.", "callus rib fracture"),
    ("Antigua fractura de clavícula izquierda.", "clavicle fracture"),
    ("Fractura vertebral dorsal antigua.", "vertebral fracture"),
])
def test_old_fracture_is_callus(es, text, label):
    found = _findings(es, text)
    assert label in found, (text, found)


# -- expletive negation after "descartar": "que no se trate de X" hedges X --------------------------------------

@pytest.mark.parametrize("text, label", [
    ("No se puede descartar que no se trate de una neumonía.", "pneumonia"),
    ("Imposible descartar que no corresponda a un nódulo pulmonar.", "nodule"),
    ("No es posible excluir que no sea un pequeño derrame pleural.", "pleural effusion"),
])
def test_expletive_negation_hedges(es, text, label):
    result = es(text)
    assert result.findings.get(label) == -1, (text, result.findings)


# -- a goiter is the label of its own effects in its sentence --------------------------------------------------

@pytest.mark.parametrize("text, effect", [
    ("Desplazamiento de la tráquea hacia la derecha secundario a bocio endotorácico.", "tracheal shift"),
    ("Efecto masa sobre la tráquea en relación con bocio multinodular.", "mediastinal mass"),
    ("Ensanchamiento del mediastino superior por bocio intratorácico.", "superior mediastinal enlargement"),
])
def test_goiter_is_the_label_of_its_effects(es, text, effect):
    found = _findings(es, text)
    assert "goiter" in found and effect not in found, (text, found)


def test_tracheal_shift_alone_stays(es):
    assert "tracheal shift" in _findings(es, "Desviación traqueal hacia la derecha.")


# -- chronic changes put down to tuberculosis stay chronic changes (and the diagnosis) ----------------------------

@pytest.mark.parametrize("text", [
    "Cambios pulmonares crónicos por tuberculosis antigua.",
    "Cambios crónicos en relación con TBC previa.",
    "Cambios fibrosos crónicos secundarios a tuberculosis.",
])
def test_chronic_changes_of_tuberculosis(es, text):
    found = _findings(es, text)
    assert {"chronic changes", "tuberculosis sequelae"} <= found, (text, found)


# -- a metal density is metal (the noun: "densidad metal") ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Imágenes puntiformes de densidad metal en partes blandas.",
    "Densidad metal lineal en región cervical.",
    "Imagen lineal de densidad metal proyectada sobre el hombro izquierdo.",
])
def test_metal_density(es, text):
    assert "metal" in _findings(es, text), text


# -- telegraphic joint lines: the hypertrophy with no preposition before the joint ----------------------------------

@pytest.mark.parametrize("text, label", [
    ("Hipertrofia articulación esternoclavicular derecha.", "sternoclavicular junction hypertrophy"),
    ("Prominencia primeras articulaciones esternoclaviculares.", "sternoclavicular junction hypertrophy"),
    ("Hipertrofia unión costocondral del primer arco derecho.", "costochondral junction hypertrophy"),
    ("Engrosamiento primera articulación condroesternal izquierda.", "costochondral junction hypertrophy"),
])
def test_joint_hypertrophy_without_preposition(es, text, label):
    assert label in _findings(es, text), text


# -- a comparative against the prior film inside the phrase: still the finding -------------------------------------

@pytest.mark.parametrize("text, label", [
    ("Hilios más prominentes que en la radiografía previa.", "hilar enlargement"),
    ("Hilios menos prominentes que en el control anterior.", "hilar enlargement"),
    ("Silueta cardiaca más aumentada de tamaño.", "cardiomegaly"),
])
def test_comparative_inside_the_phrase(es, text, label):
    assert label in _findings(es, text), text


# -- a nodule put down to a nipple: pseudonodule and nipple shadow -------------------------------------------------

@pytest.mark.parametrize("text", [
    "Nódulo en base derecha, probablemente mamila.",
    "Los dos nódulos basales corresponden a pezones.",
    "Nódulo de 8 mm en campo inferior izquierdo sugestivo de mamila.",
])
def test_nodule_put_down_to_a_nipple(es, text):
    found = _findings(es, text)
    assert "pseudonodule" in found and "nodule" not in found, (text, found)
