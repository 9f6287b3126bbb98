"""The Spanish labeller's in-process speed on the real BIMCV reports, per CPU-second (steady under load).

One fresh Labeler: the first pass over the 2,465 reports (cold analysis cache) and the best of three warm
passes, in reports per CPU-second of this process. Run it alternately on two checkouts to compare them
(docs/spanish.md, "Speed"); appends a JSON line to bench/results/es_loop_speed.jsonl.

    PYTHONPATH=src nice python bench/es_loop_speed.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _results import emit  # noqa: E402

from rxlabel.labeler import Labeler  # noqa: E402


def cpu_rate(lab: Labeler, texts: list[str]) -> float:
    started = time.process_time()
    for text in texts:
        lab(text)
    return len(texts) / max(time.process_time() - started, 1e-9)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the shared data folder")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args(argv)
    path = Path(args.data) / "es" / "bimcv_covid19" / "bimcv_covid19_reports_raw.jsonl"
    with path.open(encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    lab = Labeler("es")
    first = cpu_rate(lab, texts)
    warm = max(cpu_rate(lab, texts) for _ in range(3))
    print(f"first pass {first:.0f} reports per CPU-second, warm {warm:.0f}")
    record = {"bench": "es_loop_speed", "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "rules_version": lab.version, "reports": len(texts), "first_pass_cpu_rps": round(first),
              "warm_cpu_rps": round(warm)}
    emit(record, ROOT / "bench" / "results" / "es_loop_speed.jsonl", append=not args.no_append)
    return record


if __name__ == "__main__":
    main()
