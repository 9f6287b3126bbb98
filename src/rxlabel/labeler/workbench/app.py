"""The workbench web application (FastAPI, server-rendered Jinja2 pages, a little vanilla JavaScript).

Everything it serves ships in the package (templates/, static/): no build step, no CDN. Annotators
identify by name (a cookie); bound to another interface than loopback it also needs the token printed at
start. Blind double reading: a report page shows only the reader's own decisions, and the agreement page
shows another reader's decision on a report only to someone who has decided that report.
"""

from __future__ import annotations

import html
import secrets
import threading
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from rxlabel.labeler.aggregate import pack_rule_ids
from rxlabel.labeler.review import suggested_findings
from rxlabel.labeler.workbench import agreement as agr
from rxlabel.labeler.workbench.assistant import PROPOSE, Assistant
from rxlabel.labeler.workbench.store import CERTAINTIES, ORDERS, Store, WorkbenchError, qc_error

HERE = resources.files("rxlabel.labeler.workbench")
STATUS_NAMES = {1: "present", 0: "negated", -1: "uncertain"}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Decision(BaseModel):
    report_id: str
    action: str
    findings: dict[str, int] | None = None
    certainty: str = "1"
    comment: str = ""
    source: str = "queue"


class Workbench:
    """The store, the assistant and its retraining after each batch of decisions."""

    def __init__(self, store: Store, assistant: bool = True, batch: int = 10, seed: int = 0):
        self.store = store
        self.batch = batch
        self.assistant = Assistant(store.pack, seed) if assistant else None
        self._trained_at = -1
        self._training = threading.Lock()

    def retrain(self, wait: bool = False) -> None:
        """Retrain on the corpus and every decision so far, then rescore the queue (in a thread)."""
        if self.assistant is None or not self._training.acquire(blocking=False):
            return
        thread = threading.Thread(target=self._retrain, daemon=True)
        thread.start()
        if wait:
            thread.join()

    def wait(self, timeout: float = 300) -> bool:
        """Wait until no retraining is running (its scores saved); False on timeout."""
        if not self._training.acquire(timeout=timeout):
            return False
        self._training.release()
        return True

    def _retrain(self) -> None:
        try:
            store = self.store
            self._trained_at = store.decision_count()
            items = store.records()
            texts = {r["report_id"]: t for r, t in items}
            decided = [(texts.get(rid, ""), d["findings"]) for source in ("queue", "qc")
                       for rid, votes in store.latest(source).items() for d in votes.values()
                       if d["findings"] is not None and d["certainty"] != "INVALID"]
            self.assistant.fit(self.assistant.examples(items, decided))
            store.save_scores({r["report_id"]: self.assistant.score(r, t) for r, t in items if r["method"] == "unlabelled"},
                              self.assistant.version)
        finally:
            self._training.release()

    def after_decision(self) -> None:
        if self.assistant is not None and self.store.decision_count() - self._trained_at >= self.batch:
            self.retrain()


def highlight(text: str, evidence: list[dict]) -> str:
    """The report as HTML: each evidence span marked by status and match, its cue marked too."""
    marks: list[tuple[int, int, str, str]] = []
    for e in evidence:
        if e.get("start") is None or not e.get("finding"):
            continue
        status = STATUS_NAMES.get(e["status"], "present")
        title = f"{e['finding']}: {status} ({e.get('match', 'exact')}; {e.get('rule', '')})"
        marks.append((e["start"], e["end"], f"ev {status} {e.get('match', 'exact')}", title))
        cue = e.get("cue")
        if cue:
            lo = max(0, e["start"] - 200)
            window = text[lo:e["end"] + 120].lower()
            at = window.rfind(cue.lower(), 0, e["start"] - lo + len(cue))
            if at < 0:
                at = window.find(cue.lower())
            if at >= 0:
                marks.append((lo + at, lo + at + len(cue), "cue", f"cue of {e['finding']}: {cue}"))
    marks.sort(key=lambda m: (m[0], -m[1]))
    out, pos = [], 0
    for start, end, cls, title in marks:
        if start < pos or end > len(text):
            continue  # overlapping spans: the first (longest) wins, its title names it
        out.append(html.escape(text[pos:start]))
        out.append(f'<mark class="{cls}" title="{html.escape(title)}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def fuzzy_corrections(text: str, evidence: list[dict], rules: dict[str, str] | None = None) -> list[dict]:
    """Fuzzy matches as 'what the report says' -> 'what the pack says', with the finding it suggests;
    ``rules`` maps evidence rule ids back to the pack's patterns (``aggregate.pack_rule_ids``)."""
    out = []
    for e in evidence:
        if e.get("match") == "fuzzy" and e.get("start") is not None:
            rule = (rules or {}).get(e.get("rule") or "", e.get("rule") or "")
            out.append({"written": text[e["start"]:e["end"]], "read_as": rule.split(":", 1)[-1],
                        "finding": e.get("finding"), "status": STATUS_NAMES.get(e.get("status"), "")})
    return out


def create_app(store: Store, token: str | None = None, assistant: bool = True, batch: int = 10,
               train_now: bool = True) -> FastAPI:
    """The workbench application on ``store``; ``token`` (when set) is required on every request."""
    app = FastAPI(title="rxlabel review workbench", docs_url=None, redoc_url=None, openapi_url=None)
    wb = Workbench(store, assistant=assistant, batch=batch)
    app.state.workbench = wb
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    findings = sorted(store.pack.findings)
    rules = pack_rule_ids(store.pack)  # evidence carries rule ids; the page shows the pattern

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if token is None or request.url.path.startswith("/static/"):
            return await call_next(request)
        given = request.query_params.get("token") or request.cookies.get("rx_token")
        if not given or not secrets.compare_digest(given, token):
            return Response("this workbench needs its token: open the address printed by 'rxlabel review serve'",
                            status_code=403, media_type="text/plain")
        response = await call_next(request)
        if request.query_params.get("token"):
            response.set_cookie("rx_token", token, httponly=True, samesite="strict")
        return response

    @app.exception_handler(WorkbenchError)
    async def workbench_error(request: Request, exc: WorkbenchError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=400)
        return HTMLResponse(f"<p>{html.escape(str(exc))}</p><p><a href='/queue'>back to the queue</a></p>", 400)

    def who(request: Request) -> str | None:
        name = request.cookies.get("annotator")
        return name if name in store.annotators() else None

    def page(request: Request, name: str, **context):
        context.update(me=who(request), counts=store.counts())
        return templates.TemplateResponse(request, name, context)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        return RedirectResponse("/queue" if who(request) else "/login", 303)

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request):
        return page(request, "login.html", annotators=store.annotators())

    @app.post("/login")
    def login(name: str = Form(...)):
        a = store.annotator(name)
        response = RedirectResponse("/queue", 303)
        response.set_cookie("annotator", a["name"], samesite="strict")
        return response

    @app.get("/queue", response_class=HTMLResponse)
    def queue(request: Request):
        me = who(request)
        if not me:
            return RedirectResponse("/login", 303)
        mine = store.latest("queue")
        scores = store.scores()
        rows = []
        for rid in store.queue_order(me):
            rec = store.report(rid)["record"]
            d = mine.get(rid, {}).get(me)
            rows.append({"id": rid, "reasons": ", ".join(rec["review_reasons"]), "p": scores.get(rid, {}).get("p_abnormal"),
                         "mine": agr.signature(d) + ("" if d["certainty"] == "1" else f" ({d['certainty']})") if d else ""})
        return page(request, "queue.html", rows=rows, order=store.annotator(me)["order_mode"], orders=ORDERS)

    @app.post("/order")
    def order(request: Request, mode: str = Form(...)):
        me = who(request)
        if me:
            store.set_order(me, mode)
        return RedirectResponse("/queue", 303)

    def neighbours(me: str, rid: str, qc: int | None) -> tuple[str | None, str | None, str | None]:
        """Previous and next in the reader's stable order, and the next report they have not decided."""
        ids = store.qc_items(qc) if qc else store.base_order(me)
        i = ids.index(rid) if rid in ids else -1
        done = {k for k, v in store.latest("qc" if qc else "queue").items() if me in v}
        prev = ids[i - 1] if i > 0 else None
        nxt = ids[i + 1] if 0 <= i < len(ids) - 1 else None
        todo = next((x for x in ids[i + 1:] + ids[:max(i, 0)] if x not in done and x != rid), None)
        return prev, nxt, todo

    @app.get("/report/{rid:path}", response_class=HTMLResponse)
    def report(request: Request, rid: str, qc: int | None = None):
        me = who(request)
        if not me:
            return RedirectResponse("/login", 303)
        rep = store.report(rid)
        rec = rep["record"]
        source = "qc" if qc else "queue"
        prev, nxt, todo = neighbours(me, rid, qc)
        sc = store.scores().get(rid, {"p_abnormal": None, "proposals": []})
        own = store.decisions(report_id=rid, annotator=me, source=source)  # blind: never another reader's

        def link(x: str | None) -> str | None:
            return x and f"/report/{quote(x)}" + (f"?qc={qc}" if qc else "")

        return page(request, "report.html", rid=rid, rec=rec, text_html=highlight(rep["text"], rec["evidence"]),
                    suggested=suggested_findings(rec), fuzzy=fuzzy_corrections(rep["text"], rec["evidence"], rules),
                    scores=sc, propose=PROPOSE, own=own, findings=findings, certainties=CERTAINTIES,
                    source=source, qc=qc, prev=link(prev), next=link(nxt),
                    todo=link(todo), back="/qc" if qc else "/queue", status_names=STATUS_NAMES)

    @app.post("/api/decision")
    def decide(request: Request, body: Decision):
        me = who(request)
        if not me:
            return JSONResponse({"error": "log in with your name first"}, status_code=401)
        queued = store.report(body.report_id)["queued"]
        if body.source == "qc" and queued:
            raise WorkbenchError(f"report {body.report_id} is in the review queue, not a QC sample")
        if body.source == "queue" and not queued:
            raise WorkbenchError(f"report {body.report_id} was labelled automatically; check it from the QC page")
        d = store.decide(body.report_id, me, body.action, body.findings, body.certainty, body.comment, body.source)
        wb.after_decision()
        return {"id": d["id"], "saved": d["created"], "findings": d["findings"], "action": d["action"]}

    @app.get("/agreement", response_class=HTMLResponse)
    def agreement_page(request: Request):
        me = who(request)
        if not me:
            return RedirectResponse("/login", 303)
        latest = store.latest("queue")
        result = agr.agreement(latest, store.annotators())
        rule, adjudicator = store.consensus_rule()
        listing = []
        for rid in agr.disagreements(latest):
            votes = latest[rid]
            visible = me in votes  # blind: the others' decisions only after giving one's own
            listing.append({"id": rid, "visible": visible, "n": len(votes),
                            "votes": {a: (agr.category(d, agr.WHOLE) + f" [{d['certainty']}]") for a, d in votes.items()}
                            if visible else {},
                            "consensus": agr.consensus(votes, rule, adjudicator)["status"]})
        statuses = [agr.consensus(v, rule, adjudicator)["status"] for v in latest.values()]
        return page(request, "agreement.html", result=result, listing=listing, rule=rule, adjudicator=adjudicator,
                    rules=agr.RULES, history=store.consensus_history(), annotators=store.annotators(),
                    tally={s: statuses.count(s) for s in ("agreed", "unresolved", "invalid")}, fmt=_fmt)

    @app.post("/consensus")
    def set_consensus(request: Request, rule: str = Form(...), adjudicator: str = Form("")):
        me = who(request)
        if me:
            store.set_consensus(rule, me, adjudicator.strip() or None)
        return RedirectResponse("/agreement", 303)

    @app.get("/qc", response_class=HTMLResponse)
    def qc_page(request: Request):
        me = who(request)
        if not me:
            return RedirectResponse("/login", 303)
        rounds = store.qc_rounds()
        checks = store.latest("qc")
        current = rounds[-1] if rounds else None
        items = []
        if current:
            for rid in store.qc_items(current["round"]):
                mine = checks.get(rid, {}).get(me)
                rec = store.report(rid)["record"]
                items.append({"id": rid, "method": rec["method"], "checked": bool(checks.get(rid)),
                              "mine": ("error" if qc_error(mine, rec) else "correct") if mine else ""})
        done = bool(rounds) and rounds[-1]["complete"] and rounds[-1]["errors"] == 0
        return page(request, "qc.html", rounds=rounds, current=current, items=items, done=done, fmt=_fmt)

    @app.post("/qc/draw")
    def qc_draw(request: Request, fraction: float = Form(0.05), seed: int = Form(0)):
        if who(request):
            store.draw_qc_round(fraction, seed)
        return RedirectResponse("/qc", 303)

    @app.get("/api/state")
    def state():
        return {"counts": store.counts(), "assistant": None if wb.assistant is None else
                {"version": wb.assistant.version, "trained_on": wb.assistant.trained_on}}

    if train_now and wb.assistant is not None:
        wb.retrain()
    return app


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "—"
    return f"{x:.3f}" if isinstance(x, float) else str(x)


def serve(db: str | Path, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
          assistant: bool = True, echo=print) -> None:
    """Run the workbench with uvicorn until interrupted (a token is made when bound beyond loopback)."""
    import uvicorn

    store = Store(db)
    if host not in LOOPBACK and not token:
        token = secrets.token_urlsafe(18)
    app = create_app(store, token=token, assistant=assistant)
    address = f"http://{'[' + host + ']' if ':' in host else host}:{port}/" + (f"?token={token}" if token else "")
    c = store.counts()
    echo(f"review workbench: {c['queue']} reports in the queue, {c['auto']} auto-labelled, {c['decisions']} decisions "
         f"so far ({db})")
    echo(f"open {address}")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def prepare(db: str | Path, labels: str | Path, reports: str | Path | None = None, assistant: bool = True,
            **read_options) -> dict:
    """Load a labels file into the workbench database and rank its queue once; starts no server."""
    store = Store(db)
    counts = store.load(labels, reports, **read_options)
    if assistant and counts["queue"]:
        wb = Workbench(store, assistant=True)
        wb.retrain(wait=True)
        counts["assistant_trained_on"] = wb.assistant.trained_on
    return counts
