"""Growing a rule pack from a hospital's own reports: coverage tables and gold-case tests.

``coverage`` runs a pack over a corpus and ranks, by frequency, what it did not understand and how it
understood the rest: sentences no rule matched, their n-grams, the corrections the fuzzy stage made,
the review reasons, the findings never hit and the templates that fire. It is the manual step of the
VinDr pipeline ("we also find infrequent phrases, adding them to our list") as one command; the
table tells a hospital which phrases to add to its pack first (docs/rules.md).

``run_cases`` checks a hospital's own gold cases (a YAML file) against a pack: a pass/fail table.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from rxlabel.errors import RxlabelError
from rxlabel.labeler.engine import ADMIN, Labeler
from rxlabel.labeler.normalize import make_key, strip_diacritics
from rxlabel.labeler.pack import LineLoader, Template
from rxlabel.labeler.phrases import tokenize
from rxlabel.labeler.sentences import split_report

SECTIONS = ("unmatched_sentence", "unmatched_ngram", "correction", "review_reason", "finding_never_hit",
            "finding_hit", "template")
COVERAGE_COLUMNS = ["section", "rank", "count", "share", "item", "example"]


class CasesError(RxlabelError, ValueError):
    """A gold-case file cannot be read; the message names the file, the line and what to write."""


@dataclass
class Coverage:
    """Counters per section (see SECTIONS) over ``reports`` reports and ``sentences`` labelled sentences."""

    reports: int = 0
    sentences: int = 0
    counts: dict[str, Counter] = field(default_factory=lambda: {s: Counter() for s in SECTIONS})
    examples: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, section: str, item: str, example: str = "", n: int = 1) -> None:
        self.counts[section][item] += n
        if example and (section, item) not in self.examples:
            self.examples[(section, item)] = example[:200]

    def rows(self, top: int | None = None) -> list[dict]:
        """Ranked rows, most frequent first in each section; ``share`` of reports (reasons) or sentences."""
        out = []
        for section in SECTIONS:
            total = self.reports if section in ("review_reason",) else max(self.sentences, 1)
            ranked = sorted(self.counts[section].items(), key=lambda kv: (-kv[1], kv[0]))
            for rank, (item, count) in enumerate(ranked[:top] if top else ranked, start=1):
                out.append({"section": section, "rank": rank, "count": count,
                            "share": round(count / max(total, 1), 4), "item": item,
                            "example": self.examples.get((section, item), "")})
        return out


def coverage(texts: Iterable[object], lab: Labeler, ngram: tuple[int, ...] = (2, 3)) -> Coverage:
    """Run ``lab`` over ``texts`` and count what the pack understood and what it did not."""
    cov = Coverage()
    hit: set[str] = set()
    for text in texts:
        cov.reports += 1
        result = lab(text)
        for reason in result.review_reasons or ([] if result.method != "unlabelled" else ["unlabelled"]):
            cov.add("review_reason", reason, text if isinstance(text, str) else "")
        if not isinstance(text, str) or not text.strip():
            continue
        _sentences(cov, lab, text, hit, ngram)
    for name in sorted(lab.pack.findings):
        if name not in hit and name != lab.compiled.normal_finding:
            cov.add("finding_never_hit", name, n=0)
    return cov


def _sentences(cov: Coverage, lab: Labeler, text: str, hit: set[str], ngram: tuple[int, ...]) -> None:
    from rxlabel.labeler.normalize import to_nfc

    text = to_nfc(text)
    key = make_key(text, lab.pack.lang, lab.pack.diacritics_insensitive or lab.stemmed)
    for sentence in split_report(text, key, lab.compiled.splitter):
        if sentence.skip:
            continue
        skey = key[sentence.start:sentence.end]
        analysis = lab._analysis(skey)
        if not analysis.n_words:
            continue
        cov.sentences += 1
        shown = text[sentence.start:sentence.end]
        if analysis.template is not None:
            name = analysis.template.text if isinstance(analysis.template, Template) else (
                "admin line" if analysis.template == ADMIN else str(analysis.template))
            cov.add("template", name, shown)
        for mention in (*analysis.exact, *analysis.fuzzy):
            hit.add(mention[0])
            cov.add("finding_hit", f"{mention[0]}={mention[1]}", shown)
        if analysis.fuzzy:
            _corrections(cov, lab, skey, shown)
        if analysis.template is None and not analysis.exact and not analysis.fuzzy:
            words = [w for w, _, _ in tokenize(skey)]
            cov.add("unmatched_sentence", " ".join(words), shown)
            for n in ngram:
                for gram in {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}:
                    cov.add("unmatched_ngram", gram, shown)


def _corrections(cov: Coverage, lab: Labeler, skey: str, shown: str) -> None:
    vocab = lab._stripped_vocab
    for word, _, _ in tokenize(skey):
        bare = word if lab.pack.diacritics_insensitive else strip_diacritics(word)
        if bare in vocab:
            continue
        corrected = lab._correct(bare)
        if corrected:
            cov.add("correction", f"{word} -> {corrected}", shown)


def write_rows(rows: list[dict], out: str | Path) -> None:
    """Write ``rows`` as CSV atomically (a temporary file renamed over ``out``)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COVERAGE_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def format_rows(rows: list[dict], width: int = 70) -> str:
    """A plain-text ranked table, one block per section."""
    lines: list[str] = []
    section = None
    for row in rows:
        if row["section"] != section:
            section = row["section"]
            lines.append(f"\n== {section}")
            lines.append(f"{'rank':>4} {'count':>6} {'share':>7}  item")
        item = row["item"] if len(row["item"]) <= width else row["item"][:width - 1] + "…"
        lines.append(f"{row['rank']:>4} {row['count']:>6} {row['share']:>7.2%}  {item}")
    return "\n".join(lines).lstrip("\n")


# -- gold cases -------------------------------------------------------------------------------------------

CASE_KEYS = {"id", "text", "findings", "absent", "regions", "method", "note", "__line__"}


@dataclass
class CaseResult:
    case_id: str
    passed: bool
    problems: list[str]
    where: str


def load_cases(path: str | Path) -> list[dict]:
    """Read a gold-case YAML file (``cases: [{id, text, findings, absent, regions, method}]``)."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)  # noqa: S506 - SafeLoader subclass
    except (OSError, UnicodeDecodeError) as exc:
        raise CasesError(f"{path}: cannot read the cases file ({exc})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CasesError(f"{path}:{mark.line + 1 if mark else 1}: YAML syntax error: {exc.problem or exc}") from None
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, list) or not cases:
        raise CasesError(f"{path}:1: expected a top-level 'cases:' list of {{id, text, findings}} mappings")
    errors = []
    for n, case in enumerate(cases, start=1):
        where = f"{path}:{case.get('__line__', 1) if isinstance(case, dict) else 1}"
        if not isinstance(case, dict) or not isinstance(case.get("text"), str):
            errors.append(f"{where}: case {n} needs a 'text' string")
            continue
        extra = sorted(set(case) - CASE_KEYS)
        if extra:
            errors.append(f"{where}: unknown key(s) {', '.join(extra)}; allowed: {', '.join(sorted(CASE_KEYS - {'__line__'}))}")
        for key in ("findings", "regions"):
            value = case.get(key) or {}
            if not isinstance(value, dict) or any(v not in (1, 0, -1) for k, v in value.items() if k != "__line__"):
                errors.append(f"{where}: '{key}' must map names to 1, 0 or -1")
        if not isinstance(case.get("absent") or [], list):
            errors.append(f"{where}: 'absent' must be a list of finding names")
        case.setdefault("id", f"case-{n}")
        case["where"] = where
    if errors:
        raise CasesError("gold cases not run:\n  " + "\n  ".join(errors))
    return cases


def run_cases(cases: list[dict], lab: Labeler) -> list[CaseResult]:
    """Label each case and compare: listed findings/regions must have the given value, ``absent`` ones must
    not be present (missing or 0), ``method`` must match when given. Unknown finding names are problems."""
    known = set(lab.pack.findings)
    out = []
    for case in cases:
        result = lab(case["text"], str(case["id"]))
        problems = []
        expected = {k: v for k, v in (case.get("findings") or {}).items() if k != "__line__"}
        for name in [*expected, *(case.get("absent") or [])]:
            if str(name).lower() not in known:
                problems.append(f"unknown finding '{name}'")
        for name, value in expected.items():
            got = result.findings.get(str(name).lower(), 0)
            if got != value:
                problems.append(f"{name}: expected {value}, got {got}")
        for name in case.get("absent") or []:
            if result.findings.get(str(name).lower(), 0) != 0:
                problems.append(f"{name}: expected absent, got {result.findings[str(name).lower()]}")
        for region, value in (case.get("regions") or {}).items():
            if region != "__line__" and result.regions.get(region) != value:
                problems.append(f"region {region}: expected {value}, got {result.regions.get(region)}")
        if case.get("method") and result.method != case["method"]:
            problems.append(f"method: expected {case['method']}, got {result.method} "
                            f"({', '.join(result.review_reasons) or 'no reason'})")
        out.append(CaseResult(str(case["id"]), not problems, problems, case["where"]))
    return out


def format_cases(results: list[CaseResult]) -> str:
    """The pass/fail table and a summary line."""
    lines = [f"{'result':<6}  {'case':<24}  detail"]
    for r in results:
        lines.append(f"{'PASS' if r.passed else 'FAIL':<6}  {r.case_id:<24}  {'; '.join(r.problems) or ''}"
                     + (f"  ({r.where})" if not r.passed else ""))
    failed = sum(not r.passed for r in results)
    lines.append(f"{len(results) - failed} passed, {failed} failed")
    return "\n".join(lines)


__all__ = ["COVERAGE_COLUMNS", "CasesError", "Coverage", "SECTIONS", "coverage", "format_cases", "format_rows",
           "load_cases", "run_cases", "write_rows"]
