"""A fixed, reproducible split of a development set into a part you read and a part you only score.

Rules are written by reading failures; reading every development report makes the development
figure an in-sample one. ``part_of`` assigns each group id (a patient, an image, a report) to
``read`` (70%) or ``score`` (30%) by a salted SHA-256 of the id, so the split never depends on row
order, library versions or a random seed, and anyone reproduces it. Split by the id that groups
sentences (PadChest-GR: the patient, so no image's sentences straddle the parts).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

READ, SCORE = "read", "score"
SALT = "rxlabel-devsplit-v1"
READ_SHARE = 0.7


def part_of(group_id: object, read_share: float = READ_SHARE, salt: str = SALT) -> str:
    """``"read"`` or ``"score"`` for ``group_id`` (stable across runs and machines)."""
    digest = hashlib.sha256(f"{salt}:{group_id}".encode()).digest()
    return READ if int.from_bytes(digest[:8], "big") / 2**64 < read_share else SCORE


def padchest_gr_reports(path: str | Path) -> pd.DataFrame:
    """PadChest-GR as one report an image (its distinct Spanish sentences joined), with its gold labels.

    Columns ``text``, ``labels`` (sorted lower-case list), ``patient`` and ``part``; index ``report_id``
    (the ImageID). Images labelled ``Normal`` have no sentence and are left out (docs/spanish.md).
    """
    d = pd.read_csv(path, usecols=["ImageID", "PatientID", "label", "sentence_es"], dtype=str)
    d = d[d.label != "Normal"]
    g = d.groupby("ImageID", sort=True).agg(
        text=("sentence_es", lambda s: " ".join(dict.fromkeys(str(x).strip() for x in s))),
        labels=("label", lambda s: sorted({x.lower() for x in s})),
        patient=("PatientID", "first"))
    g.index.name = "report_id"
    g["part"] = [part_of(p) for p in g.patient]
    return g


def bimcv_reports(path: str | Path) -> pd.DataFrame:
    """The BIMCV-COVID19 reports with ``report_id`` ``subject_session_row``, split by subject (patient)."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            r = json.loads(line)
            rows.append({"report_id": f"{r['subject']}_{r['session']}_{i}", "text": r["text"],
                         "subject": r["subject"], "part": part_of(r["subject"])})
    return pd.DataFrame(rows).set_index("report_id")


__all__ = ["READ", "SCORE", "bimcv_reports", "padchest_gr_reports", "part_of"]
