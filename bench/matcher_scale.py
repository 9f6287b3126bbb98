"""Matcher at hospital scale: header-scan rate on real files, match time and memory on 100k x 100k,
beside a naive pairwise loop on a subset, in the same run. Prints a JSON line.

    python bench/matcher_scale.py                 # 20,000 patients (~100k images, ~100k reports)
    python bench/matcher_scale.py --patients 2000 --scan-files 500   # quick
    python bench/matcher_scale.py --shared-id 1000 2000 5000        # placeholder patient id, K images + K reports

``--shared-id K ...``: K images and K reports (all different texts) share one patient id ("WARD-7", not on
the placeholder list, so the data-driven rule must find it) within a few days, beside 2,000 normal
patients; each K is matched in a fresh child process (its own peak RSS) and its CPU seconds reported.
Before issue 18 this paired all against all: K = 1,000 / 2,000 / 3,000 took 2.8 / 10.6 / 26.5 CPU-s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
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


def _vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return rss_mb()


def shared_child(k: int, patients: int) -> dict:
    """Match ``patients`` normal patients plus ``k`` images and ``k`` reports of one shared id."""
    from rxlabel.matcher.his import Report
    from rxlabel.matcher.times import Stamp

    a = synth.generate(patients, seed=1)
    t0 = a.images[0]
    images, reports = list(a.images), a.reports()
    start = datetime(2021, 1, 10, 8, 0)
    for j in range(k):
        t = start + timedelta(minutes=j)
        images.append({**t0, "path": f"/shared/{j}.dcm", "sop_uid": f"9.{j}", "study_uid": f"9.9.{j}",
                       "series_uid": f"9.9.{j}.1", "patient_id": "WARD-7", "accession": "",
                       "study_date": t.strftime("%Y%m%d"), "study_time": t.strftime("%H%M%S"), "tz_offset": ""})
        reports.append(Report(report_id=f"W{j}", source="bench", source_format="bench", patient_id="WARD-7",
                              service_id=synth.CHEST, report_time=Stamp(t + timedelta(minutes=30)),
                              text=f"Informe {j}."))
    base = _vm_hwm_mb()
    cpu, wall = time.process_time(), time.perf_counter()
    res = match_records(images, reports, MatchConfig(), services=frozenset({synth.CHEST}))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    shared = res.unmatched_images["reason"].str.startswith("placeholder_patient_id").sum()
    return {"k": k, "images": len(images), "reports": len(reports), "match_cpu_s": round(cpu, 2),
            "match_wall_s": round(wall, 2), "peak_rss_mb": round(_vm_hwm_mb(), 1),
            "rss_before_match_mb": round(base, 1), "ambiguous_rows": len(res.ambiguous), "pairs": len(res.pairs),
            "placeholder_images": int(shared), "placeholder_ids": res.summary.get("placeholder_patient_ids")}


def run_shared(ks: list[int], patients: int) -> dict:
    import subprocess

    lines = []
    for k in ks:
        done = subprocess.run([sys.executable, __file__, "--shared-child", str(k), "--patients", str(patients)],
                              capture_output=True, text=True, check=True)
        lines.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = lines[-1]
        print(f"shared id K={k:>5}: match {r['match_cpu_s']:.2f} CPU-s ({r['match_wall_s']:.2f} s wall), "
              f"peak RSS {r['peak_rss_mb']:.0f} MB ({r['rss_before_match_mb']:.0f} before), "
              f"ambiguous rows {r['ambiguous_rows']}, placeholder images {r['placeholder_images']}")
    out = {"bench": "matcher_shared_id", "normal_patients": patients, "runs": lines,
           "load_average_1m": round(os.getloadavg()[0], 2), "cpu_count": os.cpu_count()}
    print(json.dumps(out))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared-id", type=int, nargs="+", help="K values: placeholder-id images/reports (see above)")
    ap.add_argument("--shared-child", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--patients", type=int, default=20000)
    ap.add_argument("--extra-visits", type=int, default=3)
    ap.add_argument("--scan-files", type=int, default=3000)
    ap.add_argument("--naive-subset", type=int, default=2000)
    args = ap.parse_args()
    if args.shared_child:
        print(json.dumps(shared_child(args.shared_child, args.patients)))
        return
    if args.shared_id:
        run_shared(args.shared_id, 2000 if args.patients == 20000 else args.patients)
        return

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
