"""Quick unique-sentence throughput (no peers, no ceiling): reports per CPU-second, es on BIMCV.

An A/B probe for speed work (run it with each checkout's ``src`` on PYTHONPATH, alternately); the full benchmark
with peers and the phrase-scan ceiling is ``labeler_throughput.py``. Prints one JSON line.
"""
import json
import sys
import time
from pathlib import Path

import rxlabel.labeler  # noqa: F401  (from PYTHONPATH)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labeler_throughput import real_reports, regime_texts  # noqa: E402

from rxlabel.labeler import Labeler  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
texts = regime_texts(real_reports("es"), n, "unique_sentences", 1)
best = 0.0
for _ in range(3):
    lab = Labeler("es")
    t = time.process_time()
    for text in texts:
        lab(text)
    best = max(best, n / (time.process_time() - t))
print(json.dumps({"bench": "speed_quick", "lang": "es", "regime": "unique_sentences", "reports": n,
                  "reports_per_cpu_s": round(best), "best_of": 3}))
