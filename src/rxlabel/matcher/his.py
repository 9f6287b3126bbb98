"""HIS report readers: visit-session XML exports (YAML XPath mapping), HL7 CDA imaging reports, HL7 v2 ORU^R01,
and FHIR R4 DiagnosticReport JSON / NDJSON (:mod:`rxlabel.matcher.fhir`).

Every reader returns :class:`Report` records plus :class:`Problem` lines. A file that cannot be
read becomes one error problem naming the file and line; the rest of the batch goes on.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from lxml import etree

from rxlabel.errors import OptionError
from rxlabel.matcher.times import Stamp, parse_dt, parse_his_time
from rxlabel.matcher.xmlsafe import UTF8_SEQUENCE, XmlInputError, local, narrative_text, parse_bytes, text_of

HL7_NS = "urn:hl7-org:v3"
# DICOM "Study" concept (DCM 113014): the code HL7 v2 OBX and CDA catalog acts use for a Study Instance UID.
DCM_STUDY = "113014"


@dataclass
class Report:
    """One report as read from the HIS; times keep their source offset (or none)."""

    report_id: str
    source: str
    source_format: str
    patient_id: str = ""
    session_id: str = ""
    check_in: Stamp | None = None
    check_out: Stamp | None = None
    service_id: str = ""
    service_name: str = ""
    report_time: Stamp | None = None
    study_time: Stamp | None = None
    accession: str = ""
    study_uids: tuple[str, ...] = ()
    text: str = ""
    conclusion: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Problem:
    """A defect found while reading: ``level`` is ``error`` (item lost to this run, listed) or ``warning``."""

    source: str
    line: int | None
    level: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{self.level}: {where}: {self.reason}"


@dataclass
class HisBatch:
    reports: list[Report] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0


def _nfc(s: str | None) -> str:
    return unicodedata.normalize("NFC", s or "").strip()


# ---------------------------------------------------------------- session export (YAML mapping)


@dataclass(frozen=True)
class Mapping:
    name: str
    session: etree.XPath
    session_fields: dict[str, etree.XPath]
    report: etree.XPath
    report_fields: dict[str, etree.XPath]
    time_format: str | None


_SESSION_KEYS = {"session_id", "patient_id", "check_in", "check_out"}
_REPORT_KEYS = {"report_id", "service_id", "service_name", "report_time", "text", "conclusion", "accession",
                "study_uid", "patient_id", "study_time"}


def load_mapping(path: str | Path | None = None) -> Mapping:
    """Load an XPath mapping (YAML); None gives the bundled session-export mapping."""
    if path is None:
        raw = resources.files("rxlabel.matcher").joinpath("mappings/session_export.yaml").read_text("utf-8")
        where = "matcher/mappings/session_export.yaml"
    else:
        raw = Path(path).read_text("utf-8")
        where = str(path)
    try:
        spec = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise OptionError(f"{where}:{(line or 0) + 1}: invalid YAML: {exc}") from None
    if not isinstance(spec, dict):
        raise OptionError(f"{where}: a mapping must be a YAML dictionary")
    for key in ("session", "report", "report_fields"):
        if key not in spec:
            raise OptionError(f"{where}: missing key '{key}'")

    def compile_fields(d: dict, allowed: set[str], section: str) -> dict[str, etree.XPath]:
        out = {}
        for k, expr in (d or {}).items():
            if k not in allowed:
                raise OptionError(f"{where}: unknown field '{k}' in {section} (known: {', '.join(sorted(allowed))})")
            if expr:
                out[k] = _xpath(f"string({expr})", where, f"{section}.{k}")
        return out

    tf = spec.get("time_format") or "auto"
    return Mapping(
        name=str(spec.get("name", Path(where).stem)),
        session=_xpath(spec["session"], where, "session"),
        session_fields=compile_fields(spec.get("session_fields"), _SESSION_KEYS, "session_fields"),
        report=_xpath(spec["report"], where, "report"),
        report_fields=compile_fields(spec["report_fields"], _REPORT_KEYS, "report_fields"),
        time_format=None if tf == "auto" else tf,
    )


def _xpath(expr: str, where: str, key: str) -> etree.XPath:
    try:
        return etree.XPath(expr)
    except etree.XPathSyntaxError as exc:
        raise OptionError(f"{where}: invalid XPath for '{key}': {expr!r} ({exc})") from None


def read_session_export(root: etree._Element, source: str, mapping: Mapping) -> HisBatch:
    """Reports of a session export already parsed into ``root``."""
    batch = HisBatch()
    sessions = mapping.session(root)
    if not sessions:
        batch.problems.append(Problem(source, None, "error", f"no session element matched mapping '{mapping.name}'"))
        return batch
    for s_idx, sess in enumerate(sessions):
        sf = {k: _nfc(x(sess)) for k, x in mapping.session_fields.items()}
        line = sess.sourceline
        check_in = parse_his_time(sf.get("check_in"), mapping.time_format)
        check_out = parse_his_time(sf.get("check_out"), mapping.time_format)
        s_notes = []
        for k, st in (("check_in", check_in), ("check_out", check_out)):
            if sf.get(k) and st is None:
                s_notes.append(f"unparseable {k} {sf[k]!r}")
        if check_in and check_out and check_out.local < check_in.local:
            s_notes.append("check_out before check_in")
        reports = mapping.report(sess)
        if not reports:
            batch.problems.append(Problem(source, line, "warning", f"session {sf.get('session_id') or s_idx} has no report"))
        for r_idx, rep in enumerate(reports):
            rf = {k: x(rep) for k, x in mapping.report_fields.items()}
            text = unicodedata.normalize("NFC", (rf.get("text") or "")).strip()
            notes = list(s_notes)
            rid = _nfc(rf.get("report_id"))
            if not rid:
                rid = f"{sf.get('session_id') or Path(source).name}#{s_idx}.{r_idx}"
                notes.append("no report id in the export; id made from session and position")
            rtime = parse_his_time(_nfc(rf.get("report_time")), mapping.time_format)
            if rf.get("report_time") and rtime is None:
                notes.append(f"unparseable report_time {_nfc(rf.get('report_time'))!r}")
            uid = _nfc(rf.get("study_uid"))
            batch.reports.append(Report(
                report_id=rid, source=f"{source}:{rep.sourceline}" if rep.sourceline else source,
                source_format=mapping.name,
                patient_id=_nfc(rf.get("patient_id")) or sf.get("patient_id", ""),
                session_id=sf.get("session_id", ""), check_in=check_in, check_out=check_out,
                service_id=_nfc(rf.get("service_id")), service_name=_nfc(rf.get("service_name")),
                report_time=rtime, study_time=parse_his_time(_nfc(rf.get("study_time")), mapping.time_format),
                accession=_nfc(rf.get("accession")), study_uids=(uid,) if uid else (),
                text=text, conclusion=_nfc(rf.get("conclusion")), notes=notes,
            ))
    return batch


# ---------------------------------------------------------------- HL7 CDA


def _first(el: etree._Element, path: str) -> etree._Element | None:
    found = el.xpath(path, namespaces={"h": HL7_NS})
    return found[0] if found else None


def _attr(el: etree._Element | None, name: str) -> str:
    return _nfc(el.get(name)) if el is not None else ""


def _strip_ns(root: etree._Element) -> etree._Element:
    """CDA fragments arrive with and without the HL7 namespace; read both with one set of paths."""
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = etree.QName(el).localname
    etree.cleanup_namespaces(root)
    return root


def read_cda(root: etree._Element, source: str) -> HisBatch:
    """An HL7 CDA imaging report (whole ClinicalDocument or a results section)."""
    batch = HisBatch()
    root = _strip_ns(root)
    notes: list[str] = []
    name = local(root.tag)
    if name not in ("ClinicalDocument", "section"):
        batch.problems.append(Problem(source, root.sourceline, "error", f"not a CDA document (root <{name}>)"))
        return batch
    if name == "section":
        notes.append("CDA fragment (a section, not a ClinicalDocument): no header, so no patient id")
    pid = _attr(_first(root, "recordTarget/patientRole/id[@extension][1]"), "extension")
    doc_id = _first(root, "id")
    rid = ":".join(x for x in (_attr(doc_id, "root"), _attr(doc_id, "extension")) if x)
    acc = _attr(_first(root, "inFulfillmentOf/order/id[@extension][1]"), "extension")
    acc = acc or _nfc(text_of(_first(root, ".//*[local-name()='accessionNumber']")))
    uids: list[str] = []
    for el in root.xpath("documentationOf/serviceEvent/id[@root and not(@extension)]"
                         f" | .//act[code/@code='{DCM_STUDY}']/id[@root]"):
        u = _attr(el, "root")
        if u and u not in uids:
            uids.append(u)
    svc = _first(root, "documentationOf/serviceEvent/code")
    title = text_of(_first(root, "title"))
    study_time = _ts(_first(root, "documentationOf/serviceEvent/effectiveTime/low"), "value") or \
        _ts(_first(root, "documentationOf/serviceEvent/effectiveTime"), "value") or \
        _ts(_first(root, ".//observation/effectiveTime"), "value")
    report_time = _ts(_first(root, "author/time"), "value") or _ts(_first(root, ".//author/time"), "value") or \
        _ts(_first(root, "effectiveTime"), "value")
    sections = root.xpath("component/structuredBody/component/section | .//section") if name != "section" else [root]
    parts, seen = [], set()
    for sec in sections:
        t = narrative_text(_first(sec, "text"))
        if not t or id(sec) in seen:
            continue
        seen.add(id(sec))
        head = text_of(_first(sec, "title"))
        # A one-line section stays "Title: text"; a structured one keeps its lines under the title.
        parts.append((f"{head}:\n{t}" if "\n" in t else f"{head}: {t}") if head else t)
    if not rid:
        rid = f"{Path(source).name}"
        notes.append("no document id; report id is the file name")
    if svc is not None and title and "chest" in title.lower() and _attr(svc, "code") and \
            "chest" not in _attr(svc, "displayName").lower():
        notes.append(f"service code {_attr(svc, 'code')} ({_attr(svc, 'displayName')}) disagrees with title {title!r}")
    if len(uids) > 1:
        notes.append(f"{len(uids)} study UIDs in one report")
    batch.reports.append(Report(
        report_id=rid, source=f"{source}:{root.sourceline or 1}", source_format="cda", patient_id=pid,
        service_id=_attr(svc, "code") if svc is not None else _attr(_first(root, ".//organizer/code"), "code"),
        service_name=(_attr(svc, "displayName") if svc is not None else "") or title,
        report_time=report_time, study_time=study_time, accession=acc, study_uids=tuple(uids),
        text="\n".join(parts), notes=notes,
    ))
    return batch


def _ts(el: etree._Element | None, attr: str) -> Stamp | None:
    return parse_dt(el.get(attr)) if el is not None and el.get(attr) else None


# ---------------------------------------------------------------- HL7 v2 ORU^R01

_HL7_CHARSETS = {"8859/1": "latin-1", "UNICODE UTF-8": "utf-8", "ASCII": "ascii", "": "utf-8"}


def _hl7_charset(data: bytes) -> str:
    """The Python codec of the first message's MSH-18 (UTF-8 when it is empty or unknown)."""
    head = data[:2048].decode("latin-1")
    fields = head.split("\r")[0].split("\n")[0].split("|")
    declared = fields[17].strip() if len(fields) > 17 else ""
    return _HL7_CHARSETS.get(declared.upper(), _HL7_CHARSETS.get(declared, "utf-8"))


def _decode_hl7(data: bytes) -> tuple[str, str]:
    """``(text, encoding read)``, by MSH-18 unless the bytes say otherwise."""
    enc = _hl7_charset(data)
    if enc == "latin-1" and UTF8_SEQUENCE.search(data):
        try:  # MSH-18 says 8859/1 but the bytes are UTF-8: read as declared, every accent would be mojibake
            return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
        except UnicodeDecodeError:
            pass
    for candidate in (enc, "utf-8", "windows-1258"):
        try:
            return unicodedata.normalize("NFC", data.decode(candidate)), candidate
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1"), "latin-1"


def read_hl7v2(data: bytes, source: str) -> HisBatch:
    """HL7 v2 ORU^R01 radiology results (one or more messages per file), parsed with python-hl7."""
    import hl7  # python-hl7: maintained v2 parser; imported here so XML-only users don't pay for it

    batch = HisBatch()
    text, enc = _decode_hl7(data)
    if enc == "utf-8" and _hl7_charset(data) == "latin-1":
        batch.problems.append(Problem(source, 1, "warning", "MSH-18 declares 8859/1 (ISO-8859-1) but the bytes are "
                                      "UTF-8; read as UTF-8. Fix: MSH-18 'UNICODE UTF-8' in the interface engine"))
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    messages: list[tuple[int, list[str]]] = []
    for i, seg in enumerate(text.split("\r"), start=1):
        if not seg.strip():
            continue
        if seg.startswith("MSH") or not messages:
            messages.append((i, []))
        messages[-1][1].append(seg)
    for start_line, segs in messages:
        if not segs[0].startswith("MSH"):
            batch.problems.append(Problem(source, start_line, "error", "HL7 v2 message does not start with MSH"))
            continue
        try:
            msg = hl7.parse("\r".join(segs))
            batch.reports.extend(_oru_reports(msg, source, start_line, enc, batch.problems))
        except Exception as exc:  # python-hl7 raises bare Exception types for malformed segments
            batch.problems.append(Problem(source, start_line, "error", f"malformed HL7 v2 message: {exc}"))
    return batch


def _f(seg, n: int) -> str:
    try:
        return str(seg[n])
    except (IndexError, KeyError):
        return ""


def _comp(value: str, i: int, sep: str = "^") -> str:
    parts = value.split(sep)
    return parts[i].strip() if i < len(parts) else ""


def _oru_reports(msg, source: str, line: int, enc: str, problems: list[Problem]) -> list[Report]:
    msh = msg.segment("MSH")
    mtype = _f(msh, 9)
    control = _f(msh, 10)
    if not mtype.startswith("ORU"):
        problems.append(Problem(source, line, "error", f"message {control} is {mtype or 'untyped'}, not ORU^R01: skipped"))
        return []
    try:
        pid = msg.segment("PID")
    except KeyError:
        pid = None
    patient = _comp(_f(pid, 3).split("~")[0], 0) if pid is not None else ""
    reports: list[Report] = []
    obrs = [s for s in msg if str(s[0]) == "OBR"]
    if not obrs:
        problems.append(Problem(source, line, "error", f"message {control}: no OBR segment"))
        return []
    current: Report | None = None
    texts: list[str] = []
    for seg in msg:
        kind = str(seg[0])
        if kind == "OBR":
            if current is not None:
                current.text = "\n".join(texts)
                reports.append(current)
            texts = []
            idx = len(reports)
            placer, filler = _comp(_f(seg, 2), 0), _comp(_f(seg, 3), 0)
            rid = f"{control}.{idx + 1}" if len(obrs) > 1 else control
            current = Report(
                report_id=rid or filler or placer, source=f"{source}:{line}", source_format="hl7v2",
                patient_id=patient, service_id=_comp(_f(seg, 4), 0), service_name=_comp(_f(seg, 4), 1),
                study_time=parse_dt(_comp(_f(seg, 7), 0)),
                report_time=parse_dt(_comp(_f(seg, 22), 0)) or parse_dt(_comp(_f(msh, 7), 0)),
                accession=_comp(_f(seg, 18), 0), notes=[f"text read as {enc}"] if enc == "windows-1258" else [],
            )
        elif kind == "OBX" and current is not None:
            vtype, code, value = _f(seg, 2), _f(seg, 3), _f(seg, 5)
            code_id, code_name = _comp(code, 0), _comp(code, 1)
            if code_id == DCM_STUDY:
                uid = value.strip()
                if uid and uid not in current.study_uids:
                    current.study_uids = (*current.study_uids, uid)
            elif "UID" in code_name:
                continue
            elif vtype == "ED" and "xml" in value.lower():
                xml = value.split("^", 4)[4] if value.count("^") >= 4 else value
                _merge_embedded_cda(current, xml.encode("utf-8"), f"{source}:{line}", problems)
            elif vtype in ("TX", "FT", "ST") and value.strip():
                texts.append(_hl7_text(msg, value, enc))
            elif vtype == "CE" and value.strip():
                texts.append(_comp(value, 1) or _comp(value, 0))
            if not current.report_time and _f(seg, 14):
                current.report_time = parse_dt(_comp(_f(seg, 14), 0))
    if current is not None:
        current.text = "\n".join(texts) if texts or not current.text else current.text
        reports.append(current)
    for r in reports:
        if len(r.study_uids) > 1:
            r.notes.append(f"{len(r.study_uids)} different study UIDs in one message: {', '.join(r.study_uids)}")
    return reports


_HL7_HEX = re.compile(r"\\X([0-9A-Fa-f]{2,})\\")


def _hl7_text(msg, value: str, enc: str = "utf-8") -> str:
    """An OBX-5 text value with HL7 escapes resolved by python-hl7 (``\\T\\`` -> ``&``, ``\\F\\`` -> ``|``,
    ``\\S\\``, ``\\R\\``, ``\\E\\``); ``\\Xhh..\\`` bytes are decoded in the message's charset
    (MSH-18), which python-hl7 would read as Latin-1; ``\\.br\\`` and repetitions (``~``) become lines."""
    lines = []
    for rep in value.split(msg.separators[2] if len(msg.separators) > 2 else "~"):
        pieces = _HL7_HEX.split(rep)  # even: escaped text, odd: hex bytes
        text = "".join(
            bytes.fromhex(x if len(x) % 2 == 0 else x[:-1]).decode(enc, errors="replace") if i % 2
            else (msg.unescape(x) if "\\" in x else x)
            for i, x in enumerate(pieces))
        lines.extend(x.strip() for x in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return unicodedata.normalize("NFC", "\n".join(x for x in lines if x))


def _merge_embedded_cda(rep: Report, xml: bytes, source: str, problems: list[Problem]) -> None:
    try:
        parsed = parse_bytes(xml, source + " (OBX-5 embedded CDA)")
    except XmlInputError as exc:
        problems.append(Problem(source, None, "warning", str(exc)))
        return
    cda = read_cda(parsed.root, source).reports
    if not cda:
        return
    c = cda[0]
    rep.text = c.text
    rep.accession = rep.accession if rep.accession and not is_placeholder_accession(c.accession) else c.accession
    for u in c.study_uids:
        if u not in rep.study_uids:
            rep.study_uids = (*rep.study_uids, u)
    if c.patient_id and rep.patient_id and c.patient_id != rep.patient_id:
        rep.notes.append(f"embedded CDA patient id {c.patient_id!r} differs from PID-3 {rep.patient_id!r}")
    rep.patient_id = rep.patient_id or c.patient_id
    rep.report_time = rep.report_time or c.report_time
    rep.study_time = rep.study_time or c.study_time


# ---------------------------------------------------------------- dispatch

_PLACEHOLDER_ACCESSIONS = {
    "", "accessionnumber", "accession number", "accession", "exam number", "examnumber", "unknown", "none", "null",
    "n/a", "na", "-", "--", "0", "none given", "not available", "tbd", "x",
}


def is_placeholder_accession(value: str | None) -> bool:
    """True for empty, template-text or all-zero accession numbers seen in real archives."""
    v = " ".join((value or "").split()).lower()
    if v in _PLACEHOLDER_ACCESSIONS:
        return True
    return bool(v) and set(v) <= {"0", "-", " ", "."}


_DAY = timedelta(days=1)
HIS_SUFFIXES = (".xml", ".hl7", ".txt", ".cda", ".er7", ".json", ".ndjson", ".jsonl")


def iter_his_files(path: str | Path) -> Iterator[Path]:
    """Every file under ``path`` (a file, or a folder walked recursively), in a stable order.

    No file is skipped by its name: one that is no HIS format becomes an error problem when read,
    so a folder's every file is either read or reported.
    """
    p = Path(path)
    if not p.is_dir():  # a file, or a FIFO/device given by name (reported by read_his, never opened)
        yield p
        return
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(p, followlinks=True):  # a symlinked folder is part of the export
        real = os.path.realpath(dirpath)
        if real in seen:  # a link back up the tree: walked once
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(dirpath) / name


# Files that sit beside exports (provenance notes, checksums, spreadsheets): reported as skipped, not errors.
_NOT_HIS_SUFFIXES = (".md", ".rst", ".pdf", ".html", ".htm", ".csv", ".tsv", ".yaml", ".yml", ".sha256", ".md5",
                     ".log")


def _is_fhir(p: Path, data: bytes) -> bool:
    from rxlabel.matcher.fhir import looks_like_fhir

    return looks_like_fhir(p, data.lstrip(b"\xef\xbb\xbf \t\r\n")[:8])


def _utf16_to_utf8(data: bytes) -> bytes:
    """UTF-16 exports (Windows tools) as UTF-8, declaration included, so the XML safety checks see them as text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:2] in (b"<\x00", b"\x00<"):
        try:
            text = data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else
                               ("utf-16-le" if data[:1] == b"<" else "utf-16-be"))
        except UnicodeDecodeError:
            return data
        text = re.sub(r"""(<\?xml[^>]*encoding\s*=\s*["'])utf-?16(?:[-_](?:le|be))?(["'])""", r"\1UTF-8\2",
                      text.lstrip("\ufeff"), count=1, flags=re.IGNORECASE)
        return text.encode("utf-8")
    return data


def read_his_file(path: str | Path, mapping: Mapping | None = None) -> HisBatch:
    """Read one HIS file of any supported kind (sniffed from its first bytes)."""
    p = Path(path)
    mapping = mapping or _default_mapping()
    try:
        data = p.read_bytes()
    except OSError as exc:
        return HisBatch(problems=[Problem(str(p), None, "error", f"cannot read: {exc.strerror or exc}")], files=1)
    data = _utf16_to_utf8(data)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:8]
    try:
        if head.startswith(b"MSH"):
            batch = read_hl7v2(data, str(p))
        elif head.startswith(b"<"):
            parsed = parse_bytes(data, str(p))
            name = local(parsed.root.tag)
            if name in ("ClinicalDocument", "section"):
                batch = read_cda(parsed.root, str(p))
            else:
                batch = read_session_export(parsed.root, str(p), mapping)
            batch.problems.extend(Problem(str(p), None, "warning", w) for w in parsed.warnings)
        elif _is_fhir(p, data):
            from rxlabel.matcher.fhir import read_fhir

            batch = read_fhir([p])
        elif p.suffix.lower() in _NOT_HIS_SUFFIXES or p.name.startswith("."):
            batch = HisBatch(problems=[Problem(str(p), None, "warning", "not a HIS export (documentation or "
                                               "metadata by its name): skipped")])
        else:
            batch = HisBatch(problems=[Problem(str(p), 1, "error", "neither XML, HL7 v2 nor FHIR JSON (first bytes "
                                               f"{data[:16]!r}): skipped")])
    except XmlInputError as exc:
        batch = HisBatch(problems=[Problem(exc.path, exc.line, "error", exc.reason)])
    batch.files = 1
    _note_problems(batch)
    return batch


def _note_problems(batch: HisBatch) -> None:
    for r in batch.reports:
        if r.report_time and r.study_time and r.report_time.local < r.study_time.local - _DAY:
            r.notes.append(f"report time {r.report_time.local} is before its study time {r.study_time.local}")
        for n in r.notes:
            batch.problems.append(Problem(r.source, None, "warning", f"report {r.report_id}: {n}"))


@lru_cache(maxsize=1)
def _default_mapping() -> Mapping:
    return load_mapping(None)


def read_his(paths: str | Path | Iterable[str | Path], mapping: str | Path | Mapping | None = None) -> HisBatch:
    """Read every HIS file under ``paths``; duplicate report ids after the first are reported, not read twice."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    mp = mapping if isinstance(mapping, Mapping) else load_mapping(mapping) if mapping else _default_mapping()
    out = HisBatch()
    seen: dict[str, str] = {}
    fhir_files: list[Path] = []
    for root in paths:
        if not Path(root).exists():
            out.problems.append(Problem(str(root), None, "error", "no such file or folder"))
            continue
        for f in iter_his_files(root):
            special = _special(f)
            if special:  # a FIFO, socket or device: counted and reported, never opened (a FIFO blocks)
                _add(out, HisBatch(problems=[Problem(str(f), None, "error", special)], files=1), seen)
                continue
            try:
                with f.open("rb") as fh:
                    head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:8]
            except OSError:
                head = b""
            if head[:1] in (b"{", b"[") or (not head.startswith((b"<", b"MSH")) and _is_fhir(f, head)):
                fhir_files.append(f)  # read together below: a bulk export's references cross files
                continue
            _add(out, read_his_file(f, mp), seen)
    if fhir_files:
        from rxlabel.matcher.fhir import read_fhir

        b = read_fhir(fhir_files)
        _note_problems(b)
        _add(out, b, seen)
    return out


def _special(path: Path) -> str:
    from rxlabel.matcher.scan import special_file_reason

    try:
        return special_file_reason(os.stat(path).st_mode)
    except OSError:
        return ""  # read_his_file reports the file it cannot read


def _add(out: HisBatch, b: HisBatch, seen: dict[str, str]) -> None:
    out.files += b.files
    out.problems.extend(b.problems)
    for r in b.reports:
        if r.report_id in seen:
            r.notes.append(f"duplicate report id (first in {seen[r.report_id]})")
        else:
            seen[r.report_id] = r.source
        out.reports.append(r)


def load_services(path: str | Path | None = None) -> frozenset[str]:
    """The chest-radiography service-id allow-list: one code per line, ``#`` comments."""
    if path is None:
        raw = resources.files("rxlabel.matcher").joinpath("data/chest_services.txt").read_text("utf-8")
    else:
        raw = Path(path).read_text("utf-8")
    return frozenset(c for c in (line.split("#", 1)[0].strip() for line in raw.splitlines()) if c)
