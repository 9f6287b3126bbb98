"""``rxlabel label --engine dask``: label on a Dask cluster, with the single-machine path's exact outputs.

Labelling (the costly part) runs on the workers, one task per partition: a Parquet input is split by
row group and each worker reads its own row groups from shared storage; other formats are read by the
client in chunks that are shipped to the workers. The routing that needs the whole file (duplicate
ids, the review queue, the rejects, the summary) is sequential and cheap: the client does it in input
order, with the routing of :func:`labeler.batch.label_file` (mirrored here; tests/pipeline/test_dask.py
compares the files byte for byte), so the files written are those of a single-process run. Needs ``pip install 'rxlabel[dask]'``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

from rxlabel.labeler.batch import Router, Summary
from rxlabel.labeler.io import (
    ReportInputError,
    ReportRow,
    file_format,
    open_parquet,
    parquet_rows,
    record_line,
)
from rxlabel.labeler.io import read_reports as _read_reports


def client_for(scheduler: str | None = None, workers: int = 2, processes: bool = True, threads_per_worker: int = 1):
    """A Dask client: connected to ``scheduler`` (``tcp://host:8786``), else a new local cluster of ``workers``."""
    try:
        from distributed import Client, LocalCluster
    except ModuleNotFoundError as exc:
        raise ReportInputError("the dask engine needs Dask: pip install 'rxlabel[dask]' (dask[distributed])") from exc
    if scheduler:
        return Client(scheduler)
    import logging

    cluster = LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=processes,
                           dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster)


def _label_chunk(rows: list[ReportRow], lang: str, stemmed: bool, full: bool = True,
                 evidence: str = "compact") -> list[tuple]:
    """(row, record, its JSON line, rejection) per row, as :func:`labeler.batch.label_rows` returns them:
    the worker builds and serialises the records (in the ``evidence`` format), so the client only routes
    and writes.

    With ``full=False`` (JSONL output) the record travels back as its line and a stub (method, review
    reasons), whole only when the report goes to review: results are most of the traffic.
    """

    from rxlabel import labeler
    lab = labeler.load(lang, stemmed=stemmed)  # cached per worker process
    out = []
    for row in rows:
        if row.error:
            out.append((row, None, None, row.error))
            continue
        result = lab.label(row.text, row.report_id, windows=evidence == "full")
        if result.rejected:
            out.append((row, None, None, result.rejected))
            continue
        record = result.to_dict()
        line = record_line(record, evidence, lab.version)
        if not full and record["method"] != "unlabelled":
            record = {"method": record["method"], "review_reasons": record["review_reasons"]}
        out.append((row, record, line, None))
    return out


def _label_row_group(path: str, group: int, first_row: int, ids: str | None, texts: str, lang: str,
                     stemmed: bool, full: bool = True, evidence: str = "compact") -> list[tuple]:
    """Read one Parquet row group on the worker and label it (rows numbered as the single-machine reader does)."""
    import pyarrow.parquet as pq

    data = pq.ParquetFile(path).read_row_group(group, columns=[c for c in (ids, texts) if c]).to_pydict()
    rows = parquet_rows(data, ids, texts, first_row)
    return _label_chunk(rows, lang, stemmed, full, evidence)


def _parquet_tasks(client, path: Path, id_col, text_col, lang, stemmed, full, evidence) -> list:
    pf, ids, texts = open_parquet(path, id_col, text_col)
    futures, first = [], 1
    for g in range(pf.num_row_groups):
        futures.append(client.submit(_label_row_group, str(path.resolve()), g, first, ids, texts, lang, stemmed,
                                     full, evidence, pure=False))
        first += pf.metadata.row_group(g).num_rows
    return futures


def _ordered(client, futures_iter: Iterator, window: int) -> Iterator[list]:
    """Results in submission order, with at most ``window`` tasks in flight (memory stays flat)."""
    pending = []
    for fut in futures_iter:
        pending.append(fut)
        if len(pending) >= window:
            yield pending.pop(0).result()
    for fut in pending:
        yield fut.result()


def label_file_dask(input_path: str | Path, output_path: str | Path, lang: str = "es", *, stemmed: bool = False,
                    id_col: str | None = None, text_col: str | None = None, encoding: str = "utf-8",
                    review_out: str | Path | None = None, rejects_out: str | Path | None = None,
                    chunk_size: int = 2000, client=None, scheduler: str | None = None, workers: int = 2,
                    progress: bool = False, evidence: str = "compact") -> Summary:
    """:func:`labeler.batch.label_file` on a Dask cluster (``client``, or ``scheduler``, or a local one)."""
    from rxlabel.labeler import load

    started = time.perf_counter()
    input_path = Path(input_path)
    own_client = client is None
    labeler = load(lang, stemmed=stemmed)  # a broken pack fails here, before any cluster starts
    kind = file_format(input_path) if input_path.exists() else None
    chunks = None
    if kind != "parquet":
        chunks = _read_reports(input_path, id_col=id_col, text_col=text_col, encoding=encoding, chunk_size=chunk_size)
        first = next(chunks, [])  # input errors before any output exists, as in the single-machine path
        chunks = itertools.chain([first], chunks)
    elif input_path.stat().st_size == 0:
        raise ReportInputError(f"{input_path}: the file is empty (0 bytes); nothing to label")
    if own_client:
        client = client_for(scheduler, workers)
    try:
        if kind == "parquet":
            futures = iter(_parquet_tasks(client, input_path, id_col, text_col, lang, stemmed,
                                          file_format(output_path) != "jsonl", evidence))
        else:
            full = file_format(output_path) != "jsonl"
            futures = (client.submit(_label_chunk, chunk, lang, stemmed, full, evidence, pure=False) for chunk in chunks)
        window = 4 * max(1, len(client.scheduler_info().get("workers", {})) or workers)
        # The same router as labeler.batch.label_file: same order, same files.
        router = Router(output_path, labeler.finding_names, labeler.version, review_out, rejects_out, [input_path],
                        evidence)
        summary = router.drain(_ordered(client, futures, window), started, progress)
    finally:
        if own_client:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    return summary
