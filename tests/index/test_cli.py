from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from rxlabel.cli import main

from .conftest import DATA


def _run(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _last_json(output: str) -> dict:
    return json.loads([line for line in output.splitlines() if line.startswith("{")][-1])


def test_build_query_dataset_rebuild_list_show(tmp_path: Path, table_csv: Path):
    index = tmp_path / "i.sqlite"
    store = tmp_path / "store.sqlite"
    summary = _last_json(_run("index", "build", str(index), "--padchest", str(table_csv)).output)
    assert summary["images"] == 600 and summary["rejected"] == 0
    ids = tmp_path / "ids.txt"
    out = _last_json(_run("index", "query", str(index), "nodular AND NOT pacemaker", "-o", str(ids)).output)
    assert out["images"] == len(ids.read_text().splitlines()) > 0
    csv = tmp_path / "ids.csv"
    _run("index", "query", str(index), "linear", "--view", "PA", "--exclude", "pacemaker,nodular", "-o", str(csv))
    assert set(pd.read_csv(csv)["view"]) == {"PA"}
    made = _last_json(_run("dataset", "create", str(index), "--terms", "linear,nodular", "--exclude", "pacemaker",
                           "--seed", "5", "--split", "70,20,10", "--name", "demo", "--out", str(tmp_path / "demo"),
                           "--store", str(store)).output)
    manifest = tmp_path / "demo" / "manifest.csv"
    first = manifest.read_bytes()
    assert made["images"] == len(pd.read_csv(manifest))
    manifest.unlink()
    again = _last_json(_run("dataset", "rebuild", "demo", "--store", str(store), "--out", str(tmp_path / "demo")).output)
    assert again["identical"] and manifest.read_bytes() == first
    assert "demo" in _run("dataset", "list", "--store", str(store)).output
    shown = _run("dataset", "show", "demo", "--store", str(store)).output
    assert "seed: 5" in shown and "manifest_sha256" in shown
    dup = _run("dataset", "create", str(index), "--terms", "linear,nodular", "--name", "demo", "--store", str(store), ok=False)
    assert dup.exit_code == 1 and "exists" in dup.output
    info = _run("index", "info", str(index)).output
    assert "600 images" in info
    assert "multiple nodules" in _run("index", "terms", "nodular").output


def test_cli_errors_are_one_clear_line(tmp_path: Path, table_csv: Path):
    index = tmp_path / "i.sqlite"
    _run("index", "build", str(index), "--padchest", str(table_csv))
    bad = _run("index", "query", str(index), "nodullar AND NOT pacemaker", ok=False)
    assert bad.exit_code == 1 and "unknown term 'nodullar'; closest known terms: nodular" in bad.output
    assert "Traceback" not in bad.output
    none = _run("index", "build", str(tmp_path / "x.sqlite"), ok=False)
    assert none.exit_code == 1 and "nothing to index" in none.output


def test_labeller_output_with_pairs(tmp_path: Path):
    index = tmp_path / "i.sqlite"
    summary = _last_json(_run("index", "build", str(index), "--labels", str(DATA / "labels.csv"),
                              "--pairs", str(DATA / "pairs.csv")).output)
    assert summary["images"] == 5 and summary["rejected_by_reason"] == {"labelled report with no paired image": 1}
    assert Path(str(index) + ".rejected.csv").exists()
    out = _last_json(_run("index", "query", str(index), "nodule OR laminar atelectasis").output)
    assert out["images"] == 2 and out["patients"] == 2


def test_check_command(tmp_path: Path):
    table = pd.DataFrame({"ImageID": ["a.png", "b.png"], "PatientID": ["p1", "p2"], "Labels": ["['normal']"] * 2})
    table.to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "a.png").write_bytes(b"broken")
    _run("index", "build", str(tmp_path / "i.sqlite"), "--padchest", str(tmp_path / "t.csv"))
    out = _last_json(_run("index", "check", str(tmp_path / "i.sqlite"), "--image-root", str(tmp_path), "--quiet").output)
    assert out == {"checked": 2, "damaged": 2, "ok": 0, "by_reason": {"not an image Pillow can read (PNG/JPEG expected)": 1,
                                                                       "missing file": 1}, "output": None}


@pytest.mark.parametrize("name", ["index", "dataset"])
def test_commands_are_wired_into_rxlabel(name):
    assert name in _run("--help").output
    assert "Usage" in _run(name, "--help").output


def test_rebuild_after_the_index_changed(tmp_path: Path, table_csv: Path, table: pd.DataFrame):
    index, store = tmp_path / "i.sqlite", tmp_path / "s.sqlite"
    _run("index", "build", str(index), "--padchest", str(table_csv))
    _run("dataset", "create", str(index), "--terms", "normal,nodular", "--name", "n", "--store", str(store),
         "--out", str(tmp_path / "n"))
    before = (tmp_path / "n" / "manifest.csv").read_bytes()
    table.assign(ImageID="x" + table["ImageID"]).pipe(lambda t: pd.concat([table, t])).to_csv(table_csv, index=False)
    _run("index", "build", str(index), "--padchest", str(table_csv))
    failed = _run("dataset", "rebuild", "n", "--store", str(store), "--out", str(tmp_path / "n"), ok=False)
    assert failed.exit_code == 1 and "index changed" in failed.output and "--from-store" in failed.output
    out = _last_json(_run("dataset", "rebuild", "n", "--store", str(store), "--out", str(tmp_path / "n"),
                          "--from-store").output)
    assert out["identical"] and (tmp_path / "n" / "manifest.csv").read_bytes() == before


def test_build_creates_the_output_folder(tmp_path):
    from click.testing import CliRunner

    from rxlabel.cli import main

    src = tmp_path / "padchest.csv"
    src.write_text("ImageID,PatientID,Labels,Localizations\nA.png,p1,\"['nodule']\",[]\n", encoding="utf-8")
    out = tmp_path / "new" / "folder" / "index.sqlite"
    res = CliRunner().invoke(main, ["index", "build", str(out), "--padchest", str(src)])
    assert res.exit_code == 0, res.output
    assert out.exists()
