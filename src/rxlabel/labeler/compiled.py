"""A rule pack compiled for matching: tries, template sets, vocabularies.

Compilation normalises every phrase exactly as report text is normalised (fold, language
orthography, diacritics, optional stemming), so a phrase written with accents matches text typed
without them in an accent-insensitive pack, and the Spanish pack serves PadChest's stemmed text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from rxlabel.labeler.normalize import make_key, strip_diacritics
from rxlabel.labeler.pack import Pack, RulePackError, Template
from rxlabel.labeler.phrases import CUE, EXCLUDE, FINDING, LOC, REGION_WORD, WORD, PhraseTrie, tokenize
from rxlabel.labeler.sentences import SplitterConfig, continuation_pattern, field_opener_pattern

WILDCARD = "{*}"
MAX_EXPANSIONS = 512
_GROUP = re.compile(r"\(([^()]*)\)")


def phrase_syntax_error(text: str) -> str | None:
    """Why ``text`` is not a well-formed phrase (``(a|b)`` groups, balanced, no stray brackets), else None.

    Strict, so a typo such as ``realizad{a|o)|}`` is an error in ``rules check`` instead of a phrase that never
    matches what was meant.
    """
    bad = sorted({c for c in text if unicodedata.category(c) in ("Cc", "Cf") and c not in " "})
    if bad:
        return f"phrase {text!r} has control character(s) {', '.join(f'U+{ord(c):04X}' for c in bad)}; remove them"
    rest = text.replace(WILDCARD, "")
    stray = sorted({c for c in rest if c in "{}[]"})
    if stray:
        return f"phrase '{text}' has '{''.join(stray)}': variants are written (a|b) with round brackets only"
    depth = 0
    for i, c in enumerate(rest):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                return f"phrase '{text}' closes a bracket at character {i + 1} that was never opened"
        elif c == "|" and depth == 0:
            return f"phrase '{text}' has '|' outside brackets at character {i + 1}; write (a|b)"
    if depth:
        return f"phrase '{text}' leaves {depth} bracket(s) open; close each (a|b) group"
    if "()" in rest.replace(" ", ""):
        return f"phrase '{text}' has an empty group '()'; write (a|) for an optional word"
    return None


def expand_abbreviations(tokens: list[tuple[str, int, int]], table: dict[str, tuple[str, ...]]
                         ) -> list[tuple[str, int, int]]:
    """Replace each token that is an abbreviation by its expansion's words, all with the token's span."""
    if not table or not any(w in table for w, _, _ in tokens):
        return tokens
    out: list[tuple[str, int, int]] = []
    for word, start, end in tokens:
        expansion = table.get(word)
        if expansion is None:
            out.append((word, start, end))
        else:
            out += [(w, start, end) for w in expansion]
    return out


def expand_phrase(text: str) -> list[str]:
    """Expand ``(a|b)`` alternatives; an empty alternative makes the group optional.

    ``"(radiografía|rx|placa) (rotada|subóptima)"`` is six phrases and ``"derrame(s|) pleural(es|)"``
    four, so a pack lists variants compactly. Raise ValueError beyond MAX_EXPANSIONS.
    """
    match = _GROUP.search(text)
    if match is None:
        return [" ".join(text.split())]
    out: list[str] = []
    for option in match.group(1).split("|"):
        out += expand_phrase(text[:match.start()] + option + text[match.end():])
        if len(out) > MAX_EXPANSIONS:
            raise ValueError(f"'{text}' expands to more than {MAX_EXPANSIONS} phrases; split it")
    return out


@dataclass
class TemplateSet:
    """Exact template/ignore sentences by joined words, and wildcard patterns indexed by first word.

    A sentence is tried only against the patterns that start with its first word (plus the few that
    start with a wildcard), so hundreds of templates cost one or two regex calls a sentence.
    """

    exact: dict[str, Template | str] = field(default_factory=dict)
    by_first: dict[str, list[tuple[re.Pattern, Template | str]]] = field(default_factory=dict)
    leading: list[tuple[re.Pattern, Template | str]] = field(default_factory=list)
    _combined: dict = field(default_factory=dict, repr=False)

    def lookup(self, joined: str) -> Template | str | None:
        hit = self.exact.get(joined)
        if hit is not None:
            return hit
        first = joined.split(" ", 1)[0]
        for entry in (self._combined.get(first), self._combined.get(None)):
            if entry is not None:
                m = entry[0].fullmatch(joined)
                if m is not None:
                    return entry[1][m.lastindex - 1]
        return None

    def finalize(self) -> None:
        """Fold the patterns of each first word into one alternation (one regex call a sentence)."""
        groups = {**self.by_first, None: self.leading}
        self._combined = {
            key: (re.compile("|".join(f"({p.pattern})" for p, _ in items)), [v for _, v in items])
            for key, items in groups.items() if items
        }

    def add_pattern(self, first_word: str | None, pattern: re.Pattern, value: Template | str) -> None:
        if first_word:
            self.by_first.setdefault(first_word, []).append((pattern, value))
        else:
            self.leading.append((pattern, value))


@dataclass
class CompiledPack:
    pack: Pack
    words: Callable[[str], list[str]]
    trie: PhraseTrie
    stripped_trie: PhraseTrie
    templates: TemplateSet
    stripped_templates: TemplateSet
    vocab: frozenset[str]
    stripped_vocab: list[str]
    splitter: SplitterConfig
    stemmer: Callable[[list[str]], list[str | None]] | None
    normal_finding: str | None
    abbreviations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    normals: object = None  # normals.NormalStatements: region subjects x normal predicates
    inverted: PhraseTrie | None = None  # pack inverted_phrases: subject-first orders, read inside one clause only


def _stemmer(lang: str) -> Callable[[list[str]], list[str | None]]:
    from rxlabel.labeler.stemming import stem_words

    return lambda words: stem_words(words, lang)


def compile_pack(pack: Pack, stemmed: bool = False) -> CompiledPack:
    """Compile ``pack``; with ``stemmed`` every word is Snowball-stemmed (PadChest's ``Report`` text)."""
    stemmer = _stemmer(pack.lang) if stemmed else None
    insensitive = pack.diacritics_insensitive or stemmed

    abbreviations = {
        w: tuple(t for t, _, _ in tokenize(make_key(x, pack.lang, insensitive)))
        for word, x in pack.abbreviations.items()
        for w in {" ".join(t for t, _, _ in tokenize(make_key(word, pack.lang, insensitive)))}
    }

    def words_of(text: str, strip: bool = False) -> list[str]:
        # Words only (no offsets): findall, the abbreviations expanded in place as expand_abbreviations does.
        words = WORD.findall(make_key(text, pack.lang, insensitive))
        if abbreviations and not abbreviations.keys().isdisjoint(words):
            words = [x for w in words for x in abbreviations.get(w, (w,))]
        if strip:
            words = [w if w.isascii() else strip_diacritics(w) for w in words]
        if stemmer is not None:
            words = [w for w in stemmer(words) if w]
        return words

    def both_words(text: str) -> tuple[list[str], list[str]]:
        """(words, accent-free words) of a phrase; without a stemmer the second are the first stripped, so
        the phrase is normalised and tokenised once (57,000 phrase variants in the Spanish pack)."""
        words = words_of(text)
        if stemmer is not None:
            return words, words_of(text, strip=True)
        return words, [w if w.isascii() else strip_diacritics(w) for w in words]

    errors: list[str] = []
    articles = frozenset(make_key(w, pack.lang, True) for w in pack.optional_articles)
    optional: list[tuple[list[str], list[str], str, object]] = []
    modifiers = frozenset(make_key(w, pack.lang, True) for w in pack.inner_modifiers)
    ordinal = re.compile("|".join(f"(?:{p})" for p in pack.inner_ordinals)) if pack.inner_ordinals else None
    joiners = frozenset(make_key(w, pack.lang, True) for w in pack.coordinators)
    trie = PhraseTrie(modifiers, ordinal, joiners)
    stripped = PhraseTrie(frozenset(map(strip_diacritics, modifiers)), ordinal, frozenset(map(strip_diacritics, joiners)))
    vocab: set[str] = set()
    stripped_vocab: set[str] = set()

    def add(text: str, group: str, payload: object, where: str, check: bool = True) -> None:
        problem = phrase_syntax_error(text)
        if problem:
            errors.append(f"{where}: {problem}")
            return
        if "(" in text:
            try:
                variants = expand_phrase(text)
            except ValueError as exc:
                errors.append(f"{where}: {exc}")
                return
            for variant in variants:
                add_one(variant, group, payload, where, check)
        else:
            add_one(text, group, payload, where, check)

    def add_one(text: str, group: str, payload: object, where: str, check: bool) -> None:
        words, stripped_words = both_words(text)
        if not words:
            errors.append(f"{where}: phrase '{text}' has no words after normalisation")
            return
        if articles and group in (FINDING, EXCLUDE, LOC) and len(words) > 2 and not articles.isdisjoint(words[1:]):
            bare = [words[0]] + [w for w in words[1:] if w not in articles]
            if len(bare) > 1:
                optional.append((bare, [stripped_words[0]] + [w for w in stripped_words[1:] if w not in articles],
                                 group, payload))
        items = store(words, stripped_words, group, payload)
        if check and group == FINDING and any(p[1] == payload[1] and p[0] != payload[0] for p in items):
            errors.append(f"{where}: phrase '{text}' states finding '{payload[1]}' both present and absent; "
                          f"keep it in one of phrases / negative_phrases")

    def store(words: list[str], stripped_words: list[str], group: str, payload: object) -> list:
        """Put one phrase in both tries; the finding payloads now stored at its words."""
        vocab.update(words)
        stripped_vocab.update(stripped_words)
        if group == FINDING:
            stripped.add_shared(stripped_words, group, payload)
            return trie.add_shared(words, group, payload)
        trie.add(words, group, payload)
        stripped.add(stripped_words, group, payload)
        return []

    for finding in pack.findings.values():
        where = str(finding.source)
        for phrase in finding.phrases:
            add(phrase, FINDING, ("pos", finding.name, phrase), where)
        for phrase in finding.negative_phrases:
            add(phrase, FINDING, ("neg", finding.name, phrase), where)
        for phrase in finding.exclude:
            add(phrase, EXCLUDE, finding.name, where, check=False)
    inverted = _inverted_trie(pack, words_of, trie) if pack.inverted_phrases else None
    for cue in pack.cues:
        add(cue.text, CUE, cue, str(cue.source), check=False)
    for loc in pack.localizations.values():
        for phrase in loc.phrases:
            add(phrase, LOC, loc.name, str(loc.source), check=False)
    for region, region_words in pack.region_words.items():
        for word in region_words:
            add(word, REGION_WORD, region, f"{pack.path}/pack.yaml", check=False)
    # pack optional_articles: "aumento de tamaño de la silueta cardíaca" also reads "aumento de tamaño de silueta
    # cardíaca". Added after every written phrase, and only where no written phrase has those words: a written
    # phrase always wins. Report words are not dropped, so cue scopes keep their distances.
    for words, stripped_words, group, payload in optional:
        if not trie.contains(words):
            store(words, stripped_words, group, payload)

    templates, stripped_templates = TemplateSet(), TemplateSet()
    for value in [*pack.templates, *pack.ignore]:
        text = value.text if isinstance(value, Template) else value
        try:
            variants = expand_phrase(text) if "(" in text else [text]  # "(a|b)" as in phrases
        except ValueError as exc:
            errors.append(f"{getattr(value, 'source', None) or pack.path}: {exc}")
            continue
        for variant in variants:
            for target, strip in ((templates, False), (stripped_templates, True)):
                _add_template(target, variant, value, lambda t, s=strip: words_of(t, strip=s))
        vocab.update(w for w in words_of(text.replace(WILDCARD, " ")))
        stripped_vocab.update(words_of(text.replace(WILDCARD, " "), strip=True))
    # Imported here: normals imports expand_phrase from this module.
    from rxlabel.labeler.normals import NormalStatements

    try:
        normals = NormalStatements(pack, words_of)
    except ValueError as exc:
        errors.append(f"{pack.path}: normal_statements: {exc}")
        normals = None
    if normals:
        words = normals.words()
        vocab.update(words)
        stripped_vocab.update(strip_diacritics(w) for w in words)
    if errors:
        raise RulePackError(errors)
    templates.finalize()
    stripped_templates.finalize()

    def header_key(h: str) -> str:
        return " ".join(w for w, _, _ in tokenize(make_key(h, pack.lang, pack.diacritics_insensitive)))

    splitter = SplitterConfig(
        headers=frozenset(header_key(h) for h in pack.section_headers),
        skip=frozenset(header_key(h) for h in pack.skip_sections),
        bullets=tuple(pack.bullets),
        preamble=frozenset(header_key(h) for h in pack.preamble_headers),
        qualifiers=pack.header_qualifiers,
        inline_headers=pack.inline_headers,
        inline_sentence=pack.skip_inline == "sentence",
        titles=frozenset(strip_diacritics(t.lower()) for t in pack.title_abbreviations),
        field_openers=field_opener_pattern(pack.field_openers),
        continuations=continuation_pattern(pack.line_continuations),
        header_sentences=_headers_naming(pack, trie, words_of, header_key),
    )
    normal = "normal" if "normal" in pack.findings else ("no finding" if "no finding" in pack.findings else None)
    return CompiledPack(pack, words_of, trie, stripped, templates, stripped_templates, frozenset(vocab),
                        sorted(stripped_vocab), splitter, stemmer, normal, abbreviations, normals or None, inverted)


def _inverted_trie(pack: Pack, words_of: Callable[..., list[str]], trie: PhraseTrie) -> PhraseTrie:
    """Pack ``inverted_phrases``: a positive phrase written predicate first and ending in a region word ("phình
    động mạch chủ", "gãy xương sườn") also matches subject first ("động mạch chủ phình", "xương sườn gãy"), the
    other everyday Vietnamese word order, so a hospital writes one order only. A trie of its own: the engine
    reads it inside one clause and only where no written phrase matched."""
    subjects = {tuple(words_of(w)) for ws in pack.region_words.values() for w in ws}
    subjects.discard(())
    longest = max((len(s) for s in subjects), default=0)
    # a head holding a cue word would read a cue as a finding ("k phổi" is "không phổi" once "k" is expanded)
    cue_words = {w for c in pack.cues for v in expand_phrase(c.text) for w in words_of(v)}
    out = PhraseTrie()
    for finding in pack.findings.values():
        for phrase in finding.phrases:
            for variant in (expand_phrase(phrase) if "(" in phrase else [phrase]):
                words = words_of(variant)
                cut = next((n for n in range(min(longest, len(words) - 1), 0, -1)
                            if tuple(words[-n:]) in subjects), 0)
                head = words[:-cut] if cut else []
                if not head or any((w,) in subjects or w in cue_words or len(w) < 2 for w in head):
                    continue
                inverted = words[-cut:] + head
                if trie.contains(inverted):
                    continue  # the pack writes that order itself (as a phrase or as an absence)
                out.add_shared(inverted, FINDING, ("pos", finding.name, phrase))
    return out


def _headers_naming(pack: Pack, trie: PhraseTrie, words_of: Callable[[str], list[str]],
                    header_key: Callable[[str], str]) -> frozenset[str]:
    """The known header names that state a finding of pack ``skipped_findings`` ("rx torax en decubito")."""
    wanted = set(pack.skipped_findings)
    if not wanted:
        return frozenset()
    out = set()
    for header in pack.section_headers + pack.skip_sections:
        for match in trie.scan(words_of(header)).get(FINDING, ()):
            if any(kind == "pos" and name in wanted for kind, name, _ in match.payload):
                out.add(header_key(header))
    return frozenset(out)


def _add_template(target: TemplateSet, text: str, value: Template | str, words_of: Callable[[str], list[str]]) -> None:
    if WILDCARD not in text:
        joined = " ".join(words_of(text))
        if joined:
            target.exact.setdefault(joined, value)
        return
    parts = [" ".join(words_of(part)) for part in text.split(WILDCARD)]
    pieces = [re.escape(part) for part in parts]
    regex = pieces[0]
    for piece in pieces[1:]:
        if regex and piece:
            regex += r"(?: \S+){0,4} " + piece
        elif regex:
            regex += r"(?: \S+){0,4}"
        else:
            regex = r"(?:\S+ ){0,4}" + piece
    target.add_pattern(parts[0].split(" ", 1)[0] if parts[0] else None, re.compile(regex), value)


def admin_prefixes(pack: Pack, words_of: Callable[[str], list[str]]) -> frozenset[tuple[str, ...]]:
    """The word tuples a sentence may open with to be administrative (``admin_lines`` in pack.yaml)."""
    out: set[tuple[str, ...]] = set()
    for line in pack.admin_lines:
        try:
            variants = expand_phrase(line)
        except ValueError as exc:
            raise RulePackError([f"{pack.path}/pack.yaml: admin_lines: {exc}"]) from None
        out.update(tuple(w) for w in map(words_of, variants) if w)
    return frozenset(out)
