"""rxlabel's data contracts: the names every part reads and writes through.

Regions, label statuses, and the shared keys live here once; the label record's reader and writer,
the pairs columns and the manifest columns join them (see docs). A package imports these instead
of spelling the names again.
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


__all__ = ["NEGATED", "PRESENT", "REGIONS", "REGION_COLUMNS", "STATUSES", "UNCERTAIN", "patient_key"]
