"""Issue 13 classes 12 and 17 for HIS exports: every file under an input root is read or reported (a
symlinked folder included); UTF-16 XML (Windows tools) is read, not 'neither XML nor HL7'."""

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
