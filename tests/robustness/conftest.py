"""Helpers for the robustness suite: run the CLI as a user would and read what it wrote."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from rxlabel.cli import main
from rxlabel.labeler.io import file_rules_version, parse_label_line


@pytest.fixture
def cli():
    """Invoke ``rxlabel ARGS...``; returns the click result (exit_code, output)."""

    def run(*args):
        return CliRunner().invoke(main, [str(a) for a in args])

    return run


def read_jsonl(path: Path) -> list[dict]:
    """A labels JSONL through the label record's reader (compact lines decoded, the manifest's version)."""
    version = file_rules_version(path)
    return [parse_label_line(line, version) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
