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
