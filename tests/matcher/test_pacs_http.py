"""DICOMweb over HTTPS with a bearer token, against a small local QIDO-RS server (Orthanc has no bearer
auth without a plugin): TLS is verified (a self-signed certificate is refused unless given as the CA
bundle), the token comes from the environment, and a CT series is skipped before anything is retrieved."""

import json
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rxlabel.matcher import pacs
from rxlabel.matcher.netauth import PacsError
from rxlabel.matcher.pacs import FetchOptions, Query, fetch

TOKEN = "tok-8f3a"
STUDY = "1.2.826.0.1.3680043.8.498.777"


class Qido(BaseHTTPRequestHandler):
    seen: list[str] = []

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        Qido.seen.append(self.path)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_response(401)
            self.end_headers()
            return
        # Like some archives, this server ignores QIDO-RS offset/limit: the client must not loop.
        if self.path.startswith(f"/dicom-web/studies/{STUDY}/series"):
            body = [{"0020000D": {"vr": "UI", "Value": [STUDY]}, "0020000E": {"vr": "UI", "Value": [STUDY + ".1"]},
                     "00080060": {"vr": "CS", "Value": ["CT"]}, "00180015": {"vr": "CS", "Value": ["CHEST"]}}]
        elif self.path.startswith("/dicom-web/studies"):
            body = [{"0020000D": {"vr": "UI", "Value": [STUDY]}, "00100020": {"vr": "LO", "Value": ["P1"]},
                     "00080020": {"vr": "DA", "Value": ["20240105"]}}]
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/dicom+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def https_qido(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (needed to make the test's self-signed certificate)")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Qido)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "cert.pem", d / "key.pem")
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"dicomweb+https://127.0.0.1:{server.server_address[1]}/dicom-web", d / "cert.pem"
    server.shutdown()


def test_bearer_token_and_hospital_ca(https_qido, tmp_path, monkeypatch):
    url, ca = https_qido
    monkeypatch.setenv("RXLABEL_PACS_TOKEN", TOKEN)
    monkeypatch.setattr(pacs, "QIDO_PAGE", 1)  # full pages, so the client asks for the next one
    got = fetch(url, [Query(date_range="20240101-20240131")], tmp_path, FetchOptions(ca_bundle=str(ca), retries=1))
    assert got["studies"] == 1 and got["series_skipped"] == {"modality CT": 1} and got["fetched"] == 0
    assert not any("/instances" in p for p in Qido.seen)  # the CT series was never opened
    assert len(Qido.seen) <= 4  # studies (1 page + the repeat that shows offset is ignored), series (same)


def test_self_signed_certificate_refused_without_the_ca(https_qido, tmp_path, monkeypatch):
    url, _ = https_qido
    monkeypatch.setenv("RXLABEL_PACS_TOKEN", TOKEN)
    monkeypatch.delenv("RXLABEL_PACS_CA", raising=False)
    with pytest.raises(PacsError, match="TLS certificate is not trusted"):
        fetch(url, [Query(date_range="20240101-20240131")], tmp_path, FetchOptions(retries=3, backoff=5))


def test_wrong_token_is_a_clear_401(https_qido, tmp_path, monkeypatch):
    url, ca = https_qido
    monkeypatch.setenv("RXLABEL_PACS_TOKEN", "nope")
    with pytest.raises(PacsError, match="401"):
        fetch(url, [Query(date_range="20240101-20240131")], tmp_path, FetchOptions(ca_bundle=str(ca), retries=1))
