"""Normal statements as compositions: region subjects x normal predicates (pack data, not sentences).

Radiologists state a region's normal in many word orders and wordings ("Nhu mô phổi hai bên sáng",
"Phổi 2 bên sáng đều", "Phổi: bt", "Xương lồng ngực cân đối", "Tim, trung thất bình thường"). Listing
every sentence as a template never ends, so a pack's ``normal_statements`` give, per group of
regions, the *subjects* (``nhu mô phổi``, ``phế trường``) and the *predicates* (``sáng``, ``bình
thường``, ``không thấy tổn thương``) that combine; optional *modifiers* (``hai bên``, ``đều``) may
stand between or after them. A sentence is a normal statement when its words are one or more
subjects (joined by ``và`` / ``hoặc`` or nothing, since commas are not words) followed by modifiers
and one predicate that every subject's group accepts, or a predicate followed by subjects ("không thấy
bất thường xương lồng ngực"). The match is exact on the normalised words: nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Callable

from rxlabel.labeler.compiled import expand_phrase
from rxlabel.labeler.pack import Pack, Source, Template

_JOINERS = frozenset({"và", "hoặc", "cũng", "cùng"})


class NormalStatements:
    """Compiled ``normal_statements`` of a pack; :meth:`match` returns a Template or None."""

    def __init__(self, pack: Pack, words_of: Callable[[str], list[str]]):
        self.subjects: dict[tuple[str, ...], set[int]] = {}
        self.predicates: list[set[tuple[str, ...]]] = []
        self.modifiers: list[set[tuple[str, ...]]] = []
        self.regions: list[tuple[str, ...]] = []
        self.sources: list[Source] = []
        for gid, group in enumerate(pack.normal_statements):
            self.regions.append(group["regions"])
            file, _, line = group["where"].rpartition(":")
            self.sources.append(Source(file, int(line) if line.isdigit() else 1))
            for text in group["subjects"]:
                for variant in expand_phrase(text):
                    self.subjects.setdefault(tuple(words_of(variant)), set()).add(gid)
            self.predicates.append({tuple(words_of(v)) for t in group["predicates"] for v in expand_phrase(t)})
            self.modifiers.append({tuple(words_of(v)) for t in group["modifiers"] for v in expand_phrase(t)})
        # A group with an optional subject ("(el estudio|)") also takes its predicate alone: "Sin hallazgos
        # radiológicos significativos en la actualidad" states the whole study normal without naming it.
        self._bare = frozenset(self.subjects.pop((), ()))
        # lengths of the subjects / modifiers that start with a word, longest first: one dict look-up per position
        self._subject_lengths: dict[str, list[int]] = {}
        for subject in self.subjects:
            self._subject_lengths.setdefault(subject[0], []).append(len(subject))
        self._all_modifiers = set().union(*self.modifiers) if self.modifiers else set()
        self._all_modifiers.discard(())
        self._modifier_lengths: dict[str, list[int]] = {}
        for modifier in self._all_modifiers:
            self._modifier_lengths.setdefault(modifier[0], []).append(len(modifier))
        for table in (self._subject_lengths, self._modifier_lengths):
            for word, lengths in table.items():
                table[word] = sorted(set(lengths), reverse=True)
        self._predicate_words = {w for preds in self.predicates for p in preds for w in p}
        self._all_predicates = set().union(*self.predicates) if self.predicates else set()
        self._vocabulary = frozenset(self.words())
        self._longest_predicate = max(map(len, self._all_predicates), default=0)
        self._bare_predicates = set().union(*(self.predicates[g] for g in self._bare)) - {()}
        self._bare_first = {p[0] for p in self._bare_predicates}
        self._bare_longest = max(map(len, self._bare_predicates), default=0)
        self._first_words = {s[0] for s in self.subjects} | {p[0] for preds in self.predicates for p in preds if p}

    def words(self) -> set[str]:
        """Every word of the subjects, predicates and modifiers (the pack's vocabulary grows by them)."""
        out = {w for s in self.subjects for w in s} | self._predicate_words
        return out | {w for m in self._all_modifiers for w in m}

    def is_subjects(self, words: list[str]) -> bool:
        """True when ``words`` only name subjects and modifiers ("Tim và trung thất:", "góc sườn hoành phải,")."""
        pos, groups = self._subject_run(words, 0)
        return bool(groups) and self._skip_modifiers(words, pos) == len(words)

    def subject_prefix(self, words: list[str]) -> list[str]:
        """The subjects a normal statement opens with ("xương đòn hai bên liên tục" -> "xương đòn")."""
        pos, groups = self._subject_run(words, 0)
        return words[:pos] if groups else []

    def __bool__(self) -> bool:
        return bool(self.subjects)

    def match(self, words: list[str]) -> Template | None:
        """A Template (regions of every subject named) when ``words`` state only normality, else None."""
        if not self.subjects or not words or not self._vocabulary.issuperset(words):
            return None  # a normal statement is made of its subjects', predicates' and modifiers' words only
        found = self._subjects_then_predicate(words) or self._predicate_then_subjects(words) or self._bare_predicate(words)
        if found is None:
            return None
        regions: list[str] = []
        for gid in sorted(found):
            for region in self.regions[gid]:
                if region not in regions:
                    regions.append(region)
        first = min(found)
        return Template(" ".join(words), ("all",) if "all" in regions else tuple(regions), self.sources[first])

    # -- parsing ------------------------------------------------------------------------------------

    def _subject_run(self, words: list[str], pos: int) -> tuple[int, list[set[int]]]:
        """Longest run of subjects from ``pos`` (joiners and modifiers allowed between them)."""
        groups: list[set[int]] = []
        while pos < len(words):
            hit = self._subject_at(words, pos)
            if hit is None:
                break
            pos, gids = hit
            groups.append(gids)
            # Modifiers or a joiner between two subjects ("góc sườn hoành phải và trái", "tim và trung thất");
            # trailing modifiers are left for the predicate ("khoang liên sườn đều": "đều" is the predicate).
            after = self._skip_modifiers(words, pos)
            if after < len(words) and words[after] in _JOINERS and self._subject_at(words, after + 1):
                after += 1
            if after < len(words) and self._subject_at(words, after):
                pos = after
            else:
                break
        return pos, groups

    def _subject_at(self, words: list[str], pos: int) -> tuple[int, set[int]] | None:
        if pos >= len(words):
            return None
        for n in self._subject_lengths.get(words[pos], ()):
            if pos + n > len(words):
                continue
            gids = self.subjects.get(tuple(words[pos:pos + n]))
            if gids is not None:
                return pos + n, gids
        return None

    def _skip_modifiers(self, words: list[str], pos: int) -> int:
        moved = True
        while moved and pos < len(words):
            moved = False
            for n in self._modifier_lengths.get(words[pos], ()):
                if pos + n <= len(words) and tuple(words[pos:pos + n]) in self._all_modifiers:
                    pos += n
                    moved = True
                    break
        return pos

    def _groups_accepting(self, predicate: tuple[str, ...], groups: list[set[int]]) -> set[int] | None:
        """For each subject, one of its groups whose predicates hold ``predicate``; None if some subject has none."""
        chosen: set[int] = set()
        for gids in groups:
            ok = [g for g in gids if predicate in self.predicates[g]]
            if not ok:
                return None
            chosen.update(ok)
        return chosen

    def _subjects_then_predicate(self, words: list[str]) -> set[int] | None:
        pos, groups = self._subject_run(words, 0)
        if not groups:  # leading modifiers ("hiện tại phổi sạch", "hai bên phổi sáng")
            pos, groups = self._subject_run(words, self._skip_modifiers(words, 0))
        if not groups:
            return None
        end = len(words)
        starts = [pos]
        while (nxt := self._skip_one_modifier(words, starts[-1])) > starts[-1]:
            starts.append(nxt)
        # Modifiers before and after the predicate ("hai bên sáng đều nhau"): the longest predicate that
        # leaves only modifiers after it.
        longest, known = self._longest_predicate, self._all_predicates
        for begin in starts:
            for stop in range(min(end, begin + longest), begin, -1):
                predicate = tuple(words[begin:stop])
                if predicate in known and self._skip_modifiers(words, stop) == end:
                    chosen = self._groups_accepting(predicate, groups)
                    if chosen:
                        return chosen
        return None

    def _skip_one_modifier(self, words: list[str], pos: int) -> int:
        if pos >= len(words):
            return pos
        for n in self._modifier_lengths.get(words[pos], ()):
            if pos + n <= len(words) and tuple(words[pos:pos + n]) in self._all_modifiers:
                return pos + n
        return pos

    def _bare_predicate(self, words: list[str]) -> set[int] | None:
        """Modifiers, one predicate of a group whose subject is optional, modifiers: "sin hallazgos significativos"."""
        if not self._bare:
            return None
        end = len(words)
        begin = 0
        while True:
            if words[begin] in self._bare_first:
                for stop in range(min(end, begin + self._bare_longest), begin, -1):
                    predicate = tuple(words[begin:stop])
                    if predicate in self._bare_predicates and self._skip_modifiers(words, stop) == end:
                        return {g for g in self._bare if predicate in self.predicates[g]}
            nxt = self._skip_one_modifier(words, begin)
            if nxt == begin or nxt == end:
                return None
            begin = nxt

    def _predicate_then_subjects(self, words: list[str]) -> set[int] | None:
        """"(Kết luận) không có dấu hiệu bệnh lý trên phim x quang ngực": modifiers may lead and follow."""
        begin = self._skip_modifiers(words, 0)
        for cut in range(min(len(words) - 1, begin + self._longest_predicate), begin, -1):
            predicate = tuple(words[begin:cut])
            if predicate not in self._all_predicates:
                continue
            pos, groups = self._subject_run(words, self._skip_modifiers(words, cut))
            # trailing modifiers after the subjects ("... bệnh lý tim phổi trên phim"), as after a predicate
            if groups and self._skip_modifiers(words, pos) == len(words):
                chosen = self._groups_accepting(predicate, groups)
                if chosen:
                    return chosen
        return None


__all__ = ["NormalStatements"]
