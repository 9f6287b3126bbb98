from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from rxlabel.index.build import build_index
from rxlabel.index.hierarchy import UnknownTermError, load_hierarchy
from rxlabel.index.query import QueryError, Searcher, parse
from rxlabel.index.store import IndexFileError, load

from .conftest import DATA, make_table


def _keys(searcher: Searcher, ids) -> set[str]:
    return set(searcher.index.images(ids, ["key"])["key"])


def _truth(table: pd.DataFrame) -> dict[str, set[str]]:
    return {row.ImageID: set(ast.literal_eval(row.Labels)) for row in table.itertuples()}


def test_build_accounts_for_every_row(built, table):
    assert built.images == len(table) == built.rows_read
    assert built.rejected.empty and built.rejected_path is None
    assert built.summary()["findings"] == len({x for labels in _truth(table).values() for x in labels})


def test_single_labels_match_a_scan_of_the_table(searcher, table):
    truth = _truth(table)
    for label in ["cardiomegaly", "pacemaker", "normal", "nsg tube"]:
        expected = {k for k, labels in truth.items() if label in labels}
        assert _keys(searcher, searcher.search(label).ids) == expected, label


def test_hierarchy_term_with_exclusion_matches_a_scan(searcher, table):
    nodular = load_hierarchy("es").expand("nodular")
    truth = _truth(table)
    expected = {k for k, labels in truth.items() if labels & nodular and "pacemaker" not in labels}
    got = searcher.search("nodular AND NOT pacemaker").ids
    assert _keys(searcher, got) == expected and expected
    assert searcher.search("nodular", exclude=["pacemaker"]).ids == got
    assert searcher.search("nodular AND NOT (pacemaker OR cardiomegaly)").ids == \
        searcher.search("nodular", exclude=["pacemaker", "cardiomegaly"]).ids


def test_normal_and_not_normal_partition_the_images(searcher, table):
    normal, abnormal = searcher.search("normal").ids, searcher.search("not-normal").ids
    assert not normal & abnormal and len(normal | abnormal) == len(table)


def test_pure_views_and_localizations(searcher, table):
    truth = _truth(table)
    pure = {k for k, labels in truth.items() if labels == {"cardiomegaly"}}
    assert _keys(searcher, searcher.search("cardiomegaly AND pure").ids) == pure
    assert searcher.search("cardiomegaly", pure=True).ids == searcher.search("cardiomegaly AND pure").ids
    lateral = set(table.loc[table["Projection"] == "L", "ImageID"])
    assert _keys(searcher, searcher.search("normal", views=["lateral"]).ids) == {
        k for k in lateral if truth[k] == {"normal"}}
    left = {row.ImageID for row in table.itertuples() if "loc left" in ast.literal_eval(row.Localizations)}
    assert _keys(searcher, searcher.search("loc:left").ids) == left
    assert searcher.search("view:PA OR view:L OR view:AP").ids == searcher.index.universe


def test_uncertain_findings_and_negation(tmp_path: Path):
    built = build_index(tmp_path / "i.sqlite", labels=[DATA / "labels.jsonl"], pairs=[DATA / "pairs.csv"])
    s = Searcher(load(built.path), load_hierarchy("es"))
    assert _keys(s, s.search("pacemaker").ids) == set()
    assert _keys(s, s.search("pacemaker", uncertain=True).ids) == {"b/1.png"}
    # An exclusion also drops an uncertain finding: "NOT pacemaker" never keeps "probable pacemaker".
    assert "b/1.png" not in _keys(s, s.search("nodule AND NOT pacemaker").ids)
    assert _keys(s, s.search("nodule@left").ids) == {"b/1.png"}
    assert _keys(s, s.search("region:parenchyma").ids) == {"b/1.png", "c/1.png"}
    assert _keys(s, s.search("method:unlabelled").ids) == {"d/1.png"}
    assert s.index.negated["pleural effusion"] and not s.search("pleural effusion").ids
    assert s.index.info["hierarchy"] == "es"  # from the rules version es-...


def test_unknown_term_is_an_error_with_suggestions(searcher):
    with pytest.raises(UnknownTermError, match="unknown term 'cardiomegally'; closest known terms: cardiomegaly"):
        searcher.search("cardiomegally AND NOT pacemaker")
    with pytest.raises(UnknownTermError, match="localization"):
        searcher.search("loc:lefft")
    with pytest.raises(UnknownTermError, match="view:"):
        searcher.search("view:oblique")


def test_parser_precedence_and_errors():
    assert str(parse("a AND b OR c")) == "((a AND b) OR c)"
    assert str(parse("a and not (b or c d)")) == "(a AND NOT (b OR c d))"
    assert str(parse('"pleural effusion" AND NOT pacemaker')) == "(pleural effusion AND NOT pacemaker)"
    for bad in ["", "a AND", "(a OR b", "a ) b", "AND a"]:
        with pytest.raises(QueryError):
            parse(bad)


def test_several_archives_in_one_index(tmp_path: Path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    make_table(50, seed=1).to_csv(first, index=False)
    other = make_table(60, seed=2)
    other["ImageID"] = "b_" + other["ImageID"]
    other.loc[0, "ImageID"] = "im00000.png"  # also in the first archive
    other.to_csv(second, index=False)
    with pytest.raises(Exception, match="already indexed"):
        build_index(tmp_path / "i.sqlite", padchest=[first, second])
    built = build_index(tmp_path / "i.sqlite", padchest=[first, second], on_error="reject")
    assert built.images == 109 and len(built.rejected) == 1
    s = Searcher(load(built.path))
    assert len(s.search("source:a").ids) == 50 and len(s.search("source:b").ids) == 59


def test_index_file_round_trip_and_bad_files(tmp_path: Path, built):
    index = load(built.path)
    assert index.info["fingerprint"] == built.index.info["fingerprint"]
    assert index.positive.keys() == built.index.positive.keys()
    assert all(index.positive[k] == built.index.positive[k] for k in index.positive)
    with pytest.raises(IndexFileError, match="index file not found"):
        load(tmp_path / "missing.sqlite")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(IndexFileError, match="not an rxlabel index"):
        load(junk)


def test_same_input_same_fingerprint(tmp_path: Path, table_csv: Path):
    one = build_index(tmp_path / "one.sqlite", padchest=[table_csv])
    two = build_index(tmp_path / "two.sqlite", padchest=[table_csv])
    assert one.index.info["fingerprint"] == two.index.info["fingerprint"]


def test_a_language_without_hierarchy_uses_padchest_names(tmp_path: Path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text((DATA / "labels.jsonl").read_text().replace('"es-0123456789ab"', '"zz-0123456789ab"'))
    built = build_index(tmp_path / "i.sqlite", labels=[labels], pairs=[DATA / "pairs.csv"])
    assert built.index.info["hierarchy"] == "es"
    from rxlabel.index import open_index

    assert _keys(open_index(built.path), open_index(built.path).search("nodular").ids) == {"b/1.png"}
