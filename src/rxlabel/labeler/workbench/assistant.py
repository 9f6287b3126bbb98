"""The learned assistant: ranks the queue and proposes findings; a person always decides.

One TF-IDF of character n-grams (robust to misspellings and missing Vietnamese tones) and one logistic
regression per finding, trained on the sentences the rules understood in the same corpus (a finding's
positive examples are the sentences where a rule stated it present or uncertain), plus the whole text of
every report a person has decided. It scores every sentence; a report's P(abnormal) is its most abnormal
sentence, and sentences no rule understood get the findings the model thinks likely, with their
probability, as suggestions only.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from rxlabel.labeler.compiled import compile_pack
from rxlabel.labeler.normalize import make_key, to_nfc
from rxlabel.labeler.pack import Pack
from rxlabel.labeler.sentences import split_report

ABNORMAL = "(abnormal)"
MIN_EXAMPLES = 3  # positives and negatives a finding needs before it gets a model
PROPOSE = 0.5  # a proposal at or above this is what "accept with proposals" adds
SHOW = 0.3  # proposals shown on the page


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    understood: bool  # some rule (exact or fuzzy) matched inside it


@dataclass
class Examples:
    texts: list[str] = field(default_factory=list)
    labels: list[frozenset[str]] = field(default_factory=list)

    def add(self, text: str, positive: Iterable[str]) -> None:
        self.texts.append(text)
        self.labels.append(frozenset(positive))


class Assistant:
    """Char n-gram logistic regression per finding, trained on the rule-labelled sentences of a corpus."""

    def __init__(self, pack: Pack, seed: int = 0):
        self.pack = pack
        self.seed = seed
        self._splitter = compile_pack(pack).splitter
        self.abnormal = {n for n, f in pack.findings.items() if f.abnormal}
        self.vectorizer = None
        self.models: dict[str, object] = {}
        self.version = 0
        self.trained_on = 0
        self._lock = threading.Lock()

    def sentences(self, record: dict, text: str) -> list[Sentence]:
        """The report's sentences, each marked understood when a rule matched inside it."""
        if not isinstance(text, str) or not text.strip():
            return []
        text = to_nfc(text)
        key = make_key(text, self.pack.lang, self.pack.diacritics_insensitive)
        spans = [(e["start"], e["end"]) for e in record.get("evidence", []) if e.get("start") is not None]
        out = []
        for s in split_report(text, key, self._splitter):
            if s.skip or not text[s.start:s.end].strip():
                continue
            understood = any(s.start <= a < s.end or a <= s.start < b for a, b in spans)
            out.append(Sentence(s.start, s.end, text[s.start:s.end], understood))
        return out

    def examples(self, items: Iterable[tuple[dict, str]], decided: Iterable[tuple[str, dict[str, int]]] = ()) -> Examples:
        """Training sentences: every sentence a rule matched, and every sentence of a report the rules
        labelled in full; plus the text of each report a person decided, with the findings they gave."""
        ex = Examples()
        for record, text in items:
            whole = record["method"] in ("rule", "template", "review")
            for s in self.sentences(record, text):
                if not (s.understood or whole):
                    continue
                found = {e["finding"] for e in record["evidence"] if e.get("finding") and e.get("match") == "exact"
                         and e["status"] != 0 and s.start <= e["start"] < s.end}
                ex.add(s.text, found)
        for text, findings in decided:
            if isinstance(text, str) and text.strip():
                ex.add(to_nfc(text), [f for f, v in findings.items() if v != 0])
        return ex

    def fit(self, ex: Examples) -> Assistant:
        """(Re)train on these examples; the previous models serve until the new ones are ready."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier

        if not ex.texts:
            return self
        # reports repeat their sentences: fit each distinct (sentence, labels) once, weighted by its count
        counts = Counter(zip(ex.texts, ex.labels, strict=True))
        texts = [t for t, _ in counts]
        labels = [lab for _, lab in counts]
        weight = np.array(list(counts.values()), dtype=np.float64)
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                                     max_features=200_000, dtype=np.float32)
        X = vectorizer.fit_transform(texts)
        targets = {name: np.array([name in lab for lab in labels]) for name in sorted(self.pack.findings)}
        targets[ABNORMAL] = np.array([bool(lab & self.abnormal) for lab in labels])
        models = {}
        for name, y in targets.items():
            positive = weight[y].sum()
            if MIN_EXAMPLES <= positive <= weight.sum() - MIN_EXAMPLES and 0 < y.sum() < len(y):
                # logistic regression fitted by SGD: ~25x faster than liblinear here (BIMCV: 0.3 s a finding)
                models[name] = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=15, tol=None,
                                             random_state=self.seed).fit(X, y, sample_weight=weight)
        with self._lock:
            self.vectorizer, self.models = vectorizer, models
            self.version += 1
            self.trained_on = len(ex.texts)
        return self

    @property
    def ready(self) -> bool:
        return self.vectorizer is not None

    def score(self, record: dict, text: str) -> dict:
        """P(abnormal) of the report and the proposals for the sentences no rule understood."""
        with self._lock:
            vectorizer, models = self.vectorizer, self.models
        sents = self.sentences(record, text)
        if vectorizer is None or not sents:
            return {"p_abnormal": 0.0, "proposals": []}
        X = vectorizer.transform([s.text for s in sents])
        probs = {name: m.predict_proba(X)[:, 1] for name, m in models.items()}
        p_abnormal = float(probs[ABNORMAL].max()) if ABNORMAL in probs else 0.0
        proposals = []
        for i, s in enumerate(sents):
            if s.understood:
                continue
            ranked = sorted(((float(p[i]), n) for n, p in probs.items() if n != ABNORMAL), reverse=True)[:3]
            proposals += [{"finding": n, "p": round(p, 3), "sentence": s.text, "start": s.start, "end": s.end}
                          for p, n in ranked if p >= SHOW]
        return {"p_abnormal": round(p_abnormal, 4), "proposals": proposals}

    def propose(self, record: dict, text: str) -> dict[str, int]:
        """The findings "accept with proposals" adds: each proposal at or above ``PROPOSE``."""
        return {p["finding"]: 1 for p in self.score(record, text)["proposals"] if p["p"] >= PROPOSE}
