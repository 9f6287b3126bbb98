"""Issue 18.1: placeholder / overloaded patient ids do not pair all against all (quadratic) and do not
change any real patient's pairs; their images and reports are accounted for with a reason."""

from datetime import timedelta

import pytest

from rxlabel.matcher import synth
from rxlabel.matcher.match import MatchConfig, is_placeholder_patient_id
from rxlabel.matcher.pipeline import match_records
from tests.matcher.test_match import T, _img, _rep


def _shared_id(pid: str, k: int, prefix: str):
    """``k`` images and ``k`` reports (all different texts) of one id within three days."""
    images = [_img(f"{prefix}i{j}", pid, f"{prefix}S{j}", T + timedelta(minutes=j)) for j in range(k)]
    reports = [_rep(f"{prefix}r{j}", pid, T + timedelta(minutes=j + 20), text=f"Informe {j}.") for j in range(k)]
    return images, reports


def _keyed(frame, cols):
    return sorted(map(tuple, frame[cols].astype(str).to_numpy().tolist()))


@pytest.mark.parametrize(("value", "expected"), [
    ("ANONYMOUS", True), (" anónimo ", True), ("SIN ID", True), ("sin-id", True), ("N/A", True),
    ("0", True), ("00000000", True), ("999999", True), ("", False), ("P0001", False), ("12345", False),
    ("Nguyen Van A", False),
])
def test_documented_placeholder_list(value, expected):
    assert is_placeholder_patient_id(value) is expected


def test_5000_shared_id_images_beside_normal_patients():
    a = synth.generate(150, seed=3)
    base = match_records(a.images, a.reports())
    shared_i, shared_r = _shared_id("WARD-7", 5000, "w")  # not in the list: found from the data
    listed_i, listed_r = _shared_id("ANONYMOUS", 3, "a")  # few, but on the documented list
    uid_i = [_img("u1", "WARD-7", "US1", T)]
    uid_r = [_rep("ur1", "WARD-7", T + timedelta(hours=2), uids=("US1",))]  # a study UID still pairs it
    res = match_records([*a.images, *shared_i, *listed_i, *uid_i], [*a.reports(), *shared_r, *listed_r, *uid_r])

    assert set(res.summary["placeholder_patient_ids"]) == {"WARD-7", "ANONYMOUS"}
    normal = res.pairs[~res.pairs["patient_id"].isin(["WARD-7", "ANONYMOUS"])]
    cols = ["image_path", "report_id", "rule", "resolution", "delta_min"]
    assert _keyed(normal, cols) == _keyed(base.pairs, cols)  # no real patient's pair changes
    assert _keyed(res.ambiguous, ["image_path", "report_id"]) == _keyed(base.ambiguous, ["image_path", "report_id"])
    assert res.pairs.loc[res.pairs["patient_id"] == "WARD-7", "report_id"].tolist() == ["ur1"]

    um_i = res.unmatched_images
    ph_i = um_i[um_i["reason"].str.startswith("placeholder_patient_id")]
    assert set(ph_i["sop_uid"]) == {x["sop_uid"] for x in [*shared_i, *listed_i]}
    um_r = res.unmatched_reports
    ph_r = um_r[um_r["reason"].str.startswith("placeholder_patient_id")]
    assert set(ph_r["report_id"]) == {x.report_id for x in [*shared_r, *listed_r]}
    # every image and report in exactly one place
    n_img = len(a.images) + 5000 + 3 + 1
    assert res.summary["paired_images"] + res.summary["ambiguous_images"] + len(um_i) == n_img
    assert len(set(res.pairs["sop_uid"])) + len(set(res.ambiguous["sop_uid"])) + len(set(um_i["sop_uid"])) == n_img
    n_rep = len(a.reports()) + 5000 + 3 + 1
    assert res.summary["paired_reports"] + res.summary["ambiguous_reports"] + len(um_r) == n_rep


def test_a_busy_real_patient_is_not_a_placeholder():
    """An ICU patient with a study every 4 hours for a week keeps pairing by time."""
    images = [_img(f"i{j}", "P9", f"S{j}", T + timedelta(hours=4 * j)) for j in range(42)]
    reports = [_rep(f"r{j}", "P9", T + timedelta(hours=4 * j, minutes=30), text=f"Control {j}.") for j in range(42)]
    res = match_records(images, reports, MatchConfig(window_h=2))
    assert res.summary["placeholder_patient_ids"] == []
    assert len(res.pairs) == 42


def test_the_limit_is_a_setting():
    images, reports = _shared_id("P1", 8, "p")
    assert match_records(images, reports, MatchConfig(max_candidates=5)).summary["placeholder_patient_ids"] == ["P1"]
    assert match_records(images, reports).summary["placeholder_patient_ids"] == []
