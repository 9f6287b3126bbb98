"""Bad inputs through ``rxlabel match``: each reported with its reason, the rest of the batch goes on,
and every image file and every report ends in exactly one table."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

import pytest

from rxlabel.matcher import synth
from tests.robustness.conftest import read_csv

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<SESSIONS><SESSION><SESSION_ID>&lol3;</SESSION_ID></SESSION></SESSIONS>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<SESSIONS><SESSION><SESSION_ID>&x;</SESSION_ID></SESSION></SESSIONS>
"""
MALFORMED = b"<?xml version='1.0'?>\n<SESSIONS>\n<SESSION><SESSION_ID>A</SESSION_ID>\n<PATIENT_ID>P</PATIENT_ID></SESS>\n"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("arch")
    a = synth.generate(n_patients=10, seed=7)
    synth.write_archive_dicom(a, root / "dicom")
    synth.write_archive_his(a, root / "his", per_file=100)
    n_reports = sum(len(s["reports"]) for s in a.sessions)
    return root, a, n_reports


def _outputs(out):
    stem = out.with_suffix("")
    tables = {k: read_csv(stem.with_name(stem.name + suffix)) for k, suffix in (
        ("pairs", ".csv"), ("ambiguous", ".ambiguous.csv"), ("unmatched_images", ".unmatched_images.csv"),
        ("unmatched_reports", ".unmatched_reports.csv"))}
    summary = json.loads(stem.with_name(stem.name + ".summary.json").read_text())
    return tables, summary


def _check_accounting(tables, summary, n_files, n_reports_read, n_bad_his):
    images = {r["image_path"] for r in tables["pairs"]} | {r["image_path"] for r in tables["ambiguous"]}
    images_unmatched = [r["path"] for r in tables["unmatched_images"]]
    assert len(images) + len(images_unmatched) == n_files
    assert not images & set(images_unmatched)
    reports = ({r["report_id"] for r in tables["pairs"]} | {r["report_id"] for r in tables["ambiguous"]})
    unmatched = [r for r in tables["unmatched_reports"] if r["report_id"]]
    assert len(reports) + len(unmatched) == n_reports_read
    assert sum(1 for r in tables["unmatched_reports"] if r["reason"].startswith("unreadable_file")) == n_bad_his
    assert summary["files_scanned"] == n_files and summary["his_file_errors"] == n_bad_his


def test_bad_dicom_and_his_files_are_reported_and_the_rest_matched(cli, archive, tmp_path):
    root, a, n_reports = archive
    dicom = tmp_path / "dicom"
    his = tmp_path / "his"
    import shutil

    shutil.copytree(root / "dicom", dicom)
    shutil.copytree(root / "his", his)
    good = sorted(dicom.rglob("*.dcm"))[0].read_bytes()
    (dicom / "truncated.dcm").write_bytes(good[:-20])  # cut inside the pixel data
    (dicom / "header_only.dcm").write_bytes(good[:200])
    (dicom / "notes.txt").write_text("not an image", "utf-8")
    (dicom / "empty.dcm").write_bytes(b"")
    (his / "bomb.xml").write_bytes(BOMB)
    (his / "xxe.xml").write_bytes(XXE)
    (his / "malformed.xml").write_bytes(MALFORMED)
    (his / "empty.xml").write_bytes(b"")
    out = tmp_path / "out" / "pairs.csv"
    res = cli("match", "--dicom", dicom, "--his", his, "-o", out, "--quiet")
    assert res.exit_code == 0, res.output
    assert "bomb.xml:2" in res.output and "refused" in res.output  # the file and line, and what was done
    assert "malformed.xml:4" in res.output
    assert "/etc/passwd" not in (out.parent / "pairs.csv").read_text()
    tables, summary = _outputs(out)
    n_files = len(a.images) + 4
    _check_accounting(tables, summary, n_files, n_reports, n_bad_his=4)
    reasons = {r["path"].rsplit("/", 1)[-1]: r["reason"].split(":")[0] for r in tables["unmatched_images"]}
    assert reasons["truncated.dcm"] == "truncated" and reasons["notes.txt"] == "not_dicom"
    assert reasons["empty.dcm"] == "not_dicom" and reasons["header_only.dcm"] == "not_image"


def test_only_bad_his_files_is_an_answer_not_a_crash(cli, archive, tmp_path):
    root, a, _ = archive
    his = tmp_path / "his"
    his.mkdir()
    (his / "bomb.xml").write_bytes(BOMB)
    out = tmp_path / "pairs.csv"
    res = cli("match", "--dicom", root / "dicom", "--his", his, "-o", out, "--quiet")
    assert res.exit_code == 0, res.output
    tables, summary = _outputs(out)
    assert summary["paired_images"] == 0 and len(tables["unmatched_images"]) == len(a.images)


def _session_xml(sessions, encoding="UTF-8") -> bytes:
    from lxml import etree

    root = etree.fromstring(synth.session_xml(sessions))
    return etree.tostring(root, xml_declaration=True, encoding=encoding)


def test_declared_windows_1258_export_is_read_and_duplicate_ids_reported(cli, tmp_path):
    rng = random.Random(1)
    t = datetime(2021, 3, 1, 9, 0)
    rec = synth._image(rng, {"patient_id": "P1", "study_uid": "2.25.1", "accession": "", "modality": "CR"},
                       t, "", "study", view="PA")
    synth.write_dicom(rec, tmp_path / "dicom" / "a.dcm")
    sess = {"id": "S1", "patient_id": "P1", "check_in": t - timedelta(hours=1), "check_out": t + timedelta(hours=5),
            "reports": [{"id": "R1", "service": synth.CHEST, "time": t + timedelta(hours=2), "offset": None,
                         "text": "Hình tim to."}]}
    his = tmp_path / "his"
    his.mkdir()
    (his / "a_cp1258.xml").write_bytes(_session_xml([sess], "windows-1258"))
    (his / "b_dup.xml").write_bytes(_session_xml([sess]))  # the same report exported twice
    out = tmp_path / "pairs.csv"
    res = cli("match", "--dicom", tmp_path / "dicom", "--his", his, "-o", out, "--quiet")
    assert res.exit_code == 0, res.output
    tables, summary = _outputs(out)
    assert [r["report_id"] for r in tables["pairs"]] == ["R1"]
    assert tables["pairs"][0]["text"] == "Hình tim to."
    dup = tables["unmatched_reports"]
    assert [(r["report_id"], r["reason"].split(":")[0]) for r in dup] == [("R1", "duplicate_report_id")]
    assert "b_dup.xml" in dup[0]["source"]
    assert summary["reports_read"] == 2 == summary["paired_reports"] + summary["unmatched_reports"]


@pytest.mark.parametrize(("minutes", "paired"), [(-30, True), (-180, False), (23 * 60, True), (26 * 60, False)])
def test_clock_skewed_report_times(cli, tmp_path, minutes, paired):
    """A report signed slightly before its study (PACS and HIS clocks disagree) still pairs; far outside does not."""
    rng = random.Random(2)
    t = datetime(2021, 3, 1, 9, 0)
    rec = synth._image(rng, {"patient_id": "P1", "study_uid": "2.25.9", "accession": "", "modality": "CR"},
                       t, "", "study", view="PA")
    synth.write_dicom(rec, tmp_path / "dicom" / "a.dcm")
    sess = {"id": "S1", "patient_id": "P1", "check_in": t - timedelta(hours=4), "check_out": t + timedelta(hours=30),
            "reports": [{"id": "R1", "service": synth.CHEST, "time": t + timedelta(minutes=minutes), "offset": None,
                         "text": "x"}]}
    (tmp_path / "his").mkdir()
    (tmp_path / "his" / "s.xml").write_bytes(_session_xml([sess]))
    out = tmp_path / "pairs.csv"
    res = cli("match", "--dicom", tmp_path / "dicom", "--his", tmp_path / "his", "-o", out, "--quiet")
    assert res.exit_code == 0, res.output
    tables, _ = _outputs(out)
    assert (len(tables["pairs"]) == 1) is paired
    if not paired:
        assert tables["unmatched_images"][0]["reason"].startswith("no_report_in_window")
        assert tables["unmatched_reports"][0]["report_id"] == "R1"


def test_missing_inputs_are_usage_errors(cli, tmp_path):
    res = cli("match", "--his", tmp_path, "-o", tmp_path / "p.csv")
    assert res.exit_code == 2 and "--dicom" in res.output
    res = cli("match", "--dicom", tmp_path / "nope", "--his", tmp_path, "-o", tmp_path / "p.csv")
    assert res.exit_code == 2 and "does not exist" in res.output


def test_convert_a_table_without_image_paths_says_what_it_expected(cli, tmp_path):
    src = tmp_path / "labels.csv"
    src.write_text("report_id,text\n1,x\n", "utf-8")
    res = cli("convert", src, "--out", tmp_path / "png")
    assert res.exit_code == 1 and "image_path" in res.output


def test_undeclared_legacy_encoding_is_read_with_a_warning(cli, tmp_path):
    rng = random.Random(3)
    t = datetime(2021, 3, 1, 9, 0)
    rec = synth._image(rng, {"patient_id": "P1", "study_uid": "2.25.3", "accession": "", "modality": "CR"},
                       t, "", "study", view="PA")
    synth.write_dicom(rec, tmp_path / "dicom" / "a.dcm")
    sess = {"id": "S1", "patient_id": "P1", "check_in": t - timedelta(hours=1), "check_out": t + timedelta(hours=5),
            "reports": [{"id": "R1", "service": synth.CHEST, "time": t + timedelta(hours=2), "offset": None,
                         "text": "Derrame pleural, índice cardiotorácico aumentado"}]}
    (tmp_path / "his").mkdir()
    data = synth.session_xml([sess]).replace(b"encoding='UTF-8'", b"").decode("utf-8").encode("latin-1")
    (tmp_path / "his" / "latin1.xml").write_bytes(data)  # a Windows export that says nothing of its encoding
    out = tmp_path / "pairs.csv"
    res = cli("match", "--dicom", tmp_path / "dicom", "--his", tmp_path / "his", "-o", out, "--quiet")
    assert res.exit_code == 0, res.output
    tables, summary = _outputs(out)
    assert tables["pairs"][0]["text"] == "Derrame pleural, índice cardiotorácico aumentado"
    problems = read_csv(tmp_path / "pairs.problems.csv")
    assert any("latin1.xml" in p["source"] and "encoding" in p["reason"] for p in problems), problems
    assert summary["warnings"] >= 1
