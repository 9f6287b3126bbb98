"""``rxlabel export``: a dataset's labels in the formats other tools read.

* ``chexpert``: CheXpert's CSV (``Path``, ``Frontal/Lateral``, ``AP/PA``, the 14 observations with
  1 / 0 / -1 / blank), as torchxrayvision's ``CheX_Dataset`` reads it; the pack's
  ``rules/<lang>/maps/chexpert.yaml`` says which terms make each observation.
* ``padchest``: PadChest's CSV (``ImageID``, ``Labels`` and ``Localizations`` as Python list
  literals, ``Projection``; ``PatientID`` only with ``--with-patient``), as torchxrayvision's
  ``PC_Dataset`` reads it.
* ``imagefolder``: a Hugging Face ``imagefolder`` tree, ``OUT/{train,validation,test}/`` with the
  images (symlinked, or copied / hard-linked) and one ``metadata.csv`` per split (``file_name``,
  ``findings``, ``uncertain`` and ``regions`` as JSON lists, ``split``, ``image_id``; ``patient_id``
  only when asked).
* ``parquet``: one long table, a row per (image, finding, status, localization), that pandas or
  DuckDB query directly.

Labels come from the index when ``--index`` is given (positive, uncertain, negated and localized
findings of the manifest's images) and otherwise from the manifest's ``findings`` / ``uncertain`` columns.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import click
import numpy as np
import pandas as pd
import yaml

from rxlabel.errors import RxlabelError
from rxlabel.index.dataset import place_file

FORMATS = ("chexpert", "padchest", "imagefolder", "parquet")
HF_SPLITS = {"train": "train", "valid": "validation", "test": "test"}
CHEXPERT_OBSERVATIONS = ("No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Opacity", "Lung Lesion",
                         "Edema", "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion",
                         "Pleural Other", "Fracture", "Support Devices")


class ExportError(RxlabelError, ValueError):
    """An export that cannot be written as asked (the message says why and what to change)."""


def _names(value) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [v.strip() for v in str(value).split(";") if v.strip()]


def read_records(manifest: str | Path, index_path: str | Path | None = None) -> pd.DataFrame:
    """One row per manifest image: ids, path, patient, split, view and lists positive/uncertain/negated/locs."""
    path = Path(manifest)
    if not path.is_file():
        raise ExportError(f"{path}: manifest not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("image_path", "image_id", "patient_id", "split") if c not in frame.columns]
    if missing:
        raise ExportError(f"{path}: missing column(s) {', '.join(missing)}; export reads 'rxlabel dataset create' manifests")
    out = frame[["image_id", "image_path", "patient_id", "split"]].copy()
    out["view"] = frame["view"] if "view" in frame else ""
    if index_path is None:
        unc_col = "uncertain_findings" if "uncertain_findings" in frame else "uncertain"
        out["positive"] = [_names(v) for v in frame.get("findings", pd.Series([""] * len(frame)))]
        out["uncertain"] = [_names(v) for v in frame.get(unc_col, pd.Series([""] * len(frame)))]
        out["negated"] = [[] for _ in range(len(frame))]
        out["locs"] = [[] for _ in range(len(frame))]
        return out
    return _from_index(out, index_path)


def _from_index(out: pd.DataFrame, index_path: str | Path) -> pd.DataFrame:
    from rxlabel.index.store import load

    index = load(index_path)
    rows = index.images(index.universe, ["key"]).set_index("key")["id"]
    absent = ~out["image_id"].isin(rows.index)
    if absent.any():
        raise ExportError(f"{int(absent.sum())} manifest image(s) are not in {index_path}, "
                          f"e.g. {out.loc[absent, 'image_id'].iloc[0]}; export with the index the dataset was made from")
    ids = rows.reindex(out["image_id"]).to_numpy(np.int64)
    where = {int(i): k for k, i in enumerate(ids)}
    lists = {kind: [[] for _ in ids] for kind in ("positive", "uncertain", "negated", "locs")}
    from pyroaring import BitMap

    wanted = BitMap(ids.astype(np.uint32))
    for kind, postings in (("positive", index.positive), ("uncertain", index.uncertain), ("negated", index.negated)):
        for term in sorted(postings):
            for i in wanted & postings[term]:
                lists[kind][where[i]].append(term)
    for (finding, loc) in sorted(index.localized):
        for i in wanted & index.localized[(finding, loc)]:
            lists["locs"][where[i]].append((finding, loc))
    for kind, values in lists.items():
        out[kind] = values
    return out


def load_chexpert_map(lang: str = "es") -> dict[str, list[str]]:
    """CheXpert observation -> pack terms, from ``rules/<lang>/maps/chexpert.yaml``."""
    from rxlabel.labeler.pack import pack_dir

    path = pack_dir(lang) / "maps" / "chexpert.yaml"
    if not path.is_file():
        raise ExportError(f"{path}: no CheXpert mapping for pack '{lang}'; add maps/chexpert.yaml to the pack")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    mapping = data.get("observations") or {}
    unknown = sorted(set(mapping) - set(CHEXPERT_OBSERVATIONS))
    if unknown:
        raise ExportError(f"{path}: unknown CheXpert observation(s) {', '.join(unknown)}")
    return {k: list(v) for k, v in mapping.items()}


def chexpert_frame(records: pd.DataFrame, lang: str = "es", with_patient: bool = False) -> pd.DataFrame:
    """The CheXpert-format table (see module docstring)."""
    from rxlabel.index.hierarchy import load_hierarchy

    hierarchy = load_hierarchy(lang)
    mapping = load_chexpert_map(lang)
    expanded = {}
    for obs, terms in mapping.items():
        names: set[str] = set()
        for t in terms:
            if t.lower() not in hierarchy:
                raise ExportError(f"maps/chexpert.yaml: term {t!r} of {obs!r} is not in the {lang} hierarchy")
            names |= set(hierarchy.expand(t.lower()))
        expanded[obs] = names
    table: dict[str, list] = {"Path": records["image_path"].tolist()}
    if with_patient:
        table["Patient"] = records["patient_id"].tolist()
    views = records["view"].str.upper().tolist()
    table["Frontal/Lateral"] = ["Lateral" if v.startswith("L") else "Frontal" for v in views]
    table["AP/PA"] = [v if v in ("AP", "PA") else "" for v in views]
    values = {obs: [] for obs in CHEXPERT_OBSERVATIONS}
    for pos, unc, neg in zip(records["positive"], records["uncertain"], records["negated"], strict=True):
        pos, unc, neg = set(pos), set(unc), set(neg)
        row = {}
        for obs in CHEXPERT_OBSERVATIONS[1:]:
            names = expanded.get(obs, set())
            row[obs] = 1.0 if pos & names else -1.0 if unc & names else 0.0 if neg & names else np.nan
        pathology = [row[o] for o in CHEXPERT_OBSERVATIONS[1:] if o != "Support Devices"]
        row["No Finding"] = 1.0 if "normal" in pos or not any(v in (1.0, -1.0) for v in pathology) else np.nan
        for obs in CHEXPERT_OBSERVATIONS:
            values[obs].append(row[obs])
    table.update(values)
    return pd.DataFrame(table)


def padchest_frame(records: pd.DataFrame, with_patient: bool = False) -> pd.DataFrame:
    """The PadChest-format table (positive labels only: PadChest has no uncertain label)."""
    projection = {"PA": "PA", "AP": "AP", "LATERAL": "L", "L": "L"}
    table = {"ImageID": [os.path.basename(p) for p in records["image_path"]],
             "ImagePath": records["image_path"].tolist(),
             "Labels": [repr(sorted(p)) for p in records["positive"]],
             "Localizations": [repr(sorted({_padchest_loc(loc) for _, loc in locs})) for locs in records["locs"]],
             "Projection": [projection.get(v.upper(), v) for v in records["view"]],
             "split": records["split"].tolist()}
    if with_patient:
        table["PatientID"] = records["patient_id"].tolist()
    return pd.DataFrame(table)


def _padchest_loc(loc: str) -> str:
    """The index keeps 'left'; PadChest writes 'loc left'."""
    return loc if loc.startswith("loc ") else f"loc {loc}"


def long_frame(records: pd.DataFrame, with_patient: bool = False) -> pd.DataFrame:
    """One row per (image, finding, status, localization); a finding with no localization has a null one."""
    rows: dict[str, list] = defaultdict(list)
    for rec in records.itertuples(index=False):
        locs: dict[str, list[str]] = defaultdict(list)
        for finding, loc in rec.locs:
            locs[finding].append(loc)
        for status in ("positive", "uncertain", "negated"):
            for finding in getattr(rec, status):
                for loc in locs.get(finding) or [None]:
                    rows["image_id"].append(rec.image_id)
                    rows["image_path"].append(rec.image_path)
                    rows["split"].append(rec.split)
                    if with_patient:
                        rows["patient_id"].append(rec.patient_id)
                    rows["finding"].append(finding)
                    rows["status"].append(status)
                    rows["localization"].append(loc)
    columns = ["image_id", "image_path", "split", *(["patient_id"] if with_patient else []), "finding", "status",
               "localization"]
    return pd.DataFrame({c: pd.Series(rows[c], dtype=object) for c in columns})


def _region_map(lang: str) -> dict[str, str]:
    from rxlabel.labeler.pack import load_pack

    return {name: f.region for name, f in load_pack(lang).findings.items() if f.region and f.region != "none"}


def write_imagefolder(records: pd.DataFrame, out: Path, mode: str = "symlink", lang: str = "es",
                      with_patient: bool = False) -> dict[str, int]:
    """A Hugging Face imagefolder tree with one metadata.csv per split; returns images per split."""
    regions = _region_map(lang)
    counts = {}
    for split, group in records.groupby("split", sort=False):
        hf = HF_SPLITS.get(split, split)
        folder = out / hf
        folder.mkdir(parents=True, exist_ok=True)
        names, used = [], set()
        for image_id, src in zip(group["image_id"], group["image_path"], strict=True):
            src_path = Path(src)
            if not src_path.is_file():
                raise ExportError(f"{src}: image not found (image {image_id}); imagefolder needs the files")
            name = src_path.name if src_path.name not in used else f"{image_id}_{src_path.name}"
            used.add(name)
            place_file(src_path, folder / name, mode)
            names.append(name)
        # lists as JSON text: a CSV cell has no list type, and an empty cell would make pandas / datasets
        # infer a float column for one split and a string column for another
        meta = {"file_name": names, "findings": [json.dumps(sorted(p)) for p in group["positive"]],
                "uncertain": [json.dumps(sorted(u)) for u in group["uncertain"]],
                "regions": [json.dumps(sorted({regions[f] for f in p if f in regions})) for p in group["positive"]],
                "split": [hf] * len(group), "image_id": group["image_id"].tolist()}
        if with_patient:
            meta["patient_id"] = group["patient_id"].tolist()
        _atomic_csv(pd.DataFrame(meta), folder / "metadata.csv")
        counts[hf] = len(group)
    return counts


def _atomic_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    frame.to_csv(partial, index=False)
    os.replace(partial, path)


def export_dataset(manifest: str | Path, fmt: str, out: str | Path, index_path: str | Path | None = None,
                   lang: str = "es", with_patient: bool = False, mode: str = "symlink") -> dict:
    """Write one export format; returns what was written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    records = read_records(manifest, index_path)
    out = Path(out)
    if Path(manifest).resolve() == out.resolve():
        raise ExportError(f"{out}: the export would overwrite its manifest; choose another -o")
    if fmt == "imagefolder":
        return {"format": fmt, "out": str(out), "images": write_imagefolder(records, out, mode, lang, with_patient)}
    if fmt == "parquet":
        table = long_frame(records, with_patient)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        table.to_parquet(partial, index=False)
        os.replace(partial, out)
        return {"format": fmt, "out": str(out), "rows": len(table), "images": len(records)}
    table = chexpert_frame(records, lang, with_patient) if fmt == "chexpert" else padchest_frame(records, with_patient)
    _atomic_csv(table, out)
    return {"format": fmt, "out": str(out), "rows": len(table)}


@click.command("export")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("-o", "--out", required=True, type=click.Path(),
              help="CSV / Parquet file, or the folder for --format imagefolder.")
@click.option("--index", "index_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Index the dataset was made from: adds negated findings and localizations.")
@click.option("--lang", default="es", show_default=True, help="Rule pack (CheXpert mapping, regions, hierarchy).")
@click.option("--with-patient", is_flag=True, help="Include patient ids (left out by default).")
@click.option("--copy", "mode", flag_value="copy", help="imagefolder: copy the images (default: symlink).")
@click.option("--link", "mode", flag_value="link", help="imagefolder: hard-link the images.")
def export(manifest, fmt, out, index_path, lang, with_patient, mode) -> None:
    """Write a dataset MANIFEST as CheXpert / PadChest CSV, HF imagefolder or a long Parquet table."""
    try:
        result = export_dataset(manifest, fmt, out, index_path, lang, with_patient, mode or "symlink")
    except RxlabelError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(result))
