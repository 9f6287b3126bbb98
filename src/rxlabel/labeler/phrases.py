"""Token-trie phrase matching: longest match first, one pass over a sentence's words.

Every phrase of a pack (finding phrases, negative phrases, exclusions, cues, localizations, region
words) lives in one trie keyed by word. Each terminal holds payloads tagged with a *group*; the
longest match is taken per group, so a cue (``no se puede descartar``) and a finding phrase
(``derrame pleural``) are each matched at their own longest extent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

WORD = re.compile(r"[^\W_]+")
_END = ""  # trie terminal key; never a word since words are non-empty
_ORDINAL_MEMO = 100_000  # words whose ordinal test a trie remembers

# Payload groups.
FINDING = "A"      # list of (kind, finding name, phrase): kind is "pos" or "neg"; one phrase may
                   # name several findings ("cifoescoliosis" is kyphosis and scoliosis)
EXCLUDE = "X"      # finding name whose matches this phrase suppresses
CUE = "C"          # Cue
LOC = "L"          # localization name
REGION_WORD = "R"  # region name


@dataclass(slots=True)
class Match:
    group: str
    start: int  # word index, inclusive
    end: int    # word index, exclusive
    payload: object


class PhraseTrie:
    """A word trie whose terminals carry (group, payload) pairs."""

    def __init__(self, skippable: frozenset[str] = frozenset(), ordinal: re.Pattern | None = None,
                 joiners: frozenset[str] = frozenset()) -> None:
        self.root: dict = {}
        # Words a phrase may have inside it without listing them (pack inner_modifiers: "aumento leve de la silueta",
        # "derrame pleural discreto bilateral"): skipped inside a match only where the phrase does not go on with them.
        self.skippable = skippable
        # So may a list of ordinals (pack inner_ordinals, joined by pack coordinators) where a phrase expects the
        # bone it numbers: "hundimiento del 7º arco costal", "fractura de 4º y 5º arcos costales".
        self.ordinal = ordinal
        self.joiners = joiners
        # s11-speed: whether a word is an ordinal, memoised (the scan asks it at nearly every word a phrase stops at)
        self._ordinal_words: dict[str, bool] = {}

    def _is_ordinal(self, word: str) -> bool:
        known = self._ordinal_words
        answer = known.get(word)
        if answer is None:
            if len(known) >= _ORDINAL_MEMO:
                known.clear()
            answer = known[word] = self.ordinal.fullmatch(word) is not None
        return answer

    def _ordinals_end(self, words: list[str], j: int) -> int:
        """The index after a list of ordinals opening at ``j`` ("4º", "4º y 5º", "4º 5º y 6º"); ``j`` if none."""
        is_ordinal, n, k = self._is_ordinal, len(words), j
        while k < n and is_ordinal(words[k]):
            k += 1
            if k + 1 < n and words[k] in self.joiners and is_ordinal(words[k + 1]):
                k += 1
        return k

    def add(self, words: Iterable[str], group: str, payload: object) -> list[tuple[str, object]]:
        """Add a phrase; return the payloads already stored for the same words (for clash checks)."""
        node = self.root
        for word in words:
            node = node.setdefault(word, {})
        terminal = node.setdefault(_END, [])
        clashes = [item for item in terminal if item[0] == group]
        terminal.append((group, payload))
        return clashes

    def add_shared(self, words: Iterable[str], group: str, item: object) -> list:
        """Add ``item`` to the list payload of ``group`` at ``words`` (created if absent); return the list."""
        node = self.root
        for word in words:
            node = node.setdefault(word, {})
        terminal = node.setdefault(_END, [])
        for existing_group, items in terminal:
            if existing_group == group:
                if item not in items:
                    items.append(item)
                return items
        items = [item]
        terminal.append((group, items))
        return items

    def contains(self, words: list[str]) -> bool:
        node = self.root
        for word in words:
            node = node.get(word)
            if node is None:
                return False
        return _END in node

    def _groups_at(self, words: list[str], i: int) -> set[str]:
        """The groups of every phrase that starts at word ``i``."""
        groups: set[str] = set()
        node = self.root
        for word in words[i:]:
            node = node.get(word)
            if node is None:
                break
            groups.update(group for group, _ in node.get(_END, ()))
        return groups

    def scan(self, words: list[str], barriers: frozenset[int] | set[int] = frozenset()) -> dict[str, list[Match]]:
        """All longest, non-overlapping matches per group, left to right. A match across a word index in
        ``barriers`` (a word that a phrase break such as ':' stands before) is cut back to the barrier when
        the words after it open a phrase of the same group themselves ("Phổi: Xẹp đốt sống" is no "phổi xẹp";
        "TIM: to" still reads as "tim to")."""
        root_get = self.root.get
        skippable = self.skippable
        ordinal = self.ordinal
        is_ordinal = self._is_ordinal
        n = len(words)
        found: dict[str, list[Match]] = {}
        last_end: dict[str, int] = {}
        barrier = n + 1
        for i in range(n):
            node = root_get(words[i])
            if node is None:
                continue
            best: dict[str, tuple[int, object]] | None = None  # made only when a phrase ends here
            if barriers:
                barrier = min((b for b in barriers if b > i), default=n + 1)
                before: dict[str, tuple[int, object]] = {}  # read only where a barrier cuts a match
            j = i + 1
            while True:
                terminal = node.get(_END)
                if terminal:
                    if best is None:
                        best = {}
                    for group, payload in terminal:
                        previous = best.get(group)
                        # First payload of a group at this length wins (finding before exclusion order is
                        # decided by the caller's insertion order).
                        if previous is None or previous[0] < j:
                            best[group] = (j, payload)
                            if barriers and j <= barrier:
                                before[group] = (j, payload)
                if j >= n:
                    break
                word = words[j]
                following = node.get(word)
                if following is None:
                    if j + 1 < n and word in skippable:
                        following = node.get(words[j + 1])
                        if following is not None:
                            j += 1
                    # only a word that is an ordinal opens a list of them (_ordinals_end returns j otherwise)
                    if following is None and ordinal is not None and is_ordinal(word):
                        k = self._ordinals_end(words, j)
                        if j < k < n:
                            following = node.get(words[k])
                            if following is not None:
                                j = k
                    if following is None:
                        break
                node = following
                j += 1
            if best is None:
                continue
            if barrier <= n and any(end > barrier for end, _ in best.values()):
                opened = self._groups_at(words, barrier)
                best = {g: (before[g] if end > barrier and g in opened else (end, p))
                        for g, (end, p) in best.items() if not (end > barrier and g in opened) or g in before}
            for group, (end, payload) in best.items():
                if i >= last_end.get(group, 0):
                    found.setdefault(group, []).append(Match(group, i, end, payload))
                    last_end[group] = end
        return found


def tokenize(key: str, start: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
    """Word tokens of ``key[start:end]`` with their offsets."""
    end = len(key) if end is None else end
    return [(m.group(), m.start(), m.end()) for m in WORD.finditer(key, start, end)]
