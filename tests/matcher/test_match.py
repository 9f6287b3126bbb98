import json
from datetime import datetime, timedelta

import pandas as pd
from click.testing import CliRunner

from rxlabel.cli import main
from rxlabel.matcher import synth
from rxlabel.matcher.his import Report
from rxlabel.matcher.match import MatchConfig
from rxlabel.matcher.pipeline import match_records
from rxlabel.matcher.times import Stamp


def test_generated_archive_end_to_end_through_the_cli(archive, tmp_path):
    a, root = archive
    assert all(v > 0 for v in a.traps.values()) and len(a.traps) == 19, a.traps
    (root / "his" / "zz_broken.xml").write_text("<SESSIONS><SESSION>\n</SESSIONS>", "utf-8")
    out = tmp_path / "pairs.csv"
    r = CliRunner().invoke(main, ["match", "--dicom", str(root / "dicom"), "--his", str(root / "his"),
                                  "-o", str(out), "--quiet", "--services", "default", "--jobs", "2"])
    assert r.exit_code == 0, r.output
    assert "zz_broken.xml:2" in r.output  # the file and line of the malformed export
    pairs = pd.read_csv(out, dtype=str, keep_default_na=False)
    amb = pd.read_csv(tmp_path / "pairs.ambiguous.csv", dtype=str, keep_default_na=False)
    um_i = pd.read_csv(tmp_path / "pairs.unmatched_images.csv", dtype=str, keep_default_na=False)
    um_r = pd.read_csv(tmp_path / "pairs.unmatched_reports.csv", dtype=str, keep_default_na=False)
    s = synth.score(a, pairs, amb)
    assert s["precision"] == 1.0 and s["recall"] >= 0.99, s
    assert s["ambiguous_found"] == s["expected_ambiguous"] > 0 and s["unexpected_ambiguous"] == 0, s
    # every image and every report is accounted for, exactly once
    img_sets = [set(pairs["image_path"]), set(amb["image_path"]), set(um_i["path"])]
    assert sum(map(len, img_sets)) == len(a.images) and set.union(*img_sets) == {x["path"] for x in a.images}
    n_reports = sum(len(x["reports"]) for x in a.sessions)
    rep_sets = [set(pairs["report_id"]), set(amb["report_id"]) - set(pairs["report_id"]),
                set(um_r.loc[um_r["report_id"] != "", "report_id"])]
    assert sum(map(len, rep_sets)) == n_reports
    assert (um_r["reason"].str.startswith("unreadable_file")).sum() == 1
    assert set(pairs["rule"]) == {"study_uid", "accession+patient", "patient+time"}
    assert {"utc", "local"} <= set(pairs["time_basis"])
    assert pairs["resolution"].str.startswith("nearest_of_").any()
    summary = json.loads((tmp_path / "pairs.summary.json").read_text())
    assert summary["paired_images"] == len(set(pairs["image_path"]))


def _img(sop, pid, study, t, acc="", tz=""):
    return {"path": f"/{sop}.dcm", "status": "ok", "reason": "", "sop_uid": sop, "patient_id": pid,
            "study_uid": study, "series_uid": study + ".1", "accession": acc, "study_date": t.strftime("%Y%m%d"),
            "study_time": t.strftime("%H%M%S"), "tz_offset": tz, "modality": "DX", "body_part": "CHEST",
            "view_position": "PA"}


def _rep(rid, pid, t, text="Normal.", acc="", uids=(), off=None, check=None):
    ci, co = check or (None, None)
    return Report(report_id=rid, source="t", source_format="t", patient_id=pid, service_id="X",
                  report_time=Stamp(t, off), accession=acc, study_uids=tuple(uids), text=text,
                  check_in=Stamp(ci) if ci else None, check_out=Stamp(co) if co else None)


T = datetime(2021, 5, 4, 9, 0)


def _pairs(images, reports, **cfg):
    res = match_records(images, reports, MatchConfig(**cfg))
    return res, dict(zip(res.pairs["sop_uid"], res.pairs["report_id"], strict=True))


def test_rules_strongest_first_and_never_accession_alone():
    images = [_img("i1", "P1", "S1", T, acc="A1"), _img("i2", "P2", "S2", T, acc="A1")]
    reports = [_rep("r1", "P1", T + timedelta(days=30), acc="A1"),  # far in time: only the accession links it
               _rep("r2", "P3", T + timedelta(hours=1), acc="A1")]  # same accession, other patient: never
    res, got = _pairs(images, reports)
    assert got == {"i1": "r1"}
    assert res.pairs.loc[0, "rule"] == "accession+patient"
    reasons = dict(zip(res.unmatched_reports["report_id"], res.unmatched_reports["reason"], strict=True))
    assert reasons["r2"].startswith("no_image_for_patient")


def test_placeholder_and_reused_accessions_are_ignored():
    images = [_img("i1", "P1", "S1", T, acc="exam Number"), _img("i2", "P1", "S2", T + timedelta(days=9), acc="R7"),
              _img("i3", "P1", "S3", T + timedelta(days=20), acc="R7")]
    reports = [_rep("r1", "P1", T + timedelta(days=40), acc="AccessionNumber"),
               _rep("r3", "P1", T + timedelta(days=20, hours=2), acc="R7")]
    res, got = _pairs(images, reports)
    assert got == {"i3": "r3"} and res.pairs.loc[0, "rule"] == "patient+time"
    assert "reused" in res.unmatched_images.set_index("sop_uid").loc["i2", "reason"]


def test_study_uid_wins_and_a_wrong_uid_falls_back():
    images = [_img("i1", "", "S1", T), _img("i2", "P1", "S2", T + timedelta(hours=2))]
    reports = [_rep("r1", "P1", T + timedelta(hours=3), uids=["S1"]),
               _rep("r2", "P1", T + timedelta(hours=4), uids=["S-WRONG"], text="Other.")]
    res, got = _pairs(images, reports)
    assert got == {"i1": "r1", "i2": "r2"}
    notes = dict(zip(res.pairs["sop_uid"], res.pairs["note"], strict=True))
    assert "differs" in notes["i2"]


def test_uid_of_another_patient_is_not_trusted():
    res, got = _pairs([_img("i1", "P1", "S1", T)], [_rep("r1", "P9", T + timedelta(hours=1), uids=["S1"])])
    assert got == {}
    assert "another patient" in res.unmatched_images.loc[0, "reason"]


def test_window_session_and_time_zones():
    images = [_img("i1", "P1", "S1", T), _img("i2", "P2", "S2", T, tz="+0000"), _img("i3", "P3", "S3", T)]
    reports = [
        _rep("r1", "P1", T + timedelta(hours=25)),  # outside 24 h
        _rep("r2", "P2", T + timedelta(hours=7, minutes=30), off=420),  # UTC clock vs +07:00: 30 min apart
        _rep("r3", "P3", T + timedelta(hours=2), check=(T + timedelta(hours=1), T + timedelta(hours=5))),
    ]
    res, got = _pairs(images, reports)
    assert got == {"i2": "r2"}
    p = res.pairs.iloc[0]
    assert p["time_basis"] == "utc" and float(p["delta_min"]) == 30.0
    reasons = dict(zip(res.unmatched_images["sop_uid"], res.unmatched_images["reason"], strict=True))
    assert reasons["i1"].startswith("no_report_in_window") and reasons["i3"].startswith("outside_session")
    _, got = _pairs(images, reports, window_h=26)
    assert got["i1"] == "r1"


def test_retakes_same_text_nearest_different_text_review():
    images = [_img("i1", "P1", "S1", T), _img("i2", "P1", "S1", T + timedelta(minutes=3)),
              _img("j1", "P2", "S9", T)]
    reports = [_rep("a", "P1", T + timedelta(hours=2), "Normal heart."),
               _rep("b", "P1", T + timedelta(hours=3), " normal  HEART "),
               _rep("c", "P2", T + timedelta(hours=1), "Effusion."), _rep("d", "P2", T + timedelta(hours=2), "Normal.")]
    res, got = _pairs(images, reports)
    assert got == {"i1": "a", "i2": "a"}
    assert set(res.pairs["resolution"]) == {"nearest_of_2_same_text"}
    assert sorted(res.ambiguous["report_id"]) == ["c", "d"] and set(res.ambiguous["sop_uid"]) == {"j1"}
    reasons = dict(zip(res.unmatched_reports["report_id"], res.unmatched_reports["reason"], strict=True))
    assert reasons == {"b": "duplicate_text: same text as report a, which is nearer in time to the image"}


def test_join_equals_a_pairwise_loop():
    """The sorted range join finds exactly the pairs a naive double loop finds."""
    a = synth.generate(150, seed=11)
    res = match_records(a.images, a.reports(), MatchConfig(), services=frozenset({synth.CHEST}))
    naive = {}
    reps = [r for r in a.reports() if r.service_id == synth.CHEST and r.patient_id]
    from rxlabel.matcher.tables import image_table
    imgs, _ = image_table(a.images)
    for im in imgs.itertuples():
        if not im.patient_id or pd.isna(im.t_local):
            continue
        for r in reps:
            if r.patient_id.upper() != im.patient_id or not r.report_time:
                continue
            both = r.report_time.offset_min is not None and not pd.isna(im.t_off)
            shift = timedelta(minutes=(r.report_time.offset_min - im.t_off)) if both else timedelta(0)
            d = (r.report_time.local - im.t_local.to_pydatetime()) - shift
            end = timedelta(seconds=86399) if im.date_only else timedelta(0)
            if d + end >= timedelta(hours=-1) and d <= timedelta(hours=24):
                naive.setdefault(im.sop_uid, set()).add(r.report_id)
    time_pairs = res.pairs[res.pairs["rule"] == "patient+time"]
    for sop, rid in zip(time_pairs["sop_uid"], time_pairs["report_id"], strict=True):
        assert rid in naive.get(sop, set())
