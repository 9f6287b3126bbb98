"""Score the Vietnamese pack on ``cases.jsonl`` and print the numbers quoted in docs/vietnamese.md.

    python tests/data/labeler/vi/score_cases.py            # summary
    python tests/data/labeler/vi/score_cases.py --failures # plus every case that fails its rule

A case passes when
- it expects review and the labeller sent it to review (``method == "unlabelled"``), or, for
  misspelled / diacritic-free text (``allow_labelled``), labelled it with exactly the expected labels;
- it expects no review and the labeller labelled it, with the expected five labels and, where the
  case names one, the expected method; findings stated present or uncertain must come out with
  that status, findings stated absent must not come out present or uncertain.
F1 per class counts a label as positive when it is 1, over the cases the labeller did not send to
review, as Done-when of issue 4 asks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEYS = ("chest_wall", "pleura", "parenchyma", "cardio", "abnormal")
# The normal/abnormal mix: every case except those written to be hard on purpose (misspelled,
# typed without diacritics, out of vocabulary), which must go to review.
ADVERSARIAL = ("misspelled", "no_diacritics", "oov")


def load_cases(path: Path = HERE / "cases.jsonl") -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def check(case: dict, result) -> list[str]:
    """Why ``result`` fails ``case`` (empty list: it passes)."""
    review = result.method == "unlabelled" or bool(result.rejected)
    labels = {k: result.regions.get(k) for k in KEYS}
    if case["review"]:
        if review or (case.get("allow_labelled") and labels == case["labels"]):
            return []
        return [f"expected review, got method {result.method} with {labels}"]
    problems = []
    if review:
        return [f"sent to review: {result.review_reasons or result.rejected}"]
    if labels != case["labels"]:
        problems.append(f"labels {labels} != {case['labels']}")
    if case.get("method") and result.method != case["method"]:
        problems.append(f"method {result.method} != {case['method']}")
    for name, status in case.get("findings", {}).items():
        got = result.findings.get(name)
        if status != 0 and got != status:
            problems.append(f"finding {name}: {got} != {status}")
        if status == 0 and got in (1, -1):
            problems.append(f"finding {name}: {got}, expected absent")
    return problems


def f1_per_class(pairs: list[tuple[dict, dict]]) -> dict[str, dict]:
    out = {}
    for key in KEYS:
        tp = sum(g[key] == 1 and p[key] == 1 for g, p in pairs)
        fp = sum(g[key] != 1 and p[key] == 1 for g, p in pairs)
        fn = sum(g[key] == 1 and p[key] != 1 for g, p in pairs)
        exact = sum(g[key] == p[key] for g, p in pairs)
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
        out[key] = {"tp": tp, "fp": fp, "fn": fn, "support": tp + fn, "f1": round(f1, 4),
                    "agreement_1_0_-1": round(exact / len(pairs), 4) if pairs else 1.0}
    return out


def score(labeller, cases: list[dict]) -> dict:
    """Every number of issue 4's Done-when for ``labeller`` on ``cases``."""
    failures: dict[str, list[str]] = {}
    labelled_pairs = []
    review_by_kind: dict[str, list[int]] = {}
    methods: dict[str, int] = {}
    for case in cases:
        result = labeller(case["text"], case["id"])
        problems = check(case, result)
        if problems:
            failures[case["id"]] = problems
        review = result.method == "unlabelled" or bool(result.rejected)
        counts = review_by_kind.setdefault(case["kind"], [0, 0])
        counts[0] += review
        counts[1] += 1
        methods[result.method] = methods.get(result.method, 0) + 1
        if not review:
            labelled_pairs.append((case["labels"], {k: result.regions.get(k) for k in KEYS}))
    mix = [v for k, v in review_by_kind.items() if k not in ADVERSARIAL]
    lenient = [c for c in cases if c.get("allow_labelled")]
    return {
        "cases": len(cases),
        "failures": failures,
        "f1_not_reviewed": f1_per_class(labelled_pairs),
        "labelled": len(labelled_pairs),
        "methods": methods,
        "review_share_all": round(sum(v[0] for v in review_by_kind.values()) / len(cases), 4),
        "review_share_normal_abnormal_mix": round(sum(v[0] for v in mix) / max(1, sum(v[1] for v in mix)), 4),
        "review_by_kind": {k: f"{v[0]}/{v[1]}" for k, v in sorted(review_by_kind.items())},
        "misspelled_or_no_diacritics_ok": f"{sum(c['id'] not in failures for c in lenient)}/{len(lenient)}",
        "oov_reviewed": f"{sum(c['id'] not in failures for c in cases if c['kind'] == 'oov')}/"
                        f"{sum(c['kind'] == 'oov' for c in cases)}",
    }


def typo_variants() -> list[dict]:
    """Every single-word misspelling of make_cases.MISSPELL applied to every sentence the generator
    uses, one at a time, in a report whose other bullets are normal; labels from the construction."""
    sys.path.insert(0, str(HERE))
    import make_cases as m

    statements = []
    for region in m.REGIONS:
        statements += [(region, (t, [])) for t in m.NORMAL[region]] + [(region, s) for s in m.POSITIVE[region]]
        for x, facts in m.NEG_TARGETS[region]:
            statements += [(region, (f.format(x=x) + ".", [(n, r, 0) for n, r in facts])) for f in m.NEG_FORMS[:6]]
        for x, facts in m.UNC_TARGETS[region]:
            statements += [(region, (f.format(x=x) + ".", [(n, r, -1) for n, r in facts])) for f in m.UNC_FORMS[:6]]
    base = {r: (m.NORMAL[r][0], []) for r in m.REGIONS}
    out = []
    for region, (text, facts) in statements:
        words = text.split()
        for j, word in enumerate(words):
            for good, bad in m.MISSPELL:
                if word.lower().strip(".,") != good:
                    continue
                typo = list(words)
                typo[j] = (bad[0].upper() + bad[1:] if word[0].isupper() else bad) + word[len(word.rstrip(".,")):]
                bullets = dict(base)
                bullets[region] = (" ".join(typo), facts)
                labels, _ = m.labels_of(list(bullets.values()))
                out.append({"text": "Mô tả hình ảnh:\n" + "\n".join("- " + bullets[r][0] for r in m.REGIONS),
                            "labels": labels})
    return out


def typo_outcomes(labeller) -> dict[str, int]:
    """How single-word misspellings end: labelled right, sent to review, or labelled wrong."""
    counts = {"right": 0, "review": 0, "wrong": 0}
    for case in typo_variants():
        result = labeller(case["text"])
        if result.method == "unlabelled":
            counts["review"] += 1
        else:
            counts["right" if {k: result.regions[k] for k in KEYS} == case["labels"] else "wrong"] += 1
    return counts


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE.parents[3]))
    from rxlabel import labeler
    vi = labeler.load("vi")
    cases = load_cases()
    report = score(vi, cases)
    failures = report.pop("failures")
    f1 = report.pop("f1_not_reviewed")
    print(f"rules {vi.version}; {report['cases']} cases, {report['labelled']} labelled, methods {report['methods']}")
    print("F1 per class on cases not sent to review (label 1 = positive):")
    for key, n in f1.items():
        print(f"  {key:<11} F1 {n['f1']:.4f}  tp {n['tp']:>3} fp {n['fp']:>2} fn {n['fn']:>2}  "
              f"agreement on 1/0/-1 {n['agreement_1_0_-1']:.4f}")
    for key, value in report.items():
        if key != "labelled":
            print(f"{key}: {value}")
    typos = typo_outcomes(vi)
    print(f"single-word misspellings of every generator sentence ({sum(typos.values())}): {typos}")
    print(f"failing cases: {len(failures)}")
    if "--failures" in argv:
        cases = {c["id"]: c for c in load_cases()}
        for cid, why in failures.items():
            print(f"{cid}: {'; '.join(why)}\n    {cases[cid]['text']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
