"""Issue 13, class 13: a file that failed for a reason of the moment (no read permission, I/O) is read
again on the next run; the scan cache keeps only outcomes that depend on the file's bytes."""

from __future__ import annotations

import builtins
import random
from datetime import datetime

import pytest

from rxlabel.matcher import scan as scan_module
from rxlabel.matcher import synth


def _dicom(tmp_path):
    rec = synth._image(random.Random(1), {"patient_id": "P1", "study_uid": "2.25.1", "accession": "",
                                          "modality": "CR"}, datetime(2021, 3, 1, 9, 0), "", "study", view="PA")
    target = tmp_path / "dicom" / "a.dcm"
    synth.write_dicom(rec, target)
    return target


@pytest.mark.parametrize("error", [PermissionError(13, "Permission denied"), OSError(5, "Input/output error")])
def test_class13_a_transient_read_error_is_retried_not_cached_as_final(tmp_path, monkeypatch, error):
    target = _dicom(tmp_path)
    cache = tmp_path / "scan.jsonl"
    real_open = builtins.open

    def failing_open(path, *args, **kwargs):
        if str(path) == str(target):
            raise error
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(scan_module, "open", failing_open, raising=False)
    first = [r for r in scan_module.scan(tmp_path / "dicom", cache=cache, quiet=True) if r["path"] == str(target)]
    assert first[0]["status"] == "unreadable" and first[0]["reason"].startswith("cannot read")
    monkeypatch.undo()  # the permission is fixed; same path, size and mtime
    second = [r for r in scan_module.scan(tmp_path / "dicom", cache=cache, quiet=True) if r["path"] == str(target)]
    assert second[0]["status"] == "ok", second[0]


def test_class13_outcomes_of_the_bytes_stay_cached(tmp_path, monkeypatch):
    bad = tmp_path / "dicom" / "x.dcm"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"not a dicom file at all, just text")
    cache = tmp_path / "scan.jsonl"
    assert scan_module.scan(tmp_path / "dicom", cache=cache, quiet=True)[0]["status"] == "not_dicom"
    calls = []
    monkeypatch.setattr(scan_module, "_read_many", lambda part: calls.append(part) or [])
    assert scan_module.scan(tmp_path / "dicom", cache=cache, quiet=True)[0]["status"] == "not_dicom"
    assert not calls  # unchanged bytes: not opened again
