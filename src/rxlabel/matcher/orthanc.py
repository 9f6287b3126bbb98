"""A throw-away local Orthanc (the Debian ``orthanc`` + ``orthanc-dicomweb`` packages) for tests, benchmarks
and trying ``rxlabel fetch``: free local ports, authentication on, DICOMweb plugin loaded, C-FIND/C-GET/
C-MOVE allowed, and ``RXLABEL`` at ``move_port`` registered as the C-MOVE destination.
"""

import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from rxlabel.matcher.netauth import PacsError

DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalOrthanc:
    """``with LocalOrthanc(folder) as o:`` starts Orthanc; ``o.base``, ``o.dimse``, ``o.dicomweb`` are its addresses."""

    root: Path
    user: str = "alice"
    password: str = "s3cret-pw"
    calling_aet: str = "RXLABEL"

    def __post_init__(self):
        self.root = Path(self.root)
        self.http, self.dicom, self.move_port = free_port(), free_port(), free_port()
        self.proc = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http}"

    @property
    def dimse(self) -> str:
        return f"dicom://ORTHANC@127.0.0.1:{self.dicom}"

    @property
    def dicomweb(self) -> str:
        return f"dicomweb+{self.base}/dicom-web"

    def __enter__(self):
        import requests

        exe = shutil.which("Orthanc")
        if exe is None or not DICOMWEB_PLUGIN.is_file():
            raise PacsError("Orthanc and its DICOMweb plugin are not installed (apt-get install orthanc orthanc-dicomweb)")
        self.root.mkdir(parents=True, exist_ok=True)
        cfg = {
            "Name": "rxlabel-local", "StorageDirectory": str(self.root / "db"), "IndexDirectory": str(self.root / "db"),
            "HttpPort": self.http, "DicomPort": self.dicom, "DicomAet": "ORTHANC", "RemoteAccessAllowed": False,
            "AuthenticationEnabled": True, "RegisteredUsers": {self.user: self.password},
            "HttpServerEnabled": True, "DicomServerEnabled": True,
            "Plugins": [str(DICOMWEB_PLUGIN)], "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
            "DicomAlwaysAllowFind": True, "DicomAlwaysAllowGet": True, "DicomAlwaysAllowStore": True,
            "DicomAlwaysAllowMove": True, "DicomCheckModalityHost": False, "DicomCheckCalledAet": False,
            "DicomModalities": {"rxlabel": [self.calling_aet, "127.0.0.1", self.move_port]},
            "StableAge": 1, "LogExportedResources": False,
        }
        (self.root / "orthanc.json").write_text(json.dumps(cfg))
        self._log = open(self.root / "orthanc.log", "w")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen([exe, str(self.root / "orthanc.json")], stdout=self._log,
                                     stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                requests.get(self.base + "/system", auth=(self.user, self.password), timeout=1).raise_for_status()
                return self
            except requests.RequestException:
                if self.proc.poll() is not None:
                    self._stop()
                    raise PacsError("Orthanc exited: " + (self.root / "orthanc.log").read_text()[-2000:]) from None
                time.sleep(0.1)
        self._stop()
        raise PacsError("Orthanc did not answer within 30 s")

    def load(self, files) -> int:
        """Store DICOM files through the REST API; returns how many."""
        import requests

        n = 0
        with requests.Session() as s:
            s.auth = (self.user, self.password)
            for f in files:
                s.post(self.base + "/instances", data=Path(f).read_bytes(), timeout=30).raise_for_status()
                n += 1
        return n

    def _stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
        self._log.close()

    def __exit__(self, *exc):
        self._stop()
