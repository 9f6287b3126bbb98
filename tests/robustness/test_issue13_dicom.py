"""Issue 13 classes 12 and 17 for the DICOM tree: a FIFO, socket or device is accounted for and never opened; a
file missing its last bytes is "truncated" in the scan, ``convert`` and ``index check`` (the pixel data element's
declared length against the file's end, read from its header); a wrong transfer syntax is said as such, not as
"truncated"; an invalid StudyDate is "invalid StudyDate 'value' in FILE", not "no StudyDate"."""

from __future__ import annotations

import os
import random
import socket
import threading
from datetime import datetime
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.filebase import DicomFileLike
from pydicom.filewriter import write_dataset, write_file_meta_info
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEGBaseline8Bit, RLELossless

from rxlabel.index.check import check_image
from rxlabel.matcher import synth
from rxlabel.matcher.convert import ConvertOptions, convert_one
from rxlabel.matcher.pipeline import match_records
from rxlabel.matcher.scan import read_header, scan


def _record(**kw) -> dict:
    study = {"patient_id": "P1", "study_uid": "2.25.1", "accession": "", "modality": "CR"}
    rec = synth._image(random.Random(1), study, datetime(2021, 3, 1, 9, 0), "", "study", view="PA")
    return {**rec, **kw}


def _pixels() -> np.ndarray:
    return (np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) % 4096).astype(np.uint16)


def _explicit(path: Path) -> Path:
    return synth.write_dicom(_record(), path, pixels=_pixels())


def _implicit(path: Path) -> Path:
    ds = pydicom.dcmread(_explicit(path))
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)
    return path


def _rle(path: Path) -> Path:  # encapsulated (compressed) pixel data: fragments and a sequence delimiter
    ds = pydicom.dcmread(_explicit(path))
    ds.compress(RLELossless)
    ds.save_as(path, enforce_file_format=True)
    return path


def _write_mixed(ds, path: Path, meta_syntax: str, implicit: bool) -> Path:
    """The file meta says ``meta_syntax``; the data set is written implicit or explicit VR regardless."""
    with open(path, "wb") as fh:
        fp = DicomFileLike(fh)
        fp.write(b"\0" * 128 + b"DICM")
        meta = ds.file_meta.copy()
        meta.TransferSyntaxUID = meta_syntax
        write_file_meta_info(fp, meta, enforce_standard=True)
        fp.is_implicit_VR, fp.is_little_endian = implicit, True
        write_dataset(fp, ds)
    return path


def _no_hang(fn, seconds: float = 60.0):
    """Run ``fn`` in a thread; fail (instead of hanging the suite) if it blocks, as opening a FIFO would."""
    out: dict = {}
    worker = threading.Thread(target=lambda: out.setdefault("value", fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "blocked: a special file was opened"
    return out["value"]


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    return s


def _device(path: Path) -> None:  # a link to /dev/zero: a device that never ends (mknod needs privileges)
    os.symlink("/dev/zero", path)


@pytest.mark.parametrize("make,kind", [(_fifo, "named pipe (FIFO)"), (_socket, "socket"),
                                       (_device, "character device")])
def test_class12_a_special_file_in_the_dicom_tree_is_accounted_for_and_never_opened(tmp_path, make, kind):
    root = tmp_path / "dicom"
    _explicit(root / "a.dcm")
    keep = make(root / "b.dcm")  # noqa: F841 - a socket exists while its object lives
    records = _no_hang(lambda: scan(root, quiet=True))
    by_name = {Path(r["path"]).name: r for r in records}
    assert set(by_name) == {"a.dcm", "b.dcm"}
    assert by_name["b.dcm"]["status"] == "not_a_file" and kind in by_name["b.dcm"]["reason"]
    assert "never" in by_name["b.dcm"]["reason"] or "without opening" in by_name["b.dcm"]["reason"]
    direct = _no_hang(lambda: read_header(str(root / "b.dcm")))
    assert direct["status"] == "not_a_file"
    res = match_records(records, [])  # the match step's accounting: the special file is an unmatched input
    assert res.summary["files_scanned"] == 2
    assert any(r["path"].endswith("b.dcm") and r["reason"].startswith("not_a_file") for _, r in
               res.unmatched_images.iterrows())


@pytest.mark.parametrize("write", [_explicit, _implicit, _rle], ids=["explicit", "implicit", "encapsulated"])
@pytest.mark.parametrize("cut", [1, 2, 9])
def test_class12_a_dicom_missing_its_last_bytes_is_truncated_everywhere(tmp_path, write, cut):
    good = write(tmp_path / "good.dcm")
    assert read_header(str(good))["status"] == "ok"
    bad = tmp_path / "cut.dcm"
    bad.write_bytes(good.read_bytes()[:-cut])
    rec = read_header(str(bad))
    assert rec["status"] == "truncated" and rec["reason"].startswith("truncated"), rec["reason"]
    converted = convert_one(str(bad), str(tmp_path / "cut.png"), ConvertOptions(size=32))
    assert converted["status"] == "failed" and "truncated" in converted["reason"], converted["reason"]
    assert check_image(bad).startswith("truncated"), check_image(bad)


def _compressed_syntax_raw_pixels(path: Path) -> Path:
    return _write_mixed(pydicom.dcmread(_explicit(path)), path, JPEGBaseline8Bit, implicit=False)


def _native_syntax_compressed_pixels(path: Path) -> Path:
    ds = pydicom.dcmread(_rle(path))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    with open(path, "wb") as fh:  # pydicom refuses to write it: assemble it as a broken exporter would
        fp = DicomFileLike(fh)
        fp.write(b"\0" * 128 + b"DICM")
        write_file_meta_info(fp, ds.file_meta, enforce_standard=True)
        fp.is_implicit_VR, fp.is_little_endian = False, True
        write_dataset(fp, ds)
    return path


@pytest.mark.parametrize("write,says", [
    (_compressed_syntax_raw_pixels, "JPEG Baseline"),
    (_native_syntax_compressed_pixels, "Explicit VR Little Endian"),
], ids=["compressed-syntax-raw-pixels", "native-syntax-encapsulated-pixels"])
def test_class17_a_wrong_transfer_syntax_is_said_not_truncated(tmp_path, write, says):
    path = write(tmp_path / "x.dcm")
    rec = read_header(str(path))
    assert rec["status"] == "wrong_syntax" and "truncated" not in rec["reason"], rec["reason"]
    assert rec["reason"].startswith("wrong transfer syntax") and says in rec["reason"]
    converted = convert_one(str(path), str(tmp_path / "x.png"), ConvertOptions(size=32))
    assert "wrong transfer syntax" in converted["reason"] and "truncated" not in converted["reason"]
    assert check_image(path).startswith("wrong transfer syntax")


@pytest.mark.parametrize("meta,implicit,found", [(ExplicitVRLittleEndian, True, "implicit VR"),
                                                 (ImplicitVRLittleEndian, False, "explicit VR")])
def test_class17_a_data_set_in_another_vr_encoding_than_declared_is_warned(tmp_path, meta, implicit, found):
    """pydicom reads it (it detects the VR encoding), so it stays usable; the scan says what is wrong."""
    path = _write_mixed(pydicom.dcmread(_explicit(tmp_path / "x.dcm")), tmp_path / "x.dcm", meta, implicit)
    rec = read_header(str(path))
    assert rec["status"] == "ok"
    assert rec["reason"].startswith("wrong transfer syntax") and f"data set is {found}" in rec["reason"]
    assert convert_one(str(path), str(tmp_path / "x.png"), ConvertOptions(size=32))["status"] == "ok"


@pytest.mark.parametrize("value", ["20211350", "2021-13-01", "garbage", "00000000"])
def test_class17_an_invalid_study_date_is_named_with_its_value_and_file(tmp_path, value):
    path = synth.write_dicom(_record(study_date=value, acq_datetime="", content_date=""), tmp_path / "x.dcm")
    rec = read_header(str(path))
    assert rec["status"] == "ok" and rec["study_date"] == value
    res = match_records([rec], [])
    warnings = res.warnings["reason"].tolist()
    assert any(f"invalid StudyDate {value!r} in {path}" in w for w in warnings), warnings
    assert not any(w.startswith("no StudyDate") for w in warnings), warnings
    reason = res.unmatched_images["reason"].iloc[0]
    assert reason.startswith(f"no_study_time: invalid StudyDate {value!r} in {path}"), reason


def test_class17_an_invalid_study_date_with_a_usable_content_date_says_where_the_time_came_from(tmp_path):
    path = synth.write_dicom(_record(study_date="20211350", acq_datetime="", content_date="20210301",
                                     content_time="091500"), tmp_path / "x.dcm")
    warnings = match_records([read_header(str(path))], []).warnings["reason"].tolist()
    assert any(w.startswith("invalid StudyDate '20211350'; study time taken from ContentDate") for w in warnings), \
        warnings


def test_class17_disk_full_during_convert_is_one_message_not_every_image_failed(cli, tmp_path, monkeypatch):
    import errno

    a = synth.generate(n_patients=6, seed=5)
    synth.write_archive_dicom(a, tmp_path / "dicom")
    synth.write_archive_his(a, tmp_path / "his", per_file=100)
    assert cli("match", "--dicom", tmp_path / "dicom", "--his", tmp_path / "his", "-o", tmp_path / "pairs.csv",
               "--quiet").exit_code == 0
    from PIL import Image

    real, calls = Image.Image.save, {"n": 0}

    def fills_up(self, fp, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:  # the disk fills after two images, part way through the third
            Path(fp).write_bytes(b"\x89PNG half")
            raise OSError(errno.ENOSPC, "No space left on device", str(fp))
        return real(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", fills_up)
    res = cli("convert", tmp_path / "pairs.csv", "--out", tmp_path / "png", "--size", "16", "--quiet")
    assert res.exit_code == 1 and "No space left on device" in res.output and "Traceback" not in res.output
    assert "failed:" not in res.output  # not one 'failed' line per remaining image
    assert not (tmp_path / "png" / "manifest.csv").exists()
    assert not list((tmp_path / "png").glob("*.partial*"))
    monkeypatch.undo()  # space freed: the re-run converts everything
    again = cli("convert", tmp_path / "pairs.csv", "--out", tmp_path / "png", "--size", "16", "--quiet")
    assert again.exit_code == 0 and (tmp_path / "png" / "manifest.csv").exists(), again.output


def test_class12_a_scan_cache_of_the_earlier_check_is_not_trusted(tmp_path):
    """The earlier scan recorded a file missing its last byte as 'ok'; its cache entries are read again."""
    import json

    good = _explicit(tmp_path / "dicom" / "a.dcm")
    good.write_bytes(good.read_bytes()[:-1])
    st = good.stat()
    old = {**read_header(str(good)), "status": "ok", "reason": "", "size": st.st_size, "mtime_ns": st.st_mtime_ns,
           "_v": 1}
    (tmp_path / "scan.jsonl").write_text(json.dumps(old) + "\n", "utf-8")
    (rec,) = scan(tmp_path / "dicom", cache=tmp_path / "scan.jsonl", quiet=True)
    assert rec["status"] == "truncated"


def test_class12_chroma_subsampled_native_pixels_are_not_called_short(tmp_path):
    """A guard: YBR_FULL_422 stores 2 bytes a pixel for 3 samples; the size check must not call it corrupt."""
    path = synth.write_dicom(_record(), tmp_path / "x.dcm", pixels=np.zeros((16, 16), dtype=np.uint8))
    ds = pydicom.dcmread(path)
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "YBR_FULL_422", 0
    ds.PixelData = bytes(16 * 16 * 2)
    ds.save_as(path, enforce_file_format=True)
    assert read_header(str(path))["status"] == "ok"
