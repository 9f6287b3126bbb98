"""The index: roaring-bitmap postings per finding, localization and metadata value, stored in SQLite.

One SQLite file holds ``image`` (one row per image: key, patient, path, view, ...), ``posting``
(one serialized roaring bitmap per (kind, term, localization)), ``damage`` (images that
``rxlabel index check`` could not open) and ``meta``. :func:`load` reads every posting into memory
(a few MB for a million images); image rows stay in SQLite and are read only for the ids a query
or a dataset needs.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pyroaring import BitMap, FrozenBitMap

from rxlabel.errors import RxlabelError
from rxlabel.index.readers import IMAGE_COLUMNS, REJECT_COLUMNS, Records

FORMAT_VERSION = "1"
CHUNK = 50_000
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE image (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, patient TEXT NOT NULL, path TEXT NOT NULL,
                    view TEXT NOT NULL, study_time TEXT NOT NULL, report_id TEXT NOT NULL, source TEXT NOT NULL);
CREATE TABLE posting (kind TEXT NOT NULL, term TEXT NOT NULL, loc TEXT NOT NULL, n INTEGER NOT NULL,
                      bitmap BLOB NOT NULL, PRIMARY KEY (kind, term, loc));
CREATE TABLE damage (key TEXT PRIMARY KEY, reason TEXT NOT NULL, checked_at TEXT NOT NULL);
"""
# posting kinds: finding status bitmaps, localizations, and image metadata values
POSITIVE, UNCERTAIN, NEGATED = "positive", "uncertain", "negated"
LOCALIZED, META = "localized", "meta"


class IndexFileError(RxlabelError, ValueError):
    """The index file is missing, not an rxlabel index, or from an incompatible version."""


def bitmap(ids: np.ndarray | Iterable[int]) -> BitMap:
    """A roaring bitmap from integer ids (numpy fast path)."""
    arr = np.ascontiguousarray(np.asarray(ids), dtype=np.uint32)
    return BitMap(array.array("I", arr.tobytes()))


@dataclass
class Index:
    """In-memory postings of an index file."""

    n_images: int
    positive: dict[str, BitMap]
    uncertain: dict[str, BitMap]
    negated: dict[str, BitMap]
    localized: dict[tuple[str, str], BitMap]  # (finding, loc) -> images; finding '' = any finding of the image
    meta: dict[tuple[str, str], BitMap]  # ('view', 'PA'), ('source', ...), ('region', ...), ('method', ...)
    pure: BitMap  # images with exactly one labelled (positive or uncertain) finding
    damaged: BitMap = field(default_factory=BitMap)
    info: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    _universe: BitMap | None = None
    _keys: object = None

    @property
    def universe(self) -> BitMap:
        if self._universe is None:
            universe = BitMap()
            universe.add_range(0, self.n_images)
            self._universe = universe
        return self._universe

    def keys(self):
        """Every image key in id order, as a pyarrow string array (compact: ~35 MB per million images)."""
        if self._keys is None:
            import pyarrow as pa

            if self.path is None:
                raise IndexFileError("this index has no file to read image keys from")
            chunks = []
            with _open(self.path) as con:
                cursor = con.execute("SELECT key FROM image ORDER BY id")
                while rows := cursor.fetchmany(CHUNK):
                    chunks.append(pa.array([r[0] for r in rows], type=pa.string()))
            self._keys = pa.concat_arrays(chunks) if chunks else pa.array([], type=pa.string())
        return self._keys

    def findings(self) -> list[str]:
        return sorted(set(self.positive) | set(self.uncertain) | set(self.negated))

    def localizations(self) -> list[str]:
        return sorted({loc for _, loc in self.localized})

    def meta_values(self, field_name: str) -> list[str]:
        return sorted(value for f, value in self.meta if f == field_name)

    def finding_counts(self) -> pd.DataFrame:
        rows = [(t, len(self.positive.get(t, ())), len(self.uncertain.get(t, ())), len(self.negated.get(t, ())))
                for t in self.findings()]
        return pd.DataFrame(rows, columns=["finding", "positive", "uncertain", "negated"])

    def images(self, ids: Iterable[int] | BitMap, columns: Iterable[str] = IMAGE_COLUMNS) -> pd.DataFrame:
        """Image rows (with their integer ``id``) for ``ids``, in id order, read from the index file.

        Columns are plain object (Python str) columns, read in chunks so a million rows stay cheap.
        """
        if self.path is None:
            raise IndexFileError("this index has no file to read image rows from; save it first")
        cols = ["id", *columns]
        select = ", ".join(cols)
        wanted = np.asarray(ids.to_array() if hasattr(ids, "to_array") else sorted(ids), dtype=np.int64)
        data: list[list] = [[] for _ in cols]
        with _open(self.path) as con:
            if len(wanted) > self.n_images // 8:
                keep = np.zeros(self.n_images, dtype=bool)
                keep[wanted] = True
                cursor = con.execute(f"SELECT {select} FROM image ORDER BY id")
                while rows := cursor.fetchmany(CHUNK):
                    chunk_ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
                    hit = np.flatnonzero(keep[chunk_ids])
                    for k, column in enumerate(zip(*rows, strict=True)):
                        if len(hit) == len(rows):
                            data[k].extend(column)
                        else:
                            data[k].extend(column[i] for i in hit)
            else:
                for start in range(0, len(wanted), 20000):
                    chunk = ",".join(map(str, wanted[start:start + 20000].tolist()))
                    rows = con.execute(f"SELECT {select} FROM image WHERE id IN ({chunk}) ORDER BY id").fetchall()
                    for k, column in enumerate(zip(*rows, strict=True)) if rows else ():
                        data[k].extend(column)
        for k, name in enumerate(cols):
            if name in ("view", "source", "study_time"):  # few distinct values: share one str object each
                shared: dict[str, str] = {}
                data[k] = [shared.setdefault(v, v) for v in data[k]]
        frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in zip(cols[1:], data[1:], strict=True)})
        frame.insert(0, "id", np.asarray(data[0], dtype=np.int64))
        return frame

    def image_findings(self, ids: BitMap) -> dict[int, tuple[list[str], list[str]]]:
        """(positive findings, uncertain findings), each sorted, for each id; inverted from the postings."""
        wanted = np.frombuffer(ids.to_array(), np.uint32).astype(np.int64)
        positive, uncertain = self.finding_lists(wanted)
        return {int(i): (p, u) for i, p, u in zip(wanted.tolist(), positive, uncertain, strict=True)}

    def finding_strings(self, wanted: np.ndarray, sep: str = ";") -> tuple[list[str], list[str]]:
        """Positive and uncertain findings of each id in ``wanted`` (sorted ids), joined by ``sep``."""
        positive, uncertain = self.finding_lists(wanted)
        return [sep.join(x) for x in positive], [sep.join(x) for x in uncertain]

    def finding_lists(self, wanted: np.ndarray) -> tuple[list[list[str]], list[list[str]]]:
        """Sorted positive and uncertain finding names for each id of ``wanted`` (sorted, unique ids)."""
        wanted = np.asarray(wanted, dtype=np.int64)
        ids = bitmap(wanted)
        result: list[list[list[str]]] = []
        for table in (self.positive, self.uncertain):
            lists: list[list[str]] = [[] for _ in range(len(wanted))]
            names = sorted(table)
            hits = [np.frombuffer((table[t] & ids).to_array(), np.uint32) for t in names]
            if hits and sum(len(h) for h in hits):
                image = np.concatenate(hits).astype(np.int64)
                term = np.repeat(np.arange(len(names)), [len(h) for h in hits])
                order = np.lexsort((term, image))
                slot, term = np.searchsorted(wanted, image[order]), term[order]
                for position, name in zip(slot.tolist(), np.asarray(names, dtype=object)[term].tolist(), strict=True):
                    lists[position].append(name)
            result.append(lists)
        return result[0], result[1]


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path))


@contextlib.contextmanager
def _open(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that commits on success and is always closed (sqlite3's own ``with`` does not close)."""
    con = _connect(path)
    try:
        with con:
            yield con
    finally:
        con.close()


def merge_records(parts: list[Records]) -> Records:
    """Concatenate inputs from several archives; a key seen in an earlier input is rejected in a later one."""
    if len(parts) == 1:
        return parts[0]
    seen: set[str] = set()
    images, rejected = [], []
    f_img, f_term, f_status, l_img, l_term, l_name, r_img, r_name, r_status, methods = ([] for _ in range(10))
    offset = 0
    versions: set[str] = set()
    for part in parts:
        keys = part.images["key"].to_numpy()
        dup = np.fromiter((k in seen for k in keys), bool, len(keys))
        if dup.any():
            rejected.append(pd.DataFrame({"source": part.images.loc[dup, "source"].to_numpy(), "row": 0,
                                          "key": keys[dup], "reason": "image id already indexed from an earlier input"}))
        remap = np.full(len(keys), -1, np.int64)
        remap[~dup] = np.arange(offset, offset + int((~dup).sum()))
        seen.update(keys[~dup].tolist())
        images.append(part.images[~dup])
        for src_img, dst in ((part.finding_img, f_img), (part.loc_img, l_img), (part.region_img, r_img)):
            dst.append(remap[src_img])
        f_term.append(part.finding_term)
        f_status.append(part.finding_status)
        l_term.append(part.loc_term)
        l_name.append(part.loc_name)
        r_name.append(part.region_name)
        r_status.append(part.region_status)
        methods.append(part.method[~dup] if part.method is not None else pd.Series([""] * int((~dup).sum())))
        rejected.append(part.rejected)
        versions |= part.rules_versions
        offset += int((~dup).sum())

    def cat(items: list[np.ndarray], dtype) -> np.ndarray:
        return np.concatenate(items).astype(dtype) if items else np.zeros(0, dtype)

    fi, li, ri = cat(f_img, np.int64), cat(l_img, np.int64), cat(r_img, np.int64)
    fk, lk, rk = fi >= 0, li >= 0, ri >= 0
    return Records(
        images=pd.concat(images, ignore_index=True),
        finding_img=fi[fk], finding_term=cat(f_term, object)[fk], finding_status=cat(f_status, np.int8)[fk],
        loc_img=li[lk], loc_term=cat(l_term, object)[lk], loc_name=cat(l_name, object)[lk],
        region_img=ri[rk], region_name=cat(r_name, object)[rk], region_status=cat(r_status, np.int8)[rk],
        method=pd.concat(methods, ignore_index=True),
        rejected=pd.concat([r for r in rejected if len(r)], ignore_index=True) if any(len(r) for r in rejected)
        else pd.DataFrame(columns=REJECT_COLUMNS),
        rules_versions=versions,
        rows_read=sum(p.rows_read for p in parts),
    )


def _group(img: np.ndarray, keys: np.ndarray) -> dict[object, BitMap]:
    """Bitmap of ``img`` per distinct value of ``keys`` (one sort, then slices)."""
    if len(img) == 0:
        return {}
    codes, uniques = pd.factorize(keys, sort=False)
    uniques = np.asarray(uniques, dtype=object)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    sorted_img = img[order]
    return {uniques[k]: bitmap(sorted_img[bounds[k]:bounds[k + 1]]) for k in range(len(uniques))}


def build_postings(records: Records) -> Index:
    """Postings for merged records (image ids are row positions in ``records.images``)."""
    n = len(records.images)
    status = records.finding_status
    positive = _group(records.finding_img[status == 1], records.finding_term[status == 1])
    uncertain = _group(records.finding_img[status == -1], records.finding_term[status == -1])
    negated = _group(records.finding_img[status == 0], records.finding_term[status == 0])
    labelled = status != 0
    counts = np.bincount(records.finding_img[labelled], minlength=n)
    pure = bitmap(np.flatnonzero(counts == 1))
    # A localization counts only for a finding the image actually has (positive or uncertain).
    loc_img, loc_term, loc_name = records.loc_img, records.loc_term, records.loc_name
    if len(loc_img):
        has = pd.MultiIndex.from_arrays([records.finding_img[labelled], records.finding_term[labelled]])
        per_finding = loc_term != ""
        valid = ~per_finding.copy()
        if per_finding.any():
            valid[per_finding] = pd.MultiIndex.from_arrays(
                [loc_img[per_finding], loc_term[per_finding]]).isin(has)
        loc_img, loc_term, loc_name = loc_img[valid], loc_term[valid], loc_name[valid]
    pair_keys = np.array([f"{t}\x1f{lc}" for t, lc in zip(loc_term, loc_name, strict=True)], dtype=object)
    localized = {tuple(k.split("\x1f")): v for k, v in _group(loc_img, pair_keys).items()}
    # Image-level localization (any finding) is the union, stored under finding ''.
    for loc, bm in _group(loc_img, loc_name).items():
        localized[("", loc)] = bm
    meta: dict[tuple[str, str], BitMap] = {}
    img_all = np.arange(n, dtype=np.int64)
    views = records.images["view"].fillna("").astype(str)
    has_view = (views != "").to_numpy(bool)
    for value, bm in _group(img_all[has_view], views[has_view]).items():
        meta[("view", value)] = bm
    sources = records.images["source"].astype(str).str.lower()
    for value, bm in _group(img_all, sources).items():
        meta[("source", value)] = bm
    if records.method is not None:
        methods = records.method.fillna("").astype(str).to_numpy(object)
        for value, bm in _group(img_all[methods != ""], methods[methods != ""]).items():
            meta[("method", value)] = bm
    rs = records.region_status
    for value, bm in _group(records.region_img[rs == 1], records.region_name[rs == 1]).items():
        meta[("region", str(value))] = bm
    for value, bm in _group(records.region_img[rs == -1], records.region_name[rs == -1]).items():
        meta[("region-uncertain", str(value))] = bm
    tables = [positive, uncertain, negated, localized, meta]
    for table in tables:
        for key, bm in table.items():
            bm.run_optimize()
            table[key] = FrozenBitMap(bm)  # postings are shared with query results: never mutate them
    return Index(n, *tables, FrozenBitMap(pure))


def _posting_rows(index: Index) -> list[tuple[str, str, str, int, bytes]]:
    rows = []
    for kind, table in ((POSITIVE, index.positive), (UNCERTAIN, index.uncertain), (NEGATED, index.negated)):
        rows += [(kind, term, "", len(bm), bm.serialize()) for term, bm in table.items()]
    rows += [(LOCALIZED, term, loc, len(bm), bm.serialize()) for (term, loc), bm in index.localized.items()]
    rows += [(META, f, value, len(bm), bm.serialize()) for (f, value), bm in index.meta.items()]
    rows.append((META, "pure", "", len(index.pure), index.pure.serialize()))
    return sorted(rows)


def fingerprint(images: pd.DataFrame, rows: list[tuple[str, str, str, int, bytes]]) -> str:
    """sha256 of the image table and every posting: equal fingerprints mean equal query answers."""
    digest = hashlib.sha256()
    for col in ("key", "patient", "path", "view", "source"):
        values = images[col].fillna("").astype(str)
        for start in range(0, len(values), CHUNK):
            digest.update("\x1f".join(values.iloc[start:start + CHUNK].tolist()).encode("utf-8"))
            digest.update(b"\x1f")
        digest.update(b"\x1e")
    for kind, term, loc, n, blob in rows:
        digest.update(f"{kind}\x1f{term}\x1f{loc}\x1f{n}\x1f".encode())
        digest.update(blob)
    return digest.hexdigest()


def save(records: Records, path: str | Path, *, info: dict[str, str] | None = None) -> tuple[Index, str]:
    """Build postings and write the index file atomically (``path.partial`` then rename).

    Damage found by an earlier ``index check`` of the same file is carried over by image key.
    """
    path = Path(path)
    index = build_postings(records)
    rows = _posting_rows(index)
    fp = fingerprint(records.images, rows)
    partial = path.with_name(path.name + ".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    if partial.exists():
        partial.unlink()
    old_damage = _read_damage(path) if path.exists() else pd.DataFrame(columns=["key", "reason", "checked_at"])
    con = _connect(partial)
    try:
        con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        images = records.images
        for start in range(0, len(images), CHUNK):  # chunks keep a million rows' Python strings out of memory
            chunk = images.iloc[start:start + CHUNK]
            con.executemany(
                "INSERT INTO image VALUES (?,?,?,?,?,?,?,?)",
                zip(range(start, start + len(chunk)), *(chunk[c].fillna("").astype(str).tolist() for c in IMAGE_COLUMNS),
                    strict=True),
            )
        con.executemany("INSERT INTO posting VALUES (?,?,?,?,?)", rows)
        if len(old_damage):
            keep = old_damage[old_damage["key"].isin(set(images["key"]))]
            con.executemany("INSERT INTO damage VALUES (?,?,?)", keep.itertuples(index=False, name=None))
        meta = {"format_version": FORMAT_VERSION, "n_images": str(len(images)), "fingerprint": fp,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "rules_versions": json.dumps(sorted(records.rules_versions)), **(info or {})}
        con.executemany("INSERT INTO meta VALUES (?,?)", meta.items())
        con.commit()
    finally:
        con.close()
    os.replace(partial, path)
    index.path = path
    index.info = meta
    index.damaged = _damaged_ids(path)
    return index, fp


def _read_damage(path: Path) -> pd.DataFrame:
    try:
        with _open(path) as con:
            return pd.read_sql_query("SELECT key, reason, checked_at FROM damage", con)
    except (sqlite3.DatabaseError, pd.errors.DatabaseError):
        return pd.DataFrame(columns=["key", "reason", "checked_at"])


def _damaged_ids(path: Path) -> BitMap:
    with _open(path) as con:
        ids = [row[0] for row in con.execute("SELECT image.id FROM damage JOIN image ON image.key = damage.key")]
    return BitMap(ids)


def load(path: str | Path) -> Index:
    """Open an index file and load its postings into memory."""
    path = Path(path)
    if not path.is_file():
        raise IndexFileError(f"{path}: index file not found; build one with 'rxlabel index build'")
    try:
        con = _connect(path)
        with con:
            meta = dict(con.execute("SELECT key, value FROM meta"))
            rows = con.execute("SELECT kind, term, loc, bitmap FROM posting").fetchall()
    except sqlite3.DatabaseError as exc:
        raise IndexFileError(f"{path}: not an rxlabel index ({exc}); build one with 'rxlabel index build'") from exc
    finally:
        con.close()
    if meta.get("format_version") != FORMAT_VERSION:
        raise IndexFileError(f"{path}: index format {meta.get('format_version')!r}, this rxlabel reads {FORMAT_VERSION!r}; rebuild it")
    tables: dict[str, dict] = {POSITIVE: {}, UNCERTAIN: {}, NEGATED: {}, LOCALIZED: {}, META: {}}
    pure = FrozenBitMap()
    for kind, term, loc, blob in rows:
        bm = FrozenBitMap.deserialize(blob)
        if kind == META and term == "pure":
            pure = bm
        elif kind in (LOCALIZED, META):
            tables[kind][(term, loc)] = bm
        else:
            tables[kind][term] = bm
    index = Index(int(meta["n_images"]), tables[POSITIVE], tables[UNCERTAIN], tables[NEGATED], tables[LOCALIZED],
                  tables[META], pure, info=meta, path=path)
    index.damaged = _damaged_ids(path)
    return index


def record_damage(path: Path, damage: dict[str, str], checked: Iterable[str]) -> None:
    """Replace the damage rows of the ``checked`` keys by ``damage`` (key -> reason)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with _open(path) as con:
        con.executemany("DELETE FROM damage WHERE key = ?", ((k,) for k in checked))
        con.executemany("INSERT OR REPLACE INTO damage VALUES (?,?,?)", ((k, r, stamp) for k, r in damage.items()))
        con.execute("INSERT OR REPLACE INTO meta VALUES ('checked_at', ?)", (stamp,))


def damage_table(path: Path) -> pd.DataFrame:
    return _read_damage(path)
