"""De-identification of every table rxlabel writes under ``--deidentify``.

* ids (patient, accession, session, report, study/series/SOP UIDs) become salted HMAC-SHA256 pseudonyms:
  stable for one salt (a patient keeps one pseudonym across sites and steps), unlinkable without it;
  patient ids are normalised with :func:`rxlabel.schema.patient_key` first, so ``p1`` and ``P1 `` agree;
* dates are shifted per patient by 10-20 years back (a whole number of days, the same for every date
  of the patient, so intervals between a patient's studies and reports are kept), or cut to the year
  (``dates="year"``);
* source paths (DICOM files, HIS files) are dropped, and scrubbed from free-text columns (``reason``);
* report text is scrubbed of the identifiers found for the same patient: the ids above, the patient's
  names and birth date from the DICOM header, the patient's exact dates in the usual spellings, and of
  common identifier patterns (dates, long digit runs, ``NHC: ...`` / ``MRN ...`` / ``mã BN ...``).

The scrubbing is a safety net for text typed by people; the columns are the first line of defence.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from rxlabel.errors import RxlabelError
from rxlabel.schema import patient_key

# column -> pseudonym prefix
ID_COLUMNS = {"patient_id": "pt", "patient": "pt", "accession": "ac", "session_id": "se", "report_id": "rp",
              "study_uid": "st", "series_uid": "sr", "sop_uid": "im", "image_id": "im"}
# columns that carry source paths (DICOM / HIS files) and nothing a dataset needs
PATH_COLUMNS = ("image_path", "dicom_path", "path", "source", "report_source", "his_file")
TEXT_COLUMNS = ("text", "conclusion", "note", "reason", "evidence", "comment")
DATE_COLUMN = re.compile(r"(_time|_date|_datetime|^check_in|^check_out)$")
REDACTED = "[…]"

_DATE_PATTERNS = [
    r"\b\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}\b",      # 12/03/2021, 12-3-21, 12.03.2021
    r"\b(?:19|20)\d{2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{1,2}\b",  # 2021-03-12, 2021.03.12
    r"\b(?:19|20)\d{6}\b",                                       # 20210312 (DICOM DA)
    r"\b\d{1,2}\s+de\s+[a-záéíóú]+\s+(?:de|del)\s+\d{4}\b",        # 12 de marzo de 2021
    r"\bngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}\b",          # ngày 12 tháng 3 năm 2021
]
_ID_PATTERNS = [
    r"\b(?:NHC|N\.?H\.?C\.?|MRN|HC|NIF|DNI|NSS|SIP|CIP|historia(?:\s+cl[ií]nica)?|n[º°o]\.?\s*de\s+historia|"
    r"mã\s*(?:BN|bệnh\s*nhân|số)|số\s*hồ\s*sơ|PID|ID|accession|acc\.?)\s*[:#.º°]?\s*[\w\-/]*\d[\w\-/]*",
    r"\b[A-Za-z]{0,4}[\-_]?\d{5,}[A-Za-z0-9\-_]*\b",          # P010000012, ACC1234567R, 4812345
    r"\b\d+(?:\.\d+){4,}\b",                                   # DICOM UIDs
    r"[\w.+\-]+@[\w\-]+\.[\w.\-]+",                            # e-mail
    r"(?<!\w)\+?\d[\d ()\-]{7,}\d\b",                           # phone numbers
]
# A name after a form of address ("Paciente Lucía García", "Bệnh nhân Nguyễn Văn An"): the capitalised words.
_NAME_AFTER_CUE = re.compile(
    r"\b((?:[Pp]aciente|[Pp]atient|Sr\.|Sra\.|Srta\.|Dr\.|Dra\.|[Dd]on|[Dd]oña|[Bb]ệnh nhân|BN|Ông|Bà|Anh|Chị|"
    r"Mr\.|Mrs\.|Ms\.)[ \t]+)((?:[^\W\d_][\w'\-]*[ \t]*){1,4})")


def _redact_name(m: re.Match) -> str:
    words = m.group(2).split()
    n = 0
    while n < len(words) and (words[n][0].isupper() or (n and words[n] in ("de", "del", "la"))):
        n += 1
    if n == 0:
        return m.group(0)  # "Paciente con disnea": no name
    rest = m.group(2).split(None, n)[n] if len(words) > n else ""
    tail = m.group(2)[len(m.group(2).rstrip()):]
    return m.group(1) + REDACTED + (" " + rest if rest else tail)


_PATH = re.compile(r"(?:[A-Za-z]:\\|\\\\|/)[^\s,;:'\"]+(?:[/\\][^\s,;:'\"]+)*")
_GENERIC = re.compile("|".join(f"(?:{p})" for p in (*_DATE_PATTERNS, *_ID_PATTERNS)), re.IGNORECASE)


class DeidError(RxlabelError, ValueError):
    """De-identification cannot be done safely (no salt, an unknown date mode)."""


@dataclass
class Deidentifier:
    """Pseudonyms, date shifts and text scrubbing with one secret ``salt``."""

    salt: str
    dates: str = "shift"  # "shift" (per patient, keeps intervals) or "year"
    known: dict[str, set[str]] = field(default_factory=dict)  # patient key -> identifier strings

    def __post_init__(self):
        if not self.salt:
            raise DeidError("--deidentify needs a salt (--salt or RXLABEL_SALT); keep it secret")
        if self.dates not in ("shift", "year"):
            raise DeidError(f"date mode must be 'shift' or 'year', not {self.dates!r}")

    def _mac(self, text: str) -> str:
        return hmac.new(self.salt.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()

    def pseudonym(self, value: object, prefix: str) -> str:
        """``prefix-<16 hex>`` of the value; blank stays blank; patient ids are normalised first."""
        text = patient_key(value) if prefix == "pt" else ("" if _blank(value) else str(value).strip())
        return f"{prefix}-{self._mac(prefix + ':' + text)[:16]}" if text else ""

    def shift_days(self, patient: object) -> int:
        """Days subtracted from every date of ``patient``: 3650-7299, from the salt (never 0)."""
        return 3650 + int(self._mac("date-shift:" + patient_key(patient))[:8], 16) % 3650

    def date(self, value: object, patient: object) -> str:
        """A date/time shifted for the patient (ISO, time of day and UTC offset kept), or its year."""
        if _blank(value):
            return ""
        text = str(value).strip()
        try:
            stamp = datetime.fromisoformat(text)
        except ValueError:
            stamp = _parse_loose(text)
            if stamp is None:
                return REDACTED  # an unparseable date is still a date: never copied
        if self.dates == "year":
            return str(stamp.year)
        return (stamp - timedelta(days=self.shift_days(patient))).isoformat()

    # -- identifiers per patient --------------------------------------------------------------------------

    def learn(self, patient: object, values: Iterable[object]) -> None:
        """Remember identifier strings of ``patient`` (ids, names, dates) to scrub from its reports."""
        bucket = self.known.setdefault(patient_key(patient), set())
        for v in values:
            if _blank(v):
                continue
            text = str(v).strip()
            bucket.add(text)
            if "^" in text or " " in text:  # a person name: each part of 3+ letters alone too
                bucket.update(p for p in re.split(r"[\^ ,]+", text) if len(p) >= 3)
            stamp = _parse_loose(text) if re.search(r"\d{4}", text) else None
            if stamp is not None:
                bucket.update(_date_spellings(stamp))

    def learn_dicom_header(self, patient: object, path: str) -> None:
        """Names, birth date and other ids from the DICOM header at ``path`` (missing/unreadable: nothing)."""
        try:
            import pydicom

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(path, stop_before_pixels=True, force=True, specific_tags=[
                    "PatientName", "PatientBirthDate", "OtherPatientIDs", "PatientID", "AccessionNumber",
                    "ReferringPhysicianName", "InstitutionName", "StudyDate"])
        except Exception:  # a header we cannot read names nobody: the generic patterns still apply
            return
        self.learn(patient, [str(ds.get(k, "") or "") for k in ("PatientName", "PatientBirthDate", "OtherPatientIDs",
                                                               "PatientID", "AccessionNumber", "ReferringPhysicianName",
                                                               "StudyDate")])

    def scrub(self, text: object, patient: object = None) -> str:
        """Text without the patient's known identifiers, source paths and identifier-shaped tokens."""
        if _blank(text):
            return ""
        out = str(text)
        known = sorted(self.known.get(patient_key(patient), ()), key=len, reverse=True) if patient is not None else []
        for item in known:
            if len(item) >= 3:
                out = re.sub(r"(?<!\w)" + re.escape(item) + r"(?!\w)", REDACTED, out, flags=re.IGNORECASE)
        out = _NAME_AFTER_CUE.sub(_redact_name, out)
        out = _GENERIC.sub(REDACTED, out)  # dates before paths: 12/03/2021 is a date, not a path
        return _PATH.sub(REDACTED, out)

    # -- tables ---------------------------------------------------------------------------------------------

    def table(self, frame: pd.DataFrame, drop_paths: bool = True) -> pd.DataFrame:
        """A de-identified copy of a pairs / manifest / rejects table (columns by name, see the module doc)."""
        df = frame.copy()
        patient_col = next((c for c in ("patient_id", "patient") if c in df), None)
        patients = df[patient_col].tolist() if patient_col else [None] * len(df)
        for col in df.columns:
            if col in TEXT_COLUMNS:
                df[col] = [self.scrub(v, p) for v, p in zip(df[col].tolist(), patients, strict=True)]
            elif DATE_COLUMN.search(col):
                df[col] = [self.date(v, p) for v, p in zip(df[col].tolist(), patients, strict=True)]
        for col, prefix in ID_COLUMNS.items():
            if col in df:
                df[col] = [self.pseudonym(v, prefix) for v in df[col].tolist()]
        if drop_paths:
            df = df.drop(columns=[c for c in PATH_COLUMNS if c in df])
        return df

    def learn_table(self, frame: pd.DataFrame, read_headers: bool = True) -> None:
        """Learn each patient's identifiers from a pairs-like table (and its DICOM headers)."""
        patient_col = next((c for c in ("patient_id", "patient") if c in frame), None)
        if patient_col is None:
            return
        id_cols = [c for c in (*ID_COLUMNS, "study_time", "report_time") if c in frame and c != "image_id"]
        path_col = next((c for c in ("image_path", "path", "dicom_path") if c in frame), None)
        for row in frame[[*id_cols, *([path_col] if path_col else [])]].to_dict("records"):
            self.learn(row[patient_col], [row[c] for c in id_cols])
            if read_headers and path_col and isinstance(row[path_col], str) and row[path_col].lower().endswith(".dcm"):
                self.learn_dicom_header(row[patient_col], row[path_col])


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() in ("", "nan", "NaT")


def _parse_loose(text: str) -> datetime | None:
    for fmt in ("%Y%m%d", "%Y.%m.%d", "%Y%m%d%H%M%S", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text[: len(datetime(2000, 1, 1).strftime(fmt))], fmt)
        except ValueError:
            continue
    return None


def _date_spellings(stamp: datetime) -> set[str]:
    d, m, y = stamp.day, stamp.month, stamp.year
    return {stamp.strftime("%Y%m%d"), stamp.strftime("%Y-%m-%d"), stamp.strftime("%Y.%m.%d"),
            stamp.strftime("%d/%m/%Y"), f"{d}/{m}/{y}", stamp.strftime("%d-%m-%Y"), stamp.strftime("%d.%m.%Y")}


__all__ = ["DeidError", "Deidentifier"]
