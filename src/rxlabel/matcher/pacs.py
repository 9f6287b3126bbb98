"""Retrieve the studies that HIS reports may belong to from a real PACS.

``dicom://AET@HOST:PORT``: C-FIND (study root) by patient and study-date range, or by study UID, then
C-GET of each study's instances (pynetdicom). ``http://HOST:PORT``: the same through Orthanc's REST API
(``/tools/find``, ``/studies/{id}/instances``, ``/instances/{id}/file``). Retrieved files land in a
folder that the ordinary header scan then reads; files already there are not fetched again.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from tqdm import tqdm

from rxlabel.errors import OptionError, RemoteError
from rxlabel.matcher.his import Report
from rxlabel.matcher.tables import norm_patient

CALLING_AET = os.environ.get("RXLABEL_AET", "RXLABEL")


@dataclass(frozen=True)
class Query:
    patient_id: str = ""
    date_range: str = ""  # YYYYMMDD-YYYYMMDD
    study_uid: str = ""
    # All the patient's studies, keeping only those whose StudyDate is missing or not DICOM DA:
    # date-range matching cannot find them, and the matcher's time fallbacks still can.
    undated: bool = False


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
                      quiet: bool = False) -> dict:
    """Find and retrieve every study the reports may need into ``dest``; returns counts."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    qs = queries_for(reports, window_h)
    u = urlparse(url)
    if u.scheme == "dicom":
        client = DimseClient(u)
    elif u.scheme in ("http", "https"):
        client = OrthancRestClient(url)
    else:
        raise OptionError(f"unsupported PACS address {url!r}: use dicom://AET@HOST:PORT or http://HOST:PORT")
    studies: set[str] = set()
    bar = tqdm(qs, unit="query", desc="C-FIND", disable=quiet or not sys.stderr.isatty())
    wanted = {norm_patient(r.patient_id) for r in reports if r.patient_id}
    for q in bar:
        for study_uid, pid, date in client.find(q):
            if q.undated and len(date) == 8 and date.isdigit():
                continue
            # A study found by UID but filed under another patient is still fetched: the matcher judges it.
            if q.study_uid or norm_patient(pid) in wanted:
                studies.add(study_uid)
    bar.close()
    n = 0
    for s in tqdm(sorted(studies), unit="study", desc="retrieve", disable=quiet or not sys.stderr.isatty()):
        n += client.retrieve(s, dest / _safe(s))
    return {"queries": len(qs), "studies": len(studies), "instances": n}


def _safe(uid: str) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in uid) or "unknown"


# ---------------------------------------------------------------- DIMSE


class DimseClient:
    """C-FIND and C-GET with pynetdicom against ``dicom://AET@HOST:PORT``."""

    def __init__(self, u):
        if not u.username or not u.hostname or not u.port:
            raise OptionError("a DIMSE address is dicom://CALLED_AET@HOST:PORT")
        self.called, self.host, self.port = u.username, u.hostname, u.port

    def _ae(self, get: bool = False):
        from pynetdicom import AE, StoragePresentationContexts, build_role
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as FIND
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet as GET

        ae = AE(ae_title=CALLING_AET)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 30
        roles = []
        if get:
            ae.add_requested_context(GET)
            # C-GET sends instances back on the same association: we act as storage SCP for radiograph classes.
            for ctx in StoragePresentationContexts[:120]:
                if len(ae.requested_contexts) >= 127:
                    break
                ae.add_requested_context(ctx.abstract_syntax)
                roles.append(build_role(ctx.abstract_syntax, scp_role=True))
        else:
            ae.add_requested_context(FIND)
        return ae, roles

    def _assoc(self, get: bool = False, handlers=None):
        ae, roles = self._ae(get)
        assoc = ae.associate(self.host, self.port, ae_title=self.called, ext_neg=roles or None,
                             evt_handlers=handlers or [])
        if not assoc.is_established:
            raise ConnectionError(f"association with {self.called}@{self.host}:{self.port} rejected or unreachable")
        return assoc

    def find(self, q: Query) -> list[tuple[str, str, str]]:
        from pydicom.dataset import Dataset
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as FIND

        ds = Dataset()
        ds.QueryRetrieveLevel = "STUDY"
        ds.StudyInstanceUID = q.study_uid
        ds.PatientID = q.patient_id
        ds.StudyDate = q.date_range
        ds.ModalitiesInStudy = ""
        out = []
        assoc = self._assoc()
        try:
            for status, ident in assoc.send_c_find(ds, FIND):
                if status and status.Status in (0xFF00, 0xFF01) and ident is not None:
                    out.append((str(ident.get("StudyInstanceUID", "")), str(ident.get("PatientID", "")),
                                str(ident.get("StudyDate", "") or "")))
                elif status and status.Status not in (0x0000, 0xFF00, 0xFF01):
                    raise RemoteError(f"C-FIND failed with status 0x{status.Status:04X}")
        finally:
            assoc.release()
        return [x for x in out if x[0]]

    def retrieve(self, study_uid: str, folder: Path) -> int:
        from pydicom.dataset import Dataset
        from pynetdicom import evt
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet as GET

        folder.mkdir(parents=True, exist_ok=True)
        stored = []

        def on_store(event):
            ds = event.dataset
            ds.file_meta = event.file_meta
            target = folder / f"{_safe(str(ds.SOPInstanceUID))}.dcm"
            tmp = target.with_suffix(".partial")
            ds.save_as(tmp, enforce_file_format=True)
            os.replace(tmp, target)
            stored.append(target)
            return 0x0000

        ds = Dataset()
        ds.QueryRetrieveLevel = "STUDY"
        ds.StudyInstanceUID = study_uid
        assoc = self._assoc(get=True, handlers=[(evt.EVT_C_STORE, on_store)])
        try:
            for status, _ in assoc.send_c_get(ds, GET):
                if status and status.Status not in (0x0000, 0xFF00, 0xFE00, 0xB000):
                    raise RemoteError(f"C-GET of {study_uid} failed with status 0x{status.Status:04X}")
        finally:
            assoc.release()
        return len(stored)


# ---------------------------------------------------------------- Orthanc REST


class OrthancRestClient:
    """Orthanc's REST API (no plugin needed)."""

    def __init__(self, url: str):
        self.base = url.rstrip("/")

    def _call(self, path: str, body: dict | None = None) -> bytes:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"} if data else {})
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - the user's PACS address
            return resp.read()

    def find(self, q: Query) -> list[tuple[str, str, str]]:
        query = {}
        if q.study_uid:
            query["StudyInstanceUID"] = q.study_uid
        if q.patient_id:
            query["PatientID"] = q.patient_id
        if q.date_range:
            query["StudyDate"] = q.date_range
        found = json.loads(self._call("/tools/find", {"Level": "Study", "Query": query, "Expand": True}))
        out = []
        for s in found:
            tags = s.get("MainDicomTags", {})
            ptags = s.get("PatientMainDicomTags", {})
            out.append((tags.get("StudyInstanceUID", ""), ptags.get("PatientID", ""), tags.get("StudyDate", "")))
        return [x for x in out if x[0]]

    def retrieve(self, study_uid: str, folder: Path) -> int:
        ids = json.loads(self._call("/tools/find", {"Level": "Study", "Query": {"StudyInstanceUID": study_uid}}))
        n = 0
        folder.mkdir(parents=True, exist_ok=True)
        for orthanc_id in ids:
            for inst in json.loads(self._call(f"/studies/{orthanc_id}/instances")):
                sop = inst.get("MainDicomTags", {}).get("SOPInstanceUID", inst["ID"])
                target = folder / f"{_safe(sop)}.dcm"
                if target.exists():
                    n += 1
                    continue
                tmp = target.with_suffix(".partial")
                tmp.write_bytes(self._call(f"/instances/{inst['ID']}/file"))
                os.replace(tmp, target)
                n += 1
        return n
