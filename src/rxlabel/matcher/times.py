"""Timestamps from DICOM, HL7 and HIS exports: local wall time plus an optional UTC offset.

Every parser returns a :class:`Stamp`. The wall time is kept exactly as written (naive);
the offset, when the source states one, is kept beside it so that the matcher can compare
in UTC when both sides know their offset and in local time otherwise, and say which it did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import regex


@dataclass(frozen=True)
class Stamp:
    """A wall-clock time, its UTC offset in minutes (None when unknown) and whether the time of day is known."""

    local: datetime
    offset_min: int | None = None
    date_only: bool = False

    @property
    def utc(self) -> datetime | None:
        """The instant in UTC (naive), or None when the offset is unknown."""
        if self.offset_min is None:
            return None
        return self.local - timedelta(minutes=self.offset_min)


_OFFSET = re.compile(r"^(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})$")


def parse_offset(text: str | None) -> int | None:
    """``+0700`` / ``-04:00`` / ``Z`` to minutes east of UTC; None for empty or malformed."""
    if text is None:
        return None
    text = str(text).strip()
    if not text:
        return None
    if text in ("Z", "z"):
        return 0
    m = _OFFSET.match(text)
    if not m:
        return None
    minutes = int(m["h"]) * 60 + int(m["m"])
    if minutes > 14 * 60:
        return None
    return minutes if m["sign"] == "+" else -minutes


def parse_da(text: str | None) -> date | None:
    """DICOM DA ``YYYYMMDD`` or the ACR-NEMA ``YYYY.MM.DD`` form; None if absent or invalid."""
    if text is None:
        return None
    s = str(text).strip()
    if not s:
        return None
    digits = s.replace(".", "").replace("-", "").replace("/", "")
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def parse_tm(text: str | None) -> tuple[int, int, int, int] | None:
    """DICOM TM ``HHMMSS.FFFFFF`` (or ACR-NEMA ``HH:MM:SS``) to (h, m, s, microseconds)."""
    if text is None:
        return None
    s = str(text).strip().replace(":", "")
    if not s:
        return None
    frac = 0
    if "." in s:
        s, f = s.split(".", 1)
        f = (f + "000000")[:6]
        if not f.isdigit():
            return None
        frac = int(f)
    if not s.isdigit() or len(s) not in (2, 4, 6):
        return None
    h = int(s[:2])
    mi = int(s[2:4]) if len(s) >= 4 else 0
    sec = int(s[4:6]) if len(s) >= 6 else 0
    if h > 23 or mi > 59 or sec > 60:
        return None
    return h, mi, min(sec, 59), frac


def combine(da: str | None, tm: str | None, offset: str | None = None) -> Stamp | None:
    """A DICOM date and time pair (time optional) as a Stamp."""
    d = parse_da(da)
    if d is None:
        return None
    t = parse_tm(tm)
    off = parse_offset(offset)
    if t is None:
        return Stamp(datetime(d.year, d.month, d.day), off, date_only=True)
    h, mi, s, us = t
    return Stamp(datetime(d.year, d.month, d.day, h, mi, s, us), off)


_DT = regex.compile(
    r"^(?P<y>\d{4})(?:(?P<mo>\d{2})(?:(?P<d>\d{2})(?:(?P<h>\d{2})(?:(?P<mi>\d{2})(?:(?P<s>\d{2})"
    r"(?:\.(?P<f>\d{1,6}))?)?)?)?)?)?(?P<off>[+-]\d{4}|Z)?$"
)


def parse_dt(text: str | None, offset: str | None = None) -> Stamp | None:
    """DICOM DT / HL7 TS ``YYYYMMDDHHMMSS.FFFFFF+ZZZZ`` (components may be truncated).

    A suffix offset wins over ``offset`` (DICOM's TimezoneOffsetFromUTC). A value with
    fewer than eight digits (year or month only) is too vague to match on and gives None.
    """
    if text is None:
        return None
    s = str(text).strip()
    m = _DT.match(s)
    if not m or m["d"] is None:
        return None
    try:
        base = datetime(int(m["y"]), int(m["mo"]), int(m["d"]))
    except ValueError:
        return None
    off = parse_offset(m["off"]) if m["off"] else parse_offset(offset)
    if m["h"] is None:
        return Stamp(base, off, date_only=True)
    h, mi, sec = int(m["h"]), int(m["mi"] or 0), int(m["s"] or 0)
    if h > 23 or mi > 59 or sec > 60:
        return None
    us = int((m["f"] + "000000")[:6]) if m["f"] else 0
    return Stamp(base.replace(hour=h, minute=mi, second=min(sec, 59), microsecond=us), off)


_HIS_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)
_ISO_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def parse_his_time(text: str | None, fmt: str | None = None) -> Stamp | None:
    """A HIS timestamp: ISO-like local time (optionally with an offset), a given strptime format, or HL7 TS."""
    if text is None:
        return None
    s = " ".join(str(text).split())
    if not s:
        return None
    if fmt:
        try:
            return Stamp(datetime.strptime(s, fmt))
        except ValueError:
            return None
    if s.isdigit() or regex.match(r"^\d{8,14}(\.\d+)?([+-]\d{4})?$", s):
        return parse_dt(s)
    off = None
    m = _ISO_OFFSET.search(s) if len(s) > 10 else None
    if m:
        off = parse_offset(m.group(1))
        s = s[: m.start()].rstrip()
    s = s.split(".")[0] if regex.match(r".*:\d{2}\.\d+$", s) else s
    for f in _HIS_FORMATS:
        try:
            return Stamp(datetime.strptime(s, f), off)
        except ValueError:
            continue
    for f in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return Stamp(datetime.strptime(s, f), off, date_only=True)
        except ValueError:
            continue
    return None


# DICOM fields tried in order for an image's study time; the first usable one wins and is recorded.
IMAGE_TIME_SOURCES = (
    ("StudyDate", "study_date", "study_time"),
    ("SeriesDate", "series_date", "series_time"),
    ("AcquisitionDateTime", "acq_datetime", None),
    ("AcquisitionDate", "acq_date", "acq_time"),
    ("ContentDate", "content_date", "content_time"),
)


def image_stamp(rec: dict) -> tuple[Stamp | None, str]:
    """The study time of a scanned header record and the tag it came from ('' when none is usable)."""
    tz = rec.get("tz_offset") or None
    first: tuple[Stamp, str] | None = None
    for name, dcol, tcol in IMAGE_TIME_SOURCES:
        st = parse_dt(rec.get(dcol), tz) if tcol is None else combine(rec.get(dcol), rec.get(tcol), tz)
        if st is None:
            continue
        if not st.date_only:
            # A later tag may give the time of day missing from the study date, but only for that same day.
            if first is None:
                return st, name
            if first[0].local.date() == st.local.date():
                return st, f"{first[1]}+{name}"
        elif first is None:
            first = (st, name)
    return first if first else (None, "")
