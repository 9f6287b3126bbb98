"""FHIR R4 radiology reports: ``DiagnosticReport`` with its ``Patient``, ``Encounter``, ``ImagingStudy`` and
``ServiceRequest``, from JSON (a Bundle, a single resource, or an array) and NDJSON bulk-export files.

Plain ``json`` is enough: only a dozen paths of five resource types are read, and FHIR's own models
(fhir.resources, pydantic) would reject a whole export for one invalid field where a hospital needs
the rest read and the one defect listed. Resources referenced across files (a bulk export writes one
NDJSON file per type) are resolved over every FHIR file of the run.

What becomes of a DiagnosticReport:

- ``report_id``: ``id`` (else the first ``identifier.value``); ``patient_id``: the referenced Patient's
  medical-record identifier (type ``MR``), else its first identifier, else ``subject.identifier``;
- ``report_time``: ``issued``; ``study_time``: ``effectiveDateTime`` / ``effectivePeriod.start``, else
  the ImagingStudy's ``started``; ``check_in``/``check_out``: the Encounter's ``period``;
- ``study_uids``: each referenced ImagingStudy's ``urn:dicom:uid`` identifier (``urn:oid:`` stripped);
  ``accession``: an identifier of type ``ACSN`` on the ImagingStudy, the report or its ServiceRequest;
- ``text``: ``presentedForm`` of type ``text/plain`` (``data`` base64, charset honoured), else the
  narrative ``text.div`` with its paragraphs and list items as lines; ``conclusion``: ``conclusion``.

A report with status ``entered-in-error`` or ``cancelled`` is listed as an error and not read.
"""

import base64
import binascii
import json
from collections.abc import Iterable
from pathlib import Path

from rxlabel.matcher.his import HisBatch, Problem, Report, _nfc
from rxlabel.matcher.times import parse_his_time
from rxlabel.matcher.xmlsafe import XmlInputError, narrative_text, parse_bytes

FHIR_SUFFIXES = (".json", ".ndjson", ".jsonl")
_REJECTED_STATUS = {"entered-in-error", "cancelled"}


def looks_like_fhir(path: Path, head: bytes) -> bool:
    """A FHIR JSON/NDJSON file by suffix, or JSON that begins like a resource."""
    return path.suffix.lower() in FHIR_SUFFIXES or head[:1] in (b"{", b"[")


def _resources(data: bytes, source: str, problems: list[Problem]) -> list[tuple[dict, int]]:
    """(resource, line) pairs of one file: NDJSON (one resource a line) or JSON (Bundle, array, resource)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(source, None, "error", f"FHIR JSON must be UTF-8 ({exc}); re-export as UTF-8"))
        return []
    out: list[tuple[dict, int]] = []
    stripped = text.strip()
    try:
        whole = json.loads(stripped) if stripped else None
    except json.JSONDecodeError:
        whole = None
    if whole is None:  # NDJSON, or a broken file: read line by line, report each bad line
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                out.append((json.loads(line), i))
            except json.JSONDecodeError as exc:
                problems.append(Problem(source, i, "error", f"invalid JSON: {exc.msg} (column {exc.colno})"))
        if not out and not [p for p in problems if p.source == source]:
            problems.append(Problem(source, None, "error", "empty FHIR file"))
    else:
        out = [(r, 1) for r in (whole if isinstance(whole, list) else [whole])]
    flat: list[tuple[dict, int]] = []
    for res, line in out:
        if not isinstance(res, dict) or "resourceType" not in res:
            problems.append(Problem(source, line, "error", "JSON without a FHIR resourceType: not a FHIR resource"))
            continue
        if res["resourceType"] == "Bundle":
            flat.extend((e["resource"], line) for e in res.get("entry") or [] if isinstance(e.get("resource"), dict))
        else:
            flat.append((res, line))
    for res, _ in list(flat):  # contained resources resolve like any other (#id references)
        flat.extend((c, 0) for c in res.get("contained") or [] if isinstance(c, dict))
    return flat


class _Pool:
    def __init__(self):
        self.by_ref: dict[str, dict] = {}
        self.reports: list[tuple[dict, str]] = []

    def add(self, res: dict, source: str) -> None:
        kind, rid = res.get("resourceType", ""), res.get("id")
        if rid:
            self.by_ref[f"{kind}/{rid}"] = res
            self.by_ref.setdefault(f"#{rid}", res)
        for ident in res.get("identifier") or []:
            if isinstance(ident, dict) and ident.get("value"):
                self.by_ref.setdefault(f"{kind}?identifier={ident.get('system', '')}|{ident['value']}", res)
        if kind == "DiagnosticReport":
            self.reports.append((res, source))

    def get(self, ref: dict | None) -> dict | None:
        if not isinstance(ref, dict):
            return None
        r = ref.get("reference") or ""
        if r:
            # Absolute references (https://server/fhir/Patient/1) resolve by their last two segments.
            key = r if r.startswith("#") else "/".join(r.rstrip("/").split("/")[-2:])
            return self.by_ref.get(key)
        ident = ref.get("identifier") or {}
        if ident.get("value") and ref.get("type"):
            return self.by_ref.get(f"{ref['type']}?identifier={ident.get('system', '')}|{ident['value']}")
        return None


def _typed(idents: Iterable, code: str) -> str:
    for i in idents or []:
        codes = {c.get("code") for c in ((i.get("type") or {}).get("coding") or [])}
        if code in codes and i.get("value"):
            return _nfc(i["value"])
    return ""


def _patient_id(pool: _Pool, dr: dict, notes: list[str]) -> str:
    subj = dr.get("subject") or {}
    pat = pool.get(subj)
    if pat is not None:
        idents = pat.get("identifier") or []
        pid = _typed(idents, "MR") or next((_nfc(i["value"]) for i in idents if i.get("value")), "")
        if pid:
            return pid
    if (subj.get("identifier") or {}).get("value"):
        return _nfc(subj["identifier"]["value"])
    ref = subj.get("reference") or ""
    if ref:
        notes.append(f"subject {ref} not found with an identifier: patient id is the FHIR resource id")
        return _nfc(ref.rsplit("/", 1)[-1])
    return ""


def _text(dr: dict, source: str, notes: list[str]) -> str:
    for form in dr.get("presentedForm") or []:
        ctype = (form.get("contentType") or "").lower()
        if not ctype.startswith("text/plain") or not form.get("data"):
            continue
        charset = "utf-8"
        for part in ctype.split(";")[1:]:
            k, _, v = part.strip().partition("=")
            if k == "charset" and v:
                charset = v.strip('"')
        try:
            raw = base64.b64decode(form["data"], validate=True)
            return _nfc(raw.decode(charset)).replace("\r\n", "\n")
        except (binascii.Error, UnicodeDecodeError, LookupError) as exc:
            notes.append(f"presentedForm text/plain cannot be decoded ({exc}); narrative used instead")
    div = (dr.get("text") or {}).get("div")
    if div:
        try:
            return narrative_text(parse_bytes(div.encode("utf-8"), source + " (text.div)").root)
        except XmlInputError as exc:
            notes.append(f"narrative text.div unreadable: {exc.reason}")
    return ""


def _dicom_uid(study: dict) -> str:
    for i in study.get("identifier") or []:
        if i.get("system") == "urn:dicom:uid" and i.get("value"):
            return _nfc(i["value"]).removeprefix("urn:oid:")
    return ""


def _code(dr: dict) -> tuple[str, str]:
    code = dr.get("code") or {}
    coding = next(iter(code.get("coding") or []), {})
    return _nfc(coding.get("code")), _nfc(code.get("text") or coding.get("display"))


def _report(pool: _Pool, dr: dict, source: str, problems: list[Problem]) -> Report | None:
    notes: list[str] = []
    rid = _nfc(dr.get("id")) or next((_nfc(i["value"]) for i in dr.get("identifier") or [] if i.get("value")), "")
    if not rid:
        rid = source
        notes.append("DiagnosticReport without id or identifier: report id is its file and line")
    status = dr.get("status") or ""
    if status in _REJECTED_STATUS:
        problems.append(Problem(source, None, "error", f"DiagnosticReport {rid} has status {status}: not read"))
        return None
    uids: list[str] = []
    accession = _typed(dr.get("identifier"), "ACSN")
    started = None
    for ref in dr.get("imagingStudy") or []:
        study = pool.get(ref)
        uid = _dicom_uid(study) if study else ""
        if not uid and (ref.get("identifier") or {}).get("system") == "urn:dicom:uid":
            uid = _nfc(ref["identifier"].get("value")).removeprefix("urn:oid:")
        if study is None and not uid:
            notes.append(f"imagingStudy {ref.get('reference') or ref} not found")
        if uid and uid not in uids:
            uids.append(uid)
        if study:
            accession = accession or _typed(study.get("identifier"), "ACSN")
            started = started or study.get("started")
    for ref in dr.get("basedOn") or []:
        req = pool.get(ref)
        if req:
            accession = accession or _typed(req.get("identifier"), "ACSN")
    enc = pool.get(dr.get("encounter")) or {}
    period = enc.get("period") or {}
    eff = dr.get("effectiveDateTime") or (dr.get("effectivePeriod") or {}).get("start") or started
    svc_id, svc_name = _code(dr)
    report_time = parse_his_time(dr.get("issued"))
    if dr.get("issued") and report_time is None:
        notes.append(f"unparseable issued {dr['issued']!r}")
    text = _text(dr, source, notes)
    if len(uids) > 1:
        notes.append(f"{len(uids)} study UIDs in one report")
    return Report(
        report_id=rid, source=source, source_format="fhir", patient_id=_patient_id(pool, dr, notes),
        session_id=_nfc(enc.get("id")), check_in=parse_his_time(period.get("start")),
        check_out=parse_his_time(period.get("end")), service_id=svc_id, service_name=svc_name,
        report_time=report_time, study_time=parse_his_time(eff), accession=accession, study_uids=tuple(uids),
        text=text, conclusion=_nfc(dr.get("conclusion")), notes=notes,
    )


def read_fhir(files: Iterable[Path]) -> HisBatch:
    """Every DiagnosticReport in ``files`` (JSON or NDJSON), references resolved across all of them."""
    batch = HisBatch()
    pool = _Pool()
    for f in files:
        batch.files += 1
        try:
            data = Path(f).read_bytes()
        except OSError as exc:
            batch.problems.append(Problem(str(f), None, "error", f"cannot read: {exc.strerror or exc}"))
            continue
        n_before = len(pool.reports)
        resources = _resources(data, str(f), batch.problems)
        for res, line in resources:
            pool.add(res, f"{f}:{line}" if line else str(f))
        if resources and len(pool.reports) == n_before and not any(
                r.get("resourceType") in ("Patient", "ImagingStudy", "Encounter", "ServiceRequest")
                for r, _ in resources):
            kinds = sorted({str(r.get("resourceType")) for r, _ in resources})
            batch.problems.append(Problem(str(f), None, "warning", f"no DiagnosticReport (only {', '.join(kinds)})"))
    for dr, source in pool.reports:
        rep = _report(pool, dr, source, batch.problems)
        if rep is not None:
            batch.reports.append(rep)
    return batch
