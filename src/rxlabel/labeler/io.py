"""Streaming readers and writers for report tables (CSV, TSV, JSONL, Parquet by extension).

Readers yield :class:`ReportRow` chunks so memory stays flat on millions of reports. Writers write
to ``<path>.partial`` and rename on :meth:`close`, so a killed run never leaves a file that looks
finished.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from rxlabel.errors import RxlabelError
from rxlabel.outputs import manifest_path
from rxlabel.schema import (
    EVIDENCE_MODES,
    REGION_COLUMNS,
    decode_evidence_item,
    decode_record,
    encode_evidence_item,
    encode_record,
    label_columns,
    record_contract,
)

FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
           ".parquet": "parquet", ".pq": "parquet"}
ID_CANDIDATES = ("report_id", "ReportID", "id", "ID", "accession", "session")
TEXT_CANDIDATES = ("text", "report", "Report", "description", "DESCRIPTION", "findings", "report_text")


try:  # orjson: ~5x faster than json.dumps for label records, same JSON content
    import orjson
except ImportError:  # pragma: no cover - orjson is a base dependency; json is the fallback
    orjson = None


def record_line(record: dict, evidence: str = "compact", rules_version: str | None = None) -> str:
    """One JSONL line (compact, UTF-8 text unescaped) for a label record in the ``evidence`` format
    (schema.EVIDENCE_MODES; ``rules_version``: the file's, see schema.encode_record); the same bytes
    with or without orjson for the record types rxlabel writes (str, int, None, lists, dicts)."""
    record = encode_record(record, evidence, rules_version)
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
    if encoding.lower().replace("-", "").replace("_", "") not in ("utf8", "utf8sig"):
        _refuse_utf8_read_as_other(path, encoding)
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


def _refuse_utf8_read_as_other(path: Path, encoding: str, sample: int = 8 << 20) -> None:
    """A file that is valid UTF-8 with accented letters, read as latin-1/cp1252/cp1258, becomes mojibake
    ('negación' -> 'negaciÃ³n') and loses negations silently: stop and name the fix."""
    with open(path, "rb") as fh:
        data = fh.read(sample)
    if not any(b >= 0x80 for b in data):
        return  # plain ASCII reads the same in every encoding
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not (exc.reason == "unexpected end of data" and len(data) == sample):
            return  # not UTF-8: the stated encoding may well be right
    line = data[: next(i for i, b in enumerate(data) if b >= 0x80)].count(b"\n") + 1
    word = data.split(b"\n")[line - 1].decode("utf-8", "replace")[:60]
    raise ReportInputError(
        f"{path}: the file is UTF-8 (line {line}: {word!r}), but --encoding {encoding} was given; read that way its "
        f"accented letters become mojibake ({word.encode('utf-8').decode(encoding, 'replace')[:60]!r}). "
        f"Drop --encoding (UTF-8 is the default).")


def read_reports(path: str | Path, id_col: str | None = None, text_col: str | None = None,
                 encoding: str = "utf-8", chunk_size: int = 5000) -> Iterator[list[ReportRow]]:
    """Yield chunks of rows. Missing ids become the row number (``row-<n>``); text is NFC-normalised."""
    return _reports(path, id_col, text_col, encoding, chunk_size, raw=False)


def read_report_chunks(path: str | Path, id_col: str | None = None, text_col: str | None = None,
                       encoding: str = "utf-8", chunk_size: int = 5000) -> Iterator[list[ReportRow] | RawRows]:
    """:func:`read_reports`, but a CSV/TSV's chunks come as :class:`RawRows` (cleaned and normalised by
    whoever labels them); the same checks and errors."""
    return _reports(path, id_col, text_col, encoding, chunk_size, raw=True)


def _reports(path, id_col, text_col, encoding, chunk_size, raw) -> Iterator:
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
        if encoding.lower().replace("-", "").replace("_", "") == "utf8":
            encoding = "utf-8-sig"  # Excel's "CSV UTF-8" starts with a BOM, which is not part of the first column name
        sep = sniff_delimiter(path, encoding) if kind == "csv" else "\t"
        yield from (_delimited_columns if raw else _read_delimited)(path, sep, id_col, text_col, encoding, chunk_size)


def sniff_delimiter(path: Path, encoding: str) -> str:
    """``,``, or the ``;`` (or TAB) that Excel writes in Spanish and Vietnamese locales, from the header line."""
    try:
        with open(path, encoding=encoding, errors="replace", newline="") as fh:
            header = fh.readline()
    except (OSError, LookupError):
        return ","
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _nfc(text: object) -> object:
    return unicodedata.normalize("NFC", text) if isinstance(text, str) else None


class RawRows(NamedTuple):
    """A chunk of a CSV/TSV as pandas read it: the rows ``first``, ``first + 1``, ... with their id cells
    (``ids`` None: the file has no id column) and text cells, not yet cleaned or NFC-normalised.

    What ``--jobs`` workers receive (:meth:`rows` runs there): the parent reads, the workers normalise."""

    first: int
    ids: list | None
    texts: list

    def rows(self) -> list[ReportRow]:
        ids = self.ids if self.ids is not None else [None] * len(self.texts)
        has_ids = self.ids is not None
        return [ReportRow(row, _clean_id(rid) if has_ids else f"row-{row}", _nfc(text))
                for row, rid, text in zip(itertools.count(self.first), ids, self.texts, strict=False)]


def _clean_id(rid: object) -> str | None:
    return None if rid is None or isinstance(rid, float) or str(rid).strip() == "" else str(rid).strip()


def _read_delimited(path, sep, id_col, text_col, encoding, chunk_size) -> Iterator[list[ReportRow]]:
    for raw in _delimited_columns(path, sep, id_col, text_col, encoding, chunk_size):
        yield raw.rows()


# pandas reads this many rows at a time at least (its per-chunk cost is ~0.1 ms), yielded in chunk_size pieces.
_READ_ROWS = 20_000


def _delimited_columns(path, sep, id_col, text_col, encoding, chunk_size) -> Iterator[RawRows]:
    try:
        # dtype=object: the cells as the parser made them (str, NaN for a blank cell), the same values as
        # dtype=str without pandas' round trip through an Arrow string array (a quarter of the read's time).
        reader = pd.read_csv(path, sep=sep, dtype=object, keep_default_na=False, na_values=[""],
                             chunksize=max(chunk_size, _READ_ROWS), encoding=encoding, quoting=csv.QUOTE_MINIMAL,
                             on_bad_lines="error")
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
            text_values = chunk[texts].tolist()
            id_values = chunk[ids].tolist() if ids else None
            for at in range(0, len(text_values), chunk_size):
                yield RawRows(row + at + 1, id_values[at:at + chunk_size] if ids else None,
                              text_values[at:at + chunk_size])
            row += len(text_values)
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
    _check_text_type(path, texts, pf.schema_arrow.field(texts).type)
    return pf, ids, texts


def _check_text_type(path: Path, column: str, kind) -> None:
    """Report text must be stored as text: binary, numbers or lists would make every report 'empty'."""
    import pyarrow as pa

    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return
    if pa.types.is_dictionary(kind) and (pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type)):
        return
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        fix = "the column holds bytes: decode it before writing (e.g. df[col] = df[col].str.decode('utf-8'))"
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        fix = "the column holds lists (sentences?): join them into one string per report"
    else:
        fix = "a report text column must hold strings"
    raise ReportInputError(f"{path}: the text column '{column}' is stored as {kind}, not text; {fix}, "
                           f"or pass --text-col with the column that holds the report")


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


def flatten(record: dict, finding_names: list[str], evidence: str = "compact") -> dict:
    """The CSV/Parquet row of a labelled report: one column per region and per finding; the ``evidence``
    cell holds the items as JSON in the ``evidence`` format (lists for ``compact``, as in JSONL)."""
    flat = {"report_id": record["report_id"], "method": record["method"], "rules_version": record["rules_version"]}
    for region in REGION_COLUMNS:
        flat[region] = record["regions"].get(region)
    findings = record["findings"]
    for name in finding_names:
        flat[name] = findings.get(name)
    flat["review_reasons"] = ";".join(record["review_reasons"])
    items = record["evidence"]
    if evidence != "full":
        items = [] if evidence == "none" else [encode_evidence_item(e) for e in items]
    flat["evidence"] = json.dumps(items, ensure_ascii=False, separators=(",", ":") if evidence != "full" else None)
    return flat


class RecordWriter:
    """Writes labelled records to JSONL / CSV / TSV / Parquet atomically (``.partial`` then rename).

    ``evidence`` is the record format (schema.EVIDENCE_MODES, compact by default); ``rules_version`` the
    file's pack version, which compact lines leave out: give :attr:`contract` to the run manifest.
    """

    def __init__(self, path: str | Path, finding_names: list[str], evidence: str = "compact",
                 rules_version: str | None = None):
        if evidence not in EVIDENCE_MODES:
            raise ReportInputError(f"--evidence {evidence}: use one of {', '.join(EVIDENCE_MODES)}")
        self.evidence = evidence
        self.rules_version = rules_version
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

    @property
    def contract(self) -> dict:
        """The ``record`` entry of the run manifest: format, field order, the file's rules version."""
        return record_contract(self.evidence, self.rules_version or "")

    def line(self, record: dict) -> str:
        """The JSONL line of ``record`` in this file's format (what worker processes must write too)."""
        return record_line(record, self.evidence, self.rules_version)

    def write_lines(self, lines: list[str]) -> None:
        """Append records given only as their JSON lines (a JSONL file)."""
        self.count += len(lines)
        self._fh.writelines(lines)

    def write(self, records: list[dict], lines: list[str] | None = None) -> None:
        """Append records; ``lines`` are their JSON lines when already serialised (by worker processes)."""
        self.count += len(records)
        if self.kind == "jsonl":
            self._fh.writelines(lines if lines is not None else map(self.line, records))
        elif self.kind in ("csv", "tsv"):
            self._csv.writerows(flatten(r, self.finding_names, self.evidence) for r in records)
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
        rows = [flatten(r, self.finding_names, self.evidence) for r in records]
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


# -- the label record's one reader -----------------------------------------------------------------
# Flattened columns that are neither a region nor a finding: the record's own, and ones other tools add.
LABEL_META_COLUMNS = frozenset({"report_id", "method", "rules_version", "review_reasons", "evidence",
                                "text", "findings", "regions", "error", "reason", "row"})


def parse_label_line(line: str, rules_version: str = "") -> dict:
    """One JSONL line of labels (any format: schema.decode_record) as the verbose record dict;
    ``rules_version``: the file's (:func:`file_rules_version`) for lines that leave it out.
    ValueError (with the JSON message) when it is not JSON; a JSON value that is no object is returned as is."""
    obj = json.loads(line)
    return decode_record(obj, rules_version) if isinstance(obj, dict) else obj


def file_contract(path: str | Path) -> dict:
    """What the run manifest of a labels file (``<stem>.run.json``) says of its records: ``record`` (format,
    evidence mode, field order, rules version; schema.record_contract), ``{}`` when there is none."""
    path = Path(path)
    try:
        manifest = json.loads(manifest_path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict) or Path(str(manifest.get("primary", ""))).name != path.name:
        return {}
    record = manifest.get("record") if isinstance(manifest.get("record"), dict) else {}
    counts = manifest.get("counts") if isinstance(manifest.get("counts"), dict) else {}
    version = record.get("rules_version") or counts.get("rules_version") or ""
    return {**record, "rules_version": version if isinstance(version, str) else ""}


def file_rules_version(path: str | Path) -> str:
    """The rules version a labels file's run manifest records for its lines; "" if none.

    Compact lines leave the version out when it is the file's; a labels file copied without its manifest
    reads with a blank version (pass ``--lang`` / ``--pack`` where a command needs the pack)."""
    return file_contract(path).get("rules_version", "")


def label_table_columns(columns) -> tuple[dict[str, str], list[str]]:
    """``(region column -> region, finding columns)`` of a flattened label table (``region_`` prefix accepted)."""
    regions = {c: str(c).removeprefix("region_") for c in columns if str(c).removeprefix("region_") in REGION_COLUMNS}
    findings = [c for c in columns if c not in LABEL_META_COLUMNS and c not in regions]
    return regions, findings


def unflatten(row: dict, regions: dict[str, str], findings: list[str], rules_version: str = "") -> dict:
    """A flattened (CSV/TSV/Parquet) row back to the record's shape; statuses as read, blank cells dropped.

    ValueError when the ``evidence`` cell is not JSON.

    >>> unflatten({"report_id": "r1", "method": "rule", "pleura": "1", "effusion": "", "evidence": ""},
    ...           {"pleura": "pleura"}, ["effusion"])["regions"]
    {'pleura': '1'}
    """
    evidence = row.get("evidence")
    return {
        "report_id": row.get("report_id"),
        "method": row.get("method") or "",
        "findings": {c: row[c] for c in findings if _present(row[c])},
        "regions": {r: row[c] for c, r in regions.items() if _present(row[c])},
        "evidence": [decode_evidence_item(e) for e in json.loads(evidence)] if _present(evidence) else [],
        "review_reasons": [x for x in str(row.get("review_reasons") or "").split(";") if x and x != "nan"],
        "rules_version": row.get("rules_version") or rules_version,
    }


def read_records(path: str | Path) -> Iterator[dict]:
    """Read labelled records back (JSONL or the flattened CSV/TSV/Parquet, any record format) as verbose
    dicts (schema.decode_record; no evidence windows for compact files: ``aggregate.attach_text``).

    The strict reader: a malformed line or cell stops with the file and row. The index reads labels
    through the same :func:`parse_label_line` / :func:`unflatten`, setting bad rows aside instead.
    """
    path = Path(path)
    kind = file_format(path)
    version = file_rules_version(path)
    if kind == "jsonl":
        with open(path, encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        record = parse_label_line(line, version)
                    except json.JSONDecodeError as exc:
                        raise ReportInputError(f"{path}:{line_no}: invalid JSON ({exc})") from None
                    except ValueError as exc:
                        raise ReportInputError(f"{path}:{line_no}: not a label record: {exc}") from None
                    yield record
        return
    if kind == "parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, sep="," if kind == "csv" else "\t", dtype=str, keep_default_na=False)
    regions, findings = label_table_columns(list(frame.columns))
    for row_no, rec in enumerate(frame.to_dict("records"), 2):
        try:
            obj = unflatten(rec, regions, findings, version)
            obj["findings"] = {k: int(float(v)) for k, v in obj["findings"].items()}
            obj["regions"] = {k: int(float(v)) for k, v in obj["regions"].items()}
        except ValueError as exc:
            raise ReportInputError(f"{path}: row {row_no}: {exc}; statuses are 1, 0, -1 or blank") from None
        obj["report_id"] = str(obj["report_id"])
        yield obj


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, float):
        return value == value
    return str(value).strip() != ""
