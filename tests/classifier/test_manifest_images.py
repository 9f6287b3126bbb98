"""Manifest formats and checks; image readers (PNG, 16-bit, DICOM MONOCHROME1 / VOI LUT), masks, cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from rxlabel.classifier.images import (
    ImageReadError,
    crop_to_mask,
    list_images,
    load_prepared,
    read_image,
    rle_to_mask,
)
from rxlabel.classifier.manifest import (
    ManifestError,
    check_trainable,
    read_manifest,
    select_labels,
    to_coarse,
)

DATA = Path(__file__).parents[1] / "data" / "classifier"


def _csv(tmp_path, text, name="m.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_wide_manifest_with_uncertain_and_blank(tmp_path):
    p = _csv(tmp_path, "image_path,patient_id,split,pleura,cardio,view\n"
                       "a.png,P1,train,1,-1,PA\nb.png,P2,VAL,0,,PA\n/abs/c.png,P3,test,-1,1,AP\n")
    m = read_manifest(p)
    assert m.classes == ["pleura", "cardio"]  # the text column 'view' is metadata
    assert m.frame["split"].tolist() == ["train", "valid", "test"]
    assert m.frame["image_path"][0] == str(tmp_path / "a.png") and m.frame["image_path"][2] == "/abs/c.png"
    y, mask = m.targets("mask")
    assert y.tolist() == [[1, 0], [0, 0], [0, 1]] and mask.tolist() == [[1, 0], [1, 0], [0, 1]]
    y1, mask1 = m.targets("one")
    assert y1[0, 1] == 1 and mask1[0, 1] == 1 and mask1[1, 1] == 0  # blank stays unknown
    y0, mask0 = m.targets("zero")
    assert y0[2, 0] == 0 and mask0[2, 0] == 1


def test_labels_column_and_class_column(tmp_path):
    p = _csv(tmp_path, "image_path,patient_id,split,labels,uncertain\n"
                       "a.png,P1,train,pleura;cardio,\nb.png,P2,train,,pleura\nc.png,P3,valid,cardio,\n")
    m = read_manifest(p)
    assert m.classes == ["cardio", "pleura"]
    assert m.labels.tolist() == [[1, 1], [0, -1], [1, 0]]
    q = _csv(tmp_path, "image_path,patient_id,split,class,findings\n"
                       "a.png,P1,train,nodular,nodule\nb.png,P2,train,linear,laminar atelectasis\n", "q.csv")
    mq = read_manifest(q)
    assert mq.classes == ["linear", "nodular"] and mq.labels.tolist() == [[0, 1], [1, 0]]


def test_manifest_errors_name_file_row_and_remedy(tmp_path):
    with pytest.raises(ManifestError, match=r"m\.csv: missing column\(s\) split"):
        read_manifest(_csv(tmp_path, "image_path,patient_id,x\na,b,1\n"))
    with pytest.raises(ManifestError, match="row 3: unknown split 'holdout'"):
        read_manifest(_csv(tmp_path, "image_path,patient_id,split,a\nx,P,train,1\ny,Q,holdout,0\n"))
    with pytest.raises(ManifestError, match="no label columns"):
        read_manifest(_csv(tmp_path, "image_path,patient_id,split\nx,P,train\n"))
    no_pos = read_manifest(_csv(tmp_path, "image_path,patient_id,split,a,b\nx,P,train,1,0\ny,Q,train,0,0\n"
                                          "z,R,valid,1,1\n"))
    with pytest.raises(ManifestError, match="class 'b' has no positive image in the train split"):
        check_trainable(no_pos)
    leak = read_manifest(_csv(tmp_path, "image_path,patient_id,split,a\nx,P,train,1\ny,P,valid,0\nz,Q,train,0\n"))
    with pytest.raises(ManifestError, match="disjoint by patient"):
        check_trainable(leak)


def test_min_positives_drops_rare_classes_with_report(tmp_path):
    rows = ["image_path,patient_id,split,common,rare"]
    rows += [f"i{i}.png,P{i},train,{int(i % 2 == 0)},{int(i == 0)}" for i in range(10)]
    m = select_labels(read_manifest(_csv(tmp_path, "\n".join(rows) + "\n")), 3)
    assert m.classes == ["common"] and m.dropped == {"rare": 1}
    with pytest.raises(ManifestError, match="lower --min-positives"):
        select_labels(m, 50)


def test_coarse_task_maps_chexpert_columns(tmp_path):
    p = _csv(tmp_path, "image_path,patient_id,split,Cardiomegaly,Edema,Support Devices\n"
                       "a,P1,train,1,0,0\nb,P2,train,0,-1,1\n")
    m = to_coarse(read_manifest(p))
    assert m.classes[-1] == "abnormal"
    row = dict(zip(m.classes, m.labels[1], strict=True))
    assert row["parenchyma"] == -1 and row["abnormal"] == 1 and row["cardio"] == 0
    with pytest.raises(ManifestError, match="--task fine"):
        to_coarse(read_manifest(_csv(tmp_path, "image_path,patient_id,split,nodular\na,P,train,1\n", "n.csv")))


def test_png_and_16bit_png(tmp_path):
    img = read_image(DATA / "00000001_000.png")
    assert img.shape == (512, 512) and img.dtype == np.float32 and 0 <= img.min() < img.max() <= 1
    arr = (np.linspace(0, 4095, 64 * 64).reshape(64, 64) * 16).astype(np.uint16)
    Image.fromarray(arr).save(tmp_path / "deep.png")
    deep = read_image(tmp_path / "deep.png")
    assert deep.max() == pytest.approx(arr.max() / 65535, rel=1e-4)
    assert len(np.unique(deep)) > 256  # 16-bit precision kept, not squashed to 8 bits


def test_dicom_monochrome1_is_inverted(tmp_path):
    import pydicom
    mono1 = read_image(DATA / "Fake_MONOHR1.dcm")
    ds = pydicom.dcmread(DATA / "Fake_MONOHR1.dcm")
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.save_as(tmp_path / "mono2.dcm")
    mono2 = read_image(tmp_path / "mono2.dcm")
    assert mono1.shape == mono2.shape == (1024, 1024)
    np.testing.assert_allclose(mono1, 1.0 - mono2, atol=1e-6)


def test_dicom_16bit_with_window(tmp_path):
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID
    arr = np.tile(np.arange(0, 4096, 64, dtype=np.uint16), (8, 1))
    ds.Rows, ds.Columns = arr.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.WindowCenter, ds.WindowWidth = 2048, 1024  # only 1536..2560 is shown
    ds.PixelData = arr.tobytes()
    ds.save_as(tmp_path / "w.dcm", enforce_file_format=True)
    out = read_image(tmp_path / "w.dcm")
    assert out[0, 0] == 0.0 and out[0, -1] == 1.0
    inside = (arr[0] > 1600) & (arr[0] < 2500)
    assert np.all(np.diff(out[0, inside]) > 0)  # graded within the window
    assert np.all(out[0, arr[0] < 1500] == 0.0)  # clipped below it


def test_unreadable_and_missing_files_raise_clear_errors(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(ImageReadError, match="broken.png: not a readable image"):
        read_image(bad)
    with pytest.raises(ImageReadError, match="file not found"):
        read_image(tmp_path / "gone.dcm")
    (tmp_path / "x.dcm").write_bytes(b"garbage" * 10)
    with pytest.raises(ImageReadError, match="x.dcm: not a DICOM file"):
        read_image(tmp_path / "x.dcm")


def test_rle_mask_crop_and_cache(tmp_path):
    mask = rle_to_mask("6 2 10 3", 4, 4)  # 1-based starts, row-major
    assert mask.astype(int).tolist() == [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 1], [0, 0, 0, 0]]
    img = np.arange(100, dtype=np.float32).reshape(10, 10) / 100
    big = np.zeros((20, 20), bool)
    big[4:10, 6:16] = True  # mask at twice the image's resolution
    crop = crop_to_mask(img, big, margin=0.0)
    assert crop.shape == (3, 5) and crop[0, 0] == img[2, 3]
    src = tmp_path / "a.png"
    Image.fromarray((img * 255).astype(np.uint8)).save(src)
    first = load_prepared(src, 8, tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 1
    np.testing.assert_allclose(load_prepared(src, 8, tmp_path / "cache"), first, atol=1 / 65535)
    assert list_images(tmp_path) == [src]
