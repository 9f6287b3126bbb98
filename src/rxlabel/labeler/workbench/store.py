"""The workbench's one SQLite file: reports, annotators, append-only decisions, consensus rules, QC rounds.

WAL mode and one short transaction per decision, so a server killed mid-session loses nothing that was
answered as saved, and two annotators saving the same report at once both keep their decision. Triggers
refuse UPDATE and DELETE on decisions: a change of mind is a new row, the latest row of an annotator wins.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from rxlabel.errors import RxlabelError
from rxlabel.labeler.io import read_records
from rxlabel.labeler.pack import Pack, load_pack
from rxlabel.labeler.review import _derive_regions, _lang_of, _texts, suggested_findings
from rxlabel.outputs import verify_input

CERTAINTIES = ("0", "0.25", "0.5", "0.75", "1", "INVALID")  # the NEATX scale
ACTIONS = ("accept", "accept_all", "normal", "reject", "set")
ORDERS = ("assistant", "shuffled", "file")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
  report_id TEXT PRIMARY KEY, pos INTEGER NOT NULL, method TEXT NOT NULL, queued INTEGER NOT NULL,
  record TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS reports_queued ON reports (queued, pos);
CREATE TABLE IF NOT EXISTS annotators (
  name TEXT PRIMARY KEY, created TEXT NOT NULL, order_mode TEXT NOT NULL DEFAULT 'assistant');
CREATE TABLE IF NOT EXISTS decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, report_id TEXT NOT NULL REFERENCES reports(report_id),
  annotator TEXT NOT NULL REFERENCES annotators(name), action TEXT NOT NULL, findings TEXT,
  regions TEXT, certainty TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '', source TEXT NOT NULL,
  created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS decisions_report ON decisions (report_id, annotator);
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
  BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
  BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TABLE IF NOT EXISTS consensus (
  id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL, adjudicator TEXT, chosen_by TEXT NOT NULL,
  created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS qc_rounds (
  round INTEGER PRIMARY KEY, seed INTEGER NOT NULL, fraction REAL NOT NULL, population INTEGER NOT NULL,
  created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS qc_items (
  round INTEGER NOT NULL REFERENCES qc_rounds(round), report_id TEXT NOT NULL, PRIMARY KEY (round, report_id));
CREATE TABLE IF NOT EXISTS assistant (
  report_id TEXT PRIMARY KEY, p_abnormal REAL NOT NULL, proposals TEXT NOT NULL, version INTEGER NOT NULL);
"""


class WorkbenchError(RxlabelError, ValueError):
    """A request the workbench cannot carry out (unknown report, bad certainty, unknown finding...)."""


def now() -> str:
    """UTC time to the millisecond, from ONE clock reading: seconds and milliseconds read apart could cross a
    second boundary and date a decision before the QC round it answers (a flaky 'round not complete')."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def positives(findings: dict[str, int] | None) -> dict[str, int]:
    """The findings stated present or uncertain: what two decisions must share to say the same thing."""
    return {k: v for k, v in (findings or {}).items() if v != 0}


class Store:
    """The workbench database; every method opens its own short-lived connection (safe across threads)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)
        self._pack: Pack | None = None

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA busy_timeout=30000")
        con.execute("PRAGMA synchronous=FULL")  # a saved decision survives a power cut too, not only a kill
        con.execute("PRAGMA foreign_keys=ON")
        return con

    def _write(self, sql: str, params: Iterable = ()) -> int:
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            cur = con.execute(sql, tuple(params))
            con.execute("COMMIT")
            return int(cur.lastrowid or 0)
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def _rows(self, sql: str, params: Iterable = ()) -> list[sqlite3.Row]:
        con = self._connect()
        try:
            return con.execute(sql, tuple(params)).fetchall()
        finally:
            con.close()

    # -- loading ----------------------------------------------------------------------------------

    def load(self, labels: str | Path, reports: str | Path | None = None, **read_options) -> dict:
        """Import a labels file (and the report texts); reports already in the database are kept as they are."""
        verify_input(labels)  # not the half-replaced output of an interrupted run
        records = list(read_records(labels))
        known = {r["report_id"] for r in self._rows("SELECT report_id FROM reports")}
        new = [r for r in records if r["report_id"] not in known]
        texts = _texts(reports, {r["report_id"] for r in new}, **read_options) if new else {}
        start = len(known)
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(
                "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?)",
                [(r["report_id"], start + i, r["method"], int(r["method"] == "unlabelled"),
                  json.dumps(r, ensure_ascii=False), texts.get(r["report_id"], "")) for i, r in enumerate(new)])
            if records:
                con.execute("INSERT OR IGNORE INTO meta VALUES ('lang', ?)", (_lang_of(records[0]["rules_version"]),))
            con.execute("INSERT OR REPLACE INTO meta VALUES ('labels', ?)", (str(Path(labels).resolve()),))
            con.execute("COMMIT")
        finally:
            con.close()
        counts = self.counts()
        return {"new": len(new), **counts}

    def counts(self) -> dict:
        row = self._rows("SELECT COUNT(*) AS n, SUM(queued) AS q FROM reports")[0]
        decided = self._rows("SELECT COUNT(DISTINCT report_id) AS n FROM decisions WHERE source = 'queue'")[0]["n"]
        return {"reports": row["n"], "queue": row["q"] or 0, "auto": row["n"] - (row["q"] or 0),
                "decided": decided, "decisions": self.decision_count()}

    def meta(self, key: str, default: str | None = None) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    @property
    def pack(self) -> Pack:
        if self._pack is None:
            self._pack = load_pack(self.meta("lang", "es"))
        return self._pack

    # -- reports ----------------------------------------------------------------------------------

    def report(self, report_id: str) -> dict:
        rows = self._rows("SELECT * FROM reports WHERE report_id = ?", (report_id,))
        if not rows:
            raise WorkbenchError(f"unknown report id '{report_id}'; it is not in {self.meta('labels')}")
        row = rows[0]
        return {"report_id": row["report_id"], "pos": row["pos"], "queued": bool(row["queued"]),
                "record": json.loads(row["record"]), "text": row["text"]}

    def ids(self, queued: bool = True) -> list[str]:
        return [r["report_id"] for r in self._rows("SELECT report_id FROM reports WHERE queued = ? ORDER BY pos",
                                                   (int(queued),))]

    def records(self, queued: bool | None = None) -> list[tuple[dict, str]]:
        """(record, text) pairs in file order; all of them, or only the queue (True) or the auto-labelled."""
        where = "" if queued is None else f" WHERE queued = {int(queued)}"
        return [(json.loads(r["record"]), r["text"]) for r in self._rows(f"SELECT record, text FROM reports{where} ORDER BY pos")]

    # -- annotators -------------------------------------------------------------------------------

    def annotator(self, name: str) -> dict:
        """The annotator of this name, created on first use (no passwords on localhost)."""
        name = " ".join(name.split())
        if not name or len(name) > 60:
            raise WorkbenchError("an annotator name is 1-60 characters")
        self._write("INSERT OR IGNORE INTO annotators (name, created) VALUES (?, ?)", (name, now()))
        row = self._rows("SELECT * FROM annotators WHERE name = ?", (name,))[0]
        return dict(row)

    def annotators(self) -> list[str]:
        return [r["name"] for r in self._rows("SELECT name FROM annotators ORDER BY created, name")]

    def set_order(self, name: str, mode: str) -> None:
        if mode not in ORDERS:
            raise WorkbenchError(f"queue order must be one of {', '.join(ORDERS)}, got '{mode}'")
        name = self.annotator(name)["name"]
        self._write("UPDATE annotators SET order_mode = ? WHERE name = ?", (mode, name))

    def base_order(self, name: str) -> list[str]:
        """The queue in this annotator's chosen order: the assistant's ranking, their own shuffle, or the file's."""
        mode = self.annotator(name)["order_mode"]
        ids = self.ids(queued=True)
        if mode == "assistant":
            scores = self.scores()
            ids.sort(key=lambda rid: -scores.get(rid, {}).get("p_abnormal", 0.0))
        elif mode == "shuffled":
            random.Random(f"order:{name}").shuffle(ids)  # each annotator's own, stable order
        return ids

    def queue_order(self, name: str) -> list[str]:
        """The queue as this annotator sees it: undecided reports first, in their chosen order."""
        ids = self.base_order(name)
        done = {r["report_id"] for r in self._rows(
            "SELECT DISTINCT report_id FROM decisions WHERE annotator = ? AND source = 'queue'", (name,))}
        return [i for i in ids if i not in done] + [i for i in ids if i in done]

    # -- decisions --------------------------------------------------------------------------------

    def decide(self, report_id: str, annotator: str, action: str, findings: dict[str, int] | None = None,
               certainty: str = "1", comment: str = "", source: str = "queue") -> dict:
        """Record one decision (append-only) and return it; ``accept`` takes the rules' suggestions,
        ``accept_all`` adds the assistant's proposals, ``normal`` says nothing abnormal, ``set`` gives findings."""
        if action not in ACTIONS:
            raise WorkbenchError(f"action must be one of {', '.join(ACTIONS)}, got '{action}'")
        certainty = str(certainty).strip().upper() if str(certainty).strip().lower() == "invalid" else str(certainty).strip()
        if certainty in ("0.0", "1.0"):
            certainty = certainty[0]
        if certainty not in CERTAINTIES:
            raise WorkbenchError(f"certainty must be one of {', '.join(CERTAINTIES)}, got '{certainty}'")
        if source not in ("queue", "qc"):
            raise WorkbenchError(f"source must be queue or qc, got '{source}'")
        report = self.report(report_id)
        self.annotator(annotator)
        resolved = self._resolve(report, action, findings)
        regions = None if resolved is None else _derive_regions(resolved, self.pack)
        row_id = self._write(
            "INSERT INTO decisions (report_id, annotator, action, findings, regions, certainty, comment, source, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (report_id, annotator, action, None if resolved is None else json.dumps(resolved, ensure_ascii=False),
             None if regions is None else json.dumps(regions), certainty, comment.strip(), source, now()))
        return self.decision(row_id)

    def _resolve(self, report: dict, action: str, findings: dict[str, int] | None) -> dict[str, int] | None:
        record = report["record"]
        if action == "reject":
            return None
        if action == "normal":
            return {"normal": 1} if "normal" in self.pack.findings else {}
        if action in ("accept", "accept_all"):
            out = suggested_findings(record)
            if action == "accept_all":
                scores = self.scores().get(report["report_id"], {})
                for p in scores.get("proposals", []):
                    if p["p"] >= 0.5:
                        out.setdefault(p["finding"], 1)
            return out
        out = {}
        for name, value in (findings or {}).items():
            name = str(name).strip().lower()
            if name not in self.pack.findings:
                raise WorkbenchError(f"unknown finding '{name}'; the {self.pack.lang} pack has no such finding")
            if value not in (1, 0, -1):
                raise WorkbenchError(f"finding '{name}': the value must be 1, 0 or -1, got {value!r}")
            out[name] = value
        return out

    def decision(self, row_id: int) -> dict:
        return _decision_dict(self._rows("SELECT * FROM decisions WHERE id = ?", (row_id,))[0])

    def decisions(self, report_id: str | None = None, annotator: str | None = None,
                  source: str | None = None) -> list[dict]:
        """Every decision row (oldest first), optionally of one report, one annotator, one source."""
        where, params = [], []
        for col, val in (("report_id", report_id), ("annotator", annotator), ("source", source)):
            if val is not None:
                where.append(f"{col} = ?")
                params.append(val)
        sql = "SELECT * FROM decisions" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        return [_decision_dict(r) for r in self._rows(sql, params)]

    def latest(self, source: str = "queue") -> dict[str, dict[str, dict]]:
        """report_id -> annotator -> that annotator's latest decision (a later row replaces an earlier one)."""
        out: dict[str, dict[str, dict]] = {}
        for d in self.decisions(source=source):
            out.setdefault(d["report_id"], {})[d["annotator"]] = d
        return out

    def decision_count(self) -> int:
        return self._rows("SELECT COUNT(*) AS n FROM decisions")[0]["n"]

    # -- consensus --------------------------------------------------------------------------------

    def set_consensus(self, rule: str, chosen_by: str, adjudicator: str | None = None) -> None:
        from rxlabel.labeler.workbench.agreement import RULES

        if rule not in RULES:
            raise WorkbenchError(f"consensus rule must be one of {', '.join(RULES)}, got '{rule}'")
        if rule == "adjudicator" and not adjudicator:
            raise WorkbenchError("the adjudicator-wins rule needs an adjudicator's name")
        self._write("INSERT INTO consensus (rule, adjudicator, chosen_by, created) VALUES (?, ?, ?, ?)",
                    (rule, adjudicator if rule == "adjudicator" else None, chosen_by, now()))

    def consensus_history(self) -> list[dict]:
        return [dict(r) for r in self._rows("SELECT * FROM consensus ORDER BY id")]

    def consensus_rule(self) -> tuple[str, str | None]:
        history = self.consensus_history()
        return (history[-1]["rule"], history[-1]["adjudicator"]) if history else ("majority", None)

    # -- quality control --------------------------------------------------------------------------

    def draw_qc_round(self, fraction: float = 0.05, seed: int = 0) -> int:
        """Draw the next seeded QC sample from auto-labelled reports not drawn before; returns its number."""
        if not 0 < fraction <= 1:
            raise WorkbenchError(f"the QC fraction must be in (0, 1], got {fraction}")
        rounds = self.qc_rounds()
        if rounds and not rounds[-1]["complete"]:
            raise WorkbenchError(f"QC round {rounds[-1]['round']} is not finished; check its reports first")
        if rounds and rounds[-1]["errors"] == 0:
            raise WorkbenchError(f"QC round {rounds[-1]['round']} found no error: the loop is done")
        drawn = {r["report_id"] for r in self._rows("SELECT report_id FROM qc_items")}
        population = [i for i in self.ids(queued=False) if i not in drawn]
        if not population:
            raise WorkbenchError("every auto-labelled report has been drawn for QC already")
        number = len(rounds) + 1
        k = min(len(population), max(1, round(len(population) * fraction)))
        chosen = random.Random(f"{seed}:{number}").sample(population, k)
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO qc_rounds VALUES (?, ?, ?, ?, ?)", (number, seed, fraction, len(population), now()))
            con.executemany("INSERT INTO qc_items VALUES (?, ?)", [(number, rid) for rid in chosen])
            con.execute("COMMIT")
        finally:
            con.close()
        return number

    def qc_items(self, number: int) -> list[str]:
        return [r["report_id"] for r in self._rows("SELECT report_id FROM qc_items WHERE round = ? ORDER BY rowid",
                                                   (number,))]

    def qc_rounds(self) -> list[dict]:
        """Each round with its size, reports checked, errors found and error rate (from the QC decisions)."""
        checks = self.latest(source="qc")
        out = []
        for row in self._rows("SELECT * FROM qc_rounds ORDER BY round"):
            items = self.qc_items(row["round"])
            checked = errors = 0
            for rid in items:
                judged = [d for d in checks.get(rid, {}).values() if d["created"] >= row["created"]]
                if judged:
                    checked += 1
                    record = self.report(rid)["record"]
                    errors += any(qc_error(d, record) for d in judged)
            out.append({**dict(row), "size": len(items), "checked": checked, "errors": errors,
                        "error_rate": errors / checked if checked else None, "complete": checked == len(items)})
        return out

    # -- assistant --------------------------------------------------------------------------------

    def save_scores(self, scores: dict[str, dict], version: int) -> None:
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            con.executemany("INSERT OR REPLACE INTO assistant VALUES (?, ?, ?, ?)",
                            [(rid, s["p_abnormal"], json.dumps(s["proposals"], ensure_ascii=False), version)
                             for rid, s in scores.items()])
            con.execute("COMMIT")
        finally:
            con.close()

    def scores(self) -> dict[str, dict]:
        return {r["report_id"]: {"p_abnormal": r["p_abnormal"], "proposals": json.loads(r["proposals"]),
                                 "version": r["version"]}
                for r in self._rows("SELECT * FROM assistant")}


def qc_error(decision: dict, record: dict) -> bool:
    """A QC check finds an error when the person rejects, says INVALID, or states other findings."""
    if decision["action"] == "reject" or decision["certainty"] == "INVALID":
        return True
    return positives(decision["findings"]) != positives(record["findings"])


def _decision_dict(row: sqlite3.Row) -> dict:
    d = dict(row)
    d["findings"] = json.loads(d["findings"]) if d["findings"] is not None else None
    d["regions"] = json.loads(d["regions"]) if d["regions"] is not None else None
    return d
