"""Helpers for the robustness suite: run the CLI as a user would and read what it wrote."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rxlabel.cli import main


@pytest.fixture
def cli():
    """Invoke ``rxlabel ARGS...``; returns the click result (exit_code, output)."""

    def run(*args):
        return CliRunner().invoke(main, [str(a) for a in args])

    return run


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
