"""The review workbench without a browser: store, agreement, consensus, QC loop, export -> apply, token."""

from __future__ import annotations

import csv
import json
import random
import sqlite3
import threading
from pathlib import Path

import pytest

from rxlabel.labeler.batch import label_file
from rxlabel.labeler.io import read_records
from rxlabel.labeler.review import apply_decisions
from rxlabel.labeler.workbench import agreement as agr
from rxlabel.labeler.workbench.store import Store, WorkbenchError
from tests.conftest import TEST_DATA

VI_DEV = TEST_DATA / "labeler" / "workbench" / "vi_dev_100.jsonl"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """The 100 dev reports, every other one ending in a sentence no rule knows, so about half reach the
    queue whatever the labeller's coverage (the Vietnamese pack now labels most clean reports itself)."""
    out = tmp_path_factory.mktemp("wb_reports") / "reports.jsonl"
    with VI_DEV.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            row = json.loads(line)
            if i % 2 == 0:
                row["text"] += "\nXyzw qwrtk plmnv phổi trái."  # names a part of the chest: a bare sentence that queues
            dst.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out


@pytest.fixture(scope="module")
def labels(tmp_path_factory, reports) -> Path:
    out = tmp_path_factory.mktemp("wb") / "labels.jsonl"
    label_file(reports, out, "vi", progress=False)
    return out


@pytest.fixture
def store(labels, reports, tmp_path) -> Store:
    s = Store(tmp_path / "review.sqlite")
    s.load(labels, reports)
    return s


def test_load_counts_add_up_and_reload_keeps_everything(store, labels, reports):
    c = store.counts()
    queued = sum(1 for line in labels.open(encoding="utf-8") if json.loads(line)["method"] == "unlabelled")
    assert c["reports"] == 100 and c["queue"] + c["auto"] == 100 and c["queue"] == queued >= 40
    store.decide(store.ids()[0], "ana", "normal")
    again = store.load(labels, reports)
    assert again["new"] == 0 and again["decisions"] == 1
    assert "Kết luận" in store.report("vd0002")["text"] or store.report("vd0002")["text"]


def test_decisions_are_append_only(store):
    rid = store.ids()[0]
    store.decide(rid, "ana", "accept")
    store.decide(rid, "ana", "set", {"pleural effusion": 1}, certainty="0.75")
    con = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE decisions SET certainty = '0'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM decisions")
    con.close()
    assert [d["action"] for d in store.decisions(rid)] == ["accept", "set"]
    latest = store.latest()[rid]["ana"]
    assert latest["findings"] == {"pleural effusion": 1} and latest["regions"]["pleura"] == 1
    assert latest["certainty"] == "0.75" and latest["created"].endswith("Z")
    assert store.path.with_name("review.sqlite-wal").exists() or \
        sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("kwargs, message", [
    ({"action": "maybe"}, "action must be one of"),
    ({"action": "accept", "certainty": "0.6"}, "certainty must be one of"),
    ({"action": "set", "findings": {"pleural efusion": 1}}, "unknown finding 'pleural efusion'"),
    ({"action": "set", "findings": {"pleural effusion": 2}}, "must be 1, 0 or -1"),
])
def test_bad_decisions_are_refused_and_nothing_is_written(store, kwargs, message):
    with pytest.raises(WorkbenchError, match=message):
        store.decide(store.ids()[0], "ana", **kwargs)
    assert store.decision_count() == 0
    with pytest.raises(WorkbenchError, match="unknown report id"):
        store.decide("nope", "ana", "accept")


def test_certainty_scale_includes_invalid(store):
    rid = store.ids()[0]
    for level in ("0", "0.25", "0.5", "0.75", "1", "invalid"):
        store.decide(rid, "ana", "accept", certainty=level)
    assert [d["certainty"] for d in store.decisions(rid)] == ["0", "0.25", "0.5", "0.75", "1", "INVALID"]


def test_queue_orders_are_per_annotator(store):
    store.set_order("ana", "shuffled")
    store.set_order("bo", "shuffled")
    store.set_order("cy", "file")
    assert store.queue_order("cy") == store.ids()
    assert store.queue_order("ana") != store.queue_order("bo")
    assert sorted(store.queue_order("ana")) == sorted(store.ids())
    first = store.queue_order("ana")[0]
    store.decide(first, "ana", "normal")
    assert store.queue_order("ana")[-1] == first  # decided reports go to the end
    with pytest.raises(WorkbenchError, match="queue order"):
        store.set_order("ana", "alphabetical")


def test_concurrent_saves_of_one_report_all_survive(store):
    rid = store.ids()[0]
    barrier = threading.Barrier(4)

    def work(name):
        barrier.wait()
        for i in range(10):
            store.decide(rid, name, "set", {"nodule": 1 if i % 2 else 0})

    threads = [threading.Thread(target=work, args=(f"reader{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.decision_count() == 40
    assert set(store.latest()[rid]) == {f"reader{i}" for i in range(4)}


# -- agreement --------------------------------------------------------------------------------------

def _random_ratings(seed, raters, items, cats=("1", "0", "-1", "INVALID")):
    rng = random.Random(seed)
    truth = [rng.choice(cats) for _ in range(items)]
    return [[t if rng.random() < 0.7 else rng.choice(cats) for t in truth] for _ in range(raters)]


@pytest.mark.parametrize("seed", range(6))
def test_cohen_kappa_matches_sklearn(seed):
    from sklearn.metrics import cohen_kappa_score

    a, b = _random_ratings(seed, 2, 40 + seed * 7)
    assert agr.cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


@pytest.mark.parametrize("seed, raters", [(0, 3), (1, 3), (2, 4), (3, 5)])
def test_fleiss_kappa_matches_statsmodels(seed, raters):
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    ratings = _random_ratings(seed, raters, 50)
    table = [list(row) for row in zip(*ratings, strict=True)]
    counts, _ = aggregate_raters([[["1", "0", "-1", "INVALID"].index(x) for x in row] for row in table])
    assert agr.fleiss_kappa(table) == pytest.approx(fleiss_kappa(counts, method="fleiss"), abs=1e-12)


def test_agreement_on_recorded_decisions_matches_the_references(store):
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    rng = random.Random(7)
    ids = store.ids()[:30]
    for name in ("ana", "bo", "cy"):
        for rid in ids:
            if rng.random() < 0.15:
                store.decide(rid, name, "accept", certainty="INVALID")
            elif rng.random() < 0.5:
                store.decide(rid, name, "set", {"pleural effusion": rng.choice([1, 0, -1]), "nodule": rng.choice([1, 0])})
            else:
                store.decide(rid, name, "set", {"pleural effusion": 1, "nodule": 0})
    result = agr.agreement(store.latest(), store.annotators())
    row = next(r for r in result["findings"] if r["finding"] == "pleural effusion")
    latest = store.latest()
    for pair in row["pairs"]:
        a = [agr.category(latest[r][pair["a"]], "pleural effusion") for r in ids]
        b = [agr.category(latest[r][pair["b"]], "pleural effusion") for r in ids]
        assert pair["n"] == 30
        assert pair["kappa"] == pytest.approx(cohen_kappa_score(a, b))
    table = [[agr.category(latest[r][n], "pleural effusion") for n in ("ana", "bo", "cy")] for r in ids]
    cats = sorted({c for t in table for c in t})
    counts, _ = aggregate_raters([[cats.index(c) for c in t] for t in table])
    assert row["fleiss"] == pytest.approx(fleiss_kappa(counts)) and row["fleiss_n"] == 30


def _vote(annotator, action="set", findings=None, certainty="1"):
    return {"annotator": annotator, "action": action, "findings": findings if action != "reject" else None,
            "certainty": certainty}


EFF, NOD = {"pleural effusion": 1, "nodule": 0}, {"nodule": 1}


@pytest.mark.parametrize("votes, rule, adjudicator, status, says", [
    ([("a", EFF, "1"), ("b", EFF, "0.5"), ("c", NOD, "1")], "majority", None, "agreed", "pleural effusion=1"),
    ([("a", EFF, "1"), ("b", NOD, "1")], "majority", None, "unresolved", None),
    ([("a", EFF, "1"), ("b", NOD, "INVALID")], "majority", None, "agreed", "pleural effusion=1"),
    ([("a", EFF, "INVALID"), ("b", NOD, "INVALID")], "majority", None, "invalid", None),
    ([("a", EFF, "1"), ("b", NOD, "0.5")], "all_certain", None, "agreed", "pleural effusion=1"),
    ([("a", EFF, "0.75"), ("b", NOD, "0.5")], "all_certain", None, "unresolved", None),
    ([("a", EFF, "1"), ("b", NOD, "1")], "all_certain", None, "unresolved", None),
    ([("a", EFF, "1"), ("b", NOD, "0.25")], "adjudicator", "b", "agreed", "nodule=1"),
    ([("a", EFF, "1"), ("b", EFF, "1")], "adjudicator", "z", "agreed", "pleural effusion=1"),
    ([("a", EFF, "1"), ("b", NOD, "1")], "adjudicator", "z", "unresolved", None),
])
def test_consensus_rules(votes, rule, adjudicator, status, says):
    given = {a: _vote(a, "set", f, c) for a, f, c in votes}
    out = agr.consensus(given, rule, adjudicator)
    assert out["status"] == status
    assert (agr.signature(out["decision"]) if out["decision"] else None) == says


def test_signature_ignores_stated_negatives():
    assert agr.signature(_vote("a", "set", {"nodule": 0, "normal": 1})) == agr.signature(_vote("b", "set", {"normal": 1}))
    assert agr.signature(_vote("a", "reject")) == "reject"


# -- QC loop ----------------------------------------------------------------------------------------

def test_qc_loop_draws_until_a_round_finds_no_error(store):
    auto = set(store.ids(queued=False))
    first = store.draw_qc_round(0.05, seed=3)
    items1 = store.qc_items(first)
    assert len(items1) == max(1, round(len(auto) * 0.05)) and set(items1) <= auto
    with pytest.raises(WorkbenchError, match="not finished"):
        store.draw_qc_round()
    store.decide(items1[0], "ana", "reject", source="qc")  # an error
    for rid in items1[1:]:
        store.decide(rid, "ana", "accept", source="qc")
    r1 = store.qc_rounds()[-1]
    assert r1["complete"] and r1["errors"] == 1 and r1["error_rate"] == pytest.approx(1 / len(items1))
    second = store.draw_qc_round(0.05, seed=3)
    items2 = store.qc_items(second)
    assert not set(items2) & set(items1)  # never drawn twice
    for rid in items2:
        store.decide(rid, "bo", "accept", source="qc")
    assert store.qc_rounds()[-1]["errors"] == 0
    with pytest.raises(WorkbenchError, match="found no error"):
        store.draw_qc_round()
    # the same seed draws the same sample
    other = Store(store.path.with_name("other.sqlite"))
    other.load(store.meta("labels"))
    assert other.qc_items(other.draw_qc_round(0.05, seed=3)) == items1


# -- export -> apply ----------------------------------------------------------------------------------

def test_export_applies_back_with_review_apply(store, labels, tmp_path):
    ids = store.ids()
    store.decide(ids[0], "ana", "set", {"pleural effusion": 1, "nodule": 0}, certainty="0.75")
    store.decide(ids[0], "bo", "set", {"pleural effusion": 1})
    store.decide(ids[1], "ana", "reject")
    store.decide(ids[2], "ana", "normal")
    store.decide(ids[3], "ana", "accept", certainty="INVALID")
    store.decide(ids[4], "ana", "set", {"nodule": 1})
    store.decide(ids[4], "bo", "set", {"mass": 1})  # unresolved under majority
    rid = store.qc_items(store.draw_qc_round(0.05, 0))[0]
    store.decide(rid, "ana", "set", {"pneumothorax": 1}, source="qc")  # a QC correction
    out = tmp_path / "decisions.csv"
    counts = agr.export_decisions(store, out)
    assert counts["rows"] == 5 and counts["unresolved"] == 1 and counts["invalid"] == 1
    rows = {r["report_id"]: r for r in csv.DictReader(open(out, encoding="utf-8"))}
    assert rows[ids[0]]["decision"] == "nodule=0; pleural effusion=1" or rows[ids[0]]["decision"] == "pleural effusion=1"
    assert rows[ids[1]]["decision"] == "reject" and rows[ids[3]]["decision"] == "reject"
    assert ids[4] not in rows and rows[rid]["decision"] == "pneumothorax=1"
    applied = tmp_path / "reviewed.jsonl"
    summary = apply_decisions(labels, out, applied)
    assert (summary.decided, summary.rejected, summary.unchanged) == (3, 2, 95)
    records = {r["report_id"]: r for r in read_records(applied)}  # through the record's reader (any format)
    assert len(records) == 98 and records[ids[0]]["method"] == "review"
    assert records[ids[0]]["findings"]["pleural effusion"] == 1 and records[ids[0]]["regions"]["pleura"] == 1
    assert records[rid]["findings"] == {"pneumothorax": 1}
    assert "review:ana+bo" in records[ids[0]]["evidence"][-1]["rule"]


# -- the web app through TestClient ------------------------------------------------------------------

def test_token_is_required_when_set(store):
    from fastapi.testclient import TestClient

    from rxlabel.labeler.workbench.app import create_app

    client = TestClient(create_app(store, token="s3cret", assistant=False))
    assert client.get("/login").status_code == 403
    assert client.get("/login?token=wrong").status_code == 403
    assert client.get("/login?token=s3cret").status_code == 200
    assert client.get("/queue", follow_redirects=False).status_code == 303  # the cookie now carries the token


def test_report_page_is_blind_and_highlights_evidence(store):
    from fastapi.testclient import TestClient

    from rxlabel.labeler.workbench.app import create_app

    app = create_app(store, assistant=False)
    ana, bo = TestClient(app), TestClient(app)
    ana.post("/login", data={"name": "ana"})
    bo.post("/login", data={"name": "bo"})
    rid = next(i for i in store.ids() if store.report(i)["record"]["evidence"])
    r = ana.post("/api/decision", json={"report_id": rid, "action": "normal", "comment": "ana-secret-note"})
    assert r.status_code == 200
    page = bo.get(f"/report/{rid}").text
    assert "ana-secret-note" not in page and 'class="ev ' in page
    assert "ana-secret-note" in ana.get(f"/report/{rid}").text
    bo.post("/api/decision", json={"report_id": rid, "action": "set", "findings": {"nodule": 1}})
    assert "hidden until you decide" not in bo.get("/agreement").text
    assert bo.post("/api/decision", json={"report_id": rid, "action": "set", "findings": {"x": 1}}).status_code == 400
    auto = store.ids(queued=False)[0]
    r = bo.post("/api/decision", json={"report_id": auto, "action": "accept"})
    assert r.status_code == 400 and "QC page" in r.json()["error"]


# -- the assistant -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trained(labels):
    from rxlabel.labeler.pack import load_pack
    from rxlabel.labeler.workbench.assistant import Assistant

    records = list(read_records(labels))
    texts = {json.loads(line)["report_id"]: json.loads(line)["text"] for line in open(VI_DEV, encoding="utf-8")}
    items = [(r, texts[r["report_id"]]) for r in records]
    pack = load_pack("vi")
    return Assistant(pack).fit(Assistant(pack).examples(items)), items, pack


def test_assistant_ranks_abnormal_reports_first(trained):
    from sklearn.metrics import roc_auc_score

    assistant, items, pack = trained
    abnormal = {n for n, f in pack.findings.items() if f.abnormal}
    ranked = [(assistant.score({**r, "evidence": []}, t)["p_abnormal"],
               any(v != 0 and f in abnormal for f, v in r["findings"].items())) for r, t in items]
    auc = roc_auc_score([a for _, a in ranked], [p for p, _ in ranked])
    assert auc > 0.75, auc  # rule-abnormal reports come first though the model sees no rule evidence


def test_assistant_proposes_for_sentences_no_rule_understood(trained):
    assistant, items, _ = trained
    record = {"report_id": "x", "method": "unlabelled", "findings": {}, "evidence": []}
    text = "Tràn dịch màng phổi bên phải lượng ít."
    scored = assistant.score(record, text)
    assert scored["proposals"] and scored["proposals"][0]["finding"] == "pleural effusion"
    assert 0.3 <= scored["proposals"][0]["p"] <= 1 and scored["proposals"][0]["sentence"] == text
    # a sentence a rule understood gets no proposal: the rules speak for it
    understood = {**record, "evidence": [{"finding": "pleural effusion", "status": 1, "start": 0, "end": 19,
                                          "match": "exact"}]}
    assert assistant.score(understood, text)["proposals"] == []


def test_proposals_are_suggestions_and_the_model_retrains_after_a_batch(store):
    import time

    from fastapi.testclient import TestClient

    from rxlabel.labeler.workbench.app import create_app

    app = create_app(store, batch=3)
    wb = app.state.workbench
    assert wb.wait(120)
    assert wb.assistant.version == 1 and len(store.scores()) == store.counts()["queue"]
    client = TestClient(app)
    client.post("/login", data={"name": "ana"})
    for rid in store.ids()[:3]:
        client.post("/api/decision", json={"report_id": rid, "action": "set", "findings": {"pneumothorax": 1}})
    deadline = time.time() + 120
    while wb.assistant.version < 2 and time.time() < deadline:
        time.sleep(0.2)
    assert wb.wait(120) and wb.assistant.version >= 2 and wb.assistant.trained_on > 0


def test_accept_keeps_the_rules_findings_and_only_accept_all_adds_proposals(store):
    rid = next(i for i in store.ids() if "pneumothorax" not in store.report(i)["record"]["findings"])
    store.save_scores({rid: {"p_abnormal": 0.9, "proposals": [
        {"finding": "pneumothorax", "p": 0.8, "sentence": "s", "start": 0, "end": 1},
        {"finding": "mass", "p": 0.4, "sentence": "s", "start": 0, "end": 1}]}}, version=1)
    plain = store.decide(rid, "ana", "accept")["findings"]
    more = store.decide(rid, "ana", "accept_all")["findings"]
    assert "pneumothorax" not in plain and more == {**plain, "pneumothorax": 1}  # mass (0.4) stays a suggestion


def test_highlight_marks_status_and_cue_and_escapes_the_text():
    from rxlabel.labeler.workbench.app import highlight

    text = "<script>x</script> No se observa derrame pleural. Posible neumonía."
    evidence = [{"finding": "pleural effusion", "status": 0, "start": text.index("derrame"),
                 "end": text.index("derrame") + len("derrame pleural"), "cue": "No se observa", "match": "exact"},
                {"finding": "pneumonia", "status": -1, "start": text.index("neumonía"),
                 "end": text.index("neumonía") + len("neumonía"), "cue": "Posible", "match": "fuzzy"}]
    out = highlight(text, evidence)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert '<mark class="ev negated exact"' in out and ">derrame pleural</mark>" in out
    assert '<mark class="cue" title="cue of pleural effusion: No se observa">No se observa</mark>' in out
    assert '<mark class="ev uncertain fuzzy"' in out and ">Posible</mark>" in out


def test_timestamps_never_go_back_across_a_second_boundary(monkeypatch):
    """now() reads the clock once: seconds and milliseconds read apart gave '...:00.999' then '...:00.002'."""
    from rxlabel.labeler.workbench import store as store_module

    clock = iter([1700000000.999, 1700000001.002, 1700000001.003, 1700000001.004])
    monkeypatch.setattr(store_module.time, "time", lambda: next(clock))
    first, second = store_module.now(), store_module.now()
    assert first < second
