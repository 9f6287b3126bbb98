"""rxlabel's data contracts: the names every part reads and writes through.

Regions, label statuses, the label record's fields and flattened columns, the pairs columns, the
manifest columns and the patient key live here once; a package imports these instead of spelling
the names again. The label record's on-disk format (compact format 2, ``encode_record`` /
``decode_record``) is declared here; its one reader and one writer (``read_records``, ``RecordWriter``)
are in :mod:`rxlabel.labeler.io` and build on these; the index reads labels through them too.
"""

from __future__ import annotations

import unicodedata
from typing import Final

# The four anatomical regions of a systematic chest film reading, in report order.
REGIONS: Final[tuple[str, ...]] = ("chest_wall", "pleura", "parenchyma", "cardio")
# Region label columns: the four regions plus ``abnormal``, derived from them and from region-less findings.
REGION_COLUMNS: Final[tuple[str, ...]] = (*REGIONS, "abnormal")

# Label values: present, negated (absent), uncertain. A finding not mentioned is blank (absent from the record).
PRESENT: Final = 1
NEGATED: Final = 0
UNCERTAIN: Final = -1
STATUSES: Final[tuple[int, ...]] = (PRESENT, NEGATED, UNCERTAIN)

# -- the label record (``rxlabel label`` output; reader and writer in rxlabel.labeler.io) ------------
# One JSON object per report; CSV/Parquet flatten it to LABEL_META_COLUMNS + regions + one column per finding.
LABEL_FIELDS: Final[tuple[str, ...]] = ("report_id", "method", "findings", "regions", "evidence", "review_reasons",
                                        "rules_version")
# How a record was labelled; LABELLED_METHODS carry labels a training set may use, "unlabelled" is the review queue.
LABELLED_METHODS: Final[tuple[str, ...]] = ("template", "rule", "review")
METHODS: Final[tuple[str, ...]] = (*LABELLED_METHODS, "unlabelled")


def label_columns(finding_names: list[str] | tuple[str, ...]) -> list[str]:
    """Columns of the flattened (CSV/TSV/Parquet) label record, in order.

    >>> label_columns(["pleural effusion"])[:4]
    ['report_id', 'method', 'rules_version', 'chest_wall']
    >>> label_columns(["pleural effusion"])[-3:]
    ['pleural effusion', 'review_reasons', 'evidence']
    """
    return ["report_id", "method", "rules_version", *REGION_COLUMNS, *finding_names, "review_reasons", "evidence"]


# -- the label record on disk: format 2 (compact), the default of ``rxlabel label --evidence`` --------
# A compact JSONL line is the record above with three changes, each undone by ``decode_record``:
#   * ``regions`` is a list in REGION_COLUMNS order (null where the record has no value);
#   * each evidence item is a list in EVIDENCE_FIELDS order, ``region`` an index into REGIONS (or the
#     region as written, e.g. "none"; null when the item has no region), ``abnormal`` 1/0 (null: none);
#     trailing fields at their EVIDENCE_DEFAULTS value are left off; the item's ``window`` is not stored
#     (it is ``aggregate.clip_window`` of the sentence, recovered with the report text: ``attach_text``);
#     an item the list cannot carry without loss stays a dict;
#   * ``rules_version`` is left out when it is the file's (the run manifest's ``record.rules_version``).
# ``--evidence full`` writes the verbose shape of the previous release (dicts, windows, version per line);
# ``--evidence none`` the compact shape with no evidence. Readers accept every shape, line by line.
LABEL_FORMAT: Final = "rxlabel-labels/2"
EVIDENCE_MODES: Final[tuple[str, ...]] = ("compact", "full", "none")
EVIDENCE_FIELDS: Final[tuple[str, ...]] = ("finding", "status", "start", "end", "sentence_start", "sentence_end",
                                           "rule", "region", "abnormal", "cue", "localizations", "match")
EVIDENCE_DEFAULTS: Final[dict] = {"cue": None, "localizations": [], "match": "exact"}  # may be left off the end
# The keys of a verbose evidence item (labeler.aggregate.evidence_item, plus a mention's region and abnormal).
_ITEM_KEYS: Final = frozenset({"finding", "status", "start", "end", "cue", "rule", "localizations", "match",
                               "sentence", "window", "region", "abnormal"})
_ITEM_REQUIRED: Final = _ITEM_KEYS - {"window", "region", "abnormal"}
_REQUIRED_FIELDS: Final = len(EVIDENCE_FIELDS) - len(EVIDENCE_DEFAULTS)  # a list has at least these


_REGION_INDEX: Final = {r: i for i, r in enumerate(REGIONS)}
_ABSENT: Final = object()


def encode_evidence_item(item: dict) -> list | dict:
    """A verbose evidence item as its EVIDENCE_FIELDS list; the dict itself when a list would lose something.

    >>> encode_evidence_item({"finding": "pleural effusion", "status": 0, "start": 14, "end": 29, "cue": "No",
    ...     "rule": "phrase:derrame pleural", "localizations": [], "match": "exact", "sentence": [0, 30],
    ...     "window": "No se aprecia derrame pleural.", "region": "pleura", "abnormal": True})
    ['pleural effusion', 0, 14, 29, 0, 30, 'phrase:derrame pleural', 1, 1, 'No']
    """
    if not isinstance(item, dict) or not _ITEM_REQUIRED <= item.keys() <= _ITEM_KEYS:
        return item
    span, locs = item["sentence"], item["localizations"]
    region, abnormal = item.get("region", _ABSENT), item.get("abnormal", _ABSENT)
    if span is None:
        if item.get("window") is not None:
            return item  # a window with no offsets to recover it from
        span = (None, None)
    elif not (type(span) is list and len(span) == 2 and type(span[0]) is int and type(span[1]) is int):
        return item  # e.g. the sentence text of files written before evidence carried offsets
    if region is None or abnormal is None or type(locs) is not list or not (region is _ABSENT or isinstance(region, str)):
        return item  # an explicit null would read back as "no region"; odd types stay as they are
    cue, match = item["cue"], item["match"]
    out = [item["finding"], item["status"], item["start"], item["end"], span[0], span[1], item["rule"],
           None if region is _ABSENT else _REGION_INDEX.get(region, region),
           None if abnormal is _ABSENT else int(bool(abnormal))]
    # Trailing fields at their default are left off (EVIDENCE_DEFAULTS: cue None, localizations [], "exact").
    if match != "exact":
        out += [cue, locs, match]
    elif locs:
        out += [cue, locs]
    elif cue is not None:
        out.append(cue)
    return out


def decode_evidence_item(item: list | dict) -> dict:
    """An evidence item of any format as the verbose dict (no ``window``: see ``attach_text``)."""
    if not isinstance(item, list):
        return item
    if not _REQUIRED_FIELDS <= len(item) <= len(EVIDENCE_FIELDS):
        raise ValueError(f"an evidence item has {len(item)} fields; format 2 has {_REQUIRED_FIELDS} to "
                         f"{len(EVIDENCE_FIELDS)} ({', '.join(EVIDENCE_FIELDS)})")
    values = dict(zip(EVIDENCE_FIELDS, item, strict=False))
    out = {"finding": values["finding"], "status": values["status"], "start": values["start"], "end": values["end"],
           "cue": values.get("cue"), "rule": values["rule"], "localizations": list(values.get("localizations") or []),
           "match": values.get("match", "exact"),
           "sentence": None if values["sentence_start"] is None else [values["sentence_start"], values["sentence_end"]]}
    region = values.get("region")
    if region is not None:
        out["region"] = REGIONS[region] if type(region) is int and 0 <= region < len(REGIONS) else region
    if values.get("abnormal") is not None:
        out["abnormal"] = bool(values["abnormal"])
    return out


def encode_record(record: dict, evidence: str = "compact", rules_version: str | None = None) -> dict:
    """The on-disk shape of a label record for ``evidence`` (one of EVIDENCE_MODES), keys in the record's
    order; ``rules_version``: the file's, left out of the line when the record's is the same. ``full``
    returns the record unchanged; keys another tool added are kept as they are."""
    if evidence == "full":
        return record
    out = {}
    for key, value in record.items():
        if key == "regions" and isinstance(value, dict) and value.keys() <= set(REGION_COLUMNS):
            value = [value.get(c) for c in REGION_COLUMNS]
        elif key == "evidence" and isinstance(value, list):
            value = [] if evidence == "none" else [encode_evidence_item(e) for e in value]
        elif key == "rules_version" and rules_version is not None and value == rules_version:
            continue
        out[key] = value
    return out


def decode_record(obj: dict, rules_version: str = "") -> dict:
    """A label record of any format (compact, full, or written by an earlier release) in the verbose shape;
    ``rules_version`` (the run manifest's) fills a line that leaves it out. Unknown keys are kept.
    ValueError for an evidence list of the wrong length."""
    regions = obj.get("regions")
    evidence = obj.get("evidence")
    out = dict(obj)
    if isinstance(regions, list):
        out["regions"] = {c: v for c, v in zip(REGION_COLUMNS, regions, strict=False) if v is not None}
    if isinstance(evidence, list) and any(isinstance(e, list) for e in evidence):
        out["evidence"] = [decode_evidence_item(e) for e in evidence]
    if "rules_version" not in out:
        out["rules_version"] = rules_version
    return out


def record_contract(evidence: str, rules_version: str) -> dict:
    """What a labels file's run manifest says of its records (``record`` in ``<stem>.run.json``)."""
    return {"format": LABEL_FORMAT, "evidence": evidence, "rules_version": rules_version,
            "region_columns": list(REGION_COLUMNS), "regions": list(REGIONS),
            "evidence_fields": list(EVIDENCE_FIELDS), "evidence_defaults": EVIDENCE_DEFAULTS}


# -- the pairs table (``rxlabel match`` output), in column order ---------------------------------------------
PAIR_COLUMNS: Final[tuple[str, ...]] = (
    "image_path", "sop_uid", "study_uid", "series_uid", "patient_id", "study_time", "time_source", "view",
    "session_id", "report_id", "report_time", "text", "conclusion", "rule", "time_basis", "delta_min",
    "resolution", "note", "report_source")

# -- manifests -------------------------------------------------------------------------------------------
SPLITS: Final[tuple[str, ...]] = ("train", "valid", "test")
# ``rxlabel dataset create``: one row per image, its class (query term) and patient-disjoint split.
DATASET_MANIFEST_COLUMNS: Final[tuple[str, ...]] = (
    "image_path", "image_id", "patient_id", "split", "class", "findings", "uncertain", "view", "source")
# What the classifier needs of every manifest; label columns (1/0/-1/blank) follow, one per class.
TRAINING_MANIFEST_COLUMNS: Final[tuple[str, ...]] = ("image_path", "patient_id", "split")


def patient_key(value: object) -> str:
    """The normalised patient key used for matching and patient-disjoint splits.

    Stripped, Unicode-NFKC and case-folded, so ``p000``, ``P000`` and ``P000 `` are one patient.
    Blank (``""``) for a missing value.
    """
    if value is None:
        return ""
    text = str(value)
    if text.lower() in ("nan", "none", "<na>"):
        return ""
    return unicodedata.normalize("NFKC", text).strip().casefold()


__all__ = ["DATASET_MANIFEST_COLUMNS", "EVIDENCE_DEFAULTS", "EVIDENCE_FIELDS", "EVIDENCE_MODES", "LABELLED_METHODS",
           "LABEL_FIELDS", "LABEL_FORMAT", "METHODS", "NEGATED", "PAIR_COLUMNS",
           "PRESENT", "REGIONS", "REGION_COLUMNS", "SPLITS", "STATUSES", "TRAINING_MANIFEST_COLUMNS", "UNCERTAIN",
           "decode_evidence_item", "decode_record", "encode_evidence_item", "encode_record", "label_columns",
           "patient_key", "record_contract"]
