"""``rxlabel demo``: the whole pipeline on a generated two-hospital archive, ending with a report.

archive (DICOM + HIS XML, Spanish and Vietnamese) -> match -> convert -> label -> review export (and a
workbench database with the command that serves it) ->
index -> dataset -> a short CPU training run -> evaluation -> heatmaps -> ``report.html``. A step
whose package or dependency is missing (the core install has no torch) is skipped with the reason;
the steps after it that need its output are skipped too. Same seed, same numbers.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import click

from rxlabel import logs
from rxlabel.pipeline import steps

SAMPLES = {"es": "sample_reports_es.csv", "vi": "sample_reports_vi.csv", "en": "sample_reports_en.csv"}
STEPS = ("samples", "archive", "match", "convert", "label", "review", "index", "dataset", "train", "evaluate",
         "heatmap", "report")


@dataclass(frozen=True)
class DemoConfig:
    """Sizes of a demo run; ``quick`` is under 2 minutes on 2 cores, the full run under 10."""

    seed: int = 0
    patients_per_site: int = 150
    archive_size: int = 192  # pixels of the generated DICOM images
    png_size: int = 128
    train_size: int = 96
    epochs: int = 15
    batch_size: int = 16
    backbone: str = "resnet10t"
    n_boot: int = 1000
    split: tuple[float, float, float] = (0.6, 0.2, 0.2)

    @classmethod
    def quick(cls, seed: int = 0) -> DemoConfig:
        return cls(seed=seed, patients_per_site=60, archive_size=128, png_size=96, train_size=64, epochs=8,
                   n_boot=200)


def sample_path(lang: str) -> Path:
    """The bundled sample reports of a language."""
    return Path(str(resources.files("rxlabel.pipeline") / "data" / SAMPLES[lang]))


def label_samples(workdir: Path, echo=click.echo) -> dict:
    """Label each bundled sample file with its language's pack (the first minute of a new user)."""
    from rxlabel.labeler.batch import label_file
    from rxlabel.labeler.pack import RulePackError, available_packs

    packs = set(available_packs())
    out = {}
    for lang in SAMPLES:
        if lang not in packs:
            echo(f"  [{lang}] no rule pack installed; skipped")
            continue
        try:
            summary = label_file(sample_path(lang), workdir / f"labels_{lang}.jsonl", lang, progress=False)
        except RulePackError as exc:
            echo(f"  [{lang}] rule pack does not load: {str(exc).splitlines()[1:2]}; skipped")
            continue
        d = summary.as_dict()
        out[lang] = d
        echo(f"  [{lang}] {d['total']} sample reports: {d['template']} template, {d['rule']} rule, "
             f"{d['review']} review, {d['rejected']} rejected")
    return out


class Runner:
    """Runs named steps in order, recording each one's outcome (ok / skipped / failed) and time."""

    def __init__(self, workdir: Path, echo: Callable[[str], None], total: int = 0):
        from tqdm import tqdm

        self.workdir = workdir
        self.record: dict = {"steps": {}, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        # A bar over the steps (stderr, terminals only); each step also logs a heartbeat every few seconds.
        self.bar = tqdm(total=total, unit="step", desc="steps", leave=False,
                        disable=not total or logs.is_quiet() or not sys.stderr.isatty())
        self._echo = echo

    def echo(self, message: str) -> None:
        from tqdm import tqdm

        with tqdm.external_write_mode(file=sys.stderr):
            self._echo(message)
        if self._echo is not logs.echo:
            logs.ECHO.info(message)

    def close(self) -> None:
        self.bar.close()

    def step(self, name: str, func: Callable[[], dict], needs: tuple[str, ...] = ()) -> dict | None:
        blocked = [n for n in needs if self.record["steps"].get(n, {}).get("status") != "ok"]
        if blocked:
            why = f"needs the output of {', '.join(blocked)}"
            self.record["steps"][name] = {"status": "skipped", "reason": why}
            self.echo(f"[{name}] skipped: {why}")
            self.bar.update()
            return None
        self.echo(f"[{name}] ...")
        self.bar.set_description(name)
        t0 = time.perf_counter()
        try:
            with logs.Heartbeat(name):
                result = func()
        except steps.StepSkipped as exc:
            self.record["steps"][name] = {"status": "skipped", "reason": str(exc)}
            self.echo(f"[{name}] skipped: {exc}")
            self.bar.update()
            return None
        except Exception as exc:  # a failing step is reported and the run goes on with what does not need it
            self.record["steps"][name] = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}",
                                          "traceback": traceback.format_exc(limit=6)}
            self.echo(f"[{name}] FAILED: {type(exc).__name__}: {exc}")
            logs.LOGGER.debug("step %s failed", name, exc_info=True)  # the full traceback, in the log file
            self.bar.update()
            return None
        self.bar.update()
        seconds = round(time.perf_counter() - t0, 2)
        self.record["steps"][name] = {"status": "ok", "seconds": seconds, "result": result}
        return result

    def save(self) -> Path:
        path = self.workdir / "summary.json"
        tmp = path.with_name(".summary.json.partial")
        tmp.write_text(json.dumps(self.record, indent=1, ensure_ascii=False, default=str), "utf-8")
        tmp.replace(path)
        return path


def run_demo(workdir: Path, cfg: DemoConfig, echo=logs.echo, only: tuple[str, ...] = (), deid=None) -> dict:
    """Run the demo pipeline in ``workdir``; returns the record also written to ``workdir/summary.json``.

    Everything it says, with timestamps and any failing step's traceback, also goes to ``workdir/rxlabel.log``.
    ``deid`` (a :class:`rxlabel.deid.Deidentifier`): the archive gets names, birth dates and identifiers typed into
    reports; the match tables with source paths stay in a private temporary folder (read by convert only, removed
    at the end) and every output in ``workdir`` outside ``archive/`` is de-identified.
    """
    import shutil

    w = Path(workdir)
    w.mkdir(parents=True, exist_ok=True)
    private = Path(tempfile.mkdtemp(prefix="rxlabel-private-")) if deid else None
    try:
        with logs.log_file(w):
            r = Runner(w, echo, total=len(set(only or STEPS)))
            try:
                return _run_demo(w, cfg, r, echo, only, deid, private)
            finally:
                r.close()
    finally:
        if private is not None:
            shutil.rmtree(private, ignore_errors=True)


def _run_demo(w: Path, cfg: DemoConfig, r: Runner, echo, only: tuple[str, ...], deid, private: Path | None) -> dict:
    r.record["config"] = asdict(cfg)
    r.record["kind"] = "demo"
    r.record["deidentified"] = {"dates": deid.dates} if deid else False
    wanted = set(only or STEPS)

    def want(name: str) -> bool:
        return name in wanted

    if want("samples"):
        r.step("samples", lambda: label_samples(w, lambda m: echo(m)))
    if want("archive"):
        from rxlabel.pipeline.archive import generate

        arch = r.step("archive", lambda: generate(w / "archive", cfg.patients_per_site, cfg.seed,
                                                  cfg.archive_size, phi=deid is not None).to_json())
        if arch:
            for lang, s in arch["sites"].items():
                echo(f"  [{lang}] {s['dicom_files']} DICOM files, {s['reports']} reports in {s['his_files']} HIS "
                     f"files ({s['sessions']} visits); traps: {sum(s['traps'].values())}")
    sites = (r.record["steps"].get("archive", {}).get("result") or {}).get("sites", {})
    private_pairs: dict[str, str] = {}  # with --deidentify: the identifying pairs, for convert only
    if want("match"):
        def do_match() -> dict:
            out = {}
            for lang, s in sites.items():
                if deid:
                    res = steps.match(s["dicom"], s["his"], private / "match" / lang, truth=s["truth"])
                    private_pairs[lang] = res["pairs"]
                    res.update(steps.deidentify_match(private / "match" / lang, w / "match" / lang, deid))
                    out[lang] = res
                else:
                    out[lang] = steps.match(s["dicom"], s["his"], w / "match" / lang, truth=s["truth"])
                m, sc = out[lang]["summary"], out[lang]["score"]
                echo(f"  [{lang}] {m['files_scanned']} files, {m['chest_pa_images']} chest PA -> {m['paired_images']} "
                     f"paired, {m['ambiguous_images']} to review; precision {sc['precision']:.3f} "
                     f"recall {sc['recall']:.3f} against the known truth")
            return out

        r.step("match", do_match, needs=("archive",))
    matched = r.record["steps"].get("match", {}).get("result") or {}
    if want("convert"):
        def do_convert() -> dict:
            out = {}
            for lang, m in matched.items():
                out[lang] = steps.convert(private_pairs.get(lang, m["pairs"]), w / "images" / lang, size=cfg.png_size,
                                          deid=deid)
                echo(f"  [{lang}] {out[lang]['converted']} PNG ({cfg.png_size} px), {out[lang]['failed']} failed")
            return out

        r.step("convert", do_convert, needs=("match",))
    if want("label"):
        def do_label() -> dict:
            out, skipped = {}, []
            for lang, m in matched.items():
                reports = w / "labels" / lang / "reports.csv"
                steps.reports_from_pairs(m["pairs"], reports)
                try:
                    out[lang] = steps.label(reports, lang, w / "labels" / lang)
                except steps.StepSkipped as exc:
                    skipped.append(f"{lang}: {exc}")
                    echo(f"  [{lang}] skipped: {exc}")
                    continue
                d = out[lang]
                out[lang]["reports"] = str(reports)
                echo(f"  [{lang}] {d['total']} reports: {d['template']} template, {d['rule']} rule, {d['review']} "
                     f"review, {d['rejected']} rejected ({d['rules_version']})")
            if not out:
                raise steps.StepSkipped("; ".join(skipped) or "no site was labelled")
            return out

        r.step("label", do_label, needs=("match",))
    labelled = r.record["steps"].get("label", {}).get("result") or {}
    if want("review"):
        def do_review() -> dict:
            out = {}
            for lang, d in labelled.items():
                out[lang] = steps.review_export(d["outputs"]["labels"], d["reports"], w / "review" / f"queue_{lang}.csv")
                echo(f"  [{lang}] {out[lang]['to_review']} reports to review -> {out[lang]['queue']}")
            for port, (lang, d) in enumerate(labelled.items(), start=8765):
                try:
                    wb = steps.review_workbench(d["outputs"]["labels"], d["reports"],
                                                w / "review" / f"workbench_{lang}.sqlite", port)
                except steps.StepSkipped as exc:
                    echo(f"  [{lang}] workbench skipped: {exc}")
                    continue
                out[lang]["workbench"] = wb
                echo(f"  [{lang}] workbench ready ({wb['queue']} in its queue, ranked by the assistant); to clear it "
                     f"with the keyboard run:\n      {wb['command']}\n    and open {wb['address']}")
            return out

        r.step("review", do_review, needs=("label",))
    converted = r.record["steps"].get("convert", {}).get("result") or {}
    langs = [lang for lang in labelled if lang in converted]
    labels = [labelled[lang]["outputs"]["labels"] for lang in langs]
    pairs_png = [converted[lang]["pairs_png"] for lang in langs]
    if want("index"):
        def do_index() -> dict:
            out = steps.build_index(labels, pairs_png, w / "index" / "index.sqlite")
            echo(f"  {out['images']} images, {out['findings']} findings indexed ({out['rejected']} rows set aside)")
            return out

        r.step("index", do_index, needs=("label", "convert"))
    if want("dataset"):
        def do_dataset() -> dict:
            d = steps.create_dataset(w / "index" / "index.sqlite", w / "dataset", name="demo",
                                     terms=["region:abnormal", "NOT region:abnormal AND NOT method:unlabelled"],
                                     seed=cfg.seed, split=list(cfg.split), balance=False)
            t = steps.training_manifest(d["manifest"], pairs_png, labels, w / "dataset" / "train_manifest.csv")
            d["training"] = t
            echo(f"  {t['images']} images of {t['patients']} patients: " +
                 ", ".join(f"{k} {v}" for k, v in t["per_split"].items()) + " (disjoint by patient)")
            return d

        r.step("dataset", do_dataset, needs=("index",))
    run_dir = w / "run"
    if want("train"):
        def do_train() -> dict:
            manifest = r.record["steps"]["dataset"]["result"]["training"]["manifest"]
            s = steps.train(manifest, run_dir, backbone=cfg.backbone, image_size=cfg.train_size, epochs=cfg.epochs,
                            batch_size=cfg.batch_size, seed=cfg.seed)
            echo(f"  {cfg.backbone} {cfg.train_size} px, {s['epochs_done']} epochs, {s['steps']} steps: best valid "
                 f"macro F1 {s['best_macro_f1']:.3f}, AUC {s['best_macro_auc']:.3f}")
            return s

        r.step("train", do_train, needs=("dataset",))
    if want("evaluate"):
        def do_evaluate() -> dict:
            e = steps.evaluate(run_dir, n_boot=cfg.n_boot, seed=cfg.seed)
            ci = (e.get("ci") or {}).get("macro", {}).get("auc")
            echo(f"  test split ({e['n_images']} images): macro AUC {e['macro']['auc']:.3f}"
                 + (f" (95% CI {ci[0]:.3f}-{ci[1]:.3f})" if isinstance(ci, (list, tuple)) else "")
                 + f", macro F1 {e['macro']['f1']:.3f}")
            return e

        r.step("evaluate", do_evaluate, needs=("train",))
    if want("heatmap"):
        def do_heatmap() -> dict:
            import pandas as pd

            m = pd.read_csv(r.record["steps"]["dataset"]["result"]["training"]["manifest"])
            test = m[m["split"] == "test"]
            picks = [test[test[c] == 1]["image_path"].iloc[0] for c in ("cardio", "pleura", "chest_wall")
                     if (test[c] == 1).any()][:3] or test["image_path"].head(2).tolist()
            h = steps.heatmaps(run_dir, picks, w / "heatmaps")
            echo(f"  {len(h['heatmaps'])} heatmaps -> {w / 'heatmaps'}")
            return h

        r.step("heatmap", do_heatmap, needs=("evaluate",))
    r.record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    r.save()
    if want("report"):
        def do_report() -> dict:
            from rxlabel.pipeline.report import write_report

            path = write_report(w, w / "report.html")
            return {"report": str(path)}

        r.step("report", do_report)
        r.save()
    return r.record


@click.command()
@click.option("--workdir", type=click.Path(file_okay=False), default=None,
              help="Where outputs go (default: a new temporary folder).")
@click.option("--quick", is_flag=True, help="A smaller archive and a shorter training run (under 2 minutes).")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same numbers.")
@click.option("--only", default=None, help=f"Comma-separated steps to run: {','.join(STEPS)}.")
@click.option("--deidentify", is_flag=True,
              help="An archive with names and identifiers in it, and no identifier in any output (see docs/robustness.md).")
@click.option("--salt", envvar="RXLABEL_SALT", help="Secret salt for --deidentify (default: random for this run).")
@click.option("--deid-dates", type=click.Choice(["shift", "year"]), default="shift", show_default=True,
              help="With --deidentify: per-patient date shift keeping intervals, or the year only.")
def demo(workdir, quick, seed, only, deidentify, salt, deid_dates):
    """Generate a two-hospital archive and run the whole pipeline on it, ending with report.html."""
    workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="rxlabel-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    only_steps = tuple(s.strip() for s in only.split(",")) if only else ()
    unknown = [s for s in only_steps if s not in STEPS]
    if unknown:
        raise click.UsageError(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join(STEPS)}")
    cfg = DemoConfig.quick(seed) if quick else DemoConfig(seed=seed)
    click.echo(f"rxlabel demo{' --quick' if quick else ''} (seed {seed}) -> {workdir}")
    t0 = time.perf_counter()
    deid = None
    if deidentify:
        import os

        from rxlabel.deid import Deidentifier

        deid = Deidentifier(salt or os.urandom(16).hex(), deid_dates)
    record = run_demo(workdir, cfg, only=only_steps, deid=deid)
    click.echo("")
    from rxlabel.pipeline.report import funnel_counts

    f = funnel_counts(record)
    if f:
        click.echo("funnel: " + " -> ".join(f"{k} {v}" for k, v in f))
    states = {k: v["status"] for k, v in record["steps"].items()}
    click.echo("steps: " + ", ".join(f"{k} {v}" for k, v in states.items()))
    click.echo(f"done in {time.perf_counter() - t0:.0f} s; summary: {workdir / 'summary.json'}")
    report = (record["steps"].get("report", {}).get("result") or {}).get("report")
    if report:
        click.echo(f"report: {report}")
    if any(v == "failed" for v in states.values()):
        raise SystemExit(1)
