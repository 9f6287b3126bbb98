"""From mentions to report labels: per finding 1 / 0 / -1, regions, ``abnormal``, conflicts.

Aggregation follows the CheXpert labeler: a finding is positive if any mention is positive,
else uncertain if any mention is uncertain, else negative; not mentioned means absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

_RANK = {1: 3, -1: 2, 0: 1}


@dataclass(slots=True)
class Mention:
    """One finding mention in one sentence, with its status and the evidence behind it."""

    finding: str
    status: int
    region: str
    abnormal: bool
    start: int
    end: int
    sentence: str
    sentence_start: int
    cue: str | None
    rule: str
    localizations: list[str]
    kind: str = "exact"

    def evidence(self) -> dict:
        return {"finding": self.finding, "status": self.status, "sentence": self.sentence,
                "start": self.start, "end": self.end, "cue": self.cue, "rule": self.rule,
                "localizations": self.localizations, "match": self.kind, "region": self.region,
                "abnormal": self.abnormal}


def combine(statuses: list[int]) -> int:
    """Positive > uncertain > negative."""
    return max(statuses, key=_RANK.__getitem__)


def aggregate_statuses(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """(finding, status) pairs -> finding name -> 1 / 0 / -1."""
    out: dict[str, int] = {}
    for finding, status in pairs:
        previous = out.get(finding)
        out[finding] = status if previous is None else combine([previous, status])
    return out


def aggregate_findings(mentions: list[Mention]) -> dict[str, int]:
    """Finding name -> 1 / 0 / -1 over all its mentions."""
    return aggregate_statuses((m.finding, m.status) for m in mentions)


def roll_up_regions(mentions: list[Mention], regions: tuple[str, ...]) -> dict[str, int]:
    """Each region 1 / -1 / 0 from its abnormal findings' mentions; ``abnormal`` from all of them."""
    out = {r: 0 for r in regions}
    abnormal = 0
    for m in mentions:
        if not m.abnormal or m.status == 0:
            continue
        if m.region in out:
            out[m.region] = combine([out[m.region], m.status])
        abnormal = combine([abnormal, m.status])
    out["abnormal"] = abnormal
    return out


def find_conflicts(mentions: list[Mention]) -> list[str]:
    """Findings stated both present and absent with the same localizations and region."""
    seen: dict[tuple, set[int]] = {}
    for m in mentions:
        if m.status == -1:
            continue
        seen.setdefault((m.finding, m.region, tuple(m.localizations)), set()).add(m.status)
    return sorted({key[0] for key, statuses in seen.items() if len(statuses) > 1})
