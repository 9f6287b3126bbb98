"""Labeller throughput: rxlabel vs medspaCy ConText and negspaCy with the same rules, same run.

Five-sentence Spanish reports are generated (seeded) from the synthetic sentence set
(tests/data/labeler/peers/synthetic-bench/synthetic_es.tsv) and the bundled sample reports. rxlabel
is timed as an in-process ``Labeler.__call__`` loop and through ``labeler.batch.label_file`` on a
temporary CSV (one process and ``--jobs 2``). medspaCy ConText and negspaCy get the rxlabel pack's
own cues (converted to ConTextRules / a negspaCy termset) and its finding phrases (a medspaCy
TargetMatcher / a spaCy EntityRuler), on ``spacy.blank(lang)`` + the sentencizer (their fastest
configuration), through ``nlp.pipe``.

``--million`` also labels 1,000,000 short reports streaming from a temporary CSV in a child
process and reports its peak RSS (``resource.getrusage``).

Prints the rates and ratios and one JSON line, also appended to bench/results/labeler_throughput.jsonl.
medspaCy pins spaCy 3.7, so run it from a separate virtual environment (bench/README.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rxlabel import labeler  # noqa: E402
from rxlabel.labeler import Labeler, RulePackError  # noqa: E402
from rxlabel.labeler.compiled import expand_phrase  # noqa: E402
from rxlabel.labeler.normalize import strip_diacritics  # noqa: E402

SYNTHETIC_ES = ROOT / "tests" / "data" / "labeler" / "peers" / "synthetic-bench" / "synthetic_es.tsv"
SAMPLE_ES = ROOT / "src" / "rxlabel" / "pipeline" / "data" / "sample_reports_es.csv"
MINI_ES = ROOT / "tests" / "data" / "labeler" / "mini_es"
RESULTS = ROOT / "bench" / "results" / "labeler_throughput.jsonl"
TARGET_RPS, TARGET_RATIO = 5000, 5.0


# -- corpus ---------------------------------------------------------------------------------------


def spanish_sentences() -> list[str]:
    """Sentences to draw reports from: the synthetic 3-class set plus the bundled sample reports'."""
    with SYNTHETIC_ES.open(encoding="utf-8") as fh:
        sentences = [row["sentence"] for row in csv.DictReader(fh, delimiter="\t")]
    with SAMPLE_ES.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for part in (row.get("text") or "").replace("\n", " ").split(". "):
                part = part.strip().rstrip(".")
                if len(part.split()) >= 2:
                    sentences.append(part + ".")
    return sentences


def make_reports(n: int, sentences: list[str], seed: int, per_report: int = 5, unique: bool = False) -> list[str]:
    """``n`` reports of ``per_report`` sentences drawn with replacement. Real archives repeat
    sentences a lot, and rxlabel caches each distinct sentence's analysis; ``unique`` puts a random
    number in every sentence ("Sin cardiomegalia (417).") so that no sentence repeats."""
    rng = random.Random(seed)
    if not unique:
        return [" ".join(rng.choices(sentences, k=per_report)) for _ in range(n)]
    return [" ".join(s[:-1] + f" ({rng.randint(0, 999)})" + s[-1] if s.endswith(".") else s
                     for s in rng.choices(sentences, k=per_report)) for _ in range(n)]


def real_reports(path: str, n: int) -> list[str]:
    """``n`` report texts from a JSONL file's ``text`` field, cycled when the file has fewer."""
    with open(path, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    return [texts[i % len(texts)] for i in range(n)]


def load_pack(pack: str) -> tuple[Labeler, str]:
    """The requested pack, or the engine's mini Spanish test pack when rules/es is not written yet."""
    try:
        return Labeler(pack), pack
    except RulePackError as exc:
        if pack != "es":
            raise
        first = next((line for line in str(exc).splitlines() if not line.rstrip().endswith(":")), "invalid")
        print(f"warning: pack 'es' not loadable ({first.strip()}); using {MINI_ES}", file=sys.stderr)
        return Labeler(MINI_ES), str(MINI_ES)


# -- timing ---------------------------------------------------------------------------------------


def drain(results) -> None:
    """Consume results without keeping them (a list of 10,000 results would time the garbage collector)."""
    deque(results, maxlen=0)


def best_rate(run, n: int, repeat: int) -> tuple[float, list[float], float]:
    """Median reports/s over ``repeat`` runs, the individual rates, and the median reports per
    CPU-second of this process (less sensitive than wall time to other load on a shared machine)."""
    rates, cpu_rates = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        run()
        rates.append(n / (time.perf_counter() - started))
        cpu_rates.append(n / max(time.process_time() - cpu, 1e-9))
    return statistics.median(rates), rates, statistics.median(cpu_rates)


def time_label_file(pack: str, texts: list[str], jobs: int, folder: Path) -> tuple[float, float]:
    """Wall reports/s and reports per CPU-second of this process (the parent only, with --jobs > 1)."""
    from rxlabel.labeler.batch import label_file

    source = folder / "reports.csv"
    if not source.exists():
        with source.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["report_id", "text"])
            writer.writerows((f"r{i}", t) for i, t in enumerate(texts))
    started, cpu = time.perf_counter(), time.process_time()
    summary = label_file(source, folder / f"labels_j{jobs}.jsonl", lang=pack, jobs=jobs, progress=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert summary.total == len(texts), (summary.total, len(texts))
    return len(texts) / seconds, len(texts) / max(cpu, 1e-9)


# -- the same rules for the peers -----------------------------------------------------------------


def _variants(text: str) -> list[str]:
    """Each expansion of a ``(a|b)`` phrase, with and without accents: the peers know neither the variant
    syntax nor accent-insensitive matching, so they get every form rxlabel matches."""
    out: list[str] = []
    for variant in expand_phrase(text):
        stripped = strip_diacritics(variant)
        out += [variant] if stripped == variant else [variant, stripped]
    return out


def finding_phrases(lab: Labeler) -> list[tuple[str, str]]:
    out = []
    for finding in lab.pack.findings.values():
        label = finding.name.upper().replace(" ", "_")
        for phrase in [*finding.phrases, *finding.negative_phrases]:
            out += [(label, v) for v in _variants(phrase)]
    return out


def build_medspacy(lab: Labeler):
    import medspacy  # noqa: F401  (registers the factories)
    import spacy
    from medspacy.context import ConTextRule
    from medspacy.target_matcher import TargetRule

    nlp = spacy.blank(lab.pack.lang)
    nlp.add_pipe("sentencizer")
    matcher = nlp.add_pipe("medspacy_target_matcher")
    matcher.add([TargetRule(phrase, label) for label, phrase in finding_phrases(lab)])
    context = nlp.add_pipe("medspacy_context", config={"rules": None})
    category = {"negated": "NEGATED_EXISTENCE", "uncertain": "POSSIBLE_EXISTENCE",
                "pseudo": "PSEUDO_NEGATED_EXISTENCE", "terminate": "TERMINATE"}
    direction = {"before": "FORWARD", "after": "BACKWARD", "both": "BIDIRECTIONAL"}
    rules = []
    for cue in lab.pack.cues:
        if cue.category in ("pseudo", "terminate"):
            how = "PSEUDO" if cue.category == "pseudo" else "TERMINATE"
        else:
            how = direction[cue.direction]
        for text in _variants(cue.text):
            rules.append(ConTextRule(text, category[cue.category], direction=how, max_scope=cue.max_scope))
    context.add(rules)
    return nlp


def negspacy_termset(lab: Labeler) -> dict[str, list[str]]:
    """negspaCy knows negation only: uncertainty cues have no counterpart and are left out."""
    terms: dict[str, list[str]] = {"pseudo_negations": [], "preceding_negations": [],
                                   "following_negations": [], "termination": []}
    for cue in lab.pack.cues:
        if cue.category == "negated":
            keys = {"before": ["preceding_negations"], "after": ["following_negations"],
                    "both": ["preceding_negations", "following_negations"]}[cue.direction]
        elif cue.category == "pseudo":
            keys = ["pseudo_negations"]
        elif cue.category == "terminate":
            keys = ["termination"]
        else:
            continue
        for key in keys:
            terms[key] += _variants(cue.text)
    return terms


def build_negspacy(lab: Labeler):
    import negspacy.negation  # noqa: F401  (registers the factory)
    import spacy

    nlp = spacy.blank(lab.pack.lang)
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": label, "pattern": phrase} for label, phrase in finding_phrases(lab)])
    nlp.add_pipe("negex", config={"neg_termset": negspacy_termset(lab), "chunk_prefix": []})
    return nlp


def status_counts_rxlabel(lab: Labeler, texts: list[str]) -> dict[str, int]:
    counts: Counter = Counter()
    for text in texts:
        for ev in lab(text).evidence:
            if ev.get("match") != "template":
                counts[{1: "positive", 0: "negated", -1: "uncertain"}[ev["status"]]] += 1
    return dict(counts)


def status_counts_medspacy(nlp, texts: list[str]) -> dict[str, int]:
    counts: Counter = Counter()
    for doc in nlp.pipe(texts):
        for ent in doc.ents:
            counts["negated" if ent._.is_negated else "uncertain" if ent._.is_uncertain else "positive"] += 1
    return dict(counts)


def status_counts_negspacy(nlp, texts: list[str]) -> dict[str, int]:
    counts: Counter = Counter()
    for doc in nlp.pipe(texts):
        for ent in doc.ents:
            counts["negated" if ent._.negex else "positive"] += 1
    return dict(counts)


# -- memory on a million reports ------------------------------------------------------------------


def memory_child(pack: str, n: int, seed: int) -> dict:
    """Generate ``n`` short reports to a temp CSV (streaming), label them with label_file, peak RSS."""
    from rxlabel.labeler.batch import label_file

    sentences = spanish_sentences()
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="rxlabel-million-") as tmp:
        source = Path(tmp) / "reports.csv"
        with source.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["report_id", "text"])
            for i in range(n):
                writer.writerow([f"r{i}", " ".join(rng.choices(sentences, k=rng.randint(1, 3)))])
        before = _peak_rss_mb()
        started = time.perf_counter()
        summary = label_file(source, Path(tmp) / "labels.jsonl", lang=pack, jobs=1, progress=False)
        seconds = time.perf_counter() - started
        out_mb = (Path(tmp) / "labels.jsonl").stat().st_size / 2**20
    return {"reports": n, "accounted": summary.template + summary.rule + summary.review + summary.rejected,
            "seconds": round(seconds, 1), "reports_per_second": round(n / seconds),
            "peak_rss_mb_before_labelling": before, "peak_rss_mb": _peak_rss_mb(),
            "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "output_mb": round(out_mb, 1)}


def _peak_rss_mb() -> float:
    """This process's peak RSS. On Linux ``ru_maxrss`` survives exec, so a child started from a big
    parent (spaCy and medspaCy loaded) reports the parent's size; /proc's VmHWM is the process's own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_million(pack: str, n: int, seed: int) -> dict:
    cmd = [sys.executable, __file__, "--memory-child", str(n), "--pack", pack, "--seed", str(seed)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=10_000, help="five-sentence reports to label (default 10000)")
    parser.add_argument("--pack", default="es", help="rule pack (language or folder); default es")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--repeat", type=int, default=3, help="in-process timings: median of this many runs")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="label_file --jobs values")
    parser.add_argument("--no-peers", action="store_true", help="skip medspaCy and negspaCy")
    parser.add_argument("--million", action="store_true", help="also peak RSS labelling 1,000,000 reports")
    parser.add_argument("--million-n", type=int, default=1_000_000, help=argparse.SUPPRESS)
    parser.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--no-append", action="store_true", help="do not append to bench/results")
    parser.add_argument("--texts", default=None,
                        help="real reports instead of generated ones: a JSONL file with a 'text' field per line "
                             "(e.g. ../shared/data/es/bimcv_covid19/bimcv_covid19_reports_raw.jsonl), cycled to --reports")
    args = parser.parse_args(argv)

    lab, pack = load_pack(args.pack)
    if args.memory_child:
        result = memory_child(pack, args.memory_child, args.seed)
        print(json.dumps(result))
        return result

    texts = real_reports(args.texts, args.reports) if args.texts else make_reports(args.reports, spanish_sentences(), args.seed)
    warm = texts[:200]
    for text in warm:
        lab(text)
    record: dict = {"bench": "labeler_throughput", "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "machine": f"{platform.machine()} {os.cpu_count()} cpus", "python": platform.python_version(),
                    "rules_version": lab.version, "pack": pack, "reports": len(texts),
                    "corpus": args.texts or "generated", "sentences_per_report": None if args.texts else 5,
                    "seed": args.seed, "load_average_1m": round(os.getloadavg()[0], 2)}

    loop, loop_runs, loop_cpu = best_rate(lambda: drain(map(lab, texts)), len(texts), args.repeat)
    record["rxlabel_call_rps"] = round(loop)
    record["rxlabel_call_cpu_rps"] = round(loop_cpu)
    record["rxlabel_call_runs"] = [round(r) for r in loop_runs]
    print(f"rxlabel Labeler.__call__ loop : {loop:9.0f} reports/s  (runs {[round(r) for r in loop_runs]}; "
          f"{loop_cpu:.0f} per CPU-second)")
    unique = make_reports(args.reports, spanish_sentences(), args.seed + 1, unique=True)
    cold = Labeler(lab.pack)  # a fresh labeller: no sentence analysis cached
    cold_rate, _, cold_cpu = best_rate(lambda: drain(map(cold, unique)), len(unique), 1)
    record["rxlabel_call_unique_sentences_rps"] = round(cold_rate)
    record["rxlabel_call_unique_sentences_cpu_rps"] = round(cold_cpu)
    print(f"rxlabel loop, unique sentences: {cold_rate:9.0f} reports/s  (no sentence repeats: cold cache)")
    # label_file loads its pack through labeler.load (cached per process, inherited by forked
    # workers): load and warm it first so that neither --jobs run pays the pack's load time.
    started = time.perf_counter()
    shared = labeler.load(pack)
    record["pack_load_seconds"] = round(time.perf_counter() - started, 2)
    for text in texts:
        shared(text)
    with tempfile.TemporaryDirectory(prefix="rxlabel-bench-") as tmp:
        for jobs in args.jobs:
            rate, cpu = time_label_file(pack, texts, jobs, Path(tmp))
            record[f"rxlabel_label_file_jobs{jobs}_rps"] = round(rate)
            if jobs == 1:
                record["rxlabel_label_file_jobs1_cpu_rps"] = round(cpu)
            print(f"rxlabel label_file --jobs {jobs}   : {rate:9.0f} reports/s  (CSV in, JSONL out)")

    if not args.no_peers:
        try:
            import medspacy
            import negspacy
            import spacy
        except ImportError as exc:
            print(f"peers skipped: {exc} (see bench/README.md for their virtual environment)", file=sys.stderr)
        else:
            record["spacy"], record["medspacy"] = spacy.__version__, medspacy.__version__
            record["negspacy"] = getattr(negspacy, "__version__", _dist_version("negspacy"))
            for name, build, counter in (("medspacy", build_medspacy, status_counts_medspacy),
                                         ("negspacy", build_negspacy, status_counts_negspacy)):
                nlp = build(lab)
                list(nlp.pipe(warm))
                rate, runs, cpu = best_rate(lambda nlp=nlp: drain(nlp.pipe(texts, batch_size=256)), len(texts),
                                            args.repeat)
                record[f"{name}_rps"] = round(rate)
                record[f"{name}_cpu_rps"] = round(cpu)
                record[f"{name}_runs"] = [round(r) for r in runs]
                record[f"{name}_statuses_first_1000"] = counter(nlp, texts[:1000])
                print(f"{name:<30}: {rate:9.0f} reports/s  (runs {[round(r) for r in runs]})")
                if name == "medspacy":
                    rate, _, cpu = best_rate(lambda nlp=nlp: drain(nlp.pipe(unique, batch_size=256)), len(unique), 1)
                    record["medspacy_unique_sentences_rps"] = round(rate)
                    record["medspacy_unique_sentences_cpu_rps"] = round(cpu)
                    print(f"medspacy, unique sentences    : {rate:9.0f} reports/s")
            record["rxlabel_statuses_first_1000"] = status_counts_rxlabel(lab, texts[:1000])
            record["ratio_vs_medspacy"] = round(loop / record["medspacy_rps"], 2)
            record["ratio_vs_negspacy"] = round(loop / record["negspacy_rps"], 2)
            record["ratio_unique_vs_medspacy"] = round(cold_rate / record["medspacy_unique_sentences_rps"], 2)
            record["cpu_ratio_vs_medspacy"] = round(loop_cpu / record["medspacy_cpu_rps"], 2)
            record["cpu_ratio_unique_vs_medspacy"] = round(cold_cpu / record["medspacy_unique_sentences_cpu_rps"], 2)
            print(f"per CPU-second, rxlabel / medspaCy: {record['cpu_ratio_vs_medspacy']:.2f}x "
                  f"(unique sentences {record['cpu_ratio_unique_vs_medspacy']:.2f}x)")
            print(f"ratio rxlabel / medspaCy      : {record['ratio_vs_medspacy']:9.2f}x  (target >= {TARGET_RATIO}x)")
            print(f"ratio rxlabel / negspaCy      : {record['ratio_vs_negspacy']:9.2f}x")
    if len(args.jobs) > 1 and "rxlabel_label_file_jobs1_rps" in record:
        for jobs in args.jobs[1:]:
            key = f"rxlabel_label_file_jobs{jobs}_rps"
            record[f"ratio_jobs{jobs}_vs_jobs1"] = round(record[key] / record["rxlabel_label_file_jobs1_rps"], 2)
    record["meets_rps_target"] = loop >= TARGET_RPS
    record["meets_rps_target_per_cpu_second"] = loop_cpu >= TARGET_RPS
    if "ratio_vs_medspacy" in record:
        record["meets_ratio_target"] = record["ratio_vs_medspacy"] >= TARGET_RATIO
        record["meets_ratio_target_per_cpu_second"] = record["cpu_ratio_vs_medspacy"] >= TARGET_RATIO

    if args.million:
        print(f"labelling {args.million_n:,} short reports in a child process (peak RSS) ...", file=sys.stderr)
        record["million"] = run_million(pack, args.million_n, args.seed)
        record["million"]["meets_memory_target"] = record["million"]["peak_rss_mb"] < 500
        print(f"million: peak RSS {record['million']['peak_rss_mb']} MB, "
              f"{record['million']['reports_per_second']} reports/s")

    line = json.dumps(record, ensure_ascii=False)
    print(line)
    if not args.no_append:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    return record


def _dist_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
