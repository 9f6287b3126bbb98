"""Read a dataset manifest and turn it into training targets.

Accepted CSV layouts (columns ``image_path``, ``patient_id``, ``split`` are always required;
relative image paths are resolved against the manifest's folder):

* wide: one column per class holding 1 (positive), 0 (negative), -1 (uncertain) or blank (unknown);
* ``labels``: the positive class names separated by ``;`` (an optional ``uncertain`` column lists
  uncertain names the same way); a class never named is negative;
* ``class``: one class name per image, as written by ``rxlabel dataset create`` (one-hot targets).

Optional columns: ``mask_path`` (a lung mask image) or ``mask_rle`` with ``mask_height`` and
``mask_width`` (CheXmask run-length masks) to crop to the lungs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rxlabel.classifier.labels import CHEXPERT_14, COARSE_CLASSES, chexpert_labels_to_coarse
from rxlabel.errors import OptionError, RxlabelError
from rxlabel.schema import TRAINING_MANIFEST_COLUMNS, patient_key

REQUIRED = TRAINING_MANIFEST_COLUMNS
META_COLUMNS = {
    "image_path", "patient_id", "split", "class", "findings", "labels", "uncertain", "mask_path",
    "mask_rle", "mask_height", "mask_width", "image_id", "study_id", "report_id", "view", "source",
    "localizations", "age", "sex", "date", "lung_box", "mask_layout", "dice_rca_mean", "dice_rca_max",
    "uncertain_findings",
}
SPLIT_ALIASES = {"train": "train", "training": "train", "valid": "valid", "val": "valid",
                 "validation": "valid", "dev": "valid", "test": "test"}
UNCERTAIN_POLICIES = ("mask", "one", "zero")


class ManifestError(RxlabelError, ValueError):
    """A manifest that cannot be used; the message names the file, row or class and what to do."""


@dataclass
class Manifest:
    """Images with their patient, split and a (n, C) label matrix of 1 / 0 / -1 / NaN."""

    frame: pd.DataFrame
    classes: list[str]
    labels: np.ndarray
    path: Path | None = None
    dropped: dict[str, int] = field(default_factory=dict)

    def split(self, name: str) -> Manifest:
        """The rows of one split (train / valid / test)."""
        keep = (self.frame["split"] == name).to_numpy()
        return Manifest(self.frame[keep].reset_index(drop=True), self.classes, self.labels[keep], self.path,
                        self.dropped)

    def targets(self, uncertain: str = "mask") -> tuple[np.ndarray, np.ndarray]:
        """(targets, mask) as float32: -1 masked (default) or mapped to 1 / 0; unknown (NaN) always masked."""
        if uncertain not in UNCERTAIN_POLICIES:
            raise OptionError(f"uncertain policy must be one of {UNCERTAIN_POLICIES}, got {uncertain!r}")
        lab = self.labels
        known = ~np.isnan(lab)
        unc = lab == -1
        y = np.where(lab == 1, 1.0, 0.0)
        mask = known.astype(np.float32)
        if uncertain == "mask":
            mask[unc] = 0.0
        elif uncertain == "one":
            y[unc] = 1.0
        return y.astype(np.float32), mask

    def positive_counts(self) -> np.ndarray:
        """Number of positive (1) labels per class."""
        return (self.labels == 1).sum(axis=0)


def _split_names(value) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [v.strip() for v in str(value).split(";") if v.strip()]


def _wide_columns(df: pd.DataFrame) -> list[str]:
    cols = []
    for col in df.columns:
        if col in META_COLUMNS:
            continue
        filled = df[col].notna() & (df[col].astype(str).str.strip() != "")
        values = pd.to_numeric(df[col], errors="coerce")
        # Mostly 1/0/-1: a label column, whose other values are errors (read_manifest names the row), never a
        # reason to drop the class. Mostly other values (text, ages, sizes): metadata.
        if filled.any() and values[filled].isin((1.0, 0.0, -1.0)).mean() > 0.5:
            cols.append(col)
    return cols


def read_manifest(path: str | Path, classes: list[str] | None = None) -> Manifest:
    """Read a manifest CSV (see module docstring); ``classes`` restricts and orders the label columns."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: manifest not found")
    try:
        df = pd.read_csv(path, dtype={"image_path": str, "patient_id": str, "split": str}, keep_default_na=True)
    except Exception as exc:
        raise ManifestError(f"{path}: not a readable CSV ({exc})") from exc
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ManifestError(
            f"{path}: missing column(s) {', '.join(missing)}; a manifest needs image_path, patient_id, split "
            "and labels (one column per class, or a 'labels' or 'class' column)"
        )
    for col in REQUIRED:
        empty = df[col].isna() | (df[col].astype(str).str.strip() == "")
        if empty.any():
            row = int(np.flatnonzero(empty.to_numpy())[0]) + 2
            raise ManifestError(f"{path}: row {row}: empty {col}")
    splits = df["split"].astype(str).str.strip().str.lower()
    unknown = ~splits.isin(SPLIT_ALIASES)
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0]) + 2
        raise ManifestError(f"{path}: row {row}: unknown split {df['split'].iloc[row - 2]!r}; use train, valid or test")
    df["split"] = splits.map(SPLIT_ALIASES)
    base = path.parent
    df["image_path"] = [str(p if Path(p).is_absolute() else (base / p)) for p in df["image_path"].astype(str)]

    if "labels" in df.columns:
        pos = [_split_names(v) for v in df["labels"]]
        unc = [_split_names(v) for v in df["uncertain"]] if "uncertain" in df.columns else [[] for _ in pos]
        names = classes or sorted({n for row in pos + unc for n in row})
        index = {n: j for j, n in enumerate(names)}
        lab = np.zeros((len(df), len(names)), dtype=np.float64)
        for i, (p_row, u_row) in enumerate(zip(pos, unc, strict=True)):
            for n in u_row:
                if n in index:
                    lab[i, index[n]] = -1
            for n in p_row:
                if n in index:
                    lab[i, index[n]] = 1
    elif "class" in df.columns and not _wide_columns(df):
        values = df["class"].astype(str).str.strip()
        names = classes or sorted(values.unique())
        lab = np.stack([(values == n).to_numpy(dtype=np.float64) for n in names], axis=1)
    else:
        names = classes or _wide_columns(df)
        if not names:
            raise ManifestError(
                f"{path}: no label columns found; add one column per class (1/0/-1/blank), "
                "or a 'labels' column of ';'-separated names, or a 'class' column"
            )
        absent = [n for n in names if n not in df.columns]
        if absent:
            raise ManifestError(f"{path}: class column(s) not in the manifest: {', '.join(absent)}")
        lab = np.stack([pd.to_numeric(df[n], errors="coerce").to_numpy(dtype=np.float64) for n in names], axis=1)
        filled = np.stack([(df[n].notna() & (df[n].astype(str).str.strip() != "")).to_numpy() for n in names], axis=1)
        bad = filled & ~np.isin(lab, (1.0, 0.0, -1.0))  # 2, 0.5, 'yes' and 'no' alike
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ManifestError(f"{path}: row {i + 2}: column {names[j]!r} holds '{df[names[j]].iloc[i]}'; "
                                f"use 1, 0, -1 or blank ({int(bad[:, j].sum())} such value(s) in that column)")
    return Manifest(df.reset_index(drop=True), list(names), lab, path)


def to_coarse(m: Manifest) -> Manifest:
    """The 5-region coarse task: use the coarse columns if present, else map CheXpert-14 findings."""
    if all(c in m.classes for c in COARSE_CLASSES):
        idx = [m.classes.index(c) for c in COARSE_CLASSES]
        return Manifest(m.frame, list(COARSE_CLASSES), m.labels[:, idx], m.path)
    chexpert = {c.lower(): c for c in CHEXPERT_14}
    known = [c for c in m.classes if c.lower() in chexpert]
    if not known:
        raise ManifestError(
            f"{m.path}: --task coarse needs the columns {', '.join(COARSE_CLASSES)} or CheXpert-14 findings; "
            f"found {', '.join(m.classes)}. Use --task fine to train on these classes as they are."
        )
    rows = []
    for r in m.labels:
        rows.append([chexpert_labels_to_coarse({chexpert[c.lower()]: r[m.classes.index(c)] for c in known})[k]
                     for k in COARSE_CLASSES])
    return Manifest(m.frame, list(COARSE_CLASSES), np.array(rows, dtype=np.float64), m.path)


def select_labels(m: Manifest, min_positives: int) -> Manifest:
    """Drop classes with fewer than ``min_positives`` positive training images; ``dropped`` says which."""
    train = m.labels[(m.frame["split"] == "train").to_numpy()]
    counts = (train == 1).sum(axis=0)
    keep = counts >= min_positives
    dropped = {c: int(n) for c, n, k in zip(m.classes, counts, keep, strict=True) if not k}
    if not keep.any():
        raise ManifestError(
            f"{m.path}: no class has >= {min_positives} positive training images "
            f"(most: {int(counts.max()) if counts.size else 0}); lower --min-positives"
        )
    classes = [c for c, k in zip(m.classes, keep, strict=True) if k]
    return Manifest(m.frame, classes, m.labels[:, keep], m.path, dropped)


def check_trainable(m: Manifest) -> None:
    """Every class needs at least one positive and one negative training image, and a train split must exist."""
    train = m.split("train")
    if len(train.frame) == 0:
        raise ManifestError(f"{m.path}: no row with split 'train'")
    if len(m.split("valid").frame) == 0:
        raise ManifestError(f"{m.path}: no row with split 'valid'; thresholds and the best checkpoint need one")
    pos = (train.labels == 1).sum(axis=0)
    neg = (train.labels == 0).sum(axis=0)
    for c, p, n in zip(m.classes, pos, neg, strict=True):
        if p == 0:
            raise ManifestError(
                f"{m.path}: class {c!r} has no positive image in the train split; "
                "drop it (e.g. --min-positives 1) or add positive images"
            )
        if n == 0:
            raise ManifestError(f"{m.path}: class {c!r} has no negative image in the train split")
    other = {patient_key(p) for p in m.frame.loc[m.frame["split"] != "train", "patient_id"]}
    overlap = {patient_key(p) for p in train.frame["patient_id"]} & other  # p000 / P000 / 'p000 ' are one patient
    if overlap:
        raise ManifestError(
            f"{m.path}: {len(overlap)} patient(s) appear in train and in another split "
            f"(e.g. {sorted(overlap)[0]!r}); splits must be disjoint by patient"
        )
