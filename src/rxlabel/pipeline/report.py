"""``rxlabel report WORKDIR -o report.html``: one self-contained HTML page of what a run did.

Sections: steps, the funnel (images -> chest PA -> matched -> labelled by template / rule / review),
matching against the truth when known, label frequencies per finding and region, the review queue's
reasons, dataset splits per class and patient, training curves, per-class ROC and the metrics table
with 95% CIs, example heatmaps. Charts are inline SVG, pictures are embedded PNG (base64): the file
opens offline and can be mailed as it is.
"""

from __future__ import annotations

import base64
import csv
import json
from collections import Counter
from html import escape
from pathlib import Path

import click

from rxlabel.pipeline import charts
from rxlabel.schema import REGION_COLUMNS as REGIONS  # the five label columns of a report

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}
.ok{color:#2a7a2a}.skipped{color:#a66b00}.failed{color:#b00020;font-weight:bold}
svg.chart text{font-size:12px;fill:#222}svg.chart text.onbar{fill:#fff;font-weight:600}svg.chart text.tick{fill:#555;font-size:11px}
.empty{color:#888;font-style:italic}.grid{display:flex;flex-wrap:wrap;gap:12px}.grid figure{margin:0;max-width:320px}
figure img{max-width:100%;border:1px solid #ccc}figcaption{font-size:.85em;color:#444}.note{color:#555;font-size:.9em}
"""


def _png(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(_fmt(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, int):
        return f"{v:,}"
    return "" if v is None else str(v)


def load_record(workdir: Path) -> dict:
    """The run record (``summary.json``) of a demo or ``rxlabel run`` workdir, or one made up for a training run."""
    path = workdir / "summary.json"
    if path.is_file():
        record = json.loads(path.read_text("utf-8"))
        if isinstance(record.get("steps"), dict):  # a training run's own summary.json has "steps": <int>
            return record
    if (workdir / "config.json").is_file():  # a classifier run folder on its own
        return {"kind": "training run", "steps": {"train": {"status": "ok", "result": {"out": str(workdir)}}}}
    raise click.ClickException(f"{workdir}: no summary.json (from 'rxlabel demo' or 'rxlabel run') and no "
                               "config.json (a training run); nothing to report")


def _result(record: dict, step: str) -> dict:
    return (record.get("steps", {}).get(step) or {}).get("result") or {}


def section_steps(record: dict) -> str:
    rows = []
    for name, s in record.get("steps", {}).items():
        status = s.get("status", "")
        rows.append(f"<tr><td>{escape(name)}</td><td class='{escape(status)}'>{escape(status)}</td>"
                    f"<td>{escape(_fmt(s.get('seconds', '')))}</td><td style='text-align:left'>"
                    f"{escape(s.get('reason', ''))}</td></tr>")
    return ("<h2 id='steps'>Steps</h2><table><tr><th>step</th><th>status</th><th>seconds</th><th>note</th></tr>"
            + "".join(rows) + "</table>")


def funnel_counts(record: dict) -> list[tuple[str, int]]:
    """(stage, count) summed over sites: image files, chest PA, matched images, then the paired reports by
    how they were labelled (template, rule) or sent to a person (review)."""
    match = _result(record, "match")
    label = _result(record, "label")
    stages = Counter()
    for m in match.values():
        stages["image files"] += int(m["summary"]["files_scanned"])
        stages["chest PA"] += int(m["summary"]["chest_pa_images"])
        stages["matched images"] += int(m["summary"]["paired_images"])
    names = {"template": "labelled by template", "rule": "labelled by rule", "review": "sent to review"}
    for d in label.values():
        for key, name in names.items():
            stages[name] += int(d[key])
    order = ["image files", "chest PA", "matched images", *names.values()]
    return [(k, stages[k]) for k in order if k in stages]


def section_funnel(record: dict) -> str:
    stages = funnel_counts(record)
    if not stages:
        return "<h2 id='funnel'>Funnel</h2><p class='empty'>no match or label step in this run</p>"
    out = ["<h2 id='funnel'>Funnel</h2>", charts.funnel(stages)]
    match = _result(record, "match")
    if match:
        rows = []
        for lang, m in match.items():
            s = m["summary"]
            sc = m.get("score") or {}
            rows.append([lang, s["files_scanned"], s["chest_pa_images"], s["paired_images"], s["ambiguous_images"],
                         s["unmatched_images"], s["reports_read"], s["paired_reports"], s["unmatched_reports"],
                         sc.get("precision", ""), sc.get("recall", "")])
        out.append(_table(["site", "image files", "chest PA", "paired", "to review", "unmatched images",
                           "reports", "paired reports", "unmatched reports", "precision", "recall"], rows))
        rules = Counter()
        reasons = Counter()
        for m in match.values():
            rules.update(m["summary"].get("by_rule", {}))
            reasons.update(m.get("unmatched_image_reasons", {}))
            reasons.update({f"report: {k}": v for k, v in m.get("unmatched_report_reasons", {}).items()})
        out.append("<h3>Pairs by matching rule</h3>" + charts.hbars(sorted(rules.items(), key=lambda t: -t[1])))
        out.append("<h3>Why images and reports were not paired</h3>"
                   + charts.hbars(sorted(reasons.items(), key=lambda t: -t[1]), color=charts.PALETTE[3]))
        if any(m.get("score") for m in match.values()):
            out.append("<p class='note'>precision and recall are measured against the generated archive's known truth.</p>")
    return "".join(out)


def read_label_counts(paths: list[str]) -> tuple[Counter, Counter, Counter]:
    """Positive / uncertain finding counts and positive region counts over labeller JSONL files."""
    pos, unc, regions = Counter(), Counter(), Counter()
    for p in paths:
        if not Path(p).is_file():
            continue
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                for k, v in rec.get("findings", {}).items():
                    if v == 1:
                        pos[k] += 1
                    elif v == -1:
                        unc[k] += 1
                for k, v in rec.get("regions", {}).items():
                    if v == 1 and rec.get("method") != "unlabelled":
                        regions[k] += 1
    return pos, unc, regions


def section_labels(record: dict) -> str:
    label = _result(record, "label")
    if not label:
        return "<h2 id='labels'>Labels</h2><p class='empty'>no label step in this run</p>"
    out = ["<h2 id='labels'>Labels</h2>"]
    rows = [[lang, d["total"], d["template"], d["rule"], d["review"], d["rejected"], d["rules_version"]]
            for lang, d in label.items()]
    out.append(_table(["site", "reports", "template", "rule", "review", "rejected", "rules version"], rows))
    pos, unc, regions = read_label_counts([d["outputs"]["labels"] for d in label.values()])
    out.append("<h3>Positive findings</h3>" + charts.hbars(pos.most_common(25)))
    if len(label) > 1:
        per_site = {lang: read_label_counts([d["outputs"]["labels"]]) for lang, d in label.items()}
        rows = [[f, *(per_site[lang][0][f] for lang in label), *(per_site[lang][1][f] for lang in label)]
                for f, _ in (pos + unc).most_common(25)]
        out.append(_table(["finding", *(f"positive {lang}" for lang in label), *(f"uncertain {lang}" for lang in label)],
                          rows))
    if unc:
        out.append("<h3>Uncertain findings</h3>" + charts.hbars(unc.most_common(15), color=charts.PALETTE[1]))
    out.append("<h3>Positive regions</h3>" + charts.hbars([(r, regions[r]) for r in REGIONS], color=charts.PALETTE[2]))
    return "".join(out)


def section_review(record: dict) -> str:
    label = _result(record, "label")
    reasons, rejected = Counter(), Counter()
    for d in label.values():
        reasons.update(d.get("review_reasons", {}))
        rejected.update(d.get("rejected_reasons", {}))
    review = _result(record, "review")
    out = ["<h2 id='review'>Review queue</h2>"]
    if not label:
        return out[0] + "<p class='empty'>no label step in this run</p>"
    out.append(charts.hbars(sorted(reasons.items(), key=lambda t: -t[1]), color=charts.PALETTE[1]))
    if rejected:
        out.append("<h3>Rejected rows</h3>" + charts.hbars(sorted(rejected.items()), color=charts.PALETTE[3]))
    for lang, r in review.items():
        out.append(f"<p>{escape(lang)}: {r['to_review']} report(s) to review in <code>{escape(r['queue'])}</code> "
                   "(fill the decision columns, then <code>rxlabel review apply</code>).</p>")
    return "".join(out)


def section_dataset(record: dict) -> str:
    ds = _result(record, "dataset")
    if not ds:
        return "<h2 id='dataset'>Dataset</h2><p class='empty'>no dataset step in this run</p>"
    out = ["<h2 id='dataset'>Dataset</h2>"]
    t = ds.get("training") or {}
    path = Path(t.get("manifest", ""))
    if path.is_file():
        with open(path, encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        splits = ("train", "valid", "test")
        table = []
        for r in REGIONS:
            table.append([r] + [sum(1 for x in rows if x["split"] == s and x.get(r) == "1") for s in splits])
        table.append(["images"] + [sum(1 for x in rows if x["split"] == s) for s in splits])
        table.append(["patients"] + [len({x["patient_id"] for x in rows if x["split"] == s}) for s in splits])
        shared = set.intersection(*[{x["patient_id"] for x in rows if x["split"] == s} for s in splits])
        out.append(_table(["positives per class", *splits], table))
        out.append(f"<p>{len(rows)} images of {len({x['patient_id'] for x in rows})} patients; patients in more "
                   f"than one split: {len(shared)}. Manifest sha256 <code>{escape(ds.get('sha256', '')[:16])}</code>, "
                   f"recorded in <code>{escape(ds.get('store', ''))}</code>.</p>")
    return "".join(out)


def _run_dir(record: dict) -> Path | None:
    out = _result(record, "train").get("out")
    return Path(out) if out and Path(out).is_dir() else None


def section_training(record: dict) -> str:
    run = _run_dir(record)
    out = ["<h2 id='training'>Training</h2>"]
    if run is None:
        return out[0] + "<p class='empty'>no training run (needs the training extra: pip install 'rxlabel[train]')</p>"
    cfg = json.loads((run / "config.json").read_text()) if (run / "config.json").is_file() else {}
    if cfg:
        out.append(f"<p>{escape(str(cfg.get('backbone')))}, {cfg.get('image_size')} px, loss "
                   f"{escape(str(cfg.get('loss')))}, {cfg.get('epochs')} epochs, batch {cfg.get('batch_size')}, "
                   f"seed {cfg.get('seed')}; classes: {escape(', '.join(cfg.get('classes') or []))}.</p>")
    metrics = run / "metrics.csv"
    if metrics.is_file():
        with open(metrics, encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))

        def series(col: str) -> list[tuple[float, float]]:
            return [(float(r["step"]), float(r[col])) for r in rows if r.get(col) not in (None, "")]

        out.append("<h3>Validation during training</h3>" + charts.lines(
            {"macro AUC": series("valid_macro_auc"), "macro F1": series("valid_macro_f1")},
            xlabel="optimizer step", ylabel="score", ymin=0.0, ymax=1.0))
        out.append("<h3>Training loss</h3>" + charts.lines({"train loss": series("train_loss")},
                                                            xlabel="optimizer step", ylabel="loss"))
    return "".join(out)


def _eval_path(record: dict) -> Path | None:
    ev = _result(record, "evaluate")
    p = (ev.get("outputs") or {}).get("eval")
    if p and Path(p).is_file():
        return Path(p)
    run = _run_dir(record)
    found = sorted(run.glob("eval_*.json")) if run else []
    return found[0] if found else None


def section_evaluation(record: dict) -> str:
    out = ["<h2 id='evaluation'>Evaluation</h2>"]
    path = _eval_path(record)
    if path is None:
        return out[0] + "<p class='empty'>no evaluation in this run</p>"
    ev = json.loads(path.read_text())
    ci = ev.get("ci") or {}

    def cell(cls: str | None, metric: str) -> str:
        v = (ev["macro"] if cls is None else ev["per_class"][cls]).get(metric)
        c = (ci.get("macro") if cls is None else (ci.get("per_class") or {}).get(cls) or {}) or {}
        c = c.get(metric)
        if v is None or v != v:
            return "n/a"
        return f"{v:.3f}" + (f" ({c[0]:.3f}-{c[1]:.3f})" if isinstance(c, list) and len(c) == 2 else "")

    metrics = ("auc", "f1", "sensitivity", "specificity")
    rows = [[cls, *(cell(cls, m) for m in metrics), ev["per_class"][cls].get("positives", ""),
             ev["per_class"][cls].get("labelled", "")] for cls in ev["per_class"]]
    rows.append(["macro", *(cell(None, m) for m in metrics), "", ""])
    level = int(100 * ci.get("level", 0.95))
    out.append(f"<p>{escape(ev.get('split', ''))} split, {ev.get('n_images', '')} images; bootstrap {level}% CIs "
               f"from {ci.get('n_boot', 0)} replicates.</p>")
    out.append(_table(["class", "AUC", "F1", "sensitivity", "specificity", "positives", "labelled"], rows))
    roc = _roc_series(path)
    if roc:
        out.append("<h3>ROC per class</h3>" + charts.lines(roc, xlabel="false positive rate",
                                                           ylabel="true positive rate", ymin=0.0, ymax=1.0))
    png = path.with_name(path.name.replace("eval_", "roc_").replace(".json", ".png"))
    if png.is_file():
        out.append(f"<figure><img alt='ROC curves' src='{_png(png)}'><figcaption>{escape(png.name)} "
                   "(written by rxlabel evaluate-model)</figcaption></figure>")
    return "".join(out)


def _roc_series(eval_path: Path) -> dict[str, list[tuple[float, float]]]:
    """ROC points per class from the run's predictions and the manifest's labels."""
    ev = json.loads(eval_path.read_text())
    preds = eval_path.with_name(eval_path.name.replace("eval_", "predictions_").replace(".json", ".csv"))
    manifest = Path(ev.get("manifest", ""))
    if not preds.is_file() or not manifest.is_file():
        return {}
    with open(manifest, encoding="utf-8") as fh:
        truth = {r["image_path"]: r for r in csv.DictReader(fh)}
    with open(preds, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for cls in ev["per_class"]:
        ys, ss = [], []
        for r in rows:
            t = truth.get(r["image_path"]) or truth.get(str(Path(r["image_path"])))
            if t is None or t.get(cls) not in ("0", "1") or f"p_{cls}" not in r:
                continue
            ys.append(int(t[cls]))
            ss.append(float(r[f"p_{cls}"]))
        pts = charts.roc_curve(ys, ss)
        if pts:
            out[cls] = pts
    return out


def section_heatmaps(record: dict) -> str:
    out = ["<h2 id='heatmaps'>Heatmaps</h2>"]
    made = _result(record, "heatmap").get("heatmaps") or []
    figs = []
    for h in made:
        p = Path(h["heatmap"])
        if p.is_file():
            caption = ", ".join(f"{k} {v:.2f}" for k, v in h.get("findings", {}).items()) or "no finding above threshold"
            figs.append(f"<figure><img alt='heatmap' src='{_png(p)}'><figcaption>{escape(Path(h['image']).name)}: "
                        f"{escape(caption)}</figcaption></figure>")
    if not figs:
        return out[0] + "<p class='empty'>no heatmaps in this run</p>"
    return out[0] + "<div class='grid'>" + "".join(figs) + "</div>"


def render(record: dict, title: str = "rxlabel report") -> str:
    """The whole page as a string."""
    cfg = record.get("config") or {}
    meta = (f"{escape(str(record.get('kind', 'run')))}, started {escape(str(record.get('started', '')))}"
            + (f", seed {cfg.get('seed')}" if "seed" in cfg else ""))
    body = "".join([
        f"<h1>{escape(title)}</h1><p class='note'>{meta}</p>",
        section_steps(record), section_funnel(record), section_labels(record), section_review(record),
        section_dataset(record), section_training(record), section_evaluation(record), section_heatmaps(record),
    ])
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{CSS}</style></head><body>{body}</body></html>")


def write_report(workdir: str | Path, output: str | Path) -> Path:
    """Write the HTML report of ``workdir`` to ``output`` (atomically)."""
    workdir = Path(workdir)
    html = render(load_record(workdir))
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.partial")
    tmp.write_text(html, "utf-8")
    tmp.replace(output)
    return output


@click.command()
@click.argument("workdir", metavar="RUN_OR_WORKDIR", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="HTML file to write (default: WORKDIR/report.html).")
def report(workdir, output):
    """Write one self-contained HTML page (charts inline, images embedded) of a demo, run or training run."""
    out = write_report(workdir, output or Path(workdir) / "report.html")
    click.echo(f"report: {out}")
