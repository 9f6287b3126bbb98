"""DICOM header scan: headers only, in parallel, resumable through a cache keyed by path, size and mtime.

Every file found under the root ends in the scan result: a header record (status ``ok``) or a
record saying why it was not read (``not_dicom``, ``unreadable``, ``truncated``, ``loop``...).
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError
from tqdm import tqdm

CACHE_VERSION = 1

# keyword -> output column; read with stop_before_pixels so pixel data is never loaded.
TAGS: dict[str, str] = {
    "PatientID": "patient_id",
    "StudyInstanceUID": "study_uid",
    "SeriesInstanceUID": "series_uid",
    "SOPInstanceUID": "sop_uid",
    "SOPClassUID": "sop_class",
    "AccessionNumber": "accession",
    "StudyDate": "study_date",
    "StudyTime": "study_time",
    "SeriesDate": "series_date",
    "SeriesTime": "series_time",
    "AcquisitionDateTime": "acq_datetime",
    "AcquisitionDate": "acq_date",
    "AcquisitionTime": "acq_time",
    "ContentDate": "content_date",
    "ContentTime": "content_time",
    "TimezoneOffsetFromUTC": "tz_offset",
    "Modality": "modality",
    "BodyPartExamined": "body_part",
    "ViewPosition": "view_position",
    "PatientOrientation": "patient_orientation",
    "ImageLaterality": "laterality",
    "ProtocolName": "protocol",
    "SeriesDescription": "series_desc",
    "StudyDescription": "study_desc",
    "PhotometricInterpretation": "photometric",
    "Rows": "rows",
    "Columns": "columns",
    "BitsAllocated": "bits_allocated",
    "SamplesPerPixel": "samples",
    "NumberOfFrames": "frames",
}
COLUMNS = ["path", "size", "mtime_ns", "status", "reason", "transfer_syntax", *TAGS.values()]
_IDENTITY = ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "Modality", "PatientID")
_SKIP_NAMES = {"DICOMDIR"}
_NATIVE_TS = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"}


def _value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)) or v.__class__.__name__ == "MultiValue":
        return "\\".join(str(x) for x in v)
    return " ".join(str(v).split())


def read_header(path: str) -> dict:
    """Header fields of one file, or a record with ``status`` and ``reason`` when it cannot be used. Never raises."""
    with warnings.catch_warnings():
        # Invalid VRs (ACR-NEMA dates, bad AS) are read as text; the matcher judges them, not pydicom's warnings.
        warnings.simplefilter("ignore")
        return _read_header(path)


def _read_header(path: str) -> dict:
    rec: dict = {"path": path, "status": "ok", "reason": ""}
    try:
        st = os.stat(path)
        rec["size"], rec["mtime_ns"] = st.st_size, st.st_mtime_ns
    except OSError as exc:
        return {**rec, "status": "unreadable", "reason": f"cannot stat: {exc.strerror or exc}"}
    if st.st_size < 16:
        return {**rec, "status": "not_dicom", "reason": f"{st.st_size} bytes: too small for DICOM"}
    forced = False
    try:
        with open(path, "rb") as fp:
            try:
                ds = pydicom.dcmread(fp, stop_before_pixels=True)
            except InvalidDicomError:
                # ACR-NEMA files and DICOM written without preamble/meta: read raw, then check it looks like DICOM.
                fp.seek(0)
                ds = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
                forced = True
            pixel_pos = fp.tell()
            fp.seek(max(0, st.st_size - 8))
            tail = fp.read(8)
    except (InvalidDicomError, EOFError) as exc:
        return {**rec, "status": "not_dicom", "reason": f"not DICOM: {exc}"}
    except OSError as exc:  # permission, I/O or a vanished mount: a property of the moment, retried next run
        return {**rec, "status": "unreadable", "reason": f"cannot read: {exc.strerror or exc}"}
    except Exception as exc:  # pydicom raises many types on corrupt headers; each is a per-file outcome
        return {**rec, "status": "unreadable", "reason": f"corrupt header: {type(exc).__name__}: {exc}"[:300]}
    try:
        for kw, col in TAGS.items():
            rec[col] = _value(ds.get(kw))
    except Exception as exc:
        return {**rec, "status": "unreadable", "reason": f"corrupt header value: {type(exc).__name__}: {exc}"[:300]}
    if forced and not any(rec[TAGS[k]] for k in _IDENTITY):
        return {**rec, "status": "not_dicom", "reason": "no DICOM preamble and no DICOM identity tags"}
    meta = getattr(ds, "file_meta", None)
    ts = str(meta.get("TransferSyntaxUID", "")) if meta is not None else ""
    rec["transfer_syntax"] = ts
    if meta is not None and str(meta.get("MediaStorageSOPClassUID", "")) == "1.2.840.10008.1.3.10":
        return {**rec, "status": "not_image", "reason": "DICOMDIR (media directory), not an image"}
    if forced:
        rec["reason"] = "no preamble / file meta (ACR-NEMA style); read with force"
    problem = _pixel_problem(rec, st.st_size - pixel_pos, tail, ts)
    if problem:
        return {**rec, "status": "truncated" if "truncated" in problem else "not_image", "reason": problem}
    return rec


def _pixel_problem(rec: dict, remaining: int, tail: bytes, ts: str) -> str:
    """Cheap completeness check: the pixel data must be all there, without reading it."""
    if remaining <= 0:
        return "no pixel data (header-only object)"
    if ts and ts not in _NATIVE_TS:
        # Encapsulated pixel data ends with a sequence delimitation item (FFFE,E0DD) and a zero length.
        if tail != b"\xfe\xff\xdd\xe0\x00\x00\x00\x00":
            return "truncated: encapsulated pixel data has no end delimiter"
        return ""
    try:
        rows, cols = int(rec["rows"] or 0), int(rec["columns"] or 0)
        bits, spp = int(rec["bits_allocated"] or 0), int(rec["samples"] or 1)
        frames = int(rec["frames"] or 1)
    except ValueError:
        return ""
    expected = rows * cols * spp * frames * bits // 8
    if expected and remaining < expected + 8:
        return f"truncated: pixel data has {max(remaining - 12, 0)} of {expected} bytes"
    return ""


def _read_many(paths: list[str]) -> list[dict]:
    return [read_header(p) for p in paths]


# ---------------------------------------------------------------- walking


@dataclass
class Walk:
    files: list[str] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)


def walk(root: str | Path, skip: Iterable[str] = ()) -> Walk:
    """Files under ``root`` (symlinks followed), with directory loops and repeated links reported, not followed."""
    out = Walk()
    root = Path(root)
    skip_real = {os.path.realpath(s) for s in skip}
    if root.is_file():
        out.files.append(str(root))
        return out
    if not root.is_dir():
        out.problems.append(_problem(str(root), "unreadable", "no such file or folder"))
        return out
    seen_dirs: dict[tuple[int, int], str] = {}
    seen_files: dict[tuple[int, int], str] = {}
    stack = [str(root)]
    while stack:
        d = stack.pop()
        try:
            st = os.stat(d)
        except OSError as exc:
            out.problems.append(_problem(d, "unreadable", f"cannot open folder: {exc.strerror}"))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            out.problems.append(_problem(d, "loop", f"directory loop: same folder as {seen_dirs[key]}; not followed"))
            continue
        seen_dirs[key] = d
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            out.problems.append(_problem(d, "unreadable", f"cannot list folder: {exc.strerror}"))
            continue
        subdirs = []
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=True):
                    subdirs.append(e.path)
                    continue
                if not e.is_file(follow_symlinks=True):
                    if e.is_symlink():
                        out.problems.append(_problem(e.path, "unreadable", "broken symbolic link"))
                    continue
                if e.name in _SKIP_NAMES or e.name.startswith(".rxlabel") or os.path.realpath(e.path) in skip_real:
                    continue
                fst = e.stat(follow_symlinks=True)
            except OSError as exc:
                out.problems.append(_problem(e.path, "unreadable", f"cannot stat: {exc.strerror}"))
                continue
            fkey = (fst.st_dev, fst.st_ino)
            if fkey in seen_files:
                out.problems.append(_problem(e.path, "duplicate", f"same file as {seen_files[fkey]} (link); read once"))
                continue
            seen_files[fkey] = e.path
            out.files.append(e.path)
        stack.extend(reversed(subdirs))
    return out


def _problem(path: str, status: str, reason: str) -> dict:
    return {"path": path, "status": status, "reason": reason}


# ---------------------------------------------------------------- cache


def _load_cache(path: Path | None) -> dict[str, dict]:
    if path is None or not path.exists():
        return {}
    cache: dict[str, dict] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            # A run killed mid-write leaves a partial last line: skip it, that file is simply read again.
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if rec.get("_v") == CACHE_VERSION and "path" in rec:
                cache[rec["path"]] = rec
    return cache


# Outcomes that depend on the moment (permissions, I/O), not on the file's bytes: never final in the cache.
_TRANSIENT = ("cannot stat", "cannot read")


def _fresh(rec: dict | None, path: str) -> bool:
    if rec is None or str(rec.get("reason", "")).startswith(_TRANSIENT):
        return False
    try:
        st = os.stat(path)
    except OSError:
        return False
    return rec.get("size") == st.st_size and rec.get("mtime_ns") == st.st_mtime_ns


# ---------------------------------------------------------------- scan


def _chunks(items: list[str], n: int) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def scan(
    root: str | Path,
    jobs: int = 1,
    cache: str | Path | None = None,
    quiet: bool = False,
    chunk: int = 256,
    on_record: Callable[[dict], None] | None = None,
    read_parts: Callable[[list[list[str]]], Iterable[list[dict]]] | None = None,
) -> list[dict]:
    """Header records of every file under ``root`` (one per file, plus walk problems).

    ``cache`` (a JSONL file) makes the scan resumable: files whose path, size and mtime are
    unchanged are not opened again, and results are appended as they arrive. ``read_parts`` maps
    partitions of paths to batches of records in any order (a Dask cluster, see
    :mod:`matcher.distributed`); by default this process, or ``jobs`` processes, read them.
    """
    cache_path = Path(cache) if cache else None
    w = walk(root, skip=[str(cache_path)] if cache_path else [])
    cached = _load_cache(cache_path)
    todo = [p for p in w.files if not _fresh(cached.get(p), p)]
    todo_set = set(todo)
    results: dict[str, dict] = {p: cached[p] for p in w.files if p not in todo_set}
    if cache_path:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
    sink = open(cache_path, "a", encoding="utf-8") if cache_path else None  # noqa: SIM115
    bar = tqdm(total=len(w.files), initial=len(w.files) - len(todo), unit="file", desc="scan DICOM headers",
               disable=quiet or not sys.stderr.isatty())
    try:
        if read_parts is not None:
            for batch in read_parts(list(_chunks(todo, chunk))):
                _collect(batch, results, sink, bar, on_record)
        elif jobs > 1 and len(todo) > chunk:
            with ProcessPoolExecutor(max_workers=jobs) as ex:
                for batch in ex.map(_read_many, _chunks(todo, chunk)):
                    _collect(batch, results, sink, bar, on_record)
        else:
            for part in _chunks(todo, chunk):
                _collect(_read_many(part), results, sink, bar, on_record)
    finally:
        bar.close()
        if sink:
            sink.close()
    return [results[p] for p in w.files] + w.problems


def _collect(batch: list[dict], results: dict, sink, bar, on_record) -> None:
    for rec in batch:
        results[rec["path"]] = rec
        if on_record:
            on_record(rec)
    if sink:
        sink.write("".join(json.dumps({**r, "_v": CACHE_VERSION}, ensure_ascii=False) + "\n" for r in batch))
        sink.flush()
    bar.update(len(batch))
