"""README's "From archive to model" block runs as written (parsed from README.md, so drift fails here)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from rxlabel.cli import main
from rxlabel.imaging import ImageReadError, read_dicom
from rxlabel.pipeline.archive import generate
from rxlabel.schema import REGION_COLUMNS

README = Path(__file__).resolve().parents[2] / "README.md"
# The README's placeholders for a site's archive, and what the test puts there.
PLACEHOLDERS = {"/pacs/export": "archive/vi/dicom", "/his/exports": "archive/vi/his"}
# Small settings through RXLABEL_<COMMAND>_<OPTION>, so the commands themselves stay as written.
SMALL = {"RXLABEL_TRAIN_BACKBONE": "test_resnet", "RXLABEL_TRAIN_IMAGE_SIZE": "32", "RXLABEL_TRAIN_EPOCHS": "1",
         "RXLABEL_TRAIN_BATCH_SIZE": "8", "RXLABEL_TRAIN_WORKERS": "0", "RXLABEL_TRAIN_DEVICE": "cpu",
         "RXLABEL_EVALUATE_MODEL_N_BOOT": "50", "RXLABEL_CONVERT_SIZE": "64", "SECRET": "readme-salt"}


def readme_chain() -> list[list[str]]:
    """Each command of the block as an argument list (comments dropped, ``;`` splitting a line)."""
    text = README.read_text("utf-8")
    section = text.split("## From archive to model", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    commands = []
    for line in block.splitlines():
        for part in line.split(" ; "):
            words = shlex.split(os.path.expandvars(part), comments=True)
            if words:
                commands.append(words)
    return commands


def _readable(path: Path) -> bool:
    try:
        read_dicom(path)
    except ImageReadError:
        return False
    return True


def test_the_block_is_the_chain_the_issue_names():
    names = [" ".join(c[:2]) for c in readme_chain()]
    assert names[0] == "rxlabel match" and "rxlabel dataset" in names and "rxlabel train" in names
    assert all(c[0] == "rxlabel" for c in readme_chain())
    block = " ".join(" ".join(c) for c in readme_chain())
    assert all(p in block for p in PLACEHOLDERS)


@pytest.mark.slow
def test_readme_archive_to_model_block_runs_as_written(tmp_path, monkeypatch):
    pytest.importorskip("torch")  # the training extra, not a first-party module
    pytest.importorskip("timm")
    generate(tmp_path / "archive", n_patients=20, seed=5, size=48)
    monkeypatch.chdir(tmp_path)
    film = next(f for f in sorted(Path("archive/vi/dicom").rglob("*.dcm")) if _readable(f))  # not a trap file
    shutil.copy(film, "film.dcm")
    for key, value in SMALL.items():
        monkeypatch.setenv(key, value)
    for words in readme_chain():
        args = [PLACEHOLDERS.get(w, w) for w in words[1:]]
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 0, f"{' '.join(words)}\n{res.output}\n{res.exception!r}"
    train = pd.read_csv("nvn-v1/train.csv")
    assert set(REGION_COLUMNS) <= set(train.columns) and len(train) > 0
    assert Path("runs/a/best.pt").is_file() and Path("runs/a/eval_test.json").is_file()
    assert Path("heatmaps/film_heatmap.png").is_file()
    assert Path("ids.txt").is_file() and Path("work/png/manifest.csv").is_file()
