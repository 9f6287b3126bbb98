"""Spanish class fixed in session 12 by s12-estypo: a misspelt five- or six-letter word (one edit, first and last
letters kept, one pack word alone that near) is corrected, in a sentence another phrase matched or in one alone.
Cases written for the class (common Spanish radiology wording, typos of the kinds dictation makes), each failing
before the fix; guard rows keep real short words and review behaviour as they were.
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


# -- a short misspelt word beside a matched phrase is corrected: the finding it completes is labelled ---------------

@pytest.mark.parametrize(("text", "finding"), [
    ("Cardiomegalia con aumeto de densidad en base derecha.", "increased density"),
    ("Sutil aumnto de densidad periférico en el campo pulmonar izquierdo.", "increased density"),
    ("Derrame pleural izquierdo y aumeno de densidad retrocardiaco.", "increased density"),
    ("Cardiomegalia con derame pleural bilateral.", "pleural effusion"),
    ("Pinzamiento del seno costofrénico derecho y derrme pleural.", "pleural effusion"),
    ("Elongación aórtica y nodlo pulmonar en lóbulo superior derecho.", "nodule"),
])
def test_short_typo_beside_a_match(es: Labeler, text: str, finding: str) -> None:
    result = es(text)
    assert result.findings.get(finding) == 1
    assert result.method == "rule"
    assert any(e["finding"] == finding and e["match"] == "corrected" for e in result.evidence)


# -- guards: real short words the pack lacks are not "corrected", and a short correction never queues ---------------

@pytest.mark.parametrize(("text", "absent"), [
    # "debida" (owing) is no "debido"; "estar" no "estan"; "valora" no "valorar" (the last letter differs)
    ("Opacidad debida a superposición de partes blandas.", None),
    ("Se valora la presencia de infiltrados bilaterales.", None),
    ("Parece estar en relación con atelectasia.", None),
])
def test_real_short_words_stay(es: Labeler, text: str, absent: str | None) -> None:
    result = es(text)
    assert not any(e["match"] in ("corrected", "fuzzy") for e in result.evidence)


@pytest.mark.parametrize(("text", "finding"), [
    # a short correction that would reread an exact match as a longer phrase is dropped, not sent to review
    ("Atelectasia lamiar izquierda.", "atelectasis"),
    # a long misspelt word still corrects as before
    ("Consolidciones bilaterales.", "consolidation"),
    ("Patrón alveolo-intersiticial bilateral.", "interstitial pattern"),
])
def test_guards(es: Labeler, text: str, finding: str) -> None:
    result = es(text)
    assert result.method == "rule"
    assert result.findings.get(finding) == 1
