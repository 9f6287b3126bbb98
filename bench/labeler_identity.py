"""Byte-identity check of the labeller's outputs against a frozen reference (issue 14: speed, same bytes).

``--freeze`` labels a fixed set of inputs with the code of ``--rev`` (default ``main``, extracted with
``git archive``, so the worktree's own edits cannot leak into the reference) and stores the outputs in
``--ref`` (default ``.ref/``, git-ignored; the restricted BIMCV text stays out of the repository). The
default mode labels the same inputs with the working tree's ``src`` and compares byte for byte.

Inputs (made once, at freeze time, and stored under ``<ref>/inputs``):

- the 2,465 BIMCV-COVID19 reports (``../shared/data/es/bimcv_covid19``), pack ``es``, also ``--stemmed``;
- the Vietnamese dev reports (``../shared/data/vi/dev_reports``), pack ``vi``;
- both corpora in the benchmark's ``unique_sentences`` and ``unique_reports`` regimes
  (bench/labeler_throughput.py), which take the fuzzy path on every sentence;
- every (pack, text) the labeller sees while ``tests/labeler`` runs (recorded by a pytest plugin), for the
  installed packs and the test packs under tests/data.

Each CSV input goes through ``label_file`` (``--jobs 1``, and ``--jobs 2`` for the BIMCV file): JSONL,
review CSV and rejects CSV are compared. The test cases are labelled in-process and every record (with its
suggestions and rejection) is compared line by line.

    PYTHONPATH=src python bench/labeler_identity.py --freeze      # once, from main
    PYTHONPATH=src python bench/labeler_identity.py               # after each change: exit 0 = identical
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data"
REAL = {"es": SHARED / "es" / "bimcv_covid19" / "bimcv_covid19_reports_raw.jsonl",
        "vi": SHARED / "vi" / "dev_reports" / "reports.jsonl"}
OUTPUTS = (".jsonl", ".review.csv", ".rejected.csv")
# name -> (lang, stemmed, jobs to run)
FILES = {
    "es_bimcv": ("es", False, (1, 2)),
    "es_bimcv_stemmed": ("es", True, (1,)),
    "vi_dev": ("vi", False, (1, 2)),
    "es_unique_sentences": ("es", False, (1,)),
    "es_unique_reports": ("es", False, (1,)),
    "vi_unique_sentences": ("vi", False, (1,)),
    "vi_unique_reports": ("vi", False, (1,)),
}
SOURCE = {"es_bimcv_stemmed": "es_bimcv"}


def _texts(lang: str) -> list[str]:
    with REAL[lang].open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r.get("text") for r in rows]


def make_inputs(folder: Path) -> None:
    """The CSV inputs (ids r0..); the regimes come from the throughput benchmark, seeded."""
    sys.path.insert(0, str(ROOT / "bench"))
    from labeler_throughput import regime_texts

    folder.mkdir(parents=True, exist_ok=True)
    for lang, prefix in (("es", "es"), ("vi", "vi")):
        raw = _texts(lang)
        good = [t for t in raw if isinstance(t, str) and t.strip()]
        sets = {f"{prefix}_{'bimcv' if lang == 'es' else 'dev'}": [t if isinstance(t, str) else "" for t in raw],
                f"{prefix}_unique_sentences": regime_texts(good, 3 * len(good), "unique_sentences", 1),
                f"{prefix}_unique_reports": regime_texts(good, 2 * len(good), "unique_reports", 2)}
        for name, texts in sets.items():
            with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(["report_id", "text"])
                writer.writerows((f"r{i}", t) for i, t in enumerate(texts))


class _Recorder:
    """pytest plugin: every (pack folder, stemmed, text, report_id) labelled while the tests run."""

    def __init__(self) -> None:
        self.cases: dict[tuple, None] = {}

    def pytest_configure(self, config) -> None:
        from rxlabel.labeler.engine import Labeler

        original, cases, root = Labeler.label, self.cases, ROOT.resolve()

        def label(lab, text, report_id=None, **options):
            path = Path(lab.pack.path).resolve()
            if path.is_relative_to(root) and isinstance(text, str):
                cases[(str(path.relative_to(root)), lab.stemmed, text, report_id)] = None
            return original(lab, text, report_id, **options)

        Labeler.label = label


def collect_test_cases(out: Path) -> int:
    import pytest

    recorder = _Recorder()
    code = pytest.main(["tests/labeler", "-q", "-p", "no:cacheprovider", "-x", "-k", "not browser",
                        "-W", "ignore"], plugins=[recorder])
    if code not in (0, 5):
        raise SystemExit(f"tests/labeler failed ({code}) while collecting cases; fix them first")
    with out.open("w", encoding="utf-8") as fh:
        for pack, stemmed, text, rid in recorder.cases:
            fh.write(json.dumps({"pack": pack, "stemmed": stemmed, "text": text, "report_id": rid},
                                ensure_ascii=False) + "\n")
    return len(recorder.cases)


def label_into(ref: Path, out: Path) -> None:
    """Label every input of ``ref`` into ``out`` with the rxlabel importable here."""
    from rxlabel.labeler import Labeler
    from rxlabel.labeler.batch import label_file

    out.mkdir(parents=True, exist_ok=True)
    for name, (lang, stemmed, jobs_list) in FILES.items():
        source = ref / "inputs" / f"{SOURCE.get(name, name)}.csv"
        for jobs in jobs_list:
            started = time.process_time()
            label_file(source, out / f"{name}.j{jobs}.jsonl", lang, stemmed=stemmed, jobs=jobs, progress=False)
            print(f"  {name} --jobs {jobs}: {time.process_time() - started:.1f} CPU-s (parent)", flush=True)
    cases = ref / "inputs" / "test_cases.jsonl"
    if cases.exists():
        labelers: dict[tuple, Labeler] = {}
        with cases.open(encoding="utf-8") as fh, (out / "test_cases.out.jsonl").open("w", encoding="utf-8") as dst:
            for line in fh:
                case = json.loads(line)
                key = (case["pack"], case["stemmed"])
                if key not in labelers:
                    labelers[key] = Labeler(ROOT / case["pack"], stemmed=case["stemmed"])
                result = labelers[key].label(case["text"], case["report_id"])
                record = {**result.to_dict(), "suggestions": result.suggestions, "rejected": result.rejected}
                dst.write(json.dumps(record, ensure_ascii=False) + "\n")


def _label_with(src: Path, ref: Path, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, __file__, "--label-into", str(out), "--ref", str(ref)], check=True, env=env)


def _compare(ref_out: Path, new_out: Path) -> list[str]:
    problems = []
    names = sorted(p.name for p in ref_out.iterdir() if p.is_file() and not p.name.endswith(".run.json"))
    for name in names:
        new = new_out / name
        if not new.exists():
            problems.append(f"{name}: missing")
            continue
        a, b = (ref_out / name).read_bytes(), new.read_bytes()
        if a != b:
            la, lb = a.split(b"\n"), b.split(b"\n")
            first = next((i for i, (x, y) in enumerate(zip(la, lb, strict=False)) if x != y), min(len(la), len(lb)))
            problems.append(f"{name}: differs from line {first + 1} ({len(la)} vs {len(lb)} lines)\n"
                            f"    ref: {la[first][:300] if first < len(la) else b'<eof>'}\n"
                            f"    new: {lb[first][:300] if first < len(lb) else b'<eof>'}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", type=Path, default=ROOT / ".ref")
    parser.add_argument("--freeze", action="store_true", help="make the inputs and label them with --rev")
    parser.add_argument("--rev", default="main", help="git revision whose src/ makes the reference")
    parser.add_argument("--refreeze", action="store_true", help="relabel the stored inputs with --rev (main moved)")
    parser.add_argument("--label-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    ref = args.ref.resolve()
    if args.label_into:
        label_into(ref, args.label_into)
        return 0
    if args.freeze or args.refreeze:
        if args.freeze:
            if not REAL["es"].exists() or not REAL["vi"].exists():
                raise SystemExit(f"the real reports are not in {SHARED}; nothing to freeze")
            make_inputs(ref / "inputs")
            print(f"test cases: {collect_test_cases(ref / 'inputs' / 'test_cases.jsonl')}")
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(f"git archive {args.rev} src | tar -x -C {tmp}", shell=True, check=True, cwd=ROOT)
            shutil.rmtree(ref / "out", ignore_errors=True)
            _label_with(Path(tmp) / "src", ref, ref / "out")
        (ref / "REV").write_text(subprocess.run(["git", "rev-parse", args.rev], capture_output=True, text=True,
                                                cwd=ROOT).stdout)
        print(f"reference frozen from {args.rev} in {ref}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        _label_with(ROOT / "src", ref, Path(tmp))
        problems = _compare(ref / "out", Path(tmp))
        print(f"labelled in {time.perf_counter() - started:.0f} s")
    if problems:
        print("NOT IDENTICAL:\n" + "\n".join(problems))
        return 1
    n = sum(1 for p in (ref / "out").iterdir() if not p.name.endswith(".run.json"))
    print(f"identical: {n} files byte for byte (reference {(ref / 'REV').read_text().strip()[:10]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
