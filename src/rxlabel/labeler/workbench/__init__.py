"""The review workbench: a local web page where annotators clear the review queue (``rxlabel review serve``).

``store`` keeps everything in one SQLite file (WAL, append-only decisions), ``assistant`` ranks the queue
and proposes findings, ``agreement`` computes kappas and consensus, ``app`` serves the pages.
"""

from rxlabel.labeler.workbench.store import CERTAINTIES, Store, WorkbenchError

__all__ = ["CERTAINTIES", "Store", "WorkbenchError"]
