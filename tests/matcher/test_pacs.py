"""A real Orthanc (Debian's package, with its DICOMweb plugin) on free local ports, authentication on,
loaded with DICOM fixtures (chest films, a lateral, an abdomen film and a 20-slice chest CT of the same
day), then reached by ``rxlabel fetch`` / ``rxlabel match --pacs`` over C-GET, C-MOVE, Orthanc REST and
DICOMweb."""

import json
import shutil
import time
from pathlib import Path

import pandas as pd
import pydicom
import pytest
from click.testing import CliRunner

from rxlabel.cli import main
from rxlabel.matcher import synth
from rxlabel.matcher.netauth import PacsError, credentials_for
from rxlabel.matcher.orthanc import DICOMWEB_PLUGIN, LocalOrthanc, free_port
from rxlabel.matcher.pacs import FetchOptions, Query, fetch, queries_for


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory):
    if shutil.which("Orthanc") is None or not DICOMWEB_PLUGIN.is_file():
        pytest.skip("Orthanc or its DICOMweb plugin is not installed (apt-get install orthanc orthanc-dicomweb; "
                    ".ci/run does it)")
    with LocalOrthanc(tmp_path_factory.mktemp("orthanc")) as o:
        yield o


@pytest.fixture(scope="module")
def loaded(orthanc, tmp_path_factory):
    root = tmp_path_factory.mktemp("pacsdata")
    a = synth.generate(25, seed=21)
    synth.write_archive_dicom(a, root / "dicom")
    synth.write_archive_his(a, root / "his", per_file=100)
    ct = synth.write_ct_study(a, root / "ct")
    files = sorted((root / "dicom").rglob("*.dcm")) + sorted((root / "ct").glob("*.dcm"))
    orthanc.load(files)
    img = {r["sop_uid"]: r for r in a.images}
    return {"base": orthanc.base, "dicom": orthanc.dicom, "move": orthanc.move_port, "archive": a, "root": root,
            "ct": ct, "images": img}


USER, PASSWORD = LocalOrthanc.user, LocalOrthanc.password


@pytest.fixture
def creds(monkeypatch):
    monkeypatch.setenv("RXLABEL_PACS_USER", USER)
    monkeypatch.setenv("RXLABEL_PACS_PASSWORD", PASSWORD)
    monkeypatch.delenv("RXLABEL_PACS_TOKEN", raising=False)


def _sops(folder: Path) -> set[str]:
    return {str(pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID) for p in folder.rglob("*.dcm")}


def _fetch_cli(args: list[str]) -> dict:
    r = CliRunner().invoke(main, ["fetch", "--quiet", *args])
    assert r.exit_code == 0, r.output + repr(r.exception)
    return json.loads(r.output.strip().splitlines()[-1])


def _expected_chest(loaded, views: bool = True) -> set[str]:
    """Every CR/DX chest instance of the archive (lateral ones only where the PACS cannot tell the view)."""
    return {s for s, r in loaded["images"].items()
            if r["body_part"] == "CHEST" and (not views or r["view_position"] not in ("LL", "RL"))}


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["get", "move", "dicomweb"])
def test_fetch_chest_films_only_then_rerun_fetches_nothing(loaded, creds, tmp_path, mode):
    if mode == "dicomweb":
        url, extra = f"dicomweb+{loaded['base']}/dicom-web", []
    else:
        url, extra = f"dicom://ORTHANC@127.0.0.1:{loaded['dicom']}", ["--retrieve", mode,
                                                                       "--move-port", str(loaded["move"])]
    args = ["--pacs", url, "--his", str(loaded["root"] / "his"), "-o", str(tmp_path / "out"), *extra]
    first = _fetch_cli(args)
    got = _sops(tmp_path / "out")
    assert got, first
    assert not got & loaded["ct"], "the CT study must never be fetched"
    assert first["series_skipped"].get("modality CT") == 1
    assert first["series_skipped"].get("body part abdomen", 0) >= 1
    assert got <= _expected_chest(loaded), "only chest, non-lateral films"
    assert first["skipped_view"] >= 1  # the laterals were dropped from their QIDO/C-FIND ViewPosition
    assert first["fetched"] == len(got)
    if mode != "dicomweb":
        assert first["associations"] == 1, "one association for every query and retrieval of the run"
    second = _fetch_cli(args)
    assert second["fetched"] == 0 and second["already_have"] == len(got)
    assert _sops(tmp_path / "out") == got


@pytest.mark.slow
def test_date_range_fetch_over_rest_with_netrc(loaded, tmp_path, monkeypatch):
    for k in ("RXLABEL_PACS_USER", "RXLABEL_PACS_PASSWORD", "RXLABEL_PACS_TOKEN"):
        monkeypatch.delenv(k, raising=False)
    rc = tmp_path / "netrc"
    rc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    rc.chmod(0o600)
    dates = sorted(r["study_date"] for r in loaded["images"].values() if r["study_date"][:1].isdigit()
                   and len(r["study_date"]) == 8)
    lo, hi = dates[0], dates[len(dates) // 2]
    got = _fetch_cli(["--pacs", loaded["base"], "--dates", f"{lo}-{hi}", "-o", str(tmp_path / "out"),
                      "--netrc", str(rc)])
    sops = _sops(tmp_path / "out")
    assert sops and got["fetched"] == len(sops)
    assert not sops & loaded["ct"]
    in_range = {s for s, r in loaded["images"].items() if lo <= r["study_date"] <= hi and r["body_part"] == "CHEST"}
    assert sops == in_range  # REST cannot see ViewPosition before retrieval: laterals come too


def test_no_credentials_gives_a_clear_error(loaded, tmp_path, monkeypatch):
    for k in ("RXLABEL_PACS_USER", "RXLABEL_PACS_PASSWORD", "RXLABEL_PACS_TOKEN"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc
    for url in (loaded["base"], f"dicomweb+{loaded['base']}/dicom-web"):
        r = CliRunner().invoke(main, ["fetch", "--pacs", url, "--dates", "20200101-20301231", "-o", str(tmp_path / "o")])
        assert r.exit_code != 0 and "401" in r.output and "RXLABEL_PACS_USER" in r.output, r.output
    r = CliRunner().invoke(main, ["fetch", "--pacs", f"http://{USER}:{PASSWORD}@127.0.0.1:1", "--dates",
                                  "20200101-20301231", "-o", str(tmp_path / "o")])
    assert r.exit_code != 0 and "credentials in the URL are refused" in r.output


def test_dead_pacs_fails_fast_with_a_clear_error(tmp_path):
    opts = FetchOptions(timeout=2, retries=2, backoff=0.1)
    t0 = time.monotonic()
    with pytest.raises(PacsError, match="failed after 2 attempt"):
        fetch(f"dicom://NOBODY@127.0.0.1:{free_port()}", [Query(date_range="20200101-20200102")], tmp_path, opts)
    with pytest.raises(PacsError, match="failed after 2 attempt"):
        fetch(f"dicomweb+http://127.0.0.1:{free_port()}/dicom-web", [Query(date_range="20200101-20200102")],
              tmp_path, opts)
    assert time.monotonic() - t0 < 20


@pytest.mark.slow
def test_killed_fetch_resumes_with_only_the_rest(loaded, creds, tmp_path):
    url = f"dicom://ORTHANC@127.0.0.1:{loaded['dicom']}"
    q = queries_for(loaded["archive"].reports())
    reference = fetch(url, q, tmp_path / "ref")["fetched"]
    stored = []

    def die_after_five(path):
        stored.append(path)
        if len(stored) == 5:
            raise KeyboardInterrupt  # what a Ctrl-C or a kill mid-run leaves behind

    with pytest.raises(KeyboardInterrupt):
        fetch(url, q, tmp_path / "out", on_stored=die_after_five)
    # A kill during a write leaves a .partial file, never a truncated .dcm.
    (tmp_path / "out" / "x.dcm.partial").write_bytes(b"cut")
    assert len(_sops(tmp_path / "out")) == 5
    rest = fetch(url, q, tmp_path / "out")
    assert rest["already_have"] == 5 and rest["fetched"] == reference - 5
    assert _sops(tmp_path / "out") == _sops(tmp_path / "ref")
    assert fetch(url, q, tmp_path / "out")["fetched"] == 0


def test_credentials_from_env_and_netrc(tmp_path):
    rc = tmp_path / "netrc"
    rc.write_text("machine pacs.example.org login bob password pw1\nmachine cloud.example.org account bearer "
                  "password tok-123\n")
    rc.chmod(0o600)
    assert credentials_for("https://pacs.example.org/x", rc, env={}).password == "pw1"
    c = credentials_for("https://cloud.example.org/dicomweb", rc, env={})
    assert c.token == "tok-123" and c.headers() == {"Authorization": "Bearer tok-123"}
    assert credentials_for("https://other.example.org", rc, env={}) is None
    assert credentials_for("https://x", None, env={"RXLABEL_PACS_TOKEN": "t"}).token == "t"
    with pytest.raises(PacsError, match="RXLABEL_PACS_PASSWORD"):
        credentials_for("https://x", None, env={"RXLABEL_PACS_USER": "u"})


@pytest.mark.slow
def test_match_against_orthanc_every_path(loaded, creds, tmp_path):
    root = loaded["root"]
    runner = CliRunner()
    local = runner.invoke(main, ["match", "--dicom", str(root / "dicom"), "--his", str(root / "his"),
                                 "-o", str(tmp_path / "local.csv"), "--quiet"])
    assert local.exit_code == 0, local.output
    expected = pd.read_csv(tmp_path / "local.csv", dtype=str, keep_default_na=False)
    assert len(expected) > 10
    dimse = f"dicom://ORTHANC@127.0.0.1:{loaded['dicom']}"
    for name, url, extra in (("get", dimse, []), ("move", dimse, ["--retrieve", "move", "--move-port",
                                                                  str(loaded["move"])]),
                             ("rest", loaded["base"], []), ("dicomweb", f"dicomweb+{loaded['base']}/dicom-web", [])):
        r = runner.invoke(main, ["match", "--pacs", url, "--his", str(root / "his"), *extra,
                                 "-o", str(tmp_path / f"{name}.csv"), "--quiet"])
        assert r.exit_code == 0, r.output + repr(r.exception)
        got = pd.read_csv(tmp_path / f"{name}.csv", dtype=str, keep_default_na=False)
        key = ["sop_uid", "report_id", "rule"]
        assert got[key].sort_values(key).values.tolist() == expected[key].sort_values(key).values.tolist(), name
        s = synth.score(loaded["archive"], got, pd.read_csv(tmp_path / f"{name}.ambiguous.csv", dtype=str,
                                                            keep_default_na=False))
        assert s["precision"] == 1.0


@pytest.mark.slow
def test_run_config_with_a_pacs_site_is_incremental(loaded, creds, tmp_path):
    import yaml

    cfg = {"workdir": str(tmp_path / "w"), "steps": ["match"],
           "sites": [{"name": "orthanc", "lang": "es", "pacs": f"dicomweb+{loaded['base']}/dicom-web",
                      "his": [str(loaded["root"] / "his")]}],
           "pacs": {"timeout": 20, "retries": 2, "modalities": ["cr", "dx"]}}
    (tmp_path / "run.yaml").write_text(yaml.safe_dump(cfg))
    runner = CliRunner()
    first = runner.invoke(main, ["run", str(tmp_path / "run.yaml")])
    assert first.exit_code == 0, first.output + repr(first.exception)
    fetched = _sops(tmp_path / "w" / "pacs" / "orthanc")
    assert fetched and not fetched & loaded["ct"] and fetched <= _expected_chest(loaded)
    assert (tmp_path / "w" / "match" / "orthanc").is_dir()
    second = runner.invoke(main, ["run", str(tmp_path / "run.yaml")])
    assert second.exit_code == 0, second.output
    assert "PACS: 0 new instances" in second.output and "(unchanged, skipped)" in second.output, second.output
    cfg["pacs"]["password"] = "x"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(cfg))
    bad = runner.invoke(main, ["run", str(tmp_path / "bad.yaml")])
    assert bad.exit_code != 0 and "credentials never go in a configuration" in bad.output


@pytest.mark.slow
def test_sigkilled_fetch_process_resumes(loaded, creds, tmp_path):
    """A real ``kill -9`` of ``rxlabel fetch`` mid-run: the rerun completes it and fetches nothing twice."""
    import os
    import signal
    import subprocess
    import sys

    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "RXLABEL_PACS_USER": USER, "RXLABEL_PACS_PASSWORD": PASSWORD}
    args = [sys.executable, "-m", "rxlabel", "fetch", "--quiet", "--pacs", f"dicom://ORTHANC@127.0.0.1:{loaded['dicom']}",
            "--his", str(loaded["root"] / "his"), "-o", str(tmp_path / "out")]
    state = tmp_path / "out" / ".rxlabel-fetch-state.jsonl"
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if state.is_file() and len(state.read_text().splitlines()) >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the fetch finished before it could be killed: " + proc.stderr.read().decode()[-500:]
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    done = _sops(tmp_path / "out")
    assert 3 <= len(done)
    rest = _fetch_cli(["--pacs", f"dicom://ORTHANC@127.0.0.1:{loaded['dicom']}", "--his", str(loaded["root"] / "his"),
                       "-o", str(tmp_path / "out")])
    assert rest["already_have"] >= len(done) - 1  # at most the one being written when killed is fetched again
    reference = _fetch_cli(["--pacs", f"dicom://ORTHANC@127.0.0.1:{loaded['dicom']}", "--his",
                            str(loaded["root"] / "his"), "-o", str(tmp_path / "ref")])
    assert _sops(tmp_path / "out") == _sops(tmp_path / "ref")
    assert rest["fetched"] + rest["already_have"] == reference["fetched"]
