"""Named label sets: map or limit a pack's output to a target vocabulary (pack data, ``labelsets/NAME.yaml``).

The labeller's default output is what PadChest labels (``unchanged``, differential diagnoses such as
``pneumonia`` or ``covid 19`` included). A data set with a narrower vocabulary (PadChest-GR: grounded
radiological findings only) is matched by a label set, applied after labelling:

.. code-block:: yaml

    name: padchest-gr
    description: ...
    drop: [unchanged, suboptimal study]   # labels the target never uses
    drop_diagnoses: true                  # every finding marked `diagnosis: true` in findings.yaml
    map: {copd signs: emphysema}          # label -> target label (optional)

A hospital adds a file to add a target; no Python changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from rxlabel.errors import RxlabelError
from rxlabel.labeler.pack import load_pack, pack_dir


class LabelSetError(RxlabelError):
    """A label set file that is missing or malformed."""


@dataclass(frozen=True)
class LabelSet:
    name: str
    drop: frozenset[str] = frozenset()
    rename: dict[str, str] = field(default_factory=dict)
    description: str = ""


def label_set_names(pack: str | Path) -> list[str]:
    """The label sets a pack ships (file stems under its ``labelsets/`` folder)."""
    folder = pack_dir(pack) / "labelsets"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def load_label_set(pack: str | Path, name: str) -> LabelSet:
    """Read ``labelsets/NAME.yaml`` of ``pack``, checking every label against the pack's findings."""
    path = pack_dir(pack) / "labelsets" / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(label_set_names(pack)) or "none"
        raise LabelSetError(f"{path}: no label set '{name}' in this pack (available: {known})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LabelSetError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise LabelSetError(f"{path}: expected a mapping with drop / drop_diagnoses / map")
    findings = load_pack(pack).findings
    drop = set(_names(data.get("drop"), path, "drop"))
    if data.get("drop_diagnoses", False) is True:
        drop |= {f.name for f in findings.values() if f.diagnosis}
    rename = data.get("map") or {}
    if not isinstance(rename, dict):
        raise LabelSetError(f"{path}: 'map' must map a label to a target label")
    rename = {str(k).strip().lower(): str(v).strip().lower() for k, v in rename.items()}
    unknown = sorted((drop | set(rename)) - set(findings))
    if unknown:
        raise LabelSetError(f"{path}: labels not in the pack's findings.yaml: {', '.join(unknown)}")
    return LabelSet(str(data.get("name", name)), frozenset(drop), rename, str(data.get("description", "")))


def apply_label_set(findings: dict[str, int], label_set: LabelSet) -> dict[str, int]:
    """``findings`` in the label set's vocabulary: dropped labels removed, mapped ones renamed (when two
    labels map to one, present beats uncertain beats negated)."""
    out: dict[str, int] = {}
    rank = {1: 2, -1: 1, 0: 0}
    for label, status in findings.items():
        if label in label_set.drop:
            continue
        target = label_set.rename.get(label, label)
        if target not in out or rank.get(status, 0) > rank.get(out[target], 0):
            out[target] = status
    return out


def apply_label_set_frame(frame: pd.DataFrame, label_set: LabelSet) -> pd.DataFrame:
    """A label table (one column per class, 1/0/-1/NaN) in the label set's vocabulary, as
    :func:`apply_label_set` does per report; columns the set does not name (regions) are kept."""
    rank = {1: 3, -1: 2, 0: 1}
    groups: dict[str, list[str]] = {}
    for column in frame.columns:
        if column not in label_set.drop:
            groups.setdefault(label_set.rename.get(column, column), []).append(column)
    out = {}
    for target, columns in groups.items():
        if len(columns) == 1:
            out[target] = frame[columns[0]]
            continue
        part = frame[columns]
        best = part.apply(lambda col: col.map(rank)).fillna(0).to_numpy().argmax(axis=1)
        merged = part.to_numpy(dtype=object)[range(len(part)), best]
        out[target] = pd.Series(merged, index=frame.index).where(part.notna().any(axis=1))
    return pd.DataFrame(out, index=frame.index)


def _names(value: object, path: Path, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LabelSetError(f"{path}: '{what}' must be a list of label names")
    return [v.strip().lower() for v in value]


__all__ = ["LabelSet", "LabelSetError", "apply_label_set", "apply_label_set_frame", "label_set_names",
           "load_label_set"]
