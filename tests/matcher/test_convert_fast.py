"""Issue 18.2: the lookup-table display path equals the per-pixel one, output bytes are fixed for a given
PNG level (whatever --jobs), and the level changes bytes but never pixels."""

import numpy as np
import pandas as pd
import pydicom
import pytest
from PIL import Image
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from rxlabel.imaging import display_lut
from rxlabel.matcher.convert import ConvertOptions, convert_pairs, load_pixels, to_display


def write(path, pixels, sop="", signed=False, **attrs):
    """A minimal uncompressed grey DICOM file; ``sop`` '' leaves the SOP Instance UID out."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    meta.MediaStorageSOPInstanceUID = sop or generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    if sop:
        ds.SOPInstanceUID = sop
    ds.Modality = "DX"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, attrs.pop("photometric", "MONOCHROME2")
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 1 if signed else 0
    for key, value in attrs.items():
        setattr(ds, key, value)
    ds.PixelData = pixels.astype(np.int16 if signed else np.uint16).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def _pixels(seed, shape=(90, 70), lo=0, hi=4095):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    base = lo + (hi - lo) * (0.5 + 0.4 * np.sin(xx / 9.0) * np.cos(yy / 13.0))
    return np.clip(base + rng.normal(0, 30, shape), lo, hi).astype(np.int32)


@pytest.mark.parametrize(("attrs", "signed", "window"), [
    ({}, False, None),                                                      # percentiles
    ({"WindowCenter": 2048, "WindowWidth": 3000}, False, None),              # the file's window
    ({"WindowCenter": 1800, "WindowWidth": 900, "photometric": "MONOCHROME1"}, False, None),
    ({"RescaleSlope": 0.5, "RescaleIntercept": -1024, "WindowCenter": 0, "WindowWidth": 1500}, False, None),
    ({"RescaleSlope": -1, "RescaleIntercept": 4095}, False, None),           # decreasing modality LUT
    ({}, True, None),                                                        # signed, negative values
    ({"WindowCenter": 2048, "WindowWidth": 3000}, False, (1000.0, 1200.0)),  # --window overrides
])
def test_lookup_table_equals_per_pixel_display(tmp_path, attrs, signed, window):
    pixels = _pixels(1, lo=-1500 if signed else 0, hi=1500 if signed else 4095)
    path = write(tmp_path / "x.dcm", pixels, signed=signed, **attrs)
    arr, ds = load_pixels(path)
    reference = to_display(arr, ds, window)
    for bits, scale in ((8, 255), (16, 65535)):
        lut, idx = display_lut(ds.pixel_array, ds, window, bits)
        got = lut[idx].astype(float)
        assert np.abs(got - np.round(reference * scale)).max() <= 1
        assert got.max() > 0.5 * scale  # not a blank image


def _table(tmp_path, n=10):
    paths = [write(tmp_path / "in" / f"{i}.dcm", _pixels(i, (120, 100)), sop=f"1.2.826.0.1.{i}") for i in range(n)]
    return pd.DataFrame({"image_path": [str(p) for p in paths], "sop_uid": [f"1.2.826.0.1.{i}" for i in range(n)],
                         "patient_id": "P", "report_id": [f"r{i}" for i in range(n)]})


def test_bytes_fixed_for_a_level_whatever_the_jobs(tmp_path):
    table = _table(tmp_path)
    runs = {}
    for name, level, jobs in (("a", 1, 1), ("b", 1, 2), ("c", 1, 1), ("d", 9, 1)):
        man = convert_pairs(table, tmp_path / name, ConvertOptions(size=64, png_level=level), jobs=jobs, quiet=True)
        assert man.attrs["counts"] == {"images": 10, "ok": 10, "failed": 0}
        runs[name] = {p: (tmp_path / name / p).read_bytes() for p in man["png"]}
    assert runs["a"] == runs["b"] == runs["c"]
    assert runs["a"] != runs["d"]
    for png in runs["a"]:
        a = np.asarray(Image.open(tmp_path / "a" / png))
        assert a.dtype == np.uint8 and a.shape == (64, 64)
        assert np.array_equal(a, np.asarray(Image.open(tmp_path / "d" / png)))


def test_sixteen_bit_stays_sixteen_bit(tmp_path):
    table = _table(tmp_path, 2)
    man = convert_pairs(table, tmp_path / "o", ConvertOptions(size=48, bits=16), quiet=True)
    img = np.asarray(Image.open(tmp_path / "o" / man.loc[0, "png"]))
    assert img.dtype == np.uint16 and len(np.unique(img)) > 256
