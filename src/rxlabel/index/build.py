"""Build an index file from labelled inputs, accounting for every input row."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rxlabel.index.readers import (
    REJECT_COLUMNS,
    IndexInputError,
    PairColumns,
    Records,
    read_labelled_pairs,
    read_padchest,
)
from rxlabel.index.store import Index, merge_records, save

# Reasons that describe the input rather than a fault in it: recorded, never fatal.
SOFT_REASONS = frozenset({"labelled report with no paired image"})


@dataclass
class BuildResult:
    index: Index
    path: Path
    rows_read: int
    images: int
    rejected: pd.DataFrame
    rejected_path: Path | None
    seconds: float

    def summary(self) -> dict[str, object]:
        by_reason = self.rejected["reason"].value_counts().to_dict() if len(self.rejected) else {}
        return {"index": str(self.path), "rows_read": self.rows_read, "images": self.images,
                "rejected": len(self.rejected), "rejected_by_reason": by_reason,
                "findings": len(self.index.findings()), "seconds": round(self.seconds, 3),
                "fingerprint": self.index.info.get("fingerprint", "")}


def read_inputs(
    padchest: list[str | Path] = (),
    labels: list[str | Path] = (),
    pairs: list[str | Path] = (),
    *,
    columns: PairColumns | None = None,
    known_images: set[str] | None = None,
    verify_images: bool = True,
) -> Records:
    """Read and merge every input (PadChest-style tables, then labeller output + pairs, in order).

    ``verify_images``: pairs whose image is missing or does not decode are rejected with the reason.
    """
    if len(labels) != len(pairs):
        raise IndexInputError(f"give one --pairs file per --labels file (got {len(labels)} labels, {len(pairs)} pairs)")
    if not padchest and not labels:
        raise IndexInputError("nothing to index: give --padchest FILE, or --labels FILE with --pairs FILE")
    parts = [read_padchest(p, known_images=known_images) for p in padchest]
    parts += [read_labelled_pairs(lab, pair, columns=columns, verify_images=verify_images)
              for lab, pair in zip(labels, pairs, strict=True)]
    return merge_records(parts)


def check_rejected(rejected: pd.DataFrame, on_error: str, rejected_path: Path | None) -> None:
    """Raise for hard rejections unless ``on_error == 'reject'``; the message names file, row and fix."""
    hard = rejected[~rejected["reason"].isin(SOFT_REASONS)]
    if on_error == "reject" or hard.empty:
        return
    lines = [f"  {r.source}:{r.row}: {r.key or '(no id)'}: {r.reason}" for r in hard.head(10).itertuples()]
    more = f"\n  ... and {len(hard) - 10} more" if len(hard) > 10 else ""
    where = f" to {rejected_path}" if rejected_path else ""
    raise IndexInputError(
        f"{len(hard)} input row(s) cannot be indexed:\n" + "\n".join(lines) + more +
        f"\nFix them, or pass --on-error reject to index the rest and write these rows with their reason{where}."
    )


def build_index(
    output: str | Path,
    *,
    padchest: list[str | Path] = (),
    labels: list[str | Path] = (),
    pairs: list[str | Path] = (),
    columns: PairColumns | None = None,
    known_images: set[str] | None = None,
    hierarchy: str | None = None,
    on_error: str = "fail",
    verify_images: bool = True,
) -> BuildResult:
    """Read, check and write an index; rejected rows go to ``<output>.rejected.csv``."""
    start = time.perf_counter()
    output = Path(output)
    records = read_inputs(padchest, labels, pairs, columns=columns, known_images=known_images,
                          verify_images=verify_images)
    rejected_path = output.with_name(output.name + ".rejected.csv")
    check_rejected(records.rejected, on_error, rejected_path)
    info = {"hierarchy": hierarchy or _default_hierarchy(_language(records)),
            "inputs": json.dumps([str(p) for p in [*padchest, *labels, *pairs]])}
    index, _ = save(records, output, info=info)
    if len(records.rejected):
        records.rejected[REJECT_COLUMNS].to_csv(rejected_path, index=False)
    elif rejected_path.exists():
        rejected_path.unlink()
    return BuildResult(index, output, records.rows_read, len(records.images), records.rejected,
                       rejected_path if len(records.rejected) else None, time.perf_counter() - start)


def _default_hierarchy(lang: str | None) -> str:
    """The language's hierarchy; else PadChest's (``es``), whose English label names every pack shares."""
    from rxlabel.index.hierarchy import HierarchyError, resolve_path

    if lang:
        try:
            resolve_path(lang)
            return lang
        except HierarchyError:
            pass
    return "es"


def _language(records: Records) -> str | None:
    """Language of the labels: PadChest is Spanish; labeller output says it in its rules version."""
    langs = {v.split("-")[0] for v in records.rules_versions if "-" in v}
    if len(langs) == 1:
        return langs.pop()
    if not records.rules_versions and len(records.images):
        return "es"  # PadChest-style tables carry PadChest (Spanish) labels
    return None
