"""A fixed split of a development set into a part you read and a part you only score.

Rules are written from the *read* part; the *scored* part is never looked at, only measured, so the
gap between the two figures is an honest measure of how far the rules generalise (issue 12). The
split depends only on the report id (SHA-256), never on the order of the file or a random seed.
"""

from __future__ import annotations

import hashlib

READ: str = "read"
SCORED: str = "scored"
READ_SHARE: float = 0.70


def dev_part(report_id: object, read_share: float = READ_SHARE) -> str:
    """``"read"`` or ``"scored"`` for one report id; the same id always lands in the same part."""
    digest = hashlib.sha256(str(report_id).strip().encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:8], "big") / 2**64
    return READ if bucket < read_share else SCORED


def is_read_part(report_id: object, read_share: float = READ_SHARE) -> bool:
    """True when the report may be read to write rules."""
    return dev_part(report_id, read_share) == READ


__all__ = ["READ", "READ_SHARE", "SCORED", "dev_part", "is_read_part"]
