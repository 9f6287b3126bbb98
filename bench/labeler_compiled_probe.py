"""How much plain compilation buys the labeller: its hot modules Cython-compiled unchanged, outside ``src/``.

Issue 14 asks whether only compiled code reaches its targets. This probe copies the committed ``src`` (``git
archive HEAD``) to a temporary folder, compiles ``engine, phrases, context, sentences, aggregate, normalize``
with Cython as they are (no type declarations, ``annotation_typing=False``), checks that both copies label the
BIMCV reports to the same bytes, then times ``Labeler.label`` per CPU-second for each, alternately, each run a
fresh process (bench/labeler_profile.py's texts, one regime per process). Nothing is installed or landed: the
compiled copy is deleted afterwards. Needs a Python with Cython and a C compiler:

    python3 -m venv --system-site-packages /tmp/cyvenv && /tmp/cyvenv/bin/pip install cython
    PYTHONPATH=src python bench/labeler_compiled_probe.py --cython-python /tmp/cyvenv/bin/python   # ~3 min
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("engine", "phrases", "context", "sentences", "aggregate", "normalize")
SETUP = """
from setuptools import setup
from Cython.Build import cythonize
mods = [f"src/rxlabel/labeler/{m}.py" for m in MODULES]
setup(name="rxlabel-probe", script_args=["build_ext", "--build-lib", "build/lib"],
      ext_modules=cythonize(mods, language_level=3, compiler_directives={"binding": True, "annotation_typing": False}))
"""
TIMER = """
import hashlib, json, sys, time
sys.path.insert(0, sys.argv[1])
import rxlabel.labeler as L
from labeler_throughput import real_reports, regime_texts
regime, n = sys.argv[2], int(sys.argv[3])
reports = real_reports("es")
if regime == "digest":
    lab = L.Labeler("es")
    lines = [json.dumps(lab(t, str(i)).to_dict(), ensure_ascii=False) for i, t in enumerate(reports)]
    print(hashlib.sha256("\\n".join(lines).encode()).hexdigest())
    raise SystemExit
texts = regime_texts(reports, n, regime, 1)
lab = L.Labeler("es")
if regime == "repeats":
    for t in texts:
        lab(t)
cpu = time.process_time()
for t in texts:
    lab(t)
print(round(len(texts) / (time.process_time() - cpu)))
"""


def _run(src: Path, regime: str, n: int) -> str:
    env_path = f"{src}:{ROOT / 'bench'}"
    out = subprocess.run([sys.executable, "-c", TIMER, str(ROOT / "bench"), regime, str(n)], check=True,
                         capture_output=True, text=True, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cython-python", required=True, help="a Python with Cython installed")
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="rxlabel-cython-"))
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", "src"], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive.stdout, check=True)
        (tmp / "setup_probe.py").write_text(f"MODULES = {MODULES!r}\n" + SETUP)
        subprocess.run([args.cython_python, "setup_probe.py"], cwd=tmp, check=True, capture_output=True)
        for built in (tmp / "build" / "lib" / "rxlabel" / "labeler").glob("*.so"):
            shutil.copy(built, tmp / "src" / "rxlabel" / "labeler" / built.name)
        plain, compiled = ROOT / "src", tmp / "src"
        same = _run(plain, "digest", 0) == _run(compiled, "digest", 0)
        rates: dict[str, dict[str, list[int]]] = {}
        for _ in range(args.rounds):
            for regime in ("unique_sentences", "repeats"):
                for name, src in (("python", plain), ("cython", compiled)):
                    rates.setdefault(regime, {}).setdefault(name, []).append(int(_run(src, regime, args.reports)))
        record = {"bench": "labeler_compiled_probe", "modules": MODULES, "identical_outputs": same, "rates": rates,
                  "speedup": {r: round(max(v["cython"]) / max(v["python"]), 2) for r, v in rates.items()}}
        print(json.dumps(record))
        return record
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
