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
