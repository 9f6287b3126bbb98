"""The Spanish labeller against a radiologist's-eye gold on real BIMCV-COVID19 reports (issue 12).

``bench/data/bimcv_eye_gold.jsonl`` holds, for 150 reports sampled at random (``random.Random(2026)``)
from the READ part of BIMCV (rxlabel.labeler.devsplit), the label set a chest radiologist reading the
report would give in PadChest's vocabulary (1 present, -1 hedged; the clinical request never counts).
Only ids and labels are stored (BIMCV is restricted); the text is read from ``../shared/data``.

Micro precision / recall / F1 over every label either side uses (``normal`` and ``unchanged``
included), uncertain counted present; prints each disagreement and one JSON line (appended to
bench/results/es_eye.jsonl).

    PYTHONPATH=src python bench/es_eye.py [--data ../shared/data] [--quiet] [--gold read|scored|heldout]

``--gold scored`` scores against ``bench/data/bimcv_eye_gold_scored.jsonl`` instead: 150 reports of the
SCORED part, labelled by an annotator who never saw the labeller. It prints only aggregate figures
(overall P / R / F1, per-label TP / FP / FN counts), never a report's text or its disagreements, so the
scored part stays unread.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _results import emit  # noqa: E402

from rxlabel import labeler  # noqa: E402
from rxlabel.labeler.devsplit import bimcv_reports  # noqa: E402

GOLD = ROOT / "bench" / "data" / "bimcv_eye_gold.jsonl"
GOLDS = {"read": GOLD, "scored": ROOT / "bench" / "data" / "bimcv_eye_gold_scored.jsonl",
         "heldout": ROOT / "bench" / "data" / "bimcv_eye_gold_heldout.jsonl",
         "read2": ROOT / "bench" / "data" / "bimcv_eye_gold_read2.jsonl",
         "heldout2": ROOT / "bench" / "data" / "bimcv_eye_gold_heldout2.jsonl",
         "read3": ROOT / "bench" / "data" / "bimcv_eye_gold_read3.jsonl",
         "heldout3": ROOT / "bench" / "data" / "bimcv_eye_gold_heldout3.jsonl",
         "read4": ROOT / "bench" / "data" / "bimcv_eye_gold_read4.jsonl",
         "heldout4": ROOT / "bench" / "data" / "bimcv_eye_gold_heldout4.jsonl",
         "read5": ROOT / "bench" / "data" / "bimcv_eye_gold_read5.jsonl",
         "read6": ROOT / "bench" / "data" / "bimcv_eye_gold_read6.jsonl",
         "read7": ROOT / "bench" / "data" / "bimcv_eye_gold_read7.jsonl"}
READ_GOLDS = {"read", "read2", "read3", "read4", "read5", "read6", "read7"}  # golds on BIMCV's READ part: their disagreements may be listed
RESULTS = ROOT / "bench" / "results" / "es_eye.jsonl"


def report_key(report_id: str) -> str:
    """The gold's key for a report: a digest of its id, so no BIMCV identifier is stored in the repository."""
    return hashlib.sha256(f"bimcv-eye:{report_id}".encode()).hexdigest()[:20]


def load_gold(path: Path = GOLD) -> dict[str, dict[str, int]]:
    """``report_key -> {label: 1 | -1}`` from the gold JSONL."""
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {r["report_key"]: r["labels"] for r in rows}


def present(labels: dict[str, int]) -> set[str]:
    """Labels counted present (uncertain included)."""
    return {k for k, v in labels.items() if v}


def score(gold: dict[str, dict[str, int]], pred: dict[str, dict[str, int]]) -> dict:
    """Micro P / R / F1 and per-label FP / FN counts of ``pred`` against ``gold``."""
    tp = fp = fn = 0
    tps: Counter = Counter()
    fps: Counter = Counter()
    fns: Counter = Counter()
    for rid, g in gold.items():
        gs, ps = present(g), present(pred.get(rid, {}))
        tp += len(gs & ps)
        fp += len(ps - gs)
        fn += len(gs - ps)
        tps.update(gs & ps)
        fps.update(ps - gs)
        fns.update(gs - ps)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp_by_label": dict(tps.most_common()), "fp_by_label": dict(fps.most_common()),
            "fn_by_label": dict(fns.most_common())}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the shared data folder")
    parser.add_argument("--quiet", action="store_true", help="do not list disagreements")
    parser.add_argument("--gold", choices=sorted(GOLDS), default="read",
                        help="read: the read part's gold (lists disagreements); scored / heldout: the scored part's (aggregates only)")
    parser.add_argument("--gold-file", type=Path, default=None,
                        help="score another gold file in the same format (aggregates only, like --gold scored)")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args(argv)
    path = args.gold_file or GOLDS[args.gold]
    if args.gold_file:
        args.gold = f"file:{args.gold_file.name}"
    quiet = args.quiet or args.gold not in READ_GOLDS  # never show a scored part's reports
    gold = load_gold(path)
    lab = labeler.Labeler("es")
    names = set(lab.finding_names)
    unknown = {k for g in gold.values() for k in g} - names
    if unknown:
        raise SystemExit(f"{path}: labels not in the Spanish pack: {sorted(unknown)}")
    texts = bimcv_reports(Path(args.data) / "es" / "bimcv_covid19" / "bimcv_covid19_reports_raw.jsonl").text
    ids = {report_key(rid): rid for rid in texts.index}
    missing_ids = set(gold) - set(ids)
    if missing_ids:
        raise SystemExit(f"{path}: {len(missing_ids)} gold reports not found in the BIMCV file")
    pred, queued = {}, 0
    for key in gold:
        rid = ids[key]
        result = lab(texts[rid], rid)
        pred[key] = {k: v for k, v in result.findings.items() if k in names}
        queued += result.method == "unlabelled"
        if not quiet and present(pred[key]) != present(gold[key]):
            extra, missing = present(pred[key]) - present(gold[key]), present(gold[key]) - present(pred[key])
            print(f"{rid}: +{sorted(extra)} -{sorted(missing)}" + (" [review]" if result.method == "unlabelled" else ""))
    record = {"bench": "es_eye", "gold": args.gold, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "rules_version": lab.version, "reports": len(gold), "queued": queued, **score(gold, pred)}
    if args.gold not in READ_GOLDS:
        labels = sorted(set(record["tp_by_label"]) | set(record["fp_by_label"]) | set(record["fn_by_label"]))
        print(f"{'label':<45}{'TP':>5}{'FP':>5}{'FN':>5}")
        for label in labels:
            print(f"{label:<45}" + "".join(f"{record[k].get(label, 0):>5}" for k in ("tp_by_label", "fp_by_label", "fn_by_label")))
    print(f"eye gold ({args.gold}): P {record['precision']:.3f}  R {record['recall']:.3f}  F1 {record['f1']:.3f}  "
          f"({record['tp']} TP, {record['fp']} FP, {record['fn']} FN; {queued} of {len(gold)} to review)")
    emit(record, RESULTS, append=not args.no_append)
    return record


if __name__ == "__main__":
    main()
