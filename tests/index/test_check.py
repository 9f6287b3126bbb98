from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from rxlabel.index.build import build_index
from rxlabel.index.check import check_image, check_index
from rxlabel.index.dataset import DatasetSpec, create
from rxlabel.index.experiments import open_searcher
from rxlabel.index.store import load


def _dicom(path: Path) -> Path:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.PatientID = "DX", "p"
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 32, 32, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = (np.arange(32 * 32, dtype=np.uint16) % 4096).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture()
def images(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "img"
    root.mkdir()
    pixels = (np.random.default_rng(0).random((64, 64)) * 255).astype(np.uint8)
    Image.fromarray(pixels).save(root / "good.png")
    Image.fromarray(pixels).save(root / "good.jpg", quality=90)
    data = (root / "good.png").read_bytes()
    (root / "truncated.png").write_bytes(data[: len(data) // 2])
    jpg = (root / "good.jpg").read_bytes()
    (root / "truncated.jpg").write_bytes(jpg[: len(jpg) // 3])
    (root / "text.png").write_text("this is not an image")
    (root / "empty.png").write_bytes(b"")
    _dicom(root / "good.dcm")
    raw = (root / "good.dcm").read_bytes()
    (root / "truncated.dcm").write_bytes(raw[: len(raw) - 1000])
    (root / "notdicom.dcm").write_bytes(b"\0" * 128 + b"DICX" + b"junk")
    return {p.name: p for p in root.iterdir()}


def test_each_kind_of_damage_is_named(images, tmp_path: Path):
    assert check_image(images["good.png"]) is None
    assert check_image(images["good.jpg"]) is None
    assert check_image(images["good.dcm"]) is None
    assert check_image(tmp_path / "nowhere.png") == "missing file"
    assert check_image(images["empty.png"]) == "empty file"
    assert check_image(images["text.png"]).startswith("not an image")
    assert check_image(images["truncated.png"]).startswith("damaged image")
    assert check_image(images["truncated.jpg"]).startswith("damaged image")
    assert check_image(images["truncated.dcm"]).startswith("truncated: the pixel data element declares")
    assert check_image(images["notdicom.dcm"]).startswith("not a DICOM file")


def test_check_records_damage_and_datasets_leave_it_out(images, tmp_path: Path):
    names = sorted(images) + ["missing.png"]
    table = pd.DataFrame({
        "ImageID": names,
        "PatientID": [f"p{i}" for i in range(len(names))],
        "Labels": ["['normal']" if i % 2 else "['nodule']" for i in range(len(names))],
    })
    table.to_csv(tmp_path / "t.csv", index=False)
    build_index(tmp_path / "i.sqlite", padchest=[tmp_path / "t.csv"])
    index = load(tmp_path / "i.sqlite")
    bad = check_index(index, image_root=tmp_path / "img", jobs=2)
    assert set(bad["key"]) == set(names) - {"good.png", "good.jpg", "good.dcm"}
    assert (bad["reason"] != "").all() and len(bad) == 7
    reloaded = load(tmp_path / "i.sqlite")
    assert reloaded.damaged == index.damaged and len(reloaded.damaged) == 7
    searcher, _ = open_searcher(tmp_path / "i.sqlite")
    result = searcher.search("normal OR nodule")
    assert len(result.ids) == 3 and result.excluded_damaged == 7
    assert len(searcher.search("normal OR nodule", include_damaged=True).ids) == 10
    ds = create(searcher, DatasetSpec(name="d", terms=["normal", "nodule"], balance=False, split=[0.5, 0.5]))
    assert set(ds.manifest["image_id"]) <= {"good.png", "good.jpg", "good.dcm"}
    assert ds.counts["damaged_excluded"] == 7
    # Rebuilding the index keeps what the check found.
    build_index(tmp_path / "i.sqlite", padchest=[tmp_path / "t.csv"])
    assert len(load(tmp_path / "i.sqlite").damaged) == 7
