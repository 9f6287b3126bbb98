"""The whole match step: scan DICOM, read the HIS, match, account for every input, write the outputs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from rxlabel.matcher.chest import ViewClassifier
from rxlabel.matcher.his import HisBatch, Report, load_services, read_his
from rxlabel.matcher.match import MatchConfig, MatchResult, match_tables
from rxlabel.matcher.scan import scan
from rxlabel.matcher.tables import header_defects, image_table, report_table
from rxlabel.outputs import RunOutputs, write_failed


def match_records(
    records: Iterable[dict],
    his: HisBatch | Iterable[Report],
    config: MatchConfig | None = None,
    services: frozenset[str] | None = None,
    view_classifier: ViewClassifier | None = None,
) -> MatchResult:
    """Match scanned header records with HIS reports; unreadable files and unreadable HIS files are accounted for."""
    records = list(records)
    batch = his if isinstance(his, HisBatch) else HisBatch(reports=list(his))
    images, rej_img = image_table(records, view_classifier)
    reports, rej_rep = report_table(batch.reports, services, (config or MatchConfig()).his_tz)
    res = match_tables(images, reports, config)
    file_errors = pd.DataFrame(
        [{"report_id": "", "source": f"{p.source}:{p.line}" if p.line else p.source, "patient_id": "",
          "reason": f"unreadable_file: {p.reason}"} for p in batch.problems if p.level == "error"],
        columns=["report_id", "source", "patient_id", "reason"],
    )
    res.unmatched_images = pd.concat([res.unmatched_images, rej_img], ignore_index=True)
    res.warnings = pd.DataFrame(
        [{"source": p.source, "line": p.line or "", "level": p.level, "reason": p.reason} for p in batch.problems]
        + [{"source": r["path"], "line": "", "level": "warning", "reason": d} for r in records for d in header_defects(r)],
        columns=["source", "line", "level", "reason"],
    )
    res.unmatched_reports = pd.concat([res.unmatched_reports, rej_rep, file_errors], ignore_index=True)
    s = res.summary
    s.update({
        "files_scanned": len(records), "chest_pa_images": s.pop("images"), "reports_read": len(batch.reports),
        "reports_considered": s.pop("reports"), "his_files": batch.files, "his_file_errors": len(file_errors),
        "unmatched_images": len(res.unmatched_images), "unmatched_reports": len(res.unmatched_reports),
        "warnings": int((res.warnings["level"] == "warning").sum()),
    })
    # Accounting invariants: a broken one is a bug, never a silent loss.
    assert s["paired_images"] + s["ambiguous_images"] + len(res.unmatched_images) == len(records), s
    assert s["paired_reports"] + s["ambiguous_reports"] + len(res.unmatched_reports) == \
        len(batch.reports) + len(file_errors), s
    return res


def run(
    dicom: str | Path | list[dict],
    his: str | Path | Iterable[str | Path] | HisBatch,
    config: MatchConfig | None = None,
    services: str | Path | frozenset[str] | None = "default",
    mapping: str | Path | None = None,
    jobs: int = 1,
    cache: str | Path | None = None,
    quiet: bool = True,
    view_classifier: ViewClassifier | None = None,
) -> tuple[MatchResult, HisBatch]:
    """Scan ``dicom`` (a folder, or records already scanned), read ``his``, and match.

    ``services``: ``"default"`` for the bundled chest-radiography list, a path to a list, a set, or None for no filter.
    """
    records = dicom if isinstance(dicom, list) else scan(dicom, jobs=jobs, cache=cache, quiet=quiet)
    batch = his if isinstance(his, HisBatch) else read_his(his, mapping)
    if services == "default":
        allowed = load_services(None)
    elif isinstance(services, (str, Path)):
        allowed = load_services(services)
    else:
        allowed = services
    return match_records(records, batch, config, allowed, view_classifier), batch


def output_paths(out: str | Path) -> dict[str, Path]:
    """Where each table goes: ``pairs.csv`` -> ``pairs.ambiguous.csv``, ``pairs.unmatched_images.csv``, ..."""
    out = Path(out)
    suffix = out.suffix if out.suffix in (".csv", ".parquet") else ".csv"
    stem = out.with_suffix("") if out.suffix in (".csv", ".parquet") else out
    return {
        "pairs": stem.with_name(stem.name + suffix),
        "ambiguous": stem.with_name(stem.name + ".ambiguous.csv"),
        "unmatched_images": stem.with_name(stem.name + ".unmatched_images" + suffix),
        "unmatched_reports": stem.with_name(stem.name + ".unmatched_reports" + suffix),
        "summary": stem.with_name(stem.name + ".summary.json"),
        "problems": stem.with_name(stem.name + ".problems.csv"),
    }


def write_table(df: pd.DataFrame, path: Path, tmp: Path | None = None) -> None:
    """CSV or Parquet by extension, written to ``tmp`` (default a temporary name, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target = tmp or path.with_name(f".{path.name}.partial")
    if path.suffix == ".parquet":
        df.to_parquet(target, index=False)
    else:
        df.to_csv(target, index=False, encoding="utf-8")
    if tmp is None:
        os.replace(target, path)


def write_result(res: MatchResult, out: str | Path, inputs: Iterable[str | Path] = ()) -> dict[str, Path]:
    """Write the four tables, the summary and the problems, replaced together or not at all (:class:`RunOutputs`).

    A failed write (disk full) leaves the previous run's files as they were: no new pairs beside an old summary.
    """
    paths = output_paths(out)
    run = RunOutputs("match", paths, inputs)
    try:
        for key in ("pairs", "ambiguous", "unmatched_images", "unmatched_reports"):
            write_table(getattr(res, key), paths[key], run.partial(key))
        write_table(res.warnings, paths["problems"], run.partial("problems"))
        run.partial("summary").write_text(json.dumps(res.summary, indent=2, ensure_ascii=False), "utf-8")
    except OSError as exc:
        run.abort()
        raise write_failed("match", exc, paths["pairs"].parent) from exc
    except BaseException:
        run.abort()
        raise
    run.commit()
    return paths


def read_pairs(path: str | Path) -> pd.DataFrame:
    """Read a pairs table written by :func:`write_result` (CSV or Parquet), ids kept as text."""
    path = Path(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False)
