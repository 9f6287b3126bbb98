"""A read-part proxy of PadChest-GR's novel-sentence weakness (issue 12): images whose wording occurs once.

The scored part's ``novel`` images (no sentence seen in the read part) are the held-out risk, but the
scored part may not be read. Within the READ part, a sentence (normalised as bench/es_devsets.py does)
that occurs in one image only is this proxy's "novel" wording; the images all of whose sentences are
such singletons are scored (micro and strict F1, as es_devsets), and with ``--list`` each singleton
sentence whose own labels differ from its gold row labels is printed (missed gold labels ``-``, extra
labels ``+``), grouped by label, so failures can be read as classes. Only the read part is read
(rxlabel.labeler.devsplit).

    PYTHONPATH=src python bench/es_gr_novel.py [--data ../shared/data] [--list] [--top 12]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from es_devsets import gr_scores, sentence_key  # noqa: E402

from rxlabel import labeler  # noqa: E402
from rxlabel.labeler.devsplit import READ, padchest_gr_reports, part_of  # noqa: E402


def read_sentences(path: Path) -> pd.DataFrame:
    """Read-part sentence rows: ``ImageID``, ``sentence`` (raw), ``key`` (normalised), ``labels`` (gold set)."""
    d = pd.read_csv(path, usecols=["ImageID", "PatientID", "label", "sentence_es"], dtype=str)
    d = d[(d.label != "Normal") & d.PatientID.map(lambda p: part_of(p) == READ)]
    d = d.assign(sentence=d.sentence_es.astype(str).str.strip(), key=d.sentence_es.map(sentence_key))
    return (d.groupby(["ImageID", "sentence", "key"], sort=True)
            .agg(labels=("label", lambda s: frozenset(x.lower() for x in s))).reset_index())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--list", action="store_true", help="print the singleton sentences the labeller gets wrong")
    parser.add_argument("--top", type=int, default=12, help="sentences shown per label")
    args = parser.parse_args(argv)
    path = Path(args.data) / "es" / "padchest_gr" / "padchest_gr_master_table.csv"
    lab = labeler.Labeler("es")
    gr = padchest_gr_reports(path)
    gr = gr[gr.part == READ]
    rows = read_sentences(path)
    images_of = rows.groupby("key").ImageID.nunique()
    single = set(images_of.index[images_of == 1])
    novel = [i for i, keys in rows.groupby("ImageID").key if set(keys) <= single]
    record = {"read": gr_scores(gr, lab), "read_singleton": gr_scores(gr.loc[novel], lab)}
    print(f"read ({len(gr)} images): micro {record['read']['micro_f1']} strict {record['read']['strict_micro_f1']}")
    print(f"read, all sentences singleton ({len(novel)} images): micro {record['read_singleton']['micro_f1']} "
          f"strict {record['read_singleton']['strict_micro_f1']}")
    if args.list:
        names = set(lab.finding_names)
        missed: dict[str, Counter] = defaultdict(Counter)
        extra: dict[str, Counter] = defaultdict(Counter)
        for r in rows[rows.key.isin(single)].itertuples():
            got = {k for k, v in lab(r.sentence, "s").findings.items() if v and k in names}
            for g in sorted(r.labels - got):
                missed[g][f"{r.sentence[:140]}  => {sorted(got)}"] += 1
            for g in sorted(got - r.labels):
                extra[g][f"{r.sentence[:140]}  (gold {sorted(r.labels)})"] += 1
        for sign, table in (("-", missed), ("+", extra)):
            for label, c in sorted(table.items(), key=lambda kv: -sum(kv[1].values())):
                print(f"\n{sign} {label}: {sum(c.values())}")
                for s, k in c.most_common(args.top):
                    print(f"   {k:>3}  {s}")
    return record


if __name__ == "__main__":
    main()
