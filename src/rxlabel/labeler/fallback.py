"""Unmatched sentences: whether one plausibly states a missed abnormality, and a word-level fallback label.

Two pack options (docs/rules.md, docs/vietnamese.md):

* ``unmatched_sentence: missed_findings`` -- a sentence no phrase, template or correction read queues its
  report only when it holds a *suspect*: a finding word (a word of an abnormal finding's phrases that no
  region word, normal statement, template, cue, localisation or admin line uses), or an unknown word one
  edit from one once diacritics are set aside, that is neither under a negation cue nor after a context
  phrase (advice, history, comparison: ``word_fallback.context`` and the multi-word admin lines). Unknown
  words alone do not queue.
* ``word_fallback`` -- the VinDr keyword step: a sentence with suspects whose findings all lie in one region,
  and which names that region itself (a region word), is labelled there: present, absent under a negation
  cue, uncertain under a hedge; its evidence rule is ``fallback:<words>``. Suspects in several regions, or a
  region the sentence does not name, stay in review.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from rxlabel.labeler.compiled import expand_phrase
from rxlabel.labeler.context import CueSpan, resolve
from rxlabel.labeler.normalize import strip_diacritics
from rxlabel.schema import REGIONS

_UNITS = frozenset({"mm", "cm", "ml", "kg", "kv", "mhz", "bpm", "xxx"})  # sizes and doses, not abbreviations
_MIN_FUZZY = 4  # an unknown word shorter than this is never read as a misspelt finding word
_MAX_SYLLABLE = 7  # letters of the longest Vietnamese syllable ("nghiêng")


@dataclass(frozen=True)
class Suspect:
    """One suspect word of a sentence: its index, the finding word it reads as, the (finding, region)s it names."""

    index: int
    word: str
    names: frozenset[tuple[str, str]]


def _variants(texts, words_of: Callable[[str], list[str]]) -> list[list[str]]:
    return [words_of(v.replace("{*}", " ")) for t in texts for v in expand_phrase(t)]


class WordFallback:
    """The suspect vocabulary of a pack and the two decisions above (pure; built once per labeller)."""

    def __init__(self, pack, words_of: Callable[[str], list[str]], known: frozenset[str],
                 placing: frozenset[tuple[str, ...]], lengths: tuple[int, ...], admin: frozenset[tuple[str, ...]],
                 abbreviations: Iterable[str] = ()):
        options = pack.word_fallback or {}
        self.enabled = bool(options.get("enabled", False))
        self.generic = options.get("generic_finding")
        self.known = known
        self.abbreviations = [strip_diacritics(a) for a in abbreviations if len(a) >= 3 and not any(
            c in "aeiouy" for c in strip_diacritics(a))]
        self.placing, self.lengths = placing, lengths
        self.negations = {ws[0] for ws in _variants([c.text for c in pack.cues if c.category == "negated"], words_of)
                          if ws}
        strong = self._never_findings(pack, words_of, options)
        weak, pairs = self._normal_text(pack, words_of)
        self.normal_pairs = frozenset(pairs)
        vocab, uses = self._finding_words(pack, words_of, strong)
        self.vocab = {w: frozenset(v) for w, v in vocab.items() if uses[w] > weak[w]}
        # Words a normal statement says a region is with ("sáng", "đều", "cân đối", "tốt"): an unmatched sentence
        # with a word the pack does not know is quiet only when it holds one of these (an unknown wording of a
        # normal statement), not when it is a bare unknown name ("Thuỳ azygos bên phải": a rare finding).
        said = {w for ws in _variants([p for g in pack.normal_statements for p in g["predicates"]], words_of)
                for w in self._unplaced_words(ws[:self._negation_at(ws)])}
        self.normal_words = frozenset(said - set(self.vocab) - strong)
        stripped: dict[str, set[str]] = {}
        for w in self.vocab:
            stripped.setdefault(strip_diacritics(w), set()).add(w)
        # an unaccented form shared by two finding words names both
        self.stripped = {s: frozenset(n for w in ws for n in self.vocab[w]) for s, ws in stripped.items()}
        self.stripped_choices = list(self.stripped)
        context = [tuple(ws) for ws in _variants(options.get("context", []), words_of) if ws]
        context += [a for a in admin if len(a) > 1]
        self.context = frozenset(context)
        self.context_lengths = tuple(sorted({len(c) for c in self.context}, reverse=True))

    def _negation_at(self, words: list[str]) -> int:
        return next((i for i, w in enumerate(words) if w in self.negations), len(words))

    def _never_findings(self, pack, words_of, options: dict) -> set[str]:
        """One-word placing words, cue words and the pack's ``not_findings``: never evidence of a finding. (Placing
        sequences are taken out of every phrase and sentence before words are compared: "khí quản" never makes
        "khí" a suspect.)"""
        strong = {p[0] for p in self.placing if len(p) == 1} | self.negations | set(options.get("not_findings", []))
        strong.update(ws[0] for ws in _variants([c.text for c in pack.cues], words_of) if len(ws) == 1)
        return strong

    def _normal_text(self, pack, words_of) -> tuple[Counter[str], set[tuple[str, str]]]:
        """How many normal predicates, templates, admin lines and headers use each word outside a negation, and
        their word pairs ("thông khí đều"): "không mờ" rules a finding out, so its "mờ" counts for the finding."""
        weak: Counter[str] = Counter()
        pairs: set[tuple[str, str]] = set()
        stated = [t.text for t in pack.templates] + [p for g in pack.normal_statements for p in g["predicates"]]
        stated += pack.admin_lines + pack.section_headers + pack.skip_sections + list(pack.ignore)
        for text in stated:
            for ws in _variants([text], words_of):
                cut = self._negation_at(ws)
                weak.update(set(self._unplaced_words(ws[:cut])))
                pairs.update(zip(ws[:cut], ws[1:cut], strict=False))
        return weak, pairs

    def _finding_words(self, pack, words_of, strong: set[str]) -> tuple[dict[str, set[tuple[str, str]]], Counter[str]]:
        """Each word of an abnormal or device finding's phrases (placing sequences out) -> the (finding, region)s it
        names, and how many phrases use it; a word stays a finding word when more abnormal phrases use it than
        normal text does (``_normal_text``)."""
        vocab: dict[str, set[tuple[str, str]]] = {}
        uses: Counter[str] = Counter()
        for finding in pack.findings.values():
            if not (finding.abnormal or finding.device):
                continue  # a device word queues (a device makes ``abnormal`` 1) but names no region to label
            for phrase in finding.phrases:
                variants = _variants([phrase], words_of)
                words = {w for ws in variants for w in self._unplaced_words(ws)}
                heads = {ws[0] for ws in variants if len(ws) > 1}  # "u" of "u phổi": a one-letter noun
                for w in words:
                    if (len(w) > 1 or w in heads) and not w.isdigit() and w not in strong:
                        vocab.setdefault(w, set()).add((finding.name, finding.region))
                        uses[w] += 1
        return vocab, uses

    def _unplaced_words(self, words: list[str]) -> list[str]:
        return [words[i] for i in self._unplaced_indices(words)]

    def _unplaced_indices(self, words: list[str]) -> list[int]:
        out, i = [], 0
        while i < len(words):
            n = next((n for n in self.lengths if tuple(words[i:i + n]) in self.placing), 0)
            if not n:
                out.append(i)
            i += n or 1
        return out

    def _names(self, word: str) -> frozenset[tuple[str, str]] | None:
        names = self.vocab.get(word)
        if names is not None:
            return names
        if word in self.known or len(word) < _MIN_FUZZY or word.isdigit() or not word.isascii():
            # A word typed with its marks that the pack does not know is a real word of another meaning
            # ("nhẵn", smooth, is one tone from "nhẫn"): only a word typed without them is compared unaccented.
            return None
        names = self.stripped.get(word)
        if names is not None:
            return names
        hit = process.extractOne(word, self.stripped_choices, scorer=OSA.distance, score_cutoff=1)
        return self.stripped[hit[0]] if hit and len(hit[0]) >= _MIN_FUZZY else None

    def suspects(self, words: list[str]) -> list[Suspect]:
        """The sentence's finding words (and unknown words one edit from one), placing sequences left out."""
        out = []
        for i in self._unplaced_indices(words):
            if (tuple(words[i - 1:i + 1]) in self.normal_pairs and i) or tuple(words[i:i + 2]) in self.normal_pairs:
                continue  # a word pair normal text uses outside a negation ("thông khí đều", "bờ đều"): wording
            names = self._names(words[i])
            if names:
                out.append(Suspect(i, words[i], names))
            elif self._abbreviation(words[i]):
                out.append(Suspect(i, words[i], frozenset()))  # names no region: queued, never a fallback label
        return out

    def _abbreviation(self, word: str) -> bool:
        """An unknown token without a vowel one edit from a pack abbreviation ("tmp", "tdp": tdmp or tkmp). Every
        Vietnamese syllable has a vowel, so it is an abbreviation the pack cannot tell apart, and it may name a
        finding; one far from every pack abbreviation ("stt", "bhxh", "crp") is a form field or a lab value."""
        if not (len(word) >= 3 and word.isascii() and word.isalpha() and word not in self.known
                and word not in _UNITS and not any(c in "aeiouy" for c in word)):
            return False
        distances = [OSA.distance(word, a) for a in self.abbreviations]
        return bool(distances) and 0 not in distances and min(distances) <= 1


    def _context_end(self, words: list[str]) -> int:
        """Where the first context phrase of the sentence ends (len(words) + 1 when it has none): a suspect from
        there on is in that context."""
        for i in range(len(words)):
            n = next((n for n in self.context_lengths if tuple(words[i:i + n]) in self.context), 0)
            if n:
                return i + n
        return len(words) + 1

    def decide(self, words: list[str], spans: list[tuple[int, int]], cues: list[CueSpan], clauses: list[int],
               region_counts: dict[str, int]) -> tuple[bool, tuple]:
        """(queue?, fallback mentions) for a sentence no rule read; mentions use the engine's tuple layout."""
        live = []
        suspects = self.suspects(words)
        end = self._context_end(words) if suspects else 0
        for s in suspects:
            if s.index >= end:
                continue
            status, cue = resolve(s.index, s.index + 1, cues, clauses)
            live.append((s, status, cue))
        if not live:
            return False, ()
        if self.enabled:
            mention = self._fallback(live, spans, region_counts)
            if mention is not None:
                return False, (mention,)
        return any(status != 0 for _, status, _ in live), ()

    def bare_unknown(self, words: list[str], typed: list[str], cues: list[CueSpan], clauses: list[int]) -> bool:
        """A word the pack does not know, not under a negation, and no word of a normal statement: perhaps a finding
        no rule names ("Thuỳ azygos bên phải"); "không sưng nề" rules out what it names.

        ``typed`` are the sentence's words as typed: a normal word counts only if it was typed (with or without its
        marks), not made by the word stage's restoration of an unknown word ("nhuyễn" read as "nguyên")."""
        unknown = [i for i, w in enumerate(words) if w not in self.known and not w.isdigit()]
        unknown = [i for i in unknown if resolve(i, i + 1, cues, clauses)[0] != 0]
        restored = any(w not in self.known and not w.isascii() and not w.isdigit() for w in typed) and not any(
            c.cue.category == "negated" for c in cues)  # (restored words have no index of their own to resolve)
        if not unknown and not restored:
            return False
        seen = set(typed)
        return not any(w in self.normal_words and (w in seen or strip_diacritics(w) in seen) for w in words)

    def foreign_word(self, words: list[str]) -> bool:
        """A word the pack does not know that no Vietnamese syllable spells: eight letters or more (the longest
        syllables, "nghiêng", "nguyễn", have seven), a disease or term of another language."""
        return any(len(w) >= _MAX_SYLLABLE + 1 and w.isalpha() and w not in self.known for w in words)

    def _fallback(self, live, spans, region_counts: dict[str, int]) -> tuple | None:
        if any(s.word not in self.vocab for s, _, _ in live):
            return None  # a word read only by its unaccented form or an edit is too weak to label on
        regions = {r for s, _, _ in live for _, r in s.names}
        if len(regions) != 1:
            return None
        region = next(iter(regions))
        if region not in REGIONS or not region_counts.get(region):
            return None  # the words' region must be one the sentence names itself
        findings = set.intersection(*({n for n, _ in s.names} for s, _, _ in live))
        name = next(iter(findings)) if len(findings) == 1 else self.generic
        if name is None:
            return None
        statuses = [st for _, st, _ in live]
        status = 1 if 1 in statuses else (-1 if -1 in statuses else 0)
        decided = [c for _, st, c in live if st == status and c is not None]
        cue_span = (spans[decided[0].start][0], spans[decided[0].end - 1][1]) if decided else None
        first, last = live[0][0].index, live[-1][0].index
        rule = "fallback:" + "+".join(s.word for s, _, _ in live)
        return (name, status, region, True, spans[first][0], spans[last][1], cue_span, rule, (), first, last + 1)
