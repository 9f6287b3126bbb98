"""Read index inputs into one normalised form: an image table and long tables of findings.

Three inputs are understood:

* a PadChest-style labels CSV (``ImageID``, ``PatientID``, ``Labels``, ``Localizations`` as
  Python list-repr strings; optional ``LabelsLocalizationsBySentence``, ``Projection`` /
  ``ViewPosition_DICOM``, ``StudyDate_DICOM``, ``ImageDir``);
* a long table with one row per (image, label), as PadChest-GR's master table (``ImageID``,
  ``PatientID``, ``label``, optional ``locations``);
* the labeller's output (JSONL, CSV or Parquet from ``rxlabel label``) joined on ``report_id``
  with the matcher's image <-> report pairs (CSV or Parquet).

Every input row ends in exactly one place: an indexed image, or ``rejected`` with its reason.
"""

from __future__ import annotations

import csv
import json
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rxlabel.errors import RxlabelError
from rxlabel.index.hierarchy import normalise
from rxlabel.labeler.io import file_rules_version, label_table_columns, parse_label_line, unflatten
from rxlabel.schema import NEGATED as NEGATIVE
from rxlabel.schema import PRESENT as POSITIVE
from rxlabel.schema import UNCERTAIN

VIEW_COLUMNS = ("view", "view_position", "ViewPosition", "Projection", "ViewPosition_DICOM")
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
_SENTENCE = re.compile(r"\[([^\[\]]*)\]")
_VIEWS = {
    "PA": "PA", "POSTEROANTERIOR": "PA", "POSTERO_ANTERIOR": "PA",
    "AP": "AP", "ANTEROPOSTERIOR": "AP", "AP_HORIZONTAL": "AP", "AP_SUPINE": "AP", "AP SUPINE": "AP",
    "L": "LATERAL", "LL": "LATERAL", "RL": "LATERAL", "LAT": "LATERAL", "LATERAL": "LATERAL", "RLD": "LATERAL",
}


class IndexInputError(RxlabelError, ValueError):
    """Bad index input: the message names the file, the row and what to do."""


InputError = IndexInputError  # the name before it became distinct from the labeller's; kept for callers


@dataclass
class Records:
    """Normalised index input. ``images`` rows are positions 0..n-1 of the long tables' ``img``."""

    images: pd.DataFrame  # key, patient, path, view, study_time, report_id, source
    finding_img: np.ndarray
    finding_term: np.ndarray  # object array of term names
    finding_status: np.ndarray  # int8: 1 positive, -1 uncertain, 0 negated
    loc_img: np.ndarray
    loc_term: np.ndarray  # finding the localization belongs to ('' when only known per image)
    loc_name: np.ndarray
    region_img: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    region_name: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    region_status: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    method: pd.Series | None = None
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    rules_versions: set[str] = field(default_factory=set)
    rows_read: int = 0


REJECT_COLUMNS = ["source", "row", "key", "reason"]
IMAGE_COLUMNS = ["key", "patient", "path", "view", "study_time", "report_id", "source"]


def normalise_view(value: object) -> str:
    """PA / AP / LATERAL from PadChest's ``Projection`` or DICOM ``ViewPosition``; other values upper-cased."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).strip().upper()
    return _VIEWS.get(text, text)


def strip_loc(name: str) -> str:
    """PadChest writes localizations as ``loc basal``; the hierarchy names them ``basal``."""
    name = normalise(name)
    return name[4:] if name.startswith("loc ") else name


def parse_list(text: object) -> list[str] | None:
    """Items of a list-repr string ``"['a', 'b']"``; [] for blank; None when it is not a list."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return []
    text = str(text).strip()
    if not text or text in ("[]", "nan"):
        return []
    if not (text.startswith("[") and text.endswith("]")):
        return None
    return [a or b for a, b in _QUOTED.findall(text)]


def explode_lists(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row positions, normalised items, positions of rows that are not lists) of a list-repr column.

    Vectorised with pyarrow for the common form ``['a', 'b']``; rows with escapes or commas
    inside items fall back to the regex parser.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(series.astype(object).where(series.notna(), None).tolist(), type=pa.string()) \
        if series.dtype == object else pa.array(series, type=pa.string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.fill_null(pc.utf8_trim_whitespace(arr), "")
    blank = pc.or_(pc.equal(arr, ""), pc.equal(arr, "nan")).to_numpy(zero_copy_only=False)
    bracketed = pc.and_(pc.starts_with(arr, "["), pc.ends_with(arr, "]")).to_numpy(zero_copy_only=False)
    lists = pc.split_pattern(pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(arr, 1, -1)), ", ")
    flat = pc.list_flatten(lists)
    parent = pc.list_parent_indices(lists).to_numpy()
    clean = pc.or_(pc.match_substring_regex(flat, r"^'[^'\\\"]*'$"),
                   pc.match_substring_regex(flat, r'^"[^\'\\\"]*"$')).to_numpy(zero_copy_only=False)
    empty_item = pc.equal(flat, "").to_numpy(zero_copy_only=False)
    slow = np.zeros(len(arr), bool)
    slow[parent[~clean & ~empty_item]] = True
    slow &= bracketed
    bad = ~blank & ~bracketed
    keep = bracketed[parent] & ~slow[parent] & ~blank[parent] & clean
    # Normalise the few distinct items, not every occurrence.
    encoded = pc.dictionary_encode(flat.filter(pa.array(keep)))
    distinct = np.asarray([normalise(v[1:-1]) for v in encoded.dictionary.to_pylist()] + [""], dtype=object)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    names = distinct[codes] if len(codes) else np.zeros(0, object)
    nonempty = names != ""
    rows = [parent[keep][nonempty]]
    values = [names[nonempty]]
    for i in np.flatnonzero(slow):
        parsed = parse_list(series.iloc[i])
        if parsed is None:
            bad[i] = True
            continue
        names = [normalise(x) for x in parsed if normalise(x)]
        rows.append(np.full(len(names), i, np.int64))
        values.append(np.asarray(names, dtype=object))
    return np.concatenate(rows).astype(np.int64), np.concatenate(values), np.flatnonzero(bad)


def _read_table(path: Path, what: str) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path).reset_index(drop=True)
        sep = "\t" if suffix == ".tsv" else ","
        options = {"sep": sep, "dtype": str, "keep_default_na": False, "na_values": [""], "encoding": "utf-8"}
        try:
            return pd.read_csv(path, engine="pyarrow", **options)  # several times faster on large tables
        except (ValueError, ImportError, pd.errors.ParserError):  # pyarrow's errors lack row numbers
            # index_col=False and the warning as an error: a row with extra fields is refused, not
            # silently turned into an index or truncated.
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                try:
                    return pd.read_csv(path, index_col=False, **options)
                except pd.errors.ParserWarning as exc:
                    raise IndexInputError(f"{path}: {_ragged_line(path, sep)}; quote fields that contain '{sep}'") from exc
    except IndexInputError:
        raise
    except FileNotFoundError as exc:
        raise IndexInputError(f"{path}: {what} file not found") from exc
    except UnicodeDecodeError as exc:
        raise IndexInputError(f"{path}: {what} is not UTF-8 ({_first_bad_line(path)}); convert it to UTF-8, "
                         "e.g. iconv -f latin1 -t utf-8") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, ValueError) as exc:
        raise IndexInputError(f"{path}: cannot read {what}: {exc}") from exc


def _ragged_line(path: Path, sep: str) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=sep)
        width = len(next(reader, []))
        for row in reader:
            if len(row) != width:
                return f"line {reader.line_num} has {len(row)} fields but the header has {width}"
    return "rows do not match the header"


def _first_bad_line(path: Path) -> str:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                return f"line {number}, byte 0x{line[exc.start:exc.start + 1].hex()}"
    return "invalid UTF-8"


def _require(df: pd.DataFrame, columns: Iterable[str], path: Path, hint: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise IndexInputError(
            f"{path}: missing column(s) {', '.join(missing)}; the file has: {', '.join(map(str, df.columns))}. {hint}"
        )


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype(str).str.strip() == "")


def _reject(rows: pd.Index | np.ndarray, keys: Iterable[object], reason: str, source: str) -> pd.DataFrame:
    rows = np.asarray(rows)
    # +2: 1-based rows and the header line, so the number is the file's line in a spreadsheet/editor.
    return pd.DataFrame({"source": source, "row": rows + 2, "key": [str(k) for k in keys], "reason": reason})


def _first_duplicates(keys: pd.Series) -> pd.Series:
    return keys.duplicated(keep="first") & keys.notna()


def read_padchest(
    path: str | Path,
    *,
    image_col: str = "ImageID",
    patient_col: str = "PatientID",
    source: str | None = None,
    known_images: set[str] | None = None,
) -> Records:
    """Read a PadChest-style table: wide (``Labels`` list per image) or long (one ``label`` per row)."""
    path = Path(path)
    df = _read_table(path, "labels table")
    source = source or path.stem
    where = str(path)
    if "Labels" not in df.columns and "label" in df.columns:
        return _read_long(df, path, image_col, patient_col, source, known_images)
    _require(df, [image_col, patient_col, "Labels"], path,
             "A PadChest-style table needs ImageID, PatientID and Labels (or label, one per row).")
    rejected = []
    bad = _blank(df[image_col])
    if bad.any():
        rejected.append(_reject(df.index[bad], [""] * int(bad.sum()), "no image id", where))
    keep = ~bad
    dup = _first_duplicates(df[image_col].where(keep))
    if dup.any():
        rejected.append(_reject(df.index[dup], df.loc[dup, image_col], "duplicate image id (first row kept)", where))
    keep &= ~dup
    nopat = keep & _blank(df[patient_col])
    if nopat.any():
        rejected.append(_reject(df.index[nopat], df.loc[nopat, image_col], "no patient id", where))
    keep &= ~nopat
    if known_images is not None:
        unknown = keep & ~df[image_col].isin(known_images)
        if unknown.any():
            rejected.append(_reject(df.index[unknown], df.loc[unknown, image_col], "unknown image id (not in the image list)", where))
        keep &= ~unknown
    lab_rows, lab_items, lab_bad = explode_lists(df["Labels"])
    unparsable = pd.Series(False, index=df.index)
    unparsable.iloc[lab_bad] = True
    unparsable &= keep
    if unparsable.any():
        rejected.append(_reject(df.index[unparsable], df.loc[unparsable, image_col],
                                "Labels is not a list such as ['nodule', 'loc left']", where))
    keep &= ~unparsable
    keep_np = keep.to_numpy()
    kept = df.index[keep_np]
    sub = df.loc[kept]
    # Row positions in df -> positions among the kept rows (the image ids).
    position = np.cumsum(keep_np) - 1
    view_col = next((c for c in ("Projection", "ViewPosition_DICOM") if c in sub.columns), None)
    views = _map_unique(sub[view_col], normalise_view) if view_col else pd.Series("", index=sub.index)
    if view_col == "Projection" and "ViewPosition_DICOM" in sub.columns:
        missing_view = (views == "").to_numpy()
        if missing_view.any():
            views[missing_view] = _map_unique(sub.loc[missing_view, "ViewPosition_DICOM"], normalise_view)
    paths = sub[image_col].astype(str)
    if "ImageDir" in sub.columns:
        paths = sub["ImageDir"].fillna("").astype(str).str.replace(r"\.0$", "", regex=True) + "/" + paths
        paths = paths.str.lstrip("/")
    def column(name: str) -> pd.Series | str:
        # Arrow-backed strings, not numpy objects: a million Python strings per column would cost GBs.
        return sub[name].fillna("").astype(str).reset_index(drop=True) if name in sub else ""

    images = pd.DataFrame({
        "key": column(image_col),
        "patient": column(patient_col),
        "path": paths.reset_index(drop=True),
        "view": views.reset_index(drop=True),
        "study_time": column("StudyDate_DICOM"),
        "report_id": column("ReportID"),
        "source": source,
    }, columns=IMAGE_COLUMNS)
    in_kept = keep_np[lab_rows]
    rows, items = position[lab_rows[in_kept]], lab_items[in_kept]
    is_loc = pd.Series(items, dtype=object).str.startswith("loc ").to_numpy(bool)
    f_rows, f_items = rows[~is_loc], items[~is_loc]
    dup = pd.DataFrame({"i": f_rows, "t": f_items}).duplicated().to_numpy()
    f_rows, f_items = f_rows[~dup], f_items[~dup]
    loc_img, loc_term, loc_name = _padchest_localizations(sub, keep_np, position, rows[is_loc], items[is_loc])
    return Records(
        images=images,
        finding_img=f_rows.astype(np.int64),
        finding_term=f_items,
        finding_status=np.ones(len(f_rows), np.int8),
        loc_img=loc_img, loc_term=loc_term, loc_name=loc_name,
        rejected=pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=REJECT_COLUMNS),
        rows_read=len(df),
    )


def _map_unique(series: pd.Series, func) -> pd.Series:
    """``series.map(func)`` computing ``func`` once per distinct value."""
    values = series.astype(object).where(series.notna(), None)
    table = {v: func(v) for v in pd.unique(values)}
    return pd.Series([table[v] for v in values], index=series.index, dtype=object)


def _strip_locs(items: np.ndarray) -> np.ndarray:
    table = {v: strip_loc(v) for v in set(items.tolist())}
    return pd.Series(items, dtype=object).map(table).to_numpy(object)


def _padchest_localizations(sub: pd.DataFrame, keep: np.ndarray, position: np.ndarray,
                            label_loc_rows: np.ndarray, label_locs: np.ndarray):
    """Per-finding localizations from LabelsLocalizationsBySentence, plus per-image ones (finding '')."""
    img: list[np.ndarray] = []
    term: list[np.ndarray] = []
    loc: list[np.ndarray] = []
    if "LabelsLocalizationsBySentence" in sub.columns:
        i_list, t_list, l_list = [], [], []
        for i, text in enumerate(sub["LabelsLocalizationsBySentence"].tolist()):
            if not isinstance(text, str):
                continue
            for sentence in _SENTENCE.findall(text):
                items = [normalise(a or b) for a, b in _QUOTED.findall(sentence)]
                locs = [strip_loc(x) for x in items if x.startswith("loc ")]
                finds = [x for x in items if x and not x.startswith("loc ")]
                for f in finds:
                    for lc in locs:
                        i_list.append(i)
                        t_list.append(f)
                        l_list.append(lc)
        img.append(np.asarray(i_list, np.int64))
        term.append(np.asarray(t_list, object))
        loc.append(np.asarray(l_list, object))
    if "Localizations" in sub.columns:
        rows, items, _ = explode_lists(sub["Localizations"])
        img.append(rows)
        term.append(np.full(len(rows), "", object))
        loc.append(_strip_locs(items))
    if len(label_locs):  # a few PadChest rows carry 'loc ...' inside Labels
        img.append(np.asarray(label_loc_rows, np.int64))
        term.append(np.full(len(label_locs), "", object))
        loc.append(_strip_locs(label_locs))
    if not img:
        return np.zeros(0, np.int64), np.zeros(0, object), np.zeros(0, object)
    return np.concatenate(img), np.concatenate(term), np.concatenate(loc)


def _read_long(df: pd.DataFrame, path: Path, image_col: str, patient_col: str, source: str,
               known_images: set[str] | None) -> Records:
    _require(df, [image_col, patient_col, "label"], path,
             "A long labels table needs ImageID, PatientID and label (one row per image and label).")
    rejected = []
    bad = _blank(df[image_col])
    if bad.any():
        rejected.append(_reject(df.index[bad], [""] * int(bad.sum()), "no image id", str(path)))
    keep = ~bad
    nopat = keep & _blank(df[patient_col])
    if nopat.any():
        rejected.append(_reject(df.index[nopat], df.loc[nopat, image_col], "no patient id", str(path)))
    keep &= ~nopat
    # One image must belong to one patient; rows that disagree with the image's first row are rejected.
    first_patient = df.loc[keep].groupby(image_col, sort=False)[patient_col].transform("first")
    clash = pd.Series(False, index=df.index)
    clash.loc[first_patient.index] = first_patient != df.loc[first_patient.index, patient_col]
    if clash.any():
        rejected.append(_reject(df.index[clash], df.loc[clash, image_col], "image listed under two patients", str(path)))
    keep &= ~clash
    if known_images is not None:
        unknown = keep & ~df[image_col].isin(known_images)
        if unknown.any():
            rejected.append(_reject(df.index[unknown], df.loc[unknown, image_col], "unknown image id (not in the image list)", str(path)))
        keep &= ~unknown
    sub = df.loc[keep]
    firsts = sub.drop_duplicates(image_col, keep="first")
    codes = pd.Index(firsts[image_col]).get_indexer(sub[image_col])
    view_col = next((c for c in ("Projection", "ViewPosition_DICOM") if c in firsts.columns), None)
    time_col = next((c for c in ("StudyDate_DICOM", "StudyDate") if c in firsts.columns), None)
    images = pd.DataFrame({
        "key": firsts[image_col].astype(str).to_numpy(),
        "patient": firsts[patient_col].astype(str).to_numpy(),
        "path": firsts[image_col].astype(str).to_numpy(),
        "view": firsts[view_col].map(normalise_view).to_numpy() if view_col else "",
        "study_time": firsts[time_col].fillna("").astype(str).to_numpy() if time_col else "",
        "report_id": firsts["StudyID"].fillna("").astype(str).to_numpy() if "StudyID" in firsts else "",
        "source": source,
    }, columns=IMAGE_COLUMNS)
    terms = sub["label"].fillna("").map(normalise).to_numpy(object)
    has = terms != ""
    pairs = pd.DataFrame({"i": codes[has], "t": terms[has]}).drop_duplicates()
    img, term, loc = [], [], []
    if "locations" in sub.columns:
        for i, t, text in zip(codes, terms, sub["locations"].tolist(), strict=True):
            for lc in parse_list(text) or []:
                img.append(i)
                term.append(t)
                loc.append(strip_loc(lc))
    return Records(
        images=images,
        finding_img=pairs["i"].to_numpy(np.int64),
        finding_term=pairs["t"].to_numpy(object),
        finding_status=np.ones(len(pairs), np.int8),
        loc_img=np.asarray(img, np.int64), loc_term=np.asarray(term, object), loc_name=np.asarray(loc, object),
        rejected=pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=REJECT_COLUMNS),
        rows_read=len(df),
    )


@dataclass
class _Labels:
    findings: dict[str, dict[str, int]]
    locs: dict[str, list[tuple[str, str]]]
    regions: dict[str, dict[str, int]]
    method: dict[str, str]
    rules_versions: set[str]
    rejected: list[dict]
    rows: int


def _status(value: object) -> int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return None
    try:
        number = int(float(value))
    except (TypeError, ValueError):
        return 99
    return number if number in (POSITIVE, NEGATIVE, UNCERTAIN) and number == float(value) else 99


def read_labels(path: str | Path) -> _Labels:
    """Labeller output (JSONL one object per report, or its CSV/Parquet flattening) keyed by report_id."""
    path = Path(path)
    out = _Labels({}, {}, {}, {}, set(), [], 0)
    source = str(path)
    version = file_rules_version(path)  # compact lines leave the file's rules version to its run manifest
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        try:
            handle = path.open(encoding="utf-8")
        except FileNotFoundError as exc:
            raise IndexInputError(f"{path}: labels file not found") from exc
        with handle:
            for line_no, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                out.rows += 1
                try:
                    obj = parse_label_line(line, version)
                except json.JSONDecodeError as exc:
                    out.rejected.append({"source": source, "row": line_no, "key": "", "reason": f"invalid JSON: {exc.msg}"})
                    continue
                except ValueError as exc:  # JSON, but not a label record (an evidence list of the wrong length)
                    out.rejected.append({"source": source, "row": line_no, "key": "", "reason": str(exc)})
                    continue
                _add_label_object(obj, line_no, source, out)
        return out
    df = _read_table(path, "labels file")
    _require(df, ["report_id"], path, "Labeller output needs a report_id column (rxlabel label -o OUT.csv writes one).")
    region_cols, finding_cols = label_table_columns(list(df.columns))
    records = df.to_dict("records")
    for row_no, rec in enumerate(records, 2):
        out.rows += 1
        try:
            obj = unflatten(rec, region_cols, finding_cols, version)  # the labeller's own reading of a flattened row
        except ValueError as exc:
            out.rejected.append({"source": source, "row": row_no, "key": str(rec.get("report_id") or ""),
                                 "reason": f"evidence is not JSON: {exc}"})
            continue
        _add_label_object(obj, row_no, source, out)
    return out


def _add_label_object(obj: object, row: int, source: str, out: _Labels) -> None:
    if not isinstance(obj, dict):
        out.rejected.append({"source": source, "row": row, "key": "", "reason": "not a JSON object"})
        return
    rid = obj.get("report_id")
    if rid is None or (isinstance(rid, float) and np.isnan(rid)) or str(rid).strip() == "":
        out.rejected.append({"source": source, "row": row, "key": "", "reason": "no report_id"})
        return
    rid = str(rid)
    if rid in out.findings:
        out.rejected.append({"source": source, "row": row, "key": rid, "reason": "duplicate report_id (first kept)"})
        return
    findings: dict[str, int] = {}
    raw = obj.get("findings") or {}
    if not isinstance(raw, dict):
        out.rejected.append({"source": source, "row": row, "key": rid, "reason": "'findings' is not an object"})
        return
    for name, value in raw.items():
        status = _status(value)
        if status == 99:
            out.rejected.append({"source": source, "row": row, "key": rid,
                                 "reason": f"finding '{name}' has value {value!r}; expected 1, 0, -1 or blank"})
            return
        if status is not None:
            findings[normalise(name)] = status
    regions = {}
    for name, value in (obj.get("regions") or {}).items():
        status = _status(value)
        if status is not None and status != 99:
            regions[str(name)] = status
    locs = []
    for ev in obj.get("evidence") or []:
        if isinstance(ev, dict) and ev.get("localizations") and ev.get("finding"):
            for lc in ev["localizations"]:
                locs.append((normalise(ev["finding"]), strip_loc(str(lc))))
    out.findings[rid] = findings
    out.regions[rid] = regions
    if locs:
        out.locs[rid] = sorted(set(locs))
    out.method[rid] = str(obj.get("method") or "")
    version = obj.get("rules_version")
    if isinstance(version, str) and version:
        out.rules_versions.add(version)


def unreadable_image(path: object, base: Path) -> str | None:
    """Why the image at ``path`` (relative: to ``base``) cannot be used, or None when it exists and decodes."""
    p = Path(str(path))
    if not p.is_absolute() and not p.exists():
        p = base / p
    if not p.is_file():
        return "image file missing (failed or not yet converted?)"
    try:
        if p.suffix.lower() in (".dcm", ".dicom", ""):
            import pydicom

            ds = pydicom.dcmread(p, force=True)
            if "PixelData" not in ds:
                return "image does not decode: DICOM without pixel data"
        else:
            from PIL import Image

            with Image.open(p) as img:
                img.verify()  # structure and checksums, without decoding every pixel twice
            with Image.open(p) as img:
                img.load()
    except Exception as exc:  # PIL and pydicom raise many types for a damaged file
        return f"image does not decode: {type(exc).__name__}"
    return None


@dataclass
class PairColumns:
    """Names of the matcher pair columns used for the join (configurable: the matcher may rename them)."""

    image: str = "image_path"
    report: str = "report_id"
    patient: str = "patient_id"
    time: str = "study_time"
    view: str | None = None  # first of VIEW_COLUMNS present when None


def read_labelled_pairs(
    labels_path: str | Path,
    pairs_path: str | Path,
    *,
    columns: PairColumns | None = None,
    source: str | None = None,
    verify_images: bool = True,
) -> Records:
    """Join labeller output with matcher pairs: one indexed image per pair row, labelled by its report.

    Only images that exist and decode are indexed (``verify_images``); the others are rejected with the reason
    (a failed conversion must never reach a dataset).
    """
    columns = columns or PairColumns()
    labels = read_labels(labels_path)
    pairs_path = Path(pairs_path)
    pairs = _read_table(pairs_path, "pairs table")
    _require(pairs, [columns.image, columns.report, columns.patient], pairs_path,
             "Name the matcher's columns with --image-col / --report-col / --patient-col.")
    source = source or pairs_path.stem
    src = str(pairs_path)
    rejected = [pd.DataFrame(labels.rejected, columns=REJECT_COLUMNS)] if labels.rejected else []
    image = pairs[columns.image]
    bad = _blank(image)
    if bad.any():
        rejected.append(_reject(pairs.index[bad], [""] * int(bad.sum()), "no image path", src))
    keep = ~bad
    dup = keep & _first_duplicates(image.where(keep))
    if dup.any():
        rejected.append(_reject(pairs.index[dup], image[dup], "image paired twice (first pair kept)", src))
    keep &= ~dup
    nopat = keep & _blank(pairs[columns.patient])
    if nopat.any():
        rejected.append(_reject(pairs.index[nopat], image[nopat], "no patient id", src))
    keep &= ~nopat
    if verify_images:
        reasons = pd.Series({i: unreadable_image(p, pairs_path.parent) for i, p in image[keep].items()}, dtype=object)
        reasons = reasons[reasons.notna()]
        for reason, rows in reasons.groupby(reasons, sort=True).groups.items():
            rejected.append(_reject(rows, image[rows], reason, src))
        keep &= ~pairs.index.isin(reasons.index)
    report = pairs[columns.report].astype(str)
    unlabelled = keep & ~report.isin(labels.findings.keys())
    if unlabelled.any():
        rejected.append(_reject(pairs.index[unlabelled], image[unlabelled],
                                f"report not in the labels file {labels_path}", src))
    keep &= ~unlabelled
    sub = pairs.loc[keep]
    paired = set(report[keep])
    lonely = [rid for rid in labels.findings if rid not in paired]
    if lonely:
        rejected.append(pd.DataFrame({"source": str(labels_path), "row": 0, "key": lonely,
                                      "reason": "labelled report with no paired image"}))
    view_col = columns.view or next((c for c in VIEW_COLUMNS if c in sub.columns), None)
    if view_col is not None and view_col not in sub.columns:
        raise IndexInputError(f"{pairs_path}: no view column '{view_col}'; the file has: {', '.join(map(str, sub.columns))}")
    images = pd.DataFrame({
        "key": sub[columns.image].astype(str).to_numpy(),
        "patient": sub[columns.patient].astype(str).to_numpy(),
        "path": sub[columns.image].astype(str).to_numpy(),
        "view": sub[view_col].map(normalise_view).to_numpy() if view_col else "",
        "study_time": sub[columns.time].fillna("").astype(str).to_numpy() if columns.time in sub else "",
        "report_id": report[keep].to_numpy(),
        "source": source,
    }, columns=IMAGE_COLUMNS)
    f_img, f_term, f_status, l_img, l_term, l_name, r_img, r_name, r_status = ([] for _ in range(9))
    for i, rid in enumerate(images["report_id"].tolist()):
        for name, status in labels.findings[rid].items():
            f_img.append(i)
            f_term.append(name)
            f_status.append(status)
        for name, status in labels.regions[rid].items():
            r_img.append(i)
            r_name.append(name)
            r_status.append(status)
        for term, lc in labels.locs.get(rid, ()):
            l_img.append(i)
            l_term.append(term)
            l_name.append(lc)
    return Records(
        images=images,
        finding_img=np.asarray(f_img, np.int64), finding_term=np.asarray(f_term, object),
        finding_status=np.asarray(f_status, np.int8),
        loc_img=np.asarray(l_img, np.int64), loc_term=np.asarray(l_term, object), loc_name=np.asarray(l_name, object),
        region_img=np.asarray(r_img, np.int64), region_name=np.asarray(r_name, object),
        region_status=np.asarray(r_status, np.int8),
        method=pd.Series([labels.method[r] for r in images["report_id"]], dtype=object),
        rejected=pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=REJECT_COLUMNS),
        rules_versions=labels.rules_versions,
        rows_read=len(pairs),
    )


def read_image_list(path: str | Path, column: str | None = None) -> set[str]:
    """Image ids from a text file (one per line) or a table (``column``, else ImageID / image_path / key)."""
    path = Path(path)
    if path.suffix.lower() in (".txt", ".lst", ""):
        try:
            return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
        except FileNotFoundError as exc:
            raise IndexInputError(f"{path}: image list not found") from exc
    df = _read_table(path, "image list")
    col = column or next((c for c in ("ImageID", "image_path", "key", "path") if c in df.columns), None)
    if col is None or col not in df.columns:
        raise IndexInputError(f"{path}: no image id column; the file has {', '.join(map(str, df.columns))}; pass --images-col")
    return set(df[col].dropna().astype(str))
