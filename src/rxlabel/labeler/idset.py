"""Report ids already seen in a run, in about 24 bytes an id (a dict of strings takes ~120).

Ids are kept as 128-bit BLAKE2b digests (a false duplicate needs a digest collision: about 1e-24 for
ten million ids) with the row that first carried them, in sorted numpy runs merged like a log-
structured tree, so checking a chunk of ids costs one vectorised search per run.
"""

from __future__ import annotations

import hashlib

import numpy as np

_KEY = "S16"


def _digest(report_id: str) -> bytes:
    return hashlib.blake2b(report_id.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class SeenIds:
    """Check-and-remember report ids chunk by chunk; see :meth:`first_rows`."""

    def __init__(self, buffer_size: int = 65_536):
        self.buffer_size = buffer_size
        self._buffer: dict[bytes, int] = {}
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted digests, their first rows)

    def __len__(self) -> int:
        return len(self._buffer) + sum(len(keys) for keys, _ in self._runs)

    def first_rows(self, report_ids: list[str], rows: list[int]) -> list[int | None]:
        """For each id, the row where it was first seen (earlier in this chunk or before), or None;
        ids not seen before are remembered with their row."""
        digests = [_digest(r) for r in report_ids]
        found: list[int | None] = [None] * len(digests)
        if self._runs and digests:
            query = np.array(digests, dtype=_KEY)
            for keys, first in self._runs:
                pos = np.searchsorted(keys, query)
                pos[pos == len(keys)] = 0
                hit = keys[pos] == query
                for i in np.flatnonzero(hit):
                    if found[i] is None:
                        found[i] = int(first[pos[i]])
        buffer = self._buffer
        for i, (digest, row) in enumerate(zip(digests, rows, strict=True)):
            if found[i] is not None:
                continue
            earlier = buffer.get(digest)
            if earlier is not None:
                found[i] = earlier
            else:
                buffer[digest] = row
        if len(buffer) >= self.buffer_size:
            self._flush()
        return found

    def _flush(self) -> None:
        keys = np.array(list(self._buffer), dtype=_KEY)
        first = np.fromiter(self._buffer.values(), dtype=np.int64, count=len(self._buffer))
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], first[order]))
        self._buffer = {}
        # Merge while the newest run is as large as the one before: O(log n) runs, O(n log n) work.
        while len(self._runs) > 1 and len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            (k2, f2), (k1, f1) = self._runs.pop(), self._runs.pop()
            keys = np.concatenate([k1, k2])
            first = np.concatenate([f1, f2])
            order = np.argsort(keys, kind="stable")
            self._runs.append((keys[order], first[order]))
