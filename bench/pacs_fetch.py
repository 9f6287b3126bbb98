"""PACS fetch against a real local Orthanc (authentication on, DICOMweb plugin): requests, associations and
wall time of a first run and a rerun over C-GET, C-MOVE, Orthanc REST and DICOMweb.

The archive: ``synth.generate(--patients)`` (chest PA films, laterals, abdomen films, retakes) plus one
20-slice chest CT on the day of the first film. Every protocol fetches what the generated HIS reports
need into its own folder, then again (the rerun must fetch nothing).

    python bench/pacs_fetch.py --patients 40      # ~1-2 minutes on the shared machine

Prints one JSON line and appends it to bench/results/pacs_fetch.jsonl (``--no-append`` to skip).
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from rxlabel.matcher import synth
from rxlabel.matcher.orthanc import LocalOrthanc
from rxlabel.matcher.pacs import FetchOptions, fetch_for_reports


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=40)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    result = {"bench": "pacs_fetch", "patients": args.patients, "seed": args.seed,
              "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": platform.machine(),
              "python": platform.python_version()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        a = synth.generate(args.patients, seed=args.seed)
        synth.write_archive_dicom(a, tmp / "dicom")
        n_ct = len(synth.write_ct_study(a, tmp / "ct"))
        reports = a.reports()
        with LocalOrthanc(tmp / "orthanc") as o:
            files = sorted((tmp / "dicom").rglob("*.dcm")) + sorted((tmp / "ct").glob("*.dcm"))
            result["stored_instances"] = o.load(files)
            result["ct_instances"] = n_ct
            result["reports"] = len(reports)
            os.environ.update({"RXLABEL_PACS_USER": o.user, "RXLABEL_PACS_PASSWORD": o.password})
            runs = {"c-get": (o.dimse, FetchOptions()),
                    "c-move": (o.dimse, FetchOptions(retrieve="move", move_port=o.move_port)),
                    "orthanc-rest": (o.base, FetchOptions()), "dicomweb": (o.dicomweb, FetchOptions())}
            for name, (url, opts) in runs.items():
                for attempt in ("first", "rerun"):
                    t0 = time.perf_counter()
                    got = fetch_for_reports(url, reports, tmp / "out" / name, options=opts, quiet=True)
                    got["seconds"] = round(time.perf_counter() - t0, 2)
                    result[f"{name}.{attempt}"] = got
    line = json.dumps(result, sort_keys=True)
    print(line)
    if not args.no_append:
        out = Path(__file__).parent / "results" / "pacs_fetch.jsonl"
        out.parent.mkdir(exist_ok=True)
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
