"""Score the Vietnamese pack on every Vietnamese set, both parts, plus optional held-out sets (aggregates only).

For each set and part (the fixed ``devsplit`` hash: read 70% / scored 30%) this prints the share labelled
automatically and right in all five regions, the share sent to review, the share labelled automatically and
wrong, and the count of each review reason. A held-out set (``--heldout PATH``, repeatable) is scored whole and
only these aggregates are printed: never a text, a sentence or a per-report line. One JSON line goes to stdout.

    PYTHONPATH=src python bench/vi_all_sets.py [--heldout PATH ...] [--option KEY=JSON ...]

``--option`` overrides a pack option for the run (a mapping is merged into the pack's) (``--option unmatched_sentence='"ignore"'``), to compare a
policy with the pack's default without editing pack.yaml.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from vi_dev_reports import DEFAULT_DATA, load_reports  # this script's folder is on sys.path

from rxlabel.labeler import Labeler
from rxlabel.labeler.devsplit import READ, SCORE, part_of
from rxlabel.labeler.pack import load_pack
from rxlabel.schema import REGION_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
VI_DATA = ROOT / "tests" / "data" / "labeler" / "vi"


def _house_style_sets() -> dict[str, Path]:
    """Every ``house_styles[_N]`` folder as ``hsN`` (the first is ``house_styles``), in number order: a new set is
    scored as soon as its folder exists."""
    found = {int(d.name.rpartition("_")[2]) if d.name != "house_styles" else 1: d / "reports.jsonl"
             for d in VI_DATA.glob("house_styles*") if (d / "reports.jsonl").exists()}
    return {f"hs{i}": found[i] for i in sorted(found)}


SETS = {"dev": DEFAULT_DATA, **_house_style_sets()}


def aggregate(lab: Labeler, rows: list[dict]) -> dict:
    """right / review / wrong shares, review-reason counts, and how many fallback labels were used."""
    right = review = wrong = fallback = 0
    fallback_outcome: Counter[str] = Counter()  # auto-labelled reports with a fallback label: right / wrong, by status
    reasons: Counter[str] = Counter()
    errors: Counter[str] = Counter()  # region:fp / region:fn over the auto-labelled wrong reports
    for row in rows:
        res = lab(row["text"], row["id"])
        used = [e for e in res.evidence if str(e.get("rule", "")).startswith("fallback")]
        fallback += bool(used)
        if res.method not in ("template", "rule") or res.rejected:
            review += 1
            reasons.update(res.review_reasons)
            continue
        pred = {r: int(res.regions.get(r, 0) != 0) for r in REGION_COLUMNS}
        gold = {r: int(row["gold"][r]) for r in REGION_COLUMNS}
        if used:
            statuses = ",".join(sorted({str(e.get("status")) for e in used}))
            fallback_outcome[f"{'right' if pred == gold else 'wrong'}:{statuses}"] += 1
        if pred == gold:
            right += 1
            continue
        wrong += 1
        errors.update(f"{r}:{'fp' if pred[r] else 'fn'}" for r in REGION_COLUMNS if pred[r] != gold[r])
    n = len(rows) or 1
    return {"n": len(rows), "right": round(right / n, 4), "review": round(review / n, 4),
            "wrong": round(wrong / n, 4), "reasons": dict(reasons), "with_fallback": fallback,
            "errors": dict(sorted(errors.items())), "fallback_outcome": dict(sorted(fallback_outcome.items()))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heldout", type=Path, action="append", default=[])
    ap.add_argument("--option", action="append", default=[], metavar="KEY=JSON")
    args = ap.parse_args(argv)
    pack = load_pack("vi")
    for opt in args.option:
        key, _, value = opt.partition("=")
        value = json.loads(value)
        current = getattr(pack, key)
        setattr(pack, key, {**current, **value} if isinstance(current, dict) and isinstance(value, dict) else value)
    lab = Labeler(pack)
    out: dict = {"rules_version": lab.version, "options": args.option}
    for name, path in SETS.items():
        if not path.exists():
            continue
        rows = load_reports(path)
        for part in (READ, SCORE):
            out[f"{name}/{part}"] = aggregate(lab, [r for r in rows if part_of(r["id"]) == part])
    for path in args.heldout:
        out[f"heldout:{path.parent.name}"] = aggregate(lab, load_reports(path))
    for name, s in out.items():
        if isinstance(s, dict):
            print(f"{name:24} n={s['n']:3}  right {s['right']:.1%}  review {s['review']:.1%}  wrong {s['wrong']:.1%}"
                  f"  fallback {s['with_fallback']} {s['fallback_outcome']}  reasons {s['reasons']}  errors {s['errors']}")
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
