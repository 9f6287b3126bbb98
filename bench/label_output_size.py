"""Label output size: JSONL (and CSV) bytes over the input CSV's, per evidence format (issue 18 item 3).

For each real corpus in ../shared/data (the 2,465 BIMCV-COVID19 Spanish reports, pack ``es``; the 400
Vietnamese dev reports, pack ``vi``), the reports are written to a CSV (``report_id,text``) and labelled
with ``label_file`` once per ``--modes`` (compact: the default record format 2; full: the previous
release's verbose lines, byte for byte; none: labels only). ``--replicate N`` also labels the BIMCV
reports cycled to N rows (unique ids, streamed to a temporary CSV) in a child process: the size at archive
scale, with seconds and peak RSS. Every run checks that the compact file reads back (with the report
text) as the full one, record for record, when both are written.

    python bench/label_output_size.py                       # ~1 min: both corpora, all three formats
    python bench/label_output_size.py --replicate 1000000   # + 1M BIMCV-length reports (compact, full)
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from _results import emit  # noqa: E402
from labeler_throughput import REAL as CORPORA  # noqa: E402
from labeler_throughput import _peak_rss_mb, real_reports  # noqa: E402

from rxlabel.labeler.aggregate import attach_text  # noqa: E402
from rxlabel.labeler.batch import label_file  # noqa: E402
from rxlabel.labeler.io import read_records  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "label_output_size.jsonl"


def write_csv(path: Path, texts, n: int | None = None) -> None:
    """``report_id,text`` rows, the texts cycled to ``n`` rows when given (streamed: flat memory)."""
    rows = itertools.islice(itertools.cycle(texts), n) if n else texts
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["report_id", "text"])
        writer.writerows((f"r{i}", t) for i, t in enumerate(rows))


def lossless(compact: Path, full: Path, source: Path) -> bool:
    """The compact file, windows recovered from the input text, reads as the full file, record for record."""
    with source.open(encoding="utf-8", newline="") as fh:
        texts = {r["report_id"]: unicodedata.normalize("NFC", r["text"]) for r in csv.DictReader(fh)}
    return all(attach_text(a, texts[a["report_id"]]) == b
               for a, b in zip(read_records(compact), read_records(full), strict=True))


def measure(lang: str, source: Path, folder: Path, modes: list[str], suffix: str = ".jsonl") -> dict:
    """Label ``source`` once per mode; bytes, ratio to the input and seconds of each."""
    out: dict = {"reports": sum(1 for _ in read_rows(source)), "input_bytes": source.stat().st_size}
    for mode in modes:
        target = folder / f"{lang}_{mode}_{suffix[1:]}{suffix}"
        started = time.perf_counter()
        label_file(source, target, lang, progress=False, evidence=mode)
        size = target.stat().st_size
        out[mode] = {"bytes": size, "over_input": round(size / out["input_bytes"], 3),
                     "bytes_per_report": round(size / out["reports"], 1),
                     "seconds": round(time.perf_counter() - started, 1)}
    if {"compact", "full"} <= set(modes):
        out["compact_reads_as_full"] = lossless(folder / f"{lang}_compact_{suffix[1:]}{suffix}", folder / f"{lang}_full_{suffix[1:]}{suffix}",
                                                source)
    return out


def read_rows(source: Path):
    with source.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def replicate_child(n: int, mode: str) -> dict:
    """In a fresh process: BIMCV cycled to ``n`` rows, labelled in ``mode``; sizes, seconds, peak RSS."""
    texts = real_reports("es")
    with tempfile.TemporaryDirectory(prefix="rxlabel-size-") as tmp:
        source = Path(tmp) / "reports.csv"
        write_csv(source, texts, n)
        target = Path(tmp) / "labels.jsonl"
        started, cpu = time.perf_counter(), time.process_time()
        summary = label_file(source, target, "es", progress=False, evidence=mode)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        size, in_size = target.stat().st_size, source.stat().st_size
    return {"mode": mode, "reports": n, "accounted": summary.template + summary.rule + summary.review + summary.rejected,
            "input_mb": round(in_size / 2**20, 1), "output_mb": round(size / 2**20, 1),
            "over_input": round(size / in_size, 3), "seconds": round(seconds, 1), "cpu_s": round(cpu, 1),
            "reports_per_second": round(n / seconds), "peak_rss_mb": _peak_rss_mb()}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modes", nargs="+", default=["compact", "full", "none"], choices=["compact", "full", "none"])
    parser.add_argument("--langs", nargs="+", default=["es", "vi"], choices=sorted(CORPORA))
    parser.add_argument("--csv", action="store_true", help="also the flattened CSV output (evidence cell)")
    parser.add_argument("--replicate", type=int, default=0, help="also BIMCV cycled to N reports (child process)")
    parser.add_argument("--replicate-modes", nargs="+", default=["compact", "full"], choices=["compact", "full", "none"])
    parser.add_argument("--child", nargs=2, metavar=("N", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--no-append", action="store_true", help="do not append to bench/results")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(replicate_child(int(args.child[0]), args.child[1])))
        return {}
    record: dict = {"bench": "label_output_size", "date": time.strftime("%Y-%m-%d"), "load": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="rxlabel-size-") as tmp:
        folder = Path(tmp)
        for lang in args.langs:
            texts = real_reports(lang)
            if not texts:
                record[lang] = f"skipped: {CORPORA[lang]} not found"
                continue
            source = folder / f"{lang}.csv"
            write_csv(source, texts)
            record[lang] = measure(lang, source, folder, args.modes)
            if args.csv:
                record[f"{lang}_csv"] = measure(lang, source, folder, args.modes, ".csv")
            print(f"{lang}: " + ", ".join(f"{m} {record[lang][m]['over_input']}x" for m in args.modes), file=sys.stderr)
    if args.replicate:
        record["replicated"] = []
        for mode in args.replicate_modes:
            print(f"labelling {args.replicate:,} BIMCV-length reports ({mode}) in a child process ...", file=sys.stderr)
            done = subprocess.run([sys.executable, __file__, "--child", str(args.replicate), mode],
                                  capture_output=True, text=True, check=True)
            record["replicated"].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"  {mode}: {record['replicated'][-1]['over_input']}x", file=sys.stderr)
    emit(record, RESULTS, append=not args.no_append)
    return record


if __name__ == "__main__":
    main()
