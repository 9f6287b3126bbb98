"""rxlabel inside a medspaCy pipeline: the sectionizer and ConText read rxlabel's span group.

Runs where medspaCy is installed (it pins spaCy 3.7; see docs/labeler.md, "spaCy and medspaCy", for the
environment this was run in); elsewhere skipped with the reason.
"""

import pytest

medspacy = pytest.importorskip("medspacy", reason="medspaCy is not installed (pip install 'rxlabel[bench]' or the "
                               "recipe in docs/labeler.md)")
import spacy  # noqa: E402
from medspacy.context import ConTextRule  # noqa: E402
from medspacy.section_detection import SectionRule  # noqa: E402

import rxlabel.labeler.spacy_component  # noqa: E402,F401  (registers the factory without the entry point)


def test_medspacy_sectionizer_and_context_read_rxlabel_spans():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("rxlabel", config={"lang": "en"})
    sec = nlp.add_pipe("medspacy_sectionizer", config={"rules": None, "input_span_type": "group",
                                                        "span_group_name": "rxlabel"})
    sec.add([SectionRule("Findings:", "findings"), SectionRule("Impression:", "impression")])
    ctx = nlp.add_pipe("medspacy_context", config={"rules": None, "input_span_type": "group",
                                                    "span_group_name": "rxlabel"})
    ctx.add([ConTextRule("no", "NEGATED_EXISTENCE", direction="FORWARD"),
             ConTextRule("possible", "POSSIBLE_EXISTENCE", direction="FORWARD")])
    doc = nlp("Findings: no pneumothorax. Large left pleural effusion. Impression: possible pneumonia.")
    got = [(s.label_, s._.rx_status, s._.section_category, s._.is_negated, s._.is_uncertain)
           for s in doc.spans["rxlabel"]]
    assert got == [("pneumothorax", 0, "findings", True, False),
                   ("pleural effusion", 1, "findings", False, False),
                   ("pneumonia", -1, "impression", False, True)]
    assert spacy.__version__.startswith(("3.7", "3.8"))
