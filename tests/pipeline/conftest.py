"""A quick demo run shared by the pipeline tests (the slowest thing here: run it once per session)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner


@pytest.fixture(scope="session")
def quick_demo(tmp_path_factory):
    """``rxlabel demo --quick`` in a fresh folder: (workdir, printed output)."""
    from rxlabel.cli import main

    workdir = tmp_path_factory.mktemp("demo")
    res = CliRunner().invoke(main, ["demo", "--quick", "--workdir", str(workdir)])
    assert res.exit_code == 0, res.output + (repr(res.exception) if res.exception else "")
    return workdir, res.output
