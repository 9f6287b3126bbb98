"""The pipeline's steps as functions of files: match -> convert -> label -> review -> index -> dataset ->
train -> evaluate -> heatmap. Each takes paths and options, writes its outputs under a folder it is given,
and returns a JSON-able dict of what it did (counts, output paths). The demo and ``rxlabel run`` chain
them; a step whose package or dependency is missing raises :class:`StepSkipped` with the reason.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pandas as pd

from rxlabel.errors import RxlabelError
from rxlabel.matcher.match import MatchConfig

_MATCH = MatchConfig()  # the matcher's time rules are the defaults here too


class StepSkipped(RxlabelError):
    """A step that cannot run here (a package or optional dependency is missing); the message says which."""


def require(*modules: str, hint: str = "") -> None:
    """Raise StepSkipped if any module cannot be imported (torch missing, a package not installed, ...)."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            missing = (exc.name or name).split(".")[0]
            if missing in ("torch", "torchvision", "timm"):
                hint = hint or "install the training extra: pip install 'rxlabel[train]'"
            raise StepSkipped(f"needs the Python module '{missing}', which is not installed"
                              + (f"; {hint}" if hint else "")) from None


# ---------------------------------------------------------------- matcher


def match(dicom: str | Path, his: str | Path | list, out_dir: str | Path, *, window_h: float = _MATCH.window_h,
          before_h: float = _MATCH.before_h, his_tz: str | None = None, jobs: int = 1, truth: str | Path | None = None) -> dict:
    """Pair images with reports; with ``truth`` (a generated archive) also score precision and recall."""
    from rxlabel.matcher.match import MatchConfig
    from rxlabel.matcher.pipeline import run, write_result

    out_dir = Path(out_dir)
    res, _ = run(dicom, his if isinstance(his, list) else [his], MatchConfig(window_h=window_h, before_h=before_h, his_tz=his_tz),
                 jobs=jobs, cache=out_dir / "scan-cache.jsonl", quiet=True)
    paths = write_result(res, out_dir / "pairs.csv")
    out = {"summary": res.summary, "pairs": str(paths["pairs"]), "ambiguous": str(paths["ambiguous"]),
           "unmatched_images": str(paths["unmatched_images"]), "unmatched_reports": str(paths["unmatched_reports"]),
           "unmatched_image_reasons": _reasons(res.unmatched_images),
           "unmatched_report_reasons": _reasons(res.unmatched_reports)}
    if truth:
        from rxlabel.pipeline.archive import score_pairs

        out["score"] = score_pairs(truth, res.pairs, res.ambiguous)
    return out


def deidentify_match(private_dir: str | Path, out_dir: str | Path, deid) -> dict:
    """De-identified copies of a match step's tables (written in ``private_dir``) in ``out_dir``.

    Each patient's identifiers are learnt from the tables and the DICOM headers first, so the reports are
    scrubbed of them; source paths are dropped (``convert`` reads the private pairs, nobody else does).
    """
    from rxlabel.matcher.pipeline import output_paths, read_pairs

    src, dst = output_paths(Path(private_dir) / "pairs.csv"), output_paths(Path(out_dir) / "pairs.csv")
    tables = {k: read_pairs(src[k]) for k in ("pairs", "ambiguous", "unmatched_images", "unmatched_reports", "problems")}
    for key in ("pairs", "ambiguous", "unmatched_images"):
        deid.learn_table(tables[key])
    deid.learn_table(tables["unmatched_reports"], read_headers=False)
    for key, frame in tables.items():
        _write_csv(deid.table(frame), dst[key])
    summary = json.loads(Path(src["summary"]).read_text("utf-8"))
    dst["summary"].write_text(json.dumps(summary, indent=2, ensure_ascii=False), "utf-8")
    return {k: str(v) for k, v in dst.items() if k not in ("summary", "problems")}


def _reasons(frame: pd.DataFrame) -> dict[str, int]:
    if not len(frame):
        return {}
    return frame["reason"].astype(str).str.split(":").str[0].value_counts().sort_index().to_dict()


def convert(pairs: str | Path, out_dir: str | Path, *, size: int, jobs: int = 1, deid=None) -> dict:
    """DICOM -> PNG for every paired image; writes ``pairs_png.csv``: the pairs with ``image_path`` on the PNG.

    ``deid`` (a :class:`rxlabel.deid.Deidentifier`): hashed names, and a de-identified manifest and pairs_png.
    """
    from rxlabel.matcher.convert import ConvertOptions, convert_pairs
    from rxlabel.matcher.pipeline import read_pairs

    out_dir = Path(out_dir)
    table = read_pairs(pairs)
    opts = ConvertOptions(size=size, salt=deid.salt, dates=deid.dates) if deid else ConvertOptions(size=size)
    manifest = convert_pairs(table, out_dir / "png", opts, jobs=jobs, quiet=True)
    ok = manifest[manifest["status"] == "ok"].copy()
    if deid:
        ok = ok.rename(columns={"patient_key": "patient_id"})
    else:
        ok.insert(0, "dicom_path", ok["image_path"])
    ok["image_path"] = [str((out_dir / "png" / p).resolve()) for p in ok["png"]]
    keep = [c for c in ("image_path", "dicom_path", "sop_uid", "patient_id", "study_time", "view", "report_id",
                        "report_time", "rule") if c in ok]
    target = out_dir / "pairs_png.csv"
    _write_csv(ok[keep], target)
    failed = manifest[manifest["status"] != "ok"].drop_duplicates("image_path")
    return {"converted": int(ok["image_path"].nunique()), "failed": len(failed),
            "failed_reasons": failed["reason"].astype(str).str.split(":").str[0].value_counts().to_dict(),
            "pairs_png": str(target), "size": size}


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    frame.to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------- labeller


def reports_from_pairs(pairs: str | Path, target: str | Path) -> int:
    """The distinct reports of a pairs table (report_id, text) as the labeller's input CSV."""
    from rxlabel.matcher.pipeline import read_pairs

    table = read_pairs(pairs)
    reports = table[["report_id", "text"]].drop_duplicates("report_id").sort_values("report_id", kind="stable")
    _write_csv(reports, Path(target))
    return len(reports)


def label(reports: str | Path, lang: str, out_dir: str | Path, *, jobs: int = 1) -> dict:
    """Label a reports table; the summary's counts add up to its rows."""
    from rxlabel.labeler.batch import label_file
    from rxlabel.labeler.pack import RulePackError

    out_dir = Path(out_dir)
    try:
        summary = label_file(reports, out_dir / "labels.jsonl", lang, jobs=jobs, progress=False)
    except RulePackError as exc:
        first = str(exc).splitlines()[1:2]
        raise StepSkipped(f"the '{lang}' rule pack does not load ({(first or [''])[0].strip()} ...); "
                          f"run 'rxlabel rules check {lang}'") from None
    return summary.as_dict()


def review_export(labels: str | Path, reports: str | Path, target: str | Path) -> dict:
    """The review queue a person fills in a spreadsheet."""
    from rxlabel.labeler.review import export_queue

    n = export_queue(labels, target, reports)
    return {"queue": str(target), "to_review": n}


def review_workbench(labels: str | Path, reports: str | Path, db: str | Path, port: int = 8765) -> dict:
    """Load the queue into a workbench database and rank it once; returns the command that serves it.

    Starts no server (the demo never waits on one): the person runs the printed command to open the page.
    """
    try:
        from rxlabel.labeler.workbench.app import prepare
    except ImportError as exc:  # a trimmed install without the web stack still runs the rest of the demo
        raise StepSkipped(f"the review workbench needs fastapi, uvicorn and jinja2 ({exc})") from None
    counts = prepare(db, labels, reports)
    command = f"rxlabel review serve {labels} --reports {reports} --db {db} --port {port}"
    return {"db": str(db), "command": command, "address": f"http://127.0.0.1:{port}/", **counts}


# ---------------------------------------------------------------- index and dataset


def build_index(labels: list[str | Path], pairs: list[str | Path], target: str | Path) -> dict:
    """The inverted index over every site's labelled, converted images."""
    from rxlabel.index.build import build_index as build

    Path(target).parent.mkdir(parents=True, exist_ok=True)
    result = build(target, labels=[str(p) for p in labels], pairs=[str(p) for p in pairs], on_error="reject")
    summary = result.summary()
    from rxlabel.index.store import load

    idx = load(target)
    counts = idx.finding_counts()
    summary["finding_counts"] = {str(r["finding"] if "finding" in r else r.iloc[0]): int(r["positive"])
                                 for _, r in counts.iterrows()} if len(counts) else {}
    return summary


def create_dataset(index_path: str | Path, out_dir: str | Path, *, name: str, terms: list[str], seed: int,
                   split: list[float], balance: bool = False, exclude: list[str] = (), store: str | Path | None = None,
                   views: list[str] = ()) -> dict:
    """A patient-disjoint dataset from the index, recorded in the experiment store."""
    from rxlabel.index.dataset import DatasetSpec, create, write_manifest
    from rxlabel.index.experiments import open_searcher, record

    out_dir = Path(out_dir)
    searcher, source = open_searcher(index_path)
    spec = DatasetSpec(name=name, terms=list(terms), exclude=list(exclude), seed=seed, split=list(split),
                       balance=balance, views=list(views))
    made = create(searcher, spec)
    manifest = out_dir / "manifest.csv"
    sha = write_manifest(made.manifest, manifest)
    store = Path(store) if store else out_dir / "experiments.sqlite"
    if store.exists():
        store.unlink()  # the demo's store holds this one dataset; a rerun records it afresh
    record(store, made, searcher, source, sha)
    counts = {k: (int(v) if isinstance(v, (int, float)) else v) for k, v in made.counts.items()}
    return {"manifest": str(manifest), "sha256": sha, "store": str(store), "counts": counts}


def training_manifest(dataset_manifest: str | Path, pairs_png: list[str | Path], labels: list[str | Path],
                      target: str | Path) -> dict:
    """The dataset's images with the five region labels of their report (``rxlabel dataset manifest``)."""
    from rxlabel.index.training import training_manifest as build

    return build(dataset_manifest, labels, pairs_png, target, columns="regions")


# ---------------------------------------------------------------- classifier


def train(manifest: str | Path, run_dir: str | Path, *, backbone: str, image_size: int, epochs: int, batch_size: int,
          seed: int, loss: str = "asl", lr: float = 1e-3, max_steps: int = 0) -> dict:
    """A short CPU training run of the coarse (region) classifier (sizes come from the demo's or run's config)."""
    require("torch", "timm", "rxlabel.classifier.train")
    import torch

    from rxlabel.classifier.train import TrainConfig
    from rxlabel.classifier.train import train as run_train

    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    cfg = TrainConfig(manifest=str(manifest), out=str(run_dir), task="coarse", backbone=backbone, loss=loss,
                      image_size=image_size, epochs=epochs, batch_size=batch_size, lr=lr, warmup_steps=5,
                      seed=seed, workers=0, patience=0, device="cpu", quiet=True, max_steps=max_steps)
    if Path(run_dir).exists():
        import shutil

        shutil.rmtree(run_dir)  # a demo rerun trains afresh (same seed, same numbers)
    return run_train(cfg)


def evaluate(run_dir: str | Path, *, n_boot: int, seed: int, split: str = "test") -> dict:
    """Metrics with bootstrap 95% CIs on a split, predictions and the ROC plot (in the run folder)."""
    require("torch", "rxlabel.classifier.evaluate")
    from rxlabel.classifier.evaluate import evaluate_runs

    report = evaluate_runs([str(run_dir)], split=split, n_boot=n_boot, seed=seed, device="cpu")
    report.pop("table", None)
    return report


def heatmaps(run_dir: str | Path, images: list[str | Path], out_dir: str | Path) -> dict:
    """Multi-label Grad-CAM over a few images."""
    require("torch", "rxlabel.classifier.gradcam")
    from rxlabel.classifier.gradcam import heatmap
    from rxlabel.classifier.run import load_run

    run = load_run(run_dir, "cpu")
    out_dir = Path(out_dir)
    made = []
    for path in images:
        target = out_dir / f"{Path(path).stem}_heatmap.png"
        found = heatmap([run], path, target, device="cpu")
        made.append({"image": str(path), "heatmap": str(target),
                     "findings": {f.name: round(f.probability, 3) for f in found}})
    return {"heatmaps": made}
