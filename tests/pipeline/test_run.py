"""``rxlabel run config.yaml``: one file drives the run; a rerun skips what did not change."""

from __future__ import annotations

import importlib.util
import json

import pytest
import yaml
from click.testing import CliRunner

from rxlabel.cli import main
from rxlabel.pipeline.archive import generate

HAS_TORCH = importlib.util.find_spec("torch") is not None and importlib.util.find_spec("timm") is not None


@pytest.fixture
def config(tmp_path):
    generate(tmp_path / "archive", n_patients=20, seed=5, size=48)
    cfg = {
        "workdir": "work",
        "seed": 3,
        "sites": [{"name": "hes", "lang": "es", "dicom": "archive/es/dicom", "his": ["archive/es/his"]},
                  {"name": "hvi", "lang": "vi", "dicom": "archive/vi/dicom", "his": "archive/vi/his",
                   "his_tz": "+0700"}],
        "convert": {"size": 48},
        "dataset": {"name": "abn", "split": [60, 20, 20]},
        "train": {"backbone": "resnet10t", "image_size": 32, "epochs": 1, "batch_size": 16, "max_steps": 2},
        "evaluate": {"n_boot": 20},
        "heatmap": {"images": 1},
    }
    cfg["steps"] = ["match", "convert", "label", "review", "index", "dataset", "report"]  # no training: fast
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(cfg), "utf-8")
    return path


def _invoke(*args):
    res = CliRunner().invoke(main, ["run", *map(str, args)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    return res.output


def test_run_then_rerun_skips_everything_unchanged(config, tmp_path):
    if HAS_TORCH:  # the whole run, a tiny training included, once
        cfg = yaml.safe_load(config.read_text())
        del cfg["steps"]
        config.write_text(yaml.safe_dump(cfg), "utf-8")
    first = _invoke(config)
    work = tmp_path / "work"
    record = json.loads((work / "summary.json").read_text())
    assert all(s["status"] == "ok" for s in record["steps"].values()), record["steps"]
    assert "match:hes" in record["ran"] and "dataset" in record["ran"] and not record["unchanged"]
    step = json.loads((work / "steps" / "label__hvi.json").read_text())
    assert step["versions"]["rules"].startswith("vi-") and step["versions"]["rxlabel"]
    assert step["params"] == {"lang": "vi"} and step["inputs"] and step["outputs"]
    assert (work / "report.html").is_file()
    labels_before = (work / "labels" / "hvi" / "labels.jsonl").read_bytes()

    second = _invoke(config)
    again = json.loads((work / "summary.json").read_text())
    assert again["ran"] == [] and set(again["unchanged"]) == set(record["ran"])
    assert "unchanged, skipped" in second and first != second
    assert (work / "labels" / "hvi" / "labels.jsonl").read_bytes() == labels_before


def test_a_changed_input_reruns_its_steps_and_what_depends_on_them(config, tmp_path):
    _invoke(config)
    his = sorted((tmp_path / "archive" / "vi" / "his").glob("his_*.xml"))[0]
    his.write_bytes(his.read_bytes().replace("Bóng tim to".encode(), "Bóng tim không to".encode(), 1)
                    .replace("Hình tim to".encode(), "Bóng tim không to".encode(), 1))
    _invoke(config)
    rec = json.loads((tmp_path / "work" / "summary.json").read_text())
    assert "match:hvi" in rec["ran"] and "label:hvi" in rec["ran"]
    assert "match:hes" in rec["unchanged"] and "label:hes" in rec["unchanged"]
    assert "index" in rec["ran"] and "dataset" in rec["ran"]


def test_force_reruns_everything(config, tmp_path):
    _invoke(config)
    _invoke(config, "--force")
    rec = json.loads((tmp_path / "work" / "summary.json").read_text())
    assert rec["unchanged"] == [] and "match:hes" in rec["ran"]


@pytest.mark.parametrize(("patch", "message"), [
    ({"matcher": {}}, "unknown section 'matcher'"),
    ({"train": {"epoch": 3}}, "train: unknown option 'epoch'"),
    ({"train": {"epochs": "three"}}, "train.epochs must be an integer, got 'three'"),
    ({"match": {"window_h": [1]}}, "match.window_h must be a number"),
    ({"dataset": {"split": [1, 2]}}, "dataset.split must be three non-negative numbers"),
    ({"evaluate": {"split": "validation"}}, "evaluate.split must be one of train, valid, test"),
    ({"seed": "0"}, "seed must be an integer"),
    ({"sites": [{"name": "x", "lang": "klingon", "dicom": "archive/es/dicom", "his": "archive/es/his"}]},
     "sites[0].lang: no rule pack 'klingon'"),
    ({"sites": [{"name": 7, "lang": "es", "dicom": "archive/es/dicom", "his": "archive/es/his"}]},
     "sites[0].name must be a string"),
    ({"sites": [{"name": "x", "lang": "es", "dicom": "nope", "his": "nope"}]}, "does not exist"),
    ({"sites": []}, "'sites' must list"),
    ({"steps": ["match", "bake"]}, "unknown step(s) bake"),
])
def test_bad_configuration_names_the_key(config, patch, message):
    cfg = yaml.safe_load(config.read_text())
    cfg.update(patch)
    config.write_text(yaml.safe_dump(cfg), "utf-8")
    res = CliRunner().invoke(main, ["run", str(config)])
    assert res.exit_code == 1 and message in res.output and str(config) in res.output, res.output
    assert not (config.parent / "work").exists()  # checked before the first step, nothing written
