"""A real Orthanc (Debian's package) on free local ports, loaded with DICOM fixtures, queried by the matcher."""

import json
import shutil
import socket
import subprocess
import time
import urllib.request

import pandas as pd
import pytest
from click.testing import CliRunner

from rxlabel.cli import main
from rxlabel.matcher import synth

pytestmark = pytest.mark.slow  # a real cluster / subprocesses / an Orthanc server: the full lane only


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory):
    exe = shutil.which("Orthanc")
    if exe is None:
        pytest.skip("Orthanc is not installed (apt-get install orthanc; .ci/run does it)")
    root = tmp_path_factory.mktemp("orthanc")
    http, dicom = _free_port(), _free_port()
    cfg = {
        "Name": "rxlabel-test", "StorageDirectory": str(root / "db"), "IndexDirectory": str(root / "db"),
        "HttpPort": http, "DicomPort": dicom, "DicomAet": "ORTHANC", "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False, "HttpServerEnabled": True, "DicomServerEnabled": True,
        "Plugins": [], "DicomAlwaysAllowFind": True, "DicomAlwaysAllowGet": True, "DicomAlwaysAllowStore": True,
        "DicomCheckModalityHost": False, "DicomCheckCalledAet": False,
        "DicomModalities": {"rxlabel": ["RXLABEL", "127.0.0.1", _free_port()]},
        "StableAge": 1, "LogExportedResources": False,
    }
    (root / "orthanc.json").write_text(json.dumps(cfg))
    log = open(root / "orthanc.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([exe, str(root / "orthanc.json")], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/system", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("Orthanc exited: " + (root / "orthanc.log").read_text()[-2000:])
                time.sleep(0.1)
        else:
            pytest.fail("Orthanc did not answer within 10 s")
        yield base, dicom, root
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _load(base: str, files) -> None:
    for f in files:
        req = urllib.request.Request(base + "/instances", data=f.read_bytes(), method="POST",
                                     headers={"Content-Type": "application/dicom"})
        urllib.request.urlopen(req, timeout=10).read()


def test_match_against_orthanc_dimse_and_rest(orthanc, tmp_path, shared_data):
    base, port, _ = orthanc
    a = synth.generate(25, seed=21)
    synth.write_archive_dicom(a, tmp_path / "dicom")
    synth.write_archive_his(a, tmp_path / "his", per_file=100)
    _load(base, sorted((tmp_path / "dicom").rglob("*.dcm")) + sorted((shared_data / "dicom").glob("*.dcm")))
    runner = CliRunner()
    local = runner.invoke(main, ["match", "--dicom", str(tmp_path / "dicom"), "--his", str(tmp_path / "his"),
                                 "-o", str(tmp_path / "local.csv"), "--quiet"])
    assert local.exit_code == 0, local.output
    expected = pd.read_csv(tmp_path / "local.csv", dtype=str, keep_default_na=False)
    assert len(expected) > 10
    for name, url in (("dimse", f"dicom://ORTHANC@127.0.0.1:{port}"), ("rest", base)):
        r = runner.invoke(main, ["match", "--pacs", url, "--his", str(tmp_path / "his"),
                                 "-o", str(tmp_path / f"{name}.csv"), "--quiet"])
        assert r.exit_code == 0, r.output + repr(r.exception)
        got = pd.read_csv(tmp_path / f"{name}.csv", dtype=str, keep_default_na=False)
        key = ["sop_uid", "report_id", "rule"]
        assert got[key].sort_values(key).values.tolist() == expected[key].sort_values(key).values.tolist(), name
        s = synth.score(a, got, pd.read_csv(tmp_path / f"{name}.ambiguous.csv", dtype=str, keep_default_na=False))
        assert s["precision"] == 1.0
