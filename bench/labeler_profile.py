"""cProfile of ``Labeler.label`` in one regime of bench/labeler_throughput.py (issue 14's profiles).

    PYTHONPATH=src python bench/labeler_profile.py es unique_sentences 3000        # top 30 by own time
    PYTHONPATH=src python bench/labeler_profile.py es repeats 4000 --sort cumulative

A fresh ``Labeler`` per run; for ``repeats`` its sentence cache is warmed by a first pass, as in the benchmark.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

import rxlabel.labeler  # from PYTHONPATH, before the benchmark module puts the repository's src first

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labeler_throughput import REGIMES, real_reports, regime_texts  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lang", choices=["es", "vi"])
    parser.add_argument("regime", choices=REGIMES)
    parser.add_argument("reports", type=int, nargs="?", default=3000)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    reports = real_reports(args.lang)
    if not reports:
        raise SystemExit("the real reports are not in ../shared/data")
    texts = regime_texts(reports, args.reports, args.regime, 1)
    lab = rxlabel.labeler.Labeler(args.lang)
    if args.regime == "repeats":
        for text in texts:
            lab(text)
    profile = cProfile.Profile()
    profile.runcall(lambda: [lab(t) for t in texts])
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
