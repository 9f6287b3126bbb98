"""Score the Vietnamese pack on ``shared/data/vi/dev_reports`` per part of the fixed dev split.

The development reports are split by ``rxlabel.labeler.devsplit.part_of`` (a hash of the report
id) into a part read to write rules (70%) and a part only scored (30%). For each part this prints
the share auto-labelled (method ``template`` or ``rule``), the share auto-labelled *and* right in
all five regions (a hedged region, -1, counts as 1, as in the gold), the share sent to review, and
per-region precision / recall / F1 over the auto-labelled reports. One JSON line goes to stdout last.

    PYTHONPATH=src python bench/vi_dev_reports.py [--data PATH] [--failures read] [--part read]

``--failures`` lists wrong or queued reports of the *read* part only: the scored part is never shown.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

from rxlabel import labeler
from rxlabel.labeler.devsplit import READ, SCORE, part_of
from rxlabel.labeler.normalize import strip_diacritics
from rxlabel.schema import REGION_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "vi" / "dev_reports" / "reports.jsonl"


def load_reports(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def score(rows: list[dict], results: list) -> dict:
    """Shares and per-region P/R/F1 for one part."""
    n = len(rows)
    auto = right = review = 0
    counts = {r: [0, 0, 0] for r in REGION_COLUMNS}  # tp, fp, fn over auto-labelled reports
    for row, res in zip(rows, results, strict=True):
        is_auto = res.method in ("template", "rule") and not res.rejected
        if not is_auto:
            review += 1
            continue
        auto += 1
        predicted = {r: int(res.regions.get(r, 0) != 0) for r in REGION_COLUMNS}
        gold = {r: int(row["gold"][r]) for r in REGION_COLUMNS}
        right += predicted == gold
        for r in REGION_COLUMNS:
            counts[r][0] += predicted[r] and gold[r]
            counts[r][1] += predicted[r] and not gold[r]
            counts[r][2] += gold[r] and not predicted[r]
    per_region = {}
    for r, (tp, fp, fn) in counts.items():
        p = tp / (tp + fp) if tp + fp else 1.0
        rc = tp / (tp + fn) if tp + fn else 1.0
        per_region[r] = {"p": round(p, 4), "r": round(rc, 4), "f1": round(2 * p * rc / (p + rc) if p + rc else 0, 4),
                         "support": tp + fn}
    return {"n": n, "auto": round(auto / n, 4), "auto_and_right": round(right / n, 4),
            "review": round(review / n, 4), "per_region": per_region}


_TONES = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
TYPO_KINDS = ("drop_tone", "wrong_tone", "swap", "drop", "dup", "join")


def _typo(word: str, kind: str, rng: random.Random) -> str:
    if kind == "drop_tone":
        return strip_diacritics(word)
    if kind == "wrong_tone":
        decomposed = unicodedata.normalize("NFD", word)
        tones = [c for c in decomposed if c in _TONES]
        if not tones:
            return word
        other = rng.choice([t for t in _TONES if t != tones[0]])
        return unicodedata.normalize("NFC", decomposed.replace(tones[0], other))
    i = rng.randrange(1, len(word) - 1)
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]  # dup


def typo_outcomes(lab, rows: list[dict], seed: int = 7) -> dict[str, dict[str, int]]:
    """right / review / wrong counts per typo kind, one typo on one random word (3+ letters) per report."""
    rng = random.Random(seed)
    out = {kind: {"right": 0, "review": 0, "wrong": 0} for kind in TYPO_KINDS}
    for row in rows:
        for kind in TYPO_KINDS:
            words = list(re.finditer(r"\w{3,}", row["text"]))
            if not words:
                continue
            m = rng.choice(words)
            text = row["text"]
            if kind == "join":
                if text[m.end():m.end() + 1] == " ":
                    text = text[:m.end()] + text[m.end() + 1:]
            else:
                text = text[:m.start()] + _typo(m.group(), kind, rng) + text[m.end():]
            res = lab(text)
            key = "right" if _right(row, res) else ("review" if res.method not in ("template", "rule") else "wrong")
            out[kind][key] += 1
    return out


def _right(row: dict, res) -> bool:
    return res.method in ("template", "rule") and all(
        int(res.regions.get(r, 0) != 0) == int(row["gold"][r]) for r in REGION_COLUMNS)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--failures", choices=[READ], help="list the read part's wrong or queued reports")
    ap.add_argument("--stripped", action="store_true",
                    help="robustness: the read part's reports without noise, labelled again with every diacritic "
                         "stripped (how many stay right)")
    ap.add_argument("--typos", action="store_true",
                    help="robustness: each read-part report without noise, once per typo kind of the dev set "
                         "(drop / wrong tone, swapped, dropped or doubled letter, joined words) on one random word")
    ap.add_argument("--speed", type=int, default=0, metavar="N",
                    help="also time N passes over the reports with a fresh labeller each (cold sentence cache)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"{args.data} not found (shared/data/vi/dev_reports)", file=sys.stderr)
        return 2
    rows = load_reports(args.data)
    lab = labeler.load("vi")
    t0 = time.perf_counter()
    results = [lab(r["text"], r["id"]) for r in rows]
    elapsed = time.perf_counter() - t0
    out = {"rules_version": lab.version, "seconds": round(elapsed, 3)}
    if args.speed:
        cold = []
        for _ in range(args.speed):
            fresh = labeler.Labeler("vi")
            t0 = time.perf_counter()
            for r in rows:
                fresh(r["text"], r["id"])
            cold.append(len(rows) / (time.perf_counter() - t0))
        out["reports_per_s_cold"] = round(sorted(cold)[len(cold) // 2], 1)
        print(f"throughput (fresh labeller, every sentence analysed once): {out['reports_per_s_cold']} reports/s")
    for part in (READ, SCORE):
        idx = [i for i, r in enumerate(rows) if part_of(r["id"]) == part]
        s = score([rows[i] for i in idx], [results[i] for i in idx])
        out[part] = s
        print(f"{part:6} n={s['n']:3}  auto {s['auto']:.1%}  auto+right(5) {s['auto_and_right']:.1%}  "
              f"review {s['review']:.1%}")
        for r, m in s["per_region"].items():
            print(f"        {r:11} P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} (support {m['support']})")
    if args.stripped:
        clean = [(r, res) for r, res in zip(rows, results, strict=True) if part_of(r["id"]) == READ and not r["noise"]]
        stripped = [lab(strip_diacritics(r["text"]).replace("đ", "d").replace("Đ", "D")) for r, _ in clean]
        out["stripped"] = {"reports": len(clean), "right_as_typed": sum(_right(r, res) for r, res in clean),
                           "right_stripped": sum(_right(r, res) for (r, _), res in zip(clean, stripped, strict=True))}
        print(f"read part without noise, diacritics stripped: {out['stripped']}")
    if args.typos:
        clean = [r for r in rows if part_of(r["id"]) == READ and not r["noise"]]
        out["typos"] = typo_outcomes(lab, clean)
        for kind, counts in out["typos"].items():
            print(f"one typo ({kind:10}): {counts}")
    if args.failures == READ:
        for row, res in zip(rows, results, strict=True):
            if part_of(row["id"]) != READ:
                continue
            pred = {r: int(res.regions.get(r, 0) != 0) for r in REGION_COLUMNS}
            auto = res.method in ("template", "rule")
            if auto and pred == row["gold"]:
                continue
            print("=" * 80)
            print(row["id"], res.method, res.review_reasons, "style", row.get("style"), "noise", row.get("noise"))
            print("gold", row["gold"], "pred", pred)
            print(row["text"])
            print("findings", res.findings)
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
