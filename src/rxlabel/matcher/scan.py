"""DICOM header scan: headers only, in parallel, resumable through a cache keyed by path, size and mtime.

Every file found under the root ends in the scan result: a header record (status ``ok``) or a
record saying why it was not read (``not_dicom``, ``unreadable``, ``truncated``, ``wrong_syntax``, ``corrupt``,
``not_a_file`` for a FIFO, socket or device, which is never opened, ``loop``...). Whether the pixel data is
all there is judged from its element header, never by reading it (:func:`rxlabel.imaging.pixel_element_problem`).
"""

from __future__ import annotations

import json
import os
import stat
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError
from tqdm import tqdm

from rxlabel.imaging import expected_pixel_bytes, pixel_element_problem

# 2: the pixel data completeness check reads the element header (a file missing its last bytes was "ok" in 1)
CACHE_VERSION = 2

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
    if not stat.S_ISREG(st.st_mode):
        return {**rec, **_not_a_file(path)}
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
            try:
                for kw, col in TAGS.items():
                    rec[col] = _value(ds.get(kw))
            except Exception as exc:
                return {**rec, "status": "unreadable",
                        "reason": f"corrupt header value: {type(exc).__name__}: {exc}"[:300]}
            if forced and not any(rec[TAGS[k]] for k in _IDENTITY):
                return {**rec, "status": "not_dicom", "reason": "no DICOM preamble and no DICOM identity tags"}
            meta = getattr(ds, "file_meta", None)
            ts = str(meta.get("TransferSyntaxUID", "")) if meta is not None else ""
            rec["transfer_syntax"] = ts
            if meta is not None and str(meta.get("MediaStorageSOPClassUID", "")) == "1.2.840.10008.1.3.10":
                return {**rec, "status": "not_image", "reason": "DICOMDIR (media directory), not an image"}
            status, problem = _pixel_problem(rec, fp, pixel_pos, st.st_size, ts)
    except (InvalidDicomError, EOFError) as exc:
        return {**rec, "status": "not_dicom", "reason": f"not DICOM: {exc}"}
    except OSError as exc:  # permission, I/O or a vanished mount: a property of the moment, retried next run
        return {**rec, "status": "unreadable", "reason": f"cannot read: {exc.strerror or exc}"}
    except Exception as exc:  # pydicom raises many types on corrupt headers; each is a per-file outcome
        return {**rec, "status": "unreadable", "reason": f"corrupt header: {type(exc).__name__}: {exc}"[:300]}
    notes = ["no preamble / file meta (ACR-NEMA style); read with force"] if forced else []
    if status != "ok":
        return {**rec, "status": status, "reason": problem}
    rec["reason"] = "; ".join(notes + ([problem] if problem else []))
    return rec


def _pixel_problem(rec: dict, fp, pos: int, size: int, ts: str) -> tuple[str, str]:
    """Cheap completeness check: the pixel data element's declared length, read from its header, not its pixels."""
    if size - pos <= 0:
        return "not_image", "no pixel data (header-only object)"
    expected = expected_pixel_bytes(rec["rows"], rec["columns"], rec["samples"], rec["bits_allocated"], rec["frames"],
                                    rec["photometric"])
    return pixel_element_problem(fp, pos, size, ts, expected)


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
        exists = os.path.lexists(root)
        out.problems.append(_not_a_file(str(root)) if exists else _problem(str(root), "unreadable", "no such file or folder"))
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
                    # FIFOs, sockets and devices are accounted for by their kind and never opened: opening a
                    # FIFO blocks until something writes to it, a device may never end.
                    out.problems.append(_not_a_file(e.path))
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


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def special_file_reason(mode: int) -> str:
    """Why a path of this ``st_mode`` is skipped ('' for a regular file or folder): it is never opened, because
    opening a FIFO blocks until something writes to it and a device may never end."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return ""
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"{kind}, not a regular file: skipped without opening it"


def _not_a_file(path: str) -> dict:
    """The walk record of a path that is neither a folder nor a regular file (never opened)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if os.path.islink(path):
            return _problem(path, "unreadable", "broken symbolic link")
        return _problem(path, "unreadable", f"cannot stat: {exc.strerror}")
    return _problem(path, "not_a_file", special_file_reason(mode) or "not a regular file: skipped")


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
