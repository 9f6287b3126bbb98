"""Spanish development figures on the read part and the scored-only part (rxlabel.labeler.devsplit).

PadChest-GR: image-level micro-F1 as ``rxlabel evaluate`` gives it (classes present in the gold,
uncertain counted present) and the stricter figure that also counts false positives on labels the
gold never uses (every finding the labeller outputs, ``normal`` included), also after the pack's
``padchest-gr`` label set (grounded findings only; rxlabel.labeler.labelsets). The scored part is
also split by novelty: images none of whose sentences occurs (normalised: lower case, no accents, words
only) in the read part, beside the images that share one; the novel images are the held-out risk
(issue 12: 0.81 on held-out images with no known sentence). BIMCV-COVID19: the share of reports sent
to review. Prints a table and one JSON line (appended to bench/results/es_devsets.jsonl).

    PYTHONPATH=src python bench/es_devsets.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _results import emit  # noqa: E402

from rxlabel import labeler  # noqa: E402
from rxlabel.labeler.devsplit import READ, SCORE, bimcv_reports, padchest_gr_reports  # noqa: E402
from rxlabel.labeler.evaluate import evaluate, strict_classes  # noqa: E402
from rxlabel.labeler.labelsets import LabelSet, apply_label_set, load_label_set  # noqa: E402
from rxlabel.labeler.normalize import strip_diacritics  # noqa: E402
from rxlabel.schema import REGION_COLUMNS  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "es_devsets.jsonl"
_WORDS = re.compile(r"\w+")


def sentence_key(sentence: object) -> str:
    """A sentence normalised for the novelty split: its words, lower case, without accents."""
    return " ".join(_WORDS.findall(strip_diacritics(str(sentence).lower())))


def image_sentences(path: Path) -> dict[str, set[str]]:
    """``ImageID -> {normalised sentence}`` of PadChest-GR (the rows ``padchest_gr_reports`` joins)."""
    d = pd.read_csv(path, usecols=["ImageID", "label", "sentence_es"], dtype=str)
    d = d[d.label != "Normal"]
    out: dict[str, set[str]] = {}
    for image, sentence in zip(d.ImageID, d.sentence_es, strict=True):
        out.setdefault(image, set()).add(sentence_key(sentence))
    return out


def novelty_groups(gr: pd.DataFrame, sentences: dict[str, set[str]]) -> dict[str, pd.Index]:
    """Scored images by how much of their wording the read part holds: ``novel`` (no sentence occurs in
    the read part), ``shared`` (at least one does) and, within it, ``all_shared`` (every one does)."""
    known = {s for image in gr.index[gr.part == READ] for s in sentences[image]}
    scored = gr.index[gr.part == SCORE]
    hits = {image: len(sentences[image] & known) for image in scored}
    return {"novel": pd.Index([i for i in scored if not hits[i]]),
            "shared": pd.Index([i for i in scored if hits[i]]),
            "all_shared": pd.Index([i for i in scored if hits[i] == len(sentences[i])])}


def gr_scores(frame: pd.DataFrame, lab: labeler.Labeler, label_set: LabelSet | None = None) -> dict:
    """micro-F1 (evaluate's classes) and strict micro-F1 (all predicted classes too) of ``frame``; with
    ``label_set``, also the strict figure of the outputs mapped to it."""
    preds = {rid: lab(text, rid).findings for rid, text in frame.text.items()}
    out = _gr_figures(frame, preds)
    if label_set is not None:
        mapped = _gr_figures(frame, {rid: apply_label_set(p, label_set) for rid, p in preds.items()})
        out[f"strict_micro_f1_{label_set.name}"] = mapped["strict_micro_f1"]
        out[f"micro_f1_{label_set.name}"] = mapped["micro_f1"]
    return out


def _gr_figures(frame: pd.DataFrame, preds: dict) -> dict:
    gold = pd.DataFrame.from_dict({rid: dict.fromkeys(ls, 1) for rid, ls in frame.labels.items()}, orient="index")
    pred = pd.DataFrame.from_dict({rid: preds[rid] for rid in frame.index}, orient="index")
    pred = pred.drop(columns=[c for c in pred.columns if c in REGION_COLUMNS]).reindex(frame.index)
    gold = gold.reindex(frame.index)
    micro = evaluate(gold, pred, None, "positive", 0)["micro"]
    classes = strict_classes(gold, pred)  # the classes of `rxlabel evaluate --strict`
    strict = evaluate(gold.reindex(columns=classes), pred.reindex(columns=classes), classes, "positive", 0)["micro"]
    return {"images": len(frame), "micro_f1": round(micro["f1"], 4), "micro_p": round(micro["precision"], 4),
            "micro_r": round(micro["recall"], 4), "strict_micro_f1": round(strict["f1"], 4),
            "strict_micro_p": round(strict["precision"], 4)}


def bimcv_scores(frame: pd.DataFrame, lab: labeler.Labeler) -> dict:
    reasons: Counter = Counter()
    queued = 0
    for rid, text in frame.text.items():
        result = lab(text, rid)
        if result.method == "unlabelled" or result.rejected:
            queued += 1
            reasons.update(result.review_reasons)
    return {"reports": len(frame), "review": queued, "review_share": round(queued / max(len(frame), 1), 4),
            "reasons": dict(reasons.most_common())}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the shared data folder")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args(argv)
    data = Path(args.data)
    lab = labeler.Labeler("es")
    grounded = load_label_set("es", "padchest-gr")
    gr_path = data / "es" / "padchest_gr" / "padchest_gr_master_table.csv"
    gr = padchest_gr_reports(gr_path)
    bimcv = bimcv_reports(data / "es" / "bimcv_covid19" / "bimcv_covid19_reports_raw.jsonl")
    record = {"bench": "es_devsets", "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "rules_version": lab.version}
    for part in (READ, SCORE):
        record[f"padchest_gr_{part}"] = gr_scores(gr[gr.part == part], lab, grounded)
        record[f"bimcv_{part}"] = bimcv_scores(bimcv[bimcv.part == part], lab)
    for group, images in novelty_groups(gr, image_sentences(gr_path)).items():
        record[f"padchest_gr_score_{group}"] = gr_scores(gr.loc[images], lab)
    print(f"{'':30}{'read':>16}{'score':>16}")
    for key in ("micro_f1", "strict_micro_f1", f"strict_micro_f1_{grounded.name}"):
        print(f"GR {key:<27}"[:30] + "".join(f"{record[f'padchest_gr_{p}'][key]:>16}" for p in (READ, SCORE)))
    for group in ("novel", "shared", "all_shared"):
        g = record[f"padchest_gr_score_{group}"]
        print(f"GR score, {group} ({g['images']} images)".ljust(30)
              + f"micro {g['micro_f1']:<8} strict {g['strict_micro_f1']}".rjust(32))
    print(f"{'BIMCV review':<30}" + "".join(
        f"{record[f'bimcv_{p}']['review']}/{record[f'bimcv_{p}']['reports']} "
        f"({record[f'bimcv_{p}']['review_share']:.1%})".rjust(16) for p in (READ, SCORE)))
    emit(record, RESULTS, append=not args.no_append)
    return record


if __name__ == "__main__":
    main()
