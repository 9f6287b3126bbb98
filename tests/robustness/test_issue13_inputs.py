"""Issue 13 classes 11, 12 and 17 for HIS exports: every file under an input root is read or reported (a
symlinked folder included); UTF-16 XML (Windows tools) is read, not 'neither XML nor HL7'; an XML or HL7 file
whose declared encoding disagrees with its bytes is read the one way that can be right, or refused when none can."""

from __future__ import annotations

import os

import pytest

from rxlabel.matcher import synth
from rxlabel.matcher.his import read_his


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    root = tmp_path_factory.mktemp("his12")
    a = synth.generate(n_patients=6, seed=11)
    files = synth.write_archive_his(a, root / "src", per_file=3)
    return a, files


def test_class12_a_symlinked_folder_of_exports_is_read(tmp_path, exports):
    a, files = exports
    (tmp_path / "his").mkdir()
    (tmp_path / "elsewhere").mkdir()
    for i, f in enumerate(files):
        target = (tmp_path / "his" if i % 2 else tmp_path / "elsewhere") / f.name
        target.write_bytes(f.read_bytes())
    os.symlink(tmp_path / "elsewhere", tmp_path / "his" / "2021")  # how a share is mounted into the export
    os.symlink(tmp_path / "his", tmp_path / "elsewhere" / "loop")  # and a link back up never loops
    batch = read_his(tmp_path / "his")
    assert batch.files == len(files)
    assert len({r.report_id for r in batch.reports}) == sum(len(s["reports"]) for s in a.sessions)


@pytest.mark.parametrize("encoding,declared", [("utf-16", "UTF-16"), ("utf-16", None)])
def test_class17_utf16_xml_is_read(tmp_path, exports, encoding, declared):
    a, files = exports
    text = files[0].read_bytes().decode("utf-8")
    text = text.replace("encoding='UTF-8'", f"encoding='{declared}'" if declared else "")
    text = text.replace('encoding="UTF-8"', f'encoding="{declared}"' if declared else "")
    (tmp_path / "x.xml").write_bytes(text.encode(encoding))  # with a BOM, as Windows tools write it
    batch = read_his(tmp_path / "x.xml")
    assert not [p for p in batch.problems if p.level == "error"], batch.problems
    want = read_his(files[0])
    assert [(r.report_id, r.text) for r in batch.reports] == [(r.report_id, r.text) for r in want.reports]


def test_class17_utf16_xml_with_an_external_entity_is_still_refused(tmp_path):
    """A guard, not a new case: transcoding UTF-16 must not open a way around the XML safety checks."""
    xxe = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           "<SESSIONS><SESSION><SESSION_ID>&x;</SESSION_ID></SESSION></SESSIONS>\n")
    (tmp_path / "x.xml").write_bytes(xxe.encode("utf-16"))
    batch = read_his(tmp_path / "x.xml")
    assert not batch.reports and any(p.level == "error" for p in batch.problems)
    assert "root:" not in str(batch.problems)  # /etc/passwd never read


def _declared(text: str, encoding: str | None) -> str:
    """The export with its XML declaration saying ``encoding`` (none when None)."""
    decl = f"encoding='{encoding}'" if encoding else ""
    return text.replace("encoding='UTF-8'", decl).replace('encoding="UTF-8"', decl)


@pytest.mark.parametrize("declared", ["ISO-8859-1", "windows-1252", "latin1", "windows-1258"])
def test_class11_xml_declaring_a_single_byte_code_page_but_written_in_utf8_is_read_as_utf8(tmp_path, exports,
                                                                                            declared):
    """Read, not refused: real single-byte text is never valid UTF-8 with multibyte sequences, so UTF-8 is the only
    reading that can be right, and the declaration usually sits in an export template the hospital cannot edit."""
    a, files = exports
    (tmp_path / "x.xml").write_bytes(_declared(files[0].read_text("utf-8"), declared).encode("utf-8"))
    batch = read_his(tmp_path / "x.xml")
    want = read_his(files[0])
    assert [(r.report_id, r.text) for r in batch.reports] == [(r.report_id, r.text) for r in want.reports]
    assert not any("Ã" in r.text or "á»" in r.text for r in batch.reports)
    warned = [p for p in batch.problems if p.level == "warning" and p.source == str(tmp_path / "x.xml")]
    assert warned and "bytes are UTF-8" in warned[0].reason and 'encoding="UTF-8"' in warned[0].reason, batch.problems


SPANISH = ("Radiografía de tórax PA y lateral: cardiomegalia. No se observa derrame pleural ni neumotórax. Paciente "
           "procedente de São Paulo; informe previo en catalán: «tòrax sense alteracions». Aumento de densidad en "
           "língula, sin cambios respecto a la previa. Dña. Begoña Ibáñez")


def _session_with(text: str, declaration: str) -> str:
    return (f"<?xml version='1.0'{declaration}?>\n<SESSIONS><SESSION><SESSION_ID>S1</SESSION_ID>"
            "<PATIENT_ID>P1</PATIENT_ID><CHECK_IN_TIME>2021-03-01 08:00:00</CHECK_IN_TIME>"
            "<CHECK_OUT_TIME>2021-03-01 18:00:00</CHECK_OUT_TIME><REPORTS><REPORT><REPORT_ID>R1</REPORT_ID>"
            "<SERVICE_ID>18.0067.0028</SERVICE_ID><REPORT_TIME>2021-03-01 11:00:00</REPORT_TIME>"
            f"<DESCRIPTION>{text}</DESCRIPTION></REPORT></REPORTS></SESSION></SESSIONS>\n")


@pytest.mark.parametrize("declaration", [" encoding='UTF-8'", ""], ids=["declared-utf8", "no-declaration"])
def test_class11_xml_declaring_utf8_but_written_in_windows_1252_is_read_as_1252(tmp_path, declaration):
    """The reverse: Spanish (and Catalan, Galician) text in Windows-1252 bytes, declared (or defaulting to) UTF-8.
    Read as Windows-1258, the fallback for Vietnamese exports, 'tòrax' and 'São' became 't̀rax'/'Săo'."""
    (tmp_path / "x.xml").write_bytes(_session_with(SPANISH, declaration).encode("cp1252"))
    batch = read_his(tmp_path / "x.xml")
    assert [r.text for r in batch.reports] == [SPANISH]
    warned = [p.reason for p in batch.problems if p.level == "warning"]
    assert any("bytes are not" in w and "windows-1252" in w and "UTF-8" in w for w in warned), warned


def test_class11_xml_in_windows_1258_declared_utf8_still_reads_as_vietnamese(tmp_path, exports):
    """A guard for the case above: Vietnamese exports in the legacy code page keep their reading."""
    a, files = exports
    text = files[0].read_text("utf-8")
    # cp1258 writes Vietnamese tones as combining marks: decompose what it cannot encode precomposed
    legacy = "".join(_cp1258(c) for c in text)
    (tmp_path / "x.xml").write_bytes(legacy.encode("cp1258"))
    batch = read_his(tmp_path / "x.xml")
    want = read_his(files[0])
    assert [(r.report_id, r.text) for r in batch.reports] == [(r.report_id, r.text) for r in want.reports]


def _cp1258(c: str) -> str:
    """``c`` as Windows-1258 writes it: precomposed when it can, else a base letter (â, ơ...) and combining tone."""
    import unicodedata

    for form in (c, *(unicodedata.normalize("NFC", unicodedata.normalize("NFD", c)[:k]) +
                      unicodedata.normalize("NFD", c)[k:] for k in (2, 1))):
        try:
            form.encode("cp1258")
            return form
        except UnicodeEncodeError:
            continue
    raise AssertionError(f"{c!r} has no Windows-1258 spelling")


def test_class11_xml_mixing_utf8_and_single_byte_text_is_refused_with_the_fix(tmp_path, exports):
    """No encoding reads it right (two exports concatenated by a script): refused, not read as mojibake."""
    a, files = exports
    head = _session_with("Derrame pleural derecho. Atelectasia basal.", "").encode("cp1252")
    utf8 = "Không thấy bất thường xương lồng ngực. Tràn dịch màng phổi.".encode()
    mixed = head.replace(b"derecho.", "derecho, pequeño.".encode("cp1252") + b" " + utf8)
    (tmp_path / "x.xml").write_bytes(mixed)
    batch = read_his(tmp_path / "x.xml")
    assert not batch.reports
    errors = [p for p in batch.problems if p.level == "error"]
    assert errors and errors[0].source == str(tmp_path / "x.xml")
    assert "mixes UTF-8" in errors[0].reason and "Re-export the file as UTF-8" in errors[0].reason


def test_class11_hl7_declaring_8859_1_but_written_in_utf8_is_read_as_utf8(tmp_path):
    text = "Không thấy tràn dịch màng phổi. Bóng tim không to."
    msg = ("MSH|^~\\&|RIS|H|PACS|H|20210301101500||ORU^R01|M1|P|2.5.1||||||8859/1\r"
           "PID|||P1^^^H||Doe^J\rOBR|1||F1|36643-5^XR Chest^LN|||20210301091000|||||||||||A1||||20210301101500\r"
           f"OBX|1|TX|18782-3^Findings^LN||{text}||||||F\r")
    (tmp_path / "m.hl7").write_bytes(msg.encode("utf-8"))
    batch = read_his(tmp_path / "m.hl7")
    assert [r.text for r in batch.reports] == [text]
    assert any(p.level == "warning" and "8859/1" in p.reason and "UTF-8" in p.reason for p in batch.problems)


@pytest.mark.parametrize("name", ["report.msg", "export.dat", "EXPORT"])
def test_class12_a_file_of_no_his_format_is_reported_not_skipped(tmp_path, exports, name):
    """A guard for a promise of the first pass that had no test: unknown names are read and reported."""
    a, files = exports
    (tmp_path / "his").mkdir()
    (tmp_path / "his" / files[0].name).write_bytes(files[0].read_bytes())
    (tmp_path / "his" / name).write_bytes(b"From: ris@hospital\r\nSubject: informe\r\n\r\nDerrame pleural.\r\n")
    batch = read_his(tmp_path / "his")
    assert batch.files == 2
    assert [p.reason for p in batch.problems if p.level == "error" and p.source.endswith(name)]


@pytest.mark.parametrize("special", ["fifo", "socket", "device"])
def test_class12_a_fifo_socket_or_device_among_the_his_exports_is_reported_and_never_opened(tmp_path, exports, special):
    import socket
    import threading

    a, files = exports
    (tmp_path / "his").mkdir()
    (tmp_path / "his" / files[0].name).write_bytes(files[0].read_bytes())
    target = tmp_path / "his" / "live.xml"
    if special == "fifo":
        os.mkfifo(target)
    elif special == "device":  # a link to /dev/zero: reading it never ends
        os.symlink("/dev/zero", target)
    else:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(target))
    for root in (tmp_path / "his", target):
        out: dict = {}
        worker = threading.Thread(target=lambda r=root, o=out: o.setdefault("batch", read_his(r)), daemon=True)
        worker.start()
        worker.join(60)
        assert not worker.is_alive(), "read_his blocked: it opened the FIFO"
        errors = [p.reason for p in out["batch"].problems if p.level == "error" and p.source == str(target)]
        assert errors and "not a regular file" in errors[0] and "without opening" in errors[0], out["batch"].problems
    assert out["batch"].files == 1
