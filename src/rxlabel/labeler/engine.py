"""The labeller: normalise -> split -> template filter -> phrases -> context -> fuzzy -> aggregate.

``Labeler(pack)(text)`` returns a :class:`LabelResult`. The stages are pure functions of the text
and the compiled pack, so a labeller can be pickled to worker processes and gives the same
output everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from rxlabel.labeler.aggregate import (
    Mention,
    aggregate_findings,
    evidence_item,
    find_conflicts,
    roll_up_regions,
)
from rxlabel.labeler.compiled import (
    CompiledPack,
    admin_prefixes,
    compile_pack,
    expand_abbreviations,
    expand_phrase,
)
from rxlabel.labeler.context import CueSpan, clause_ids, resolve
from rxlabel.labeler.layout import Layout
from rxlabel.labeler.normalize import lang_normalizer, make_key, strip_diacritics, to_nfc
from rxlabel.labeler.pack import SITE_OUTSIDE, Cue, Finding, Pack, Template, load_pack
from rxlabel.labeler.phrases import CUE, EXCLUDE, FINDING, LOC, REGION_WORD, WORD, Match, PhraseTrie, tokenize
from rxlabel.labeler.sentences import Sentence, split_report

METHODS = ("template", "rule", "review", "unlabelled")
REASONS = ("empty", "no_match", "fuzzy_only", "conflict", "unmatched_sentence", "too_long", "ai_unconfirmed")
_CLAUSE_PUNCT = ",;:.()/"
ADMIN = "admin"  # the template slot of an administrative sentence (pack.yaml admin_lines)
# The template slot of an unmatched sentence that names nothing a finding is written with (policy
# ``unmatched_sentence: finding_words``): skipped like an admin line, never a reason to review.
QUIET = "quiet"
# Policy ``missed_findings``: an unmatched sentence with a word the pack does not know and no word of a normal
# statement ("Thuỳ azygos bên phải"). It queues the report unless the report states each region it names normal
# (pack word_fallback.bare_unknown: covered); its region_counts are the regions it names.
BARE = "bare"


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


class _Analysis(NamedTuple):
    """What the rules say about one sentence; offsets are relative to the sentence start.

    It depends only on the sentence's matching key, so it is cached: radiology reports repeat
    their sentences, and a repeat costs a dictionary look-up. Entries are tuples of atoms so the
    cyclic garbage collector stops tracking them (a growing cache of tracked objects made every
    collection slower).
    """

    n_words: int
    template: Template | str | None
    region_counts: tuple[tuple[str, int], ...]
    exact: tuple[tuple, ...]   # (finding, status, region, abnormal, start, end, cue span | None, rule, locs, w0, w1)
    fuzzy: tuple[tuple, ...]


_CACHE_LIMIT = 100_000
# A change word (pack change_words) with one of these among the words before it in its sentence is denied.
_CHANGE_NEGATIONS = frozenset({"no", "sin", "ni", "tampoco", "nor", "without"})
_CHANGE_NEGATION_WINDOW = 12
# findings' qualifiers: how many words after a mention its qualifying word may stand (the sites between)
_QUALIFIER_REACH = 5
_CHANGE = "G"  # the payload group of the change-word trie
_CLOSED_ASIDE = re.compile(r"\(([^()]*?\b(?:no|sin|ni|tampoco)\b[^()]*)\)(?=[^()]*\S)")  # a negated aside, text after it
_COMMA = re.compile(",")
# a bracketed aside holding a Vietnamese negation, text after it (the Spanish words are _CLOSED_ASIDE's)
_PUNCTUATED = re.compile(r"[.,;:]")  # s12-sbar: a sentence with none of these is an unpunctuated run
_NEGATED_ASIDE = re.compile(r"\([^()]*\b(?:không|chưa|khong|chua)\b[^()]*\)(?=[^()]*\w)")
_LEADING_ASIDE = re.compile(r"\s*\([^()]*\)(?=\s*\w)")  # a bracketed aside opening a sentence, text after it
# s12-visite: the words a subjectless comma clause opens with before its opacity ("..., có khối mờ"), and the negations
# that keep a site of the clause before from it (Engine._near_site; Vietnamese words, as _NEGATED_ASIDE)
_SUBJECTLESS = frozenset({"có", "thấy", "kèm", "co", "thay", "kem"})
_NEAR_NEGATIONS = frozenset({"không", "chưa", "khong", "chua", "ko"})
_WORD_SPLIT = re.compile(f"({WORD.pattern})")  # the words of phrases.WORD, kept by split between the separators
# A clause-wise normal statement's breaks: , ; : and a dash with a space either side.
_CLAUSEWISE_BREAK = re.compile(r"[,;:]|(?<= )-(?= )")
# Reports longer than max_chars are labelled and flagged ``too_long``; past this many times max_chars
# they go to the queue unanalysed, so one runaway report (a 5 MB text without a sentence break) costs
# bounded time and memory and harms no other row.
UNANALYSED_FACTOR = 10


def _corrections_only(analysis: _Analysis) -> bool:
    """Whether every fuzzy mention of a sentence is a new finding, or rereads an exact match of the same
    finding with the same status ("sin cambios significativo respecto" read as the longer phrase). A
    correction that changes a status (a misspelt cue, or a real word "corrected" into another: "identificado"
    -> "identificando" undoes "no se han identificado") or a whole-sentence template guessed after
    correction stays a suggestion for review."""
    for f in analysis.fuzzy:
        if f[7].startswith("fuzzy_template:"):
            return False
        for e in analysis.exact:
            if e[9] < f[10] and f[9] < e[10] and (e[0] != f[0] or e[1] != f[1]):
                return False
    return True


def _same_templates(a, b) -> bool:
    """Whether two compiled template sets hold the same sentences and patterns."""
    return a.exact == b.exact and {k: [p.pattern for p, _ in v] for k, v in a.by_first.items()} == {
        k: [p.pattern for p, _ in v] for k, v in b.by_first.items()} and [p.pattern for p, _ in a.leading] == [
        p.pattern for p, _ in b.leading]


def _unplaced(words: list[str], placing: frozenset[tuple[str, ...]], lengths: tuple[int, ...]) -> list[str]:
    """``words`` less every placing sequence in them (longest first): "cấu trúc trung thất rõ" -> "cấu trúc rõ"."""
    out, i = [], 0
    while i < len(words):
        n = next((n for n in lengths if tuple(words[i:i + n]) in placing), 0)
        if not n:
            out.append(words[i])
        i += n or 1
    return out



_VERDICT_BEFORE = re.compile(r"[\W_]*")
_VERDICT_AFTER = re.compile(r"\s*[:\u2013\u2014-]")


def _verdict_head(skey: str, exact: tuple) -> bool:
    """A sentence outside a region's bullet that opens with a generic finding (region ``section``) and a separator
    ("Bất thường – hình ảnh gợi ý nâng cao vòm hoành phải", a form's ticked "[x] Bất thường: máy tạo nhịp"): the
    report's verdict heading its explanation, which names no region by it; the regions are the explanation's own."""
    return any(item[2] == "section" and item[1] == 1 and _VERDICT_BEFORE.fullmatch(skey, 0, item[4])
               and _VERDICT_AFTER.match(skey, item[5]) for item in exact)


# s11-eseye: a relative clause that hedges what a seen descriptor may be ("Aumento de densidad basal que sugiere
# infiltrado", "... que podría corresponder con infiltrado"): the descriptor is seen, the reading only offered.
_HEDGED_CLAUSE = (" que sugiere ", " que podria ", " que podrian ", " que obliga ", " que puede ", " que pudiera ")


def _needles(pattern: str) -> frozenset[str] | None:
    """s11-speed: literal strings one of which any match of ``pattern`` must hold (a run of literal characters at
    its top level, or a group of literal alternatives), the most selective such element; None when it has none."""
    try:  # the stdlib's own regex parser (private, Python >= 3.11): without it, no prefilter (always scan)
        import re._constants as sre_c
        import re._parser as sre_p
    except ImportError:
        return None

    def literal(items) -> str | None:
        chars = []
        for op, av in items:
            if op is not sre_c.LITERAL:
                return None
            chars.append(chr(av))
        return "".join(chars)

    parsed = sre_p.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return None
    candidates, run = [], ""
    for op, av in list(parsed) + [(None, None)]:
        if op is sre_c.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append(frozenset([run]))
        run = ""
        if op is sre_c.SUBPATTERN and len(av[3]) == 1 and av[3][0][0] is sre_c.BRANCH:
            alternatives = [literal(a) for a in av[3][0][1][1]]
            if all(alternatives):
                candidates.append(frozenset(alternatives))
    candidates = [c for c in candidates if min(map(len, c)) >= 3]
    return max(candidates, key=lambda c: min(map(len, c))) if candidates else None


class Labeler:
    """A callable report labeller for one rule pack (see docs/rules.md)."""

    def __init__(self, pack: Pack | str | Path, stemmed: bool = False):
        self.pack = pack if isinstance(pack, Pack) else load_pack(pack)
        self.stemmed = stemmed
        self.compiled: CompiledPack = compile_pack(self.pack, stemmed=stemmed)
        self.version = self.pack.version + ("+stemmed" if stemmed else "")
        self._region_order = self.pack.regions
        self._correct = lru_cache(maxsize=200_000)(self._correct_word)
        self._strip_word = lru_cache(maxsize=200_000)(strip_diacritics)  # vi: one regex call per new word
        self._stripped_vocab = frozenset(self.compiled.stripped_vocab)
        # Whether fuzzy matching may read the pack's own vocabulary, templates and trie for the stripped ones
        # (an accent-insensitive pack: compiling strips nothing more), see _fuzzy.
        self._plain_vocab = (self.pack.diacritics_insensitive and self._stripped_vocab == self.compiled.vocab
                             and _same_templates(self.compiled.templates, self.compiled.stripped_templates))
        self._vocab_by_initial: dict[str, list[str]] = {}
        for word in self.compiled.stripped_vocab:
            self._vocab_by_initial.setdefault(word[0], []).append(word)
        self._cache: dict[str | tuple, _Analysis] = {}
        # pack layout (layout.py): chat prefixes, tables, markup, checklists, dictation, rewritten before the splitter
        self._layout = Layout.from_pack(self.pack.layout)
        self._admin = admin_prefixes(self.pack, self.compiled.words)
        self._admin_lengths = tuple(sorted({len(a) for a in self._admin}))
        self._admin_first = frozenset(a[0] for a in self._admin)
        # vi: an admin line typed without diacritics ("Nam, 58 tuoi") is read as typed, before any restoration
        # could make another word of it ("nằm"): the admin openings are compared unaccented too.
        self._admin_plain = frozenset(tuple(map(strip_diacritics, a)) for a in self._admin) if self.pack.lang == "vi" else None
        # pack admin_patterns: one alternation, tried once per distinct sentence (the analysis is cached)
        # (patterns written with diacritics are tried on the key as typed, the others on the key without them)
        marked = [p for p in self.pack.admin_patterns if not p.isascii()]
        plain = [p for p in self.pack.admin_patterns if p.isascii()]
        self._admin_re = re.compile("|".join(f"(?:{p})" for p in plain)) if plain else None
        self._admin_marked_re = re.compile("|".join(f"(?:{p})" for p in marked)) if marked else None
        self._descriptors = frozenset(f.name for f in self.pack.findings.values() if f.descriptor)
        self._diagnoses = frozenset(f.name for f in self.pack.findings.values() if f.diagnosis)
        self._coordinators = frozenset(make_key(w, self.pack.lang, True) for w in self.pack.coordinators)
        self._general = {f.name: frozenset(f.specifies) for f in self.pack.findings.values() if f.specifies}
        self._beside = {f.name: f.beside for f in self.pack.findings.values() if f.beside}
        # finding -> {qualifying word (as the report's words are keyed) -> child}
        self._qualifiers = {f.name: {w: child for q, child in f.qualifiers.items() for v in expand_phrase(q)
                                     for w in self.compiled.words(v)[:1]}
                            for f in self.pack.findings.values() if f.qualifiers}
        markers = self.pack.superseded_markers
        self._superseded = re.compile("|".join(f"(?:{m})" for m in markers), re.M) if markers else None
        # s11-speed: words one of which every marker's match holds; a report with none of them is not scanned.
        needles = [_needles(m) for m in markers]
        self._superseded_needles = None if any(n is None for n in needles) else tuple(set().union(*needles))
        self._attribution = tuple(f" {' '.join(w)} " for c in self.pack.attribution_cues
                                  for w in map(self.compiled.words, expand_phrase(c)) if w)
        self._normals = self.compiled.normals
        self._skipped_findings = frozenset(self.pack.skipped_findings)
        self._change_drops = frozenset(self.pack.change_drops)
        # one-word negation cues by their word ("không", "ko"): what a pseudo cue running into a finding falls back to
        self._negation_words = {c.text: c for c in self.pack.cues if c.category == "negated" and " " not in c.text}
        # s12-viresolved: a resolution cue read backward whose last word is itself a forward negation ("đã hết" ends
        # with "hết"): the same cue turned both ways, for the clause it opens (_cue_span)
        self._both_ways: dict[int, Cue] = {}
        # ... and a forward one turns back only when it ends with a verb that opens a statement (a one-word terminator:
        # "không còn thấy", "chưa có"), its object left out; "đã rút dẫn lưu" names its own
        self._open_verbs = frozenset(c.text for c in self.pack.cues if c.category == "terminate" and " " not in c.text)
        # the same words typed without their marks ("da het tran dich", read through the fuzzy stage): the word is the
        # matched cue's own last word, so the plain spelling cannot be another word
        self._open_verbs |= frozenset(map(strip_diacritics, self._open_verbs))
        self._turn_words = {**{strip_diacritics(k): c for k, c in self._negation_words.items()}, **self._negation_words}
        self._change_cache: dict[str, bool] = {}
        # Read on the report's key (lower case, accent-free in es), never stemmed: a few words, whole-word matches.
        changes = sorted({" ".join(WORD.findall(make_key(v, self.pack.lang, True))) for c in self.pack.change_words
                          for v in expand_phrase(c)} - {""}, key=len, reverse=True)
        self._change_trie: PhraseTrie | None = None  # one pass over a sentence's words, not a 150-way regex
        if changes:
            self._change_trie = PhraseTrie()
            for change in changes:
                self._change_trie.add(change.split(), _CHANGE, True)
        self._statement_words = frozenset(w for p in self.pack.statement_words for w in self.compiled.words(p))
        self._run_joiners = frozenset(w for p in self.pack.run_joiners for w in self.compiled.words(p))
        self._statement_locs = frozenset(self.pack.statement_localizations)
        self._near_sites = any(f.near_sites for f in self.pack.findings.values())
        # Region words as word sequences ("màng phổi", "xương sườn"): a comma clause naming none of them before a
        # clause that ends with a side lists its finding under the site named after it (_statement_commas).
        self._site_seqs = frozenset(tuple(self.compiled.words(v)) for ws in self.pack.region_words.values()
                                    for p in ws for v in expand_phrase(p)) - {()} if self._statement_locs else frozenset()
        # Clause breaks found by one regex scan of the sentence key, not a Python loop over its characters.
        breaks = self.pack.clause_breaks
        self._break_re = re.compile("[" + "".join(map(re.escape, breaks)) + "]") if breaks else None
        self._word_stage = None
        self._marked_known: frozenset[str] = frozenset()
        self._quiet: tuple | None = None
        self._fallback = None
        if self.pack.unmatched_sentence == "finding_words":
            self._quiet = self._quiet_vocabulary()
        if self.pack.unmatched_sentence == "missed_findings" or self.pack.word_fallback.get("enabled"):
            from rxlabel.labeler.fallback import WordFallback

            known, _, placing, lengths = self._quiet_vocabulary()
            self._fallback = WordFallback(self.pack, self.compiled.words, known, placing, lengths, self._admin,
                                          self.compiled.abbreviations)
        if self.pack.lang == "vi":
            from rxlabel.labeler.words_vi import ViWordStage, pack_texts

            texts = pack_texts(self.pack, self.compiled.words)
            known = self.compiled.vocab | set(self.compiled.abbreviations) | {w for t in texts for w in t}
            self._word_stage = ViWordStage(known, texts, self.compiled.abbreviations)
            # A word typed with its marks that the pack knows from its other texts (admin lines, cues) but no phrase
            # uses is that word: the fuzzy stage does not strip it into a phrase word ("gây mê" is no "gãy").
            self._marked_known = frozenset(w for w in known - self.compiled.vocab if strip_diacritics(w) != w)
            self._word_stage.judge = self._is_normal_statement

    def _quiet_vocabulary(self) -> tuple[frozenset[str], frozenset[str], frozenset[tuple[str, ...]], tuple[int, ...]]:
        """(words the pack knows, finding words, placing sequences, their lengths longest first).

        Placing sequences only say where: region words, normal-statement subjects and modifiers, localisations.
        Finding words are those left of every positive phrase once its placing sequences are taken out
        ("tràn khí màng phổi" gives "tràn", "khí"; "mờ kẽ" gives "mờ", "kẽ"); a phrase made only of placing
        sequences ("lao phổi") gives its words no normal statement uses ("lao")."""
        from rxlabel.labeler.words_vi import pack_texts

        words = self.compiled.words
        known = set(self.compiled.vocab) | set(self.compiled.abbreviations)
        known.update(w for t in pack_texts(self.pack, words) for w in t)
        stated = [p for g in self.pack.normal_statements for p in g["subjects"] + g["modifiers"]]
        stated += [p for loc in self.pack.localizations.values() for p in loc.phrases]
        region = [p for ws in self.pack.region_words.values() for p in ws]
        placing = frozenset(tuple(words(v)) for p in region + stated for v in expand_phrase(p)) - {()}
        lengths = tuple(sorted({len(p) for p in placing}, reverse=True))
        stated_words = {w for p in stated for v in expand_phrase(p) for w in words(v)}
        finding_words: set[str] = set()
        for finding in self.pack.findings.values():
            if finding.abnormal or finding.device:
                for variant in (v for p in finding.phrases for v in expand_phrase(p)):
                    ws = words(variant.replace("{*}", " "))
                    finding_words.update(_unplaced(ws, placing, lengths) or [w for w in ws if w not in stated_words])
        return frozenset(known), frozenset(finding_words), placing, lengths

    def __reduce__(self):
        return (Labeler, (self.pack, self.stemmed))

    @property
    def finding_names(self) -> list[str]:
        return sorted(self.pack.findings)

    def __call__(self, text: object, report_id: str | None = None) -> LabelResult:
        return self.label(text, report_id)

    def _is_header(self, name: str) -> bool:
        """Whether ``name`` (lower case) is a section header the pack knows (layout: "[09:02] Tim:" is no speaker)."""
        splitter = self.compiled.splitter
        known = splitter.known(name)
        return known in splitter.headers or known in splitter.skip

    # -- stages -------------------------------------------------------------------------------------

    def label(self, text: object, report_id: str | None = None, *, windows: bool = True) -> LabelResult:
        """Label one report. Non-string or blank text goes to review as ``empty``.

        ``windows=False`` leaves each mention's evidence ``window`` None: the compact and none record formats
        drop it (the offsets recover it), so ``rxlabel label`` does not make it."""
        if not isinstance(text, str) or not text.strip():
            return self._result(report_id, "unlabelled", [], ["empty"])
        if len(text) > UNANALYSED_FACTOR * self.pack.max_chars:
            return self._result(report_id, "unlabelled", [], ["too_long"])
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
        split_text = text
        formats: list[str] = []
        if self._layout is not None:
            split_text, key, formats = self._layout.document(text, key)  # s9-vif: the report inside a document
            if "ai_unconfirmed" in formats:
                reasons.append("ai_unconfirmed")  # s12-sbar: a machine's finding no doctor confirmed (docformat.py)
            split_text, key = self._layout.rewrite(split_text, key, self._is_header)
        split = split_report(split_text, key, self.compiled.splitter)
        if self._superseded is not None:
            split = self._after_superseded(key, split)
        sentences = [s for s in split if not s.skip]
        if self._word_stage is None:  # no capital-letter fixes outside vi: no slice of the text per sentence
            analysed = [(s, self._analysis(key[s.start:s.end])) for s in sentences]
        else:
            analysed = [(s, self._analysis(key[s.start:s.end], self._capital_fixes(text[s.start:s.end])))
                        for s in sentences]
        analysed = [(s, a) for s, a in analysed if a.n_words]
        if (self.pack.skipped_devices or self._skipped_findings) and len(sentences) < len(split):
            if self.pack.skipped_devices:
                skipped = [s for s in split if s.skip]
            else:
                # skipped_findings only: technique lines (headers, labelled sections above the findings header), never
                # the request sections (unread, and costly to analyse: their sentences rarely repeat)
                request = self.compiled.splitter.skip
                skipped = [s for s in split if s.skip and s.section is not None and s.section not in request]
            devices = self._skipped_devices(key, skipped) if skipped else []
            if devices:
                analysed = sorted(analysed + devices, key=lambda sa: sa[0].start)
        if not analysed:
            return self._result(report_id, "unlabelled", [], ["empty", *reasons])
        if self._fallback is not None:
            analysed = self._settle_bare(analysed)
        if self._is_template_report([a for _, a in analysed]):
            return _with_formats(self._template_result(report_id, text, analysed, reasons, windows), formats)
        bullet_regions = self._bullet_regions(analysed) if self.pack.region_sections else {}
        mentions: list[Mention] = []
        fuzzy: list[Mention] = []
        unmatched = 0
        for sentence, analysis in analysed:
            sections = bullet_regions
            if self.pack.region_sections and sentence.bullet not in bullet_regions and analysis.region_counts:
                # Outside a bullet, a finding that takes its section's region ("Nghi tổn thương thứ phát xương sườn
                # V (T)") takes the region its own sentence names.
                sections = {sentence.bullet: "none" if _verdict_head(key[sentence.start:sentence.end], analysis.exact)
                            else self._top_region(dict(analysis.region_counts))}
            if analysis.template is not None:
                mentions += self._build(text, sentence, analysis.exact, sections, "template")
                continue
            # vi: a sentence typed partly with marks whose fuzzy readings only set marks is read as restored
            restored = (self._word_stage is not None and analysis.fuzzy
                        and self._restored_only(key[sentence.start:sentence.end], analysis))
            if not analysis.exact and not restored:
                unmatched += 1
            if restored or (self.pack.fuzzy_label and analysis.fuzzy and _corrections_only(analysis)):
                # fuzzy.label (Spanish): a misspelt word corrected to the pack's vocabulary is read as written
                # correctly: "consolidciones" is a label, and a misspelt cue ("compatile con") rereads the exact
                # match it governs, as a reviewer accepting the suggestion would (review.suggest).
                reread = [e for e in analysis.exact if not any(f[9] < e[10] and e[9] < f[10] for f in analysis.fuzzy)]
                mentions += self._build(text, sentence, reread, sections, "exact")
                mentions += self._build(text, sentence, analysis.fuzzy, sections, "corrected")
                continue
            mentions += self._build(text, sentence, analysis.exact, sections, "exact")
            fuzzy += self._build(text, sentence, analysis.fuzzy, sections, "fuzzy")
        if fuzzy:
            reasons.append("fuzzy_only")
        if not any(m.kind in ("exact", "corrected") for m in mentions):
            if not fuzzy:
                reasons.append("no_match")
        elif unmatched and self.pack.unmatched_sentence in ("review", "finding_words", "missed_findings"):
            reasons.append("unmatched_sentence")
        if self._beside and mentions:
            mentions = self._beside_children(mentions)
        checked = [m for m in mentions if self.pack.findings[m.finding].conflicts] if mentions else mentions
        if self.pack.on_conflict == "positive":
            checked = []  # present wins in aggregation (CheXpert's rule); not a reason for review
        if mentions and (find_conflicts(checked) or self._template_conflict(analysed, mentions)):
            reasons.append("conflict")
        method = "rule" if not reasons else "unlabelled"
        def stated() -> bool:
            return any(isinstance(a.template, Template) or (a.template is None and self._clause_template(key[s.start:s.end]))
                       for s, a in analysed)
        changed = None
        if self._change_trie is not None:
            def changed() -> bool:
                # an administrative / technique line states no change ("TC con protocolo de alta resolución")
                return any(self._states_change(key[s.start:s.end]) for s, a in analysed if a.template != ADMIN)
        result = self._result(report_id, method, mentions, reasons, windows, stated, changed)
        result.evidence += [m.evidence(windows) for m in fuzzy]
        result.suggestions = aggregate_findings(fuzzy)
        normal = self.compiled.normal_finding
        if normal and any(m.status != 0 and m.abnormal for m in fuzzy):
            result.findings.pop(normal, None)  # a suggested finding may make the report abnormal
        return _with_formats(result, formats)

    def _beside_children(self, mentions: list[Mention]) -> list[Mention]:
        """Findings' ``beside``: a finding stated (present or uncertain) in a report that also states the other
        finding is its child ("Imagen de aspecto nodular basal. Se corresponde con la mamila." is a pseudonodule,
        in either order of the sentences); a ruled-out mention keeps its name, and so does one its own sentence puts
        down to a diagnosis ("Nódulo en LSD sugestivo de metástasis. Mamilas en ambas bases.")."""
        stated = {m.finding for m in mentions if m.status != 0}
        diagnosed = {m.sentence_start for m in mentions if m.status != 0 and m.finding in self._diagnoses}
        out = mentions
        for i, m in enumerate(mentions):
            rule = self._beside.get(m.finding) if m.status != 0 and m.sentence_start not in diagnosed else None
            child = next((c for other, c in rule.items() if other in stated and other != m.finding), None) if rule else None
            if child is not None:
                finding = self.pack.findings[child]
                if out is mentions:
                    out = list(mentions)
                out[i] = replace(m, finding=child, abnormal=finding.abnormal,
                                 region=m.region if finding.region == "section" else finding.region)
        return out

    def _restored_only(self, skey: str, analysis: _Analysis) -> bool:
        """vi: whether every fuzzy mention only sets the marks of words typed without them, in a sentence typed
        partly with marks ("tai phân bố tuan hoàn phổi": "tai" is a word of its own, so the word stage leaves it;
        "gợi y ứ máu": a restored hedge), never an edit of a misspelling nor new marks on a marked word: a phrase of two
        words or more, each a pack word as typed or, typed without marks, once its marks are set aside."""
        words, _ = self._words(skey)
        for f in analysis.fuzzy:
            if f[7].startswith("fuzzy_template:") or f[10] - f[9] < 2 or not all(
                    (w.isascii() and w in self._stripped_vocab) or w in self.compiled.vocab for w in words[f[9]:f[10]]):
                return False  # a word typed with marks is read as typed ("bóng mỡ" is no "bóng mờ")
        return True

    def _after_superseded(self, key: str, split: list[Sentence]) -> list[Sentence]:
        """The sentences after the last line that voids what came before it (pack ``superseded_markers``): a
        corrected report's annex is read alone ("Este informe anula al anterior", "El informe anterior corresponde
        a otro paciente. El informe correcto es el siguiente: ..."); nothing after it leaves nothing to label."""
        needles = self._superseded_needles
        if needles is not None and not any(n in key for n in needles):
            return split
        ends = [m.end() for m in self._superseded.finditer(key)]
        if not ends:
            return split
        cut = key.find("\n", ends[-1])
        cut = len(key) if cut < 0 else cut
        return [s for s in split if s.start >= cut]

    def _settle_bare(self, analysed: list[tuple[Sentence, _Analysis]]) -> list[tuple[Sentence, _Analysis]]:
        """BARE sentences: quiet when the report states every region they name normal (``bare_unknown: covered``),
        else unmatched (no template), so they queue the report as any unmatched sentence does."""
        if not any(a.template == BARE for _, a in analysed):
            return analysed
        covered = set()
        if self.pack.word_fallback.get("bare_unknown") == "covered":
            for _, a in analysed:
                if isinstance(a.template, Template):
                    covered.update(self._region_order if "all" in a.template.regions else a.template.regions)
        out = []
        for sentence, a in analysed:
            if a.template == BARE:
                named = {r for r, _ in a.region_counts}
                quiet = bool(named) and named <= covered
                a = a._replace(template=QUIET if quiet else None)
            out.append((sentence, a))
        return out

    def _attributed(self, exact: list[tuple], words: list[str]) -> list[tuple]:
        """Drop a descriptor mention attributed to a later finding ("aumento de densidad en relación con
        atelectasia", "nódulo sugestivo de mamila"): the finding it is attributed to is the label. One
        attributed to a diagnosis ("opacidades sugestivas de COVID") stays: the opacity is what is seen."""
        drop = set()
        for i, d in enumerate(exact):
            if d[0] not in self._descriptors or d[1] == 0:
                continue
            if any(o[9] >= d[10] and o[1] != 0 and o[0] in self._diagnoses for o in exact):
                continue  # the finding is read as a diagnosis ("... compatible con infiltrado neumónico"): all a reading
            for o in exact:
                if (o[9] >= d[10] and o[1] != 0 and o[3] and o[0] not in self._descriptors
                        and o[0] not in self._diagnoses):  # never to film quality ("justificados por falta de inspiración")
                    between = f" {' '.join(words[d[10]:o[9]])} "
                    if o[1] == -1 and any(w in between for w in _HEDGED_CLAUSE):
                        continue  # only hedged as the finding ("... que sugiere infiltrado"): the density stays too
                    if any(cue in between for cue in self._attribution):
                        drop.add(i)
                        break
        return [m for i, m in enumerate(exact) if i not in drop] if drop else exact

    def _qualified(self, exact: list[tuple], words: list[str], clauses: list[int]) -> list[tuple]:
        """Findings' ``qualifiers``: a qualifying word after the mention in its clause, within a few words and no
        coordinator or other finding between ("Granuloma en campo medio derecho calcificado"), makes the mention its
        child; a descriptor mention of just that word ("calcificado": calcified densities) is absorbed."""
        out = list(exact)
        absorbed: set[int] = set()
        for i, m in enumerate(exact):
            table = self._qualifiers.get(m[0])
            if table is None:
                continue
            end = m[10]
            for j in range(end, min(len(words), end + _QUALIFIER_REACH + 1)):
                if clauses[j] != clauses[end - 1] or words[j] in self._coordinators:
                    break
                child = table.get(words[j])
                others = [k for k, o in enumerate(exact) if k != i and o[9] <= j < o[10]]
                if child is not None and all(exact[k][0] in self._descriptors and exact[k][10] - exact[k][9] == 1
                                             for k in others):
                    finding = self.pack.findings[child]
                    out[i] = (child, m[1], finding.region, finding.abnormal, *m[4:])
                    absorbed.update(others)
                    break
                if others:
                    break  # another finding between: the word qualifies that one
        return [m for k, m in enumerate(out) if k not in absorbed] if absorbed or out != exact else exact

    def _most_specific(self, exact: list[tuple], words: list[str], skey: str) -> list[tuple]:
        """Drop a finding that another stated one in the sentence refines (findings.yaml ``specifies``):
        "proceso neumónico ... sugestivo de neumonía por COVID-19" is covid 19, not also pneumonia."""
        specific = [m for m in exact if m[1] != 0 and m[0] in self._general]
        if not specific:
            return exact
        return [g for g in exact if g[1] == 0 or not any(
            g[0] in self._general[s[0]] and not self._conjuncts(g, s, words, skey) for s in specific)]

    def _conjuncts(self, a: tuple, b: tuple, words: list[str], skey: str) -> bool:
        """Whether two mentions of a sentence are separate coordinated terms: a coordinating word (pack
        ``coordinators``) opens the later one, alone or with one word ("infiltrados en ambas bases y consolidación
        en LID", "... y con áreas de consolidación"). Overlapping mentions, or a coordinator inside a list of
        sites ("reticulación en base derecha y en lóbulo superior, sin claros infiltrados"), are one phrase."""
        first, second = (a, b) if a[9] <= b[9] else (b, a)
        if not self._coordinators or second[9] < first[10]:
            return False
        return any(w in self._coordinators for w in words[max(first[10], second[9] - 2):second[9]])

    def _is_admin(self, words: list[str]) -> bool:
        """Whether a sentence opens like an administrative one (pack.yaml ``admin_lines``)."""
        # Most sentences open with a word no admin line opens with: one set look-up instead of a slice per length.
        if words[0] in self._admin_first and any(tuple(words[:n]) in self._admin for n in self._admin_lengths
                                                 if n <= len(words)):
            return True
        if self._admin_plain is None:
            return False
        plain = [self._strip_word(w) for w in words[:self._admin_lengths[-1]]] if self._admin_lengths else []
        return any(tuple(plain[:n]) in self._admin_plain for n in self._admin_lengths if n <= len(plain))

    def _is_quiet(self, words: list[str]) -> bool:
        """Policy ``finding_words``: every word is one the pack knows and none belongs to its finding vocabulary
        (numbers aside). "Chỉ số tim ngực : 0.47", a header line, "Hai phổi sáng" need no person; a word the
        pack does not know ("kén khí", a typo) or a finding word ("vôi", "mờ") still queues the report."""
        known, finding_words, placing, lengths = self._quiet
        if not all(w.isdigit() or w in known for w in words):
            return False
        return not any(w in finding_words for w in _unplaced(words, placing, lengths))

    def _legacy_encoding(self, text: str) -> str | None:
        if self.pack.lang != "vi":
            return None
        from rxlabel.labeler.orthography_vi import detect_legacy_encoding

        return detect_legacy_encoding(text)

    def _capital_fixes(self, sentence: str) -> tuple[tuple[str, str], ...]:
        """vi: abbreviations typed in capitals with a dropped or swapped letter ("CSN", "TDP") and the one
        pack abbreviation each can be; read from the sentence as typed, since its key is lower case."""
        if self._word_stage is None or not any(c.isupper() for c in sentence):
            return ()
        return self._word_stage.capital_fixes(sentence)

    def _analysis(self, skey: str, fixes: tuple[tuple[str, str], ...] = ()) -> _Analysis:
        ckey = (skey, fixes) if fixes else skey
        cached = self._cache.get(ckey)
        if cached is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            cached = self._cache[ckey] = self._analyse(skey, fixes)
        return cached

    def _words(self, skey: str, fixes: tuple[tuple[str, str], ...] = ()) -> tuple[list[str], list[tuple[int, int]]]:
        if self._word_stage is None and self.compiled.stemmer is None:
            # The common case, without per-token tuples or a Python loop: one split gives the separators and the
            # words in turn, and the running sum of their lengths every word's start and end.
            parts = _WORD_SPLIT.split(skey)
            words = parts[1::2]
            table = self.compiled.abbreviations
            if not table or table.keys().isdisjoint(words):
                offsets = list(accumulate(map(len, parts), initial=0))
                return words, list(zip(offsets[1::2], offsets[2::2], strict=False))  # one start more: the end
        tokens = tokenize(skey)
        if self._word_stage is not None:
            # vi: diacritics, glued words, "(-)", CTR, ordinals, misspelt capital abbreviations
            tokens = self._word_stage(skey, tokens, dict(fixes))
        tokens = expand_abbreviations(tokens, self.compiled.abbreviations)
        words = [w for w, _, _ in tokens]
        spans = [(s, e) for _, s, e in tokens]
        stemmer = self.compiled.stemmer
        if stemmer is not None and words:
            kept = [(st, sp) for st, sp in zip(stemmer(words), spans, strict=True) if st]
            words, spans = [w for w, _ in kept], [sp for _, sp in kept]
        return words, spans

    def _analyse(self, skey: str, fixes: tuple[tuple[str, str], ...] = ()) -> _Analysis:
        """Template, exact mentions, fuzzy suggestions and region words of one sentence key."""
        words, spans = self._words(skey, fixes)
        if not words:
            return _Analysis(0, None, (), (), ())
        if (self._admin_re is not None and self._admin_re.search(strip_diacritics(skey))) or (
                self._admin_marked_re is not None and self._admin_marked_re.search(skey)):
            # a letterhead or a place-and-date footer: read before any restoration makes findings of its words
            return _Analysis(len(words), ADMIN, (), (), ())
        template = self._template(skey, words, spans)
        barriers = self._barriers(skey, spans)
        matches = self.compiled.trie.scan(words, barriers)
        if self.compiled.inverted is not None and REGION_WORD in matches:  # an inverted phrase opens with a region word
            matches = self._with_inverted(matches, skey, words, spans)
        if EXCLUDE in matches and FINDING in matches:
            matches = self._rescued(matches, words, barriers)
        if template is not None:
            # A normal statement still names what it rules out ("no pleural effusion"): keep those negatives.
            # So does a boilerplate technique line the film quality of skipped_findings ("Rx tórax en decúbito"), and a
            # normal clause the stability it is stated beside (change_drops: "Comparado con la previa, no se
            # observan hallazgos sobreañadidos" is `unchanged`).
            negatives = tuple(m for m in self._mentions(matches, spans, self._clauses(skey, spans), skey)
                              if m[1] == 0 or m[0] in self._skipped_findings
                              or (m[0] in self._change_drops and isinstance(template, Template)))
            return _Analysis(len(words), template, (), negatives, ())
        counts: dict[str, int] = {}
        for match in matches.get(REGION_WORD, ()):
            counts[match.payload] = counts.get(match.payload, 0) + 1
        clauses = self._clauses(skey, spans, words, matches.get(LOC, ()), matches.get(FINDING, ()), matches.get(CUE, ()))
        exact = self._mentions(matches, spans, clauses, skey)
        if self._qualifiers and exact:
            exact = self._qualified(exact, words, clauses)
        if self._descriptors and len(exact) > 1:
            exact = self._attributed(exact, words)
        named = exact
        if self._general and len(exact) > 1:
            exact = self._most_specific(exact, words, skey)
        fuzzy = self._fuzzy(words, spans, clauses, exact) if self.pack.fuzzy_enabled else ()
        if fuzzy and len(exact) < len(named):
            # A correction elsewhere in the sentence re-reads the general mentions the most specific label dropped
            # ("opacidades reticulares con patrón intersticial" is the reticular pattern): re-read, they stay dropped.
            dropped = [m for m in named if m not in exact]
            fuzzy = [m for m in fuzzy if not any(d[0] == m[0] and d[9] < m[10] and m[9] < d[10] for d in dropped)]
        if fuzzy and self._descriptors:
            exact = _inside_corrected(exact, fuzzy, self._descriptors)
        if not exact and not fuzzy and self._is_admin(words):
            # Technique, comparison, advice, signature: skipped, never a reason to review (a misspelt finding
            # in one, "Rx portátil: consolidciones", is still read).
            return _Analysis(len(words), ADMIN, (), (), ())
        if not exact and not fuzzy and self._quiet is not None and self._is_quiet(words):
            return _Analysis(len(words), QUIET, (), (), ())
        if not exact and not fuzzy and self._fallback is not None:
            # pack word_fallback / unmatched_sentence missed_findings (fallback.py): a keyword label where the words
            # and the region the sentence names agree; otherwise quiet unless a finding word is stated
            cues = [CueSpan(m.start, m.end, m.payload) for m in matches.get(CUE, ())]
            queue, labelled = self._fallback.decide(words, spans, cues, clauses, counts)
            if labelled:
                return _Analysis(len(words), None, tuple(counts.items()), labelled, ())
            if not queue and self.pack.unmatched_sentence == "missed_findings":
                bare = self.pack.word_fallback.get("bare_unknown", "review")
                if bare != "quiet" and self._fallback.bare_unknown(words, WORD.findall(skey), cues, clauses) and (
                        bare != "placed" or counts or LOC in matches or self._fallback.foreign_word(words)):
                    # "placed": only a bare sentence that names a part of the chest (a region word, a side) or a term
                    # no Vietnamese syllable spells ("Sarcoidosis giai đoạn II") may hold a finding
                    return _Analysis(len(words), BARE, tuple(counts.items()), (), ())
                return _Analysis(len(words), QUIET, (), (), ())
        return _Analysis(len(words), None, tuple(counts.items()), tuple(exact), tuple(fuzzy))

    def _with_inverted(self, matches: dict[str, list[Match]], skey: str, words: list[str],
                       spans: list[tuple[int, int]]) -> dict[str, list[Match]]:
        """Pack ``inverted_phrases``: subject-first orders ("quai động mạch chủ phình giãn") where no written phrase
        matched, inside one clause (no punctuation within: "hai phổi, kén khí" is no "phổi kén")."""
        found = self.compiled.inverted.scan(words).get(FINDING)
        if not found:
            return matches
        taken = matches.get(FINDING, [])
        extra = [m for m in found
                 if not any(c in skey[spans[m.start][1]:spans[m.end - 1][0]] for c in _CLAUSE_PUNCT)
                 and not any(t.start < m.end and m.start < t.end for t in taken)]
        if not extra:
            return matches
        return {**matches, FINDING: sorted([*taken, *extra], key=lambda m: m.start)}

    def _rescued(self, matches: dict[str, list[Match]], words: list[str], barriers: set[int]) -> dict[str, list[Match]]:
        """A finding match that an exclusion starting inside it removes entirely gives its words back: the phrase
        that opens at the exclusion is matched instead ("Có hình ảnh nốt vôi": the nodule phrase "hình ảnh nốt"
        took "nốt", its exclusion "nốt vôi" dropped it, and the calcified granuloma "nốt vôi" was never tried)."""
        findings = matches[FINDING]
        out = list(findings)
        for match in findings:
            names = {name for _, name, _ in match.payload}
            inside = [x for x in matches[EXCLUDE] if x.payload in names and match.start < x.start < match.end]
            if not inside or not names <= {x.payload for x in inside}:
                continue
            at = min(x.start for x in inside)
            shifted = {b - at for b in barriers if b > at}
            head = next((m for m in self.compiled.trie.scan(words[at:], shifted).get(FINDING, ()) if m.start == 0), None)
            if head is None:
                continue
            rescued = Match(FINDING, at, at + head.end, head.payload)
            out = [m for m in out if m is not match and not (m.start < rescued.end and rescued.start < m.end)]
            out.append(rescued)
        if len(out) == len(findings) and all(a is b for a, b in zip(out, findings, strict=True)):
            return matches
        return {**matches, FINDING: sorted(out, key=lambda m: m.start)}

    def _skipped_devices(self, key: str, skipped: list[Sentence]) -> list[tuple[Sentence, _Analysis]]:
        """Skipped sentences that state a device present, each with only its device mentions (pack
        ``skipped_devices``): a tube named in the clinical field is on the film; nothing else there is read.
        Likewise the findings of pack ``skipped_findings`` (film quality: "Rx tórax en decúbito:")."""
        out = []
        for sentence in skipped:
            analysis = self._analysis(key[sentence.start:sentence.end])
            devices = tuple(m for m in analysis.exact if m[1] == 1 and (
                m[0] in self._skipped_findings or (self.pack.skipped_devices and self.pack.findings[m[0]].device)))
            if devices:
                out.append((sentence, _Analysis(analysis.n_words, None, (), devices, ())))
        return out

    def _barriers(self, skey: str, spans: list[tuple[int, int]]) -> set[int]:
        """Word indices a phrase break (pack ``phrase_breaks``) stands before: a key before ':' never joins a
        phrase with the words after it ("Phim phổi: Xẹp đốt sống ngực D7" is no "phổi xẹp")."""
        breaks = self.pack.phrase_breaks
        if not breaks or not any(c in skey for c in breaks):
            return set()
        return {i for i in range(1, len(spans))
                if any(c in breaks for c in skey[spans[i - 1][1]:spans[i][0]])}

    def _template(self, skey: str, words: list[str], spans: list[tuple[int, int]]) -> Template | str | None:
        """A whole-sentence template, a normal statement (normals.py), or every clause one of these."""
        template = self.compiled.templates.lookup(" ".join(words))
        if template is not None or not self._normals:
            return template
        template = self._normals.match(words)
        if template is not None:
            return template
        return self._clausewise(skey, words, spans)

    def _clausewise(self, skey: str, words: list[str], spans: list[tuple[int, int]]) -> Template | str | None:
        """"Tim không to, trung thất không giãn": each clause a normal statement -> one with all their regions.

        Clauses that only name regions before a colon or a spaced dash are a heading ("Tim - trung thất:
        không to, không giãn"); a clause after it may be a bare predicate that completes the heading.
        """
        breaks = [m.start() for m in _CLAUSEWISE_BREAK.finditer(skey)]
        if not breaks:
            return None
        ids = clause_ids([sp[0] for sp in spans], breaks)
        clauses: list[list[str]] = []
        last = None
        for word, cid in zip(words, ids, strict=True):
            if cid != last:
                clauses.append([])
            clauses[-1].append(word)
            last = cid
        if len(clauses) < 2:
            return None
        normals = self._normals
        context: list[str] = []   # subjects a bare predicate clause completes ("xương đòn liên tục, cân xứng")
        pending = False           # a clause that only named subjects still waits for its predicate
        regions: list[str] = []
        for clause in clauses:
            hit = self.compiled.templates.lookup(" ".join(clause)) or normals.match(clause)
            if hit is None and context:
                hit = normals.match(context + clause)
            if hit is None and "và" in clause:
                hit = self._joined_by_and(clause, context)
            if hit is None:
                if normals.is_subjects(clause):
                    context, pending = (context if pending else []) + clause, True
                    continue
                return None
            pending = False
            if isinstance(hit, Template):
                regions += [r for r in hit.regions if r not in regions]
                context = normals.subject_prefix(clause) or context
        if pending or not regions:
            return None if pending else "clauses"
        return Template(" ".join(words), ("all",) if "all" in regions else tuple(regions))

    def _is_normal_statement(self, skey: str, tokens: list[tuple[str, int, int]]) -> bool | frozenset:
        """The Vietnamese word stage's tie-breaker between unaccented readings: True when the tokens of
        ``skey`` are a template or normal statement (clause by clause included), else the findings and
        statuses the rules read in them (an empty set when none)."""
        tokens = expand_abbreviations(tokens, self.compiled.abbreviations)
        words, spans = [w for w, _, _ in tokens], [(s, e) for _, s, e in tokens]
        if self._template(skey, words, spans) is not None:
            return True
        mentions = self._mentions(self.compiled.trie.scan(words), spans, self._clauses(skey, spans), skey)
        return frozenset((m[0], m[1]) for m in mentions)

    def _joined_by_and(self, clause: list[str], context: list[str]) -> Template | None:
        """"hai trường phổi sáng và phế quản không dày thành": two normal statements joined by "và"."""
        regions: list[str] = []
        part: list[str] = []
        for word in [*clause, "và"]:
            if word != "và" or not part:
                part.append(word)
                continue
            hit = self._normals.match(part) or (self._normals.match(context + part) if context else None)
            if not isinstance(hit, Template):
                return None
            regions += [r for r in hit.regions if r not in regions]
            part = []
        return Template(" ".join(clause), tuple(regions)) if regions else None

    def _is_template_report(self, analyses: list[_Analysis]) -> bool:
        covered: set[str] = set()
        for analysis in analyses:
            if analysis.template is None:
                return False
            if isinstance(analysis.template, Template):
                covered.update(analysis.template.regions)
        if self.pack.template_coverage == "any":
            return bool(covered)
        return "all" in covered or (bool(covered) and covered >= set(self._region_order))

    def _template_result(self, report_id, text, analysed, reasons, windows: bool = True) -> LabelResult:
        normal = self.compiled.normal_finding
        evidence = [
            evidence_item(normal, 1, s.start, s.end, None, f"template:{a.template.text}", [], "template", s.start,
                          text[s.start:s.end])
            for s, a in analysed if isinstance(a.template, Template)
        ]
        negatives = [m for s, a in analysed for m in self._build(text, s, a.exact, {}, "template")]
        result = self._result(report_id, "template" if not reasons else "unlabelled", negatives, reasons, windows)
        if normal:
            result.findings[normal] = 1
        result.evidence = evidence + result.evidence
        return result

    def _bullet_regions(self, analysed: list[tuple[Sentence, _Analysis]]) -> dict[int, str]:
        """Region of each bullet from its content words (most hits; ties go to the pack's order)."""
        counts: dict[int, dict[str, int]] = {}
        for sentence, analysis in analysed:
            if sentence.bullet is None:
                continue
            tally = counts.setdefault(sentence.bullet, {})
            for region, n in analysis.region_counts:
                tally[region] = tally.get(region, 0) + n
        return {b: self._top_region(t) for b, t in counts.items() if t}

    def _top_region(self, tally: dict[str, int]) -> str:
        """The region with the most word hits; ties go to the pack's order."""
        order = {r: i for i, r in enumerate(self.pack.region_words)}
        return min(tally, key=lambda r: (-tally[r], order.get(r, 99)))

    def _cue_span(self, m: Match, findings: list[Match], clauses: list[int], after_comma: frozenset[int] = frozenset(),
                  word: Callable[[int], str] | None = None) -> CueSpan:
        """A cue match as a span; a pseudo cue that opens its clause and whose last words open a finding ("Không khí
        phế thũng", a checklist's "[ ] Khí phế thũng" written "ko Khí phế thũng") is the one-word negation it starts
        with ("Hình ảnh không khí dưới da", "có không khí ...": the air itself, the pseudo cue stands). So is one that
        opens a comma's clause (``after_comma``: "Thành ngực cân xứng, không khí dưới da", a list of normal findings)."""
        if m.payload.category == "pseudo" and (m.start == 0 or clauses[m.start - 1] != clauses[m.start]
                                               or m.start in after_comma):
            words = m.payload.text.split()
            for f in findings:
                if m.start < f.start < m.end < f.end and f.start - m.start == 1 and words[0] in self._negation_words:
                    return CueSpan(m.start, f.start, self._negation_words[words[0]])
        if word is not None and m.payload.category == "negated" and m.end - m.start > 1 and self.pack.resolution_turns:
            if m.payload.direction == "after":
                return self._resolved_forward(m, findings, clauses, word)
            if m.payload.direction == "before" and word(m.end - 1) in self._open_verbs and self._closes_clause(
                    m, clauses, word):
                return self._resolved_backward(m, findings, clauses)
        return CueSpan(m.start, m.end, m.payload)

    @staticmethod
    def _closes_clause(m: Match, clauses: list[int], word: Callable[[int], str]) -> bool:
        """Whether nothing but "nữa" (any more) follows the cue in its clause."""
        i = m.end
        while i < len(clauses) and clauses[i] == clauses[m.start] and word(i) in ("nữa", "nua"):
            i += 1
        return i == len(clauses) or clauses[i] != clauses[m.start]

    def _resolved_backward(self, m: Match, findings: list[Match], clauses: list[int]) -> CueSpan:
        """s12-viresolved: a forward negation of several words ending with its verb that closes its clause, after a
        finding ("Nốt mờ ... trên phim cũ không còn thấy", "Tràn khí màng phổi không thấy nữa"), denies the finding
        before it: the cue reads both ways. A lone "không" there is the question particle, so one word never turns."""
        if not any(f.end <= m.start and clauses[f.start] == clauses[m.start] for f in findings):
            return CueSpan(m.start, m.end, m.payload)
        return CueSpan(m.start, m.end, self._turned(m.payload))

    def _turned(self, cue: Cue) -> Cue:
        both = self._both_ways.get(id(cue))
        if both is None:
            both = self._both_ways[id(cue)] = replace(cue, direction="both")
        return both

    def _resolved_forward(self, m: Match, findings: list[Match], clauses: list[int], word: Callable[[int], str],
                          ) -> CueSpan:
        """s12-viresolved: a backward resolution cue ("X đã hết") whose last word is a forward negation ("hết X")
        hides that word's direction by its longer match: "Đã hết tràn dịch màng phổi phải" read the effusion present.
        When no finding stands before it in its clause, the cue reads both ways (what follows it is what has gone)."""
        last = self._turn_words.get(word(m.end - 1))
        if last is None or last.direction == "after" or any(
                f.end <= m.start and clauses[f.start] == clauses[m.start] for f in findings):
            return CueSpan(m.start, m.end, m.payload)
        return CueSpan(m.start, m.end, self._turned(m.payload))

    @staticmethod
    def _near_site(finding: Finding, match: Match, loc_matches: list[Match], comma_ids: list[int],
                   after_comma: frozenset[int] = frozenset(), skey: str = "",
                   spans: list[tuple[int, int]] | None = None) -> str | None:
        """The ``near_sites`` child of a mention: a listed localization in the mention's comma clause, up to 3 words
        before it or at most one word after it (pack.Finding.near_sites); the nearest wins. s12-visite: or one at the
        end of the comma clause before, when the mention's own clause, opened by the comma, has no subject of its own
        (only "có" / "thấy" / "kèm" before the mention: "Trung thất trên rộng, có khối mờ bờ đa cung") and no
        negation stands between the site and the mention ("Trung thất không rộng, có khối mờ ..." keeps the lung's)."""
        best = None
        own = comma_ids[match.start]
        for m in loc_matches:
            child = finding.near_sites.get(m.payload)
            if child is None or comma_ids[m.end - 1] != comma_ids[m.start]:
                continue
            if comma_ids[m.start] != own:
                if spans is None or m.end > match.start or comma_ids[m.start] != own - 1:
                    continue
                opens = match.start
                while opens > 0 and comma_ids[opens - 1] == own:
                    opens -= 1
                if opens not in after_comma or any(
                        skey[a:b] not in _SUBJECTLESS for a, b in spans[opens:match.start]) or any(
                        skey[a:b] in _NEAR_NEGATIONS for a, b in spans[m.end:opens]):
                    continue
            gap = match.start - m.end if m.end <= match.start else m.start - match.end if m.start >= match.end else -1
            if gap < 0 or gap > (3 if m.end <= match.start else 1):
                continue
            if best is None or gap < best[0]:
                best = (gap, child)
        return best[1] if best else None

    def _mentions(self, matches: dict[str, list[Match]], spans: list[tuple[int, int]], clauses: list[int],
                  skey: str = "", words: list[str] | None = None) -> list[tuple]:
        findings = matches.get(FINDING)
        if not findings:
            return []
        # s12-viwrong: the words a comma opens a clause with (a pseudo cue there opens its statement, _cue_span)
        after_comma = frozenset(i for i in range(1, len(spans)) if "," in skey[spans[i - 1][1]:spans[i][0]]) \
            if "," in skey else frozenset()
        excluded = matches.get(EXCLUDE, [])
        # A cue inside a finding phrase is the phrase's own word, unless it is the whole of a phrase read only as a
        # negative (vi "bình thường": a normal statement, and a form's answer after a finding "Tràn dịch: bình thường").
        word = (lambda i: skey[spans[i][0]:spans[i][1]]) if skey else words.__getitem__ if words is not None else None
        cues = [self._cue_span(m, findings, clauses, after_comma, word) for m in matches.get(CUE, ())
                if not any(f.start <= m.start and m.end <= f.end and not _only_negative(f, m) for f in findings)]
        # A follow-up phrase (pack change_drops) that opens with its own negation ("ni cambios con la previa",
        # "sin otros cambios") is already the negated statement: an outer cue listing it does not negate it again.
        held = {m.start for m in matches.get(CUE, ()) if m.payload.category == "negated"} if self._change_drops else ()
        loc_matches = matches.get(LOC, ())
        locs = tuple(sorted({m.payload for m in loc_matches}))
        # the comma clauses, only where a finding of the pack has near_sites to read them (_near_site)
        comma_ids = clause_ids([sp[0] for sp in spans], sorted(
            {spans[i][0] - 1 for i in after_comma} | {spans[i][0] - 1 for i in range(1, len(spans))
                                                      if clauses[i] != clauses[i - 1]})) if loc_matches and self._near_sites else ()
        chain = [(f.start, f.end) for f in findings] if self.pack.scope_chaining and len(findings) > 1 else None
        out = []
        for match in findings:
            context = None
            for polarity, name, phrase in match.payload:
                if excluded and any(x.payload == name and x.start < match.end and match.start < x.end
                                    for x in excluded):
                    continue
                finding = self.pack.findings[name]
                if finding.near_sites and comma_ids:
                    child = self._near_site(finding, match, loc_matches, comma_ids, after_comma, skey, spans)
                    if child is not None:
                        name, finding = child, self.pack.findings[child]
                if finding.sites and locs:
                    # Granularity (PadChest): a site the sentence names picks the finding's child label.
                    child = next((c for loc, c in finding.sites.items() if loc in locs), None)
                    if child == SITE_OUTSIDE:
                        continue  # a site outside the chest ("quistes renales"): no chest finding
                    if child is not None:
                        name, finding = child, self.pack.findings[child]
                if polarity == "neg":
                    status, cue = 0, None
                elif held and match.start in held and name in self._change_drops:
                    status, cue = 1, None
                else:
                    if context is None:
                        context = resolve(match.start, match.end, cues, clauses, chain, self.pack.scope_chaining)
                    status, cue = context
                    if status is None:
                        continue  # cue category "purpose": the study's purpose, not a finding
                    if status == 0 and name in self._change_drops and (match.start - cue.end > 1 or any(
                            cue.end <= f.start and f.end <= match.start for f in findings)):
                        # a comparison is not denied by a negation of what comes before it: "estudio sin hallazgos
                        # de significación similar a previo", "no se identifican condensaciones, sin variaciones"
                        status, cue = 1, None
                cue_span = (spans[cue.start][0], spans[cue.end - 1][1]) if cue else None
                rule = f"{'phrase' if polarity == 'pos' else 'negative_phrase'}:{phrase}"
                out.append((name, status, finding.region, finding.abnormal, spans[match.start][0],
                            spans[match.end - 1][1], cue_span, rule, locs, match.start, match.end))
        return out

    def _clauses(self, skey: str, spans: list[tuple[int, int]], words: list[str] | None = None,
                 locs: tuple[Match, ...] | list[Match] = (), finds: tuple[Match, ...] | list[Match] = (),
                 cues: tuple[Match, ...] | list[Match] = ()) -> list[int]:
        breaks = self._break_re
        positions = [m.start() for m in breaks.finditer(skey)] if breaks is not None else []
        if skey[:1] == "(" or skey.lstrip()[:1] == "(":
            # an aside opening the sentence ("(tầm soát bệnh nghề nghiệp) Tràn khí màng phổi trái"): its cues end with it
            aside = _LEADING_ASIDE.match(skey)
            if aside:
                positions = sorted(set(positions) | {aside.end() - 1})
        if "(" in skey:
            # a negation inside a bracketed aside ends with it ("Bổ sung (AI không đánh dấu): chưa loại trừ vòm hoành
            # phải lên cao"): what follows is not in its scope (vi words; Spanish asides have _CLOSED_ASIDE)
            ends = [m.end() - 1 for m in _NEGATED_ASIDE.finditer(skey)]
            if ends:
                positions = sorted(set(positions) | set(ends))
        if words is not None and (self._statement_words or self._statement_locs) and "," in skey:
            positions = sorted(set(positions + self._statement_commas(skey, spans, words, locs, positions)))
        elif (words is not None and self.pack.run_statements and len(words) >= self.pack.run_statements
              and len(finds) > 1 and _PUNCTUATED.search(skey) is None):
            # s12-sbar: an unpunctuated run (an SMS): a comma read before each finding after the first, kept where
            # its clause is a statement of its own ("ko thay tdmp dam mo day phoi p": the opacity is not negated)
            virtual = self._run_cuts(spans, words, finds, cues)
            positions = sorted(set(positions + self._statement_commas(skey, spans, words, locs, positions, virtual)))
        if not positions:
            return [0] * len(spans)
        return clause_ids([sp[0] for sp in spans], positions)

    def _run_cuts(self, spans: list[tuple[int, int]], words: list[str], finds, cues) -> list[int]:
        """s12-sbar: where an unpunctuated run's missing commas stood: before each finding that starts after the end
        of the finding before it (before a forward cue between them: "... tdmp ko thay dam mo" puts "ko thay" with
        the opacity; a cue read backward, "TDMP P đã hết", stays with the finding before it), unless a joiner (pack
        ``run_joiners``: "và", "hoặc") stands right before it (a list)."""
        joiners = self._run_joiners
        cuts: set[int] = set()
        prev_end = None
        for f in sorted(finds, key=lambda m: (m.start, -m.end)):
            if prev_end is None or f.start >= prev_end:
                prev_end = prev_end or 0  # the words before the first finding ("kq xq bn nam 50t") are a clause too
                at = min([c.start for c in cues if prev_end <= c.start < f.start
                          and getattr(c.payload, "direction", "") == "before"] or [f.start])
                if at > 0 and words[at - 1] not in joiners and spans[at][0] > 0:
                    cuts.add(spans[at][0] - 1)
            prev_end = max(prev_end or 0, f.end)
        return sorted(cuts)

    def _statement_commas(self, skey: str, spans: list[tuple[int, int]], words: list[str],
                          locs: tuple[Match, ...] | list[Match] = (), breaks: list[int] | tuple = (),
                          virtual: list[int] | tuple = ()) -> list[int]:
        """Commas that end a cue's scope: the next clause holds a statement word (pack ``statement_words``), or
        names exactly one localisation of ``statement_localizations`` and the clause before it names none."""
        commas = sorted({m.start() for m in _COMMA.finditer(skey)} | set(virtual))
        # A comma clause ends at the next comma or clause break (``breaks``, pack clause_breaks): "không tràn dịch,
        # tràn khí màng phổi ; tim không to" -- the "to" after the ";" is no new statement in the comma's clause.
        cuts = sorted(set(commas).union(breaks)) if breaks else commas
        ids = clause_ids([sp[0] for sp in spans], cuts)
        stated = {cid for word, cid in zip(words, ids, strict=True) if cid and word in self._statement_words}
        if self._statement_locs and locs:
            sides: dict[int, set[str]] = {}
            for m in locs:
                if m.payload in self._statement_locs:
                    sides.setdefault(ids[m.start], set()).add(m.payload)
            # one side named ("... phải và trái nhọn" names both: a list, not a new statement); a side that ends its
            # clause after a clause naming no site is the site of both ("không thấy tràn dịch, tràn khí màng phổi
            # phải": the effusion is as much the right pleura's as the pneumothorax)
            last = {cid: i for i, cid in enumerate(ids)}
            stated |= {cid for cid, named in sides.items() if cid and len(named) == 1 and cid - 1 not in sides
                       and not (any(m.end == last[cid] + 1 and ids[m.start] == cid for m in locs
                                    if m.payload in named) and not self._names_site(words, ids, cid - 1))}
        comma_set = set(commas)
        return [cuts[cid - 1] for cid in sorted(stated) if cuts[cid - 1] in comma_set]

    def _names_site(self, words: list[str], ids: list[int], cid: int) -> bool:
        """Whether comma clause ``cid`` names a region word ("màng phổi", "phổi", "xương sườn")."""
        clause = tuple(w for w, c in zip(words, ids, strict=True) if c == cid)
        return any(clause[i:i + n] in self._site_seqs for n in range(1, 4) for i in range(len(clause) - n + 1))

    def _build(self, text: str, sentence: Sentence, items: list[tuple], bullet_regions: dict[int, str],
               kind: str) -> list[Mention]:
        out = []
        base = sentence.start
        sentence_text = None
        for name, status, region, abnormal, start, end, cue_span, rule, locs, *_ in items:
            if sentence_text is None:
                sentence_text = text[base:sentence.end]
            if region == "section":
                region = bullet_regions.get(sentence.bullet, "none")
            cue = text[base + cue_span[0]:base + cue_span[1]] if cue_span else None
            out.append(Mention(name, status, region, abnormal, base + start, base + end, sentence_text, base, cue,
                               rule, list(locs), kind))
        return out

    # -- fuzzy --------------------------------------------------------------------------------------

    def _correct_word(self, word: str) -> str | None:
        if len(word) < self.pack.fuzzy_min_length:
            return self._correct_short(word) if len(word) >= self.pack.fuzzy_short_min_length > 0 else None
        # Misspellings keep the first letter and differ by an edit or two; requiring both keeps real words
        # the pack does not know ("distribución") from being read as ones it does ("redistribución").
        # Transpositions ("dihc") count as one edit (optimal string alignment); the nearest candidate wins.
        limit = max(1, len(word) // 5)
        swapped = word[1] + word[0] + word[2:]
        if swapped in self._stripped_vocab:
            return swapped  # the first two letters typed the other way round ("gnày" is "ngày", never "gãy")
        choices = self._vocab_by_initial.get(word[0])
        if not choices:
            return None  # no vocabulary word starts with this letter (a number, a stray sign): nothing to correct to
        best = None
        for candidate, score, _ in process.extract(word, choices, scorer=fuzz.ratio, limit=8,
                                                   score_cutoff=self.pack.fuzzy_min_score):
            distance = OSA.distance(word, candidate)
            if candidate != word and distance <= limit and (best is None or (distance, -score) < best[:2]):
                best = (distance, -score, candidate)
        return best[2] if best else None

    def _correct_short(self, word: str) -> str | None:
        """Pack fuzzy.short_min_length: a short word outside the vocabulary ("aumeto", "difudo") is the one pack word
        with its first and last letters one edit away (a transposition counts as one), when no other is; a short word
        the ratio cutoff of _correct_word refuses (one edit in six letters scores under 90). The last letter must agree:
        Spanish inflects at the end, and a short word that differs there is a real word the pack lacks ("estar" is no
        "estan", "debida" no "debido", "valora" no "valorar")."""
        choices = self._vocab_by_initial.get(word[0])
        if not choices:
            return None
        near = [c for c, _, _ in process.extract(word, choices, scorer=OSA.distance, limit=2, score_cutoff=1)
                if c != word and c[-1] == word[-1] and len(c) >= self.pack.fuzzy_short_min_length]
        return near[0] if len(near) == 1 else None

    def _fuzzy(self, words: list[str], spans: list[tuple[int, int]], clauses: list[int], exact: list[tuple]) -> list[tuple]:
        """Mentions found only after restoring diacritics or correcting a misspelling."""
        typed = words  # the words as keyed, for the cues that read their own words (_cue_span)
        vocab = self.compiled.vocab
        if vocab.issuperset(words):
            return []
        correct, shortest = self._correct, self.pack.fuzzy_short_min_length or self.pack.fuzzy_min_length
        if self._plain_vocab:
            # Accent-insensitive pack: its words are already accent-free and the two vocabularies and template
            # sets are the same, so only the words outside the vocabulary (one set operation), and of them only
            # those long enough to correct, are offered to the corrector. No correction: the stripped template
            # is the exact one (not found) and the stripped trie scans the same words, so nothing is new.
            fixes = {w: c for w in set(words).difference(vocab) if len(w) >= shortest and (c := correct(w))}
            if not fixes:
                return []
            corrected = [fixes.get(w, w) for w in words]
        else:
            stripped_vocab = self._stripped_vocab
            if not self.pack.diacritics_insensitive:
                strip, marked = self._strip_word, self._marked_known
                words = [w if w in marked else strip(w) for w in words]
            # A word shorter than fuzzy.min_length is never corrected (_correct_word): not offered, so the running
            # numbers and codes of real text do not fill the corrector's memo.
            corrected = [w if w in stripped_vocab or len(w) < shortest else (correct(w) or w) for w in words]
        # s12-estypo: a short word's correction (fuzzy.short_min_length) may label a finding it completes, never send
        # a sentence to review: one edit in five or six letters is as likely a real word the pack lacks
        longest_short = self.pack.fuzzy_min_length
        short_only = shortest < longest_short and _short_only(corrected, words, longest_short)
        if not exact:
            template = self.compiled.stripped_templates.lookup(" ".join(corrected))
            if isinstance(template, Template) and not short_only:
                name = self.compiled.normal_finding or "normal"
                return [(name, 1, "none", False, spans[0][0], spans[-1][1], None, f"fuzzy_template:{template.text}",
                         [], 0, len(words))]
        if corrected == words and self.pack.diacritics_insensitive:
            return []
        found = self._mentions(self.compiled.stripped_trie.scan(corrected), spans, clauses, words=typed)
        if found and self._word_stage is not None and self._word_stage.foreign(words):
            # An English or French line: only a misspelling corrected, never a typed word read as an unaccented
            # Vietnamese one ("The mediastinum is not widened" has no "nốt").
            edited = [c != w for c, w in zip(corrected, words, strict=True)]
            found = [m for m in found if any(edited[m[9]:m[10]])]
        cues = [e[6] for e in exact if e[6]]
        if cues:
            # a word the exact reading took as a cue is no finding: "đã khỏi" (healed) negates what it follows, and
            # stripped of its marks "khỏi" would read "khối" (a mass, present)
            found = [m for m in found if not any(c[0] <= m[4] and m[5] <= c[1] for c in cues)]
        taken = {m[7].split(":", 1)[1] for m in exact}
        kept = []
        for m in found:
            overlapping = [e for e in exact if e[9] < m[10] and m[9] < e[10]]
            if overlapping:
                # The corrected text reads an exact mention differently (a misspelled cue), or reads a longer
                # phrase around it ("tràn dịch mang ngoài tim"): a person decides.
                if short_only:
                    continue
                if any(e[0] == m[0] and e[1] != m[1] for e in overlapping) or all(
                        m[9] <= e[9] and e[10] <= m[10] and m[10] - m[9] > e[10] - e[9] for e in overlapping):
                    kept.append(m)
            elif m[7].split(":", 1)[1] not in taken:
                kept.append(m)
        return kept

    # -- output -------------------------------------------------------------------------------------

    def _states_change(self, skey: str) -> bool:
        """Whether the sentence key states a change (pack ``change_words``) that no negation before it denies: "no
        se visualizan cambios ..., que sugieran progresión" states none. Cached by sentence, as analyses are."""
        cached = self._change_cache.get(skey)
        if cached is None:
            if len(self._change_cache) >= _CACHE_LIMIT:
                self._change_cache.clear()
            words = WORD.findall(skey)
            if "(" in skey:
                # a negation inside a closed parenthesis denies nothing after it: "opacidades en el pulmón izquierdo
                # (sin cambios) y en la base derecha (que han empeorado)" states a change
                words = WORD.findall(_CLOSED_ASIDE.sub(lambda m: " (" + " ".join(
                    "_" for _ in WORD.findall(m.group(1))) + ") ", skey))
            cached = self._change_cache[skey] = any(
                _CHANGE_NEGATIONS.isdisjoint(words[max(0, m.start - _CHANGE_NEGATION_WINDOW):m.start])
                for m in self._change_trie.scan(words).get(_CHANGE, ()))
        return cached

    def _clause_template(self, skey: str) -> bool:
        """Whether a comma / semicolon / colon clause of the sentence is a whole normal template: "Realizado en
        decúbito, sin alteraciones significativas", "Estabilidad radiológica: sin hallazgos significativos" state the
        study normal beside its film quality or its stability (normal_beside_nonfindings)."""
        lookup = self.compiled.templates.lookup
        if ("," in skey or ";" in skey or ":" in skey) and any(
                isinstance(lookup(" ".join(WORD.findall(clause))), Template) for clause in re.split(r"[,;:]", skey)):
            return True
        return self._edge_template(skey)

    def _edge_template(self, skey: str) -> bool:
        """Whether a clause opens or closes with a whole normal template, the rest of it a comparison or its subject:
        "Estudio sin hallazgos de significación aparentes similar a previo", "estabilidad radiológica en paciente sin
        hallazgos radiológicos" state the study normal beside its stability. Asked only of a sentence with no
        template and, through _stated_normal, of a report with no abnormal finding present."""
        lookup = self.compiled.templates.lookup
        for clause in re.split(r"[,;:]", skey):
            words = WORD.findall(clause)
            for cut in range(_EDGE_TEMPLATE_MIN, len(words) - 1):
                if isinstance(lookup(" ".join(words[:cut])), Template) or isinstance(
                        lookup(" ".join(words[len(words) - cut:])), Template):
                    return True
        return False

    def _stated_normal(self, mentions: list[Mention], stated: Callable[[], bool] | None) -> bool:
        """Pack ``normal_beside_nonfindings``: no abnormal finding present or uncertain, and a normal template says
        the study is normal, or findings ruled out beside nothing but film quality (pack ``skipped_findings``) do.
        `unchanged` with findings ruled out is not normal: the study is as before, and before may have been abnormal."""
        if any(m.status != 0 and (m.abnormal or self.pack.findings[m.finding].device) for m in mentions):
            return False
        if stated is not None and stated():
            return True
        return any(m.status == 0 and m.abnormal for m in mentions) and all(
            m.status == 0 or m.finding in self._skipped_findings for m in mentions)

    def _template_conflict(self, analysed: list[tuple[Sentence, _Analysis]], mentions: list[Mention]) -> bool:
        if self.pack.normal_summary == "finding":
            return False  # "Sin hallazgos de relevancia. Granuloma calcificado.": the finding is labelled, not normal
        says_all_normal = any(isinstance(a.template, Template) and "all" in a.template.regions for _, a in analysed)
        return says_all_normal and any(m.status == 1 and m.abnormal for m in mentions)

    def _result(self, report_id, method, mentions, reasons, windows: bool = True,
                stated: Callable[[], bool] | None = None,
                changed: Callable[[], bool] | None = None) -> LabelResult:
        """The result of ``mentions``; ``stated`` (a normal template among the sentences) and ``changed`` (pack
        change_words) are asked only when their answer matters."""
        findings = aggregate_findings(mentions)
        if changed is not None and not self._change_drops.isdisjoint(findings) and changed():
            # A report that states a change is not an unchanged study ("Mejoría en el hemitórax derecho. Estabilidad
            # radiológica en el izquierdo"); the finding-level mentions stay in the evidence.
            findings = {k: v for k, v in findings.items() if k not in self._change_drops}
        regions = roll_up_regions(mentions, self._region_order)
        normal = self.compiled.normal_finding
        # Normal only when the report states it: a template, or every finding it names ruled out. Follow-up
        # wording ("sin cambios", "estabilidad radiológica") or a device the pack does not count as abnormal
        # says nothing about normality; a stated change ("mejoría radiológica, resolución de las opacidades")
        # follows a disease, it does not rule one out.
        if normal and mentions and normal not in findings and (
                all(m.status == 0 for m in mentions)
                or (self.pack.normal_beside_nonfindings and self._stated_normal(mentions, stated))):
            if changed is None or not changed():
                findings[normal] = 1
        evidence = [m.evidence(windows) for m in mentions]
        return LabelResult(report_id, method, findings, regions, evidence, reasons, self.version)


__all__ = ["Labeler", "LabelResult", "METHODS", "REASONS", "lang_normalizer"]


_EDGE_TEMPLATE_MIN = 3  # words of the shortest template a clause may open or close with


def _short_only(corrected: list[str], words: list[str], longest_short: int) -> bool:
    """Whether the sentence has corrections and every one is a short word's (fuzzy.short_min_length)."""
    edits = [w for c, w in zip(corrected, words, strict=True) if c != w]
    return bool(edits) and all(len(w) < longest_short for w in edits)


def _inside_corrected(exact: list[tuple], fuzzy: list[tuple] | tuple, descriptors: frozenset[str]) -> list[tuple]:
    """Drop a descriptor mention (pack ``descriptor``: an opacity, a nodule) that lies inside a longer phrase read only
    once a misspelling is corrected: "Opacidades alveoalres" is the alveolar pattern as "opacidades alveolares" is,
    where the longest phrase takes the opacity; the exact reading of the first word alone is a fragment of it."""
    kept = [e for e in exact if e[0] not in descriptors or not any(
        m[0] != e[0] and m[9] <= e[9] and e[10] <= m[10] and m[10] - m[9] > e[10] - e[9] for m in fuzzy)]
    return kept if len(kept) < len(exact) else exact


def _with_formats(result: LabelResult, formats: list[str]) -> LabelResult:
    """``result`` with one evidence item per document-format extractor that read the report (docformat.py)."""
    result.evidence += [evidence_item(None, None, None, None, None, f"docformat:{name}", [], "docformat", None, None)
                        for name in formats]
    return result


def _only_negative(finding: Match, cue: Match) -> bool:
    """Whether a finding match spans exactly the cue and is read only as negatives."""
    return finding.start == cue.start and finding.end == cue.end and all(p[0] == "neg" for p in finding.payload)
