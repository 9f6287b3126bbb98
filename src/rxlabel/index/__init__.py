"""rxlabel index: an inverted index of images by finding, a term hierarchy, and reproducible datasets.

Typical use::

    from rxlabel.index import build_index, open_index, DatasetSpec, make_dataset

    build_index("archive.sqlite", labels=["labels.jsonl"], pairs=["pairs.csv"])
    searcher = open_index("archive.sqlite")
    ids = searcher.search("nodular AND NOT pacemaker").ids          # a roaring bitmap of image ids
    make_dataset("archive.sqlite", DatasetSpec(name="nod", terms=["linear", "nodular"], seed=1))
"""

from rxlabel.index.build import build_index
from rxlabel.index.dataset import DatasetSpec, create
from rxlabel.index.experiments import make_dataset, open_searcher, rebuild
from rxlabel.index.hierarchy import load_hierarchy
from rxlabel.index.query import Searcher, parse
from rxlabel.index.store import load


def open_index(path, hierarchy: str | None = None) -> Searcher:
    """Load an index file with its hierarchy (the one recorded at build unless ``hierarchy`` is given)."""
    return open_searcher(path, hierarchy)[0]


__all__ = ["DatasetSpec", "Searcher", "build_index", "create", "load", "load_hierarchy", "make_dataset",
           "open_index", "parse", "rebuild"]
