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


# Ten hand-written images of eight patients in PadChest's labels-CSV layout (no PadChest data): kept
# here rather than as a CSV file so that restricted-data checks, which look for PadChest's column
# names in data files, never confuse it with the real table.
PADCHEST_SMALL = """\
ImageID,StudyID,PatientID,StudyDate_DICOM,ViewPosition_DICOM,Projection,Labels,Localizations,LabelsLocalizationsBySentence
img01.png,s1,p1,20140101,POSTEROANTERIOR,PA,"['normal']",[],"[['normal']]"
img02.png,s1,p1,20140101,LATERAL,L,"['normal']",[],"[['normal']]"
img03.png,s2,p2,20140203,POSTEROANTERIOR,PA,"['nodule', 'pacemaker']","['loc left']","[['nodule', 'loc left'], ['pacemaker']]"
img04.png,s3,p3,20140305,,AP,"['calcified granuloma']","['loc right', 'loc upper lobe']","[['calcified granuloma', 'loc right', 'loc upper lobe']]"
img05.png,s4,p4,20140402,PA,PA,"['laminar atelectasis', 'cardiomegaly']","['loc basal']","[['laminar atelectasis', 'loc basal'], ['cardiomegaly']]"
img06.png,s5,p5,20140509,POSTEROANTERIOR,PA,"['NSG tube', 'COPD signs']",[],"[['NSG tube'], ['COPD signs']]"
img07.png,s6,p6,20140612,POSTEROANTERIOR,PA,"['fibrotic band']","['loc left', 'loc apical']","[['fibrotic band', 'loc left', 'loc apical']]"
img08.png,s6,p6,20140612,LATERAL,L,"['fibrotic band']","['loc left', 'loc apical']","[['fibrotic band', 'loc left', 'loc apical']]"
img09.png,s7,p7,20140701,POSTEROANTERIOR,PA,"['pulmonary mass', 'pleural effusion']","['loc right']","[['pulmonary mass', 'loc right'], ['pleural effusion']]"
img10.png,s8,p8,20140815,,AP_horizontal,"['normal']",[],"[['normal']]"
"""


@pytest.fixture()
def padchest_small(tmp_path: Path) -> Path:
    """The hand-written PadChest-layout table as ``padchest_small.csv``."""
    path = tmp_path / "padchest_small.csv"
    path.write_text(PADCHEST_SMALL, encoding="utf-8")
    return path


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
    from rxlabel.index.build import build_index

    return build_index(tmp_path / "index.sqlite", padchest=[table_csv])


@pytest.fixture()
def searcher(built):
    from rxlabel.index.hierarchy import load_hierarchy
    from rxlabel.index.query import Searcher
    from rxlabel.index.store import load

    return Searcher(load(built.path), load_hierarchy("es"))
