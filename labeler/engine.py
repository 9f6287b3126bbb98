"""The labeller: normalise -> split -> template filter -> phrases -> context -> fuzzy -> aggregate.

``Labeler(pack)(text)`` returns a :class:`LabelResult`. The stages are pure functions of the text
and the compiled pack, so a labeller can be pickled to worker processes and gives the same
output everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from labeler.aggregate import Mention, aggregate_findings, find_conflicts, roll_up_regions
from labeler.compiled import CompiledPack, compile_pack
from labeler.context import CueSpan, clause_ids, resolve
from labeler.normalize import lang_normalizer, make_key, strip_diacritics, to_nfc
from labeler.pack import Pack, Template, load_pack
from labeler.phrases import CUE, EXCLUDE, FINDING, LOC, REGION_WORD, Match, tokenize
from labeler.sentences import Sentence, split_report

METHODS = ("template", "rule", "review", "unlabelled")
REASONS = ("empty", "no_match", "fuzzy_only", "conflict", "unmatched_sentence", "too_long")


@dataclass
class LabelResult:
    """One report's labels, evidence and decision trail (the JSONL output object)."""

    report_id: str | None
    method: str
    findings: dict[str, int]
    regions: dict[str, int]
    evidence: list[dict]
    review_reasons: list[str]
    rules_version: str
    suggestions: dict[str, int] = field(default_factory=dict)
    rejected: str | None = None

    def to_dict(self) -> dict:
        """The JSONL object, with exactly the documented keys."""
        return {
            "report_id": self.report_id,
            "method": self.method,
            "findings": self.findings,
            "regions": self.regions,
            "evidence": self.evidence,
            "review_reasons": self.review_reasons,
            "rules_version": self.rules_version,
        }


@dataclass(slots=True)
class _SentenceView:
    sentence: Sentence
    words: list[str]
    spans: list[tuple[int, int]]
    matches: dict[str, list[Match]]
    template: Template | str | None = None


class Labeler:
    """A callable report labeller for one rule pack (see docs/rules.md)."""

    def __init__(self, pack: Pack | str | Path, stemmed: bool = False):
        self.pack = pack if isinstance(pack, Pack) else load_pack(pack)
        self.stemmed = stemmed
        self.compiled: CompiledPack = compile_pack(self.pack, stemmed=stemmed)
        self.version = self.pack.version + ("+stemmed" if stemmed else "")
        self._region_order = self.pack.regions
        self._correct = lru_cache(maxsize=200_000)(self._correct_word)

    def __reduce__(self):
        return (Labeler, (self.pack, self.stemmed))

    @property
    def finding_names(self) -> list[str]:
        return sorted(self.pack.findings)

    def __call__(self, text: object, report_id: str | None = None) -> LabelResult:
        return self.label(text, report_id)

    # -- stages -------------------------------------------------------------------------------------

    def label(self, text: object, report_id: str | None = None) -> LabelResult:
        """Label one report. Non-string or blank text goes to review as ``empty``."""
        if not isinstance(text, str) or not text.strip():
            return self._result(report_id, "unlabelled", [], ["empty"])
        text = to_nfc(text)
        legacy = self._legacy_encoding(text)
        if legacy:
            result = self._result(report_id, "unlabelled", [], [])
            result.rejected = f"legacy_encoding:{legacy}"
            return result
        reasons: list[str] = []
        if len(text) > self.pack.max_chars:
            reasons.append("too_long")
        key = make_key(text, self.pack.lang, self.pack.diacritics_insensitive or self.stemmed)
        sentences = [s for s in split_report(text, key, self.compiled.splitter) if not s.skip]
        views = [self._view(key, s) for s in sentences]
        views = [v for v in views if v.words]
        if not views:
            return self._result(report_id, "unlabelled", [], ["empty", *reasons])
        if self._is_template_report(views):
            return self._template_result(report_id, text, views, reasons)
        bullet_regions = self._bullet_regions(views) if self.pack.region_sections else {}
        mentions: list[Mention] = []
        fuzzy: list[Mention] = []
        unmatched = 0
        for view in views:
            if view.template is not None:
                continue
            exact = self._mentions(text, view, view.matches, bullet_regions, "exact")
            mentions += exact
            if not exact:
                unmatched += 1
            if self.pack.fuzzy_enabled:
                fuzzy += self._fuzzy_mentions(text, view, exact, bullet_regions)
        if fuzzy:
            reasons.append("fuzzy_only")
        if not mentions:
            if not fuzzy:
                reasons.append("no_match")
        elif unmatched and self.pack.unmatched_sentence == "review":
            reasons.append("unmatched_sentence")
        if mentions and (find_conflicts(mentions) or self._template_conflict(views, mentions)):
            reasons.append("conflict")
        method = "rule" if mentions and not reasons else "unlabelled"
        result = self._result(report_id, method, mentions, reasons)
        result.evidence += [m.evidence() for m in fuzzy]
        result.suggestions = aggregate_findings(fuzzy)
        normal = self.compiled.normal_finding
        if normal and any(m.status != 0 and m.abnormal for m in fuzzy):
            result.findings.pop(normal, None)  # a suggested finding may make the report abnormal
        return result

    def _legacy_encoding(self, text: str) -> str | None:
        if self.pack.lang != "vi":
            return None
        detect = _optional("labeler.orthography_vi", "detect_legacy_encoding")
        return detect(text) if detect else None

    def _view(self, key: str, sentence: Sentence) -> _SentenceView:
        tokens = tokenize(key, sentence.start, sentence.end)
        words = [w for w, _, _ in tokens]
        spans = [(s, e) for _, s, e in tokens]
        stemmer = self.compiled.stemmer
        if stemmer is not None and words:
            stems = stemmer(words)
            kept = [(st, sp) for st, sp in zip(stems, spans, strict=True) if st]
            words, spans = [w for w, _ in kept], [sp for _, sp in kept]
        view = _SentenceView(sentence, words, spans, {})
        if words:
            view.template = self.compiled.templates.lookup(" ".join(words))
            if view.template is None:
                view.matches = self.compiled.trie.scan(words)
        return view

    def _is_template_report(self, views: list[_SentenceView]) -> bool:
        covered: set[str] = set()
        for view in views:
            if view.template is None:
                return False
            if isinstance(view.template, Template):
                covered.update(view.template.regions)
        return "all" in covered or (bool(covered) and covered >= set(self._region_order))

    def _template_result(self, report_id, text, views, reasons) -> LabelResult:
        normal = self.compiled.normal_finding
        evidence = [
            {"finding": normal, "status": 1, "sentence": text[v.sentence.start:v.sentence.end],
             "start": v.sentence.start, "end": v.sentence.end, "cue": None,
             "rule": f"template:{v.template.text}", "match": "template"}
            for v in views if isinstance(v.template, Template)
        ]
        result = self._result(report_id, "template" if not reasons else "unlabelled", [], reasons)
        if normal:
            result.findings = {normal: 1}
        result.evidence = evidence
        return result

    def _bullet_regions(self, views: list[_SentenceView]) -> dict[int, str]:
        """Region of each bullet from its content words (most hits; ties go to the pack's order)."""
        counts: dict[int, dict[str, int]] = {}
        for view in views:
            bullet = view.sentence.bullet
            if bullet is None:
                continue
            matches = view.matches.get(REGION_WORD)
            if matches is None and view.template is not None:
                matches = self.compiled.trie.scan(view.words).get(REGION_WORD)
            for match in matches or ():
                tally = counts.setdefault(bullet, {})
                tally[match.payload] = tally.get(match.payload, 0) + 1
        order = {r: i for i, r in enumerate(self.pack.region_words)}
        return {b: min(t, key=lambda r: (-t[r], order.get(r, 99))) for b, t in counts.items()}

    def _mentions(self, text: str, view: _SentenceView, matches: dict[str, list[Match]],
                  bullet_regions: dict[int, str], kind: str) -> list[Mention]:
        findings = matches.get(FINDING)
        if not findings:
            return []
        excluded = matches.get(EXCLUDE, [])
        cues = [CueSpan(m.start, m.end, m.payload) for m in matches.get(CUE, ())
                if not any(f.start <= m.start and m.end <= f.end for f in findings)]
        locs = sorted({m.payload for m in matches.get(LOC, ())})
        clauses = self._clauses(text, view)
        sentence_text = text[view.sentence.start:view.sentence.end]
        out = []
        for match in findings:
            polarity, name, phrase = match.payload
            if any(x.payload == name and x.start < match.end and match.start < x.end for x in excluded):
                continue
            finding = self.pack.findings[name]
            if polarity == "neg":
                status, cue = 0, None
            else:
                status, cue = resolve(match.start, match.end, cues, clauses)
            region = finding.region
            if region == "section":
                region = bullet_regions.get(view.sentence.bullet, "none")
            start, end = view.spans[match.start][0], view.spans[match.end - 1][1]
            cue_text = text[view.spans[cue.start][0]:view.spans[cue.end - 1][1]] if cue else None
            rule = f"{'phrase' if polarity == 'pos' else 'negative_phrase'}:{phrase}"
            out.append(Mention(name, status, region, finding.abnormal, start, end, sentence_text,
                               view.sentence.start, cue_text, rule, locs, kind))
        return out

    def _clauses(self, text: str, view: _SentenceView) -> list[int]:
        breaks = self.pack.clause_breaks
        s = view.sentence
        positions = [i for i in range(s.start, s.end) if text[i] in breaks] if breaks else []
        return clause_ids([sp[0] for sp in view.spans], positions)

    # -- fuzzy --------------------------------------------------------------------------------------

    def _correct_word(self, word: str) -> str | None:
        if len(word) < self.pack.fuzzy_min_length:
            return None
        hit = process.extractOne(word, self.compiled.stripped_vocab, scorer=fuzz.ratio,
                                 score_cutoff=self.pack.fuzzy_min_score)
        return hit[0] if hit and hit[0] != word else None

    def _fuzzy_mentions(self, text: str, view: _SentenceView, exact: list[Mention],
                        bullet_regions: dict[int, str]) -> list[Mention]:
        """Mentions found only after restoring diacritics or correcting a misspelling."""
        vocab = self.compiled.vocab
        if all(w in vocab for w in view.words):
            return []
        stripped_vocab = self.compiled.stripped_vocab
        words = [strip_diacritics(w) for w in view.words] if not self.pack.diacritics_insensitive else view.words
        corrected = [w if (w in vocab or _in_sorted(stripped_vocab, w)) else (self._correct(w) or w) for w in words]
        if corrected == view.words:
            return []
        if not exact:
            template = self.compiled.stripped_templates.lookup(" ".join(corrected))
            if isinstance(template, Template):
                s = view.sentence
                return [Mention(self.compiled.normal_finding or "normal", 1, "none", False, s.start, s.end,
                                text[s.start:s.end], s.start, None, f"fuzzy_template:{template.text}", [], "fuzzy")]
        matches = self.compiled.stripped_trie.scan(corrected)
        exact_spans = [(m.start, m.end) for m in exact]
        found = self._mentions(text, view, matches, bullet_regions, "fuzzy")
        return [m for m in found if not any(s < m.end and m.start < e for s, e in exact_spans)
                and m.rule.split(":", 1)[1] not in {x.rule.split(":", 1)[1] for x in exact}]

    # -- output -------------------------------------------------------------------------------------

    def _template_conflict(self, views: list[_SentenceView], mentions: list[Mention]) -> bool:
        says_all_normal = any(isinstance(v.template, Template) and "all" in v.template.regions for v in views)
        return says_all_normal and any(m.status == 1 and m.abnormal for m in mentions)

    def _result(self, report_id, method, mentions, reasons) -> LabelResult:
        findings = aggregate_findings(mentions)
        regions = roll_up_regions(mentions, self._region_order)
        normal = self.compiled.normal_finding
        if normal and mentions and regions["abnormal"] == 0 and normal not in findings:
            findings[normal] = 1
        evidence = [m.evidence() for m in mentions]
        return LabelResult(report_id, method, findings, regions, evidence, reasons, self.version)


def _in_sorted(items: list[str], word: str) -> bool:
    from bisect import bisect_left

    i = bisect_left(items, word)
    return i < len(items) and items[i] == word


def _optional(module: str, attr: str):
    import importlib

    try:
        return getattr(importlib.import_module(module), attr)
    except (ModuleNotFoundError, AttributeError):
        return None


__all__ = ["Labeler", "LabelResult", "METHODS", "REASONS", "lang_normalizer"]
