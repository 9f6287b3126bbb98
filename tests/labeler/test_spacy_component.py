import spacy

import rxlabel.labeler.spacy_component  # noqa: F401  (registers the factory also without the entry point)


def test_component_sets_doc_extensions_and_spans():
    nlp = spacy.blank("en")
    nlp.add_pipe("rxlabel", config={"lang": "en"})
    doc = nlp("No pneumothorax. Large left pleural effusion.")
    assert doc._.rx_findings == {"pneumothorax": 0, "pleural effusion": 1}
    assert doc._.rx_method == "rule"
    assert [(s.text, s.label_, s._.rx_status) for s in doc.spans["rxlabel"]] == [
        ("pneumothorax", "pneumothorax", 0), ("pleural effusion", "pleural effusion", 1)]
    assert doc._.rx_result["rules_version"].startswith("en-")
