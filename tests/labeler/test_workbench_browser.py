"""The workbench in a real headless Chromium (Debian's, driven by Playwright; no browser download).

Two readers review the same reports with keyboard and mouse, one says INVALID, kappa appears on the
agreement page and matches scikit-learn, the QC loop runs two rounds, the export applies back with
``review apply``, a server killed mid-session loses no saved decision, and two readers saving the same
report at once both keep theirs. Screenshots of each page go to the test's tmp folder (and to
$RXLABEL_SCREENSHOTS when set, which is how docs/img/ is made).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rxlabel.labeler.batch import label_file
from rxlabel.labeler.io import read_records
from rxlabel.labeler.workbench import agreement as agr
from rxlabel.labeler.workbench.store import Store
from tests.conftest import TEST_DATA

CHROMIUM = Path("/usr/bin/chromium")
VI_DEV = TEST_DATA / "labeler" / "workbench" / "vi_dev_100.jsonl"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``rxlabel review serve`` in a child process, as a user starts it."""

    def __init__(self, labels: Path, db: Path, log: Path, reports: Path = VI_DEV):
        self.labels, self.db, self.log, self.reports = labels, db, log, reports
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        import httpx

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rxlabel", "review", "serve", str(self.labels), "--reports", str(self.reports),
             "--db", str(self.db), "--port", str(self.port)],
            stdout=open(self.log, "a"), stderr=subprocess.STDOUT, env=dict(os.environ))
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server stopped: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/login", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        raise AssertionError(f"the server did not answer in 90 s: {self.log.read_text()}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)  # no shutdown handler runs: what is saved must already be on disk
            self.proc.wait(10)


@pytest.fixture
def setup(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium); apt-get install chromium")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright (the system Chromium is used)")
    # every other report ends in a sentence no rule knows, so about half reach the queue whatever the
    # Vietnamese pack's coverage (as in test_workbench.py)
    reports = tmp_path / "reports.jsonl"
    with VI_DEV.open(encoding="utf-8") as src, reports.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            row = json.loads(line)
            if i % 2 == 0:
                row["text"] += "\nXyzw qwrtk plmnv phổi trái."  # names a part of the chest: a bare sentence that queues
            dst.write(json.dumps(row, ensure_ascii=False) + "\n")
    labels = tmp_path / "labels.jsonl"
    label_file(reports, labels, "vi", progress=False)
    server = Server(labels, tmp_path / "review.sqlite", tmp_path / "server.log", reports).start()
    yield server, labels, tmp_path
    server.kill()


class Shots:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.extra = Path(os.environ["RXLABEL_SCREENSHOTS"]) if os.environ.get("RXLABEL_SCREENSHOTS") else None

    def __call__(self, page, name: str) -> None:
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        assert path.stat().st_size > 1000
        if self.extra:
            self.extra.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, self.extra / path.name)


def _reader(pw, tmp: Path, name: str):
    context = pw.chromium.launch_persistent_context(
        str(tmp / f"profile-{name}"), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
        viewport={"width": 1200, "height": 760})
    context.set_default_timeout(30_000)
    return context, context.pages[0] if context.pages else context.new_page()


def _login(page, url: str, name: str) -> None:
    page.goto(url + "/login")
    page.fill("#name", name)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/queue") and page.inner_text("#me") == name


def _press(page, key: str) -> str:
    """Press a decision key on a report page; returns the report it decided once the save is confirmed."""
    rid = page.inner_text("#rid")
    with page.expect_navigation():
        page.keyboard.press(key)
    return rid


def test_two_readers_agreement_qc_export_kill_and_simultaneous_saves(setup):
    from playwright.sync_api import sync_playwright
    from sklearn.metrics import cohen_kappa_score

    server, labels, tmp = setup
    shots = Shots(tmp / "screenshots")
    saved = 0
    with sync_playwright() as pw:
        ctx_a, ana = _reader(pw, tmp, "ana")
        ctx_b, bo = _reader(pw, tmp, "bo")

        # -- ana, keyboard first -----------------------------------------------------------------
        ana.goto(server.url + "/login")
        shots(ana, "login")
        _login(ana, server.url, "ana")
        shots(ana, "queue")
        with ana.expect_navigation():
            ana.keyboard.press("Enter")  # the first report in her order
        shots(ana, "report")
        assert ana.locator("#report-text mark.ev").count() > 0
        decided = [_press(ana, "a")]  # accept the suggestions
        decided.append(_press(ana, "n"))  # normal
        rid = ana.inner_text("#rid")
        ana.keyboard.press("f")
        ana.keyboard.type("pleural eff")
        assert "pleural effusion" in ana.inner_text("#complete")
        ana.keyboard.press("Tab")
        ana.keyboard.type("1")
        ana.keyboard.press("Enter")
        assert "pleural effusion=1" in ana.inner_text("#draft")
        ana.keyboard.press("Escape")
        ana.keyboard.press("3")  # certainty 0.75
        decided.append(_press(ana, "s"))
        assert decided[-1] == rid
        with ana.expect_navigation():  # mouse: reject
            decided.append(ana.inner_text("#rid"))
            ana.click("#btn-reject")
        ana.click("#comment")
        ana.keyboard.type("ana-private-note")
        decided.append(ana.inner_text("#rid"))
        with ana.expect_navigation():
            ana.click("#btn-normal")
        saved += 5
        store = Store(server.db)
        assert [d["report_id"] for d in store.decisions(annotator="ana")] == decided
        assert store.latest()[decided[2]]["ana"]["findings"]["pleural effusion"] == 1
        assert store.latest()[decided[2]]["ana"]["certainty"] == "0.75"

        # -- bo, blind: never sees ana's decisions, his own order ------------------------------------
        _login(bo, server.url, "bo")
        with bo.expect_navigation():
            bo.select_option("#order", "shuffled")
        assert Store(server.db).annotator("bo")["order_mode"] == "shuffled"
        keys = ["a", "i+n", "f", "x", "a"]
        for rid, key in zip(decided, keys, strict=True):
            bo.goto(f"{server.url}/report/{rid}")
            assert "ana-private-note" not in bo.content() and bo.inner_text("#history").strip() == "none"
            if key == "i+n":
                bo.keyboard.press("i")  # INVALID
                _press(bo, "n")
            elif key == "f":
                bo.keyboard.press("f")
                bo.keyboard.type("pleural effusion=1")
                bo.keyboard.press("Enter")
                bo.keyboard.press("Escape")
                _press(bo, "s")
            else:
                _press(bo, key)
        saved += 5
        latest = Store(server.db).latest()
        assert latest[decided[1]]["bo"]["certainty"] == "INVALID"

        # a third reader who decided nothing sees no one's decision on the agreement page
        ctx_c, cy = _reader(pw, tmp, "cy")
        _login(cy, server.url, "cy")
        cy.goto(server.url + "/agreement")
        assert "hidden until you decide" in cy.inner_text("#disagreements")
        ctx_c.close()

        # -- agreement page: kappa as scikit-learn computes it on the recorded decisions -------------
        ana.goto(server.url + "/agreement")
        shots(ana, "agreement")
        pair = [r for r in latest.values() if "ana" in r and "bo" in r]
        for finding in (agr.WHOLE, "pleural effusion"):
            a = [agr.category(v["ana"], finding) for v in pair]
            b = [agr.category(v["bo"], finding) for v in pair]
            expected = cohen_kappa_score(a, b)
            cell = ana.locator(f'#kappa tr[data-finding="{finding}"][data-a="ana"][data-b="bo"] td.kappa').inner_text()
            assert float(cell) == pytest.approx(expected, abs=5e-4), (finding, a, b)
        assert "ana-private-note" not in ana.inner_text("#kappa")
        ana.check('input[name=rule][value="adjudicator"]')
        ana.select_option("#adjudicator", "ana")
        with ana.expect_navigation():
            ana.click("#set-rule")
        assert ana.inner_text("#rule") == "adjudicator" and "by ana" in ana.inner_text("#rule-history")

        # -- QC loop: round 1 finds an error, round 2 none ------------------------------------------
        ana.goto(server.url + "/qc")
        with ana.expect_navigation():
            ana.click("#draw")
        with ana.expect_navigation():
            ana.click("#qc-items a >> nth=0")
        assert "QC round 1" in ana.inner_text("h1")
        _press(ana, "x")  # the auto labels were wrong
        saved += 1
        while "/report/" in ana.url:
            _press(ana, "a")
            saved += 1
        assert ana.locator("#rounds td.errors").first.inner_text() == "1"
        with ana.expect_navigation():
            ana.click("#draw")
        with ana.expect_navigation():
            ana.click("#qc-items a >> nth=0")
        while "/report/" in ana.url:
            _press(ana, "a")
            saved += 1
        shots(ana, "qc")
        assert ana.locator("#qc-done").count() == 1
        rounds = Store(server.db).qc_rounds()
        assert [r["errors"] for r in rounds] == [1, 0] and all(r["complete"] for r in rounds)

        # -- the server is killed mid-session: nothing saved is lost ---------------------------------
        bo.goto(server.url + "/queue")
        with bo.expect_navigation():
            bo.keyboard.press("Enter")
        before = bo.inner_text("#rid")
        _press(bo, "n")
        saved += 1
        assert Store(server.db).decision_count() == saved
        server.kill()
        server.start()
        assert Store(server.db).decision_count() == saved
        bo.goto(f"{server.url}/report/{before}")
        assert "normal" in bo.inner_text("#history")
        _press(bo, "a")  # and the page goes on working
        saved += 1

        # -- two readers save the same report at the same moment: both are kept ---------------------
        target = Store(server.db).ids()[-1]
        for page in (ana, bo):
            page.goto(f"{server.url}/report/{target}")
        ana.evaluate("() => { window.__p = rxSave('accept', {navigate: false}); }")
        bo.evaluate("() => { window.__p = rxSave('normal', {navigate: false}); }")
        ids = [page.evaluate("() => window.__p.then(d => d && d.id)") for page in (ana, bo)]
        assert all(ids) and ids[0] != ids[1]
        saved += 2
        votes = Store(server.db).latest()[target]
        assert votes["ana"]["action"] == "accept" and votes["bo"]["action"] == "normal"
        ctx_a.close()
        ctx_b.close()

    _burst(server, Store(server.db).ids()[-2])
    saved += 40
    assert Store(server.db).decision_count() == saved

    # -- export -> review apply ----------------------------------------------------------------------
    out, applied = tmp / "decisions.csv", tmp / "reviewed.jsonl"
    cli = [sys.executable, "-m", "rxlabel", "review"]
    subprocess.run([*cli, "export-decisions", str(server.db), "-o", str(out)], check=True, env=dict(os.environ))
    rows = {r["report_id"]: r for r in csv.DictReader(open(out, encoding="utf-8"))}
    assert set(decided) <= set(rows)
    assert rows[decided[3]]["decision"] == "reject"  # both rejected
    assert rows[decided[1]]["decision"] == "normal=1" and rows[decided[1]]["reviewer"] == "ana"  # bo said INVALID
    done = subprocess.run([*cli, "apply", str(labels), str(out), "-o", str(applied)], check=True,
                          capture_output=True, text=True, env=dict(os.environ))
    assert "applied" in done.stdout
    records = {r["report_id"]: r for r in read_records(applied)}  # through the record's reader (any format)
    assert records[decided[2]]["method"] == "review"
    assert records[decided[2]]["findings"]["pleural effusion"] == 1 and records[decided[2]]["regions"]["pleura"] == 1
    assert decided[3] not in records  # rejected by the readers: in the rejects file
    assert len(records) + sum(r["decision"] == "reject" for r in rows.values()) == 100


def _burst(server: Server, rid: str) -> None:
    """Two readers' clients hammer one report at once over HTTP: 2 x 20 saves, all must be kept."""
    import httpx

    barrier = threading.Barrier(2)
    errors: list[str] = []

    def reader(name):
        with httpx.Client(base_url=server.url, timeout=30) as client:
            client.post("/login", data={"name": name})
            barrier.wait()
            for i in range(20):
                r = client.post("/api/decision", json={"report_id": rid, "action": "set",
                                                       "findings": {"nodule": i % 2}, "certainty": "0.5"})
                if r.status_code != 200:
                    errors.append(r.text)

    threads = [threading.Thread(target=reader, args=(n,)) for n in ("ana", "bo")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_a_queue_clears_with_the_keyboard_alone(tmp_path):
    """The bundled Spanish sample reports (the demo's first step): name, Enter, then one key a report."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium); apt-get install chromium")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright (the system Chromium is used)")
    from playwright.sync_api import sync_playwright

    from rxlabel.pipeline.demo import sample_path

    labels = tmp_path / "labels.jsonl"
    label_file(sample_path("es"), labels, "es", progress=False)
    server = Server(labels, tmp_path / "review.sqlite", tmp_path / "server.log", sample_path("es")).start()
    try:
        queue = Store(server.db).ids()
        assert queue
        with sync_playwright() as pw:
            ctx, page = _reader(pw, tmp_path, "kb")
            page.goto(server.url + "/login")
            # The name field is autofocused; typing before focus lands would lose the first letters.
            page.wait_for_function("document.activeElement && document.activeElement.id === 'name'")
            page.keyboard.type("keyboard reader")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            keys = iter(["a", "n", "x"] * len(queue))
            while "/report/" in page.url:
                _press(page, next(keys))
            assert page.url.endswith("/queue")
            ctx.close()
        latest = Store(server.db).latest()
        assert set(latest) == set(queue) and all("keyboard reader" in v for v in latest.values())
    finally:
        server.kill()
