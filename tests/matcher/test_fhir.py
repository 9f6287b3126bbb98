"""FHIR R4 DiagnosticReport reading (JSON Bundle, NDJSON bulk export), HL7 v2 escapes and CDA narrative structure."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from rxlabel.cli import main
from rxlabel.matcher import synth
from rxlabel.matcher.his import read_his

DATA = Path(__file__).parent / "data"


def test_fhir_bundle_fields():
    b = read_his(DATA / "fhir_bundle_reports.json")
    got = {r.report_id: r for r in b.reports}
    assert set(got) == {"dr-vi-1", "dr-es-2"}  # the entered-in-error report is listed, not read
    assert any(p.level == "error" and "entered-in-error" in p.reason for p in b.problems)
    vi = got["dr-vi-1"]
    assert vi.patient_id == "2011030123"  # the MR identifier, not the first one
    assert vi.study_uids == ("1.2.826.0.1.3680043.8.498.10123",) and vi.accession == "ACC-20201103-77"
    assert vi.text.splitlines()[1] == "- Không thấy tràn dịch màng phổi."
    assert vi.conclusion == "Hình ảnh phổi bình thường." and vi.service_id == "18.0067.0028"
    assert (vi.report_time.local.hour, vi.report_time.offset_min) == (9, 420)
    assert vi.study_time.local.minute == 42
    es = got["dr-es-2"]
    assert es.patient_id == "NHC-5512" and es.study_uids == ("1.2.826.0.1.3680043.8.498.20456",)
    assert es.text == "Hallazgos:\n- Derrame pleural derecho.\n- Sin neumotórax."
    assert es.service_name == "RX TORAX PA Y LAT" and es.study_time.offset_min == 60


def test_fhir_bad_lines_and_non_fhir_json_are_reported_not_skipped(tmp_path):
    shutil.copy(DATA / "fhir_bundle_reports.json", tmp_path / "a.json")
    (tmp_path / "b.ndjson").write_text('{"resourceType": "DiagnosticReport", "id": "x1", "status": "final"}\n'
                                       '{"resourceType": "Diagnos\n', "utf-8")
    (tmp_path / "c.json").write_text('{"hello": "world"}', "utf-8")
    (tmp_path / "notes.md").write_text("# export notes", "utf-8")
    b = read_his(tmp_path)
    assert {r.report_id for r in b.reports} == {"dr-vi-1", "dr-es-2", "x1"}
    errs = {(Path(p.source).name, p.line) for p in b.problems if p.level == "error"}
    assert ("b.ndjson", 2) in errs and ("c.json", 1) in errs
    assert any(Path(p.source).name == "notes.md" for p in b.problems)  # reported as skipped
    assert b.files == 4


@pytest.mark.parametrize("bundle", [False, True], ids=["ndjson-bulk", "bundle"])
def test_fhir_export_matches_like_the_session_xml(tmp_path, bundle):
    a = synth.generate(60, seed=33)
    synth.write_archive_dicom(a, tmp_path / "dicom")
    synth.write_archive_his(a, tmp_path / "xml", per_file=25)
    files = synth.write_archive_fhir(a, tmp_path / "fhir", bundle=bundle)
    assert len(files) == (1 if bundle else 4)
    runner = CliRunner()
    out = {}
    for name in ("xml", "fhir"):
        r = runner.invoke(main, ["match", "--dicom", str(tmp_path / "dicom"), "--his", str(tmp_path / name),
                                 "-o", str(tmp_path / f"{name}.csv"), "--quiet"])
        assert r.exit_code == 0, r.output
        out[name] = pd.read_csv(tmp_path / f"{name}.csv", dtype=str, keep_default_na=False)
    key = ["sop_uid", "report_id", "rule"]
    assert len(out["xml"]) > 20
    assert out["fhir"][key].sort_values(key).values.tolist() == out["xml"][key].sort_values(key).values.tolist()
    s_xml = json.loads((tmp_path / "xml.summary.json").read_text())
    s_fhir = json.loads((tmp_path / "fhir.summary.json").read_text())
    assert s_fhir["reports_read"] == s_xml["reports_read"]


def test_hl7_v2_escapes_are_resolved():
    (r,) = read_his(DATA / "oru_escapes.hl7").reports
    assert r.text.splitlines() == ["Heart size normal & lungs clear.", "No effusion | no pneumothorax.",
                                   "Không thấy tràn dịch.", "Ratio ^ 0.45"]
    assert "\\" not in r.text


def test_cda_narrative_keeps_lists_paragraphs_and_breaks():
    (r,) = read_his(DATA / "cda_vi_bullets.xml").reports
    assert r.text.splitlines() == [
        "Mô tả hình ảnh:", "- Không thấy tràn dịch màng phổi.", "- Bóng tim không to.",
        "- Vòm hoành hai bên đều, góc sườn hoành nhọn.", "Kết luận:", "Hình ảnh phổi bình thường.",
        "Đề nghị theo dõi", "sau 6 tháng."]
    assert r.study_uids == ("1.2.826.0.1.3680043.8.498.30789",) and r.patient_id == "2011030123"
