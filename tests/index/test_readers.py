from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rxlabel.index.build import build_index
from rxlabel.index.readers import (
    IndexInputError,
    PairColumns,
    explode_lists,
    normalise_view,
    read_image_list,
    read_labelled_pairs,
    read_labels,
    read_padchest,
)

from .conftest import DATA, PADCHEST_GR, PADCHEST_ROWS, shared


def test_list_repr_parsing_fast_and_slow_paths():
    series = pd.Series(["['a', 'B  c']", None, "[]", "['x, y', 'z']", "nope", '["it\'s"]', "['loc left']", "", "['']"])
    rows, items, bad = explode_lists(series)
    assert list(zip(rows.tolist(), items.tolist(), strict=True)) == [
        (0, "a"), (0, "b c"), (6, "loc left"), (3, "x, y"), (3, "z"), (5, "it's")]
    assert bad.tolist() == [4]


def test_views_are_normalised():
    assert [normalise_view(v) for v in ["POSTEROANTERIOR", "L", "AP_horizontal", "pa", None, "COSTAL"]] == [
        "PA", "LATERAL", "AP", "PA", "", "COSTAL"]


def test_padchest_wide_table(padchest_small: Path):
    rec = read_padchest(padchest_small)
    assert len(rec.images) == 10 and rec.rejected.empty
    by_image = {}
    for i, term in zip(rec.finding_img, rec.finding_term, strict=True):
        by_image.setdefault(rec.images["key"][i], set()).add(term)
    assert by_image["img06.png"] == {"nsg tube", "copd signs"}  # lower-cased PadChest spelling
    assert rec.images.set_index("key").loc["img10.png", "view"] == "AP"
    assert rec.images.set_index("key").loc["img04.png", "view"] == "AP"  # Projection wins over a blank DICOM view
    per_finding = {(rec.images["key"][i], t, lc) for i, t, lc in zip(rec.loc_img, rec.loc_term, rec.loc_name, strict=True) if t}
    assert ("img03.png", "nodule", "left") in per_finding
    assert not any(t == "pacemaker" for _, t, _ in per_finding)  # its sentence names no localization


def test_padchest_bad_rows_are_rejected_with_file_row_and_reason(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ImageID,PatientID,Labels\n"
        "a.png,p1,['normal']\n"
        "a.png,p1,['nodule']\n"
        "b.png,,['normal']\n"
        "c.png,p3,nodule\n"
        ",p4,['normal']\n"
        "d.png,p5,\n", encoding="utf-8")
    rec = read_padchest(bad)
    assert len(rec.images) + len(rec.rejected) == rec.rows_read == 6
    reasons = dict(zip(rec.rejected["row"], rec.rejected["reason"], strict=True))
    assert reasons == {3: "duplicate image id (first row kept)", 4: "no patient id",
                       5: "Labels is not a list such as ['nodule', 'loc left']", 6: "no image id"}
    assert set(rec.images["key"]) == {"a.png", "d.png"}  # d.png: blank Labels = an image without findings
    with pytest.raises(IndexInputError, match=r"(?s)4 input row\(s\) cannot be indexed:.*bad.csv:3: a.png: duplicate"):
        build_index(tmp_path / "i.sqlite", padchest=[bad])
    result = build_index(tmp_path / "i.sqlite", padchest=[bad], on_error="reject")
    assert result.images == 2 and len(pd.read_csv(result.rejected_path)) == 4


def test_missing_columns_name_the_file_and_the_fix(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("id,labels\n1,[]\n")
    with pytest.raises(IndexInputError, match=r"x.csv: missing column\(s\) ImageID, PatientID, Labels; the file has: id, labels"):
        read_padchest(path)


def test_unknown_image_ids_are_an_error(tmp_path: Path, padchest_small: Path):
    images = tmp_path / "images.txt"
    images.write_text("img01.png\nimg02.png\n")
    known = read_image_list(images)
    with pytest.raises(IndexInputError, match=r"(?s)8 input row\(s\).*padchest_small.csv:4: img03.png: unknown image id"):
        build_index(tmp_path / "i.sqlite", padchest=[padchest_small], known_images=known)


def test_labeller_jsonl_and_csv_agree():
    jsonl, csv = read_labels(DATA / "labels.jsonl"), read_labels(DATA / "labels.csv")
    assert jsonl.findings == csv.findings
    assert jsonl.findings["r2"] == {"nodule": 1, "pacemaker": -1, "pleural effusion": 0}
    assert jsonl.regions["r2"]["abnormal"] == 1 == csv.regions["r2"]["abnormal"]
    assert jsonl.locs["r2"] == [("nodule", "left")]
    assert jsonl.rules_versions == {"es-0123456789ab"}


def test_labelled_pairs_join_accounts_for_every_row():
    rec = read_labelled_pairs(DATA / "labels.jsonl", DATA / "pairs.csv")
    assert rec.images["key"].tolist() == ["a/1.png", "a/2.png", "b/1.png", "c/1.png", "d/1.png"]
    assert rec.images["patient"].tolist() == ["pa", "pa", "pb", "pc", "pd"]
    assert set(rec.images["view"]) == {"PA", "LATERAL", "AP"}
    assert rec.rejected["reason"].tolist() == ["labelled report with no paired image"]  # r5
    assert rec.rejected["key"].tolist() == ["r5"]


def test_pairs_with_renamed_columns_and_unlabelled_report(tmp_path: Path):
    pairs = pd.read_csv(DATA / "pairs.csv").rename(columns={"image_path": "png", "patient_id": "pid"})
    pairs.loc[len(pairs)] = pairs.iloc[0].to_dict() | {"png": "z/9.png", "report_id": "r404"}
    path = tmp_path / "pairs.parquet"
    pairs.to_parquet(path)
    with pytest.raises(IndexInputError, match="missing column"):
        read_labelled_pairs(DATA / "labels.jsonl", path)
    # the images are beside DATA's pairs.csv, not this copy: the join alone is under test here
    rec = read_labelled_pairs(DATA / "labels.jsonl", path, columns=PairColumns(image="png", patient="pid"),
                              verify_images=False)
    assert rec.rejected["reason"].str.startswith("report not in the labels file").sum() == 1
    assert len(rec.images) == 5
    with pytest.raises(IndexInputError, match="z/9.png: report not in the labels file"):
        build_index(tmp_path / "i.sqlite", labels=[DATA / "labels.jsonl"], pairs=[path],
                    columns=PairColumns(image="png", patient="pid"), verify_images=False)


def test_bad_label_values_are_rejected(tmp_path: Path):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"report_id": "r1", "findings": {"nodule": 2}}\nnot json\n{"findings": {}}\n'
                    '{"report_id": "r1", "findings": {}}\n{"report_id": "r2", "findings": {"nodule": "1"}}\n')
    labels = read_labels(path)
    reasons = [r["reason"] for r in labels.rejected]
    assert "finding 'nodule' has value 2; expected 1, 0, -1 or blank" in reasons[0]
    assert reasons[1].startswith("invalid JSON") and reasons[2] == "no report_id"
    assert list(labels.findings) == ["r1", "r2"]  # the second r1 row is the first valid one
    assert labels.rows == 5


def test_real_padchest_rows_and_padchest_gr():
    rec = read_padchest(shared(PADCHEST_ROWS))
    assert len(rec.images) == 45 and rec.rejected.empty
    assert set(rec.images["view"]) <= {"PA", "AP", "LATERAL"}
    gr = read_padchest(shared(PADCHEST_GR))
    assert len(gr.images) == gr.images["key"].nunique() == pd.read_csv(PADCHEST_GR)["ImageID"].nunique()
    assert "normal" in set(gr.finding_term)


def test_unreadable_tables_get_a_line_and_a_fix(tmp_path: Path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("ImageID,PatientID,Labels\na.png,pé,['normal']\n".encode("latin-1"))
    with pytest.raises(IndexInputError, match=r"latin.csv: labels table is not UTF-8 \(line 2, byte 0xe9\)"):
        read_padchest(latin)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("ImageID,PatientID,Labels\na.png,p,['normal'],x,y\n")
    with pytest.raises(IndexInputError, match="line 2 has 5 fields but the header has 3"):
        read_padchest(ragged)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(IndexInputError, match="empty.csv: cannot read labels table"):
        read_padchest(empty)
