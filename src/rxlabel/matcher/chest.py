"""Chest PA radiograph filter on DICOM header records, with a hook for a user's view classifier."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import regex

from rxlabel.errors import OptionError

# A view classifier gets the file path and its header record and answers "PA", "AP", "LAT" or "unknown".
ViewClassifier = Callable[[str, dict], str]

RADIOGRAPHY = {"CR", "DX"}
_CHEST_WORDS = regex.compile(
    r"\b(chest|thorax|thoracic|torax|tórax|t[oó]rax|pecho|lung|lungs|pulm\w*|cxr|ngực|nguc|tim phổi|tim phoi|"
    r"phổi|phoi|rx\s*t[oó]rax)\b", regex.I
)
_OTHER_BODY = regex.compile(
    r"\b(abdomen|pelvis|skull|head|hand|foot|knee|hip|spine|[cltl]-?spine|shoulder|elbow|wrist|ankle|femur|"
    r"breast|mamm\w*|dental|sinus|bụng|bung|cột sống|cot song)\b", regex.I
)
_PA = regex.compile(r"(?<![A-Za-z])(p\W?a|postero\W?anterior|thẳng|thang|frontal\s+pa)(?![A-Za-z])", regex.I)
_AP = regex.compile(r"(?<![A-Za-z])(a\W?p|antero\W?posterior|supine|portable|decubitus|en cama)(?![A-Za-z])", regex.I)
_LAT = regex.compile(r"(?<![A-Za-z])(lat|lateral|ll|rl|nghiêng|nghieng|perfil)(?![A-Za-z])", regex.I)
_VIEW_TAG = {"PA": "PA", "AP": "AP", "LL": "LAT", "RL": "LAT", "LAT": "LAT", "LATERAL": "LAT", "RLD": "AP",
             "LLD": "AP", "LPO": "OBL", "RPO": "OBL", "LAO": "OBL", "RAO": "OBL"}


@dataclass(frozen=True)
class ChestDecision:
    keep: bool
    view: str  # PA, AP, LAT, OBL or unknown
    body: str  # chest, unknown, or the non-chest body part
    reason: str  # why it was dropped, or how the view was decided


def body_of(rec: dict) -> str:
    """``chest``, ``unknown`` or the named non-chest part, from BodyPartExamined then the free-text descriptions."""
    bp = (rec.get("body_part") or "").strip()
    if bp:
        if _CHEST_WORDS.search(bp.replace("_", " ")):
            return "chest"
        return bp.lower()
    text = " ".join(rec.get(k) or "" for k in ("protocol", "series_desc", "study_desc"))
    if _CHEST_WORDS.search(text):
        return "chest"
    m = _OTHER_BODY.search(text)
    return m.group(0).lower() if m else "unknown"


def view_of(rec: dict) -> tuple[str, str]:
    """(view, evidence) from ViewPosition, then PatientOrientation, then protocol and description text."""
    vp = (rec.get("view_position") or "").strip().upper()
    if vp in _VIEW_TAG:
        return _VIEW_TAG[vp], "ViewPosition"
    po = (rec.get("patient_orientation") or "").upper().split("\\")
    if po and po[0] in ("A", "P"):
        # Rows running anterior/posterior only happen on a lateral projection.
        return "LAT", "PatientOrientation"
    for key in ("protocol", "series_desc"):
        text = rec.get(key) or ""
        hits = [name for name, rx in (("PA", _PA), ("AP", _AP), ("LAT", _LAT)) if rx.search(text)]
        if len(hits) == 1:
            return hits[0], key
    return "unknown", ""


def classify(rec: dict, view_classifier: ViewClassifier | None = None) -> ChestDecision:
    """Keep CR/DX chest PA images; an undecidable view is kept as ``unknown`` unless a classifier decides."""
    modality = (rec.get("modality") or "").strip().upper()
    if modality and modality not in RADIOGRAPHY:
        return ChestDecision(False, "unknown", "", f"modality {modality} is not CR/DX")
    body = body_of(rec)
    if body not in ("chest", "unknown"):
        return ChestDecision(False, "unknown", body, f"body part {body!r} is not chest")
    view, how = view_of(rec)
    if view == "unknown" and view_classifier is not None:
        answer = (view_classifier(rec.get("path", ""), rec) or "unknown").strip().upper()
        view, how = _VIEW_TAG.get(answer, "unknown" if answer == "UNKNOWN" else answer), "view classifier"
    if view not in ("PA", "unknown"):
        return ChestDecision(False, view, body, f"view {view} ({how}), not PA")
    notes = []
    if not modality:
        notes.append("no Modality")
    if body == "unknown":
        notes.append("body part unknown")
    notes.append(f"view {view} from {how}" if how else "view unknown: tags cannot decide")
    return ChestDecision(True, view, body, "; ".join(notes))


def load_view_classifier(spec: str | None) -> ViewClassifier | None:
    """``package.module:function`` to the callable, for ``--view-classifier``."""
    if not spec:
        return None
    module, _, attr = spec.partition(":")
    if not attr:
        raise OptionError(f"--view-classifier {spec!r}: expected 'module:function'")
    try:
        found = importlib.import_module(module)
    except ImportError as exc:
        raise OptionError(f"--view-classifier {spec!r}: cannot import {module} ({exc})") from None
    fn = getattr(found, attr, None)
    if not callable(fn):
        raise OptionError(f"--view-classifier {spec!r}: {attr} is not a function in {module}")
    return fn
