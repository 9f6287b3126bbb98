"""Benchmark the finding index against a pandas scan of the same PadChest-like table.

Generates a 160,000-image (and optionally a 1,000,000-image) table with 174 labels drawn with
PadChest-160K's label frequencies (``count`` in ``rules/es/hierarchy.yaml``; ``normal`` takes
``--normal-share`` of the images, an assumption: the 160K counts tree has no ``normal`` line),
then measures, in a fresh child process per size:

* build time (CSV -> SQLite index) and peak memory of the build;
* memory of the loaded index (RSS increase after ``load``);
* query latency (median) with ids returned, beside the pandas scan of the same table:
  a single label, a hierarchy term with an exclusion (``nodular AND NOT pacemaker``) and a pure
  single-finding query (``cardiomegaly AND pure``).

Usage::

    python bench/index_query.py                  # 160,000 images
    python bench/index_query.py --sizes 160000,1000000 --json-out bench/results/index_query.jsonl

Prints one human line per measurement, the ratios, and a JSON line per size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N_LABELS = 174
VIEWS = (("PA", 0.55), ("L", 0.35), ("AP", 0.10))
LOCS = ("loc left", "loc right", "loc basal", "loc bilateral", "loc apical", "loc hilar", "loc lower lobe")
SINGLE = "cardiomegaly"  # a leaf: the index and the scan answer the same question
HIER = "nodular AND NOT pacemaker"
PURE = "cardiomegaly AND pure"


def padchest_frequencies() -> dict[str, float]:
    """174 labels: the 173 most frequent PadChest-160K findings/diagnoses plus normal (shares of images)."""
    from rxlabel.index.hierarchy import load_hierarchy

    terms = [t for t in load_hierarchy("es").trees["finding"].terms.values() if t.count]
    terms.sort(key=lambda t: (-t.count, t.name))
    return {t.name: t.count / 160_000 for t in terms[: N_LABELS - 1]}


def make_table(n: int, seed: int, normal_share: float) -> pd.DataFrame:
    """A PadChest-like labels table (ImageID, PatientID, Labels, Localizations, Projection)."""
    rng = np.random.default_rng(seed)
    freqs = padchest_frequencies()
    normal = rng.random(n) < normal_share
    labels: list[list[str]] = [["normal"] if is_normal else [] for is_normal in normal]
    abnormal = np.flatnonzero(~normal)
    for name, share in freqs.items():
        # Spread each label over the abnormal images so its overall share matches PadChest's.
        p = min(1.0, share / max(1e-9, 1 - normal_share))
        for i in abnormal[rng.random(len(abnormal)) < p]:
            labels[i].append(name)
    empty = [i for i in abnormal if not labels[i]]
    picks = rng.choice(list(freqs), size=len(empty), p=np.array(list(freqs.values())) / sum(freqs.values()))
    for i, name in zip(empty, picks, strict=True):
        labels[i].append(str(name))
    n_loc = rng.integers(0, 3, n)
    locs = [[] if normal[i] else [str(x) for x in rng.choice(LOCS, size=n_loc[i], replace=False)] for i in range(n)]
    patients = rng.integers(0, max(1, int(n / 2.4)), n)
    views = rng.choice([v for v, _ in VIEWS], size=n, p=[p for _, p in VIEWS])
    return pd.DataFrame({
        "ImageID": [f"{i:012d}_{i * 7919 % 1_000_003:06x}.png" for i in range(n)],
        "PatientID": [f"p{p:09d}" for p in patients],
        "Labels": [repr(x) for x in labels],
        "Localizations": [repr(x) for x in locs],
        "Projection": views,
    })


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    """This process's peak RSS (VmHWM; ru_maxrss would include the parent's peak across fork+exec)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_s(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def child_build(csv_path: str, index_path: str) -> dict:
    """Build in a fresh interpreter so the peak memory is the build's alone."""
    from rxlabel.index.build import build_index

    base = rss_mb()
    start = time.perf_counter()
    build_index(index_path, padchest=[csv_path])
    return {"build_s": time.perf_counter() - start, "build_peak_rss_mb": peak_mb(), "process_base_rss_mb": base}


def child_query(csv_path: str, index_path: str, repeat: int) -> dict:
    """Load the index and query it beside a pandas scan of the same table, in a fresh interpreter."""
    from rxlabel.index.hierarchy import load_hierarchy
    from rxlabel.index.query import Searcher
    from rxlabel.index.store import load

    hierarchy = load_hierarchy("es")
    before_load = rss_mb()
    start = time.perf_counter()
    index = load(index_path)
    load_s = time.perf_counter() - start
    searcher = Searcher(index, hierarchy)
    postings_mb = rss_mb() - before_load
    keys = index.keys()  # ids -> ImageID strings (pyarrow) held in memory
    loaded_mb = rss_mb() - before_load
    loaded_peak = peak_mb()

    table = pd.read_csv(csv_path, dtype=str)
    hier = searcher.expand("nodular")
    out: dict = {"images": index.n_images, "load_s": load_s, "postings_in_memory_mb": postings_mb,
                 "index_with_keys_in_memory_mb": loaded_mb, "query_process_peak_before_pandas_mb": loaded_peak,
                 "index_file_mb": os.path.getsize(index_path) / 2**20}
    labels = table["Labels"]

    def pandas_single():
        return table.loc[labels.str.contains(f"'{SINGLE}'", regex=False), "ImageID"].to_numpy()

    pattern = "|".join(f"'{t}'" for t in hier)

    def pandas_hier():
        mask = labels.str.contains(pattern, regex=True) & ~labels.str.contains("'pacemaker'", regex=False)
        return table.loc[mask, "ImageID"].to_numpy()

    def pandas_pure():
        return table.loc[labels == f"['{SINGLE}']", "ImageID"].to_numpy()

    cases = {
        "single": (lambda: searcher.search(SINGLE).ids.to_array(), pandas_single),
        "single_keys": (lambda: keys.take(np.frombuffer(searcher.search(SINGLE).ids.to_array(), np.uint32)),
                        pandas_single),
        "hierarchy_exclusion": (lambda: searcher.search(HIER).ids.to_array(), pandas_hier),
        "pure": (lambda: searcher.search(PURE).ids.to_array(), pandas_pure),
    }
    for name, (ours, scan) in cases.items():
        got, expected = np.asarray(ours()), scan()
        if name == "single_keys":
            assert sorted(ours().to_pylist()) == sorted(expected.tolist()), f"{name}: index and scan disagree"
        else:
            assert len(got) == len(expected), f"{name}: index {len(got)} != scan {len(expected)}"
        index_s = median_s(ours, repeat)
        scan_s = median_s(scan, 7)
        out[name] = {"images": len(got), "index_ms": index_s * 1000, "pandas_ms": scan_s * 1000,
                     "ratio": scan_s / index_s}
    out["peak_rss_mb"] = peak_mb()
    return out


def _child(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"benchmark child {args[0]} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_size(n: int, seed: int, normal_share: float, repeat: int, workdir: Path) -> dict:
    start = time.perf_counter()
    table = make_table(n, seed, normal_share)
    csv_path = workdir / f"padchest_like_{n}.csv"
    table.to_csv(csv_path, index=False)
    gen_s = time.perf_counter() - start
    del table
    index_path = workdir / f"index_{n}.sqlite"
    result = {"generate_s": gen_s}
    result.update(_child("build", str(csv_path), str(index_path)))
    result.update(_child("query", str(csv_path), str(index_path), str(repeat)))
    return result


def report(result: dict) -> None:
    n = result["images"]
    print(f"[{n} images] build {result['build_s']:.2f} s, build process peak RSS {result['build_peak_rss_mb']:.0f} MB "
          f"(interpreter + imports {result['process_base_rss_mb']:.0f} MB); index file {result['index_file_mb']:.0f} MB")
    print(f"[{n} images] load {result['load_s']:.2f} s; postings in memory {result['postings_in_memory_mb']:.1f} MB, "
          f"with all image ids {result['index_with_keys_in_memory_mb']:.0f} MB; query process peak "
          f"{result['query_process_peak_before_pandas_mb']:.0f} MB before the pandas table, "
          f"{result['peak_rss_mb']:.0f} MB after")
    for name in ("single", "single_keys", "hierarchy_exclusion", "pure"):
        case = result[name]
        print(f"[{n} images] {name:20s} {case['images']:7d} ids  index {case['index_ms']:.4f} ms  "
              f"pandas {case['pandas_ms']:.1f} ms  ratio {case['ratio']:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="160000", help="comma-separated image counts (e.g. 160000,1000000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--normal-share", type=float, default=0.35)
    parser.add_argument("--repeat", type=int, default=200, help="index query repetitions (median reported)")
    parser.add_argument("--json-out", type=Path, help="append the JSON lines to this file")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, *rest = args.child
        print(json.dumps(child_build(*rest) if mode == "build" else child_query(rest[0], rest[1], int(rest[2]))))
        return
    with tempfile.TemporaryDirectory(prefix="rxlabel-bench-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            result = run_size(n, args.seed, args.normal_share, args.repeat, Path(tmp))
            report(result)
            line = json.dumps({"bench": "index_query", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "labels": N_LABELS, **result})
            print(line)
            if args.json_out:
                args.json_out.parent.mkdir(parents=True, exist_ok=True)
                with args.json_out.open("a", encoding="utf-8") as handle:
                    handle.write(line + "\n")


if __name__ == "__main__":
    main()
