"""Shared fixtures: a generated PadChest-like table, its index, and paths to shared data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "index"
SHARED = REPO / ".." / "shared" / "data"
PADCHEST_ROWS = SHARED / "es" / "padchest" / "padchest_rows_from_authors_notebook.csv"
PADCHEST_GR = SHARED / "es" / "padchest_gr" / "padchest_gr_master_table.csv"
TAXONOMY = SHARED / "es" / "padchest" / "taxonomy"

LABELS = ["nodule", "multiple nodules", "granuloma", "calcified granuloma", "pulmonary mass", "pacemaker",
          "laminar atelectasis", "fibrotic band", "cardiomegaly", "pleural effusion", "scoliosis", "nsg tube"]
LOCS = ["loc left", "loc right", "loc basal", "loc apical"]


def shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data not available: {path} (read from ../shared/data only)")
    return path


def make_table(n: int = 600, seed: int = 0, patients: int | None = None) -> pd.DataFrame:
    """PadChest-like rows: ~35% normal, others 1-3 labels from LABELS, 1-3 images per patient."""
    rng = np.random.default_rng(seed)
    rows = []
    n_pat = patients or max(1, n // 2)
    for i in range(n):
        if rng.random() < 0.35:
            labels, locs = ["normal"], []
        else:
            labels = [str(x) for x in rng.choice(LABELS, size=int(rng.integers(1, 4)), replace=False)]
            locs = [str(x) for x in rng.choice(LOCS, size=int(rng.integers(0, 3)), replace=False)]
        rows.append({
            "ImageID": f"im{i:05d}.png",
            "PatientID": f"pat{int(rng.integers(0, n_pat)):05d}",
            "Labels": repr(labels),
            "Localizations": repr(locs),
            "Projection": str(rng.choice(["PA", "L", "AP"])),
        })
    return pd.DataFrame(rows)


@pytest.fixture()
def table() -> pd.DataFrame:
    return make_table()


@pytest.fixture()
def table_csv(tmp_path: Path, table: pd.DataFrame) -> Path:
    path = tmp_path / "padchest_like.csv"
    table.to_csv(path, index=False)
    return path


@pytest.fixture()
def built(tmp_path: Path, table_csv: Path):
    from index.build import build_index

    return build_index(tmp_path / "index.sqlite", padchest=[table_csv])


@pytest.fixture()
def searcher(built):
    from index.hierarchy import load_hierarchy
    from index.query import Searcher
    from index.store import load

    return Searcher(load(built.path), load_hierarchy("es"))
