"""A generated hospital archive with known truth, carrying the traps real PACS/HIS archives have.

Used by the tests, the benchmark and the demo. Traps: retakes (same text: one report; different
texts: review), multi-visit patients (including a same-day revisit), placeholder accession numbers,
an accession reused on two studies of one patient, missing StudyDate (acquisition or content time
stands in), ACR-NEMA dotted dates, time-zone offsets on some timestamps and not others (including a
modality clock in UTC), a report whose study UID disagrees with the image, images without PatientID
found by study UID, lateral and non-chest images, non-chest services, reports with no patient id,
reports with no image and images with no report.
"""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from lxml import etree

from rxlabel.matcher.his import Report
from rxlabel.matcher.times import Stamp

CHEST = "18.0067.0028"
ULTRASOUND = "17.0012.0004"
TEXTS = [
    "- Không thấy bất thường xương lồng ngực.\n- Không thấy hình tràn dịch, tràn khí màng phổi.\n"
    "- Hai phế trường sáng đều.\n- Bóng tim không to.",
    "- Không thấy bất thường xương lồng ngực.\n- Không thấy hình tràn dịch, tràn khí màng phổi.\n"
    "- Hình dày thành phế quản, dày tổ chức kẽ.\n- Hình tim và trung thất không thấy bất thường.",
    "- Xương lồng ngực cân đối, không thấy gãy xương.\n- Mờ góc sườn hoành phải.\n- Hai phế trường sáng đều.\n"
    "- Bóng tim không to.",
    "- Gãy xương sườn 5 bên trái.\n- Không tràn dịch, tràn khí màng phổi.\n- Hai phế trường sáng đều.\n"
    "- Bóng tim không to.",
    "- Không thấy bất thường xương lồng ngực.\n- Không thấy hình tràn dịch màng phổi.\n- Dải mờ đáy phổi phải.\n"
    "- Hình tim to.",
    "Sin alteraciones pleuroparenquimatosas. Índice cardiotorácico normal.",
    "Pinzamiento del seno costofrénico derecho, sugestivo de pequeño derrame pleural.",
]
US_TEXT = "Gan không to, nhu mô đều. Không thấy dịch ổ bụng."
SOP_CR = "1.2.840.10008.5.1.4.1.1.1"
SOP_DX = "1.2.840.10008.5.1.4.1.1.1.1"


@dataclass
class Archive:
    """Header records (as :func:`matcher.scan.read_header` returns them), HIS sessions, and the truth."""

    images: list[dict] = field(default_factory=list)
    sessions: list[dict] = field(default_factory=list)
    truth: dict[str, frozenset[str]] = field(default_factory=dict)  # sop -> acceptable report ids (empty: none)
    expect_ambiguous: set[str] = field(default_factory=set)
    traps: dict[str, int] = field(default_factory=dict)

    def reports(self) -> list[Report]:
        """The HIS reports as the session reader would return them (no XML round trip)."""
        out = []
        for s in self.sessions:
            for r in s["reports"]:
                out.append(Report(
                    report_id=r["id"], source="synthetic", source_format="session_export",
                    patient_id=s["patient_id"], session_id=s["id"], check_in=Stamp(s["check_in"]),
                    check_out=Stamp(s["check_out"]), service_id=r["service"], report_time=Stamp(r["time"], r["offset"]),
                    accession=r.get("accession", ""), study_uids=(r["study_uid"],) if r.get("study_uid") else (),
                    text=r["text"],
                ))
        return out


def _uid(rng: random.Random) -> str:
    return "2.25." + str(rng.getrandbits(100))


def _da(t: datetime) -> str:
    return t.strftime("%Y%m%d")


def _tm(t: datetime) -> str:
    return t.strftime("%H%M%S")


def generate(n_patients: int = 100, seed: int = 0, start: datetime = datetime(2020, 11, 1),
             extra_visits: int = 0) -> Archive:
    """An archive of about 1.5 (+ ``extra_visits``) visits per patient; every trap appears from ~100 patients."""
    rng = random.Random(seed)
    a = Archive()
    traps: dict[str, int] = {}

    def trap(name: str) -> None:
        traps[name] = traps.get(name, 0) + 1

    rid = 0
    for p in range(n_patients):
        pid = f"P{seed:02d}{p:07d}"
        n_visits = (1 if rng.random() < 0.6 else rng.choice((2, 2, 3))) + extra_visits
        t = start + timedelta(days=rng.uniform(0, 150), hours=rng.uniform(6, 10))
        shared_accession = f"ACC{seed}{p:07d}R" if n_visits >= 2 and rng.random() < 0.15 else ""
        for v in range(n_visits):
            if v:
                same_day = rng.random() < 0.1
                t = t + (timedelta(hours=rng.uniform(9, 11)) if same_day else timedelta(days=rng.uniform(3, 40)))
                if same_day:
                    trap("same_day_revisit")
            check_in = t.replace(microsecond=0)
            study_t = check_in + timedelta(minutes=rng.uniform(10, 120))
            check_out = study_t + timedelta(hours=rng.uniform(0.5, 7 if v + 1 < n_visits else 72))
            t = check_out
            sid = f"S{seed:02d}{p:07d}{v}"
            sess = {"id": sid, "patient_id": pid, "check_in": check_in, "check_out": check_out, "reports": []}
            a.sessions.append(sess)
            if rng.random() < 0.08:  # a visit with no chest X-ray, only an ultrasound report
                rid += 1
                sess["reports"].append({"id": f"R{seed}-{rid}", "service": ULTRASOUND, "time": study_t + timedelta(hours=1),
                                        "offset": None, "text": US_TEXT})
                continue
            study_uid = _uid(rng)
            accession = f"ACC{seed}{p:07d}{v}"
            img_acc, rep_acc = accession, accession if rng.random() < 0.4 else ""
            if shared_accession:
                img_acc = rep_acc = shared_accession
                trap("accession_reused")
            elif rng.random() < 0.05:
                img_acc, rep_acc = "exam Number", "AccessionNumber"
                trap("placeholder_accession")
            study_rec = {"patient_id": pid, "study_uid": study_uid, "accession": img_acc, "modality": "CR"}
            rep_uid = study_uid if rng.random() < 0.2 else ""
            if rep_uid and rng.random() < 0.15:
                rep_uid = _uid(rng)
                trap("report_uid_disagrees")
            # Time stamps of the study, with their traps.
            tz = ""
            img_local = study_t
            rep_offset = None
            r = rng.random()
            if r < 0.1:
                tz = "+0700"
                trap("image_tz_offset")
            elif r < 0.14:
                tz, img_local, rep_offset = "+0000", study_t - timedelta(hours=7), 7 * 60  # modality clock in UTC
                trap("utc_modality_clock")
            elif r < 0.18:
                rep_offset = 7 * 60
                trap("report_tz_only")
            time_style = rng.random()
            if time_style < 0.05:
                style = "acq_datetime"
                trap("no_study_date_acq")
            elif time_style < 0.09:
                style = "content"
                trap("no_study_date_content")
            elif time_style < 0.13:
                style = "dotted"
                trap("acr_nema_dotted")
            else:
                style = "study"
            no_pid = rep_uid == study_uid and rng.random() < 0.3
            if no_pid:
                trap("image_without_patient_id")
            n_pa = 2 if rng.random() < 0.1 else 1
            if n_pa == 2:
                trap("retake_image")
            sops = []
            for k in range(n_pa):
                it = img_local + timedelta(minutes=3 * k)
                rec = _image(rng, study_rec, it, tz, style, view="PA" if rng.random() > 0.05 else "")
                if not rec["view_position"]:
                    trap("view_unknown")
                if no_pid:
                    rec["patient_id"] = ""
                a.images.append(rec)
                sops.append(rec["sop_uid"])
            if rng.random() < 0.3:  # a lateral image in the same study: not PA, filtered out
                lat = _image(rng, study_rec, img_local + timedelta(minutes=5), tz, style, view="LL")
                a.images.append(lat)
                a.truth[lat["sop_uid"]] = frozenset()
                trap("lateral_filtered")
            rep_t = study_t + timedelta(minutes=rng.uniform(5, 60 * 20))
            rid += 1
            text = rng.choice(TEXTS)
            main = {"id": f"R{seed}-{rid}", "service": CHEST, "time": rep_t, "offset": rep_offset, "text": text,
                    "accession": rep_acc, "study_uid": rep_uid}
            sess["reports"].append(main)
            accept = {main["id"]}
            extra = rng.random()
            ambiguous = False
            if extra < 0.04:  # the same report exported twice (same text, minutes apart)
                rid += 1
                dup = dict(main, id=f"R{seed}-{rid}", time=rep_t + timedelta(minutes=rng.uniform(2, 30)))
                sess["reports"].append(dup)
                accept.add(dup["id"])
                trap("duplicate_same_text")
            elif extra < 0.07 and not rep_uid and not rep_acc:  # two different reports: a person decides
                rid += 1
                other = rng.choice([x for x in TEXTS if x != text])
                sess["reports"].append(dict(main, id=f"R{seed}-{rid}", time=rep_t + timedelta(minutes=40), text=other))
                ambiguous = True
                trap("different_text_review")
            if rng.random() < 0.03:
                sess["patient_id_missing"] = True
                trap("report_without_patient_id")
            for s in sops:
                if ambiguous and not sess.get("patient_id_missing"):
                    a.expect_ambiguous.add(s)
                    a.truth[s] = frozenset()
                elif sess.get("patient_id_missing") and not rep_uid == study_uid:
                    a.truth[s] = frozenset()
                else:
                    a.truth[s] = frozenset(accept)
            if rng.random() < 0.05:  # a non-chest image of the same visit
                ab = _image(rng, dict(study_rec, study_uid=_uid(rng), accession=""), img_local + timedelta(minutes=30),
                            tz, "study", view="AP", body="ABDOMEN")
                a.images.append(ab)
                a.truth[ab["sop_uid"]] = frozenset()
                trap("abdomen_filtered")
        if rng.random() < 0.03:  # a chest report whose image never reached the PACS
            rid += 1
            ts = t + timedelta(days=5)
            a.sessions.append({"id": f"S{seed:02d}{p:07d}X", "patient_id": pid, "check_in": ts,
                               "check_out": ts + timedelta(hours=3),
                               "reports": [{"id": f"R{seed}-{rid}", "service": CHEST, "time": ts + timedelta(hours=1),
                                            "offset": None, "text": rng.choice(TEXTS)}]})
            trap("report_without_image")
    for s in a.sessions:
        if s.pop("patient_id_missing", False):
            s["patient_id"] = ""
    a.traps = traps
    return a


def _image(rng: random.Random, study: dict, t: datetime, tz: str, style: str, view: str, body: str = "CHEST") -> dict:
    rec = {
        "path": "", "status": "ok", "reason": "", "transfer_syntax": "1.2.840.10008.1.2.1",
        "patient_id": study["patient_id"], "study_uid": study["study_uid"], "series_uid": study["study_uid"] + ".1",
        "sop_uid": _uid(rng), "sop_class": SOP_CR, "accession": study["accession"],
        "study_date": "", "study_time": "", "series_date": "", "series_time": "", "acq_datetime": "",
        "acq_date": "", "acq_time": "", "content_date": "", "content_time": "", "tz_offset": tz,
        "modality": study["modality"], "body_part": body, "view_position": view, "patient_orientation": "",
        "laterality": "", "protocol": "", "series_desc": "", "study_desc": "", "photometric": "MONOCHROME2",
        "rows": "8", "columns": "8", "bits_allocated": "8", "samples": "1", "frames": "",
    }
    if style == "study":
        rec["study_date"], rec["study_time"] = _da(t), _tm(t)
    elif style == "dotted":
        rec["study_date"], rec["study_time"] = t.strftime("%Y.%m.%d"), t.strftime("%H:%M:%S")
    elif style == "acq_datetime":
        rec["acq_datetime"] = _da(t) + _tm(t)
    else:
        rec["content_date"], rec["content_time"] = _da(t), _tm(t)
    return rec


# ---------------------------------------------------------------- files


_WRITE_TAGS = [
    ("patient_id", 0x00100020, "LO"), ("study_uid", 0x0020000D, "UI"), ("series_uid", 0x0020000E, "UI"),
    ("accession", 0x00080050, "SH"), ("study_date", 0x00080020, "DA"), ("study_time", 0x00080030, "TM"),
    ("acq_datetime", 0x0008002A, "DT"), ("content_date", 0x00080023, "DA"), ("content_time", 0x00080033, "TM"),
    ("tz_offset", 0x00080201, "SH"), ("modality", 0x00080060, "CS"), ("body_part", 0x00180015, "CS"),
    ("view_position", 0x00185101, "CS"),
]


def write_dicom(rec: dict, path: str | Path, size: int = 8, pixels=None) -> Path:
    """Write one header record as a small, valid DICOM file (8-bit MONOCHROME2 unless ``pixels`` is given)."""
    import numpy as np
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    sop_class = SOP_DX if rec.get("modality") == "DX" else SOP_CR
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = rec["sop_uid"]
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, rec["sop_uid"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ACR-NEMA dotted dates are invalid DA on purpose
        for key, tag, vr in _WRITE_TAGS:
            if rec.get(key):
                ds.add_new(tag, vr, rec[key])
        ds.PatientName = rec.get("patient_name") or "Synthetic^" + (rec.get("patient_id") or "Unknown")
        if rec.get("birth_date"):
            ds.PatientBirthDate = rec["birth_date"]
        if pixels is None:
            yy, xx = np.mgrid[0:size, 0:size]
            pixels = ((xx + yy) * 255 // max(1, 2 * size - 2)).astype(np.uint8)
        ds.Rows, ds.Columns = pixels.shape
        ds.BitsAllocated = ds.BitsStored = 8 * pixels.dtype.itemsize
        ds.HighBit = ds.BitsStored - 1
        ds.SamplesPerPixel, ds.PixelRepresentation = 1, 0
        ds.PhotometricInterpretation = rec.get("photometric") or "MONOCHROME2"
        ds.PixelData = np.ascontiguousarray(pixels).tobytes()
        ds.save_as(path, enforce_file_format=True)
    return path


def write_archive_dicom(a: Archive, root: str | Path) -> None:
    """Write every image of ``a`` under ``root/<patient>/<study>/<sop>.dcm`` and set each record's path."""
    root = Path(root)
    for rec in a.images:
        p = root / (rec["patient_id"] or "no_patient") / rec["study_uid"][-12:] / f"{rec['sop_uid'][-16:]}.dcm"
        write_dicom(rec, p)
        rec["path"] = str(p)


def session_xml(sessions: list[dict], pretty: bool = True) -> bytes:
    """Sessions as the HIS visit-session export (the structure of ``session_export_example.xml``)."""
    root = etree.Element("SESSIONS")
    for s in sessions:
        se = etree.SubElement(root, "SESSION")
        etree.SubElement(se, "SESSION_ID").text = s["id"]
        etree.SubElement(se, "PATIENT_ID").text = s["patient_id"]
        etree.SubElement(se, "CHECK_IN_TIME").text = s["check_in"].strftime("%Y-%m-%d %H:%M:%S")
        etree.SubElement(se, "CHECK_OUT_TIME").text = s["check_out"].strftime("%Y-%m-%d %H:%M:%S")
        reps = etree.SubElement(se, "REPORTS")
        for r in s["reports"]:
            re_ = etree.SubElement(reps, "REPORT")
            etree.SubElement(re_, "REPORT_ID").text = r["id"]
            etree.SubElement(re_, "SERVICE_ID").text = r["service"]
            t = r["time"].strftime("%Y-%m-%d %H:%M:%S")
            if r.get("offset") is not None:
                t += f"+{r['offset'] // 60:02d}:{r['offset'] % 60:02d}"
            etree.SubElement(re_, "REPORT_TIME").text = t
            etree.SubElement(re_, "DESCRIPTION").text = r["text"]
            if r.get("accession"):
                etree.SubElement(re_, "ACCESSION_NUMBER").text = r["accession"]
            if r.get("study_uid"):
                etree.SubElement(re_, "STUDY_INSTANCE_UID").text = r["study_uid"]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=pretty)


def write_archive_his(a: Archive, root: str | Path, per_file: int = 50) -> list[Path]:
    """Write the sessions as XML exports of ``per_file`` sessions each (1: one file per visit)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(0, len(a.sessions), per_file):
        p = root / f"his_{i // per_file:05d}.xml"
        p.write_bytes(session_xml(a.sessions[i : i + per_file]))
        out.append(p)
    return out


def score(a: Archive, pairs, ambiguous) -> dict:
    """Precision and recall of ``pairs`` against the truth, and whether every expected review case reached review."""
    got = list(zip(pairs["sop_uid"], pairs["report_id"], strict=True))
    correct = sum(1 for sop, rid in got if rid in a.truth.get(sop, frozenset()))
    matchable = sum(1 for v in a.truth.values() if v)
    found = {sop for sop, rid in got if rid in a.truth.get(sop, frozenset())}
    amb = set(ambiguous["sop_uid"])
    return {
        "pairs": len(got), "correct": correct, "precision": correct / len(got) if got else 1.0,
        "recall": len(found) / matchable if matchable else 1.0,
        "expected_ambiguous": len(a.expect_ambiguous), "ambiguous_found": len(a.expect_ambiguous & amb),
        "unexpected_ambiguous": len(amb - a.expect_ambiguous),
    }


def _fhir_time(t: datetime, offset_min: int | None = None) -> str:
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    # Like many real exports, a HIS local time without a stated zone is written without one.
    return s if offset_min is None else s + f"+{offset_min // 60:02d}:{offset_min % 60:02d}"


def fhir_resources(a: Archive) -> list[dict]:
    """The sessions as FHIR R4 resources: Patient, Encounter (check-in/out), ImagingStudy, DiagnosticReport."""
    import base64

    out: list[dict] = []
    seen_pat: set[str] = set()
    for s in a.sessions:
        pid = s["patient_id"]
        subject = {"reference": f"Patient/pat-{pid}"} if pid else None
        if pid and pid not in seen_pat:
            seen_pat.add(pid)
            out.append({"resourceType": "Patient", "id": f"pat-{pid}", "identifier": [{
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                "system": "urn:example:mrn", "value": pid}]})
        enc = {"resourceType": "Encounter", "id": s["id"], "status": "finished",
               "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
               "period": {"start": _fhir_time(s["check_in"]), "end": _fhir_time(s["check_out"])}}
        if subject:
            enc["subject"] = subject
        out.append(enc)
        for r in s["reports"]:
            dr = {"resourceType": "DiagnosticReport", "id": r["id"], "status": "final",
                  "code": {"coding": [{"system": "urn:example:his-service", "code": r["service"]}]},
                  "encounter": {"reference": f"Encounter/{s['id']}"},
                  "issued": _fhir_time(r["time"], r.get("offset")),
                  "presentedForm": [{"contentType": "text/plain; charset=utf-8",
                                     "data": base64.b64encode(r["text"].encode("utf-8")).decode("ascii")}]}
            if subject:
                dr["subject"] = subject
            if r.get("accession"):
                dr["identifier"] = [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                                          "code": "ACSN"}]}, "value": r["accession"]}]
            if r.get("study_uid"):
                out.append({"resourceType": "ImagingStudy", "id": f"is-{r['id']}", "status": "available",
                            "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:{r['study_uid']}"}],
                            **({"subject": subject} if subject else {"subject": {"display": "unknown"}})})
                dr["imagingStudy"] = [{"reference": f"ImagingStudy/is-{r['id']}"}]
            out.append(dr)
    return out


def write_archive_fhir(a: Archive, root: str | Path, bundle: bool = False) -> list[Path]:
    """The sessions as a FHIR bulk export (one NDJSON file per resource type) or one JSON Bundle."""
    import json

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    res = fhir_resources(a)
    if bundle:
        p = root / "bundle.json"
        p.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                 "entry": [{"resource": r} for r in res]}, ensure_ascii=False), "utf-8")
        return [p]
    by_type: dict[str, list[dict]] = {}
    for r in res:
        by_type.setdefault(r["resourceType"], []).append(r)
    out = []
    for kind, items in sorted(by_type.items()):
        p = root / f"{kind}.ndjson"
        p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items), "utf-8")
        out.append(p)
    return out


SOP_CT = "1.2.840.10008.5.1.4.1.1.2"


def write_ct_study(a: Archive, folder: str | Path, slices: int = 20) -> set[str]:
    """A chest CT (``slices`` CT Image Storage instances) for the patient and day of the archive's first dated
    PA film: what a PACS fetch must leave alone. Returns its SOP Instance UIDs."""
    import pydicom

    folder = Path(folder)
    film = next(r for r in a.images if r["study_date"] and r["view_position"] == "PA")
    study = _uid(random.Random(5))
    sops = set()
    for k in range(slices):
        rec = dict(film, study_uid=study, series_uid=study + ".1", sop_uid=f"{study}.1.{k + 1}", modality="CT",
                   view_position="", accession="CT" + film["accession"])
        p = write_dicom(rec, folder / f"ct{k:02d}.dcm")
        ds = pydicom.dcmread(p)
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = SOP_CT
        ds.save_as(p, enforce_file_format=True)
        sops.add(rec["sop_uid"])
    return sops
