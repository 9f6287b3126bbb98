"""Issue 13, wrong results that were silent: patient keys (class 7), label values (class 9)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rxlabel.classifier.manifest import ManifestError, check_trainable, read_manifest
from rxlabel.index.dataset import DatasetError, assign_splits, check_patient_disjoint
from rxlabel.matcher.tables import norm_patient
from rxlabel.schema import patient_key

# -- class 7: one patient, many spellings -------------------------------------------------------------------

SPELLINGS = [lambda i: f"p{i:03d}", lambda i: f"P{i:03d}", lambda i: f"p{i:03d} ", lambda i: f" P{i:03d}"]


def test_class7_splits_are_disjoint_on_the_normalised_key():
    rng = np.random.default_rng(0)
    patients = [SPELLINGS[int(rng.integers(4))](i // 3) for i in range(600)]  # 200 patients x 3 images
    classes = ["a" if i % 2 else "b" for i in range(600)]
    split = assign_splits(pd.Series(patients), pd.Series(classes), [0.6, 0.2, 0.2], seed=0)
    frame = pd.DataFrame({"patient_id": patients, "split": split})
    per_patient = frame.groupby(frame["patient_id"].map(patient_key))["split"].nunique()
    assert len(per_patient) == 200 and per_patient.max() == 1
    check_patient_disjoint(frame)


def test_class7_one_spelling_per_patient_splits_as_before():
    patients = pd.Series([f"P{i // 2:03d}" for i in range(200)])
    classes = pd.Series(["a"] * 200)
    lower = assign_splits(patients.str.lower(), classes, [0.6, 0.2, 0.2], 3)
    assert (assign_splits(patients, classes, [0.6, 0.2, 0.2], 3).value_counts().sort_index()
            == lower.value_counts().sort_index()).all()


@pytest.mark.parametrize("a,b", [("p000", "P000"), ("P000", "P000 "), ("p000", " P000"), ("P０00", "p000")])
def test_class7_disjointness_checks_see_spellings_as_one_patient(tmp_path, a, b):
    frame = pd.DataFrame({"patient_id": [a, b, "p9"], "split": ["train", "test", "valid"]})
    with pytest.raises(DatasetError, match="more than one split"):
        check_patient_disjoint(frame)
    rows = [("x1.png", a, "train", 1), ("x2.png", "q1", "train", 0), ("x3.png", b, "valid", 1),
            ("x4.png", "q2", "valid", 0)]
    pd.DataFrame(rows, columns=["image_path", "patient_id", "split", "pleura"]).to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(ManifestError, match="disjoint by patient"):
        check_trainable(read_manifest(tmp_path / "m.csv"))
    assert norm_patient(a) == norm_patient(b)  # and the matcher pairs them


# -- class 9: an out-of-range label value is an error naming the row ----------------------------------------

@pytest.mark.parametrize("bad", ["2", "yes", "no", "0.5", "positive"])
def test_class9_out_of_range_label_value_names_the_row(tmp_path, bad):
    rows = [{"image_path": f"i{k}.png", "patient_id": f"p{k}", "split": ["train", "valid", "test"][k % 3],
             "pleura": str(k % 2), "cardio": str((k + 1) % 2), "view": "PA", "age": str(40 + k)} for k in range(30)]
    rows[17]["pleura"] = bad
    pd.DataFrame(rows).to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(ManifestError, match=r"row 19: column 'pleura' holds") as err:
        read_manifest(tmp_path / "m.csv")
    assert repr(bad) in str(err.value)


def test_class9_text_and_numeric_metadata_stay_metadata(tmp_path):
    rows = [{"image_path": f"i{k}.png", "patient_id": f"p{k}", "split": "train", "pleura": str(k % 2),
             "view": "PA", "age": str(40 + k)} for k in range(10)]
    pd.DataFrame(rows).to_csv(tmp_path / "m.csv", index=False)
    assert read_manifest(tmp_path / "m.csv").classes == ["pleura"]


# -- class 8: only images that exist and decode enter the index ---------------------------------------------

def test_class8_missing_and_broken_images_are_rejected_with_the_reason(cli, tmp_path):
    from PIL import Image

    reports = tmp_path / "r.csv"
    pd.DataFrame({"report_id": [f"r{i}" for i in range(6)], "text": ["Cardiomegalia."] * 3 + ["Derrame pleural."] * 3}
                 ).to_csv(reports, index=False)
    assert cli("label", reports, "-o", tmp_path / "labels.jsonl", "--lang", "es").exit_code == 0
    (tmp_path / "png").mkdir()
    for i in range(4):
        Image.new("L", (8, 8), color=40 * i).save(tmp_path / "png" / f"{i}.png")
    (tmp_path / "png" / "4.png").write_bytes((tmp_path / "png" / "0.png").read_bytes()[:30])  # truncated
    pd.DataFrame({"image_path": [str(tmp_path / "png" / f"{i}.png") for i in range(6)],  # 5.png never written
                  "patient_id": [f"p{i}" for i in range(6)], "report_id": [f"r{i}" for i in range(6)],
                  "study_time": "2021-01-01T10:00:00", "view": "PA"}).to_csv(tmp_path / "pairs_png.csv", index=False)
    index = tmp_path / "i.sqlite"
    res = cli("index", "build", index, "--labels", tmp_path / "labels.jsonl", "--pairs", tmp_path / "pairs_png.csv",
              "--on-error", "reject")
    assert res.exit_code == 0, res.output
    rejected = pd.read_csv(str(index) + ".rejected.csv", dtype=str)
    by_key = dict(zip(rejected["key"].str.rsplit("/", n=1).str[-1], rejected["reason"], strict=True))
    assert by_key["5.png"].startswith("image file missing") and by_key["4.png"].startswith("image does not decode")
    assert json.loads(res.output.strip().splitlines()[-1])["images"] == 4  # 4 indexed + 2 rejected = 6 pairs


# -- class 11: impossible decodings stop with the fix ------------------------------------------------------

@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "cp1258"])
def test_class11_utf8_file_read_with_a_windows_encoding_is_refused(cli, tmp_path, encoding):
    src = tmp_path / "r.csv"
    src.write_text("report_id,text\n1,Cardiomegalia.\n2,No se observa neumotórax ni derrame.\n", "utf-8")
    res = cli("label", src, "-o", tmp_path / "o.jsonl", "--lang", "es", "--encoding", encoding)
    assert res.exit_code == 1 and "is UTF-8" in res.output and "line 3" in res.output and "Drop --encoding" in res.output
    assert not (tmp_path / "o.jsonl").exists()
    src.write_bytes("report_id,text\n1,No se observa neumotórax.\n".encode("cp1252"))  # really cp1252: fine
    assert cli("label", src, "-o", tmp_path / "o.jsonl", "--lang", "es", "--encoding", "cp1252").exit_code == 0


@pytest.mark.parametrize("values,stored", [([b"Cardiomegalia.", b"Sin hallazgos."], "binary"),
                                           ([1, 2], "int64"), ([["Cardiomegalia."], ["Sin", "hallazgos."]], "list")])
def test_class11_parquet_text_that_is_not_text_is_refused(cli, tmp_path, values, stored):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"report_id": ["a", "b"], "text": values}), tmp_path / "r.parquet")
    res = cli("label", tmp_path / "r.parquet", "-o", tmp_path / "o.jsonl", "--lang", "es")
    assert res.exit_code == 1 and f"stored as {stored}" in res.output and "Traceback" not in res.output, res.output
