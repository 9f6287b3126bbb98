"""Labeller throughput on real reports: rxlabel beside negspaCy, medspaCy ConText (same rules) and a bare
phrase-scan ceiling, in one run.

Default corpus: the real reports in ``../shared/data`` (BIMCV-COVID19 Spanish reports, pack ``es``; the
Vietnamese dev reports, pack ``vi``), replicated to ``--reports`` in three regimes:

- ``repeats``: the real reports cycled (each appears ``--reports`` / corpus-size times): the labeller's
  per-sentence cache hits on every repeat, as it does on an archive's stock phrases;
- ``unique_reports``: every report a new combination: a real report whose sentences (or, in reports
  written as ``-`` bullets, whose bullet lines; headers kept) are each replaced by a sentence drawn
  (seeded) from the whole corpus; no report repeats, sentences do;
- ``unique_sentences``: the real reports cycled, with a running number put in every sentence
  ("No se aprecia derrame pleural (1834)."), so that no sentence repeats anywhere and the cache never
  hits (the number is a word the pack does not know).

Each regime: rxlabel (a fresh ``Labeler`` loop; for ``repeats`` the cache is warmed first),
negspaCy and medspaCy (when importable: their own virtual environment, bench/README.md), and an
Aho-Corasick scan (pyahocorasick) of the lower-cased text for the pack's finding phrases and cues,
every variant and accent-free form: the ceiling for any labeller that must at least find the phrases.
Rates are reports per CPU-second of this process (the machine is shared) and per wall second.
Then the CLI end to end: ``rxlabel label`` CSV -> JSONL in a child process with ``--jobs 1`` and
``--jobs 2``: wall, CPU (its own and its workers') and peak RSS. The generated-text regime (five
sentences drawn from synthetic_es.tsv and the sample reports, as before) is a secondary line.

    python bench/labeler_throughput.py --check-env     # what is installed, what is missing
    python bench/labeler_throughput.py                 # real text, ~2-4 minutes on a loaded 2-CPU machine
    python bench/labeler_throughput.py --corpus generated   # the former benchmark (generated reports)

``--million`` also labels 1,000,000 short generated reports streaming from a temporary CSV in a child
process and reports its peak RSS and the JSONL / CSV size ratio.

Prints the rates and one JSON line, also appended to bench/results/labeler_throughput.jsonl.
medspaCy pins spaCy 3.7, so run it from a separate virtual environment (bench/README.md).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from _results import emit  # noqa: E402

from rxlabel import labeler  # noqa: E402
from rxlabel.labeler import Labeler, RulePackError  # noqa: E402
from rxlabel.labeler.compiled import expand_phrase  # noqa: E402
from rxlabel.labeler.normalize import strip_diacritics  # noqa: E402

SYNTHETIC_ES = ROOT / "tests" / "data" / "labeler" / "peers" / "synthetic-bench" / "synthetic_es.tsv"
SAMPLE_ES = ROOT / "src" / "rxlabel" / "pipeline" / "data" / "sample_reports_es.csv"
MINI_ES = ROOT / "tests" / "data" / "labeler" / "mini_es"
RESULTS = ROOT / "bench" / "results" / "labeler_throughput.jsonl"
TARGET_RPS, TARGET_RATIO = 5000, 5.0
SHARED = ROOT / ".." / "shared" / "data"
REAL = {"es": SHARED / "es" / "bimcv_covid19" / "bimcv_covid19_reports_raw.jsonl",
        "vi": SHARED / "vi" / "dev_reports" / "reports.jsonl"}
REGIMES = ("repeats", "unique_reports", "unique_sentences")


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


def texts_file(path: str, n: int) -> list[str]:
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


def _blank(lang: str):
    """``spacy.blank(lang)``; Vietnamese with spaCy's own syllable tokenizer (no pyvi word segmenter)."""
    import spacy

    if lang == "vi":
        return spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
    return spacy.blank(lang)


def build_medspacy(lab: Labeler):
    import medspacy  # noqa: F401  (registers the factories)
    from medspacy.context import ConTextRule
    from medspacy.target_matcher import TargetRule

    nlp = _blank(lab.pack.lang)
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

    nlp = _blank(lab.pack.lang)
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
        in_mb = source.stat().st_size / 2**20
    return {"reports": n, "accounted": summary.template + summary.rule + summary.review + summary.rejected,
            "seconds": round(seconds, 1), "reports_per_second": round(n / seconds),
            "peak_rss_mb_before_labelling": before, "peak_rss_mb": _peak_rss_mb(),
            "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "input_csv_mb": round(in_mb, 1), "output_mb": round(out_mb, 1), "jsonl_over_csv": round(out_mb / in_mb, 2)}


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


# -- real reports ---------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_TAIL = re.compile(r"([.!?:;]*)\s*$")


def real_reports(lang: str) -> list[str]:
    """The real reports of ``lang`` from ../shared/data (non-blank texts), or [] when absent."""
    path = REAL[lang]
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r["text"] for r in rows if isinstance(r.get("text"), str) and r["text"].strip()]


def _layout(text: str) -> list[tuple[bool, list[str]]]:
    """Lines of a report as (is_header, sentences); a header ("HALLAZGOS:", "MÔ TẢ HÌNH ẢNH:") is kept as
    it is. Joining sentences with spaces and lines with newlines gives the report's structure back."""
    out = []
    for line in text.split("\n"):
        header = not line.strip() or line.strip().endswith(":")
        out.append((header, [line] if header else _SENTENCE_END.split(line)))
    return out


def _number(piece: str, n: int) -> str:
    """``piece`` with `` (n)`` before its final punctuation."""
    m = _TAIL.search(piece)
    return f"{piece[:m.start()]} ({n}){m.group(1)}"


def regime_texts(reports: list[str], n: int, regime: str, seed: int) -> list[str]:
    """``n`` reports of a regime (see the module docstring); line structure (sections, bullets) is kept."""
    cycled = [reports[i % len(reports)] for i in range(n)]
    if regime == "repeats":
        return cycled
    counter, rng = itertools.count(1), random.Random(seed)
    pool = [p for text in reports for header, parts in _layout(text) if not header for p in parts if p.strip()]
    if regime == "unique_sentences":
        def change(p: str) -> str:
            return _number(p, next(counter)) if p.strip() else p
    else:
        def change(p: str) -> str:
            return rng.choice(pool) if p.strip() else p
    seen: set[str] = set()
    out = []
    while len(out) < n:
        text = cycled[len(out)] if regime == "unique_sentences" else rng.choice(reports)
        made = "\n".join(parts[0] if header else " ".join(change(p) for p in parts)
                         for header, parts in _layout(text))
        if made not in seen:
            seen.add(made)
            out.append(made)
    return out


def build_ceiling(lab: Labeler):
    """An Aho-Corasick automaton over the pack's finding phrases and cues (every variant, accent-free forms)."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    phrases = {p.lower() for _, p in finding_phrases(lab)}
    phrases |= {v.lower() for cue in lab.pack.cues for v in _variants(cue.text)}
    for phrase in phrases:
        automaton.add_word(phrase, phrase)
    automaton.make_automaton()
    return automaton


def scan_all(automaton, texts: list[str]) -> int:
    found = 0
    for text in texts:
        for _ in automaton.iter(text.lower()):
            found += 1
    return found


# ``python -m rxlabel`` that reports its own peak RSS (VmHWM is per process image: unlike ru_maxrss, the
# bench's own size does not carry over into the child); with --jobs the workers' peaks are not included.
_CLI_WRAPPER = """
import atexit, resource, sys
def _hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            sys.stderr.write('VMHWM_KB=' + line.split()[1] + chr(10))
    own = resource.getrusage(resource.RUSAGE_SELF)
    sys.stderr.write('PARENT_CPU_S=' + str(own.ru_utime + own.ru_stime) + chr(10))
atexit.register(_hwm)
from rxlabel.cli import main
sys.argv = ['rxlabel'] + sys.argv[1:]
main()
"""


def cli_run(texts: list[str], lang: str, jobs: int, folder: Path) -> dict:
    """``rxlabel label`` CSV -> JSONL in a child process: wall, CPU (with its workers) and peak RSS."""
    source = folder / f"{lang}.csv"
    if not source.exists():
        with source.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["report_id", "text"])
            writer.writerows((f"r{i}", t) for i, t in enumerate(texts))
    out = folder / f"{lang}_j{jobs}.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _CLI_WRAPPER, "label", str(source), "-o", str(out), "--lang", lang,
                             "--jobs", str(jobs), "--quiet"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)  # CPU of the CLI and of its (waited) workers
    wall = time.perf_counter() - started
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if status != 0:
        raise RuntimeError(f"rxlabel label failed ({status}): {err[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    hwm = re.findall(r"VMHWM_KB=(\d+)", err)
    parent = re.findall(r"PARENT_CPU_S=([\d.]+)", err)
    parent_cpu = float(parent[-1]) if parent else None
    return {"jobs": jobs, "reports": len(texts), "wall_rps": round(len(texts) / wall),
            # The CLI process's own CPU (reading, routing, writing; with --jobs 1 also the labelling).
            "parent_cpu_s": round(parent_cpu, 2) if parent_cpu is not None else None,
            "parent_cpu_share": round(parent_cpu / max(cpu, 1e-9), 3) if parent_cpu is not None else None,
            "cpu_rps": round(len(texts) / max(cpu, 1e-9)), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "peak_rss_mb": round(int(hwm[-1]) / 1024, 1) if hwm else None,
            "jsonl_over_csv": round(out.stat().st_size / source.stat().st_size, 2)}


def _rate(run, n: int) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall_rps": round(n / wall), "cpu_rps": round(n / max(cpu, 1e-9))}


def _peer_builders(lab: Labeler) -> dict:
    """name -> built spaCy pipeline, for the peers importable here (and a language spaCy can blank)."""
    try:
        import medspacy  # noqa: F401
        import negspacy  # noqa: F401
        import spacy  # noqa: F401
    except ImportError as exc:
        print(f"peers skipped: {exc} (see bench/README.md for their virtual environment)", file=sys.stderr)
        return {}
    out = {}
    for name, build in (("negspacy", build_negspacy), ("medspacy", build_medspacy)):
        try:
            out[name] = build(lab)
        except Exception as exc:  # e.g. spacy.blank("vi") needs pyvi
            print(f"{name} skipped for {lab.pack.lang}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return out


def run_real(args, record: dict) -> None:
    """The real-text benchmark: per language, per regime, every tool; then the CLI end to end."""
    record["corpus"] = "real"
    record["regimes_how"] = {"repeats": "real reports cycled",
                             "unique_reports": "each sentence / bullet of a real report replaced by one drawn "
                                               "from the corpus; no report repeats",
                             "unique_sentences": "real reports cycled with a running number in every sentence"}
    with tempfile.TemporaryDirectory(prefix="rxlabel-bench-") as tmp:
        for lang in args.langs:
            reports = real_reports(lang)
            if not reports:
                print(f"{lang}: {REAL[lang]} not found; skipped", file=sys.stderr)
                continue
            n = args.reports if lang == "es" else min(args.reports, args.vi_reports)
            lab = Labeler(lang)
            out: dict = {"corpus_reports": len(reports), "reports": n, "rules_version": lab.version,
                         "mean_chars": round(sum(map(len, reports)) / len(reports))}
            ceiling = build_ceiling(lab)
            peers = {} if args.no_peers else _peer_builders(lab)
            for regime in REGIMES:
                texts = regime_texts(reports, n, regime, args.seed)
                row: dict = {}
                fresh = Labeler(lab.pack)
                if regime == "repeats":
                    drain(map(fresh, texts))  # warm: every distinct sentence analysed once
                row["rxlabel"] = _rate(lambda fresh=fresh, texts=texts: drain(map(fresh, texts)), n)
                row["ceiling_aho_corasick"] = _rate(lambda c=ceiling, texts=texts: scan_all(c, texts), n)
                for name, nlp in peers.items():
                    list(nlp.pipe(texts[:100]))
                    row[name] = _rate(lambda nlp=nlp, texts=texts: drain(nlp.pipe(texts, batch_size=256)), n)
                rx = row["rxlabel"]["cpu_rps"]
                row["rxlabel_over_ceiling"] = round(rx / row["ceiling_aho_corasick"]["cpu_rps"], 3)
                for name in peers:
                    row[f"rxlabel_over_{name}"] = round(rx / row[name]["cpu_rps"], 2)
                out[regime] = row
                print(f"{lang} {regime:<17} " + "  ".join(
                    f"{k} {v['cpu_rps']:,}/cpu-s ({v['wall_rps']:,}/s)" for k, v in row.items() if isinstance(v, dict)))
            if not args.no_cli:
                texts = regime_texts(reports, n, "repeats", args.seed)
                out["cli"] = [cli_run(texts, lang, jobs, Path(tmp)) for jobs in args.jobs]
                for c in out["cli"]:
                    print(f"{lang} rxlabel label --jobs {c['jobs']}: {c['wall_rps']:,} reports/s wall, "
                          f"{c['cpu_rps']:,}/cpu-s, parent's CPU share {c['parent_cpu_share']}, peak RSS {c['peak_rss_mb']} MB, "
                          f"JSONL {c['jsonl_over_csv']}x CSV")
            record[lang] = out
    generated = make_reports(args.reports, spanish_sentences(), args.seed)
    lab = Labeler("es")
    drain(map(lab, generated[:200]))
    record["generated_secondary"] = {"reports": len(generated), "rxlabel": _rate(lambda: drain(map(lab, generated)),
                                                                                 len(generated))}
    print(f"generated (secondary): rxlabel {record['generated_secondary']['rxlabel']['cpu_rps']:,}/cpu-s")


# -- environment check ----------------------------------------------------------------------------

NEEDED = [("rxlabel", "rxlabel", True), ("numpy", "numpy", True), ("orjson", "orjson", False),
          ("ahocorasick", "pyahocorasick", False), ("spacy", "spacy", False), ("thinc", "thinc", False),
          ("medspacy", "medspacy", False), ("negspacy", "negspacy", False)]


def check_env() -> int:
    """Say what the benchmark can run here and what is missing; 0 when the whole benchmark can run."""
    from importlib.metadata import PackageNotFoundError, version

    missing = []
    print(f"python {platform.python_version()} at {sys.executable}")
    for module, dist, required in NEEDED:
        try:
            __import__(module)
            if module == "medspacy":
                import medspacy.context  # noqa: F401  (imports thinc's compiled parts: where numpy 2 fails)
            try:
                v = version(dist)
            except PackageNotFoundError:
                v = "?"
            print(f"  ok       {dist:<14} {v}")
        except Exception as exc:  # ImportError, or the binary mismatch ValueError of thinc under numpy 2
            missing.append(dist)
            print(f"  MISSING  {dist:<14} {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
                  + ("" if not required else "  (required)"))
    for lang, path in REAL.items():
        print(f"  {'ok' if path.exists() else 'MISSING':<8} data {lang:<9} {path}")
        if not path.exists():
            missing.append(f"data:{lang}")
    if missing:
        print("missing: " + ", ".join(missing))
        print("fix: python3 -m venv /work/venv-bench && /work/venv-bench/bin/pip install -e '.[bench]' "
              "(bench/README.md); without the peers: --no-peers")
        return 1
    print("everything the benchmark uses is here")
    return 0


# -- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check-env", action="store_true", help="say what is installed and what is missing; exit")
    parser.add_argument("--corpus", choices=["real", "generated"], default="real",
                        help="real reports from ../shared/data (default) or the generated five-sentence reports")
    parser.add_argument("--langs", nargs="+", default=["es", "vi"], help="real corpora to run (default es vi)")
    parser.add_argument("--vi-reports", type=int, default=5_000, help="cap for the Vietnamese regimes (long reports)")
    parser.add_argument("--no-cli", action="store_true", help="skip the rxlabel label CLI runs")
    parser.add_argument("--reports", type=int, default=10_000, help="reports per regime (default 10000)")
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
    if args.check_env:
        raise SystemExit(check_env())

    lab, pack = load_pack(args.pack)
    if args.memory_child:
        result = memory_child(pack, args.memory_child, args.seed)
        print(json.dumps(result))
        return result

    if args.corpus == "real" and not args.texts:  # --texts: the former benchmark on given texts
        record = {"bench": "labeler_throughput", "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  "machine": f"{platform.machine()} {os.cpu_count()} cpus", "python": platform.python_version(),
                  "seed": args.seed, "load_average_1m": round(os.getloadavg()[0], 2)}
        run_real(args, record)
        if args.million:
            record["million"] = run_million(pack, args.million_n, args.seed)
        record["load_average_1m_end"] = round(os.getloadavg()[0], 2)
        emit(record, RESULTS, append=not args.no_append)
        return record

    texts = texts_file(args.texts, args.reports) if args.texts else make_reports(args.reports, spanish_sentences(),
                                                                                  args.seed)
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

    emit(record, RESULTS, append=not args.no_append)
    return record


def _dist_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
