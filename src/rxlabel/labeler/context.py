"""Negation and uncertainty in scope (ConText/NegEx style, rules as data).

A cue modifies a target when the target stands in the cue's direction, within its ``max_scope``
words, in the same clause, with no terminator between them. When several cues reach a target the
nearest wins; a tie goes to uncertainty, which is the safer reading for a training label.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from rxlabel.labeler.pack import Cue

POSITIVE, NEGATIVE, UNCERTAIN = 1, 0, -1
PURPOSE = None  # cue category "purpose": the mention is the study's purpose (the request), not a finding; dropped
_STATUS = {"negated": NEGATIVE, "uncertain": UNCERTAIN, "purpose": PURPOSE}


@dataclass(slots=True)
class CueSpan:
    """A cue matched in a sentence: word indices [start, end)."""

    start: int
    end: int
    cue: Cue


def clause_ids(word_starts: list[int], break_positions: list[int]) -> list[int]:
    """For each word, the number of clause breaks before it (words with equal ids share a clause)."""
    if not break_positions:
        return [0] * len(word_starts)
    return [bisect_right(break_positions, s) for s in word_starts]


def resolve(target_start: int, target_end: int, cues: list[CueSpan], clauses: list[int],
            chain: list[tuple[int, int]] | None = None, chained: tuple[str, ...] = ()) -> tuple[int | None, CueSpan | None]:
    """Status of the target spanning words [target_start, target_end) and the cue that decided it.

    A cue that overlaps the start of the target ("no signos de" + "signos de insuficiencia cardíaca")
    reaches it at distance 0 (the trie matches each group at its own longest extent, so the two
    overlap). A negation whose scope holds an uncertainty cue that qualifies the negated noun ("no se
    observan imágenes sugestivas de consolidación") wins over it: what is denied is the suggestion.
    ``chain`` (the sentence's finding spans) and ``chained`` (pack ``scope_chaining``: cue categories): a
    cue of those categories that reaches a finding reaches on from its end, so a hedge covers a finding
    described at length and the diagnosis after it ("compatible con patrón en vidrio deslustrado bilateral
    de predominio periférico de infección por COVID"), a negation the diagnosis its finding would suggest
    ("no se identifican áreas de aumento de la trama intersticial que traduzcan afectación por COVID").
    """
    best: tuple[int, int, CueSpan] | None = None  # (distance, tie-break, cue)
    negations: list[CueSpan] = []
    through_hedge: list[CueSpan] = []
    for span in cues:
        category = span.cue.category
        if category not in _STATUS:
            continue
        reach = _reach(span, target_start, target_end, clauses)
        if reach is None:
            continue
        if category == "purpose":
            # "se realiza Rx ... para valorar posible afectación por COVID": the study's purpose, not a finding; it
            # wins over a hedge nearer the target ("posible"), unless a terminator stands between.
            if not (span.cue.max_scope is not None and reach[0] >= span.cue.max_scope) and not _terminated(
                    cues, reach[1], reach[2]):
                return PURPOSE, span
            continue
        distance, lo, hi = reach
        if span.cue.max_scope is not None and distance >= span.cue.max_scope and not (
                chain and category in chained and _chained(span, target_start, chain, cues)):
            continue
        if _terminated(cues, lo, hi):
            continue
        if category == "negated":
            negations.append(span)
            if span.cue.max_scope is not None and distance >= span.cue.max_scope:
                through_hedge.append(span)  # reached through a finding and the hedge after it (_chained)
        rank = (distance, 0 if category == "uncertain" else 1)
        if best is None or rank < best[:2]:
            best = (*rank, span)
    if best is None:
        return POSITIVE, None
    chosen = best[2]
    if chosen.cue.category == "uncertain":
        for negation in negations:
            if _qualifies(negation, chosen) or (negation in through_hedge and chosen.start >= negation.end) or (
                    chain and _hedges_denied(negation, chosen, chain, cues)):
                return NEGATIVE, negation
    return _STATUS[chosen.cue.category], chosen


_QUALIFIER_GAP = 3  # words between a negation and the uncertainty cue it governs ("no se observan imágenes sugestivas de")


def _reach(span: CueSpan, target_start: int, target_end: int, clauses: list[int]) -> tuple[int, int, int] | None:
    """(distance, lo, hi) when the cue reaches the target in its direction, else None."""
    direction = span.cue.direction
    if span.start < target_start < span.end <= target_end:
        span_end = target_start  # overlaps the start of the target: adjacent to it
    else:
        span_end = span.end
    if target_start < span.end < target_end and span.start > target_start:
        span_start = target_end  # overlaps the end of the target
    else:
        span_start = span.start
    if span_end <= target_start and span.start < target_start and direction in ("before", "both"):
        if clauses[span.start] != clauses[target_start]:
            return None
        return target_start - span_end, span_end, target_start
    if span_start >= target_end and span.end > target_end and _is_answer(span, target_end, clauses):
        return 0, target_end, span_start
    if span_start >= target_end and span.end > target_end and direction in ("after", "both"):
        if clauses[span.start] != clauses[target_end - 1]:
            return None
        return span_start - target_end, target_end, span_start
    return None


def _chained(span: CueSpan, target_start: int, chain: list[tuple[int, int]], cues: list[CueSpan]) -> bool:
    """Whether a forward cue reaches ``target_start`` through findings each within its scope of the last.
    A negation reaches on only through a hedge on the last step: what is denied is what the finding would
    suggest ("no se identifican áreas de aumento de la trama que sugieran afectación por COVID"), not a
    finding merely listed after it ("no se observan condensaciones ..., con cardiomegalia")."""
    if span.cue.direction == "after" or target_start < span.end:
        return False
    frontier = span.end
    for start, end in sorted(chain):
        if start < span.end or start >= target_start:
            continue
        if start - frontier >= span.cue.max_scope:
            return False
        frontier = max(frontier, end)
    if target_start - frontier >= span.cue.max_scope:
        return False
    return span.cue.category != "negated" or frontier == span.end or any(
        c.cue.category == "uncertain" and frontier <= c.start and c.end <= target_start for c in cues)


def _hedges_denied(negation: CueSpan, hedge: CueSpan, chain: list[tuple[int, int]], cues: list[CueSpan]) -> bool:
    """Whether the hedge qualifies a finding the negation denies, the negation reaching the diagnosis directly:
    "no identifico imágenes de condensación sugestivas de neumonía" (a short cue, a misspelt verb) denies the
    suggestion too, as the long cues do through ``_chained``. One finding only stands between the two (a finding
    listed after the denied one is not denied through the hedge: "no hay derrame, opacidad sugestiva de
    neumonía"), and no other cue."""
    if negation.cue.direction == "after" or hedge.start < negation.end:
        return False
    between = [(start, end) for start, end in chain if negation.end <= start and end <= hedge.start]
    if not between or max(start for start, _ in between) >= min(end for _, end in between):
        return False
    return not any(c is not negation and c.cue.category in _STATUS and negation.end <= c.start < hedge.start
                   for c in cues)


def _is_answer(span: CueSpan, target_end: int, clauses: list[int]) -> bool:
    """A structured form's answer: the cue alone in the clause right after its field ("Derrame pleural: no",
    "Neumotórax: negativo"), whatever the cue's direction."""
    if span.start != target_end or clauses[span.start] != clauses[target_end - 1] + 1:
        return False
    return span.end == len(clauses) or clauses[span.end] != clauses[span.start]


def _qualifies(negation: CueSpan, uncertainty: CueSpan) -> bool:
    """The hedge right after the negation, or inside it (a negation cue that ends with its hedge, vi "không thấy hình
    ảnh gợi ý"): what is denied is the suggestion."""
    if negation.cue.direction == "after":
        return False
    if negation.start <= uncertainty.start and uncertainty.end <= negation.end:
        return True
    return 0 <= uncertainty.start - negation.end <= _QUALIFIER_GAP


def _terminated(cues: list[CueSpan], lo: int, hi: int) -> bool:
    return any(c.cue.category == "terminate" and lo <= c.start and c.end <= hi for c in cues)
