"""How much faster the review queue clears with the workbench's assistant than without it.

A simulated reader who knows the labels to reach counts the decisions (key presses that change or
confirm something) a report takes:

* **held-out rule labels** (Vietnamese dev reports and BIMCV-COVID19 reports): the reports the rules
  labelled in full are hidden from the assistant fold by fold (5 folds; it trains on the other folds'
  rule-labelled sentences and the queue's matched sentences) and put before the reader as if no rule
  had understood them; the labels to reach are the rules' own (findings stated present or uncertain).
  Without the assistant the reader types every finding and saves (``n`` alone for a normal report);
  with it, ``A`` accepts the proposals when they are right, else the reader fixes the differences
  and saves. ``ranked`` is the share of abnormal reports found in the first half of the queue when it
  is ordered by the assistant's P(abnormal), against file order.
* **the real Vietnamese queue against gold** (vi dev reports only, they have gold region labels):
  the reports the rules sent to review start from the rules' suggestions, or from the suggestions
  plus the assistant's proposals for the sentences no rule understood; a report costs one decision
  when its regions are already right (or it is normal: ``n``), else one more per wrong region.
  ``reports_to_90pct_abnormal``: how many queue reports a reader opens before seeing 90% of the
  gold-abnormal ones, in file order and in the assistant's order.

Prints the figures and one JSON line, also appended to bench/results/review_assistant.jsonl.

    python bench/review_assistant.py            # both corpora (~2-4 minutes on 2 cores)
    python bench/review_assistant.py --corpus vi
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rxlabel.labeler.batch import label_file  # noqa: E402
from rxlabel.labeler.io import read_records, read_reports  # noqa: E402
from rxlabel.labeler.pack import load_pack  # noqa: E402
from rxlabel.labeler.review import _derive_regions, suggested_findings  # noqa: E402
from rxlabel.labeler.workbench.assistant import PROPOSE, Assistant  # noqa: E402
from rxlabel.labeler.workbench.store import positives  # noqa: E402
from rxlabel.schema import REGIONS  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
CORPORA = {
    "vi": (SHARED / "vi" / "dev_reports" / "reports.jsonl", "vi", "id"),
    "bimcv": (SHARED / "es" / "bimcv_covid19" / "bimcv_covid19_reports_raw.jsonl", "es", "session"),
}


def cost_from(start: dict[str, int], target: dict[str, int]) -> int:
    """Decisions to turn ``start`` into ``target``: 1 to confirm, plus 1 per finding to add, drop or change."""
    if start == target:
        return 1
    if target in ({}, {"normal": 1}):
        return 1  # n: normal
    diff = {k for k in set(start) | set(target) if start.get(k) != target.get(k)}
    return 1 + min(len(diff), len(target))  # never worse than typing the target from scratch


def heldout(items: list[tuple[dict, str]], pack, folds: int = 5, seed: int = 0) -> dict:
    """Rule-labelled reports hidden fold by fold; decisions to reach their rule labels, with and without."""
    auto = [i for i, (r, _) in enumerate(items) if r["method"] in ("rule", "template")]
    abnormal = {n for n, f in pack.findings.items() if f.abnormal}
    without = with_ = one_without = one_with = 0
    order: list[tuple[float, bool, int]] = []
    for k in range(folds):
        fold = set(auto[k::folds])
        assistant = Assistant(pack, seed)
        assistant.fit(assistant.examples([items[i] for i in range(len(items)) if i not in fold]))
        for i in sorted(fold):
            record, text = items[i]
            target = positives(record["findings"])
            blind = {**record, "evidence": [], "method": "unlabelled"}  # as if no rule had understood it
            scored = assistant.score(blind, text)
            proposed = {p["finding"]: 1 for p in scored["proposals"] if p["p"] >= PROPOSE}
            c0, c1 = cost_from({}, target), cost_from(proposed, target)
            without, with_ = without + c0, with_ + c1
            one_without += c0 == 1
            one_with += c1 == 1
            order.append((scored["p_abnormal"], bool(set(target) & abnormal), i))
    n = len(order)
    n_abn = sum(a for _, a, _ in order) or 1
    by_file = sorted(order, key=lambda t: t[2])
    by_rank = sorted(order, key=lambda t: -t[0])
    half = n // 2
    return {"reports": n, "abnormal": n_abn, "decisions_without": without, "decisions_with": with_,
            "speedup": round(without / with_, 3) if with_ else None,
            "one_decision_without": round(one_without / n, 3), "one_decision_with": round(one_with / n, 3),
            "abnormal_in_first_half_file": round(sum(a for _, a, _ in by_file[:half]) / n_abn, 3),
            "abnormal_in_first_half_ranked": round(sum(a for _, a, _ in by_rank[:half]) / n_abn, 3)}


def _regions(findings: dict[str, int], pack) -> dict[str, int]:
    r = _derive_regions(findings, pack)
    return {k: int(r[k] != 0) for k in REGIONS}


def gold_queue(items: list[tuple[dict, str]], gold: dict[str, dict], pack, seed: int = 0) -> dict:
    """The real queue against gold regions: decisions from the rules' suggestions, with and without proposals."""
    assistant = Assistant(pack, seed)
    assistant.fit(assistant.examples(items))
    queue = [(r, t) for r, t in items if r["method"] == "unlabelled" and r["report_id"] in gold]
    without = with_ = right_without = right_with = 0
    order = []
    for record, text in queue:
        target = {k: int(gold[record["report_id"]][k] != 0) for k in REGIONS}
        scored = assistant.score(record, text)
        start = suggested_findings(record)
        more = {**start, **{p["finding"]: 1 for p in scored["proposals"] if p["p"] >= PROPOSE and p["finding"] not in start}}
        costs = []
        for findings in (start, more):
            have = _regions(findings, pack)
            wrong = sum(have[k] != target[k] for k in REGIONS)
            costs.append(1 if wrong == 0 or not any(target.values()) else 1 + wrong)
        without, with_ = without + costs[0], with_ + costs[1]
        right_without += costs[0] == 1
        right_with += costs[1] == 1
        order.append((scored["p_abnormal"], bool(any(target.values()))))

    def to_90(seq):
        need, seen = 0.9 * sum(a for _, a in seq), 0
        for i, (_, a) in enumerate(seq, 1):
            seen += a
            if seen >= need:
                return i
        return len(seq)

    n = len(queue)
    return {"reports": n, "gold_abnormal": sum(a for _, a in order), "decisions_without": without,
            "decisions_with": with_, "speedup": round(without / with_, 3) if with_ else None,
            "one_decision_without": round(right_without / n, 3), "one_decision_with": round(right_with / n, 3),
            "reports_to_90pct_abnormal_file": to_90(order),
            "reports_to_90pct_abnormal_ranked": to_90(sorted(order, key=lambda t: -t[0]))}


def run(name: str, folds: int, seed: int) -> dict:
    path, lang, id_col = CORPORA[name]
    if not path.exists():
        return {"corpus": name, "skipped": f"{path} is absent"}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        labels = Path(tmp) / "labels.jsonl"
        label_file(path, labels, lang, id_col=id_col, progress=False)
        records = list(read_records(labels))
    texts = {row.report_id: row.text for chunk in read_reports(path, id_col=id_col) for row in chunk}
    items = [(r, texts.get(r["report_id"], "")) for r in records]
    pack = load_pack(lang)
    out = {"corpus": name, "reports": len(items), "queue": sum(r["method"] == "unlabelled" for r, _ in items),
           "heldout": heldout(items, pack, folds, seed)}
    if name == "vi":
        gold = {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                gold[row["id"]] = row["gold"]
        out["gold_queue"] = gold_queue(items, gold, pack, seed)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", choices=[*CORPORA, "all"], default="all")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json-out", default=str(ROOT / "bench" / "results" / "review_assistant.jsonl"))
    args = ap.parse_args()
    names = list(CORPORA) if args.corpus == "all" else [args.corpus]
    result = {"bench": "review_assistant", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "python": platform.python_version(), "folds": args.folds, "seed": args.seed,
              "corpora": [run(n, args.folds, args.seed) for n in names]}
    for c in result["corpora"]:
        if "skipped" in c:
            print(f"{c['corpus']}: skipped ({c['skipped']})")
            continue
        h = c["heldout"]
        print(f"{c['corpus']}: {c['reports']} reports, {c['queue']} in the queue ({c['seconds']} s)")
        print(f"  held-out rule labels, {h['reports']} reports: {h['decisions_without']} decisions without the "
              f"assistant, {h['decisions_with']} with ({h['speedup']}x); one decision: {h['one_decision_without']:.0%}"
              f" -> {h['one_decision_with']:.0%}; abnormal in the first half: file {h['abnormal_in_first_half_file']:.0%},"
              f" ranked {h['abnormal_in_first_half_ranked']:.0%}")
        if "gold_queue" in c:
            g = c["gold_queue"]
            print(f"  real queue vs gold regions, {g['reports']} reports: {g['decisions_without']} decisions from the "
                  f"rules' suggestions, {g['decisions_with']} with proposals ({g['speedup']}x); 90% of the "
                  f"{g['gold_abnormal']} abnormal seen after {g['reports_to_90pct_abnormal_file']} reports in file "
                  f"order, {g['reports_to_90pct_abnormal_ranked']} ranked")
    line = json.dumps(result)
    print(line)
    out = Path(args.json_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


if __name__ == "__main__":
    main()
