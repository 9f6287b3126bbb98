"""Dask engine throughput beside one process, in the same run: labelling and the DICOM header scan.

    python bench/dask_engine.py [--reports 20000] [--files 3000] [--workers 2]

Labelling input: --reports reports of 2-6 sentences drawn at random from the sentences of the BIMCV-COVID19
Spanish reports in ../shared/data (sentences repeat, whole reports rarely do, as in an archive), or generated
Vietnamese reports when that folder is absent. Header scan: a generated archive (matcher.synth).
The cluster is started before timing (a long-running cluster is the normal deployment); its start-up time
is reported separately. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

BIMCV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "es" / "bimcv_covid19" / \
    "bimcv_covid19_reports_raw.jsonl"


def _reports(target: Path, n: int) -> tuple[str, str]:
    if BIMCV.is_file():
        import re

        rows = [json.loads(line) for line in BIMCV.read_text("utf-8").splitlines() if line.strip()]
        lang, source = "es", "reports of 2-6 sentences drawn from the BIMCV-COVID19 reports' sentences"
        sentences = sorted({s.strip() for r in rows for s in re.split(r"(?<=\.)\s+", r["text"]) if s.strip()})
        rng = random.Random(0)  # whole reports rarely repeat in an archive, their sentences often do
        texts = [" ".join(rng.sample(sentences, rng.randint(2, 6))) for _ in range(n)]
    else:
        from rxlabel.pipeline.archive import compose_report

        rng = random.Random(0)
        lang, source = "vi", "generated Vietnamese reports"
        texts = [compose_report("vi", {r: rng.random() < 0.3 for r in ("chest_wall", "pleura", "parenchyma",
                                                                         "cardio")}, rng) for _ in range(2000)]
    with open(target, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"report_id": f"r{i}", "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n")
    return lang, source


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=20000)
    ap.add_argument("--files", type=int, default=3000, help="about this many DICOM files")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    from distributed import Client, LocalCluster

    from rxlabel.labeler.batch import label_file
    from rxlabel.labeler.distributed import label_file_dask
    from rxlabel.matcher import synth
    from rxlabel.matcher.distributed import scan_dask
    from rxlabel.matcher.scan import scan

    tmp = Path(tempfile.mkdtemp(prefix="rxlabel-dask-bench-"))
    src = tmp / "reports.jsonl"
    lang, source = _reports(src, args.reports)
    a = synth.generate(n_patients=max(10, args.files // 2), seed=0)
    synth.write_archive_dicom(a, tmp / "dicom")
    n_files = len(a.images)

    from rxlabel import labeler
    labeler.load(lang)  # pack compiled once, outside the timings
    t0 = time.perf_counter()
    label_file(src, tmp / "one.jsonl", lang, progress=False)
    t_label_one = time.perf_counter() - t0
    t0 = time.perf_counter()
    one = scan(tmp / "dicom", quiet=True)
    t_scan_one = time.perf_counter() - t0

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster)
    client.run(lambda: __import__("labeler").load(lang) and None)  # each worker compiles the pack once
    t_start = time.perf_counter() - t0
    t0 = time.perf_counter()
    label_file_dask(src, tmp / "dask.jsonl", lang, client=client)
    t_label_dask = time.perf_counter() - t0
    t0 = time.perf_counter()
    many = scan_dask(tmp / "dicom", client, partition=256)
    t_scan_dask = time.perf_counter() - t0
    client.close()
    cluster.close()
    identical = (tmp / "one.jsonl").read_bytes() == (tmp / "dask.jsonl").read_bytes()
    same_scan = [{k: v for k, v in r.items() if k != "_v"} for r in many] == one
    result = {
        "bench": "dask_engine", "workers": args.workers, "reports": args.reports, "report_source": source,
        "label_one_process_per_s": round(args.reports / t_label_one, 1),
        "label_dask_per_s": round(args.reports / t_label_dask, 1),
        "label_ratio": round(t_label_one / t_label_dask, 2), "label_identical": identical,
        "files": n_files, "scan_one_process_per_s": round(n_files / t_scan_one, 1),
        "scan_dask_per_s": round(n_files / t_scan_dask, 1), "scan_ratio": round(t_scan_one / t_scan_dask, 2),
        "scan_identical": same_scan, "cluster_start_s": round(t_start, 1),
    }
    print(f"label: one process {result['label_one_process_per_s']:.0f} reports/s, dask x{args.workers} "
          f"{result['label_dask_per_s']:.0f} reports/s (x{result['label_ratio']}), identical: {identical}")
    print(f"scan:  one process {result['scan_one_process_per_s']:.0f} files/s, dask x{args.workers} "
          f"{result['scan_dask_per_s']:.0f} files/s (x{result['scan_ratio']}), identical: {same_scan}")
    print(f"cluster start (with pack compile on each worker): {t_start:.1f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
