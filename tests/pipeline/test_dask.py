"""The Dask engine gives byte-identical outputs to the single-machine path (a local cluster of two workers)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from rxlabel.cli import main
from rxlabel.pipeline.archive import compose_report

pytestmark = pytest.mark.slow  # a real cluster / subprocesses / an Orthanc server: the full lane only

distributed = pytest.importorskip("distributed", reason="Dask is not installed (pip install 'rxlabel[dask]')")
BIMCV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "es" / "bimcv_covid19" / \
    "bimcv_covid19_reports_raw.jsonl"


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _both(src, tmp_path, lang, client, **kw):
    from rxlabel.labeler.batch import label_file
    from rxlabel.labeler.distributed import label_file_dask

    (tmp_path / "local").mkdir()
    (tmp_path / "dask").mkdir()
    a = label_file(src, tmp_path / "local" / "labels.jsonl", lang, progress=False, **kw)
    b = label_file_dask(src, tmp_path / "dask" / "labels.jsonl", lang, client=client, chunk_size=300, **kw)
    assert {k: v for k, v in a.as_dict().items() if k not in ("seconds", "reports_per_second", "outputs")} == \
        {k: v for k, v in b.as_dict().items() if k not in ("seconds", "reports_per_second", "outputs")}
    assert _outputs(tmp_path / "local") == _outputs(tmp_path / "dask")
    return a


def test_bimcv_reports_byte_identical(tmp_path, client):
    if not BIMCV.is_file():
        pytest.skip("../shared/data/es/bimcv_covid19 is absent (read from there only, never copied)")
    s = _both(BIMCV, tmp_path, "es", client, id_col="session")
    assert s.total == 2465


def test_traps_and_parquet_row_groups_byte_identical(tmp_path, client):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(0)
    rows = []
    for i in range(1500):
        f = {r: rng.random() < 0.3 for r in ("chest_wall", "pleura", "parenchyma", "cardio")}
        rows.append({"report_id": f"r{i % 1400}" if i % 97 else None, "text": compose_report("vi", f, rng) if i % 50 else ""})
    src = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), src, row_group_size=256)  # 6 partitions, read on the workers
    (tmp_path / "pq").mkdir()
    s = _both(src, tmp_path / "pq", "vi", client)
    assert s.rejected > 100 and s.review > 0 and s.total == 1500
    csv_src = tmp_path / "in.csv"
    with open(csv_src, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["report_id", "text"])
        w.writeheader()
        w.writerows(rows)
    (tmp_path / "csv").mkdir()
    _both(csv_src, tmp_path / "csv", "vi", client)


def test_label_cli_engine_dask(tmp_path):
    src = tmp_path / "r.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": "- Bóng tim to."}) + "\n" for i in range(50)), "utf-8")
    res = CliRunner().invoke(main, ["label", str(src), "-o", str(tmp_path / "o.jsonl"), "--lang", "vi",
                                    "--engine", "dask", "--jobs", "2"])
    assert res.exit_code == 0, res.output
    res2 = CliRunner().invoke(main, ["label", str(src), "-o", str(tmp_path / "p.jsonl"), "--lang", "vi"])
    assert res2.exit_code == 0
    assert (tmp_path / "o.jsonl").read_bytes() == (tmp_path / "p.jsonl").read_bytes()


def test_match_engine_dask_same_tables(tmp_path, client):
    from rxlabel.matcher import synth
    from rxlabel.matcher.distributed import scan_dask
    from rxlabel.matcher.pipeline import run, write_result

    a = synth.generate(n_patients=40, seed=3)
    synth.write_archive_dicom(a, tmp_path / "dicom")
    (tmp_path / "dicom" / "junk.dcm").write_bytes(b"not dicom")
    synth.write_archive_his(a, tmp_path / "his")
    local, _ = run(tmp_path / "dicom", tmp_path / "his")
    records = scan_dask(tmp_path / "dicom", client, cache=tmp_path / "cache.jsonl", partition=16)
    remote, _ = run(records, tmp_path / "his")
    write_result(local, tmp_path / "l" / "pairs.csv")
    write_result(remote, tmp_path / "d" / "pairs.csv")
    assert _outputs(tmp_path / "l") == _outputs(tmp_path / "d")
    again = scan_dask(tmp_path / "dicom", client, cache=tmp_path / "cache.jsonl")  # all from the cache
    assert [{k: v for k, v in r.items() if k != "_v"} for r in again] == records
