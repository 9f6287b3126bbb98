"""Matcher at hospital scale: header-scan rate on real files, match time and memory on 100k x 100k,
beside a naive pairwise loop on a subset, in the same run. Prints a JSON line.

    python bench/matcher_scale.py                 # 20,000 patients (~100k images, ~100k reports)
    python bench/matcher_scale.py --patients 2000 --scan-files 500   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rxlabel.matcher import synth  # noqa: E402
from rxlabel.matcher.match import MatchConfig  # noqa: E402
from rxlabel.matcher.pipeline import match_records  # noqa: E402
from rxlabel.matcher.scan import scan  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def naive(images: list[dict], reports, window_h: float = 24, before_h: float = 1) -> int:
    """The obvious double loop over every image and report (time rule only): the baseline."""
    from rxlabel.matcher.times import image_stamp

    stamps = [(r.get("patient_id", "").upper(), image_stamp(r)[0]) for r in images]
    n = 0
    for pid, st in stamps:
        if st is None:
            continue
        for rep in reports:
            if rep.patient_id.upper() == pid and rep.report_time is not None:
                d = rep.report_time.local - st.local
                if timedelta(hours=-before_h) <= d <= timedelta(hours=window_h):
                    n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=20000)
    ap.add_argument("--extra-visits", type=int, default=3)
    ap.add_argument("--scan-files", type=int, default=3000)
    ap.add_argument("--naive-subset", type=int, default=2000)
    args = ap.parse_args()

    t0 = time.perf_counter()
    a = synth.generate(args.patients, seed=1, extra_visits=args.extra_visits)
    reports = a.reports()
    gen_s = time.perf_counter() - t0
    n_img, n_rep = len(a.images), len(reports)
    rss_before = rss_mb()

    t0 = time.perf_counter()
    res = match_records(a.images, reports, MatchConfig(), services=frozenset({synth.CHEST}))
    match_s = time.perf_counter() - t0
    rss_after = rss_mb()
    score = synth.score(a, res.pairs, res.ambiguous)

    sub_i, sub_r = a.images[: args.naive_subset], reports[: args.naive_subset]
    t0 = time.perf_counter()
    naive(sub_i, sub_r)
    naive_s = time.perf_counter() - t0
    naive_full_s = naive_s * (n_img / len(sub_i)) * (n_rep / len(sub_r))

    with tempfile.TemporaryDirectory() as tmp:
        files = a.images[: args.scan_files]
        for i, rec in enumerate(files):
            synth.write_dicom(dict(rec), Path(tmp) / f"{i // 500:03d}" / f"{i:06d}.dcm", size=64)
        os.sync()
        t0 = time.perf_counter()
        recs = scan(tmp, jobs=1, quiet=True)
        scan1 = len(recs) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        recs2 = scan(tmp, jobs=2, quiet=True, chunk=128)
        scan2 = len(recs2) / (time.perf_counter() - t0)
        assert all(r["status"] == "ok" for r in recs), "scan failed on generated files"

    out = {
        "bench": "matcher_scale", "images": n_img, "reports": n_rep, "patients": args.patients,
        "generate_s": round(gen_s, 2), "match_s": round(match_s, 2), "peak_rss_mb": round(rss_after, 1),
        "rss_before_match_mb": round(rss_before, 1), "pairs": len(res.pairs), "precision": score["precision"],
        "recall": round(score["recall"], 4), "naive_subset": [len(sub_i), len(sub_r)], "naive_subset_s": round(naive_s, 2),
        "naive_full_estimate_s": round(naive_full_s, 1), "speedup_vs_naive": round(naive_full_s / match_s, 1),
        "scan_files": args.scan_files, "scan_files_per_s_1proc": round(scan1, 1), "scan_files_per_s_2proc": round(scan2, 1),
        "cpu_count": os.cpu_count(),
    }
    print(f"match {n_img:,} images x {n_rep:,} reports: {match_s:.1f} s (target < 30 s), peak RSS {rss_after:.0f} MB "
          f"(target < 2048); naive loop estimate {naive_full_s:,.0f} s -> {out['speedup_vs_naive']}x faster")
    print(f"header scan: {scan1:,.0f} files/s on 1 process (target >= 500/core), {scan2:,.0f} files/s on 2")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
