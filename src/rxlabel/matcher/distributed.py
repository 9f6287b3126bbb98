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

from pathlib import Path

from rxlabel.errors import MissingDependencyError
from rxlabel.matcher.scan import _read_many, scan


def client_for(scheduler: str | None = None, workers: int = 2, processes: bool = True):
    """A Dask client: connected to ``scheduler`` (``tcp://host:8786``), else a new local cluster of ``workers``."""
    import logging

    try:
        from distributed import Client, LocalCluster
    except ModuleNotFoundError as exc:
        raise MissingDependencyError("the dask engine needs Dask: pip install 'rxlabel[dask]' (dask[distributed])") from exc
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

    def read_parts(parts: list[list[str]]):
        from distributed import as_completed

        for fut in as_completed(client.map(_read_many, parts, pure=False)):
            yield fut.result()

    return scan(root, cache=cache, quiet=True, chunk=partition, read_parts=read_parts)
