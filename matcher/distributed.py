"""``rxlabel match --engine dask``: the DICOM header scan on a Dask cluster, the match as on one machine.

Reading headers is the costly, embarrassingly parallel part of matching (one file open per image);
the match itself is a join on patient id and sorted times that handles 100,000 x 100,000 in seconds
on one core. So the workers read headers, one task per partition of file paths (each worker reads
from shared storage and returns plain records), and the client matches the records exactly as
:func:`matcher.pipeline.run` does: same records in the same order, same outputs. The scan cache
keeps working: cached files are not sent to the cluster, new records are appended as partitions
finish. Needs ``pip install 'rxlabel[dask]'``.
"""

from __future__ import annotations

import json
from pathlib import Path

from matcher.scan import CACHE_VERSION, _fresh, _load_cache, _read_many, walk


def client_for(scheduler: str | None = None, workers: int = 2, processes: bool = True):
    """A Dask client: connected to ``scheduler`` (``tcp://host:8786``), else a new local cluster of ``workers``."""
    import logging

    try:
        from distributed import Client, LocalCluster
    except ModuleNotFoundError as exc:
        raise ImportError("the dask engine needs Dask: pip install 'rxlabel[dask]' (dask[distributed])") from exc
    if scheduler:
        return Client(scheduler)
    return Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=":0",
                               silence_logs=logging.ERROR))


def close(client) -> None:
    """Close a client and the local cluster it started, if any."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def scan_dask(root: str | Path, client, cache: str | Path | None = None, partition: int = 512) -> list[dict]:
    """:func:`matcher.scan.scan` with the header reads done by the Dask ``client``'s workers."""
    cache_path = Path(cache) if cache else None
    w = walk(root, skip=[str(cache_path)] if cache_path else [])
    cached = _load_cache(cache_path)
    todo = [p for p in w.files if not _fresh(cached.get(p), p)]
    todo_set = set(todo)
    results: dict[str, dict] = {p: cached[p] for p in w.files if p not in todo_set}
    parts = [todo[i : i + partition] for i in range(0, len(todo), partition)]
    futures = client.map(_read_many, parts, pure=False)
    if cache_path:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
    sink = open(cache_path, "a", encoding="utf-8") if cache_path else None  # noqa: SIM115
    try:
        from distributed import as_completed

        for fut in as_completed(futures):
            batch = fut.result()
            for rec in batch:
                results[rec["path"]] = rec
            if sink:
                sink.write("".join(json.dumps({**r, "_v": CACHE_VERSION}, ensure_ascii=False) + "\n" for r in batch))
                sink.flush()
    finally:
        if sink:
            sink.close()
    return [results[p] for p in w.files] + w.problems
