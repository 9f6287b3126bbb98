"""Streaming readers and writers for report tables (CSV, TSV, JSONL, Parquet by extension).

Readers yield :class:`ReportRow` chunks so memory stays flat on millions of reports. Writers write
to ``<path>.partial`` and rename on :meth:`close`, so a killed run never leaves a file that looks
finished.
"""

from __future__ import annotations

import csv
import json
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rxlabel.errors import RxlabelError
from rxlabel.schema import REGION_COLUMNS, label_columns

FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
           ".parquet": "parquet", ".pq": "parquet"}
ID_CANDIDATES = ("report_id", "ReportID", "id", "ID", "accession", "session")
TEXT_CANDIDATES = ("text", "report", "Report", "description", "DESCRIPTION", "findings", "report_text")


try:  # orjson: ~5x faster than json.dumps for label records, same JSON content
    import orjson
except ImportError:  # pragma: no cover - orjson is a base dependency; json is the fallback
    orjson = None


def record_line(record: dict) -> str:
    """One JSONL line (compact, UTF-8 text unescaped) for a label record; the same bytes with or
    without orjson for the record types rxlabel writes (str, int, None, lists, dicts)."""
    if orjson is not None:
        try:
            return orjson.dumps(record).decode("utf-8") + "\n"
        except TypeError:  # lone surrogates or exotic values: let json decide (and say why)
            pass
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


class ReportInputError(RxlabelError, ValueError):
    """Bad report or label input: the message names the file, the row and what to do."""


InputError = ReportInputError  # the name before index's error got a distinct one; kept for callers


@dataclass(slots=True)
class ReportRow:
    row: int            # 1-based data row (line for JSONL) in the input file
    report_id: str | None
    text: object        # str, or None / non-str for missing text
    error: str | None = None  # a row-level problem (invalid JSON line, ...)


def file_format(path: str | Path) -> str:
    """Format of ``path`` from its extension; raise ReportInputError for an unknown one."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ReportInputError(f"{path}: unknown file type '{suffix}'; use one of {', '.join(sorted(FORMATS))}")
    return FORMATS[suffix]


def _pick(columns: list[str], wanted: str | None, candidates: tuple[str, ...], what: str, path: Path,
          option: str) -> str | None:
    if wanted is not None:
        if wanted not in columns:
            raise ReportInputError(f"{path}: no column '{wanted}' for the {what}; the file has: {', '.join(map(str, columns))}. "
                             f"Pass {option} with one of them.")
        return wanted
    for name in candidates:
        if name in columns:
            return name
    return None


def _check_encoding(path: Path, encoding: str) -> None:
    """Fail early, naming the row, when a file is not in the stated encoding."""
    if encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
        return
    line = 1
    with open(path, "rb") as fh:
        carry = b""
        for block in iter(lambda: fh.read(1 << 20), b""):
            data = carry + block
            try:
                data.decode("utf-8")
                carry = b""
            except UnicodeDecodeError as exc:
                if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
                    carry = data[exc.start:]
                    data = data[:exc.start]
                else:
                    line += data[:exc.start].count(b"\n")
                    bad = data[exc.start:exc.start + 1].hex()
                    raise ReportInputError(
                        f"{path}: line {line} is not UTF-8 (byte 0x{bad}). Re-run with the file's encoding, e.g. "
                        f"--encoding cp1258 (Vietnamese Windows), --encoding latin-1 or cp1252 (Spanish Windows)."
                    ) from None
            line += data.count(b"\n")
    if carry:
        raise ReportInputError(f"{path}: the file ends inside a UTF-8 character (truncated?); check the file or pass --encoding")


def read_reports(path: str | Path, id_col: str | None = None, text_col: str | None = None,
                 encoding: str = "utf-8", chunk_size: int = 5000) -> Iterator[list[ReportRow]]:
    """Yield chunks of rows. Missing ids become the row number (``row-<n>``); text is NFC-normalised."""
    path = Path(path)
    if not path.exists():
        raise ReportInputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ReportInputError(f"{path}: the file is empty (0 bytes); nothing to label")
    kind = file_format(path)
    if kind in ("csv", "tsv", "jsonl"):
        _check_encoding(path, encoding)
    if kind == "jsonl":
        yield from _read_jsonl(path, id_col, text_col, encoding, chunk_size)
    elif kind == "parquet":
        yield from _read_parquet(path, id_col, text_col, chunk_size)
    else:
        yield from _read_delimited(path, "," if kind == "csv" else "\t", id_col, text_col, encoding, chunk_size)


def _nfc(text: object) -> object:
    return unicodedata.normalize("NFC", text) if isinstance(text, str) else None


def _read_delimited(path, sep, id_col, text_col, encoding, chunk_size) -> Iterator[list[ReportRow]]:
    try:
        reader = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""], chunksize=chunk_size,
                             encoding=encoding, quoting=csv.QUOTE_MINIMAL, on_bad_lines="error")
        first = True
        row = 0
        for chunk in reader:
            columns = list(chunk.columns)
            if first:
                ids = _pick(columns, id_col, ID_CANDIDATES, "report id", path, "--id-col")
                texts = _pick(columns, text_col, TEXT_CANDIDATES, "report text", path, "--text-col")
                if texts is None:
                    raise ReportInputError(f"{path}: no report text column (looked for {', '.join(TEXT_CANDIDATES)}); "
                                     f"the file has: {', '.join(columns)}. Pass --text-col.")
                first = False
            id_values = chunk[ids].tolist() if ids else [None] * len(chunk)
            out = []
            for rid, text in zip(id_values, chunk[texts].tolist(), strict=True):
                row += 1
                rid = None if rid is None or (isinstance(rid, float)) or str(rid).strip() == "" else str(rid).strip()
                out.append(ReportRow(row, rid if ids else f"row-{row}", _nfc(text)))
            yield out
        if row == 0:
            raise ReportInputError(f"{path}: the file has a header but no rows")
    except pd.errors.EmptyDataError:
        raise ReportInputError(f"{path}: the file has no header and no rows") from None
    except pd.errors.ParserError as exc:
        raise ReportInputError(f"{path}: cannot parse as {'CSV' if sep == ',' else 'TSV'}: {exc}. Check quoting on that line.") from None
    except UnicodeDecodeError as exc:
        raise ReportInputError(f"{path}: not {encoding} ({exc.reason}); pass the file's --encoding") from None


def _read_jsonl(path, id_col, text_col, encoding, chunk_size) -> Iterator[list[ReportRow]]:
    out: list[ReportRow] = []
    with open(path, encoding=encoding, newline="") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("a JSON object per line is expected")
            except ValueError as exc:
                out.append(ReportRow(line_no, None, None, f"invalid_json: {exc}"))
            else:
                keys = list(obj)
                ids = _pick(keys, id_col, ID_CANDIDATES, "report id", path, "--id-col") if id_col else next(
                    (k for k in ID_CANDIDATES if k in obj), None)
                texts = _pick(keys, text_col, TEXT_CANDIDATES, "report text", path, "--text-col") if text_col else next(
                    (k for k in TEXT_CANDIDATES if k in obj), None)
                rid = obj.get(ids) if ids else f"row-{line_no}"
                error = None if texts else f"missing_text_field: none of {', '.join(TEXT_CANDIDATES)}; pass --text-col"
                out.append(ReportRow(line_no, None if rid is None else str(rid), _nfc(obj.get(texts)) if texts else None, error))
            if len(out) >= chunk_size:
                yield out
                out = []
    if out:
        yield out


def open_parquet(path: Path, id_col: str | None, text_col: str | None):
    """(ParquetFile, id column or None, text column) of a report table; ReportInputError if unusable."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise ReportInputError(f"{path}: not a readable Parquet file ({exc})") from None
    columns = pf.schema_arrow.names
    ids = _pick(columns, id_col, ID_CANDIDATES, "report id", path, "--id-col")
    texts = _pick(columns, text_col, TEXT_CANDIDATES, "report text", path, "--text-col")
    if texts is None:
        raise ReportInputError(f"{path}: no report text column; the file has: {', '.join(columns)}. Pass --text-col.")
    return pf, ids, texts


def parquet_rows(data: dict, ids: str | None, texts: str, first_row: int) -> list[ReportRow]:
    """Rows of one Parquet batch (``to_pydict()``), numbered from ``first_row`` (1-based)."""
    id_values = data[ids] if ids else [None] * len(data[texts])
    out = []
    for k, (rid, text) in enumerate(zip(id_values, data[texts], strict=True)):
        row = first_row + k
        out.append(ReportRow(row, str(rid) if rid is not None else (None if ids else f"row-{row}"), _nfc(text)))
    return out


def _read_parquet(path, id_col, text_col, chunk_size) -> Iterator[list[ReportRow]]:
    pf, ids, texts = open_parquet(path, id_col, text_col)
    row = 1
    for batch in pf.iter_batches(batch_size=chunk_size, columns=[c for c in (ids, texts) if c]):
        rows = parquet_rows(batch.to_pydict(), ids, texts, row)
        row += len(rows)
        yield rows


# -- writers ----------------------------------------------------------------------------------------


def flatten(record: dict, finding_names: list[str]) -> dict:
    """The CSV/Parquet row of a labelled report: one column per region and per finding."""
    flat = {"report_id": record["report_id"], "method": record["method"], "rules_version": record["rules_version"]}
    for region in REGION_COLUMNS:
        flat[region] = record["regions"].get(region)
    findings = record["findings"]
    for name in finding_names:
        flat[name] = findings.get(name)
    flat["review_reasons"] = ";".join(record["review_reasons"])
    flat["evidence"] = json.dumps(record["evidence"], ensure_ascii=False)
    return flat


class RecordWriter:
    """Writes labelled records to JSONL / CSV / TSV / Parquet atomically (``.partial`` then rename)."""

    def __init__(self, path: str | Path, finding_names: list[str]):
        self.path = Path(path)
        self.kind = file_format(self.path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.finding_names = finding_names
        self.count = 0
        self._fh = None
        self._parquet = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.kind in ("jsonl", "csv", "tsv"):
            self._fh = open(self.partial, "w", encoding="utf-8", newline="")
            if self.kind != "jsonl":
                self._csv = csv.DictWriter(self._fh, fieldnames=self._columns(),
                                           delimiter="," if self.kind == "csv" else "\t")
                self._csv.writeheader()

    def _columns(self) -> list[str]:
        return label_columns(self.finding_names)

    def write(self, records: list[dict], lines: list[str] | None = None) -> None:
        """Append records; ``lines`` are their JSON lines when already serialised (by worker processes)."""
        self.count += len(records)
        if self.kind == "jsonl":
            self._fh.writelines(lines if lines is not None else map(record_line, records))
        elif self.kind in ("csv", "tsv"):
            self._csv.writerows(flatten(r, self.finding_names) for r in records)
        else:
            self._write_parquet(records)

    def _write_parquet(self, records: list[dict]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = self._columns()
        int_cols = set(REGION_COLUMNS) | set(self.finding_names)
        schema = pa.schema([(c, pa.int8() if c in int_cols else pa.string()) for c in columns])
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.partial, schema)
        rows = [flatten(r, self.finding_names) for r in records]
        table = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
        self._parquet.write_table(table)

    def close(self, move: bool = True) -> None:
        """Finish the file and move it into place (``move=False``: leave it at :attr:`partial` for a run commit)."""
        if self._fh is not None:
            self._fh.close()
        if self.kind == "parquet":
            if self._parquet is None:
                self._write_parquet([])
            self._parquet.close()
        if move:
            os.replace(self.partial, self.path)

    def abort(self) -> None:
        """Drop the partial file (on error)."""
        if self._fh is not None and not self._fh.closed:
            self._fh.close()
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        if self.partial.exists():
            self.partial.unlink()


def read_records(path: str | Path) -> Iterator[dict]:
    """Read labelled records back (JSONL or the flattened CSV/TSV/Parquet) as JSONL-shaped dicts."""
    path = Path(path)
    kind = file_format(path)
    if kind == "jsonl":
        with open(path, encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError as exc:
                        raise ReportInputError(f"{path}:{line_no}: invalid JSON ({exc})") from None
        return
    if kind == "parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, sep="," if kind == "csv" else "\t", dtype=str, keep_default_na=False)
    fixed = {"report_id", "method", "rules_version", "review_reasons", "evidence", *REGION_COLUMNS}
    finding_cols = [c for c in frame.columns if c not in fixed]
    for rec in frame.to_dict("records"):
        yield {
            "report_id": str(rec["report_id"]),
            "method": rec.get("method", ""),
            "findings": {c: int(float(rec[c])) for c in finding_cols if _present(rec[c])},
            "regions": {r: int(float(rec[r])) for r in REGION_COLUMNS if r in rec and _present(rec[r])},
            "evidence": json.loads(rec["evidence"]) if _present(rec.get("evidence")) else [],
            "review_reasons": [x for x in str(rec.get("review_reasons") or "").split(";") if x],
            "rules_version": rec.get("rules_version", ""),
        }


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, float):
        return value == value
    return str(value).strip() != ""
