"""From mentions to report labels: per finding 1 / 0 / -1, regions, ``abnormal``, conflicts.

Aggregation follows the CheXpert labeler: a finding is positive if any mention is positive,
else uncertain if any mention is uncertain, else negative; not mentioned means absent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_RANK = {1: 3, -1: 2, 0: 1}
WINDOW = 24  # characters of context kept either side of a mention in its evidence window
ELLIPSIS = "\u2026"


@lru_cache(maxsize=65_536)  # a pack's few thousand rules recur on every mention: hash each once
def rule_id(rule: str | None) -> str | None:
    """A short stable id for a rule string: ``phrase:<pattern>`` -> ``phrase:1a2b3c4d5e``.

    Evidence carries the id, not the pattern (patterns run to hundreds of characters and repeat on
    every mention); :func:`rule_ids` maps ids back to the pack's patterns. Ids depend only on the
    pattern's text, so they stay the same when other rules of the pack change. Short patterns (up to
    24 characters, readable as they are) and ``review:<reviewer>`` notes pass through.
    """
    if not rule or ":" not in rule:
        return rule
    kind, _, body = rule.partition(":")
    if kind == "review" or len(body) <= 24:
        return rule
    return f"{kind}:{hashlib.blake2b(body.encode('utf-8'), digest_size=5).hexdigest()}"


def rule_ids(rules: Iterable[str]) -> dict[str, str]:
    """``rule_id(rule) -> rule`` for the given full rule strings (e.g. every phrase of a pack)."""
    return {rule_id(r): r for r in rules}


def pack_rule_ids(pack) -> dict[str, str]:
    """``rule id -> full rule`` for every phrase and template of a rule pack (what evidence ids point at)."""
    rules = []
    for finding in pack.findings.values():
        rules += [f"phrase:{p}" for p in finding.phrases]
        rules += [f"negative_phrase:{p}" for p in finding.negative_phrases]
    for template in pack.templates:
        text = getattr(template, "text", template)
        if isinstance(text, str):
            rules += [f"template:{text}", f"fuzzy_template:{text}"]
    return rule_ids(rules)


def clip_window(sentence: str, start: int, end: int, width: int = WINDOW) -> str:
    """The mention ``sentence[start:end]`` with up to ``width`` characters either side, clipped to the
    sentence; an ellipsis marks each clipped side. The mention itself is clipped to 4 x ``width``."""
    if end - start > 4 * width:
        return sentence[start:start + 4 * width] + ELLIPSIS
    lo, hi = max(0, start - width), min(len(sentence), end + width)
    return (ELLIPSIS if lo > 0 else "") + sentence[lo:hi] + (ELLIPSIS if hi < len(sentence) else "")


def evidence_item(finding: str | None, status: int | None, start: int | None, end: int | None, cue: str | None,
                  rule: str | None, localizations: list[str], match: str, sentence_start: int | None,
                  sentence: str | None) -> dict:
    """One evidence object of the label record (docs/labeler.md): offsets into the report text, the
    cue, a rule id and a clipped window; the sentence is ``text[sentence[0]:sentence[1]]``."""
    if sentence is None or sentence_start is None or start is None or end is None:
        span, window = None, None
    else:
        span = [sentence_start, sentence_start + len(sentence)]
        window = clip_window(sentence, start - sentence_start, end - sentence_start)
    return {"finding": finding, "status": status, "start": start, "end": end, "cue": cue, "rule": rule_id(rule),
            "localizations": localizations, "match": match, "sentence": span, "window": window}


def evidence_sentence(item: dict, text: object, max_chars: int = 300) -> str:
    """The sentence an evidence item came from, recovered from the report text and its offsets, else
    (no text, or a sentence over ``max_chars``, which would repeat on every mention) its clipped window."""
    span = item.get("sentence")
    if isinstance(span, list) and len(span) == 2 and isinstance(text, str) and span[1] <= len(text):
        if span[1] - span[0] <= max_chars:
            return text[span[0]:span[1]]
        if item.get("start") is not None and item.get("end") is not None:  # compact files store no window
            return clip_window(text[span[0]:span[1]], item["start"] - span[0], item["end"] - span[0])
    if isinstance(span, str):  # records written before evidence carried offsets
        return span
    return item.get("window") or ""


def attach_text(record: dict, text: object) -> dict:
    """``record`` with each evidence item's ``window`` recovered from the report ``text`` and the item's
    offsets (compact files do not store it); the record unchanged when there is no text. The windows are
    those the labeller computed: ``clip_window`` of the sentence ``text[a:b]``."""
    if not isinstance(text, str):
        return record
    items = []
    for item in record.get("evidence") or []:
        if isinstance(item, dict) and "window" not in item:
            span, start, end = item.get("sentence"), item.get("start"), item.get("end")
            window = None
            if isinstance(span, list) and len(span) == 2 and start is not None and end is not None and span[1] <= len(text):
                window = clip_window(text[span[0]:span[1]], start - span[0], end - span[0])
            keys = list(item)
            at = keys.index("sentence") + 1 if "sentence" in keys else len(keys)
            item = dict([*item.items()][:at] + [("window", window)] + [*item.items()][at:])
        items.append(item)
    return {**record, "evidence": items}


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

    def evidence(self, window: bool = True) -> dict:
        """The bounded evidence object: offsets, cue, rule id and a clipped window (not the sentence; None
        with ``window=False``), with the mention's region and whether the finding is abnormal (evidence_item's
        keys, then these two, made in one literal: a mention always has its offsets and sentence)."""
        base, sentence = self.sentence_start, self.sentence
        return {"finding": self.finding, "status": self.status, "start": self.start, "end": self.end,
                "cue": self.cue, "rule": rule_id(self.rule), "localizations": self.localizations, "match": self.kind,
                "sentence": [base, base + len(sentence)],
                "window": clip_window(sentence, self.start - base, self.end - base) if window else None,
                "region": self.region, "abnormal": self.abnormal}


def combine(statuses: list[int]) -> int:
    """Positive > uncertain > negative."""
    return max(statuses, key=_RANK.__getitem__)


# combine([a, b]) for the three statuses, as one look-up (aggregation calls it once per mention)
_PAIR = {(a, b): combine([a, b]) for a in _RANK for b in _RANK}


def aggregate_statuses(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """(finding, status) pairs -> finding name -> 1 / 0 / -1."""
    out: dict[str, int] = {}
    for finding, status in pairs:
        previous = out.get(finding)
        out[finding] = status if previous is None else _PAIR[previous, status]
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
            out[m.region] = _PAIR[out[m.region], m.status]
        abnormal = _PAIR[abnormal, m.status]
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
