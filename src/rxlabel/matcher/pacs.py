"""Retrieve the chest radiographs that HIS reports (or a date range) may need from a real PACS.

Three ways in, one plan:

- ``dicom://CALLED_AET@HOST:PORT``: DIMSE with pynetdicom. C-FIND at study, series and image level on
  one association for the whole run, then C-GET (same association) or C-MOVE (``retrieve="move"``: the
  PACS sends the instances to a storage SCP that rxlabel starts on ``move_aet``/``move_port``; the PACS
  must know that AE title).
- ``http(s)://HOST:PORT``: Orthanc's REST API (``/tools/find``, ``/studies/{id}/series``, ...).
- ``dicomweb+http(s)://HOST:PORT/PREFIX``: QIDO-RS / WADO-RS with dicomweb-client (Orthanc's DICOMweb
  plugin, dcm4chee, cloud health-imaging services).

Studies are found by patient and study-date range (or study UID); each study's series are listed and
only series of the wanted modalities (CR, DX) whose body part is the chest or unstated are opened;
instances whose ViewPosition says lateral or oblique are skipped; nothing else is retrieved, so a CT
study of the same day costs one series-level query and no pixel. Retrieved instances land in
``dest/<StudyInstanceUID>/<SOPInstanceUID>.dcm`` (written to ``.partial`` then renamed) and are
recorded in ``dest/.rxlabel-fetch-state.jsonl``; a rerun, or a run resumed after a kill, retrieves
only the instances that are in neither. Connection, association and HTTP failures are retried with
exponential back-off and then reported as :class:`PacsError`; every network step has a timeout.
HTTP credentials come from the environment or a netrc file (:mod:`rxlabel.matcher.netauth`).
"""

import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from tqdm import tqdm

from rxlabel.matcher.chest import body_of, view_of
from rxlabel.matcher.his import Report
from rxlabel.matcher.netauth import PacsError, http_session, refuse_userinfo
from rxlabel.matcher.tables import norm_patient

CALLING_AET = os.environ.get("RXLABEL_AET", "RXLABEL")
STATE_NAME = ".rxlabel-fetch-state.jsonl"
SKIP_VIEWS = frozenset({"LAT", "OBL"})
QIDO_PAGE = 1000  # results asked for per QIDO-RS request

__all__ = ["FetchOptions", "PacsError", "Query", "fetch", "fetch_for_reports", "queries_for"]


@dataclass(frozen=True)
class Query:
    patient_id: str = ""
    date_range: str = ""  # YYYYMMDD-YYYYMMDD
    study_uid: str = ""
    # All the patient's studies, keeping only those whose StudyDate is missing or not DICOM DA:
    # date-range matching cannot find them, and the matcher's time fallbacks still can.
    undated: bool = False


@dataclass(frozen=True)
class FetchOptions:
    """How to reach the PACS and what to take from it."""

    modalities: tuple[str, ...] = ("CR", "DX")
    retrieve: str = "get"  # DIMSE only: "get" (C-GET) or "move" (C-MOVE to our storage SCP)
    calling_aet: str = CALLING_AET
    move_aet: str = ""  # C-MOVE destination AE title (default: calling_aet)
    move_port: int = 11113  # port of the storage SCP started for C-MOVE
    timeout: float = 30.0  # seconds, for each connect / query / transfer step
    retries: int = 3  # attempts for each network step before giving up
    backoff: float = 1.0  # seconds before the 2nd attempt, doubled after each
    netrc: str | None = None
    ca_bundle: str | None = None


@dataclass
class Series:
    study_uid: str
    series_uid: str
    modality: str = ""
    body_part: str = ""
    series_desc: str = ""
    protocol: str = ""
    ref: str = ""  # the server's own id (Orthanc REST)


@dataclass
class Instance:
    sop_uid: str
    view_position: str = ""
    ref: str = ""


@dataclass
class Counts:
    queries: int = 0
    studies: int = 0
    series: int = 0
    series_kept: int = 0
    series_skipped: dict = field(default_factory=dict)
    instances_found: int = 0
    skipped_view: int = 0
    already_have: int = 0
    duplicate: int = 0
    fetched: int = 0


def queries_for(reports: Iterable[Report], window_h: float = 24.0) -> list[Query]:
    """One query per patient over the dates their reports allow (a study precedes its report), plus one per study UID."""
    spans: dict[str, tuple] = {}
    uids: set[str] = set()
    for r in reports:
        uids.update(u for u in r.study_uids if u)
        pid = (r.patient_id or "").strip()
        if not pid or r.report_time is None:
            continue
        t = r.report_time.local
        lo, hi = (t - timedelta(hours=window_h)).date(), (t + timedelta(days=1)).date()
        if pid in spans:
            lo, hi = min(lo, spans[pid][0]), max(hi, spans[pid][1])
        spans[pid] = (lo, hi)
    out = [Query(patient_id=p, date_range=f"{lo:%Y%m%d}-{hi:%Y%m%d}") for p, (lo, hi) in sorted(spans.items())]
    out += [Query(patient_id=p, undated=True) for p in sorted(spans)]
    out += [Query(study_uid=u) for u in sorted(uids)]
    return out


def fetch_for_reports(url: str, reports: list[Report], dest: str | Path, window_h: float = 24.0,
                      quiet: bool = False, options: FetchOptions | None = None) -> dict:
    """Find and retrieve the chest radiographs the reports may need into ``dest``; returns counts."""
    wanted = {norm_patient(r.patient_id) for r in reports if r.patient_id}
    return fetch(url, queries_for(reports, window_h), dest, options, quiet=quiet, patients=wanted)


def fetch(url: str, queries: list[Query], dest: str | Path, options: FetchOptions | None = None,
          quiet: bool = False, patients: set[str] | None = None,
          on_stored: Callable[[Path], None] | None = None) -> dict:
    """Run ``queries`` against the PACS at ``url`` and retrieve the new chest radiograph instances into ``dest``.

    ``patients`` (normalised ids), when given, drops studies a patient query returned for another patient
    (a study found by UID is kept whatever its patient: the matcher judges it). ``on_stored`` is called
    after each instance is safely on disk and recorded.
    """
    opts = options or FetchOptions()
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    state = FetchState(dest / STATE_NAME)
    c = Counts(queries=len(queries))
    show = not quiet and sys.stderr.isatty()

    def sink(study_uid: str, sop_uid: str, write: Callable[[Path], None]) -> None:
        target = dest / _safe(study_uid) / f"{_safe(sop_uid)}.dcm"
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".partial")
        write(tmp)
        os.replace(tmp, target)
        state.add(sop_uid, target.relative_to(dest))
        c.fetched += 1
        if on_stored:
            on_stored(target)

    with open_client(url, opts, sink) as client:
        studies: dict[str, None] = {}
        for q in tqdm(queries, unit="query", desc="find", disable=not show):
            for study_uid, pid, date in client.find_studies(q):
                if q.undated and len(date) == 8 and date.isdigit():
                    continue
                if q.study_uid or patients is None or norm_patient(pid) in patients:
                    studies.setdefault(study_uid)
        c.studies = len(studies)
        # One UID may sit under two patient records (an image sent without PatientID, then with it):
        # the PACS lists its series and instances twice; each SOP instance is considered once.
        seen: set[str] = set()
        for study_uid in tqdm(sorted(studies), unit="study", desc="retrieve", disable=not show):
            for s in client.find_series(study_uid):
                c.series += 1
                why = _series_refusal(s, opts.modalities)
                if why:
                    c.series_skipped[why] = c.series_skipped.get(why, 0) + 1
                    continue
                c.series_kept += 1
                todo = []
                for inst in client.find_instances(s):
                    if inst.sop_uid in seen:
                        c.duplicate += 1
                        continue
                    seen.add(inst.sop_uid)
                    c.instances_found += 1
                    if view_of({"view_position": inst.view_position})[0] in SKIP_VIEWS:
                        c.skipped_view += 1
                    elif state.has(inst.sop_uid, dest / _safe(study_uid) / f"{_safe(inst.sop_uid)}.dcm"):
                        c.already_have += 1
                    else:
                        todo.append(inst)
                if todo:
                    client.retrieve(s, todo)
        out = {"queries": c.queries, "studies": c.studies, "series": c.series, "series_kept": c.series_kept,
               "series_skipped": c.series_skipped, "instances_found": c.instances_found,
               "skipped_view": c.skipped_view, "already_have": c.already_have, "fetched": c.fetched,
               "duplicate_listings": c.duplicate,
               "instances": c.fetched + c.already_have}
        out.update(client.stats())
    return out


def _series_refusal(s: Series, modalities: tuple[str, ...]) -> str:
    """Why a series is not retrieved ('' to retrieve it): wrong modality, or a body part that is not the chest."""
    if modalities and s.modality.upper() not in modalities:
        return f"modality {s.modality or 'missing'}"
    body = body_of({"body_part": s.body_part, "protocol": s.protocol, "series_desc": s.series_desc})
    if body not in ("chest", "unknown"):
        return f"body part {body}"
    return ""


def _safe(uid: str) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in uid) or "unknown"


class FetchState:
    """SOP Instance UIDs already retrieved (JSONL, appended and flushed after each instance is on disk)."""

    def __init__(self, path: Path):
        self.path = path
        self.done: set[str] = set()
        if path.is_file():
            for line in path.read_text("utf-8").splitlines():
                try:
                    self.done.add(json.loads(line)["sop"])
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut by a kill: that instance is simply fetched again
        self._fh = None

    def has(self, sop: str, target: Path) -> bool:
        if sop in self.done:
            return True
        if target.is_file():  # written, but killed before the state line: keep it, record it
            self.add(sop, target.relative_to(self.path.parent))
            return True
        return False

    def add(self, sop: str, rel: Path) -> None:
        if self._fh is None:
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the run
        self._fh.write(json.dumps({"sop": sop, "file": str(rel), "at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                        time.gmtime())}) + "\n")
        self._fh.flush()
        self.done.add(sop)

    def __del__(self):
        if self._fh is not None:
            self._fh.close()


def retrying(what: str, fn: Callable, opts: FetchOptions, transient: tuple[type[BaseException], ...]):
    """``fn()`` with up to ``opts.retries`` attempts and exponential back-off; a PacsError after the last."""
    delay = opts.backoff
    for attempt in range(1, max(1, opts.retries) + 1):
        try:
            return fn()
        except transient as exc:
            if attempt >= max(1, opts.retries):
                raise PacsError(f"{what}: failed after {attempt} attempt(s): {exc}") from None
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def open_client(url: str, opts: FetchOptions, sink):
    """The client for ``url``'s scheme (see the module docstring)."""
    u = urlparse(url)
    if u.scheme == "dicom":
        return DimseClient(u, opts, sink)
    if u.scheme in ("dicomweb+http", "dicomweb+https"):
        return DicomwebClient(url.split("+", 1)[1], opts, sink)
    if u.scheme in ("http", "https"):
        return OrthancRestClient(url, opts, sink)
    raise PacsError(f"unsupported PACS address {url!r}: use dicom://AET@HOST:PORT, http(s)://HOST:PORT "
                    "(Orthanc REST) or dicomweb+http(s)://HOST:PORT/PREFIX (QIDO-RS/WADO-RS)")


class _Client:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        pass

    def stats(self) -> dict:
        return {}


# ---------------------------------------------------------------- DIMSE


class DimseClient(_Client):
    """C-FIND, C-GET and C-MOVE with pynetdicom against ``dicom://AET@HOST:PORT``, one association per run."""

    def __init__(self, u, opts: FetchOptions, sink):
        if not u.username or not u.hostname or not u.port:
            raise PacsError("a DIMSE address is dicom://CALLED_AET@HOST:PORT")
        if opts.retrieve not in ("get", "move"):
            raise PacsError(f"retrieve must be 'get' or 'move', not {opts.retrieve!r}")
        self.called, self.host, self.port = u.username, u.hostname, u.port
        self.opts, self.sink = opts, sink
        self.assoc = None
        self.associations = 0
        self.requests = {"find": 0, "get": 0, "move": 0}
        self._scp = None

    # One association carries every C-FIND and C-GET/C-MOVE of the run; it is reopened (with back-off)
    # only if the PACS drops it.
    def _association(self):
        if self.assoc is not None and self.assoc.is_established:
            return self.assoc
        self.assoc = retrying(f"DICOM association with {self.called}@{self.host}:{self.port}", self._associate,
                              self.opts, (ConnectionError, OSError))
        return self.assoc

    def _ae(self):
        from pynetdicom import AE, StoragePresentationContexts
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as FIND
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet as GET
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelMove as MOVE

        ae = AE(ae_title=self.opts.calling_aet)
        t = self.opts.timeout
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = ae.connection_timeout = t
        ae.add_requested_context(FIND)
        ae.add_requested_context(MOVE if self.opts.retrieve == "move" else GET)
        roles = []
        if self.opts.retrieve == "get":
            from pynetdicom import build_role

            # C-GET sends instances back on the same association: we act as storage SCP for them.
            for ctx in StoragePresentationContexts:
                if len(ae.requested_contexts) >= 128:
                    break
                ae.add_requested_context(ctx.abstract_syntax)
                roles.append(build_role(ctx.abstract_syntax, scp_role=True))
        return ae, roles

    def _associate(self):
        from pynetdicom import evt

        ae, roles = self._ae()
        handlers = [(evt.EVT_C_STORE, self._on_store)] if self.opts.retrieve == "get" else []
        assoc = ae.associate(self.host, self.port, ae_title=self.called, ext_neg=roles or None,
                             evt_handlers=handlers)
        if not assoc.is_established:
            why = "rejected" if assoc.is_rejected else "aborted" if assoc.is_aborted else "no answer"
            raise ConnectionError(f"{why} (is the PACS up, and does it accept calling AE {self.opts.calling_aet}?)")
        self.associations += 1
        return assoc

    def _on_store(self, event):
        ds = event.dataset
        ds.file_meta = event.file_meta

        def write(tmp: Path) -> None:
            ds.save_as(tmp, enforce_file_format=True)

        try:
            self.sink(str(ds.get("StudyInstanceUID", "")), str(ds.SOPInstanceUID), write)
        except OSError:
            return 0xA700  # out of resources: the PACS reports the instance as failed
        return 0x0000

    def _find(self, ds) -> list:
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as FIND

        def once():
            assoc = self._association()
            self.requests["find"] += 1
            out = []
            for status, ident in assoc.send_c_find(ds, FIND):
                if not status:
                    raise ConnectionError("C-FIND: no response within the timeout (association dropped)")
                if status.Status in (0xFF00, 0xFF01) and ident is not None:
                    out.append(ident)
                elif status.Status != 0x0000:
                    raise PacsError(f"C-FIND at {ds.QueryRetrieveLevel} level refused with status 0x{status.Status:04X}")
            return out

        return retrying(f"C-FIND on {self.called}@{self.host}:{self.port}", once, self.opts, (ConnectionError,))

    def find_studies(self, q: Query) -> list[tuple[str, str, str]]:
        from pydicom.dataset import Dataset

        ds = Dataset()
        ds.QueryRetrieveLevel = "STUDY"
        ds.StudyInstanceUID = q.study_uid
        ds.PatientID = q.patient_id
        ds.StudyDate = q.date_range
        ds.ModalitiesInStudy = ""
        out = [(str(i.get("StudyInstanceUID", "")), str(i.get("PatientID", "")), str(i.get("StudyDate", "") or ""))
               for i in self._find(ds)]
        return [x for x in out if x[0]]

    def find_series(self, study_uid: str) -> list[Series]:
        from pydicom.dataset import Dataset

        ds = Dataset()
        ds.QueryRetrieveLevel = "SERIES"
        ds.StudyInstanceUID = study_uid
        for kw in ("SeriesInstanceUID", "Modality", "BodyPartExamined", "SeriesDescription", "ProtocolName"):
            setattr(ds, kw, "")
        return [Series(study_uid, str(i.get("SeriesInstanceUID", "")), str(i.get("Modality", "") or ""),
                       str(i.get("BodyPartExamined", "") or ""), str(i.get("SeriesDescription", "") or ""),
                       str(i.get("ProtocolName", "") or "")) for i in self._find(ds) if i.get("SeriesInstanceUID")]

    def find_instances(self, s: Series) -> list[Instance]:
        from pydicom.dataset import Dataset

        ds = Dataset()
        ds.QueryRetrieveLevel = "IMAGE"
        ds.StudyInstanceUID = s.study_uid
        ds.SeriesInstanceUID = s.series_uid
        ds.SOPInstanceUID = ""
        ds.ViewPosition = ""
        return [Instance(str(i.SOPInstanceUID), str(i.get("ViewPosition", "") or ""))
                for i in self._find(ds) if i.get("SOPInstanceUID")]

    def retrieve(self, s: Series, todo: list[Instance]) -> None:
        from pydicom.dataset import Dataset
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet as GET
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelMove as MOVE

        if self.opts.retrieve == "move":
            self._start_scp()
        for inst in todo:  # image level: only the instances not yet on disk
            ds = Dataset()
            ds.QueryRetrieveLevel = "IMAGE"
            ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = s.study_uid, s.series_uid, inst.sop_uid

            def once(ds=ds, inst=inst):
                assoc = self._association()
                if self.opts.retrieve == "move":
                    self.requests["move"] += 1
                    responses = assoc.send_c_move(ds, self.opts.move_aet or self.opts.calling_aet, MOVE)
                else:
                    self.requests["get"] += 1
                    responses = assoc.send_c_get(ds, GET)
                for status, _ in responses:
                    if not status:
                        raise ConnectionError("no response within the timeout (association dropped)")
                    if status.Status == 0xA801:
                        raise PacsError(f"C-MOVE refused: the PACS does not know the destination AE "
                                        f"{self.opts.move_aet or self.opts.calling_aet!r}; register it (host, port "
                                        f"{self.opts.move_port}) in the PACS")
                    if status.Status not in (0x0000, 0xFF00, 0xFF01, 0xFE00, 0xB000):
                        raise PacsError(f"C-{self.opts.retrieve.upper()} of {inst.sop_uid} failed with status "
                                        f"0x{status.Status:04X}")

            retrying(f"C-{self.opts.retrieve.upper()} on {self.called}@{self.host}:{self.port}", once, self.opts,
                     (ConnectionError,))

    def _start_scp(self) -> None:
        if self._scp is not None:
            return
        from pynetdicom import AE, AllStoragePresentationContexts, evt

        ae = AE(ae_title=self.opts.move_aet or self.opts.calling_aet)
        ae.supported_contexts = AllStoragePresentationContexts
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = self.opts.timeout
        try:
            self._scp = ae.start_server(("0.0.0.0", self.opts.move_port), block=False,  # noqa: S104 - the PACS connects in
                                        evt_handlers=[(evt.EVT_C_STORE, self._on_store)])
        except OSError as exc:
            raise PacsError(f"cannot start the C-MOVE storage SCP on port {self.opts.move_port}: {exc}") from None

    def close(self) -> None:
        if self.assoc is not None and self.assoc.is_established:
            self.assoc.release()
        if self._scp is not None:
            self._scp.shutdown()
            self._scp = None

    def stats(self) -> dict:
        return {"associations": self.associations, "requests": dict(self.requests)}


# ---------------------------------------------------------------- HTTP: Orthanc REST and DICOMweb


def _http_transient():
    import requests

    return (requests.ConnectionError, requests.Timeout, _Retryable)


class _Retryable(Exception):
    """An HTTP status worth retrying (429, 502, 503, 504)."""


def _tls_error(exc, url: str) -> PacsError:
    why = str(exc.args[0] if exc.args else exc)[-300:]
    return PacsError(f"{url}: the TLS certificate is not trusted ({why}); verification stays on: "
                     "give the hospital's CA bundle with --ca-bundle / RXLABEL_PACS_CA (pacs: ca_bundle in a run)")


def _check(resp, what: str):
    if resp.status_code in (429, 502, 503, 504):
        raise _Retryable(f"HTTP {resp.status_code}")
    if resp.status_code in (401, 403):
        raise PacsError(f"{what}: HTTP {resp.status_code} {'unauthorised' if resp.status_code == 401 else 'forbidden'}"
                        " - set RXLABEL_PACS_USER/RXLABEL_PACS_PASSWORD or RXLABEL_PACS_TOKEN, or a netrc entry")
    if resp.status_code >= 400:
        raise PacsError(f"{what}: HTTP {resp.status_code}: {resp.text[:200]}")
    return resp


class OrthancRestClient(_Client):
    """Orthanc's REST API (no plugin needed), with basic or bearer credentials from netauth."""

    def __init__(self, url: str, opts: FetchOptions, sink):
        refuse_userinfo(url)
        self.base = url.rstrip("/")
        self.opts, self.sink = opts, sink
        self.session = http_session(url, opts.netrc, opts.ca_bundle)
        self.requests = 0

    def _call(self, path: str, body: dict | None = None):
        import requests

        def once():
            self.requests += 1
            try:
                if body is None:
                    resp = self.session.get(self.base + path, timeout=self.opts.timeout)
                else:
                    resp = self.session.post(self.base + path, json=body, timeout=self.opts.timeout)
            except requests.exceptions.SSLError as exc:
                raise _tls_error(exc, self.base) from None
            return _check(resp, f"{self.base}{path}")

        return retrying(f"Orthanc {self.base}", once, self.opts, _http_transient())

    def find_studies(self, q: Query) -> list[tuple[str, str, str]]:
        query = {k: v for k, v in (("StudyInstanceUID", q.study_uid), ("PatientID", q.patient_id),
                                   ("StudyDate", q.date_range)) if v}
        found = self._call("/tools/find", {"Level": "Study", "Query": query, "Expand": True}).json()
        out = []
        for s in found:
            tags, ptags = s.get("MainDicomTags", {}), s.get("PatientMainDicomTags", {})
            out.append((tags.get("StudyInstanceUID", ""), ptags.get("PatientID", ""), tags.get("StudyDate", "")))
        return [x for x in out if x[0]]

    def find_series(self, study_uid: str) -> list[Series]:
        out = []
        for oid in self._call("/tools/find", {"Level": "Study", "Query": {"StudyInstanceUID": study_uid}}).json():
            for s in self._call(f"/studies/{oid}/series").json():
                t = s.get("MainDicomTags", {})
                out.append(Series(study_uid, t.get("SeriesInstanceUID", ""), t.get("Modality", ""),
                                  t.get("BodyPartExamined", ""), t.get("SeriesDescription", ""),
                                  t.get("ProtocolName", ""), ref=s["ID"]))
        return out

    def find_instances(self, s: Series) -> list[Instance]:
        # ViewPosition is not among Orthanc's indexed tags; asking for it would read every file, so the
        # matcher's own view filter decides after retrieval.
        return [Instance(i.get("MainDicomTags", {}).get("SOPInstanceUID", i["ID"]), ref=i["ID"])
                for i in self._call(f"/series/{s.ref}/instances").json()]

    def retrieve(self, s: Series, todo: list[Instance]) -> None:
        for inst in todo:
            data = self._call(f"/instances/{inst.ref}/file").content
            self.sink(s.study_uid, inst.sop_uid, lambda tmp, data=data: tmp.write_bytes(data))

    def close(self) -> None:
        self.session.close()

    def stats(self) -> dict:
        return {"http_requests": self.requests}


def _dw(item: dict, tag: str) -> str:
    """First value of a DICOM JSON attribute (QIDO-RS answer), as text."""
    vals = (item.get(tag) or {}).get("Value") or [""]
    v = vals[0]
    return str(v.get("Alphabetic", "")) if isinstance(v, dict) else str(v)


class DicomwebClient(_Client):
    """QIDO-RS searches and WADO-RS retrieval with dicomweb-client; credentials and TLS from netauth."""

    def __init__(self, url: str, opts: FetchOptions, sink):
        from dicomweb_client.api import DICOMwebClient

        refuse_userinfo(url)
        self.url, self.opts, self.sink = url.rstrip("/"), opts, sink
        self.session = http_session(url, opts.netrc, opts.ca_bundle)
        self.client = DICOMwebClient(self.url, session=self.session, timeout=opts.timeout)
        self.client.set_http_retry_params(retry=False)  # ours (retrying()) covers connection errors too
        self.requests = {"qido": 0, "wado": 0}

    def _do(self, kind: str, fn: Callable):
        import requests

        def once():
            self.requests[kind] += 1
            try:
                return fn()
            except requests.exceptions.SSLError as exc:
                raise _tls_error(exc, self.url) from None
            except requests.HTTPError as exc:
                code = exc.response.status_code if exc.response is not None else 0
                if code in (429, 502, 503, 504):
                    raise _Retryable(f"HTTP {code}") from None
                _check(exc.response, self.url) if exc.response is not None else None
                raise PacsError(f"{self.url}: {exc}") from None

        return retrying(f"DICOMweb {self.url}", once, self.opts, _http_transient())

    def _paged(self, search: Callable, **kw) -> list[dict]:
        """Every result of a QIDO-RS search, page by page; stops when a page brings nothing new, so a
        server that ignores ``offset`` (dicomweb-client's own ``get_remaining`` would loop) cannot hang us."""
        out: list[dict] = []
        seen: set[str] = set()
        offset = 0
        while True:
            page = self._do("qido", lambda o=offset: search(offset=o, limit=QIDO_PAGE, get_remaining=False, **kw))
            new = [x for x in page if json.dumps(x, sort_keys=True) not in seen]
            seen.update(json.dumps(x, sort_keys=True) for x in new)
            out.extend(new)
            if not new or len(page) < QIDO_PAGE:
                return out
            offset += len(page)

    def find_studies(self, q: Query) -> list[tuple[str, str, str]]:
        filters = {k: v for k, v in (("StudyInstanceUID", q.study_uid), ("PatientID", q.patient_id),
                                     ("StudyDate", q.date_range)) if v}
        found = self._paged(self.client.search_for_studies, search_filters=filters)
        out = [(_dw(s, "0020000D"), _dw(s, "00100020"), _dw(s, "00080020")) for s in found]
        return [x for x in out if x[0]]

    def find_series(self, study_uid: str) -> list[Series]:
        fields = ["Modality", "BodyPartExamined", "SeriesDescription", "ProtocolName"]
        found = self._paged(self.client.search_for_series, study_instance_uid=study_uid, fields=fields)
        return [Series(study_uid, _dw(s, "0020000E"), _dw(s, "00080060"), _dw(s, "00180015"), _dw(s, "0008103E"),
                       _dw(s, "00181030")) for s in found if _dw(s, "0020000E")]

    def find_instances(self, s: Series) -> list[Instance]:
        found = self._paged(self.client.search_for_instances, study_instance_uid=s.study_uid,
                            series_instance_uid=s.series_uid, fields=["ViewPosition"])
        return [Instance(_dw(i, "00080018"), _dw(i, "00185101")) for i in found if _dw(i, "00080018")]

    def retrieve(self, s: Series, todo: list[Instance]) -> None:
        for inst in todo:
            ds = self._do("wado", lambda inst=inst: self.client.retrieve_instance(s.study_uid, s.series_uid,
                                                                                  inst.sop_uid))
            self.sink(s.study_uid, inst.sop_uid, lambda tmp, ds=ds: ds.save_as(tmp, enforce_file_format=True))

    def close(self) -> None:
        self.session.close()

    def stats(self) -> dict:
        return {"http_requests": dict(self.requests)}
