"""Columnar tables of images and reports, ready for the matcher's joins."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd
import regex

from rxlabel.errors import OptionError
from rxlabel.matcher.chest import ViewClassifier, classify
from rxlabel.matcher.his import Report, is_placeholder_accession
from rxlabel.matcher.times import Stamp, image_stamp, parse_da, parse_dt, parse_offset
from rxlabel.schema import patient_key

IMAGE_COLUMNS = ["path", "sop_uid", "study_uid", "series_uid", "patient_id", "accession", "t_local", "t_off",
                 "date_only", "time_source", "view", "chest_note", "transfer_syntax", "photometric", "date_note"]
REPORT_COLUMNS = ["report_id", "source", "source_format", "patient_id", "session_id", "service_id", "r_local",
                  "r_off", "in_local", "in_off", "out_local", "out_off", "accession", "study_uids", "text",
                  "conclusion", "norm_text", "notes"]

_NON_WORD = regex.compile(r"[\W_]+", regex.V1)


def norm_patient(pid: str | None) -> str:
    """Patient ids compare by :func:`rxlabel.schema.patient_key` (HIS and PACS disagree on case and spaces),
    shown in capitals as PACS write them."""
    return " ".join(patient_key(pid).split()).upper()


def norm_text(text: str) -> str:
    """Report text for 'same description' tests: NFC, case-folded, punctuation and spacing ignored."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFC", text or "").casefold()).strip()


def _with_offset(s: Stamp | None, site: int | None) -> Stamp | None:
    if s is None or site is None or s.offset_min is not None:
        return s
    return Stamp(s.local, site, s.date_only)


def _own(r: Report, site: int | None) -> int | None:
    return r.report_time.offset_min if r.report_time and r.report_time.offset_min is not None else site


def _np_time(stamps: list[Stamp | None]) -> tuple[np.ndarray, np.ndarray]:
    local = np.array([s.local if s else np.datetime64("NaT") for s in stamps], dtype="datetime64[us]")
    off = np.array([s.offset_min if (s and s.offset_min is not None) else np.nan for s in stamps], dtype=float)
    return local, off


def image_table(records: Iterable[dict], view_classifier: ViewClassifier | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split scan records into usable chest PA images and rejected files (each with a reason)."""
    keep, rejected = [], []
    seen_sop: dict[str, str] = {}
    for rec in records:
        path = rec.get("path", "")
        if rec.get("status") != "ok":
            rejected.append({"path": path, "sop_uid": rec.get("sop_uid", ""), "patient_id": rec.get("patient_id", ""),
                             "reason": f"{rec.get('status')}: {rec.get('reason')}"})
            continue
        dec = classify(rec, view_classifier)
        if not dec.keep:
            rejected.append({"path": path, "sop_uid": rec.get("sop_uid", ""), "patient_id": rec.get("patient_id", ""),
                             "reason": f"not_chest_pa: {dec.reason}"})
            continue
        sop = rec.get("sop_uid", "")
        if sop and sop in seen_sop:
            rejected.append({"path": path, "sop_uid": sop, "patient_id": rec.get("patient_id", ""),
                             "reason": f"duplicate_sop_uid: same instance as {seen_sop[sop]}"})
            continue
        if sop:
            seen_sop[sop] = path
        stamp, source = image_stamp(rec)
        note = dec.reason
        if rec.get("reason"):
            note = f"{note}; {rec['reason']}"
        keep.append((rec, stamp, source, dec, note))
    local, off = _np_time([k[1] for k in keep])
    images = pd.DataFrame({
        "path": [k[0]["path"] for k in keep],
        "sop_uid": [k[0].get("sop_uid", "") for k in keep],
        "study_uid": [k[0].get("study_uid", "") for k in keep],
        "series_uid": [k[0].get("series_uid", "") for k in keep],
        "patient_id": [norm_patient(k[0].get("patient_id")) for k in keep],
        "accession": [(k[0].get("accession") or "").strip() for k in keep],
        "t_local": local,
        "t_off": off,
        "date_only": np.array([bool(k[1] and k[1].date_only) for k in keep], dtype=bool),
        "time_source": [k[2] for k in keep],
        "view": [k[3].view for k in keep],
        "chest_note": [k[4] for k in keep],
        "transfer_syntax": [k[0].get("transfer_syntax", "") for k in keep],
        "photometric": [k[0].get("photometric", "") for k in keep],
        "date_note": ["; ".join(invalid_dates(k[0])) for k in keep],  # why an image has no time: said, not guessed
    }, columns=IMAGE_COLUMNS)
    images.loc[images["accession"].map(is_placeholder_accession), "accession"] = ""
    return images, pd.DataFrame(rejected, columns=["path", "sop_uid", "patient_id", "reason"])


def report_table(
    reports: Iterable[Report], services: frozenset[str] | None = None, his_tz: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reports as columns, and those set aside before matching (duplicate id, not chest radiography).

    ``his_tz`` is the offset given to HIS times that state none.
    """
    site = parse_offset(his_tz) if his_tz else None
    if his_tz and site is None:
        raise OptionError(f"HIS time zone {his_tz!r} is not an offset such as +0700 or -04:00")
    keep: list[Report] = []
    rejected = []
    seen: set[str] = set()
    for r in reports:
        if r.report_id in seen:
            rejected.append({"report_id": r.report_id, "source": r.source, "patient_id": r.patient_id,
                             "reason": "duplicate_report_id: the first report with this id is used"})
            continue
        seen.add(r.report_id)
        if services is not None and r.service_id and r.service_id not in services:
            rejected.append({"report_id": r.report_id, "source": r.source, "patient_id": r.patient_id,
                             "reason": f"service_not_chest: SERVICE_ID {r.service_id} ({r.service_name}) not in the allow-list"})
            continue
        keep.append(r)
    r_local, r_off = _np_time([_with_offset(r.report_time, site) for r in keep])
    # Session times come from the same HIS clock as the report: without an offset of their own they take the report's.
    in_local, in_off = _np_time([_with_offset(r.check_in, _own(r, site)) for r in keep])
    out_local, out_off = _np_time([_with_offset(r.check_out, _own(r, site)) for r in keep])
    table = pd.DataFrame({
        "report_id": [r.report_id for r in keep],
        "source": [r.source for r in keep],
        "source_format": [r.source_format for r in keep],
        "patient_id": [norm_patient(r.patient_id) for r in keep],
        "session_id": [r.session_id for r in keep],
        "service_id": [r.service_id for r in keep],
        "r_local": r_local, "r_off": r_off,
        "in_local": in_local, "in_off": in_off,
        "out_local": out_local, "out_off": out_off,
        "accession": ["" if is_placeholder_accession(r.accession) else r.accession.strip() for r in keep],
        "study_uids": [tuple(r.study_uids) for r in keep],
        "text": [r.text for r in keep],
        "conclusion": [r.conclusion for r in keep],
        "norm_text": [norm_text(f"{r.text}\n{r.conclusion}") for r in keep],
        "notes": ["; ".join(r.notes) for r in keep],
    }, columns=REPORT_COLUMNS)
    return table, pd.DataFrame(rejected, columns=["report_id", "source", "patient_id", "reason"])


_DATE_TAGS = (("study_date", "StudyDate"), ("series_date", "SeriesDate"), ("acq_date", "AcquisitionDate"),
              ("content_date", "ContentDate"))


def invalid_dates(rec: dict) -> list[str]:
    """``invalid StudyDate '20211350' in FILE`` for each date tag that holds a value that is no date at all."""
    out = []
    for col, tag in _DATE_TAGS:
        v = (rec.get(col) or "").strip()
        if v and parse_da(v) is None:
            out.append(f"invalid {tag} {v!r} in {rec.get('path', '')} (not a date; DICOM DA is YYYYMMDD)")
    v = (rec.get("acq_datetime") or "").strip()
    if v and parse_dt(v) is None:
        out.append(f"invalid AcquisitionDateTime {v!r} in {rec.get('path', '')} (not a date; DICOM DT is "
                   "YYYYMMDDHHMMSS)")
    return out


def header_defects(rec: dict) -> list[str]:
    """Real-world defects of one scanned header, reported as warnings (none stops the run)."""
    if rec.get("status") != "ok":
        return []
    out = []
    if rec.get("reason"):
        out.append(rec["reason"])
    acc = rec.get("accession") or ""
    if acc and is_placeholder_accession(acc):
        out.append(f"placeholder AccessionNumber {acc!r} ignored")
    invalid = invalid_dates(rec)
    out.extend(f"{msg}: ignored" for msg in invalid)
    for col, tag in _DATE_TAGS:
        v = rec.get(col) or ""
        if v and not (len(v) == 8 and v.isdigit()) and parse_da(v) is not None:
            out.append(f"{tag} {v!r} is not DICOM DA (read as ACR-NEMA/other format)")
    study_date = (rec.get("study_date") or "").strip()
    if not study_date or parse_da(study_date) is None:
        stamp, source = image_stamp(rec)
        lead = "no StudyDate" if not study_date else f"invalid StudyDate {study_date!r}"
        out.append(f"{lead}; study time taken from {source}" if stamp else f"{lead}; no usable date or time at all")
    if not rec.get("patient_id"):
        out.append("no PatientID")
    return out
