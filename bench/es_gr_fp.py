"""PadChest-GR strict false positives of the READ part, grouped by label (issue 12, brief item 3).

A strict false positive is a label the labeller gives an image (present or uncertain) that the image's
gold does not have. For each label: how many, and the sentences (with the cue, if any) that gave it,
most frequent first, so each can be judged a labeller error or a label-set difference (PadChest-GR is
grounded findings only: no `unchanged`, no differential diagnoses). Only the read part is listed
(rxlabel.labeler.devsplit); ``--label-set`` applies a named label set first (docs/spanish.md).

    PYTHONPATH=src python bench/es_gr_fp.py [--data ../shared/data] [--top 8] [--label-set padchest-gr]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rxlabel import labeler  # noqa: E402
from rxlabel.labeler.devsplit import READ, padchest_gr_reports  # noqa: E402
from rxlabel.labeler.labelsets import apply_label_set, load_label_set  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the shared data folder")
    parser.add_argument("--top", type=int, default=8, help="sentences shown per label")
    parser.add_argument("--label-set", default=None, help="a named label set of the pack (labelsets/NAME.yaml)")
    args = parser.parse_args(argv)
    lab = labeler.Labeler("es")
    names = set(lab.finding_names)
    label_set = load_label_set("es", args.label_set) if args.label_set else None
    gr = padchest_gr_reports(Path(args.data) / "es" / "padchest_gr" / "padchest_gr_master_table.csv")
    gr = gr[gr.part == READ]
    counts: Counter = Counter()
    where: dict[str, Counter] = defaultdict(Counter)
    for rid, row in gr.iterrows():
        result = lab(row.text, rid)
        findings = {k: v for k, v in result.findings.items() if k in names}
        if label_set is not None:
            findings = apply_label_set(findings, label_set)
        gold = set(row.labels)
        for label in sorted(k for k, v in findings.items() if v and k not in gold):
            counts[label] += 1
            for e in result.evidence:
                if e["finding"] == label and e["status"] != 0:
                    s0, s1 = e["sentence"]
                    cue = e.get("cue") or ""
                    where[label][f"{row.text[s0:s1].strip()[:120]}" + (f"  [cue: {cue}]" if cue else "")] += 1
                    break
            else:
                where[label]["(no evidence: set by the report-level rule)"] += 1
    print(f"{sum(counts.values())} strict false positives on {len(gr)} read-part images")
    for label, n in counts.most_common():
        print(f"\n{label}: {n}")
        for sentence, k in where[label].most_common(args.top):
            print(f"   {k:>3}  {sentence}")


if __name__ == "__main__":
    main()
