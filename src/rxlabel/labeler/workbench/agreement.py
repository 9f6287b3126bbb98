"""Agreement between annotators and consensus labels from their decisions.

Per finding, each decision is one category: ``1``, ``0`` (negated or not stated), ``-1``, ``reject`` or
``INVALID`` (the NEATX level for "cannot tell"). Cohen's kappa for each annotator pair on the reports
both decided, Fleiss' kappa over the reports every annotator decided when there are more than two, and
raw agreement. Written out here (a few lines each) and checked against scikit-learn and statsmodels in
the tests, so the page needs neither at run time.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from itertools import combinations
from pathlib import Path

from rxlabel.labeler.review import _write_queue, format_labels, review_row
from rxlabel.labeler.workbench.store import Store, positives

RULES = {
    "majority": "the decision more than half of the valid (non-INVALID) readers gave",
    "all_certain": "only readers with certainty 1 count, and they must all agree",
    "adjudicator": "the adjudicator's decision wins; without it, only a unanimous one stands",
}


def cohen_kappa(a: list, b: list) -> float:
    """Cohen's kappa of two raters' categories over the same items (nan when chance agreement is 1)."""
    n = len(a)
    if n == 0 or n != len(b):
        return math.nan
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[c] * cb[c] for c in ca) / (n * n)
    return math.nan if expected == 1 else (observed - expected) / (1 - expected)


def fleiss_kappa(table: list[list]) -> float:
    """Fleiss' kappa; ``table`` holds one row per item with every rater's category."""
    if not table:
        return math.nan
    raters = len(table[0])
    if raters < 2 or any(len(row) != raters for row in table):
        return math.nan
    cats = sorted({c for row in table for c in row}, key=str)
    counts = [[row.count(c) for c in cats] for row in table]
    n_items = len(table)
    p_j = [sum(r[j] for r in counts) / (n_items * raters) for j in range(len(cats))]
    p_i = [(sum(x * x for x in r) - raters) / (raters * (raters - 1)) for r in counts]
    p_bar, p_e = sum(p_i) / n_items, sum(p * p for p in p_j)
    return math.nan if p_e == 1 else (p_bar - p_e) / (1 - p_e)


WHOLE = "(whole decision)"


def category(decision: dict, finding: str) -> str:
    """The category a decision gives one finding (or the whole decision, ``WHOLE``)."""
    if decision["certainty"] == "INVALID":
        return "INVALID"
    if finding == WHOLE:
        return signature(decision)
    if decision["action"] == "reject":
        return "reject"
    return str((decision["findings"] or {}).get(finding, 0))


def signature(decision: dict) -> str:
    """What a decision says, ignoring stated negatives (``x=0`` and not mentioning x are the same label)."""
    if decision["action"] == "reject":
        return "reject"
    return format_labels(positives(decision["findings"])) or "normal"


def agreement(latest: dict[str, dict[str, dict]], annotators: list[str]) -> dict:
    """Per finding: Cohen's kappa and raw agreement per pair, Fleiss' kappa over everyone (> 2 readers)."""
    findings = sorted({f for votes in latest.values() for d in votes.values() for f in (d["findings"] or {})})
    rows = []
    for finding in [WHOLE, *findings]:
        pairs = []
        for a, b in combinations(annotators, 2):
            both = [votes for votes in latest.values() if a in votes and b in votes]
            if not both:
                continue
            ca, cb = [category(v[a], finding) for v in both], [category(v[b], finding) for v in both]
            pairs.append({"a": a, "b": b, "n": len(both), "kappa": cohen_kappa(ca, cb),
                          "raw": sum(x == y for x, y in zip(ca, cb, strict=True)) / len(both)})
        row = {"finding": finding, "pairs": pairs, "fleiss": None, "fleiss_n": 0}
        everyone = [a for a in annotators if any(a in v for v in latest.values())]
        if len(everyone) > 2:
            table = [[category(v[a], finding) for a in everyone] for v in latest.values() if all(a in v for a in everyone)]
            row["fleiss"], row["fleiss_n"] = fleiss_kappa(table), len(table)
        if pairs:
            rows.append(row)
    return {"findings": rows, "annotators": annotators}


def consensus(votes: dict[str, dict], rule: str, adjudicator: str | None = None) -> dict:
    """The consensus decision of one report's latest votes: status agreed / invalid / unresolved."""
    valid = [d for d in votes.values() if d["certainty"] != "INVALID"]
    if votes and not valid:
        return {"status": "invalid", "decision": None}
    if rule == "adjudicator" and adjudicator in votes:
        d = votes[adjudicator]
        return {"status": "invalid" if d["certainty"] == "INVALID" else "agreed", "decision": d}
    if rule == "all_certain":
        valid = [d for d in valid if d["certainty"] == "1"]
    sigs = Counter(signature(d) for d in valid)
    if not sigs:
        return {"status": "unresolved", "decision": None}
    top, count = sigs.most_common(1)[0]
    need = len(valid) if rule in ("all_certain", "adjudicator") else len(valid) // 2 + 1
    if count < need:
        return {"status": "unresolved", "decision": None}
    return {"status": "agreed", "decision": next(d for d in valid if signature(d) == top)}


def disagreements(latest: dict[str, dict[str, dict]]) -> list[str]:
    """Reports read by two or more annotators who did not say the same thing."""
    return sorted(rid for rid, votes in latest.items() if len(votes) > 1
                  and len({category(d, WHOLE) for d in votes.values()}) > 1)


def export_decisions(store: Store, out: str | Path) -> dict:
    """Write the consensus decisions as the CSV ``rxlabel review apply`` reads; returns the counts.

    Queue reports with a consensus get a row; QC reports only where the check found an error (the
    correction). A report whose readers all said INVALID is exported as ``reject``.
    """
    from rxlabel.labeler.workbench.store import qc_error

    rule, adjudicator = store.consensus_rule()
    counts = Counter()
    rows = []
    for source in ("queue", "qc"):
        for rid, votes in sorted(store.latest(source).items()):
            report = store.report(rid)
            if source == "qc" and not any(qc_error(d, report["record"]) for d in votes.values()):
                counts["qc_correct"] += 1
                continue
            c = consensus(votes, rule, adjudicator)
            counts[c["status"]] += 1
            if c["status"] == "unresolved":
                continue
            d = c["decision"]
            row = review_row(report["record"], "")
            if c["status"] == "invalid" or d["action"] == "reject":
                row["decision"] = "reject"
            else:
                row["decision"] = format_labels(d["findings"]) or "normal"
            agreeing = sorted(a for a, v in votes.items() if c["status"] == "invalid" or (
                v["certainty"] != "INVALID" and signature(v) == signature(d)))
            row["reviewer"] = "+".join(agreeing)
            row["comment"] = (f"{source}; consensus {rule}" + (f" ({adjudicator})" if rule == "adjudicator" else "")
                              + "; certainty " + ",".join(f"{a}:{v['certainty']}" for a, v in sorted(votes.items())))
            rows.append(row)
    # the queue's own writer: same columns, cells escaped against formula injection, replaced atomically
    _write_queue(Path(out), rows, "review-export-decisions", [store.path])
    return {"rows": len(rows), "rule": rule, **dict(counts)}


def summary_json(result: dict) -> str:
    """The agreement result as JSON (nan as null)."""
    def clean(x):
        if isinstance(x, float) and math.isnan(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list):
            return [clean(v) for v in x]
        return x
    return json.dumps(clean(result), ensure_ascii=False)
