"""Click commands of the labeller: ``label``, ``review``, ``evaluate``, ``rules``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from rxlabel.labeler.pack import RulePackError


def print_summary(summary, echo=click.echo) -> None:
    """The closing summary of a labelling run; its counts add up to the input rows."""
    d = summary.as_dict()
    echo(f"rules {d['rules_version']}: {d['total']} reports in {d['seconds']:.2f} s"
         + (f" ({d['reports_per_second']:.0f} reports/s)" if d["reports_per_second"] else ""))
    echo(f"  by template  {d['template']:>8}")
    echo(f"  by rule      {d['rule']:>8}")
    echo(f"  to review    {d['review']:>8}" + (f"  ({', '.join(f'{k} {v}' for k, v in sorted(d['review_reasons'].items()))})"
                                             if d["review_reasons"] else ""))
    echo(f"  rejected     {d['rejected']:>8}" + (f"  ({', '.join(f'{k} {v}' for k, v in sorted(d['rejected_reasons'].items()))})"
                                               if d["rejected_reasons"] else ""))
    echo(f"  total        {d['total']:>8}  = {d['template']} + {d['rule']} + {d['review']} + {d['rejected']}")
    for name, path in d["outputs"].items():
        echo(f"  {name:<8} -> {path}")


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Labels file: .jsonl, .csv, .tsv or .parquet.")
@click.option("--lang", default="es", show_default=True, help="Rule pack: es, vi, en, or a pack folder.")
@click.option("--stemmed", is_flag=True, help="Input is PadChest-style stemmed text (Spanish).")
@click.option("--id-col", default=None, help="Report id column (default: report_id/id/..., else the row number).")
@click.option("--text-col", default=None, help="Report text column (default: text/report/description/...).")
@click.option("--encoding", default="utf-8", show_default=True, help="Input encoding, e.g. cp1258, latin-1.")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 256), help="Worker processes.")
@click.option("--review-out", default=None, type=click.Path(dir_okay=False),
              help="Review queue CSV (default: OUTPUT stem + .review.csv).")
@click.option("--rejects-out", default=None, type=click.Path(dir_okay=False),
              help="Rejected rows CSV (default: OUTPUT stem + .rejected.csv).")
@click.option("--summary-json", default=None, type=click.Path(dir_okay=False), help="Also write the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: label on a Dask cluster (--scheduler, else a local one of --jobs workers); same outputs.")
@click.option("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786) for --engine dask.")
@click.option("--evidence", type=click.Choice(["compact", "full", "none"]), default="compact", show_default=True,
              help="Evidence format: compact (positional arrays, ~1.4x the input), full (verbose dicts with "
                   "windows, for reading by eye; the previous release's lines) or none (labels only).")
def label(input_path, output, lang, stemmed, id_col, text_col, encoding, jobs, review_out, rejects_out,
          summary_json, quiet, engine, scheduler, evidence):
    """Label every report in INPUT (CSV, TSV, JSONL or Parquet)."""
    from rxlabel.labeler.batch import label_file

    if engine == "dask":
        from rxlabel.labeler.distributed import label_file_dask as label_file  # noqa: F811

    summary = label_file(input_path, output, lang, stemmed=stemmed, id_col=id_col, text_col=text_col,
                         encoding=encoding, review_out=review_out, rejects_out=rejects_out,
                         progress=not quiet and sys.stderr.isatty(), evidence=evidence,
                         **({"scheduler": scheduler, "workers": jobs} if engine == "dask" else {"jobs": jobs}))
    print_summary(summary)
    if summary_json:
        Path(summary_json).write_text(json.dumps(summary.as_dict(), indent=2), encoding="utf-8")
    if summary.total and summary.rejected == summary.total:
        raise click.ClickException(
            f"all {summary.total} rows were rejected ({', '.join(summary.rejected_reasons)}); "
            f"see {summary.outputs['rejected']} — check --encoding, --id-col and --text-col")


@click.group()
def review():
    """Export the manual-review queue, apply a person's decisions, sample for QC, serve the workbench."""


_read_opts = [
    click.option("--reports", default=None, type=click.Path(exists=True, dir_okay=False),
                 help="The labelled input file, to show each report's text."),
    click.option("--id-col", default=None), click.option("--text-col", default=None),
    click.option("--encoding", default="utf-8", show_default=True),
]


def _with_read_opts(f):
    for option in reversed(_read_opts):
        f = option(f)
    return f


@review.command("export")
@click.argument("labels", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Queue CSV to fill in.")
@click.option("--reason", "reasons", multiple=True, help="Only these reasons (repeatable).")
@_with_read_opts
def review_export(labels, output, reasons, reports, id_col, text_col, encoding):
    """Write the review queue of LABELS as a CSV a person fills in a spreadsheet."""
    from rxlabel.labeler.review import export_queue

    n = export_queue(labels, output, reports, set(reasons) or None, id_col=id_col, text_col=text_col,
                     encoding=encoding)
    click.echo(f"{n} reports to review -> {output}")


@review.command("apply")
@click.argument("labels", type=click.Path(exists=True, dir_okay=False))
@click.argument("decisions", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Labels with decisions applied.")
@click.option("--lang", default=None, help="Rule pack to validate names against (default: from rules_version).")
@click.option("--evidence", type=click.Choice(["compact", "full", "none"]), default=None,
              help="Evidence format of the output (default: that of LABELS, compact for older files).")
def review_apply(labels, decisions, output, lang, evidence):
    """Override LABELS with the decisions filled in DECISIONS (method becomes 'review')."""
    from rxlabel.labeler.review import apply_decisions

    s = apply_decisions(labels, decisions, output, pack=lang, evidence=evidence)
    click.echo(f"applied {s.decided} decisions, {s.rejected} rejected by reviewer, {s.pending} rows still undecided; "
               f"{s.unchanged} records unchanged -> {output}")


@review.command("sample")
@click.argument("labels", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--fraction", default=0.05, show_default=True, type=float)
@click.option("--seed", default=0, show_default=True, type=int)
@_with_read_opts
def review_sample(labels, output, fraction, seed, reports, id_col, text_col, encoding):
    """Draw a seeded quality-control sample of automatically labelled reports."""
    from rxlabel.labeler.review import sample_for_qc

    n = sample_for_qc(labels, output, fraction, seed, reports, id_col=id_col, text_col=text_col, encoding=encoding)
    click.echo(f"{n} reports sampled for QC -> {output}")


@review.command("serve")
@click.argument("labels", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", default=None, type=click.Path(dir_okay=False),
              help="Workbench database (default: LABELS stem + .review.sqlite); reopened as it is if it exists.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface; any other than loopback needs a token.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option("--token", default=None, help="Access token (default: a random one when --host is not loopback).")
@click.option("--no-assistant", is_flag=True, help="No learned ranking and proposals.")
@_with_read_opts
def review_serve(labels, db, host, port, token, no_assistant, reports, id_col, text_col, encoding):
    """Serve the review workbench on LABELS: readers clear the queue in a web page (Ctrl-C stops)."""
    from rxlabel.labeler.workbench.app import serve
    from rxlabel.labeler.workbench.store import Store

    db = db or str(Path(labels).with_suffix("")) + ".review.sqlite"
    c = Store(db).load(labels, reports, id_col=id_col, text_col=text_col, encoding=encoding)
    if c["new"]:
        click.echo(f"{c['new']} reports loaded into {db}")
    serve(db, host, port, token, assistant=not no_assistant, echo=click.echo)


@review.command("export-decisions")
@click.argument("db", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Decisions CSV for 'review apply'.")
def review_export_decisions(db, output):
    """Write the workbench's consensus decisions as the CSV 'rxlabel review apply' reads."""
    from rxlabel.labeler.workbench.agreement import export_decisions
    from rxlabel.labeler.workbench.store import Store

    c = export_decisions(Store(db), output)
    click.echo(f"{c['rows']} decisions (consensus {c['rule']}: {c.get('agreed', 0)} agreed, {c.get('invalid', 0)} "
               f"all INVALID -> reject, {c.get('unresolved', 0)} unresolved left out; {c.get('qc_correct', 0)} QC "
               f"checks found the labels right) -> {output}")


@click.command()
@click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False), help="Gold labels file.")
@click.option("--pred", required=True, type=click.Path(exists=True, dir_okay=False), help="Predicted labels file.")
@click.option("--id-col", default=None, help="Id column of CSV inputs.")
@click.option("--classes", default=None, help="Comma-separated classes (default: those in gold).")
@click.option("--uncertain", type=click.Choice(["positive", "negative", "exclude"]), default="positive", show_default=True)
@click.option("--bootstrap", default=1000, show_default=True, type=int, help="Bootstrap replicates for 95% CIs (0: none).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--min-support", default=0, show_default=True, type=int, help="Macro-F1 over classes with this many positives.")
@click.option("--strict", is_flag=True,
              help="Also count false positives on classes the gold never uses (every class predicted present).")
@click.option("--label-set", default=None,
              help="Read both files in a named label set's vocabulary (e.g. padchest-gr; see 'rxlabel rules show').")
@click.option("--lang", default="es", show_default=True, help="Rule pack whose label sets --label-set names.")
@click.option("--json-out", default=None, type=click.Path(dir_okay=False))
def evaluate(gold, pred, id_col, classes, uncertain, bootstrap, seed, min_support, strict, label_set, lang, json_out):
    """Per-class TP/FP/TN/FN, precision, recall, F1, kappa with bootstrap 95% CIs."""
    from rxlabel.labeler.evaluate import evaluate as run
    from rxlabel.labeler.evaluate import format_table, load_label_table, strict_classes, write_json

    g = load_label_table(gold, id_col)
    p = load_label_table(pred, id_col)
    if label_set:
        from rxlabel.labeler.labelsets import apply_label_set_frame, load_label_set

        chosen = load_label_set(lang, label_set)
        g, p = apply_label_set_frame(g, chosen), apply_label_set_frame(p, chosen)
    if classes:
        names = classes.split(",")
    else:
        names = strict_classes(g, p) if strict else None
    result = run(g, p, names, uncertain, bootstrap, seed, min_support)
    click.echo(format_table(result))
    if json_out:
        write_json(result, json_out)
        click.echo(f"-> {json_out}")


@click.group()
def rules():
    """List, check and inspect rule packs."""


@rules.command("list")
def rules_list():
    """Installed rule packs with their versions and sizes."""
    from rxlabel.labeler.pack import available_packs, load_pack

    for lang in available_packs():
        try:
            pack = load_pack(lang)
        except RulePackError as exc:
            click.echo(f"{lang}: INVALID ({len(exc.errors)} errors)")
            continue
        phrases = sum(len(f.phrases) + len(f.negative_phrases) for f in pack.findings.values())
        click.echo(f"{lang}: {pack.version}  {len(pack.findings)} findings, {phrases} phrases, {len(pack.cues)} cues, "
                   f"{len(pack.templates)} templates  ({pack.name})")


@rules.command("check")
@click.argument("pack")
def rules_check(pack):
    """Validate PACK (a language code or a folder); errors are printed as file:line: reason."""
    from rxlabel.labeler.compiled import compile_pack
    from rxlabel.labeler.pack import load_pack

    try:
        compile_pack(load_pack(pack))
    except RulePackError as exc:
        for err in exc.errors:
            click.echo(err, err=True)
        raise click.ClickException(f"{len(exc.errors)} error(s) in rule pack {pack}") from None
    click.echo(f"{pack}: OK")


@rules.command("coverage")
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False))
@click.option("--lang", default="es", show_default=True, help="Rule pack: es, vi, en, or a pack folder.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="Write every ranked row as CSV.")
@click.option("--top", default=15, show_default=True, type=int, help="Rows printed per section.")
@click.option("--stemmed", is_flag=True, help="Input is PadChest-style stemmed text (Spanish).")
@_with_read_opts
def rules_coverage(corpus, lang, output, top, stemmed, reports, id_col, text_col, encoding):
    """Rank what the pack did not understand in CORPUS (and what it did): unmatched sentences and n-grams,
    fuzzy corrections, review reasons, findings never hit, templates that fire."""
    import time

    from rxlabel.labeler import load
    from rxlabel.labeler.coverage import coverage, format_rows, write_rows
    from rxlabel.labeler.io import read_reports
    from rxlabel.outputs import refuse_overwrite

    started = time.perf_counter()
    if output:
        refuse_overwrite("rules-coverage", [corpus], {"coverage": output})
    lab = load(lang, stemmed=stemmed)  # RxlabelError (a bad pack, an unreadable corpus) is reported by the CLI group
    texts = (row.text for chunk in read_reports(corpus, id_col=id_col, text_col=text_col, encoding=encoding)
             for row in chunk)
    cov = coverage(texts, lab)
    click.echo(format_rows(cov.rows(top)))
    click.echo(f"\n{cov.reports} reports, {cov.sentences} sentences, rules {lab.version}, "
               f"{time.perf_counter() - started:.1f} s")
    if output:
        write_rows(cov.rows(), output)
        click.echo(f"-> {output}")


@rules.command("test")
@click.argument("cases", type=click.Path(exists=True, dir_okay=False))
@click.option("--lang", default="es", show_default=True, help="Rule pack: es, vi, en, or a pack folder.")
def rules_test(cases, lang):
    """Run a hospital's gold CASES (YAML) against a pack: a pass/fail table; exit status 1 on any failure."""
    from rxlabel.labeler import load
    from rxlabel.labeler.coverage import format_cases, load_cases, run_cases

    results = run_cases(load_cases(cases), load(lang))  # CasesError / RulePackError: reported by the CLI group
    click.echo(format_cases(results))
    if not all(r.passed for r in results):
        sys.exit(1)
