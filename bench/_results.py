"""The JSON line every benchmark prints and appends under bench/results/."""

from __future__ import annotations

import json
from pathlib import Path


def emit(record: dict, path: Path, append: bool = True) -> None:
    """Print ``record`` as one JSON line and append it to ``path`` unless ``append`` is false."""
    line = json.dumps(record, ensure_ascii=False)
    print(line)
    if append:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
