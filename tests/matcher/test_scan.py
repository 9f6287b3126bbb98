import json
import os

from rxlabel.matcher import synth
from rxlabel.matcher.chest import classify
from rxlabel.matcher.scan import read_header, scan


def test_real_chest_files_and_their_defects(shared_data):
    recs = {os.path.basename(r["path"]): r for r in scan(shared_data / "dicom", quiet=True)}
    rg1 = recs["nema_wg04_RG1_J2KI_CR_chest_PA.dcm"]
    assert rg1["status"] == "ok" and rg1["accession"] == "exam Number" and rg1["tz_offset"] == "-0400"
    assert rg1["transfer_syntax"] == "1.2.840.10008.1.2.4.91"
    barre = recs["barre_CR-MONO1-10-chest_via_fo-dicom.dcm"]
    assert barre["status"] == "ok" and "force" in barre["reason"] and barre["acq_date"] == "1993.02.24"
    nih = recs["nih_cxr14_DX_chest_via_nhsx_nccid.dcm"]
    assert nih["status"] == "ok" and nih["patient_id"] == "Covid0000" and nih["study_date"] == ""
    assert recs["PROVENANCE.md"]["status"] == "not_dicom"
    assert classify(rg1).keep and classify(rg1).view == "PA"
    assert classify(nih).keep and classify(nih).view == "unknown"  # no body part, no view: kept for a classifier
    assert classify(nih, lambda path, rec: "AP").keep is False


def _one(tmp_path, **kw):
    a = synth.generate(3, seed=1)
    rec = dict(a.images[0], **kw)
    return synth.write_dicom(rec, tmp_path / "x.dcm", size=64)


def test_truncated_and_non_dicom_are_listed_with_reason(tmp_path):
    p = _one(tmp_path)
    data = p.read_bytes()
    (tmp_path / "cut.dcm").write_bytes(data[: len(data) - 1000])
    (tmp_path / "header_cut.dcm").write_bytes(data[:200])
    (tmp_path / "notes.txt").write_text("not an image", "utf-8")
    (tmp_path / "empty.dcm").write_bytes(b"")
    recs = {os.path.basename(r["path"]): r for r in scan(tmp_path, quiet=True)}
    assert recs["x.dcm"]["status"] == "ok"
    assert recs["cut.dcm"]["status"] == "truncated" and "of 4096 bytes" in recs["cut.dcm"]["reason"]
    assert recs["header_cut.dcm"]["status"] in ("unreadable", "not_image", "truncated")
    assert recs["notes.txt"]["status"] == "not_dicom"
    assert recs["empty.dcm"]["status"] == "not_dicom"
    assert read_header(str(tmp_path / "missing.dcm"))["status"] == "unreadable"


def test_directory_loop_is_reported_not_followed(tmp_path):
    _one(tmp_path)
    (tmp_path / "sub").mkdir()
    os.symlink(tmp_path, tmp_path / "sub" / "back_to_top")
    os.symlink(tmp_path / "x.dcm", tmp_path / "sub" / "same_file.dcm")
    recs = scan(tmp_path, quiet=True)
    statuses = sorted(r["status"] for r in recs)
    assert statuses == ["duplicate", "loop", "ok"]


def test_cache_resumes_and_parallel_gives_same_records(tmp_path):
    a = synth.generate(40, seed=3)
    synth.write_archive_dicom(a, tmp_path / "d")
    cache = tmp_path / "cache.jsonl"
    first = scan(tmp_path / "d", cache=cache, quiet=True)
    opened = []
    again = scan(tmp_path / "d", cache=cache, quiet=True, on_record=opened.append)
    assert opened == [] and [r["sop_uid"] for r in again] == [r["sop_uid"] for r in first]
    # A half-written last line (killed run) and a changed file: only that file is read again.
    with open(cache, "a") as fh:
        fh.write('{"path": "trunc')
    changed = a.images[0]["path"]
    synth.write_dicom(dict(a.images[0], accession="NEW1"), changed)
    third = scan(tmp_path / "d", cache=cache, quiet=True, on_record=opened.append)
    assert [r["path"] for r in opened] == [changed]
    assert next(r for r in third if r["path"] == changed)["accession"] == "NEW1"
    par = scan(tmp_path / "d", jobs=2, quiet=True, chunk=8)
    strip = [{k: v for k, v in r.items() if k != "_v"} for r in third]
    assert [json.dumps(r, sort_keys=True) for r in par] == [json.dumps(r, sort_keys=True) for r in strip]
