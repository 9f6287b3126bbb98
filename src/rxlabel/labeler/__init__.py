"""Rule-based labeller for chest radiograph reports (Spanish, Vietnamese, English reference pack).

>>> import rxlabel.labeler as labeler
>>> lab = labeler.load("es")
>>> lab("Derrame pleural derecho. No se observa neumotórax.").findings
{'pleural effusion': 1, 'pneumothorax': 0}
"""

from __future__ import annotations

from pathlib import Path

from rxlabel.labeler.engine import Labeler, LabelResult
from rxlabel.labeler.pack import Pack, RulePackError, available_packs, load_pack

_CACHE: dict[tuple[str, bool], Labeler] = {}


def load(lang_or_path: str | Path, stemmed: bool = False) -> Labeler:
    """A labeller for an installed pack (``"es"``, ``"vi"``, ``"en"``) or a pack folder; cached per process."""
    key = (str(lang_or_path), stemmed)
    if key not in _CACHE:
        _CACHE[key] = Labeler(lang_or_path, stemmed=stemmed)
    return _CACHE[key]


__all__ = ["Labeler", "LabelResult", "Pack", "RulePackError", "available_packs", "load", "load_pack"]
