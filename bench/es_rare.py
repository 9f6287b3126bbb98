"""PadChest-GR's rare wording on the READ part, sentence by sentence (issue 12, brief item 3).

PadChest-GR grounds each label in one sentence, so a sentence's gold is the set of labels its rows give
it in its image. A sentence occurring (normalised: ``es_devsets.sentence_key``) in exactly one read-part
image is the closest read-part analogue of wording the rules were not written from. This labels each such
sentence alone and prints micro P / R / F1 over them (every label predicted counts, ``normal`` aside) and,
unless ``--quiet``, each disagreement. Only the read part is read (rxlabel.labeler.devsplit).

    PYTHONPATH=src python bench/es_rare.py [--data ../shared/data] [--quiet]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from es_devsets import sentence_key  # noqa: E402

from rxlabel import labeler  # noqa: E402
from rxlabel.labeler.devsplit import READ, part_of  # noqa: E402


def rare_sentences(path: Path) -> dict[tuple[str, str], tuple[str, set[str]]]:
    """``(image, sentence key) -> (sentence, gold labels)`` for read-part sentences found in one image only."""
    d = pd.read_csv(path, usecols=["ImageID", "PatientID", "label", "sentence_es"], dtype=str)
    d = d[(d.label != "Normal") & d.sentence_es.notna()]
    d = d[[part_of(p) == READ for p in d.PatientID]]
    d["key"] = [sentence_key(s) for s in d.sentence_es]
    images = d.groupby("key").ImageID.nunique()
    rare = d[d.key.isin(images.index[images == 1])]
    out: dict[tuple[str, str], tuple[str, set[str]]] = {}
    for image, key, sentence, label in zip(rare.ImageID, rare.key, rare.sentence_es, rare.label, strict=True):
        out.setdefault((image, key), (sentence, set()))[1].add(label.lower())
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the shared data folder")
    parser.add_argument("--quiet", action="store_true", help="do not list disagreements")
    args = parser.parse_args(argv)
    lab = labeler.Labeler("es")
    rare = rare_sentences(Path(args.data) / "es" / "padchest_gr" / "padchest_gr_master_table.csv")
    tp = fp = fn = 0
    fps: Counter = Counter()
    fns: Counter = Counter()
    for (_, _), (sentence, gold) in sorted(rare.items(), key=lambda kv: kv[1][0]):
        found = {k for k, v in lab(sentence).findings.items() if v and k != "normal"}
        tp += len(found & gold)
        fp += len(found - gold)
        fn += len(gold - found)
        fps.update(found - gold)
        fns.update(gold - found)
        if found != gold and not args.quiet:
            print(f"{sentence}\n    +{sorted(found - gold)} -{sorted(gold - found)}")
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    record = {"sentences": len(rare), "tp": tp, "fp": fp, "fn": fn, "precision": round(p, 4), "recall": round(r, 4),
              "f1": round(2 * p * r / max(p + r, 1e-9), 4), "fp_by_label": dict(fps.most_common(15)),
              "fn_by_label": dict(fns.most_common(15))}
    print(record)
    return record


if __name__ == "__main__":
    main()
