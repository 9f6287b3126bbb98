"""Pair images with reports, strongest key first, by joins on keys and sorted times (no pairwise loops).

Rules, in order of strength:
1. ``study_uid``: the report carries the image's Study Instance UID (patients must not disagree);
2. ``accession+patient``: same accession number and same patient (placeholders and accessions reused
   on several studies of one patient are ignored);
3. ``patient+time``: same patient, report time within ``[study - before, study + window]``, study time
   within the visit session (check-in to check-out) when the report has one.

Placeholder patient ids ("ANONYMOUS", "0", "SIN ID", a ward's default) would pair every image with
every report that shares them, a cost that grows with the square. Such ids are taken out of the
patient-based rules (2 and 3): the documented list :data:`PLACEHOLDER_PATIENT_IDS` and any id with more
than ``MatchConfig.max_candidates`` images or reports of the same id around one report or image (no
real patient has that many chest studies in a few days). Their images and reports still match by
study UID; the rest go to the unmatched tables with reason ``placeholder_patient_id``. The same count
bounds the candidate pairs of any image or report, so memory stays linear in the input.

Times are compared in UTC when both sides state their offset and in local wall time otherwise; every
pair records which (``time_basis``). An image with several candidate reports of its strongest rule
takes the nearest in time when their normalised texts are all the same (a retake or a duplicate
export); when the texts differ every candidate goes to the review file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rxlabel import schema

RULES = ("study_uid", "accession+patient", "patient+time")
_S = 1_000_000  # microseconds per second; times are datetime64[us]


@dataclass(frozen=True)
class MatchConfig:
    """Time rules. ``window_h``: how long after the study a report may be signed; ``before_h``: how much
    earlier (clock skew between PACS and HIS); ``session_slack_min``: tolerance on check-in/out;
    ``his_tz``: the HIS's UTC offset (``+0700``) given to its times that state none, so that they
    compare in UTC with images whose offset is known (e.g. a modality clock kept in UTC)."""

    window_h: float = 24.0
    before_h: float = 1.0
    session_slack_min: float = 15.0
    his_tz: str | None = None
    max_candidates: int = 50


# Patient ids that are not a patient (compared after strip + case-fold, inner spaces, dots and dashes
# removed): exports write these when the id is unknown. Numeric ids of one repeated digit ("0000") too.
PLACEHOLDER_PATIENT_IDS = frozenset({
    "anonymous", "anonimo", "anónimo", "anon", "unknown", "desconocido", "sinid", "noid", "sindatos", "nn",
    "na", "n/a", "none", "null", "nil", "test", "prueba", "xxx", "xxxx", "patient", "paciente", "tmp",
    "temp", "temporal", "urgencias", "khongro", "khôngrõ", "vôdanh", "vodanh",
})


@dataclass
class MatchResult:
    pairs: pd.DataFrame
    ambiguous: pd.DataFrame
    unmatched_images: pd.DataFrame
    unmatched_reports: pd.DataFrame
    summary: dict = field(default_factory=dict)
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["source", "line", "level", "reason"]))


PAIR_COLUMNS = list(schema.PAIR_COLUMNS)  # the pairs table's columns, in order (rxlabel.schema)


def _fmt_times(local: pd.Series, off: pd.Series) -> pd.Series:
    s = pd.Series(pd.to_datetime(local).dt.strftime("%Y-%m-%dT%H:%M:%S"), index=local.index).fillna("")
    o = off.to_numpy(dtype=float)
    suffix = np.where(np.isnan(o), "", [_off_str(x) for x in np.nan_to_num(o)])
    return s + pd.Series(suffix, index=local.index).where(s != "", "")


def _off_str(minutes: float) -> str:
    m = int(minutes)
    sign = "+" if m >= 0 else "-"
    m = abs(m)
    return f"{sign}{m // 60:02d}{m % 60:02d}"


def _to_us(a) -> np.ndarray:
    """datetime64 -> int64 microseconds; NaT becomes the int64 minimum (callers mask it)."""
    return np.asarray(a, dtype="datetime64[us]").astype(np.int64)


_NAT = np.iinfo(np.int64).min


def _delta(cand: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(delta_lo, delta_hi) in seconds of report minus image (an interval for date-only images) and UTC basis."""
    r = _to_us(cand["r_local"])
    t = _to_us(cand["t_local"])
    r_off, t_off = cand["r_off"].to_numpy(float), cand["t_off"].to_numpy(float)
    utc = ~np.isnan(r_off) & ~np.isnan(t_off)
    shift = np.where(utc, (np.nan_to_num(r_off) - np.nan_to_num(t_off)) * 60.0, 0.0)
    valid = (r != _NAT) & (t != _NAT)
    d_hi = np.where(valid, (r - t) / _S - shift, np.nan)
    day = np.where(cand["date_only"].to_numpy(bool), 86399.0, 0.0)
    d_lo = d_hi - day
    return d_lo, d_hi, utc


def _distance(d_lo: np.ndarray, d_hi: np.ndarray) -> np.ndarray:
    inside = (d_lo <= 0) & (d_hi >= 0)
    return np.where(inside, 0.0, np.minimum(np.abs(d_lo), np.abs(d_hi)))


# ---------------------------------------------------------------- placeholder patient ids


def is_placeholder_patient_id(value: str) -> bool:
    """True for a documented placeholder id (:data:`PLACEHOLDER_PATIENT_IDS`) or one repeated digit."""
    key = "".join(ch for ch in str(value).strip().casefold() if ch not in " .-_")
    if not key:
        return False
    return key in PLACEHOLDER_PATIENT_IDS or (key.isdigit() and len(set(key)) == 1)


def _time_keys(images: pd.DataFrame, reports: pd.DataFrame, cfg: MatchConfig):
    """Sorted (patient, local second) keys of the images with a patient and a time, and each report's
    candidate range [lo, hi) in them: the widened window of the time rule (exact tests come later)."""
    i = images[(images["patient_id"] != "") & images["t_local"].notna()]
    r = reports[(reports["patient_id"] != "") & reports["r_local"].notna()]
    if i.empty or r.empty:
        return None
    codes, _ = pd.factorize(pd.concat([i["patient_id"], r["patient_id"]], ignore_index=True))
    ic, rc = codes[: len(i)].astype(np.int64), codes[len(i) :].astype(np.int64)
    it, rt = _to_us(i["t_local"]) // _S, _to_us(r["r_local"]) // _S
    # Local clocks may differ by up to 26 h between zones: widen, then test exactly below.
    margin = 26 * 3600 + 86400
    window, before = int(cfg.window_h * 3600), int(cfg.before_h * 3600)
    base = min(it.min(), rt.min()) - window - margin - 1
    span = 1 << 34
    ikey = ic * span + (it - base)
    order = np.argsort(ikey, kind="stable")
    skey = ikey[order]
    lo = np.searchsorted(skey, rc * span + (rt - window - margin - base), "left")
    hi = np.searchsorted(skey, rc * span + (rt + before + margin - base), "right")
    # The same range seen from each image: how many reports of its patient could pair with it.
    rkey = np.sort(rc * span + (rt - base))
    ilo = np.searchsorted(rkey, ikey - before - margin, "left")
    ihi = np.searchsorted(rkey, ikey + window + margin, "right")
    return i, r, order, lo, hi, ihi - ilo


def overloaded_patient_ids(images: pd.DataFrame, reports: pd.DataFrame, cfg: MatchConfig) -> set[str]:
    """Patient ids that are placeholders: listed, or with more than ``cfg.max_candidates`` images around
    one of their reports (or reports around one image) in the time rule's range. O(n log n), no pairs built."""
    ids = set(pd.unique(pd.concat([images["patient_id"], reports["patient_id"]], ignore_index=True)))
    flagged = {p for p in ids if p and is_placeholder_patient_id(p)}
    keys = _time_keys(images, reports, cfg)
    if keys is not None:
        i, r, _, lo, hi, per_image = keys
        flagged |= set(r["patient_id"].to_numpy()[(hi - lo) > cfg.max_candidates])
        flagged |= set(i["patient_id"].to_numpy()[per_image > cfg.max_candidates])
    return flagged


# ---------------------------------------------------------------- candidate generation


def _by_uid(images: pd.DataFrame, reports: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    r = reports[["rep", "study_uids", "patient_id"]].explode("study_uids").dropna(subset=["study_uids"])
    r = r[r["study_uids"] != ""].rename(columns={"study_uids": "study_uid", "patient_id": "r_pid"})
    i = images.loc[images["study_uid"] != "", ["img", "study_uid", "patient_id"]]
    c = r.merge(i, on="study_uid")
    conflict = (c["r_pid"] != "") & (c["patient_id"] != "") & (c["r_pid"] != c["patient_id"])
    return c.loc[~conflict, ["rep", "img"]].drop_duplicates(), c.loc[conflict, ["rep", "img"]]


def _by_accession(images: pd.DataFrame, reports: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    i = images.loc[(images["accession"] != "") & (images["patient_id"] != ""), ["img", "patient_id", "accession", "study_uid"]]
    studies = i.groupby(["patient_id", "accession"])["study_uid"].nunique()
    reused = studies[studies > 1].reset_index()[["patient_id", "accession"]]
    r = reports.loc[(reports["accession"] != "") & (reports["patient_id"] != ""), ["rep", "patient_id", "accession"]]
    c = r.merge(i, on=["patient_id", "accession"])
    bad = c.merge(reused, on=["patient_id", "accession"], how="left", indicator=True)["_merge"].eq("both").to_numpy()
    return c.loc[~bad, ["rep", "img"]], c.loc[bad, ["rep", "img"]]


def _by_time(images: pd.DataFrame, reports: pd.DataFrame, cfg: MatchConfig) -> pd.DataFrame:
    """Range join on (patient, local time) over sorted keys, then exact tests with offsets and sessions.

    Overloaded patient ids are blanked by :func:`match_tables` first; the cap on each report's range
    is a second guard, so the candidate table never exceeds ``max_candidates`` rows per report."""
    keys = _time_keys(images, reports, cfg)
    if keys is None:
        return pd.DataFrame(columns=["rep", "img", "in_window", "in_session"])
    i, r, order, lo, hi, _ = keys
    window, before = int(cfg.window_h * 3600), int(cfg.before_h * 3600)
    n = np.minimum(hi - lo, cfg.max_candidates)
    rep_pos = np.repeat(np.arange(len(r)), n)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(n)[:-1])), n)
    img_pos = order[np.arange(n.sum()) + starts]
    cand = pd.DataFrame({"rep": r["rep"].to_numpy()[rep_pos], "img": i["img"].to_numpy()[img_pos]})
    cand = _attach(cand, images, reports)
    d_lo, d_hi, _ = _delta(cand)
    in_window = (d_hi >= -before) & (d_lo <= window)
    cand["in_window"] = in_window
    cand["in_session"] = _in_session(cand, cfg)
    return cand.loc[in_window, ["rep", "img", "in_window", "in_session"]].reset_index(drop=True)


def _in_session(cand: pd.DataFrame, cfg: MatchConfig) -> np.ndarray:
    """Study time within [check-in, check-out] (with slack); true when the report has no session."""
    slack = cfg.session_slack_min * 60
    t = _to_us(cand["t_local"])
    t_off = cand["t_off"].to_numpy(float)
    t_end = t + np.where(cand["date_only"].to_numpy(bool), 86399 * _S, 0)
    ok = np.ones(len(cand), dtype=bool)
    for col, off_col, sign in (("in_local", "in_off", 1), ("out_local", "out_off", -1)):
        b = _to_us(cand[col])
        has = b != _NAT
        b_off = cand[off_col].to_numpy(float)
        utc = ~np.isnan(b_off) & ~np.isnan(t_off)
        shift = np.where(utc, (np.nan_to_num(t_off) - np.nan_to_num(b_off)) * 60 * _S, 0).astype(np.int64)
        if sign == 1:  # study must end after check-in
            good = (t_end - shift) >= b - slack * _S
        else:  # study must start before check-out
            good = (t - shift) <= b + slack * _S
        ok &= ~has | good
    return ok


def _attach(cand: pd.DataFrame, images: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    ic = ["t_local", "t_off", "date_only"]
    rc = ["r_local", "r_off", "in_local", "in_off", "out_local", "out_off"]
    out = cand.copy()
    ii, rr = cand["img"].to_numpy(), cand["rep"].to_numpy()
    for c in ic:
        out[c] = images[c].to_numpy()[ii]
    for c in rc:
        out[c] = reports[c].to_numpy()[rr]
    return out


# ---------------------------------------------------------------- resolution


def match_tables(images: pd.DataFrame, reports: pd.DataFrame, cfg: MatchConfig | None = None) -> MatchResult:
    """Match prepared tables (see :mod:`matcher.tables`); rejected inputs are added by :func:`matcher.pipeline.run`."""
    cfg = cfg or MatchConfig()
    images = images.reset_index(drop=True).copy()
    reports = reports.reset_index(drop=True).copy()
    images["img"] = np.arange(len(images))
    reports["rep"] = np.arange(len(reports))
    for frame in (images, reports):
        # Keys are text; an empty table (every HIS file unreadable) would otherwise carry float columns.
        for col in ("patient_id", "accession", "study_uid"):
            if col in frame:
                frame[col] = frame[col].fillna("").astype(str)

    # Placeholder ids take no part in patient-based rules (nor in the study-UID patient check): blank
    # them while candidates are made, restore them for the outputs.
    placeholders = overloaded_patient_ids(images, reports, cfg)
    original = images["patient_id"].copy(), reports["patient_id"].copy()
    img_ph, rep_ph = images["patient_id"].isin(placeholders), reports["patient_id"].isin(placeholders)
    images.loc[img_ph, "patient_id"] = ""
    reports.loc[rep_ph, "patient_id"] = ""
    c1, uid_conflict = _by_uid(images, reports)
    c2, acc_reused = _by_accession(images, reports)
    tw = _by_time(images, reports, cfg)
    images["patient_id"], reports["patient_id"] = original
    images["placeholder"], reports["placeholder"] = img_ph.to_numpy(), rep_ph.to_numpy()
    c3 = tw.loc[tw["in_session"], ["rep", "img"]]
    cand = pd.concat([c1.assign(rank=0), c2.assign(rank=1), c3.assign(rank=2)], ignore_index=True)
    cand = cand.astype({"rep": np.int64, "img": np.int64})  # empty inputs would leave float index columns
    cand = cand.sort_values(["rep", "img", "rank"]).drop_duplicates(["rep", "img"], keep="first")
    # A report bound to a study by a key is not offered to other images by time, and an image bound by
    # a key takes no report by time: strongest rule per report first, then per image.
    cand = cand[cand["rank"] == cand.groupby("rep")["rank"].transform("min")]
    cand = cand[cand["rank"] == cand.groupby("img")["rank"].transform("min")].copy()

    cand = _attach(cand.reset_index(drop=True), images, reports)
    d_lo, d_hi, utc = _delta(cand)
    cand["dist"] = _distance(d_lo, d_hi)
    cand["delta_min"] = np.round(np.where(np.isnan(d_hi), np.nan, (d_lo + d_hi) / 2) / 60.0, 1)
    cand["time_basis"] = np.where(np.isnan(d_hi), "none", np.where(utc, "utc", "local"))
    cand["norm_text"] = reports["norm_text"].to_numpy()[cand["rep"].to_numpy()]
    g = cand.groupby("img")
    cand["n_cand"] = g["rep"].transform("size")
    cand["n_text"] = g["norm_text"].transform("nunique")

    single = cand[cand["n_cand"] == 1].assign(resolution="single")
    same = cand[(cand["n_cand"] > 1) & (cand["n_text"] == 1)].copy()
    same["r_sort"] = _to_us(same["r_local"])
    same = same.sort_values(["img", "dist", "r_sort", "rep"])
    chosen = same.drop_duplicates("img", keep="first")
    chosen = chosen.assign(resolution=[f"nearest_of_{n}_same_text" for n in chosen["n_cand"]])
    amb = cand[(cand["n_cand"] > 1) & (cand["n_text"] > 1)]

    pairs = pd.concat([single, chosen], ignore_index=True)
    pairs = _pair_frame(pairs, images, reports)
    ambiguous = _ambiguous_frame(amb, images, reports)

    # ---------------- accounting: every image and report ends in exactly one place
    paired_img = set(pairs["_img"])
    amb_img = set(amb["img"])
    paired_rep = set(pairs["_rep"])
    amb_rep = set(amb["rep"]) - paired_rep
    lost_same = same[~same.index.isin(chosen.index)]
    winners = chosen.set_index("img")["rep"]
    um_img = _unmatched_images(images, paired_img | amb_img, tw, uid_conflict, acc_reused, reports)
    um_rep = _unmatched_reports(reports, images, paired_rep | amb_rep, tw, cand, lost_same, winners,
                                uid_conflict, acc_reused)
    summary = {
        "images": len(images), "reports": len(reports),
        "pairs": len(pairs), "paired_images": len(paired_img), "paired_reports": len(paired_rep),
        "ambiguous_images": len(amb_img), "ambiguous_reports": len(amb_rep),
        "unmatched_images": len(um_img), "unmatched_reports": len(um_rep),
        "by_rule": {k: int(v) for k, v in pairs["rule"].value_counts().items()},
        "time_basis": {k: int(v) for k, v in pairs["time_basis"].value_counts().items()},
        "placeholder_patient_ids": sorted(placeholders),
    }
    pairs = pairs.drop(columns=["_img", "_rep"])
    return MatchResult(pairs, ambiguous, um_img, um_rep, summary)


def _pair_frame(p: pd.DataFrame, images: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    ii, rr = p["img"].to_numpy(), p["rep"].to_numpy()
    im, rp = images.iloc[ii].reset_index(drop=True), reports.iloc[rr].reset_index(drop=True)
    uid_note = [
        "" if not uids or uid in uids else "report study UID differs from the image's"
        for uids, uid in zip(rp["study_uids"], im["study_uid"], strict=True)
    ]
    out = pd.DataFrame({
        "image_path": im["path"], "sop_uid": im["sop_uid"], "study_uid": im["study_uid"],
        "series_uid": im["series_uid"], "patient_id": im["patient_id"].where(im["patient_id"] != "", rp["patient_id"]),
        "study_time": _fmt_times(im["t_local"], im["t_off"]), "time_source": im["time_source"], "view": im["view"],
        "session_id": rp["session_id"], "report_id": rp["report_id"],
        "report_time": _fmt_times(rp["r_local"], rp["r_off"]), "text": rp["text"], "conclusion": rp["conclusion"],
        "rule": [RULES[k] for k in p["rank"]], "time_basis": p["time_basis"].to_numpy(),
        "delta_min": p["delta_min"].to_numpy(), "resolution": p["resolution"].to_numpy(),
        "note": [("; ".join(x for x in (a, b) if x)) for a, b in zip(uid_note, im["chest_note"], strict=True)],
        "report_source": rp["source"],
        "_img": ii, "_rep": rr,
    })
    out = out[[*PAIR_COLUMNS, "_img", "_rep"]]  # the contract's order; a column missing here fails loudly
    return out.sort_values(["patient_id", "study_time", "image_path"], kind="stable").reset_index(drop=True)


def _ambiguous_frame(a: pd.DataFrame, images: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    cols = ["image_path", "sop_uid", "patient_id", "study_time", "candidates", "report_id", "report_time",
            "rule", "delta_min", "text", "conclusion", "decision"]
    if a.empty:
        return pd.DataFrame(columns=cols)
    ii, rr = a["img"].to_numpy(), a["rep"].to_numpy()
    im, rp = images.iloc[ii].reset_index(drop=True), reports.iloc[rr].reset_index(drop=True)
    out = pd.DataFrame({
        "image_path": im["path"], "sop_uid": im["sop_uid"], "patient_id": im["patient_id"],
        "study_time": _fmt_times(im["t_local"], im["t_off"]), "candidates": a["n_cand"].to_numpy(),
        "report_id": rp["report_id"], "report_time": _fmt_times(rp["r_local"], rp["r_off"]),
        "rule": [RULES[k] for k in a["rank"]], "delta_min": a["delta_min"].to_numpy(),
        "text": rp["text"], "conclusion": rp["conclusion"], "decision": "",
    })
    return out.sort_values(["patient_id", "image_path", "report_time"], kind="stable").reset_index(drop=True)


def _unmatched_images(images, done, tw, uid_conflict, acc_reused, reports) -> pd.DataFrame:
    rest = images[~images["img"].isin(done)]
    in_window = set(tw["img"])
    in_session = set(tw.loc[tw["in_session"], "img"])
    conflict = set(uid_conflict["img"])
    reused = set(acc_reused["img"])
    rep_patients = set(reports["patient_id"])
    reasons = []
    for row in rest.itertuples(index=False):
        if row.placeholder:
            reasons.append("placeholder_patient_id: its PatientID is a placeholder or shared by more studies "
                           "than a patient has; matched by study UID only")
        elif row.img in in_session:
            reasons.append("reports_bound_elsewhere: its candidate reports were paired by a stronger key")
        elif row.img in in_window:
            reasons.append("outside_session: a report is within the time window but the study is outside that visit's check-in/out")
        elif not row.patient_id:
            reasons.append("no_patient_id: no PatientID and no report carries its study UID or accession")
        elif pd.isna(row.t_local) and getattr(row, "date_note", ""):
            reasons.append(f"no_study_time: {row.date_note}; no other usable StudyDate, SeriesDate, "
                           "AcquisitionDateTime or ContentDate, and no key match")
        elif pd.isna(row.t_local):
            reasons.append("no_study_time: no StudyDate, SeriesDate, AcquisitionDateTime or ContentDate, and no key match")
        elif row.patient_id not in rep_patients:
            reasons.append("no_report_for_patient")
        else:
            reasons.append("no_report_in_window: the patient's reports are outside the time window")
        if row.img in conflict:
            reasons[-1] += "; a report carries its study UID but names another patient"
        if row.img in reused:
            reasons[-1] += "; its accession number is reused on another study of the patient (ignored)"
    return pd.DataFrame({"path": rest["path"], "sop_uid": rest["sop_uid"], "patient_id": rest["patient_id"],
                         "reason": reasons}, columns=["path", "sop_uid", "patient_id", "reason"]).reset_index(drop=True)


def _unmatched_reports(reports, images, done, tw, cand, lost_same, winners, uid_conflict, acc_reused) -> pd.DataFrame:
    rest = reports[~reports["rep"].isin(done)]
    lost = dict(zip(lost_same["rep"], lost_same["img"], strict=True))
    rep_id = reports["report_id"].to_numpy()
    in_window = set(tw["rep"])
    in_session = set(tw.loc[tw["in_session"], "rep"])
    conflict = set(uid_conflict["rep"])
    img_patients = set(images["patient_id"])
    reasons = []
    for row in rest.itertuples(index=False):
        if row.rep in lost:
            reasons.append(f"duplicate_text: same text as report {rep_id[winners[lost[row.rep]]]}, which is nearer in time to the image")
        elif row.placeholder:
            reasons.append("placeholder_patient_id: its patient id is a placeholder or shared by more reports "
                           "than a patient has; matched by study UID only")
        elif row.rep in in_session:
            reasons.append("images_bound_elsewhere: its candidate images were paired by a stronger key")
        elif row.rep in in_window:
            reasons.append("outside_session: an image is within the time window but outside the visit's check-in/out")
        elif not row.patient_id and not row.study_uids:
            reasons.append("no_patient_id: the report names no patient and carries no study UID")
        elif pd.isna(row.r_local):
            reasons.append("no_report_time: no usable REPORT_TIME and no key match")
        elif row.patient_id not in img_patients:
            reasons.append("no_image_for_patient: no chest PA image of this patient in the archive")
        else:
            reasons.append("no_image_in_window: the patient's images are outside the time window")
        if row.rep in conflict:
            reasons[-1] += "; its study UID belongs to another patient's image"
    return pd.DataFrame({"report_id": rest["report_id"], "source": rest["source"], "patient_id": rest["patient_id"],
                         "reason": reasons}, columns=["report_id", "source", "patient_id", "reason"]).reset_index(drop=True)
