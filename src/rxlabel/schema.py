"""rxlabel's data contracts: the names every part reads and writes through.

Regions, label statuses, the label record's fields and flattened columns, the pairs columns, the
manifest columns and the patient key live here once; a package imports these instead of spelling
the names again. The label record's one reader and one writer (``read_records``, ``RecordWriter``)
are in :mod:`rxlabel.labeler.io` and build on these names; the index reads labels through them too.
"""

from __future__ import annotations

import unicodedata
from typing import Final

# The four anatomical regions of a systematic chest film reading, in report order.
REGIONS: Final[tuple[str, ...]] = ("chest_wall", "pleura", "parenchyma", "cardio")
# Region label columns: the four regions plus ``abnormal``, derived from them and from region-less findings.
REGION_COLUMNS: Final[tuple[str, ...]] = (*REGIONS, "abnormal")

# Label values: present, negated (absent), uncertain. A finding not mentioned is blank (absent from the record).
PRESENT: Final = 1
NEGATED: Final = 0
UNCERTAIN: Final = -1
STATUSES: Final[tuple[int, ...]] = (PRESENT, NEGATED, UNCERTAIN)

# -- the label record (``rxlabel label`` output; reader and writer in rxlabel.labeler.io) ------------
# One JSON object per report; CSV/Parquet flatten it to LABEL_META_COLUMNS + regions + one column per finding.
LABEL_FIELDS: Final[tuple[str, ...]] = ("report_id", "method", "findings", "regions", "evidence", "review_reasons",
                                        "rules_version")
# How a record was labelled; LABELLED_METHODS carry labels a training set may use, "unlabelled" is the review queue.
LABELLED_METHODS: Final[tuple[str, ...]] = ("template", "rule", "review")
METHODS: Final[tuple[str, ...]] = (*LABELLED_METHODS, "unlabelled")


def label_columns(finding_names: list[str] | tuple[str, ...]) -> list[str]:
    """Columns of the flattened (CSV/TSV/Parquet) label record, in order.

    >>> label_columns(["pleural effusion"])[:4]
    ['report_id', 'method', 'rules_version', 'chest_wall']
    >>> label_columns(["pleural effusion"])[-3:]
    ['pleural effusion', 'review_reasons', 'evidence']
    """
    return ["report_id", "method", "rules_version", *REGION_COLUMNS, *finding_names, "review_reasons", "evidence"]


# -- the pairs table (``rxlabel match`` output), in column order ---------------------------------------------
PAIR_COLUMNS: Final[tuple[str, ...]] = (
    "image_path", "sop_uid", "study_uid", "series_uid", "patient_id", "study_time", "time_source", "view",
    "session_id", "report_id", "report_time", "text", "conclusion", "rule", "time_basis", "delta_min",
    "resolution", "note", "report_source")

# -- manifests -------------------------------------------------------------------------------------------
SPLITS: Final[tuple[str, ...]] = ("train", "valid", "test")
# ``rxlabel dataset create``: one row per image, its class (query term) and patient-disjoint split.
DATASET_MANIFEST_COLUMNS: Final[tuple[str, ...]] = (
    "image_path", "image_id", "patient_id", "split", "class", "findings", "uncertain", "view", "source")
# What the classifier needs of every manifest; label columns (1/0/-1/blank) follow, one per class.
TRAINING_MANIFEST_COLUMNS: Final[tuple[str, ...]] = ("image_path", "patient_id", "split")


def patient_key(value: object) -> str:
    """The normalised patient key used for matching and patient-disjoint splits.

    Stripped, Unicode-NFKC and case-folded, so ``p000``, ``P000`` and ``P000 `` are one patient.
    Blank (``""``) for a missing value.
    """
    if value is None:
        return ""
    text = str(value)
    if text.lower() in ("nan", "none", "<na>"):
        return ""
    return unicodedata.normalize("NFKC", text).strip().casefold()


__all__ = ["DATASET_MANIFEST_COLUMNS", "LABELLED_METHODS", "LABEL_FIELDS", "METHODS", "NEGATED", "PAIR_COLUMNS",
           "PRESENT", "REGIONS", "REGION_COLUMNS", "SPLITS", "STATUSES", "TRAINING_MANIFEST_COLUMNS", "UNCERTAIN",
           "label_columns", "patient_key"]
