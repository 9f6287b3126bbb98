"""``rxlabel demo --quick``: every step runs (or says why not), counts add up, same seed same numbers."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from click.testing import CliRunner

from rxlabel.cli import main

TRAIN_STEPS = ("train", "evaluate", "heatmap")


def test_quick_demo_runs_every_step_and_accounts_for_every_input(quick_demo):
    workdir, output = quick_demo
    record = json.loads((workdir / "summary.json").read_text())
    status = {k: v["status"] for k, v in record["steps"].items()}
    has_torch = importlib.util.find_spec("torch") is not None and importlib.util.find_spec("timm") is not None
    for name, st in status.items():
        if name in TRAIN_STEPS and not has_torch:
            assert st == "skipped" and "rxlabel[train]" in (record["steps"][name]["reason"] + json.dumps(record)), name
        else:
            assert st == "ok", (name, record["steps"][name])
    steps = record["steps"]
    arch = steps["archive"]["result"]["sites"]
    for lang, m in steps["match"]["result"].items():
        s = m["summary"]
        assert s["files_scanned"] == arch[lang]["dicom_files"]
        assert s["paired_images"] + s["ambiguous_images"] + s["unmatched_images"] == s["files_scanned"]
        assert m["score"]["precision"] == 1.0
        lab = steps["label"]["result"][lang]
        assert lab["total"] == s["paired_reports"]  # every paired report labelled once
        assert lab["template"] + lab["rule"] + lab["review"] + lab["rejected"] == lab["total"]
        assert steps["review"]["result"][lang]["to_review"] == lab["review"]
        wb = steps["review"]["result"][lang]["workbench"]  # the workbench database, ready to serve
        assert wb["queue"] == lab["review"] and wb["decisions"] == 0 and wb["command"] in output
        assert Path(wb["db"]).exists() and wb["address"] in output
        assert steps["convert"]["result"][lang]["converted"] == s["paired_images"]
    index = steps["index"]["result"]
    assert index["images"] == sum(c["converted"] for c in steps["convert"]["result"].values())
    t = steps["dataset"]["result"]["training"]
    assert sum(t["per_split"].values()) == t["images"] > 50
    # the numbers printed are the numbers recorded
    assert f"{index['images']} images" in output
    if has_torch:
        ev = steps["evaluate"]["result"]
        assert f"macro AUC {ev['macro']['auc']:.3f}" in output
        assert len(steps["heatmap"]["result"]["heatmaps"]) >= 1
        assert (workdir / "report.html").stat().st_size > 10_000


def test_same_seed_same_numbers(quick_demo, tmp_path):
    """The data steps again in a new folder: the same counts, labels and dataset, byte for byte."""
    workdir, _ = quick_demo
    res = CliRunner().invoke(main, ["demo", "--quick", "--workdir", str(tmp_path),
                                    "--only", "archive,match,convert,label,index,dataset"])
    assert res.exit_code == 0, res.output
    a = json.loads((workdir / "summary.json").read_text())["steps"]
    b = json.loads((tmp_path / "summary.json").read_text())["steps"]
    for lang in a["match"]["result"]:
        assert a["match"]["result"][lang]["summary"] == b["match"]["result"][lang]["summary"]
        assert {k: v for k, v in a["label"]["result"][lang].items() if k not in ("seconds", "reports_per_second",
                                                                             "outputs", "reports")} == \
            {k: v for k, v in b["label"]["result"][lang].items() if k not in ("seconds", "reports_per_second",
                                                                         "outputs", "reports")}
        la = (workdir / "labels" / lang / "labels.jsonl").read_bytes()
        assert la == (tmp_path / "labels" / lang / "labels.jsonl").read_bytes()
    ca, cb = a["dataset"]["result"]["counts"], b["dataset"]["result"]["counts"]
    assert ca == cb


def test_unknown_step_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(main, ["demo", "--workdir", str(tmp_path), "--only", "archive,bogus"])
    assert res.exit_code == 2 and "bogus" in res.output


def test_samples_only_labels_the_bundled_reports(tmp_path):
    res = CliRunner().invoke(main, ["demo", "--workdir", str(tmp_path), "--only", "samples"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "labels_en.jsonl").exists()
