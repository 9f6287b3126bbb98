"""The index reads what the real labeller writes (JSONL and CSV give the same findings)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from PIL import Image

from rxlabel.index.build import build_index
from rxlabel.index.query import Searcher
from rxlabel.index.store import load

REPORTS = {
    "r1": "Nódulo pulmonar en lóbulo superior derecho. Marcapasos bicameral.",
    "r2": "Atelectasia laminar basal izquierda.",
    "r3": "Sin hallazgos significativos.",
    "r4": "Cardiomegalia. Derrame pleural derecho.",
}


def test_labeller_output_builds_the_same_index_from_jsonl_and_csv(tmp_path: Path):
    from rxlabel.cli import main

    reports = tmp_path / "reports.csv"
    pd.DataFrame({"report_id": list(REPORTS), "text": list(REPORTS.values())}).to_csv(reports, index=False)
    pairs = tmp_path / "pairs.csv"
    pd.DataFrame({"image_path": [f"img/{r}.png" for r in REPORTS], "patient_id": ["p1", "p2", "p3", "p4"],
                  "study_time": "2024-01-01T10:00:00", "report_id": list(REPORTS)}).to_csv(pairs, index=False)
    (tmp_path / "img").mkdir()
    for r in REPORTS:  # only images that exist and decode are indexed
        Image.new("L", (4, 4)).save(tmp_path / "img" / f"{r}.png")
    indexes = []
    for suffix in ("jsonl", "csv"):
        # One folder per run: the two runs' sidecars (review queue, rejects) would otherwise share names.
        out = tmp_path / suffix / f"labels.{suffix}"
        result = CliRunner().invoke(main, ["label", str(reports), "-o", str(out), "--lang", "es"])
        assert result.exit_code == 0 and out.exists(), result.output[-300:]
        built = build_index(tmp_path / f"{suffix}.sqlite", labels=[out], pairs=[pairs])
        assert built.images == 4
        indexes.append(built.index)
    from_jsonl, from_csv = indexes
    for table in ("positive", "uncertain", "negated", "meta"):
        assert getattr(from_jsonl, table) == getattr(from_csv, table), table
    # Localizations travel in the evidence, which the CSV keeps as a JSON column: both give the same index.
    assert from_csv.localized and from_csv.localized == from_jsonl.localized

    labels = [json.loads(line) for line in (tmp_path / "jsonl" / "labels.jsonl").read_text().splitlines()]
    searcher = Searcher(load(tmp_path / "jsonl.sqlite"))
    found = searcher.index.image_findings(searcher.index.universe)
    keys = searcher.index.images(searcher.index.universe, ["report_id"])["report_id"].tolist()
    for image_id, report_id in enumerate(keys):
        obj = next(o for o in labels if o["report_id"] == report_id)
        assert found[image_id][0] == sorted(n for n, v in obj["findings"].items() if v == 1)
        assert found[image_id][1] == sorted(n for n, v in obj["findings"].items() if v == -1)
    assert any(found[i][0] for i in found)  # the labeller found something in these reports
