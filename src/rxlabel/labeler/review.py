"""The manual-review queue: export a spreadsheet, read a person's decisions back, sample for QC.

A queue row shows the report, why it is there and what the rules suggest; the person fills the
``decision`` column (``accept``, ``normal``, ``reject`` or ``name=1; other=0``) and, if they
wish, the ``decision_<region>`` columns. :func:`apply_decisions` validates every row before it
changes anything and names the row of each problem.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process

from rxlabel.labeler.aggregate import aggregate_statuses, combine, evidence_item, evidence_sentence
from rxlabel.labeler.io import (
    REGION_COLUMNS,
    InputError,
    RecordWriter,
    file_contract,
    read_records,
    read_reports,
)
from rxlabel.labeler.pack import Pack, load_pack
from rxlabel.outputs import RunOutputs, csv_cell, csv_value, refuse_overwrite, verify_input

DECISION_REGIONS = [f"decision_{r}" for r in REGION_COLUMNS]
REVIEW_COLUMNS = ["report_id", "reasons", "text", "suggested_findings", "suggested_regions", "evidence",
                  "decision", *DECISION_REGIONS, "reviewer", "comment"]
KEYWORDS = ("accept", "normal", "reject")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # reports can be megabytes long


def format_labels(labels: dict[str, int]) -> str:
    """``{"a": 1, "b": 0}`` -> ``"a=1; b=0"`` (the spreadsheet form)."""
    return "; ".join(f"{k}={v}" for k, v in sorted(labels.items()))


def parse_labels(cell: str) -> dict[str, int]:
    """``"a=1; b=-1"`` -> dict; raise ValueError naming the bad part."""
    out: dict[str, int] = {}
    for part in (p.strip() for p in cell.replace("\n", ";").split(";")):
        if not part:
            continue
        name, sep, value = part.rpartition("=")
        if not sep:
            name, value = part, "1"
        name = name.strip().lower()
        if value.strip() not in ("1", "0", "-1"):
            raise ValueError(f"'{part}': the value must be 1, 0 or -1")
        out[name] = int(value.strip())
    return out


def suggested_findings(record: dict) -> dict[str, int]:
    """What the rules suggest for a record (the findings of :func:`suggest`: fuzzy readings included)."""
    return suggest(record)[0]


def review_row(record: dict, text: object) -> dict:
    """The queue row of a labelled record: the labels a reviewer gets by writing ``accept``.

    A fuzzy (corrected) reading of the same words replaces the exact reading of a finding: for "Khôg thấy
    tràn dịch màng phổi" the exact pass reads the effusion present (it does not know the misspelt cue),
    the corrected pass reads it negated, and the corrected reading is the right one. Findings found only
    by fuzzy matching are suggested too, and so are their regions.
    """
    suggested, regions = suggest(record)
    evidence = "; ".join(
        f"{e['finding']}={e['status']} [{e.get('match', 'exact')}] '{evidence_sentence(e, text)}'"
        for e in record["evidence"]
        if e.get("finding"))
    return {"report_id": record["report_id"], "reasons": ";".join(record["review_reasons"]),
            "text": text if isinstance(text, str) else "", "suggested_findings": format_labels(suggested),
            "suggested_regions": format_labels(regions), "evidence": evidence}


def suggest(record: dict) -> tuple[dict[str, int], dict[str, int]]:
    """(findings, regions) a reviewer accepting the suggestions gets for ``record``."""
    evidence = [e for e in record["evidence"] if e.get("finding")]
    fuzzy = [e for e in evidence if e.get("match") == "fuzzy"]
    if not fuzzy:
        return dict(record["findings"]), dict(record["regions"])
    kept = [e for e in evidence if e.get("match") != "fuzzy" and not any(
        f["finding"] == e["finding"] and f["start"] < e["end"] and e["start"] < f["end"] for f in fuzzy)]
    used = kept + fuzzy
    findings = aggregate_statuses((e["finding"], e["status"]) for e in used)
    for name, value in record["findings"].items():
        if not any(e["finding"] == name for e in evidence):
            findings.setdefault(name, value)  # labels with no evidence of their own (an inferred normal)
    if "region" not in fuzzy[0]:
        return findings, dict(record["regions"])  # a labels file written before evidence carried regions
    regions = {r: 0 for r in record["regions"]}
    present = [e for e in used if e["status"] != 0 and e.get("abnormal", True)]
    for e in present:
        for region in (e["region"], "abnormal"):
            if region in regions:
                regions[region] = combine([regions[region], e["status"]])
    if present and "normal" in findings and not any(e["finding"] == "normal" for e in present):
        findings.pop("normal")  # a suggested finding makes the report abnormal
    return findings, regions


def _write_queue(path: Path, rows: Iterable[dict], step: str, inputs: Iterable[str | Path | None]) -> int:
    """Write a queue CSV for a spreadsheet: cells escaped against formula injection, replaced atomically."""
    run = RunOutputs(step, {"queue": path}, inputs)
    count = 0
    try:
        with open(run.partial("queue"), "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=REVIEW_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: csv_cell(v) for k, v in row.items()})
                count += 1
    except BaseException:
        run.abort()
        raise
    run.commit()
    return count


def _texts(reports: str | Path | None, ids: set[str], **read_options) -> dict[str, str]:
    if reports is None:
        return {}
    found: dict[str, str] = {}
    for chunk in read_reports(reports, **read_options):
        for row in chunk:
            if row.report_id in ids and isinstance(row.text, str):
                found.setdefault(row.report_id, row.text)
    return found


def export_queue(labels: str | Path, out: str | Path, reports: str | Path | None = None,
                 reasons: set[str] | None = None, **read_options) -> int:
    """Write the review queue of a labels file (records sent to review, optionally by reason)."""
    refuse_overwrite("review-export", [labels, reports], {"queue": out})
    verify_input(labels)
    queued = [r for r in read_records(labels) if r["method"] == "unlabelled"
              and (not reasons or reasons & set(r["review_reasons"]))]
    texts = _texts(reports, {r["report_id"] for r in queued}, **read_options)
    return _write_queue(Path(out), (review_row(r, texts.get(r["report_id"], "")) for r in queued), "review-export",
                        [labels, reports])


def sample_for_qc(labels: str | Path, out: str | Path, fraction: float, seed: int,
                  reports: str | Path | None = None, **read_options) -> int:
    """Draw a seeded quality-control sample of automatically labelled reports, stratified by method."""
    if not 0 < fraction <= 1:
        raise InputError(f"--fraction must be in (0, 1], got {fraction}")
    refuse_overwrite("review-sample", [labels, reports], {"queue": out})
    verify_input(labels)
    by_method: dict[str, list[dict]] = {}
    for record in read_records(labels):
        if record["method"] in ("template", "rule"):
            by_method.setdefault(record["method"], []).append(record)
    rng = random.Random(seed)
    chosen = []
    for method in sorted(by_method):
        group = by_method[method]
        k = max(1, round(len(group) * fraction))
        chosen += rng.sample(group, min(k, len(group)))
    texts = _texts(reports, {r["report_id"] for r in chosen}, **read_options)
    rows = []
    for record in chosen:
        row = review_row(record, texts.get(record["report_id"], ""))
        row["reasons"] = f"qc_sample:{record['method']}"
        rows.append(row)
    return _write_queue(Path(out), rows, "review-sample", [labels, reports])


def _delimiter(path: str | Path) -> str:
    """``,``, or the ``;`` / TAB a Spanish or Vietnamese Excel writes, sniffed from the header line."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = fh.readline()
            fh.read()  # the whole file must be UTF-8, not only its header
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 (byte 0x{exc.object[exc.start:exc.start + 1].hex()}, e.g. a cp1252 "
                         f"export); in Excel use 'Save as > CSV UTF-8', or convert the file to UTF-8") from None
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


@dataclass
class ApplySummary:
    decided: int = 0
    rejected: int = 0
    pending: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _lang_of(version: str) -> str:
    return version.split("-", 1)[0] if version else "es"


def _decide(row: dict, where: str, record: dict, pack: Pack, errors: list[str]) -> dict | str | None:
    decision = (row.get("decision") or "").strip()
    region_cells = {c[len("decision_"):]: (row.get(c) or "").strip() for c in DECISION_REGIONS}
    if not decision and not any(region_cells.values()):
        return None
    lowered = decision.lower()
    if lowered == "reject":
        return "reject"
    if lowered == "accept":
        source = row.get("suggested_findings") or ""
    elif lowered == "normal":
        source = "normal=1" if "normal" in pack.findings else ""
    elif decision:
        source = decision
    else:
        source = format_labels(record["findings"])
    try:
        findings = parse_labels(source)
    except ValueError as exc:
        errors.append(f"{where}: decision {exc}; write accept, normal, reject or 'name=1; name=0'")
        return None
    known = set(pack.findings)
    for name in findings:
        if name not in known:
            close = [c for c, _, _ in process.extract(name, sorted(known), limit=3)]
            errors.append(f"{where}: unknown finding '{name}'; closest known: {', '.join(close)}")
    regions = _derive_regions(findings, pack)
    for region, cell in region_cells.items():
        if cell:
            if cell not in ("1", "0", "-1"):
                errors.append(f"{where}: decision_{region} must be 1, 0 or -1, got '{cell}'")
                continue
            regions[region] = int(cell)
    return {"findings": findings, "regions": regions}


def _derive_regions(findings: dict[str, int], pack: Pack) -> dict[str, int]:
    regions = {r: 0 for r in REGION_COLUMNS}
    rank = {1: 2, -1: 1, 0: 0}
    for name, value in findings.items():
        finding = pack.findings.get(name)
        if finding is None or not finding.abnormal or value == 0:
            continue
        for region in (finding.region, "abnormal"):
            if region in regions and rank[value] > rank[regions[region]]:
                regions[region] = value
    return regions


def apply_decisions(labels: str | Path, decisions: str | Path, out: str | Path,
                    rejects_out: str | Path | None = None, pack: str | Path | None = None,
                    evidence: str | None = None) -> ApplySummary:
    """Override labels with a person's decisions; validate everything first, write nothing on error.

    ``evidence``: the output's record format (schema.EVIDENCE_MODES); by default the input's, else compact.

    The labels and rejects outputs are replaced together, never over an input or the labelling run's files.
    """
    out = Path(out)
    rejects_path = Path(rejects_out) if rejects_out else out.with_suffix("").with_name(out.stem + ".rejected.csv")
    outputs = {"labels": out, "rejected": rejects_path}
    refuse_overwrite("review-apply", [labels, decisions], outputs)
    verify_input(labels)
    records = list(read_records(labels))
    by_id = {r["report_id"]: r for r in records}
    if pack is None:
        pack = _lang_of(records[0]["rules_version"]) if records else "es"
    rule_pack = load_pack(pack)
    summary = ApplySummary()
    decided: dict[str, dict | str] = {}
    with open(decisions, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=_delimiter(decisions))
        missing = {"report_id", "decision"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(f"{decisions}: missing column(s) {', '.join(sorted(missing))}; "
                             f"export the queue with 'rxlabel review export' and fill its decision column")
        for line, raw in enumerate(reader, start=2):
            row = {k: csv_value(v) for k, v in raw.items()}
            rid = (row.get("report_id") or "").strip()
            where = f"{decisions}:{line} (report_id {rid or '?'})"
            if rid not in by_id:
                summary.errors.append(f"{where}: unknown report id; it is not in {labels}")
                continue
            if rid in decided:
                summary.errors.append(f"{where}: a second decision for this report; keep one row per report")
                continue
            outcome = _decide(row, where, by_id[rid], rule_pack, summary.errors)
            if outcome is None:
                summary.pending += 1
                continue
            decided[rid] = outcome
            if outcome != "reject":
                decided[rid]["note"] = f"review:{(row.get('reviewer') or 'anonymous').strip()}"
                if (row.get("comment") or "").strip():
                    decided[rid]["note"] += f": {row['comment'].strip()}"
    if summary.errors:
        raise InputError("review decisions not applied:\n  " + "\n  ".join(summary.errors))
    run = RunOutputs("review-apply", outputs, [labels, decisions], check=False)
    writer = RecordWriter(out, sorted(rule_pack.findings), evidence or file_contract(labels).get("evidence", "compact"),
                          records[0]["rules_version"] if records else "")
    rejected_rows = []
    try:
        for record in records:
            outcome = decided.get(record["report_id"])
            if outcome is None:
                summary.unchanged += 1
                writer.write([record])
            elif outcome == "reject":
                summary.rejected += 1
                rejected_rows.append([record["report_id"], "rejected_by_reviewer", json.dumps(record, ensure_ascii=False)])
            else:
                summary.decided += 1
                evidence = [*record["evidence"],
                            evidence_item(None, None, None, None, None, outcome["note"], [], "review", None, None)]
                writer.write([{**record, "method": "review", "findings": outcome["findings"],
                               "regions": outcome["regions"], "evidence": evidence}])
        writer.close(move=False)
        if rejected_rows:
            with open(run.partial("rejected"), "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows([["report_id", "reason", "record"],
                                          *([csv_cell(v) for v in r] for r in rejected_rows)])
    except BaseException:
        writer.abort()
        run.abort()
        raise
    run.commit({"record": writer.contract})
    return summary
