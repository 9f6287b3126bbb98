"""Quick unique-sentence throughput (no peers, no ceiling): reports per CPU-second, es on BIMCV."""
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
print(f"es unique_sentences {n} reports: {best:,.0f} reports/CPU-s (best of 3)")
