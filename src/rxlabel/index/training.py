"""A dataset's training manifest: its images with the region (or finding) labels of their reports.

``rxlabel dataset create`` selects and splits images by query terms; the classifier needs one label
column per class. :func:`training_manifest` joins the dataset's images to their reports through the
pairs table and writes the labeller's statuses (1 present, 0 negated, -1 uncertain, blank not stated)
as columns: the five regions for ``rxlabel train --task coarse``, or every finding for ``--task fine``.
Images whose report was not labelled (method ``unlabelled``, or no labels row) are left out and counted.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from rxlabel.index.readers import IndexInputError, PairColumns, _read_table, read_labels
from rxlabel.schema import LABELLED_METHODS, REGION_COLUMNS, TRAINING_MANIFEST_COLUMNS

COLUMN_SETS = ("regions", "findings")


def _links(pairs: list[str | Path], cols: PairColumns) -> pd.DataFrame:
    frames = []
    for p in pairs:
        table = _read_table(Path(p), "pairs table")
        missing = [c for c in (cols.image, cols.report) if c not in table]
        if missing:
            raise IndexInputError(f"{p}: no column(s) {', '.join(missing)}; is this a pairs table from 'rxlabel match'?")
        frames.append(table[[cols.image, cols.report]].astype(str).rename(
            columns={cols.image: "image_path", cols.report: "report_id"}))
    return pd.concat(frames, ignore_index=True).drop_duplicates("image_path")


def _locate(path: str, manifest_dir: Path) -> str:
    if os.path.isabs(path):
        return path
    for base in (Path.cwd(), manifest_dir):
        if (base / path).exists():
            return str((base / path).resolve())
    return path


def training_manifest(dataset_manifest: str | Path, labels: list[str | Path], pairs: list[str | Path],
                      target: str | Path, *, columns: str = "regions", pair_columns: PairColumns | None = None) -> dict:
    """Write ``target``: the dataset's image_path, patient_id, split and one label column per class.

    Returns the counts: images written, images left out (by reason), patients, per-split sizes and the
    positives per class and split. Written atomically; never overwrites ``dataset_manifest``.
    """
    if columns not in COLUMN_SETS:
        raise IndexInputError(f"columns must be one of {', '.join(COLUMN_SETS)}, got {columns!r}")
    target, source = Path(target), Path(dataset_manifest)
    if target.resolve() == source.resolve():
        raise IndexInputError(f"{target}: the training manifest would overwrite the dataset manifest; pick another -o")
    ds = _read_table(source, "dataset manifest")
    missing = [c for c in TRAINING_MANIFEST_COLUMNS if c not in ds]
    if missing:
        raise IndexInputError(f"{source}: no column(s) {', '.join(missing)}; is this a manifest from 'rxlabel dataset create'?")
    ds = ds.astype({"image_path": str})
    merged = ds.merge(_links(pairs, pair_columns or PairColumns()), on="image_path", how="left")
    read = [read_labels(p) for p in labels]
    method, regions, findings = {}, {}, {}
    for lab in read:
        for rid in lab.method:
            if rid not in method:  # first labels file wins, as in the index
                method[rid], regions[rid], findings[rid] = lab.method[rid], lab.regions[rid], lab.findings[rid]
    rid = merged["report_id"]
    reason = pd.Series("", index=merged.index)
    reason[rid.isna()] = "image not in the pairs tables"
    known = rid.notna()
    reason[known & ~rid.map(lambda r: r in method)] = "report not in the labels"
    reason[known & rid.map(lambda r: r in method and method[r] not in LABELLED_METHODS)] = "report not labelled (review queue)"
    kept = merged[reason == ""].copy()
    names = list(REGION_COLUMNS) if columns == "regions" else sorted({f for r in kept["report_id"] for f in findings[r]})
    source_of = regions if columns == "regions" else findings
    for name in names:
        kept[name] = pd.array([source_of[r].get(name) for r in kept["report_id"]], dtype="Int64")
    # The classifier resolves relative paths against the manifest's folder; the index keeps them as the
    # matcher saw them (relative to where it ran), so write each one absolute where it can be found.
    kept["image_path"] = [_locate(p, source.parent) for p in kept["image_path"]]
    extra = [c for c in ("view", "report_id") if c in kept]
    out = kept[[*TRAINING_MANIFEST_COLUMNS, *names, *extra]]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    out.to_csv(tmp, index=False)
    os.replace(tmp, target)
    per_split = {s: int((out["split"] == s).sum()) for s in ("train", "valid", "test")}
    positives = {n: {s: int(((out["split"] == s) & (out[n] == 1)).sum()) for s in per_split} for n in names}
    left_out = reason[reason != ""].value_counts().to_dict()
    return {"manifest": str(target), "images": len(out), "left_out": {k: int(v) for k, v in left_out.items()},
            "patients": int(out["patient_id"].nunique()), "per_split": per_split, "classes": names,
            "positives": positives}


__all__ = ["COLUMN_SETS", "training_manifest"]
