"""Property-based tests: the text normaliser, the matcher's time logic, the index's split invariants."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rxlabel.labeler.normalize import fold, make_key, strip_diacritics, to_nfc

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
REPORTISH = st.text(alphabet=st.sampled_from(list("aáàảãạăắâấđeéêếiíoóôốơớuúưứyýñ ÑÁĐ.,;:-•\n\t“”–[]XxNOMBRE*<>0123")),
                    max_size=200)


@given(TEXT, st.sampled_from(["es", "vi", "en"]), st.booleans())
def test_keys_keep_the_length_so_offsets_carry_over(text, lang, insensitive):
    text = to_nfc(text)
    key = make_key(text, lang, insensitive)
    assert len(key) == len(text)
    assert len(fold(text)) == len(text) and len(strip_diacritics(text)) == len(text)


@given(REPORTISH, st.sampled_from(["es", "vi"]))
def test_keys_are_idempotent_and_case_blind(text, lang):
    text = to_nfc(text)
    key = make_key(text, lang, True)
    assert make_key(key, lang, True) == key
    assert make_key(text.upper(), lang, True) == key or len(text.upper()) != len(text)


@given(REPORTISH)
def test_diacritic_insensitive_key_is_ascii_for_latin_text(text):
    key = make_key(to_nfc(text), "es", True)
    assert all(ord(c) < 128 for c in key), key


@given(st.integers(-14 * 60, 14 * 60))
def test_offsets_round_trip(minutes):
    from rxlabel.matcher.times import parse_offset

    sign = "+" if minutes >= 0 else "-"
    text = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    assert parse_offset(text) == minutes
    assert parse_offset(f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}") == minutes


def _one_pair(delta_min: float, shift_h: int = 0, img_tz: str = "", rep_offset: int | None = None):
    """Match one image and one report ``delta_min`` after it; both may be shifted / carry offsets."""
    from rxlabel.matcher import synth
    from rxlabel.matcher.match import MatchConfig
    from rxlabel.matcher.pipeline import match_records

    t = datetime(2021, 5, 3, 10, 0) + timedelta(hours=shift_h)
    rec = synth._image(random.Random(0), {"patient_id": "P1", "study_uid": "2.25.5", "accession": "", "modality": "CR"},
                       t, img_tz, "study", view="PA")
    rec["path"] = "/x/a.dcm"
    sess = {"id": "S1", "patient_id": "P1", "check_in": t - timedelta(hours=3), "check_out": t + timedelta(hours=40),
            "reports": [{"id": "R1", "service": synth.CHEST, "time": t + timedelta(minutes=delta_min),
                         "offset": rep_offset, "text": "x"}]}
    arch = synth.Archive(images=[rec], sessions=[sess])
    return match_records([rec], arch.reports(), MatchConfig(window_h=24, before_h=1))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(-300, 1800, allow_nan=False), st.integers(0, 23 * 30))
def test_a_report_pairs_by_time_iff_it_falls_in_the_window(delta_min, shift_h):
    assume(abs(delta_min + 60) > 1 and abs(delta_min - 24 * 60) > 1)  # not on the edge, where rounding decides
    res = _one_pair(delta_min, shift_h)
    inside = -60 < delta_min < 24 * 60
    assert (len(res.pairs) == 1) is inside
    s = res.summary
    assert s["paired_images"] + s["ambiguous_images"] + s["unmatched_images"] == 1


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(0, 20 * 60, allow_nan=False), st.integers(-12, 14))
def test_stating_the_same_offset_on_both_sides_changes_nothing(delta_min, hours):
    tz = f"{'+' if hours >= 0 else '-'}{abs(hours):02d}00"
    plain = _one_pair(delta_min)
    both = _one_pair(delta_min, img_tz=tz, rep_offset=hours * 60)
    assert len(plain.pairs) == len(both.pairs) == 1
    assert float(plain.pairs["delta_min"].iloc[0]) == pytest.approx(float(both.pairs["delta_min"].iloc[0]), abs=0.1)


PATIENTS = st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["a", "b", "c"])), min_size=1, max_size=200)


@settings(max_examples=80, deadline=None)
@given(PATIENTS, st.sampled_from([[0.7, 0.2, 0.1], [0.5, 0.5], [0.6, 0.2, 0.2], [0.34, 0.33, 0.33]]),
       st.integers(0, 2**31))
def test_splits_never_share_a_patient_and_are_seed_stable(rows, fractions, seed):
    import pandas as pd

    from rxlabel.index import dataset as index_dataset

    patients = pd.Series([f"P{p}" for p, _ in rows])
    classes = pd.Series([c for _, c in rows])
    split = index_dataset.assign_splits(patients, classes, fractions, seed)
    assert len(split) == len(rows)
    assert set(split) <= set(index_dataset.SPLITS[: len(fractions)])
    assert (pd.DataFrame({"p": patients, "s": split}).groupby("p")["s"].nunique() == 1).all()
    again = index_dataset.assign_splits(patients, classes, fractions, seed)
    assert split.tolist() == again.tolist()
    # the order rows come in does not matter
    shuffled = index_dataset.assign_splits(patients.iloc[::-1].reset_index(drop=True),
                                           classes.iloc[::-1].reset_index(drop=True), fractions, seed)
    assert dict(zip(patients.iloc[::-1], shuffled, strict=True)) == dict(zip(patients, split, strict=True))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=60, max_size=300), st.integers(0, 1000))
def test_split_shares_follow_the_fractions_when_patients_are_many(patient_ids, seed):
    import pandas as pd

    from rxlabel.index import dataset as index_dataset

    patients = pd.Series([f"P{i}" for i in range(len(patient_ids))])  # one image per patient
    classes = pd.Series(["x"] * len(patient_ids))
    split = index_dataset.assign_splits(patients, classes, [0.7, 0.2, 0.1], seed)
    share = split.value_counts(normalize=True)
    assert abs(share.get("train", 0) - 0.7) < 0.05 and abs(share.get("test", 0) - 0.1) < 0.05
