"""CI check of the installed (not editable) distribution: one top-level module, every command's --help."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

dist = metadata.distribution("rxlabel")
top = (dist.read_text("top_level.txt") or "").split()
if top != ["rxlabel"]:
    sys.exit(f"top_level.txt lists {top}; the distribution must install only 'rxlabel'")
import rxlabel  # noqa: E402

src = Path(__file__).resolve().parents[1] / "src"
if src in Path(rxlabel.__file__).resolve().parents:
    sys.exit(f"rxlabel imports from the source tree ({rxlabel.__file__}), not the installed copy")
stray = [f for f in dist.files or [] if f.parts and f.parts[0] not in ("rxlabel",) and not f.parts[0].endswith(
    (".dist-info", ".data")) and f.parts[0] not in ("..", "__editable__")]
stray = [f for f in stray if not str(f).startswith("../../bin")]
if stray:
    sys.exit(f"files installed outside the rxlabel namespace: {stray[:5]}")

exe = Path(sys.executable).with_name("rxlabel")
from rxlabel.cli import COMMANDS  # noqa: E402

for args in [[], ["--help"], *([name, "--help"] for name in sorted(COMMANDS))]:
    res = subprocess.run([str(exe), *args], capture_output=True, text=True)
    if res.returncode != 0 or "Traceback" in res.stderr:
        sys.exit(f"rxlabel {' '.join(args)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
print(f"installed rxlabel {rxlabel.__version__} from {Path(rxlabel.__file__).parent}: top level {top}, "
      f"{len(COMMANDS)} commands answer --help")
