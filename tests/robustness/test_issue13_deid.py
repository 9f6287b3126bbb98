"""Issue 13 class 5: with ``--deidentify`` no output carries a patient id, name, accession number, birth date,
exact date, UID or source path of the archive; ids are salted pseudonyms, dates shift per patient keeping
intervals (or keep the year), report text is scrubbed of the patient's identifiers."""

from __future__ import annotations

import io
import re
import sqlite3
import struct
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pydicom
import pytest
from click.testing import CliRunner
from lxml import etree

from rxlabel.cli import main
from rxlabel.deid import Deidentifier
from rxlabel.matcher import synth
from rxlabel.pipeline.archive import _add_phi

# -- what the archive knows -------------------------------------------------------------------------------


def _date_spellings(text: str) -> set[str]:
    text = text.strip()
    for fmt, n in (("%Y-%m-%d", 10), ("%Y.%m.%d", 10), ("%Y%m%d", 8)):
        try:
            d = datetime.strptime(text[:n], fmt)
        except ValueError:
            continue
        return {d.strftime("%Y-%m-%d"), d.strftime("%Y%m%d"), d.strftime("%Y.%m.%d"), d.strftime("%d/%m/%Y")}
    return set()


def archive_identifiers(root: Path) -> dict[str, set[str]]:
    """Every identifier of a generated archive, by kind, read from its DICOM headers and HIS exports."""
    ids: dict[str, set[str]] = {k: set() for k in ("patient_id", "name", "accession", "uid", "date", "path",
                                                     "his_id")}
    for dcm in root.rglob("*.dcm"):
        ids["path"].add(dcm.stem)  # file names are SOP UID tails; folders are patient ids and study UID tails
        if dcm.parent.name != "dicom":
            ids["path"].add(dcm.parent.name)
        try:
            ds = pydicom.dcmread(dcm, stop_before_pixels=True)
        except Exception:
            continue
        ids["patient_id"].add(str(ds.get("PatientID", "")))
        name = str(ds.get("PatientName", ""))
        if not name.startswith("Synthetic^"):
            ids["name"].update(p for p in re.split(r"[\^ ]+", name) if len(p) >= 3)
        ids["accession"].add(str(ds.get("AccessionNumber", "")))
        ids["uid"].update(str(ds.get(k, "")) for k in ("StudyInstanceUID", "SOPInstanceUID", "SeriesInstanceUID"))
        for k in ("StudyDate", "ContentDate", "PatientBirthDate", "AcquisitionDateTime"):
            ids["date"] |= _date_spellings(str(ds.get(k, "") or ""))
    for xml in root.rglob("*.xml"):
        try:
            tree = etree.parse(str(xml), etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            continue
        for tag, kind in (("SESSION_ID", "his_id"), ("PATIENT_ID", "patient_id"), ("REPORT_ID", "his_id"),
                          ("ACCESSION_NUMBER", "accession"), ("STUDY_INSTANCE_UID", "uid")):
            ids[kind].update(e.text for e in tree.iter(tag) if e.text)
        for tag in ("CHECK_IN_TIME", "CHECK_OUT_TIME", "REPORT_TIME"):
            for e in tree.iter(tag):
                ids["date"] |= _date_spellings(e.text or "")
        for e in tree.iter("DESCRIPTION"):  # dates typed in reports (dd/mm/yyyy)
            ids["date"].update(re.findall(r"\b\d{2}/\d{2}/\d{4}\b", e.text or ""))
    placeholders = {"", "exam Number", "AccessionNumber", "None"}
    return {k: {v for v in vals if v not in placeholders and len(v) >= 3} for k, vals in ids.items()}


# -- what the outputs say ---------------------------------------------------------------------------------


def _png_text(data: bytes) -> str:
    """The text chunks (tEXt, iTXt, zTXt, eXIf) of a PNG: where metadata would be."""
    out, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind in (b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
            out.append(data[pos + 8:pos + 8 + length].decode("latin-1"))
        pos += 12 + length
    return "\n".join(out)


def output_texts(folder: Path, skip: tuple[str, ...] = ("archive",)):
    """(path, text) of every output file: text files whole; SQLite dumped; PNG metadata; checkpoint metadata."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.relative_to(folder).parts[0] in skip:
            continue
        data = path.read_bytes()
        yield path, path.name  # file names count too
        if data.startswith(b"\x89PNG"):
            yield path, _png_text(data)
        elif data.startswith(b"\x93NUMPY"):  # cached pixels: only the header is text
            yield path, data[10:10 + int.from_bytes(data[8:10], "little")].decode("latin-1")
        elif data.startswith(b"SQLite format 3"):
            con = sqlite3.connect(path)
            yield path, "\n".join(con.iterdump())
            con.close()
        elif data.startswith(b"PK"):  # torch checkpoints: the pickled structure, not the weights
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                yield path, "\n".join(z.namelist())
                for n in z.namelist():
                    if n.endswith(".pkl"):
                        yield path, z.read(n).decode("latin-1")
        else:  # text; pictures embedded in report.html are pixels, not text
            yield path, re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "data:image", data.decode("utf-8", "replace"))


def find_leaks(texts, identifiers: dict[str, set[str]]) -> list[str]:
    leaks = []
    patterns = {kind: re.compile(r"(?<![\w.\-])(" + "|".join(re.escape(v) for v in sorted(vals, key=len, reverse=True))
                                 + r")(?![\w\-])", re.IGNORECASE) for kind, vals in identifiers.items() if vals}
    for path, text in texts:
        for kind, pat in patterns.items():
            for m in pat.finditer(text):
                leaks.append(f"{path}: {kind} {m.group(0)!r} in ...{text[max(0, m.start() - 40):m.end() + 40]!r}")
    return leaks


# -- the tests ---------------------------------------------------------------------------------------------


def test_class5_deidentifier_pseudonyms_dates_and_scrubbing():
    d = Deidentifier("s3cret")
    assert d.pseudonym("p000", "pt") == d.pseudonym(" P000 ", "pt") != d.pseudonym("p001", "pt")
    assert d.pseudonym("p000", "pt") != Deidentifier("other").pseudonym("p000", "pt")
    assert d.pseudonym("", "rp") == "" and d.pseudonym("R1", "rp").startswith("rp-")
    a, b = d.date("2021-03-08T12:27:02", "P1"), d.date("2021-03-10T08:00:00+01:00", "P1")
    assert (datetime.fromisoformat(b).replace(tzinfo=None) - datetime.fromisoformat(a)).total_seconds() == \
        (datetime(2021, 3, 10, 8) - datetime(2021, 3, 8, 12, 27, 2)).total_seconds()  # interval kept
    assert a[:4] < "2012" and d.date("2021-03-08", "P2") != d.date("2021-03-08", "P1")  # per patient
    assert Deidentifier("s", "year").date("20210308", "P1") == "2021"
    assert d.date("not a date", "P1") == "[…]"
    d.learn("P1", ["GARCIA^LUCIA", "ACC42", "19580312"])
    text = ("Paciente Lucia Garcia, NHC P1000042, nacido el 12/03/1958. Acc ACC42. Estudio del 8 de marzo de 2021, "
            "ver /pacs/P1/img.dcm. Cardiomegalia.")
    clean = d.scrub(text, "P1")
    for gone in ("Lucia", "Garcia", "P1000042", "12/03/1958", "ACC42", "marzo", "/pacs"):
        assert gone.lower() not in clean.lower(), clean
    assert "Cardiomegalia." in clean and "Paciente" in clean


def test_class5_convert_deidentify_manifest_carries_no_identifier(tmp_path):
    a = synth.generate(3, seed=2)
    _add_phi(a, "es", 2)
    synth.write_archive_dicom(a, tmp_path / "dicom")
    recs = [r for r in a.images if r["patient_id"]][:4]
    texts = {s["patient_id"]: s["reports"][0]["text"] if s["reports"] else "" for s in a.sessions}
    rows = [{"image_path": r["path"], "sop_uid": r["sop_uid"], "study_uid": r["study_uid"],
             "patient_id": r["patient_id"], "study_time": "2021-01-02T06:07:03", "session_id": "S" + r["patient_id"],
             "report_id": f"R{i}", "report_time": "2021-01-02T08:00:00",
             "text": texts.get(r["patient_id"], "") + f" Paciente {r['patient_name'].split('^')[1].title()}.",
             "report_source": str(tmp_path / "his.xml") + ":9"} for i, r in enumerate(recs)]
    rows.append({**rows[0], "image_path": str(tmp_path / "dicom" / recs[0]["patient_id"] / "missing.dcm"),
                 "sop_uid": "2.25.99"})
    pd.DataFrame(rows).to_csv(tmp_path / "pairs.csv", index=False)
    res = CliRunner().invoke(main, ["convert", str(tmp_path / "pairs.csv"), "--out", str(tmp_path / "o"), "--size", "32",
                                    "--deidentify", "--salt", "k", "--quiet"])
    assert res.exit_code == 0, res.output
    ids = archive_identifiers(tmp_path / "dicom")
    ids["his_id"] = {r["report_id"] for r in rows} | {r["session_id"] for r in rows}
    ids["date"] |= {"2021-01-02"}
    ids["path"] |= {str(tmp_path / "dicom"), str(tmp_path / "his.xml")}
    leaks = find_leaks([*output_texts(tmp_path / "o", skip=()), ("stdout", res.output)], ids)
    assert not leaks, "\n".join(leaks[:20])
    man = pd.read_csv(tmp_path / "o" / "manifest.csv", dtype=str, keep_default_na=False)
    assert (man["status"] == "failed").sum() == 1 and len(man) == len(rows)
    assert man["study_time"].str[:4].astype(int).max() < 2012  # shifted, not dropped


@pytest.mark.slow
@pytest.mark.parametrize("dates", ["shift"])
def test_class5_deidentified_demo_run_has_no_identifier_in_any_output(tmp_path, dates):
    res = CliRunner().invoke(main, ["demo", "--quick", "--workdir", str(tmp_path), "--deidentify", "--salt", "k",
                                    "--deid-dates", dates])
    line = next((x for x in res.output.splitlines() if x.startswith("steps: ")), None)
    assert line, res.output
    states = dict(s.split(" ") for s in line.removeprefix("steps: ").split(", "))
    assert states["match"] == states["convert"] == states["label"] == states["index"] == states["dataset"] == "ok"
    ids = archive_identifiers(tmp_path / "archive")
    assert ids["name"] and ids["patient_id"] and ids["date"] and ids["accession"]  # the archive does carry them
    texts = list(output_texts(tmp_path)) + [("demo output", res.output)]
    assert len({p for p, _ in texts}) > 200  # PNGs, tables, index, datasets, report.html, checkpoints
    leaks = find_leaks(texts, ids)
    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(leaks[:30])
    # and the run is still useful: pseudonymous patients keep the split disjoint, dates keep their intervals
    m = pd.read_csv(tmp_path / "dataset" / "train_manifest.csv", dtype=str)
    assert m["patient_id"].str.startswith("pt-").all()
    assert m.groupby("patient_id")["split"].nunique().max() == 1
