"""Learn PadChest's granularity convention from the READ part of PadChest-GR: which localization turns a
finding into its child label ("fractura" + "arcos costales" -> rib fracture).

For every read-part sentence, the labeller's finding P (with the localizations it records) is compared
with the sentence's gold label G; when G is a descendant of P in PadChest's term tree, the pair
(P, localization) -> G is counted. Proposals seen at least ``--min-count`` times, and right for at least
``--min-precision`` of P's mentions with that localization, are printed as ``sites:`` YAML to paste into
findings.yaml (docs/spanish.md, "Granularity"). Only the read part is read (rxlabel.labeler.devsplit).

    PYTHONPATH=src python bench/es_sites.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rxlabel.labeler import Labeler  # noqa: E402
from rxlabel.labeler.devsplit import READ, part_of  # noqa: E402
from rxlabel.labeler.pack import pack_dir  # noqa: E402

# Side and distribution name no site: a child label is chosen by an anatomical structure (a bone, a vein,
# a lobe), not by "left" or "central".
NOT_SITES = {"loc left", "loc right", "loc bilateral", "loc central", "loc peripheral", "loc diffuse bilateral",
             "loc basal", "loc basal bilateral", "loc apical", "loc hemithorax", "loc subsegmental",
             "loc upper lung field", "loc middle lung field", "loc lower lung field"}


def descendants(tree: list[dict]) -> dict[str, set[str]]:
    """Term name -> every term below it in the tree (a DAG: a term may sit under several parents)."""
    out: dict[str, set[str]] = defaultdict(set)

    def walk(node: dict) -> set[str]:
        below: set[str] = set()
        for child in node.get("children") or []:
            below |= {child["name"]} | walk(child)
        out[node["name"]] |= below
        return below

    for node in tree:
        walk(node)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--min-count", type=int, default=1)
    parser.add_argument("--min-precision", type=float, default=0.6)
    args = parser.parse_args(argv)
    tree = yaml.safe_load((pack_dir("es") / "hierarchy.yaml").read_text(encoding="utf-8"))["trees"]["finding"]
    below = descendants(tree)
    rows = pd.read_csv(Path(args.data) / "es" / "padchest_gr" / "padchest_gr_master_table.csv",
                       usecols=["PatientID", "label", "sentence_es"], dtype=str).dropna()
    rows = rows[[part_of(p) == READ for p in rows.PatientID]]
    lab = Labeler("es")
    hits: Counter = Counter()
    seen: Counter = Counter()
    for sentence, gold in zip(rows.sentence_es, rows.label.str.lower(), strict=True):
        for e in lab(sentence).evidence:
            if not e.get("finding") or e["status"] == 0:
                continue
            for loc in set(e.get("localizations") or []) - NOT_SITES:
                seen[(e["finding"], loc)] += 1
                if gold in below.get(e["finding"], ()):
                    hits[(e["finding"], loc, gold)] += 1
    proposals: dict[str, dict[str, str]] = defaultdict(dict)
    for (parent, loc, child), n in hits.most_common():
        precision = n / seen[(parent, loc)]
        if n >= args.min_count and precision >= args.min_precision and loc not in proposals[parent]:
            proposals[parent][loc] = child
            print(f"# {parent} + {loc} -> {child}: {n} of {seen[(parent, loc)]} ({precision:.0%})")
    print(yaml.safe_dump({p: {"sites": s} for p, s in proposals.items() if s}, allow_unicode=True, sort_keys=True))


if __name__ == "__main__":
    main()
