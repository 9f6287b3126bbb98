"""``rxlabel run config.yaml``: a whole run from one configuration file, with unchanged steps skipped.

Every step writes a record ``WORKDIR/steps/<step>.json``: its inputs (files hashed, folders
fingerprinted by path, size and modification time), its parameters, the versions that decide its
output (rxlabel, the rule pack, the seed), its outputs with their hashes and its result. A rerun
computes the same key for each step and skips the step when the key is unchanged and its outputs
are still there, unmodified; a step that runs again changes its outputs' hashes, so the steps after
it run again too. ``--force`` reruns everything. The run's summary goes to ``WORKDIR/summary.json``
(the format ``rxlabel report`` reads).

Example configuration (paths relative to the configuration file)::

    workdir: runs/2024-06
    seed: 0
    sites:
      - {name: phutho, lang: vi, dicom: pacs/phutho, his: [his/phutho], his_tz: "+0700"}
      # or straight from the PACS (credentials from the environment or a netrc file, never here):
      - {name: hgu, lang: es, pacs: "dicomweb+https://pacs.example.org/dicom-web", his: [his/hgu]}
    pacs: {retrieve: move, move_port: 11113, calling_aet: RXLABEL, netrc: secrets/netrc, timeout: 30}
    match: {window_h: 24, jobs: 2}
    convert: {size: 512}
    label: {jobs: 2}
    dataset: {name: abnormal-vs-normal, terms: ["region:abnormal", "NOT region:abnormal"], split: [70, 20, 10]}
    train: {backbone: efficientnet_b2, image_size: 768, epochs: 30, batch_size: 16, loss: asl}
    evaluate: {n_boot: 3000}
    heatmap: {images: 4}
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click
import yaml

from rxlabel.config import SettingError, check_section, defaults
from rxlabel.matcher.match import MatchConfig
from rxlabel.matcher.pacs import FetchOptions
from rxlabel.pipeline import steps
from rxlabel.pipeline.demo import Runner

_MATCH = defaults(MatchConfig)
_FETCH = defaults(FetchOptions)
_SECRET_KEYS = {"user", "username", "password", "token", "secret", "auth", "credentials"}

@dataclass
class MatchSection:
    """``match:`` options (the time rules' defaults are the matcher's :class:`MatchConfig`)."""

    window_h: float = _MATCH["window_h"]
    before_h: float = _MATCH["before_h"]
    his_tz: str | None = None
    jobs: int = 1


@dataclass
class PacsSection:
    """``pacs:`` options of the fetch for sites given as ``pacs: URL`` (:class:`rxlabel.matcher.pacs.FetchOptions`).

    Credentials are never options: they come from the environment or the ``netrc`` file named here.
    """

    modalities: list[str] = field(default_factory=lambda: list(_FETCH["modalities"]))
    retrieve: str = _FETCH["retrieve"]
    calling_aet: str = _FETCH["calling_aet"]
    move_aet: str = _FETCH["move_aet"]
    move_port: int = _FETCH["move_port"]
    timeout: float = _FETCH["timeout"]
    retries: int = _FETCH["retries"]
    backoff: float = _FETCH["backoff"]
    netrc: str | None = None
    ca_bundle: str | None = None


@dataclass
class ConvertSection:
    """``convert:`` options."""

    size: int = 512
    jobs: int = 1


@dataclass
class LabelSection:
    """``label:`` options."""

    jobs: int = 1


@dataclass
class EmptySection:
    """A step without options (``review:``, ``index:``)."""


@dataclass
class DatasetSection:
    """``dataset:`` options: the query of the training set and its patient-disjoint split."""

    name: str = "dataset"
    terms: list[str] = field(default_factory=lambda: ["region:abnormal", "NOT region:abnormal AND NOT method:unlabelled"])
    exclude: list[str] = field(default_factory=list)
    split: list[float] = field(default_factory=lambda: [70.0, 20.0, 10.0])
    balance: bool = False
    views: list[str] = field(default_factory=list)


@dataclass
class TrainSection:
    """``train:`` options; the defaults make a short CPU run of a small backbone (set them for a real model)."""

    backbone: str = "resnet10t"
    image_size: int = 224
    epochs: int = 10
    batch_size: int = 16
    loss: str = "asl"
    lr: float = 1e-3
    max_steps: int = 0


@dataclass
class EvaluateSection:
    """``evaluate:`` options."""

    n_boot: int = 1000
    split: str = "test"


@dataclass
class HeatmapSection:
    """``heatmap:`` options."""

    images: int = 3


@dataclass
class SiteConfig:
    """One hospital of ``sites:``."""

    name: str
    lang: str
    his: str | list[str]
    dicom: str | None = None  # a folder of DICOM files, or:
    pacs: str | None = None  # a PACS address (rxlabel fetch), fetched into WORKDIR/pacs/<name>
    his_tz: str | None = None


# section -> its options (the one source of their names, types and defaults); None: not a mapping
SECTIONS: dict[str, type | None] = {
    "workdir": None, "seed": None, "sites": None,
    "match": MatchSection, "pacs": PacsSection, "convert": ConvertSection, "label": LabelSection, "review": EmptySection,
    "index": EmptySection, "dataset": DatasetSection, "train": TrainSection, "evaluate": EvaluateSection,
    "heatmap": HeatmapSection, "steps": None,
}
ALL_STEPS = ("match", "convert", "label", "review", "index", "dataset", "train", "evaluate", "heatmap", "report")
SPLITS = ("train", "valid", "test")


class ConfigError(SettingError):
    """A configuration that cannot be run; the message names the file and the key."""


def load_config(path: str | Path) -> dict:
    """Read and check a whole run configuration before any step runs; paths resolve against the file's folder.

    Checked: every section and option is known and of its type, every site has a known rule pack and
    existing inputs, the steps are known, the split has three non-negative parts. Each error names
    the file and the key.
    """
    path = Path(path)
    try:
        cfg = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc}") from None
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of sections")
    leaked = _SECRET_KEYS & set(cfg.get("pacs") or {}) if isinstance(cfg.get("pacs"), dict) else set()
    if leaked:
        raise ConfigError(f"{path}: 'pacs' has {', '.join(sorted(leaked))}: credentials never go in a configuration; "
                          "set RXLABEL_PACS_USER/RXLABEL_PACS_PASSWORD or RXLABEL_PACS_TOKEN, or name a netrc file")
    for key in cfg:
        if key not in SECTIONS:
            raise ConfigError(f"{path}: unknown section '{key}'; known: {', '.join(SECTIONS)}")
    try:
        for key, cls in SECTIONS.items():
            if cls is not None:
                cfg[key] = check_section(cfg.get(key), cls, f"{path}: {key}")
    except SettingError as exc:
        raise ConfigError(str(exc)) from None
    if not isinstance(cfg.get("seed", 0), int) or isinstance(cfg.get("seed"), bool):
        raise ConfigError(f"{path}: seed must be an integer, got {cfg['seed']!r}")
    base = path.resolve().parent
    cfg["sites"] = _check_sites(cfg.get("sites"), path, base)
    for key in ("netrc", "ca_bundle"):
        if cfg["pacs"][key]:
            cfg["pacs"][key] = str((base / cfg["pacs"][key]).resolve())
    cfg["workdir"] = str((base / str(cfg.get("workdir", "rxlabel-run"))).resolve())
    cfg.setdefault("seed", 0)
    cfg["steps"] = list(cfg.get("steps") or ALL_STEPS)
    unknown = [s for s in cfg["steps"] if s not in ALL_STEPS]
    if unknown:
        raise ConfigError(f"{path}: unknown step(s) {', '.join(map(str, unknown))}; known: {', '.join(ALL_STEPS)}")
    split = cfg["dataset"]["split"]
    if len(split) != 3 or min(split) < 0 or sum(split) <= 0:
        raise ConfigError(f"{path}: dataset.split must be three non-negative numbers (train, valid, test), got {split}")
    if cfg["evaluate"]["split"] not in SPLITS:
        raise ConfigError(f"{path}: evaluate.split must be one of {', '.join(SPLITS)}, got {cfg['evaluate']['split']!r}")
    return cfg


def _check_sites(sites: object, path: Path, base: Path) -> list[dict]:
    from rxlabel.labeler.pack import available_packs

    if not isinstance(sites, list) or not sites:
        raise ConfigError(f"{path}: 'sites' must list at least one site with name, lang, dicom and his")
    names, out = set(), []
    for i, site in enumerate(sites):
        if not isinstance(site, dict):
            raise ConfigError(f"{path}: sites[{i}] must be a mapping with name, lang, dicom and his")
        missing = {"name", "lang", "his"} - set(site)
        if missing:
            raise ConfigError(f"{path}: sites[{i}] lacks {', '.join(sorted(missing))}")
        if (site.get("dicom") is None) == (site.get("pacs") is None):
            raise ConfigError(f"{path}: sites[{i}] needs exactly one of 'dicom' (a folder) or 'pacs' (a URL)")
        try:
            site = check_section(site, SiteConfig, f"{path}: sites[{i}]")
        except SettingError as exc:
            raise ConfigError(str(exc)) from None
        if site["name"] in names:
            raise ConfigError(f"{path}: two sites are named '{site['name']}'")
        names.add(site["name"])
        lang = site["lang"]
        if lang not in available_packs() and not (base / lang / "pack.yaml").is_file():
            raise ConfigError(f"{path}: sites[{i}].lang: no rule pack '{lang}'; installed: "
                              f"{', '.join(available_packs())}, or give a pack folder")
        if (base / lang / "pack.yaml").is_file() and lang not in available_packs():
            site["lang"] = str((base / lang).resolve())
        if site["pacs"]:
            from rxlabel.matcher.netauth import PacsError, refuse_userinfo

            try:
                refuse_userinfo(site["pacs"])
            except PacsError as exc:
                raise ConfigError(f"{path}: sites[{i}].pacs ({site['name']}): {exc}") from None
        else:
            site["dicom"] = str((base / site["dicom"]).resolve())
        his = site["his"] if isinstance(site["his"], list) else [site["his"]]
        site["his"] = [str((base / h).resolve()) for h in his]
        for key, p in [*([("dicom", site["dicom"])] if site["dicom"] else []), *(("his", h) for h in site["his"])]:
            if not Path(p).exists():
                raise ConfigError(f"{path}: sites[{i}].{key} ({site['name']}): {p} does not exist")
        out.append(site)
    return out


# ---------------------------------------------------------------- fingerprints and records


def fingerprint(path: str | Path) -> str:
    """A file's sha256; a folder's hash of every file's relative path, size and modification time."""
    p = Path(path)
    h = hashlib.sha256()
    if p.is_dir():
        for root, dirs, files in os.walk(p):
            dirs.sort()
            for name in sorted(files):
                f = Path(root) / name
                st = f.stat()
                h.update(f"{f.relative_to(p)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return "dir:" + h.hexdigest()
    if not p.exists():
        return "missing"
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def versions(lang: str | None = None) -> dict:
    """Versions that decide a step's output: rxlabel, and the rule pack for the label step."""
    from rxlabel import __version__

    out = {"rxlabel": __version__}
    if lang:
        from rxlabel import labeler
        out["rules"] = labeler.load(lang).version
    return out


def step_key(inputs: dict[str, str], params: dict, vers: dict) -> str:
    blob = json.dumps({"inputs": inputs, "params": params, "versions": vers}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class StepStore:
    """Step records in ``WORKDIR/steps``: run a step, or skip it when nothing it depends on changed."""

    def __init__(self, workdir: Path, force: bool = False):
        self.dir = workdir / "steps"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.force = force
        self.ran: list[str] = []
        self.skipped: list[str] = []

    def _path(self, name: str) -> Path:
        return self.dir / (name.replace(":", "__") + ".json")

    def run(self, name: str, inputs: list[str | Path], params: dict, vers: dict,
            func: Callable[[], dict], outputs: Callable[[dict], list[str]]) -> dict:
        """Run ``func`` unless the recorded key matches and the recorded outputs are unchanged."""
        fp = {str(p): fingerprint(p) for p in inputs}
        key = step_key(fp, params, vers)
        path = self._path(name)
        if not self.force and path.is_file():
            old = json.loads(path.read_text("utf-8"))
            if old.get("key") == key and all(fingerprint(p) == h for p, h in old.get("outputs", {}).items()):
                self.skipped.append(name)
                return {**old["result"], "_skipped": True}
        t0 = time.perf_counter()
        result = func()
        outs = {str(p): fingerprint(p) for p in outputs(result)}
        record = {"step": name, "key": key, "inputs": fp, "params": params, "versions": vers, "outputs": outs,
                  "result": result, "seconds": round(time.perf_counter() - t0, 2),
                  "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        tmp = path.with_name(path.name + ".partial")
        tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False, default=str), "utf-8")
        tmp.replace(path)  # the record appears only once the step's outputs are complete
        self.ran.append(name)
        return result


# ---------------------------------------------------------------- the run


def run_pipeline(cfg: dict, force: bool = False, echo: Callable[[str], None] = click.echo) -> dict:
    """Run every configured step in ``cfg['workdir']``; returns the run record (also ``summary.json``)."""
    w = Path(cfg["workdir"])
    w.mkdir(parents=True, exist_ok=True)
    store = StepStore(w, force)
    r = Runner(w, echo)
    r.record.update({"kind": "run", "config": cfg})
    want = set(cfg["steps"])
    seed = int(cfg["seed"])
    sites = {s["name"]: s for s in cfg["sites"]}

    def per_site(step: str, func: Callable[[str, dict], dict], needs: tuple[str, ...] = ()) -> None:
        def body() -> dict:
            out = {}
            for name, site in sites.items():
                out[name] = func(name, site)
            return out

        if step in want:
            r.step(step, body, needs=needs)

    def fetch_site(name: str, site: dict, window_h: float) -> str:
        """A PACS site's images, fetched incrementally into WORKDIR/pacs/<site> (no step record: the PACS
        changes under us, and an unchanged folder already lets the match step be skipped)."""
        from rxlabel.matcher.his import read_his
        from rxlabel.matcher.pacs import FetchOptions, fetch_for_reports

        p = dict(cfg["pacs"])
        if "modalities" in p:
            p["modalities"] = tuple(str(m).upper() for m in p["modalities"])
        dest = w / "pacs" / name
        got = fetch_for_reports(site["pacs"], read_his(site["his"]).reports, dest, window_h=window_h, quiet=True,
                                options=FetchOptions(**p))
        echo(f"  [{name}] PACS: {got['fetched']} new instances, {got['already_have']} already fetched, "
             f"{got['series'] - got['series_kept']} series not chest radiographs")
        return str(dest)

    def do_match(name, site):
        opts = cfg["match"]
        params = {"window_h": float(opts["window_h"]), "before_h": float(opts["before_h"]),
                  "his_tz": site.get("his_tz") or opts.get("his_tz")}
        dicom = fetch_site(name, site, params["window_h"]) if site.get("pacs") else site["dicom"]
        res = store.run(f"match:{name}", [dicom, *site["his"]], params, versions(),
                        lambda: steps.match(dicom, site["his"], w / "match" / name, jobs=opts["jobs"], **params),
                        lambda res: [res["pairs"], res["ambiguous"], res["unmatched_images"], res["unmatched_reports"]])
        _say(echo, name, res, f"{res['summary']['paired_images']} images paired")
        return res

    per_site("match", do_match)
    matched = _ok(r, "match")

    def do_convert(name, site):
        size = cfg["convert"]["size"]
        res = store.run(f"convert:{name}", [matched[name]["pairs"]], {"size": size}, versions(),
                        lambda: steps.convert(matched[name]["pairs"], w / "images" / name, size=size,
                                              jobs=cfg["convert"]["jobs"]),
                        lambda res: [res["pairs_png"]])
        _say(echo, name, res, f"{res['converted']} PNG, {res['failed']} failed")
        return res

    per_site("convert", do_convert, needs=("match",))

    def do_label(name, site):
        reports = w / "labels" / name / "reports.csv"
        vers = versions(site["lang"])

        def body():
            steps.reports_from_pairs(matched[name]["pairs"], reports)
            out = steps.label(reports, site["lang"], w / "labels" / name, jobs=cfg["label"]["jobs"])
            return {**out, "reports": str(reports)}

        res = store.run(f"label:{name}", [matched[name]["pairs"]], {"lang": site["lang"]}, vers, body,
                        lambda res: list(res["outputs"].values()))
        _say(echo, name, res, f"{res['total']} reports: {res['template']} template, {res['rule']} rule, "
                              f"{res['review']} review, {res['rejected']} rejected")
        return res

    per_site("label", do_label, needs=("match",))
    labelled = _ok(r, "label")

    def do_review(name, site):
        lab = labelled[name]
        target = w / "review" / f"queue_{name}.csv"
        return store.run(f"review:{name}", [lab["outputs"]["labels"], lab["reports"]], {}, versions(),
                         lambda: steps.review_export(lab["outputs"]["labels"], lab["reports"], target),
                         lambda res: [res["queue"]])

    per_site("review", do_review, needs=("label",))
    converted = _ok(r, "convert")
    labels = [labelled[n]["outputs"]["labels"] for n in sites if n in labelled and n in converted]
    pairs_png = [converted[n]["pairs_png"] for n in sites if n in labelled and n in converted]
    index_path = w / "index" / "index.sqlite"
    if "index" in want:
        r.step("index", lambda: store.run("index", labels + pairs_png, {}, versions(),
                                          lambda: steps.build_index(labels, pairs_png, index_path),
                                          lambda res: [res["index"]]), needs=("label", "convert"))
    ds = cfg["dataset"]
    if "dataset" in want:
        def do_dataset():
            split = [float(x) / sum(ds["split"]) for x in ds["split"]]
            params = {"name": ds["name"], "terms": list(ds["terms"]), "exclude": list(ds["exclude"]), "split": split,
                      "balance": ds["balance"], "views": list(ds["views"]), "seed": seed}

            def body():
                made = steps.create_dataset(index_path, w / "dataset", **params)
                made["training"] = steps.training_manifest(made["manifest"], pairs_png, labels,
                                                           w / "dataset" / "train_manifest.csv")
                return made

            return store.run("dataset", [index_path, *pairs_png, *labels], params, versions(), body,
                             lambda res: [res["manifest"], res["training"]["manifest"]])

        r.step("dataset", do_dataset, needs=("index",))
    run_dir = w / "run"
    if "train" in want:
        def do_train():
            steps.require("torch", "timm", "rxlabel.classifier.train")
            manifest = _ok(r, "dataset")["training"]["manifest"]
            t = cfg["train"]
            params = {**t, "lr": float(t["lr"]), "seed": seed}
            res = store.run("train", [manifest, w / "images"], params, versions(),
                            lambda: steps.train(manifest, run_dir, **params),
                            lambda res: [str(run_dir / "best.pt"), str(run_dir / "metrics.csv")])
            echo(f"  best valid macro AUC {res['best_macro_auc']:.3f}, F1 {res['best_macro_f1']:.3f}"
                 + (" (unchanged, not retrained)" if res.get("_skipped") else ""))
            return res

        r.step("train", do_train, needs=("dataset",))
    if "evaluate" in want:
        def do_evaluate():
            params = {**cfg["evaluate"], "seed": seed}
            res = store.run("evaluate", [str(run_dir / "best.pt")], params, versions(),
                            lambda: steps.evaluate(run_dir, **params), lambda res: list(res["outputs"].values()))
            echo(f"  {res['split']} macro AUC {res['macro']['auc']:.3f}, macro F1 {res['macro']['f1']:.3f}")
            return res

        r.step("evaluate", do_evaluate, needs=("train",))
    if "heatmap" in want:
        def do_heatmap():
            import pandas as pd

            m = pd.read_csv(_ok(r, "dataset")["training"]["manifest"])
            picks = m[m["split"] == "test"]["image_path"].head(cfg["heatmap"]["images"]).tolist()
            return store.run("heatmap", [str(run_dir / "best.pt"), *picks], {}, versions(),
                             lambda: steps.heatmaps(run_dir, picks, w / "heatmaps"),
                             lambda res: [h["heatmap"] for h in res["heatmaps"]])

        r.step("heatmap", do_heatmap, needs=("evaluate",))
    r.record["ran"], r.record["unchanged"] = store.ran, store.skipped
    r.record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    r.save()
    if "report" in want:
        from rxlabel.pipeline.report import write_report

        r.step("report", lambda: {"report": str(write_report(w, w / "report.html"))})
        r.save()
    return r.record


def _ok(r: Runner, step: str) -> dict:
    return (r.record["steps"].get(step) or {}).get("result") or {}


def _say(echo, site: str, res: dict, text: str) -> None:
    echo(f"  [{site}] {text}" + (" (unchanged, skipped)" if res.get("_skipped") else ""))


@click.command("run")
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Run every step even if its inputs did not change.")
def run(config, force):
    """Run the pipeline described by CONFIG (YAML); steps whose inputs, options and versions did not change are skipped."""
    cfg = load_config(config)
    click.echo(f"rxlabel run {config} -> {cfg['workdir']}")
    record = run_pipeline(cfg, force=force)
    states = {k: v["status"] for k, v in record["steps"].items()}
    click.echo(f"ran: {', '.join(record['ran']) or 'nothing'}; unchanged: {', '.join(record['unchanged']) or 'nothing'}")
    click.echo("steps: " + ", ".join(f"{k} {v}" for k, v in states.items()))
    report = (record["steps"].get("report", {}).get("result") or {}).get("report")
    if report:
        click.echo(f"report: {report}")
    if any(v == "failed" for v in states.values()):
        raise SystemExit(1)
