import pytest

from rxlabel.labeler.idset import SeenIds


def test_duplicates_are_found_within_a_chunk_across_chunks_and_across_merged_runs():
    seen = SeenIds(buffer_size=7)
    assert seen.first_rows(["a", "b", "a"], [1, 2, 3]) == [None, None, 1]
    rows = iter(range(4, 1000))
    for chunk in range(40):  # many flushes and merges
        ids = [f"id{chunk}-{k}" for k in range(5)]
        assert seen.first_rows(ids, [next(rows) for _ in ids]) == [None] * 5
    assert len(seen) == 2 + 200
    assert seen.first_rows(["id0-0", "b", "new", "id39-4", "new"], [900, 901, 902, 903, 904]) == [4, 2, None, 203, 902]
    assert len(seen) == 203


def test_ids_are_exact_strings():
    seen = SeenIds(buffer_size=2)
    seen.first_rows(["A1", "a1", "A1 ", "ñ"], [1, 2, 3, 4])
    assert seen.first_rows(["A1", "a1", "A1 ", "ñ", "n"], [5, 6, 7, 8, 9]) == [1, 2, 3, 4, None]


# (ids in chunks, digest maker) -> first rows as a dict would give them; the digests below share their first
# 8 bytes, the half the runs are sorted by, so only the second half tells the ids apart.
def _shared_first_half(report_id):
    import hashlib

    return b"\x01" * 7 + bytes([len(report_id) % 2]) + hashlib.blake2b(report_id.encode(), digest_size=8).digest()


@pytest.mark.parametrize("chunks", [
    [["a", "b", "c"], ["b", "d", "a"], ["e", "e", "c"]],
    [["a"], ["b"], ["c"], ["d"], ["a", "b", "c", "d", "e"]],
    [["x", "y", "x", "y"], [], ["y", "z", "x"]],
])
@pytest.mark.parametrize("shared", [False, True])
def test_first_rows_match_a_dict(monkeypatch, chunks, shared):
    import rxlabel.labeler.idset as idset

    if shared:
        monkeypatch.setattr(idset, "digest", _shared_first_half)
    seen, ref, row = SeenIds(buffer_size=2), {}, 0
    for ids in chunks:
        rows = list(range(row + 1, row + 1 + len(ids)))
        row += len(ids)
        want = []
        for i, r in zip(ids, rows, strict=True):
            want.append(ref.get(i))
            ref.setdefault(i, r)
        assert seen.first_rows(ids, rows) == want
    assert len(seen) == len(ref)
