"""Datasets from the index: one class per term, balanced, split by patient, reproducible from a seed.

Random choices use a keyed hash (``blake2b(seed, purpose, item)``) instead of a library RNG: the
same seed picks the same images on any machine and any numpy version, and adding images to an
archive never reshuffles the ones already chosen.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pyroaring import BitMap

from rxlabel import schema
from rxlabel.errors import RxlabelError
from rxlabel.index.query import Searcher

SPLITS = schema.SPLITS
MANIFEST_COLUMNS = list(schema.DATASET_MANIFEST_COLUMNS)


class DatasetError(RxlabelError, ValueError):
    """A dataset cannot be made as asked (the message says why and what to change)."""


@dataclass
class DatasetSpec:
    """Everything that decides a dataset's content; stored so the dataset can be rebuilt."""

    name: str
    terms: list[str]
    exclude: list[str] = field(default_factory=list)
    seed: int = 0
    split: list[float] = field(default_factory=lambda: [0.7, 0.2, 0.1])
    balance: bool = True
    uncertain: bool = False
    pure: bool = False
    views: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    image_root: str = ""
    multilabel: bool = False  # one row per image with every class it has (labels / uncertain columns)
    class_set: str = "specific"  # multi-label without terms: specific (as labelled) or general (+ ancestors)
    min_positives: int = 0  # multi-label: classes with fewer positive images in the whole dataset are dropped
    masks: str = ""  # mask table from 'rxlabel masks import' (quality and lung box joined per image)
    min_rca: float = 0.0  # drop images whose CheXmask Dice RCA (Mean) is below this

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Dataset:
    spec: DatasetSpec
    manifest: pd.DataFrame
    counts: dict[str, object]
    class_findings: dict[str, list[str]]


def parse_split(text: str) -> list[float]:
    """'70,20,10' -> [0.7, 0.2, 0.1]; two parts mean train/valid only."""
    try:
        parts = [float(p) for p in str(text).split(",") if p.strip()]
    except ValueError as exc:
        raise DatasetError(f"--split '{text}' must be numbers such as 70,20,10") from exc
    if not 2 <= len(parts) <= 3 or any(p < 0 for p in parts) or sum(parts) <= 0:
        raise DatasetError(f"--split '{text}' must be 2 or 3 non-negative numbers such as 70,20,10")
    total = sum(parts)
    return [p / total for p in parts]


def _rank(seed: int, purpose: str, items: list[str]) -> np.ndarray:
    """A seeded, platform-independent random order of ``items`` (argsort of keyed hashes)."""
    prefix = f"{seed}\x1f{purpose}\x1f".encode()
    keys = np.fromiter(
        (int.from_bytes(hashlib.blake2b(prefix + s.encode("utf-8"), digest_size=8).digest(), "big") for s in items),
        dtype=np.uint64, count=len(items))
    if len(np.unique(keys)) == len(keys):
        return np.argsort(keys, kind="stable")
    return np.lexsort((np.asarray(items, dtype=object).astype(str), keys))  # a 64-bit collision: break by name


def select_classes(searcher: Searcher, spec: DatasetSpec) -> tuple[dict[str, BitMap], dict[str, int]]:
    """Images of each class (term query + filters), with images claimed by two classes removed."""
    if len(spec.terms) < 2:
        raise DatasetError("give at least two terms (one class each), e.g. --terms normal,not-normal")
    if len(set(spec.terms)) != len(spec.terms):
        raise DatasetError(f"--terms lists a class twice: {spec.terms}")
    classes: dict[str, BitMap] = {}
    damaged = searcher.index.damaged
    damaged_hits = BitMap()
    for term in spec.terms:
        result = searcher.search(term, uncertain=spec.uncertain, exclude=spec.exclude, pure=spec.pure,
                                 views=spec.views, filters=spec.filters, include_damaged=True)
        damaged_hits |= result.ids & damaged
        classes[term] = result.ids - damaged
    seen, twice = BitMap(), BitMap()
    for ids in classes.values():
        twice |= seen & ids
        seen |= ids
    counts = {f"candidates:{t}": len(ids) for t, ids in classes.items()}
    counts["ambiguous"] = len(twice)
    counts["damaged_excluded"] = len(damaged_hits)  # damaged images that a class would have taken
    return {t: ids - twice for t, ids in classes.items()}, counts


def patient_groups(patients) -> np.ndarray:
    """Per row, one spelling for all the spellings of its patient (``p000``, ``P000``, ``P000 ``: one patient).

    Identity is :func:`rxlabel.schema.patient_key`; the spelling kept is the smallest seen, so data with one
    spelling per patient splits exactly as before.
    """
    values = pd.Series(np.asarray(patients, dtype=object)).astype(str)
    keys = values.map({u: schema.patient_key(u) for u in pd.unique(values)})
    return values.groupby(keys.to_numpy(), sort=False).transform("min").to_numpy(dtype=object)


def assign_splits(patients: pd.Series, classes: pd.Series, fractions: list[float], seed: int) -> pd.Series:
    """Split name per row so that no patient is in two splits and each class follows ``fractions``.

    Patients are visited in a seeded random order. Patients with images in several classes go
    first, one by one, to the split whose share of their classes is furthest below its target.
    Then, per class, the remaining (single-class) patients fill each split's remaining quota in
    that order: a patient goes to the split whose quota holds the middle of its images.
    """
    names = SPLITS[: len(fractions)]
    class_codes, class_names = pd.factorize(np.asarray(classes, dtype=object), sort=True)
    patient_codes, patient_names = pd.factorize(patient_groups(patients), sort=True)
    per_patient = np.zeros((len(patient_names), len(class_names)), dtype=np.int64)
    np.add.at(per_patient, (patient_codes, class_codes), 1)
    totals = per_patient.sum(axis=0).astype(float)
    target = np.outer(np.asarray(fractions), totals)  # split x class
    current = np.zeros_like(target)
    choice = np.empty(len(patient_names), dtype=np.int64)
    order = _rank(seed, "split", [str(x) for x in patient_names])
    n_classes = (per_patient > 0).sum(axis=1)
    for p in order[n_classes[order] > 1]:
        need = per_patient[p]
        deficit = ((target - current) * need).sum(axis=1) / max(need.sum(), 1)
        best = int(np.argmax(deficit))  # ties go to the earlier split
        choice[p] = best
        current[best] += need
    single = order[n_classes[order] == 1]
    single_class = per_patient[single].argmax(axis=1)
    for c in range(len(class_names)):
        members = single[single_class == c]
        if not len(members):
            continue
        sizes = per_patient[members, c].astype(float)
        middle = np.cumsum(sizes) - sizes / 2
        quota = np.clip(target[:, c] - current[:, c], 0, None)
        bounds = np.cumsum(quota) * (sizes.sum() / max(quota.sum(), 1e-9))
        choice[members] = np.minimum(np.searchsorted(bounds, middle, side="right"), len(names) - 1)
    return pd.Series(np.asarray(names, dtype=object)[choice[patient_codes]], index=patients.index)


def outside_hierarchy(searcher: Searcher) -> tuple[BitMap, list[str]]:
    """Images whose every positive finding is unknown to the searcher's hierarchy, and those findings."""
    hierarchy, positive = searcher.hierarchy, searcher.index.positive
    if hierarchy is None:
        return BitMap(), []
    unknown = sorted(t for t in positive if t not in hierarchy)
    known = BitMap.union(BitMap(), *(bm for t, bm in positive.items() if t in hierarchy))
    return BitMap.union(BitMap(), *(positive[t] for t in unknown)) - known, unknown


def create(searcher: Searcher, spec: DatasetSpec) -> Dataset:
    """Select, balance and split a dataset; the result depends only on the index, the hierarchy and ``spec``."""
    from rxlabel.index.multilabel import add_mask_columns, create_multilabel, mask_gate

    if spec.multilabel:
        return create_multilabel(searcher, spec)
    classes, counts = select_classes(searcher, spec)
    if spec.masks or spec.min_rca:
        kept, mask_table, mask_counts = mask_gate(searcher, spec, BitMap.union(*classes.values()))
        classes = {t: ids & kept for t, ids in classes.items()}
        counts.update(mask_counts)
    else:
        mask_table = None
    empty = [t for t, ids in classes.items() if not ids]
    if empty:
        raise DatasetError(f"class(es) {', '.join(empty)} have no images (after exclusions and filters); "
                           "check the terms with 'rxlabel index query'")
    index = searcher.index
    chosen: dict[str, list[int]] = {}
    c_min = min(len(ids) for ids in classes.values())
    candidates = index.images(BitMap.union(*classes.values()), ["key", "patient", "path", "view", "source"])
    key_ids = candidates["id"].to_numpy(np.int64)
    key_values = candidates["key"].to_numpy(object)
    for term, ids in classes.items():
        id_array = np.frombuffer(ids.to_array(), dtype=np.uint32).astype(np.int64)
        if spec.balance and len(id_array) > c_min:
            keys = key_values[np.searchsorted(key_ids, id_array)].tolist()
            id_array = np.sort(id_array[_rank(spec.seed, f"class:{term}", keys)[:c_min]])
        chosen[term] = id_array.tolist()
        counts[f"selected:{term}"] = len(id_array)
    counts["c_min"] = c_min
    all_ids = BitMap(np.concatenate([np.asarray(ids, np.uint32) for ids in chosen.values()]))
    rows = candidates[candidates["id"].isin(np.asarray(all_ids.to_array(), np.int64))].set_index("id")
    klass = pd.Series({i: term for term, ids in chosen.items() for i in ids})
    rows["class"] = klass.reindex(rows.index)
    rows["findings"], rows["uncertain"] = index.finding_strings(rows.index.to_numpy(np.int64))
    rows["split"] = assign_splits(rows["patient"], rows["class"], spec.split, spec.seed)
    root = spec.image_root
    rows["image_path"] = [os.path.join(root, p) for p in rows["path"].tolist()] if root else rows["path"]
    manifest = rows.rename(columns={"key": "image_id", "patient": "patient_id"})[MANIFEST_COLUMNS]
    order = {name: k for k, name in enumerate(SPLITS)}
    class_order = {name: k for k, name in enumerate(spec.terms)}
    manifest = manifest.assign(_s=manifest["split"].map(order), _c=manifest["class"].map(class_order))
    manifest = manifest.sort_values(["_s", "_c", "image_id"]).drop(columns=["_s", "_c"]).reset_index(drop=True)
    manifest = add_mask_columns(manifest, mask_table)
    check_patient_disjoint(manifest)
    for (split, term), group in manifest.groupby(["split", "class"], sort=False):
        counts[f"{split}:{term}"] = len(group)
    warnings = [f"split '{split}' has no image of class '{term}'"
                for split in SPLITS[: len(spec.split)] for term in spec.terms
                if spec.split[SPLITS.index(split)] > 0 and f"{split}:{term}" not in counts]
    outside, unknown = outside_hierarchy(searcher)
    missed = outside - BitMap.union(BitMap(), *classes.values())
    counts["outside_hierarchy_only"] = len(outside)
    if missed:  # they cannot match a term of the hierarchy: without this line they would vanish silently
        warnings.append(f"{len(missed)} image(s) have only findings the hierarchy does not know "
                        f"({', '.join(unknown[:5])}{', ...' if len(unknown) > 5 else ''}) and are in no class; "
                        f"add those findings to the hierarchy, or name them in --terms")
    counts["warnings"] = warnings
    counts["images"] = len(manifest)
    counts["patients"] = int(manifest["patient_id"].nunique())
    class_findings = {t: list(searcher.expand(t)) if _is_plain_term(t) else [] for t in spec.terms}
    return Dataset(spec, manifest, counts, class_findings)


def _is_plain_term(text: str) -> bool:
    return not re.search(r"\b(and|or|not)\b|[():@]", text, flags=re.IGNORECASE)


def check_patient_disjoint(manifest: pd.DataFrame) -> None:
    """Raise if any patient has images in two splits (a leak between train and test)."""
    patient, patient_names = pd.factorize(patient_groups(manifest["patient_id"]))  # on the normalised key
    split, _ = pd.factorize(np.asarray(manifest["split"], dtype=object))
    pairs = np.unique(patient.astype(np.int64) * (split.max(initial=0) + 1) + split)
    per_patient = np.bincount(pairs // (split.max(initial=0) + 1), minlength=len(patient_names))
    leaked = np.flatnonzero(per_patient > 1)
    if len(leaked):
        raise DatasetError(f"{len(leaked)} patient(s) are in more than one split, e.g. {patient_names[leaked[0]]}")


def manifest_bytes(manifest: pd.DataFrame) -> bytes:
    """The manifest as the exact CSV bytes written to disk."""
    return manifest.to_csv(index=False, lineterminator="\n").encode("utf-8")


class _HashingWriter:
    """A text sink that only hashes what pandas writes (no copy of a large manifest in memory)."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()

    def write(self, text: str) -> int:
        self.digest.update(text.encode("utf-8"))
        return len(text)


def manifest_sha256(manifest: pd.DataFrame) -> str:
    """sha256 of :func:`manifest_bytes`, computed while streaming (equal hashes prove a rebuild is identical)."""
    sink = _HashingWriter()
    manifest.to_csv(sink, index=False, lineterminator="\n")
    return sink.digest.hexdigest()


def write_manifest(manifest: pd.DataFrame, path: Path) -> str:
    """Write the manifest atomically (``.partial`` then rename); return the sha256 of the bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    manifest.to_csv(partial, index=False, lineterminator="\n", encoding="utf-8")
    digest = hashlib.sha256()
    with partial.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    os.replace(partial, path)
    return digest.hexdigest()


def _folder(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "class"


def materialize(manifest: pd.DataFrame, out_dir: Path, mode: str) -> int:
    """Copy (``copy``), hard-link (``link``) or symlink (``symlink``) images into ``out_dir/{split}/{class}/``."""
    missing = [p for p in manifest["image_path"] if not Path(p).is_file()]
    if missing:
        raise DatasetError(f"{len(missing)} image file(s) not found, e.g. {missing[0]}; "
                           "pass --image-root, or run 'rxlabel index check' to exclude them")
    used: set[Path] = set()
    columns = [manifest[c].tolist() for c in ("image_path", "image_id", "split", "class")]
    for image_path, image_id, split, klass in zip(*columns, strict=True):
        src = Path(image_path)
        dst = out_dir / split / _folder(klass) / src.name
        if dst in used:  # two archives can reuse a file name
            dst = dst.with_name(f"{_folder(image_id)}_{src.name}")
        used.add(dst)
        place_file(src, dst, mode)
    return len(used)


def place_file(src: Path, dst: Path, mode: str) -> None:
    """Copy (``copy``), hard-link (``link``) or symlink (anything else) ``src`` to ``dst``, replacing ``dst``."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists() or dst.is_symlink():
        dst.unlink()
    if mode == "copy":
        shutil.copy2(src, dst)
    elif mode == "link":
        os.link(src, dst)
    else:
        os.symlink(src.resolve(), dst)
