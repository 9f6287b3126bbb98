"""spaCy is an optional extra: the core imports and labels without it; the component says what to install."""

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# Run in a child interpreter in which ``import spacy`` (and thinc, its engine) fails as if not installed.
CHILD = r"""
import importlib.abc, sys

class NoSpacy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("spacy", "thinc"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoSpacy())
from click.testing import CliRunner
from rxlabel.cli import main
from rxlabel.labeler import load

r = load("es")("Derrame pleural derecho. No se observa neumotórax.")
assert r.findings["pleural effusion"] == 1 and r.findings["pneumothorax"] == 0, r.findings
assert CliRunner().invoke(main, ["label", "--help"]).exit_code == 0
try:
    import rxlabel.labeler.spacy_component  # noqa: F401
except ImportError as exc:
    assert "rxlabel[spacy]" in str(exc), exc
else:
    raise AssertionError("the component imported without spaCy")
assert not [m for m in sys.modules if m.split(".")[0] in ("spacy", "thinc")]
print("ok")
"""


def test_core_labels_without_spacy():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]
