"""Issue 13 class 16: losing a ``label --jobs 2`` worker (the OOM killer's SIGKILL) neither hangs nor loses rows."""

from __future__ import annotations

import csv
import json
import random
import signal
import subprocess
import time

import psutil
import pytest

from rxlabel.labeler import batch
from rxlabel.labeler.io import ReportRow
from rxlabel.pipeline.archive import compose_report
from tests.robustness.test_kill_resume import _env, _rxlabel


def _reports(path, n):
    rng = random.Random(1)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["report_id", "text"])
        for i in range(n):
            f = {r: rng.random() < 0.3 for r in ("chest_wall", "pleura", "parenchyma", "cardio")}
            w.writerow([f"r{i}", compose_report("es", f, rng) + f" Control {i}."])  # unique: no cache shortcut


@pytest.mark.slow
def test_class16_a_killed_worker_is_replaced_and_every_row_is_labelled(tmp_path):
    n = 60_000
    _reports(tmp_path / "in.csv", n)
    out = tmp_path / "labels.jsonl"
    proc = subprocess.Popen(_rxlabel("label", tmp_path / "in.csv", "-o", out, "--lang", "es", "--jobs", "2",
                                     "--quiet", "--summary-json", tmp_path / "s.json"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_env(), text=True)
    killed = None
    t0 = time.monotonic()
    while killed is None and proc.poll() is None and time.monotonic() - t0 < 120:
        workers = psutil.Process(proc.pid).children()
        if len(workers) >= 2 and out.with_name(out.name + ".partial").exists():
            time.sleep(0.5)  # the workers are busy on their first chunks
            killed = workers[0].pid
            workers[0].send_signal(signal.SIGKILL)
        time.sleep(0.05)
    output, _ = proc.communicate(timeout=240)  # no hang
    assert killed is not None, "the run finished before a worker could be killed; make it longer"
    assert proc.returncode == 0, output
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["total"] == n and summary["rejected"] == 0  # the killed worker's chunk was labelled again
    with open(out, encoding="utf-8") as fh:
        ids = [json.loads(line)["report_id"] for line in fh]
    assert ids == [f"r{i}" for i in range(n)]  # every row once, in input order


def _poison(rows, *args):  # a chunk whose labelling kills its process, every time (a report that exhausts memory)
    import os

    if any(r.report_id == "poison" for r in rows):
        os.kill(os.getpid(), signal.SIGKILL)
    return _label_rows(rows, *args)


_label_rows = batch.label_rows


@pytest.mark.slow
def test_class16_a_chunk_that_always_kills_its_worker_is_rejected_and_the_rest_labelled(monkeypatch):
    monkeypatch.setattr(batch, "label_rows", _poison)
    _poison.__module__, _poison.__qualname__ = batch.__name__, "label_rows"  # picklable as batch.label_rows
    chunks = [[ReportRow(k * 10 + i + 1, f"c{k}-{i}", "Cardiomegalia.") for i in range(10)] for k in range(8)]
    chunks[3][4] = ReportRow(35, "poison", "Cardiomegalia.")
    t0 = time.monotonic()
    got = list(batch.pooled(iter(chunks), 2, "es", False))
    assert time.monotonic() - t0 < 60
    assert [len(c) for c in got] == [10] * 8  # in order, nothing lost
    rejected = [r for c in got for r in c if r[3]]
    assert {r[0].report_id for r in rejected} == {row.report_id for row in chunks[3]}
    assert all(r[3] == batch.WORKER_DIED for r in rejected)
    assert all(r[1]["method"] in ("rule", "template") for i, c in enumerate(got) if i != 3 for r in c)
