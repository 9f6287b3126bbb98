"""Report ids already seen in a run, in about 24 bytes an id (a dict of strings takes ~120).

Ids are kept as 128-bit BLAKE2b digests (a false duplicate needs a digest collision: about 1e-24 for
ten million ids) with the row that first carried them, in sorted numpy runs merged like a log-
structured tree, so checking a chunk of ids costs one vectorised search per run.
"""

from __future__ import annotations

import hashlib

import numpy as np

_SIZE = 16


def digest(report_id: str) -> bytes:
    """The 16 bytes an id is kept as."""
    return hashlib.blake2b(report_id.encode("utf-8", "surrogatepass"), digest_size=_SIZE).digest()


class SeenIds:
    """Check-and-remember report ids chunk by chunk; see :meth:`first_rows`."""

    def __init__(self, buffer_size: int = 4096):
        self.buffer_size = buffer_size  # runs shorter than this are merged into the one before
        # (first halves of the digests, sorted; second halves; the rows that first carried them)
        self._runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(run[0]) for run in self._runs)

    def first_rows(self, report_ids: list[str], rows: list[int]) -> list[int | None]:
        """For each id, the row where it was first seen (earlier in this chunk or before), or None;
        ids not seen before are remembered with their row."""
        found = self.first_rows_of(b"".join(map(digest, report_ids)), rows)
        return [None if f < 0 else f for f in found.tolist()]

    def first_rows_of(self, digests: bytes, rows) -> np.ndarray:
        """:meth:`first_rows` of ids given as their :func:`digest` s, concatenated (what ``--jobs`` workers
        send back: the parent hashes nothing), and the rows as a sequence of ints: the first rows, -1 for
        an id not seen before. Vectorised: no Python work per id.

        A digest is two 64-bit halves: runs are sorted by the first (integer compares, not byte strings),
        and an id is found when both halves are equal; a first half shared by different ids (about one
        pair in 1e12 at ten million ids) is resolved one by one."""
        n = len(rows)
        if len(digests) != n * _SIZE:
            raise ValueError(f"{len(digests)} digest bytes for {n} rows")
        query = np.frombuffer(digests, dtype=np.uint64).reshape(n, 2)
        # Sorted by both halves (stable: repeats in row order): the searches walk each run once, in order.
        order = np.lexsort((query[:, 1], query[:, 0]))
        hi, lo = query[order, 0], query[order, 1]
        found = np.full(n, -1, dtype=np.int64)  # in that order
        for keys, low, first in self._runs:
            at = np.minimum(np.searchsorted(keys, hi), len(keys) - 1)
            same = keys[at] == hi
            shared = same & (keys[np.minimum(at + 1, len(keys) - 1)] == hi) & (at + 1 < len(keys))
            hit = np.flatnonzero(same & ~shared & (low[at] == lo) & (found < 0))
            found[hit] = first[at[hit]]
            for i in np.flatnonzero(shared):  # a first half that two ids share: compare the second halves
                end = at[i] + np.searchsorted(keys[at[i]:], hi[i], "right")
                match = np.flatnonzero(low[at[i]:end] == lo[i])
                if len(match) and found[i] < 0:
                    found[i] = first[at[i] + match[0]]
        rows = np.asarray(rows, dtype=np.int64)[order]
        new = np.flatnonzero(found < 0)
        if len(new):
            start = np.ones(len(new), dtype=bool)  # the first of each id among the new ones
            start[1:] = (hi[new[1:]] != hi[new[:-1]]) | (lo[new[1:]] != lo[new[:-1]])
            firsts = new[start]
            again = new[~start]
            found[again] = rows[firsts[np.cumsum(start)[~start] - 1]]
            self._runs.append((hi[firsts], lo[firsts], rows[firsts]))
            self._merge()
        out = np.empty(n, dtype=np.int64)
        out[order] = found
        return out

    def _merge(self) -> None:
        # Merge while the newest run is as large as the one before (or that one is small): O(log n) runs,
        # O(n log n) work.
        runs = self._runs
        while len(runs) > 1 and (len(runs[-1][0]) >= len(runs[-2][0]) or len(runs[-2][0]) < self.buffer_size):
            newer, older = runs.pop(), runs.pop()
            # The runs hold different ids: each of the newer run's goes where searchsorted puts it.
            at = np.searchsorted(older[0], newer[0]) + np.arange(len(newer[0]))
            rest = np.ones(len(older[0]) + len(newer[0]), dtype=bool)
            rest[at] = False
            merged = []
            for a, b in zip(older, newer, strict=True):
                out = np.empty(len(rest), dtype=a.dtype)
                out[at], out[rest] = b, a
                merged.append(out)
            runs.append(tuple(merged))
