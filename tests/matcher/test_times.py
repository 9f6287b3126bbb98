from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from rxlabel.matcher.times import combine, image_stamp, parse_dt, parse_his_time, parse_offset


def test_dicom_and_acr_nema_dates():
    assert combine("20201103", "091240").local == datetime(2020, 11, 3, 9, 12, 40)
    assert combine("2020.11.03", "09:12:40").local == datetime(2020, 11, 3, 9, 12, 40)
    s = combine("20201103", None)
    assert s.date_only and s.local == datetime(2020, 11, 3)
    assert combine("20201340", "091240") is None
    assert combine("", "091240") is None


def test_offsets_from_suffix_or_tag():
    s = parse_dt("20150225091059-0500")
    assert s.offset_min == -300 and s.utc == datetime(2015, 2, 25, 14, 10, 59)
    assert parse_dt("20201103091240", "+0700").offset_min == 420
    assert parse_offset("Z") == 0 and parse_offset("+05:30") == 330 and parse_offset("junk") is None
    assert parse_dt("2020") is None  # a year alone is too vague to match on


def test_his_times():
    assert parse_his_time("2020-11-03 09:12:40").local == datetime(2020, 11, 3, 9, 12, 40)
    s = parse_his_time("2020-11-03 09:12:40+07:00")
    assert s.offset_min == 420 and s.utc == datetime(2020, 11, 3, 2, 12, 40)
    assert parse_his_time("03/11/2020 09:12").local == datetime(2020, 11, 3, 9, 12)
    assert parse_his_time("not a time") is None


def test_image_time_fallbacks():
    rec = {"study_date": "", "acq_datetime": "20201103091240", "content_date": "19950926", "content_time": "125130"}
    st_, src = image_stamp(rec)
    assert src == "AcquisitionDateTime" and st_.local.hour == 9
    # A study date without time borrows the time of day from a later tag only on the same day.
    st_, src = image_stamp({"study_date": "20040826", "content_date": "19950926", "content_time": "125130"})
    assert st_.date_only and src == "StudyDate"
    st_, src = image_stamp({"study_date": "20040826", "series_date": "20040826", "series_time": "185059"})
    assert not st_.date_only and src == "StudyDate+SeriesDate"
    assert image_stamp({}) == (None, "")


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2099, 12, 31)),
       st.integers(min_value=-12 * 60, max_value=14 * 60))
def test_dt_round_trip(t, off):
    t = t.replace(microsecond=0)
    sign = "+" if off >= 0 else "-"
    text = t.strftime("%Y%m%d%H%M%S") + f"{sign}{abs(off) // 60:02d}{abs(off) % 60:02d}"
    s = parse_dt(text)
    assert s.local == t and s.offset_min == off
    assert (s.local - s.utc).total_seconds() == off * 60
