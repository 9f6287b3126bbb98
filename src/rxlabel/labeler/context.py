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
_STATUS = {"negated": NEGATIVE, "uncertain": UNCERTAIN}


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


def resolve(target_start: int, target_end: int, cues: list[CueSpan], clauses: list[int]) -> tuple[int, CueSpan | None]:
    """Status of the target spanning words [target_start, target_end) and the cue that decided it."""
    best: tuple[int, int, CueSpan] | None = None  # (distance, tie-break, cue)
    for span in cues:
        category = span.cue.category
        if category not in _STATUS:
            continue
        direction = span.cue.direction
        if span.end <= target_start and direction in ("before", "both"):
            distance = target_start - span.end
            lo, hi = span.end, target_start
            if clauses[span.start] != clauses[target_start]:
                continue
        elif span.start >= target_end and direction in ("after", "both"):
            distance = span.start - target_end
            lo, hi = target_end, span.start
            if clauses[span.start] != clauses[target_end - 1]:
                continue
        else:
            continue
        if span.cue.max_scope is not None and distance >= span.cue.max_scope:
            continue
        if _terminated(cues, lo, hi):
            continue
        rank = (distance, 0 if category == "uncertain" else 1)
        if best is None or rank < best[:2]:
            best = (*rank, span)
    if best is None:
        return POSITIVE, None
    return _STATUS[best[2].cue.category], best[2]


def _terminated(cues: list[CueSpan], lo: int, hi: int) -> bool:
    return any(c.cue.category == "terminate" and lo <= c.start and c.end <= hi for c in cues)
