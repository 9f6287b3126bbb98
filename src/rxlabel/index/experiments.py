"""Experiment store (SQLite): every dataset made, with what is needed to rebuild it bit for bit.

Tables: ``experiment`` (name, created_at, index file and fingerprint, rules versions, hierarchy
hash, seed, query spec, counts, manifest sha256), ``dataset`` (images and patients per split and
class), ``finding`` (each class's term and the findings it expanded to) and ``image`` (every
chosen image with its patient, split, class and a content hash of its file, so that a rebuild
notices pixels replaced under the same name). Image files are never copied into the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rxlabel.errors import RxlabelError
from rxlabel.index.dataset import Dataset, DatasetSpec, check_patient_disjoint, create, manifest_sha256
from rxlabel.index.hierarchy import load_hierarchy
from rxlabel.index.query import Searcher
from rxlabel.index.store import load

DEFAULT_STORE = "rxlabel-experiments.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS experiment (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, index_path TEXT NOT NULL,
    index_fingerprint TEXT NOT NULL, rules_versions TEXT NOT NULL, hierarchy TEXT NOT NULL,
    hierarchy_sha256 TEXT NOT NULL, package_version TEXT NOT NULL, seed INTEGER NOT NULL, query TEXT NOT NULL,
    counts TEXT NOT NULL, manifest_sha256 TEXT NOT NULL, n_images INTEGER NOT NULL, n_patients INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dataset (
    experiment_id INTEGER NOT NULL REFERENCES experiment(id), split TEXT NOT NULL, class TEXT NOT NULL,
    n_images INTEGER NOT NULL, n_patients INTEGER NOT NULL, PRIMARY KEY (experiment_id, split, class));
CREATE TABLE IF NOT EXISTS finding (
    experiment_id INTEGER NOT NULL REFERENCES experiment(id), class TEXT NOT NULL, findings TEXT NOT NULL,
    PRIMARY KEY (experiment_id, class));
CREATE TABLE IF NOT EXISTS image (
    experiment_id INTEGER NOT NULL REFERENCES experiment(id), image_id TEXT NOT NULL, patient TEXT NOT NULL,
    split TEXT NOT NULL, class TEXT NOT NULL, content_hash TEXT, PRIMARY KEY (experiment_id, image_id));
"""
# blake2b-128 of an image file's bytes: fast (above 1 GB/s in C, hashlib releases the GIL, so threads overlap
# reads) and ample against accidental change. '' for a file that was not there; NULL in stores made before.
CONTENT_HASH = "blake2b-128"
MISSING = ""


class StoreError(RxlabelError, ValueError):
    """The experiment store cannot do what was asked (unknown name, changed index, ...)."""


def store_path(store: str | Path | None) -> Path:
    """``--store``, else ``$RXLABEL_STORE``, else ``rxlabel-experiments.sqlite`` in the working directory."""
    return Path(store or os.environ.get("RXLABEL_STORE") or DEFAULT_STORE)


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    """The store with its tables; commits on success, rolls back on error, always closes."""
    con = sqlite3.connect(str(path))
    try:
        try:
            con.executescript(SCHEMA)
            if not _has_content_hash(con):
                with contextlib.suppress(sqlite3.OperationalError):  # a read-only store is read as it is
                    con.execute("ALTER TABLE image ADD COLUMN content_hash TEXT")  # made before hashes: NULL
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
            raise StoreError(f"{path}: not a readable experiment store ({exc}); it is damaged or another kind of "
                             f"file. Move it aside (its datasets' manifests remain valid) or pass --store NEW.sqlite"
                             ) from exc
        with con:
            yield con
    finally:
        con.close()


def _has_content_hash(con: sqlite3.Connection) -> bool:
    return "content_hash" in {row[1] for row in con.execute("PRAGMA table_info(image)")}


def file_hash(path: str | Path) -> str:
    """blake2b-128 (hex) of a file's bytes, streamed in 1 MiB blocks; '' when the file is not there or unreadable."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return MISSING
    return digest.hexdigest()


def content_hashes(paths: list[str], jobs: int = 4) -> list[str]:
    """:func:`file_hash` of each path, in order (threads: the hashing and the reads release the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    if len(paths) < 32:
        return [file_hash(p) for p in paths]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(file_hash, paths, chunksize=16))


def hierarchy_sha256(hierarchy_source: str) -> str:
    if not hierarchy_source:
        return ""
    digest = hashlib.sha256()
    for source in load_hierarchy(hierarchy_source).sources:
        digest.update(Path(source).read_bytes())
    return digest.hexdigest()


def _package_version() -> str:
    from rxlabel import __version__

    return str(__version__)


def open_searcher(index_path: str | Path, hierarchy: str | None = None) -> tuple[Searcher, str]:
    """Load an index with its hierarchy (``hierarchy`` overrides the one recorded at build)."""
    index = load(index_path)
    source = hierarchy if hierarchy is not None else index.info.get("hierarchy", "")
    tree = None
    if source:
        try:
            tree = load_hierarchy(source)
        except ValueError:
            if hierarchy is not None:
                raise
            source = ""  # a language without a hierarchy file: terms are the index's own findings
    return Searcher(index, tree), source


def record(store: Path, dataset: Dataset, searcher: Searcher, hierarchy_source: str, manifest_sha: str) -> int:
    """Save a created dataset; a name can be used once."""
    spec, index = dataset.spec, searcher.index
    manifest = dataset.manifest
    with _connect(store) as con:
        if con.execute("SELECT 1 FROM experiment WHERE name = ?", (spec.name,)).fetchone():
            raise StoreError(f"{store}: a dataset named '{spec.name}' exists; pick another --name "
                             f"or 'rxlabel dataset rebuild {spec.name}' to reproduce it")
        cur = con.execute(
            "INSERT INTO experiment (name, created_at, index_path, index_fingerprint, rules_versions, hierarchy, "
            "hierarchy_sha256, package_version, seed, query, counts, manifest_sha256, n_images, n_patients) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (spec.name, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), str(Path(index.path).resolve()),
             index.info.get("fingerprint", ""), index.info.get("rules_versions", "[]"), hierarchy_source,
             hierarchy_sha256(hierarchy_source), _package_version(), spec.seed, json.dumps(spec.to_dict()),
             json.dumps(dataset.counts), manifest_sha, len(manifest), int(manifest["patient_id"].nunique())))
        exp_id = int(cur.lastrowid)
        if "class" not in manifest:  # a multi-label dataset: one row per split
            manifest = manifest.assign(**{"class": "*multilabel*"})
        groups = manifest.groupby(["split", "class"], sort=False)["patient_id"]
        con.executemany("INSERT INTO dataset VALUES (?,?,?,?,?)",
                        [(exp_id, s, c, int(g.size), int(g.nunique())) for (s, c), g in groups])
        con.executemany("INSERT INTO finding VALUES (?,?,?)",
                        [(exp_id, c, json.dumps(f)) for c, f in dataset.class_findings.items()])
        hashes = content_hashes(manifest["image_path"].astype(str).tolist())
        con.executemany("INSERT INTO image (experiment_id, image_id, patient, split, class, content_hash) "
                        "VALUES (?,?,?,?,?,?)",
                        zip([exp_id] * len(manifest), manifest["image_id"], manifest["patient_id"], manifest["split"],
                            manifest["class"], hashes, strict=True))
    return exp_id


def list_experiments(store: Path) -> pd.DataFrame:
    if not store.exists():
        return pd.DataFrame(columns=["name", "created_at", "seed", "n_images", "n_patients", "index_path"])
    with _connect(store) as con:
        return pd.read_sql_query(
            "SELECT name, created_at, seed, n_images, n_patients, index_path FROM experiment ORDER BY id", con)


@dataclass
class Experiment:
    row: dict
    spec: DatasetSpec
    splits: pd.DataFrame
    findings: dict[str, list[str]]
    images: pd.DataFrame


def get(store: Path, name: str) -> Experiment:
    if not store.exists():
        raise StoreError(f"{store}: no experiment store here; pass --store or set RXLABEL_STORE")
    with _connect(store) as con:
        con.row_factory = sqlite3.Row
        row = con.execute("SELECT * FROM experiment WHERE name = ?", (name,)).fetchone()
        if row is None:
            names = [r[0] for r in con.execute("SELECT name FROM experiment ORDER BY id")]
            raise StoreError(f"{store}: no dataset named '{name}'; known: {', '.join(names) or '(none)'}")
        row = dict(row)
        con.row_factory = None
        splits = pd.read_sql_query("SELECT split, class, n_images, n_patients FROM dataset WHERE experiment_id = ?",
                                   con, params=(row["id"],))
        findings = {c: json.loads(f) for c, f in con.execute(
            "SELECT class, findings FROM finding WHERE experiment_id = ?", (row["id"],))}
        content = "content_hash" if _has_content_hash(con) else "NULL AS content_hash"
        images = pd.read_sql_query(f"SELECT image_id, patient, split, class, {content} FROM image "
                                   "WHERE experiment_id = ?", con, params=(row["id"],))
    spec = DatasetSpec(**json.loads(row["query"]))
    return Experiment(row, spec, splits, findings, images)


@dataclass
class Rebuilt:
    dataset: Dataset
    identical: bool  # same manifest bytes and every image file's content as recorded
    index_changed: bool
    sha256: str
    manifest_identical: bool = False
    content: str = "same"  # same | changed | unverified (a store made before content hashes)
    changed_images: list[str] = field(default_factory=list)  # image ids whose file differs (or is gone)


def changed_content(exp: Experiment, manifest: pd.DataFrame) -> tuple[str, list[str]]:
    """``(content, changed image ids)``: the recorded content hash of each image against its file now."""
    stored = exp.images.set_index("image_id")["content_hash"]
    if stored.isna().all():
        return "unverified", []
    now = dict(zip(manifest["image_id"], content_hashes(manifest["image_path"].astype(str).tolist()), strict=True))
    changed = [i for i, h in stored.items() if isinstance(h, str) and now.get(i, MISSING) != h]
    return ("changed" if changed else "same"), sorted(changed)


def rebuild(store: Path, name: str, index_path: str | Path | None = None, hierarchy: str | None = None) -> Rebuilt:
    """Recompute a stored dataset from its recorded spec. ``identical`` says the manifest bytes match and every
    image file still has the content hash recorded at creation (``changed_images`` names those that do not)."""
    exp = get(store, name)
    path = Path(index_path or exp.row["index_path"])
    searcher, source = open_searcher(path, hierarchy if hierarchy is not None else exp.row["hierarchy"])
    dataset = create(searcher, exp.spec)
    check_patient_disjoint(dataset.manifest)
    sha = manifest_sha256(dataset.manifest)
    changed = searcher.index.info.get("fingerprint", "") != exp.row["index_fingerprint"]
    same_manifest = sha == exp.row["manifest_sha256"]
    content, images = changed_content(exp, dataset.manifest) if same_manifest else ("same", [])
    return Rebuilt(dataset, same_manifest and content == "same", changed, sha, same_manifest, content, images)


def manifest_from_store(exp: Experiment, searcher: Searcher) -> pd.DataFrame:
    """The stored membership as a manifest (paths and findings read from the index where the image is still there)."""
    from rxlabel.index.dataset import MANIFEST_COLUMNS

    if exp.spec.multilabel:
        raise StoreError(f"dataset '{exp.spec.name}': --from-store is not available for multi-label datasets; "
                         "rebuild the index it was made from and run 'rxlabel dataset rebuild' without it")
    index = searcher.index
    rows = index.images(index.universe, ["key", "path", "view", "source"]).set_index("key")
    known = exp.images["image_id"].isin(rows.index)
    if not known.all():
        missing = exp.images.loc[~known, "image_id"].tolist()
        raise StoreError(f"{len(missing)} stored image(s) are no longer in the index, e.g. {missing[0]}")
    sub = rows.loc[exp.images["image_id"]]
    ids = sub["id"].to_numpy(np.int64)
    order = np.argsort(ids)
    positive, uncertain = index.finding_strings(ids[order])
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    root = exp.spec.image_root
    manifest = pd.DataFrame({
        "image_path": [os.path.join(root, p) if root else p for p in sub["path"]],
        "image_id": exp.images["image_id"].to_numpy(),
        "patient_id": exp.images["patient"].to_numpy(),
        "split": exp.images["split"].to_numpy(),
        "class": exp.images["class"].to_numpy(),
        "findings": [positive[k] for k in back],
        "uncertain": [uncertain[k] for k in back],
        "view": sub["view"].to_numpy(),
        "source": sub["source"].to_numpy(),
    }, columns=MANIFEST_COLUMNS)
    order = {"train": 0, "valid": 1, "test": 2}
    class_order = {c: k for k, c in enumerate(exp.spec.terms)}
    manifest = manifest.assign(_s=manifest["split"].map(order), _c=manifest["class"].map(class_order))
    return manifest.sort_values(["_s", "_c", "image_id"]).drop(columns=["_s", "_c"]).reset_index(drop=True)


def make_dataset(
    index_path: str | Path,
    spec: DatasetSpec,
    *,
    out_dir: str | Path | None = None,
    store: str | Path | None = None,
    mode: str | None = None,
    hierarchy: str | None = None,
) -> dict:
    """Create a dataset, write ``OUT/manifest.csv`` (and images with ``mode``), record it in the store.

    The one-call API behind ``rxlabel dataset create`` (also used by the demo). Returns the counts,
    the manifest path and its sha256.
    """
    from rxlabel.index.dataset import materialize, write_manifest

    searcher, source = open_searcher(index_path, hierarchy)
    path = store_path(store)
    if path.exists():
        try:
            get(path, spec.name)
        except StoreError:
            pass
        else:
            raise StoreError(f"{path}: a dataset named '{spec.name}' exists; pick another name "
                             f"or 'rxlabel dataset rebuild {spec.name}' to reproduce it")
    made = create(searcher, spec)
    out = Path(out_dir) if out_dir is not None else Path(spec.name)
    manifest_path = out / "manifest.csv"
    # The manifest gets its name only once the images and masks are placed and the store has the dataset: a
    # failed create never leaves a complete-looking manifest.csv of a dataset the store does not know.
    pending = manifest_path.with_name(manifest_path.name + ".pending")
    try:
        sha = write_manifest(made.manifest, pending)
        placed = materialize(made.manifest, out, mode) if mode else 0
        if spec.masks:  # the dataset's CheXmask rows (lungs and heart) beside its manifest, for region tasks
            from rxlabel.index.chexmask import read_table, write_table

            table = read_table(spec.masks)
            write_table(table[table["key"].isin(made.manifest["image_id"])].reset_index(drop=True),
                        out / "masks.parquet")
        record(path, made, searcher, source, sha)
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    os.replace(pending, manifest_path)
    return {"name": spec.name, "manifest": str(manifest_path), "sha256": sha, "store": str(path),
            "placed": placed, **made.counts}
