"""One DICOM-to-array path: convert's PNG, the classifier's reader and index check see the same pixels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from rxlabel.classifier.images import read_image
from rxlabel.cli import main
from rxlabel.imaging import ImageReadError, is_dicom, read_dicom
from rxlabel.index.check import check_image
from rxlabel.matcher import synth
from rxlabel.matcher.convert import load_pixels, to_display


def _dicom_files(root) -> list:
    files = []
    for folder in (root / "dicom", root / "cxr"):
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*") if p.is_file() and is_dicom(p) and p.suffix != ".md")
    return files


def _convert(files, tmp_path, bits: int = 8) -> list[np.ndarray]:
    pairs = pd.DataFrame({"image_path": [str(f) for f in files], "sop_uid": [f"u{i}" for i in range(len(files))],
                          "patient_id": [f"p{i}" for i in range(len(files))],
                          "report_id": [f"r{i}" for i in range(len(files))]})
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    res = CliRunner().invoke(main, ["convert", str(tmp_path / "pairs.csv"), "--out", str(tmp_path / "png"),
                                    "--size", "0", "--bits", str(bits), "--quiet"])
    assert res.exit_code == 0, res.output
    man = pd.read_csv(tmp_path / "png" / "manifest.csv")
    assert list(man["status"]) == ["ok"] * len(files), man["reason"].tolist()
    top = 255.0 if bits == 8 else 65535.0
    return [np.asarray(Image.open(tmp_path / "png" / p)).astype(np.float64) / top for p in man["png"]]


def test_read_dicom_equals_the_png_convert_writes_on_every_shared_file(shared_data, tmp_path):
    files = _dicom_files(shared_data)
    if not files:
        pytest.skip("no DICOM files under ../shared/data/dicom or cxr")
    for f, png in zip(files, _convert(files, tmp_path), strict=True):
        arr = read_dicom(f)
        assert arr.dtype == np.float32 and arr.shape == png.shape, f
        # 8-bit quantisation: at most half a grey level apart
        assert np.abs(arr - png).max() <= 0.5 / 255 + 1e-6, f
        # the classifier's reader and index check go through the same function
        assert np.array_equal(read_image(f), arr), f
        assert check_image(f) is None, f


def test_a_file_without_a_window_reads_the_same_everywhere(tmp_path):
    """No VOI LUT or window: every path stretches the same percentiles (the paths once disagreed here)."""
    rng = np.random.default_rng(0)
    pixels = (rng.random((64, 80)) * 3000).astype(np.uint16)
    pixels[0, 0] = 4095  # one hot pixel a plain min-max would let set the scale
    path = synth.write_dicom(synth.generate(2, seed=5).images[0], tmp_path / "nowin.dcm", pixels=pixels)
    arr = read_dicom(path)
    raw, ds = load_pixels(path)
    assert "WindowCenter" not in ds and "VOILUTSequence" not in ds
    assert np.array_equal(to_display(raw, ds).astype(np.float32), arr)
    assert np.array_equal(read_image(path), arr)
    assert arr[0, 0] == 1.0 and np.quantile(arr, 0.5) < 0.9
    (png,) = _convert([path], tmp_path, bits=16)
    assert np.abs(arr - png).max() <= 0.5 / 65535 + 1e-6


def test_a_preamble_less_film_is_read_by_every_path(tmp_path, shared_data):
    src = shared_data / "dicom" / "barre_CR-MONO1-10-chest_via_fo-dicom.dcm"
    if not src.is_file():
        pytest.skip("the ACR-NEMA sample is absent")
    bare = tmp_path / "IM0001"  # no suffix, no preamble: what old CR readers export
    bare.write_bytes(src.read_bytes())
    assert bare.read_bytes()[128:132] != b"DICM" and is_dicom(bare)
    assert np.array_equal(read_image(bare), read_dicom(src))
    assert check_image(bare) is None


@pytest.mark.parametrize(("content", "reason"), [
    (b"garbage" * 10, "not a DICOM file"),
    (b"\0" * 128 + b"DICX" + b"junk", "not a DICOM file"),
])
def test_non_dicom_bytes_are_named(tmp_path, content, reason):
    path = tmp_path / "x.dcm"
    path.write_bytes(content)
    with pytest.raises(ImageReadError, match=f"x.dcm: {reason}"):
        read_dicom(path)
    assert check_image(path).startswith(reason)
