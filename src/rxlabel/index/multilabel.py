"""Multi-label datasets from the index (PadChest study recipe) and CheXmask quality gating.

* Class sets: ``specific`` uses each image's findings as labelled (the PadChest study's leaf-level
  labels); ``general`` adds every ancestor of each finding in the term hierarchy, so a model also
  learns the parent groups (e.g. ``calcified granuloma`` -> ``calcified densities`` ->
  ``radiological finding``). ``--terms`` instead makes one class per term (with its descendants).
* ``min_positives`` is counted over the whole dataset (all splits), as in the study; classes below it
  are dropped and images left with no label are dropped, both counted.
* Splits: iterative stratification (Sechidis et al. 2011) over *patients*, see
  :func:`iterative_split`. The PyPI ``iterative-stratification`` package stratifies samples of equal
  weight with numpy's RNG; here whole patients (weighted by their images) must move together, three
  splits are made in one pass, and the order comes from the package's keyed hash so that a seed gives
  the same split on every platform, so the algorithm is implemented here (about 30 lines).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyroaring import BitMap

from rxlabel.index.chexmask import lung_box, read_table
from rxlabel.index.dataset import SPLITS, DatasetError, DatasetSpec, _rank, check_patient_disjoint
from rxlabel.index.query import Searcher

CLASS_SETS = ("specific", "general")
MASK_MANIFEST_COLUMNS = ["dice_rca_mean", "dice_rca_max", "mask_layout", "mask_height", "mask_width", "lung_box"]


def iterative_split(patients: pd.Series, labels: np.ndarray, fractions: list[float], seed: int) -> pd.Series:
    """Split name per row: no patient in two splits, every class's positives spread by ``fractions``.

    Sechidis et al.'s iterative stratification on patients: repeatedly take the class with the fewest
    positives still unassigned, and give each of its patients (in seeded order) to the split that most
    lacks that class (ties: the split lacking most images, then the earlier split). Patients with no
    positive go last to the split lacking most images. Desired counts are in images.
    """
    names = SPLITS[: len(fractions)]
    codes, patient_names = pd.factorize(np.asarray(patients, dtype=object), sort=True)
    n_pat = len(patient_names)
    per_patient = np.zeros((n_pat, labels.shape[1]), dtype=np.int64)
    np.add.at(per_patient, codes, (np.asarray(labels) > 0).astype(np.int64))
    images = np.bincount(codes, minlength=n_pat).astype(float)
    frac = np.asarray(fractions, dtype=float)
    want_class = np.outer(frac, per_patient.sum(axis=0)).astype(float)
    want_images = frac * images.sum()
    order = _rank(seed, "iterative-split", [str(p) for p in patient_names])
    rank_of = np.empty(n_pat, dtype=np.int64)
    rank_of[order] = np.arange(n_pat)
    choice = np.full(n_pat, -1, dtype=np.int64)
    remaining = per_patient.sum(axis=0).astype(float)
    while True:
        open_classes = np.flatnonzero(remaining > 0)
        if not open_classes.size:
            break
        j = int(open_classes[np.argmin(remaining[open_classes])])
        members = np.flatnonzero((per_patient[:, j] > 0) & (choice < 0))
        for p in members[np.argsort(rank_of[members], kind="stable")]:
            best = np.lexsort((np.arange(len(names)), -want_images, -want_class[:, j]))[0]
            choice[p] = best
            want_class[best] -= per_patient[p]
            want_images[best] -= images[p]
            remaining -= per_patient[p]
    rest = np.flatnonzero(choice < 0)
    for p in rest[np.argsort(rank_of[rest], kind="stable")]:
        best = int(np.lexsort((np.arange(len(names)), -want_images))[0])
        choice[p] = best
        want_images[best] -= images[p]
    return pd.Series(np.asarray(names, dtype=object)[choice[codes]], index=patients.index)


def _class_lists(searcher: Searcher, spec: DatasetSpec, ids: np.ndarray) -> tuple[list[list[str]], list[list[str]]]:
    """Positive and uncertain class names per image for the spec's class set."""
    index = searcher.index
    positive, uncertain = index.finding_lists(ids)
    if spec.terms:
        pos_sets = {t: searcher.term_ids(t, False) for t in spec.terms}
        unc_sets = {t: searcher.term_ids(t, True) - pos_sets[t] for t in spec.terms}
        ids_list = ids.tolist()
        return ([[t for t in spec.terms if i in pos_sets[t]] for i in ids_list],
                [[t for t in spec.terms if i in unc_sets[t]] for i in ids_list])
    if spec.class_set == "specific":
        return positive, uncertain
    hierarchy = searcher.hierarchy
    if hierarchy is None:
        raise DatasetError("the 'general' class set needs a term hierarchy; pass --hierarchy es")

    def up(names: list[str]) -> list[str]:
        out = set(names)
        stack = list(names)
        while stack:
            term = stack.pop()
            if term in hierarchy:
                for parent in hierarchy.parents(term):
                    if parent not in out:
                        out.add(parent)
                        stack.append(parent)
        return sorted(out)

    pos = [up(p) for p in positive]
    return pos, [sorted(set(up(u)) - set(p)) for u, p in zip(uncertain, pos, strict=True)]


def mask_gate(searcher: Searcher, spec: DatasetSpec, ids: BitMap) -> tuple[BitMap, pd.DataFrame | None, dict]:
    """Drop images whose CheXmask quality is below ``spec.min_rca``; return their mask rows by key."""
    if not spec.masks:
        if spec.min_rca > 0:
            raise DatasetError("--min-rca needs --masks (a table from 'rxlabel masks import')")
        return ids, None, {}
    table = read_table(spec.masks).drop_duplicates("key").set_index("key")
    rows = searcher.index.images(ids, ["key"])
    quality = table["dice_rca_mean"].reindex(rows["key"]).to_numpy(dtype=float)
    has_mask = ~np.isnan(quality)
    low = has_mask & (quality < spec.min_rca)
    counts = {"with_mask": int(has_mask.sum()), "no_mask": int((~has_mask).sum()),
              "below_min_rca": int(low.sum()), "min_rca": spec.min_rca}
    dropped = BitMap(rows["id"].to_numpy(np.int64)[low].astype(np.uint32))
    return ids - dropped, table, counts


def add_mask_columns(manifest: pd.DataFrame, table: pd.DataFrame | None) -> pd.DataFrame:
    """Quality and the lungs' box on the mask grid per manifest row (blank for images without a mask)."""
    if table is None:
        return manifest
    sub = table.reindex(manifest["image_id"])
    boxes = []
    for key, row in zip(manifest["image_id"], sub.itertuples(index=False), strict=True):
        if not isinstance(row.left_lung, str):
            boxes.append("")
            continue
        box = lung_box(row.left_lung, row.right_lung, int(row.mask_height), int(row.mask_width), f"{key} lungs")
        boxes.append("" if box is None else " ".join(map(str, box)))
    out = manifest.copy()
    out["dice_rca_mean"] = sub["dice_rca_mean"].to_numpy()
    out["dice_rca_max"] = sub["dice_rca_max"].to_numpy()
    out["mask_layout"] = sub["layout"].fillna("").to_numpy()
    out["mask_height"] = sub["mask_height"].astype("Int64").to_numpy()
    out["mask_width"] = sub["mask_width"].astype("Int64").to_numpy()
    out["lung_box"] = boxes
    return out


def universe(searcher: Searcher, spec: DatasetSpec) -> BitMap:
    """Images the multi-label dataset draws from: the terms' images (or all), filters applied."""
    query = " OR ".join(f"({t})" for t in spec.terms) if spec.terms else None
    if query:
        return searcher.search(query, uncertain=spec.uncertain, exclude=spec.exclude, pure=spec.pure,
                               views=spec.views, filters=spec.filters).ids
    ids = searcher.index.universe
    if spec.exclude:
        ids = ids - BitMap.union(*(searcher.term_ids(t, True) for t in spec.exclude))
    if spec.pure:
        ids = ids & searcher.index.pure
    if spec.views:
        ids = ids & BitMap.union(*(searcher._atom(f"view:{v}", False) for v in spec.views))
    for extra in spec.filters:
        ids = ids & searcher._atom(extra, False)
    return ids - searcher.index.damaged


def create_multilabel(searcher: Searcher, spec: DatasetSpec):
    """A multi-label dataset: class set, whole-dataset ``min_positives``, label-less images dropped, iterative split."""
    import os

    from rxlabel.index.dataset import Dataset

    if spec.class_set not in CLASS_SETS:
        raise DatasetError(f"unknown class set {spec.class_set!r}; use one of {', '.join(CLASS_SETS)}")
    ids, table, counts = mask_gate(searcher, spec, universe(searcher, spec))
    id_array = np.frombuffer(ids.to_array(), dtype=np.uint32).astype(np.int64)
    rows = searcher.index.images(ids, ["key", "patient", "path", "view", "source"])
    positive, uncertain = _class_lists(searcher, spec, id_array)
    pos_count = pd.Series([c for p in positive for c in p], dtype=object).value_counts()
    kept = sorted(c for c, n in pos_count.items() if n >= max(spec.min_positives, 1))
    dropped = {c: int(n) for c, n in pos_count.items() if n < max(spec.min_positives, 1)}
    if not kept:
        raise DatasetError(f"no class has >= {spec.min_positives} positive images "
                           f"(most: {int(pos_count.max()) if len(pos_count) else 0}); lower --min-positives")
    keep_set = set(kept)
    positive = [[c for c in p if c in keep_set] for p in positive]
    uncertain = [[c for c in u if c in keep_set] for u in uncertain]
    has_label = np.array([bool(p) for p in positive])
    counts.update({"candidates": len(rows), "dropped_no_label": int((~has_label).sum()),
                   "classes": len(kept), "dropped_classes": dropped})
    rows = rows[has_label].reset_index(drop=True)
    positive = [p for p, k in zip(positive, has_label, strict=True) if k]
    uncertain = [u for u, k in zip(uncertain, has_label, strict=True) if k]
    if rows.empty:
        raise DatasetError("no image is left with a label; lower --min-positives or widen the query")
    matrix = np.zeros((len(rows), len(kept)), dtype=np.int8)
    col = {c: j for j, c in enumerate(kept)}
    for i, p in enumerate(positive):
        matrix[i, [col[c] for c in p]] = 1
    findings, unc_findings = searcher.index.finding_strings(rows["id"].to_numpy(np.int64))
    root = spec.image_root
    manifest = pd.DataFrame({
        "image_path": [os.path.join(root, p) for p in rows["path"]] if root else rows["path"],
        "image_id": rows["key"], "patient_id": rows["patient"],
        "split": iterative_split(rows["patient"], matrix, spec.split, spec.seed),
        "labels": [";".join(p) for p in positive], "uncertain": [";".join(u) for u in uncertain],
        "findings": findings, "uncertain_findings": unc_findings, "view": rows["view"], "source": rows["source"]})
    order = {name: k for k, name in enumerate(SPLITS)}
    manifest = (manifest.assign(_s=manifest["split"].map(order)).sort_values(["_s", "image_id"])
                .drop(columns="_s").reset_index(drop=True))
    manifest = add_mask_columns(manifest, table)
    check_patient_disjoint(manifest)
    for split, group in manifest.groupby("split", sort=False):
        counts[f"{split}:images"] = len(group)
        for c in kept:
            counts[f"{split}:{c}"] = int(group["labels"].str.split(";").apply(lambda x, c=c: c in x).sum())
    counts["images"] = len(manifest)
    counts["patients"] = int(manifest["patient_id"].nunique())
    counts["warnings"] = [f"split '{s}' has no positive image of '{c}'" for s in SPLITS[: len(spec.split)]
                          for c in kept if spec.split[SPLITS.index(s)] > 0 and not counts.get(f"{s}:{c}")]
    class_findings = {c: list(searcher.expand(c)) if c in searcher._known or (
        searcher.hierarchy is not None and c in searcher.hierarchy) else [] for c in kept}
    return Dataset(spec, manifest, counts, class_findings)
