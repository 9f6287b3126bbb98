"""The labeller as a spaCy pipeline component.

>>> import spacy
>>> nlp = spacy.blank("es")
>>> nlp.add_pipe("rxlabel", config={"lang": "es"})  # doctest: +ELLIPSIS
<rxlabel.labeler.spacy_component.RxLabelComponent object at ...>
>>> doc = nlp("Derrame pleural derecho.")
>>> doc._.rx_findings
{'pleural effusion': 1}

Each piece of evidence becomes a span in ``doc.spans["rxlabel"]`` labelled with its finding, with
``span._.rx_status`` (1 / 0 / -1) and ``span._.rx_cue``.
"""

# No ``from __future__ import annotations`` here: spaCy 3.7 builds a pydantic model of the factory's
# signature and cannot resolve string annotations (ConfigError on ``nlp.add_pipe``).
try:
    from spacy.language import Language
    from spacy.tokens import Doc, Span
except ImportError as exc:  # spaCy is an optional extra: the labeller itself does not need it
    raise ImportError("the rxlabel spaCy component needs spaCy: pip install 'rxlabel[spacy]'") from exc

from rxlabel.labeler import load

for _name in ("rx_findings", "rx_regions", "rx_method", "rx_review_reasons", "rx_result"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)
for _name in ("rx_status", "rx_cue"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)


class RxLabelComponent:
    """Runs the rxlabel engine on ``doc.text`` and stores the result on the Doc."""

    def __init__(self, lang: str = "es", stemmed: bool = False):
        self.labeler = load(lang, stemmed=stemmed)

    def __call__(self, doc: Doc) -> Doc:
        result = self.labeler(doc.text)
        doc._.rx_findings = result.findings
        doc._.rx_regions = result.regions
        doc._.rx_method = result.method
        doc._.rx_review_reasons = result.review_reasons
        doc._.rx_result = result.to_dict()
        spans = []
        for item in result.evidence:
            if item.get("finding") is None or item.get("start") is None:
                continue
            span = doc.char_span(item["start"], item["end"], label=item["finding"], alignment_mode="expand")
            if span is not None:
                span._.rx_status = item["status"]
                span._.rx_cue = item["cue"]
                spans.append(span)
        doc.spans["rxlabel"] = spans
        return doc


@Language.factory("rxlabel", default_config={"lang": "es", "stemmed": False})
def make_rxlabel_component(nlp: Language, name: str, lang: str, stemmed: bool) -> RxLabelComponent:
    """spaCy factory: ``nlp.add_pipe("rxlabel", config={"lang": "es"})``."""
    return RxLabelComponent(lang, stemmed)
