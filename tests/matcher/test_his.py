import unicodedata

import pytest

from rxlabel.matcher.his import is_placeholder_accession, load_mapping, load_services, read_his
from rxlabel.matcher.xmlsafe import XmlInputError, parse_bytes

SESSION = """<?xml version="1.0" encoding="{enc}"?>
<SESSION><SESSION_ID>S1</SESSION_ID><PATIENT_ID>{pid}</PATIENT_ID>
<CHECK_IN_TIME>2020-11-03 07:45:12</CHECK_IN_TIME><CHECK_OUT_TIME>2020-11-03 16:20:03</CHECK_OUT_TIME>
<REPORTS><REPORT><REPORT_ID>R1</REPORT_ID><SERVICE_ID>18.0067.0028</SERVICE_ID>
<REPORT_TIME>2020-11-03 09:12:40</REPORT_TIME><DESCRIPTION>Không thấy tràn dịch màng phổi.</DESCRIPTION>
</REPORT></REPORTS></SESSION>"""


def cp1258(text: str) -> bytes:
    """Windows-1258 stores tone marks as combining characters after the base letter."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            out += unicodedata.normalize("NFC", d[:-1]).encode("cp1258") + d[-1].encode("cp1258")
    return out


def test_shared_samples_read_with_their_defects(shared_data):
    b = read_his(shared_data / "his")
    by_format = {}
    for r in b.reports:
        by_format.setdefault(r.source_format, []).append(r)
    assert {r.report_id for r in by_format["session_export"]} == {"R-5531907", "R-5531911", "R-5532460"}
    first = next(r for r in by_format["session_export"] if r.report_id == "R-5531907")
    assert first.patient_id == "2011030123" and first.session_id == "S20201103-000123"
    assert first.text.startswith("Mô tả hình ảnh:\n- Không thấy") and first.conclusion == "Theo dõi viêm phế quản."
    assert first.check_in.local.hour == 7 and first.report_time.offset_min is None
    cda = {r.report_id: r for r in by_format["cda"]}
    full = cda["2.16.840.1.113883.19.4.27:20060828170821659"]
    assert full.patient_id == "12345" and full.accession == "10523475"
    assert full.study_uids == ("1.2.840.113619.2.62.994044785528.114289542805",)
    assert "Findings" in full.text
    frag = next(r for r in by_format["cda"] if r is not full)
    assert frag.patient_id == "" and "Cardiomegaly" in frag.text and frag.study_time.offset_min == -300
    oru = {r.report_id: r for r in by_format["hl7v2"]}
    sr = oru["1001129"]
    assert sr.patient_id == "PID_1" and is_placeholder_accession(sr.accession)
    assert sr.study_uids == ("1.2.392.200036.9125.0.198811291108.7",) and "bronchopneumonia" in sr.text
    emb = oru["1001127"]
    assert "Chest" in emb.text or "lung" in emb.text.lower()
    warnings = "\n".join(str(p) for p in b.problems)
    assert "Namespace prefix xsi" in warnings  # the CDA fragment's undeclared prefix: reported, still read
    assert "different study UIDs" in warnings
    assert "disagrees with title" in warnings
    assert not [p for p in b.problems if p.level == "error"]


def test_malformed_xml_names_file_and_line_and_batch_goes_on(tmp_path):
    (tmp_path / "a_good.xml").write_text(SESSION.format(enc="UTF-8", pid="P1"), "utf-8")
    (tmp_path / "b_bad.xml").write_text("<SESSIONS>\n<SESSION>\n<PATIENT_ID>P2</PATIENT_ID>\n</SESSIONS>\n", "utf-8")
    b = read_his(tmp_path)
    assert [r.report_id for r in b.reports] == ["R1"]
    err = [p for p in b.problems if p.level == "error"]
    assert len(err) == 1 and err[0].source.endswith("b_bad.xml") and err[0].line == 4
    assert "malformed XML" in err[0].reason


def test_entity_bomb_and_external_entities_refused(tmp_path):
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE l [\n<!ENTITY a "aaaaaaaaaa">\n'
            + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">\n' for p, c in zip("abcdefgh", "bcdefghi", strict=True))
            + "]>\n<SESSION><PATIENT_ID>&i;</PATIENT_ID></SESSION>")
    with pytest.raises(XmlInputError, match="entities"):
        parse_bytes(bomb.encode(), "bomb.xml")
    xxe = b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>'
    with pytest.raises(XmlInputError, match="external DTD"):
        parse_bytes(xxe, "xxe.xml")
    (tmp_path / "bomb.xml").write_text(bomb, "utf-8")
    b = read_his(tmp_path)
    assert not b.reports and b.problems[0].level == "error" and "refused" in b.problems[0].reason


def test_windows_1258_declared_or_not(tmp_path):
    (tmp_path / "declared.xml").write_bytes(cp1258(SESSION.format(enc="windows-1258", pid="P1")))
    (tmp_path / "undeclared.xml").write_bytes(cp1258(SESSION.format(enc="UTF-8", pid="P2")).replace(b"R1", b"R2"))
    b = read_his(tmp_path)
    texts = {r.report_id: r.text for r in b.reports}
    assert texts == {"R1": "Không thấy tràn dịch màng phổi.", "R2": "Không thấy tràn dịch màng phổi."}
    assert any("windows-1258" in p.reason for p in b.problems)


def test_report_without_patient_id_is_read_and_flagged_later(tmp_path):
    (tmp_path / "s.xml").write_text(SESSION.format(enc="UTF-8", pid=""), "utf-8")
    b = read_his(tmp_path)
    assert len(b.reports) == 1 and b.reports[0].patient_id == ""


def test_custom_mapping_reads_another_schema_without_code(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "name: other_his\nsession: //visit\nsession_fields:\n  patient_id: '@patient'\n  session_id: '@id'\n"
        "report: exam\nreport_fields:\n  report_id: '@no'\n  report_time: signed\n  text: findings\n"
        "  service_id: '@code'\ntime_format: '%d/%m/%Y %H:%M'\n", "utf-8")
    (tmp_path / "x.xml").write_text(
        '<export><visit id="V9" patient="123"><exam no="E1" code="CXR"><signed>03/11/2020 09:12</signed>'
        "<findings>Normal.</findings></exam></visit></export>", "utf-8")
    b = read_his(tmp_path / "x.xml", tmp_path / "m.yaml")
    (r,) = b.reports
    assert (r.report_id, r.patient_id, r.session_id, r.service_id, r.text) == ("E1", "123", "V9", "CXR", "Normal.")
    assert r.report_time.local.hour == 9


def test_bad_mapping_is_a_clear_error(tmp_path):
    (tmp_path / "m.yaml").write_text("session: //v\nreport: r\nreport_fields:\n  colour: x\n", "utf-8")
    with pytest.raises(ValueError, match="unknown field 'colour'"):
        load_mapping(tmp_path / "m.yaml")
    (tmp_path / "n.yaml").write_text("session: '//v['\nreport: r\nreport_fields: {}\n", "utf-8")
    with pytest.raises(ValueError, match="invalid XPath"):
        load_mapping(tmp_path / "n.yaml")


def test_hl7_v2_lf_and_cr_line_ends_and_bad_message(tmp_path):
    msg = ("MSH|^~\\&|RIS|H|PACS|H|20201103101500||ORU^R01|M1|P|2.5.1\r"
           "PID|||P77^^^H||Doe^J\rOBR|1||F1|36643-5^XR Chest 2 Views^LN|||20201103091000|||||||||||ACC9||||20201103101500\r"
           "OBX|1|TX|18782-3^Findings^LN||No pleural effusion.||||||F\r")
    (tmp_path / "cr.hl7").write_text(msg, "latin-1")
    (tmp_path / "lf.hl7").write_text(msg.replace("\r", "\n").replace("M1", "M2"), "latin-1")
    (tmp_path / "bad.hl7").write_text("MSH|^~\\&|X|Y|||||ADT^A01|M3|P|2.5\rPID|||9\r", "latin-1")
    b = read_his(tmp_path)
    got = {r.report_id: r for r in b.reports}
    assert set(got) == {"M1", "M2"}
    assert got["M1"].patient_id == "P77" and got["M1"].accession == "ACC9" and got["M1"].service_id == "36643-5"
    assert got["M1"].study_time.local.hour == 9 and got["M1"].text == "No pleural effusion."
    assert any(p.level == "error" and "not ORU" in p.reason for p in b.problems)


def test_service_allow_list_file(tmp_path):
    assert "18.0067.0028" in load_services()
    (tmp_path / "s.txt").write_text("# ours\nXQ-NGUC  # chest\n\n", "utf-8")
    assert load_services(tmp_path / "s.txt") == frozenset({"XQ-NGUC"})
