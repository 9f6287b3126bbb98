"""Spanish classes fixed in session 9 by es-g (issue 12, PadChest-GR images whose sentences are new wording): one
parametrised table per class, cases written for the class (common Spanish radiology wording), each failing before
its fix.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rxlabel import labeler
from rxlabel.labeler import Labeler
from rxlabel.labeler.pack import RulePackError, load_pack


@pytest.fixture(scope="module")
def es() -> Labeler:
    return labeler.load("es")


def _present(es: Labeler, text: str) -> dict[str, int]:
    return {k: v for k, v in es(text).findings.items() if v}


# -- a finding's `beside`: the report's other finding picks its child (the report-level `sites`) ---------------

@pytest.mark.parametrize("text, child, parent", [
    ("Imagen de aspecto nodular en base izquierda. Se corresponde con la mamila izquierda.", "pseudonodule", "nodule"),
    ("Compatible con mamilas. Nódulos en ambas bases pulmonares.", "pseudonodule", "nodule"),
    ("Nódulos pulmonares bilaterales. Probablemente en relación con mamilas.", "pseudonodule", "multiple nodules"),
    ("Opacidad nodular en campo inferior derecho. Podría corresponder a pezón.", "pseudonodule", "nodule"),
    ("Hilios prominentes. Signos de redistribución vascular.", "vascular hilar enlargement", "hilar enlargement"),
    ("Redistribución vascular hacia vértices. Aumento de tamaño de ambos hilios.", "vascular hilar enlargement",
     "hilar enlargement"),
])
def test_beside_picks_the_child(es: Labeler, text: str, child: str, parent: str) -> None:
    found = _present(es, text)
    assert child in found and parent not in found


@pytest.mark.parametrize("text, kept", [
    # the other finding ruled out, or absent: the finding keeps its name
    ("Nódulo pulmonar en LSD. No se identifican mamilas.", "nodule"),
    ("Nódulo pulmonar en LSD de 12 mm.", "nodule"),
    ("Hilios prominentes. Sin redistribución vascular.", "hilar enlargement"),
    # its own sentence puts it down to a diagnosis: a real nodule beside a nipple shadow
    ("Nódulo espiculado en LSD sugestivo de metástasis. Mamilas proyectadas en ambas bases.", "nodule"),
    ("Nódulos pulmonares bilaterales compatibles con metástasis. Sombra de mamila izquierda.", "multiple nodules"),
])
def test_beside_needs_the_other_stated(es: Labeler, text: str, kept: str) -> None:
    assert kept in _present(es, text)


def test_beside_leaves_a_ruled_out_mention() -> None:
    es = labeler.load("es")
    result = es("No se observan nódulos pulmonares. Mamilas proyectadas en ambas bases.")
    assert result.findings.get("nodule") == 0 and "pseudonodule" not in result.findings


# -- a rib fused with the next or forked, its side or arch between ---------------------------------------------

@pytest.mark.parametrize("text", [
    "Cuarto arco costal derecho fusionado con el quinto.",
    "Arcos costales posteriores izquierdos fusionados.",
    "Primera costilla izquierda fusionada con la segunda.",
    "Fusión costal en arcos superiores derechos.",
    "Sinostosis costal posterior izquierda.",
    "Alteración en el arco anterior de la cuarta costilla izquierda en probable relación con bifidez.",
    "Bifidez costal anterior derecha.",
    "Arco costal anterior bífido.",
])
def test_rib_fusion_or_fork_is_thoracic_cage_deformation(es: Labeler, text: str) -> None:
    assert "thoracic cage deformation" in _present(es, text)


@pytest.mark.parametrize("text", [
    "Bifurcación traqueal sin alteraciones.",
    "Bifidez de la apófisis espinosa de C7.",
])
def test_a_fork_elsewhere_is_no_rib(es: Labeler, text: str) -> None:
    assert "thoracic cage deformation" not in _present(es, text)


# -- an interstitial pattern qualified as micronodular is both -------------------------------------------------

@pytest.mark.parametrize("text", [
    "Patrón intersticial micronodular bilateral.",
    "Patrón intersticial de predominio micronodular en ambos campos.",
    "Patrón intersticial difuso micronodular.",
])
def test_micronodular_interstitial_pattern_is_both(es: Labeler, text: str) -> None:
    found = _present(es, text)
    assert "interstitial pattern" in found and "miliary opacities" in found


# -- a density increase qualified as (pseudo)nodular is the (pseudo)nodule only --------------------------------

@pytest.mark.parametrize("text, finding", [
    ("Imágenes de aumento de densidad pseudonodular en ambas bases.", "pseudonodule"),
    ("Zona de aumento de densidad seudonodular en campo medio derecho.", "pseudonodule"),
    ("Áreas de aumento de densidad pseudonodulares bibasales.", "pseudonodule"),
    ("Foco de aumento de densidad nodular en LSD.", "nodule"),
    ("Imagen densa de morfología nodular en base izquierda.", "nodule"),
    ("Opacidad densa de aspecto pseudonodular en campo inferior derecho.", "pseudonodule"),
])
def test_nodular_density_increase_is_the_nodule(es: Labeler, text: str, finding: str) -> None:
    found = _present(es, text)
    assert finding in found and "increased density" not in found


# -- a finding's `qualifiers`: the adjective after the mention, sites between, picks the child -----------------

@pytest.mark.parametrize("text, child, parent", [
    ("Granuloma en lóbulo superior derecho calcificado.", "calcified granuloma", "granuloma"),
    ("Granulomas en ambos vértices pulmonares, calcificados.", "calcified granuloma", "granuloma"),
    ("Adenopatía en ventana aortopulmonar calcificada.", "calcified adenopathy", "adenopathy"),
    ("Placas pleurales diafragmáticas bilaterales calcificadas.", "calcified pleural plaques", "pleural plaques"),
    ("Engrosamiento pleural basal izquierdo calcificado.", "calcified pleural thickening", "pleural thickening"),
])
def test_qualifier_after_the_sites_picks_the_child(es: Labeler, text: str, child: str, parent: str) -> None:
    found = _present(es, text)
    assert child in found and parent not in found and "calcified densities" not in found


@pytest.mark.parametrize("text, kept", [
    # a coordinator or another finding between: the adjective is another statement's
    ("Granuloma en LSD y calcificaciones groseras en base derecha.", "granuloma"),
    ("Granuloma en LSD con ateromatosis aórtica calcificada.", "granuloma"),
])
def test_qualifier_stops_at_another_statement(es: Labeler, text: str, kept: str) -> None:
    assert kept in _present(es, text)


@pytest.mark.parametrize("key, errors", [
    ("beside: {nipple: pseudonodule}", ["beside: unknown finding 'nipple'", "beside: unknown finding 'pseudonodule'"]),
    ("qualifiers: {calcified: calcified granuloma}", ["qualifiers: unknown finding 'calcified granuloma'"]),
])
def test_child_tables_name_known_findings(tmp_path: Path, key: str, errors: list[str]) -> None:
    (tmp_path / "pack.yaml").write_text("lang: xx\nname: t\n", encoding="utf-8")
    (tmp_path / "findings.yaml").write_text(textwrap.dedent(f"""\
        findings:
          - name: nodule
            region: parenchyma
            phrases: [nodule]
            {key}
        """), encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        load_pack(tmp_path)
    assert all(e in str(err.value) for e in errors)


# -- a breast implant named after a mastectomy or as an expander; a calcified one is also the calcified density ---

@pytest.mark.parametrize("text, expected", [
    ("Cambios de mastectomía derecha con prótesis.", {"mammary prosthesis", "mastectomy"}),
    ("Mastectomía izquierda. Prótesis.", {"mammary prosthesis", "mastectomy"}),
    ("Expansor mamario derecho.", {"mammary prosthesis"}),
    ("Prótesis mamaria calcificada.", {"mammary prosthesis", "calcified densities"}),
])
def test_breast_implant_wording(es: Labeler, text: str, expected: set[str]) -> None:
    found = _present(es, text)
    assert expected <= set(found) and "prosthesis" not in found
