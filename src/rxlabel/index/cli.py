"""``rxlabel index`` (build, query, check, info, terms) and ``rxlabel dataset`` (create, manifest, rebuild, list, show)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from rxlabel.index.dataset import DatasetSpec, materialize, parse_split, write_manifest
from rxlabel.index.experiments import StoreError, get, list_experiments, open_searcher, rebuild, store_path
from rxlabel.index.hierarchy import load_hierarchy
from rxlabel.index.readers import PairColumns, read_image_list


def _split_list(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _echo_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


@click.group("index")
def index() -> None:
    """Build and query the inverted index of images by finding."""


@index.command("build")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--padchest", "padchest", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="PadChest-style labels CSV (Labels/Localizations lists, or one 'label' per row). Repeatable.")
@click.option("--labels", "labels", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Output of 'rxlabel label' (JSONL, CSV or Parquet). Repeatable, one --pairs each.")
@click.option("--pairs", "pairs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Matcher image <-> report pairs (CSV or Parquet) joined with --labels on the report id.")
@click.option("--image-col", default="image_path", show_default=True, help="Pairs column with the image path.")
@click.option("--report-col", default="report_id", show_default=True, help="Pairs column with the report id.")
@click.option("--patient-col", default="patient_id", show_default=True, help="Pairs column with the patient id.")
@click.option("--time-col", default="study_time", show_default=True, help="Pairs column with the study time.")
@click.option("--view-col", default=None, help="Pairs column with the view (default: view / view_position / Projection).")
@click.option("--images", "images_list", type=click.Path(exists=True, dir_okay=False),
              help="List of the images that exist (txt or table); labels for other ids are errors.")
@click.option("--hierarchy", default=None, help="Hierarchy language or YAML path recorded with the index (default: from the labels).")
@click.option("--on-error", type=click.Choice(["fail", "reject"]), default="fail", show_default=True,
              help="Stop on bad rows, or index the rest and write bad rows with their reason to OUTPUT.rejected.csv.")
@click.option("--quiet", is_flag=True, help="Print only the JSON summary.")
def build_cmd(output, padchest, labels, pairs, image_col, report_col, patient_col, time_col, view_col, images_list,
              hierarchy, on_error, quiet) -> None:
    """Build an index file OUTPUT (SQLite) from labelled images."""
    from rxlabel.index.build import build_index

    known = read_image_list(images_list) if images_list else None
    if hierarchy:
        load_hierarchy(hierarchy)  # fail before the build, not at the first query
    result = build_index(output, padchest=list(padchest), labels=list(labels), pairs=list(pairs),
                         columns=PairColumns(image_col, report_col, patient_col, time_col, view_col),
                         known_images=known, hierarchy=hierarchy, on_error=on_error)
    summary = result.summary()
    if not quiet:
        click.echo(f"indexed {summary['images']} images ({summary['findings']} findings) from {summary['rows_read']} rows "
                   f"in {summary['seconds']} s -> {output}", err=True)
        if result.rejected_path:
            click.echo(f"{summary['rejected']} row(s) set aside with their reason in {result.rejected_path}", err=True)
    _echo_json(summary)


@index.command("query")
@click.argument("index_path", metavar="INDEX", type=click.Path(exists=True, dir_okay=False))
@click.argument("query")
@click.option("--uncertain/--no-uncertain", default=False, show_default=True, help="Count uncertain findings as present.")
@click.option("--exclude", multiple=True, help="Terms to leave out (comma-separated or repeated).")
@click.option("--pure", is_flag=True, help="Only images with exactly one finding.")
@click.option("--view", "views", multiple=True, help="PA, AP, LATERAL (repeatable).")
@click.option("--filter", "filters", multiple=True, help="Metadata filter such as source:padchest or loc:left.")
@click.option("--hierarchy", default=None, help="Hierarchy language or YAML path (default: the index's).")
@click.option("--include-damaged", is_flag=True, help="Keep images that 'index check' found damaged.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the matching images: .txt one id per line, .csv with path, patient, view, source.")
def query_cmd(index_path, query, uncertain, exclude, pure, views, filters, hierarchy, include_damaged, output) -> None:
    """Count (and write) the images matching QUERY, e.g. "nodular AND NOT pacemaker"."""
    searcher, _ = open_searcher(index_path, hierarchy)
    result = searcher.search(query, uncertain=uncertain, exclude=_split_list(exclude), pure=pure,
                             views=_split_list(views), filters=list(filters), include_damaged=include_damaged)
    n_patients = None
    if output is not None or len(result.ids) <= 200_000:
        rows = searcher.index.images(result.ids, ["key", "patient", "path", "view", "source"])
        n_patients = int(rows["patient"].nunique())
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            if output.suffix.lower() == ".csv":
                rows.rename(columns={"key": "image_id", "patient": "patient_id"}).to_csv(output, index=False)
            else:
                output.write_text("".join(f"{k}\n" for k in rows["key"]), encoding="utf-8")
    _echo_json({"query": query, "images": len(result.ids), "patients": n_patients,
                "damaged_left_out": result.excluded_damaged, "ms": round(result.seconds * 1000, 3),
                "output": str(output) if output else None})


@index.command("check")
@click.argument("index_path", metavar="INDEX", type=click.Path(exists=True, dir_okay=False))
@click.option("--image-root", default="", help="Folder the index's image paths are relative to.")
@click.option("--jobs", default=4, show_default=True, help="Threads decoding images.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="CSV of the damaged images.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def check_cmd(index_path, image_root, jobs, output, quiet) -> None:
    """Open every image; record damaged or missing ones so later datasets leave them out."""
    from tqdm import tqdm

    from rxlabel.index.check import check_index
    from rxlabel.index.store import load

    idx = load(index_path)
    with tqdm(total=idx.n_images, unit="img", disable=quiet or not sys.stderr.isatty()) as bar:
        bad = check_index(idx, image_root, jobs=jobs, progress=bar.update)
    for row in bad.head(20).itertuples(index=False):
        click.echo(f"damaged: {row.path}: {row.reason}", err=True)
    if len(bad) > 20:
        click.echo(f"... and {len(bad) - 20} more", err=True)
    if output is not None:
        bad.to_csv(output, index=False)
    _echo_json({"checked": idx.n_images, "damaged": len(bad), "ok": idx.n_images - len(bad),
                "by_reason": bad["reason"].str.split(":").str[0].value_counts().to_dict(),
                "output": str(output) if output else None})


@index.command("info")
@click.argument("index_path", metavar="INDEX", type=click.Path(exists=True, dir_okay=False))
@click.option("--top", default=30, show_default=True, help="How many findings to list.")
def info_cmd(index_path, top) -> None:
    """Images, findings with their counts, views and sources of an index."""
    from rxlabel.index.store import load

    idx = load(index_path)
    counts = idx.finding_counts().sort_values("positive", ascending=False)
    click.echo(f"{idx.n_images} images, {len(counts)} findings, {len(idx.damaged)} damaged; "
               f"hierarchy '{idx.info.get('hierarchy', '')}', built {idx.info.get('built_at')}")
    for field_name in ("view", "source", "method"):
        values = {v: len(idx.meta[(field_name, v)]) for v in idx.meta_values(field_name)}
        if values:
            click.echo(f"{field_name}: " + ", ".join(f"{k} {n}" for k, n in values.items()))
    click.echo(counts.head(top).to_string(index=False))


@index.command("terms")
@click.argument("term", required=False)
@click.option("--hierarchy", default="es", show_default=True, help="Hierarchy language or YAML path.")
@click.option("--localization", is_flag=True, help="Look TERM up in the localization tree.")
def terms_cmd(term, hierarchy, localization) -> None:
    """Show what TERM expands to (parents, children, all findings); without TERM list the top-level terms."""
    tree = load_hierarchy(hierarchy)
    kind = "localization" if localization else "finding"
    if term is None:
        roots = [t for t in tree.terms(kind) if not tree.parents(t, kind)]
        click.echo("\n".join(roots))
        return
    info = tree.term(term, kind)
    click.echo(f"{info.name}  cui={','.join(info.cuis) or '-'}  count={info.count if info.count is not None else '-'}")
    click.echo(f"parents: {', '.join(tree.parents(term, kind)) or '-'}")
    click.echo(f"children: {', '.join(tree.children(term, kind)) or '-'}")
    click.echo(f"expands to ({len(tree.expand(term, kind))}): {', '.join(sorted(tree.expand(term, kind)))}")


@click.group("dataset")
def dataset() -> None:
    """Create, list and rebuild datasets (recorded in an experiment store)."""


_store_option = click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
                             help="Experiment store (SQLite); default $RXLABEL_STORE or ./rxlabel-experiments.sqlite.")


def _write(manifest, out_dir: Path, mode: str | None) -> tuple[Path, str, int]:
    path = out_dir / "manifest.csv"
    sha = write_manifest(manifest, path)
    placed = materialize(manifest, out_dir, mode) if mode else 0
    return path, sha, placed


@dataset.command("create")
@click.argument("index_path", metavar="INDEX", type=click.Path(exists=True, dir_okay=False))
@click.option("--terms", multiple=True,
              help="One class per term (comma-separated), e.g. linear,nodular; optional with --multilabel.")
@click.option("--exclude", multiple=True, help="Terms no image of the dataset may have (comma-separated).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--split", default="70,20,10", show_default=True, help="train,valid[,test] shares.")
@click.option("--name", required=True, help="Dataset name (unique in the store).")
@click.option("--balance/--no-balance", default=True, show_default=True,
              help="Sample every class down to the smallest one (seeded).")
@click.option("--uncertain/--no-uncertain", default=False, show_default=True, help="Count uncertain findings as present.")
@click.option("--pure", is_flag=True, help="Only images with exactly one finding.")
@click.option("--view", "views", multiple=True, help="PA, AP, LATERAL (repeatable).")
@click.option("--filter", "filters", multiple=True, help="Metadata filter such as source:padchest.")
@click.option("--image-root", default="", help="Folder the index's image paths are relative to.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default ./NAME): manifest.csv and, with --copy/--link/--symlink, the images.")
@click.option("--copy", "mode", flag_value="copy", help="Copy images into OUT/{split}/{class}/.")
@click.option("--link", "mode", flag_value="link", help="Hard-link images instead of copying.")
@click.option("--symlink", "mode", flag_value="symlink", help="Symlink images instead of copying.")
@click.option("--hierarchy", default=None, help="Hierarchy language or YAML path (default: the index's).")
@click.option("--multilabel", is_flag=True,
              help="One row per image with all its classes (labels/uncertain columns), iterative stratified split.")
@click.option("--class-set", type=click.Choice(["specific", "general"]), default="specific", show_default=True,
              help="--multilabel without --terms: findings as labelled, or with all their ancestors.")
@click.option("--min-positives", type=int, default=0, show_default=True,
              help="--multilabel: drop classes with fewer positive images in the whole dataset.")
@click.option("--masks", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Mask table from 'rxlabel masks import': adds CheXmask quality and the lungs' box per image.")
@click.option("--min-rca", type=float, default=0.0, show_default=True,
              help="Drop images whose CheXmask Dice RCA (Mean) is below this (needs --masks).")
@_store_option
def create_cmd(index_path, terms, exclude, seed, split, name, balance, uncertain, pure, views, filters, image_root,
               out_dir, mode, hierarchy, multilabel, class_set, min_positives, masks, min_rca, store) -> None:
    """Create dataset NAME: one class per term (or multi-label), split by patient, recorded in the store."""
    from rxlabel.index.experiments import make_dataset

    if not terms and not multilabel:
        raise click.UsageError("give --terms (one class each), or --multilabel")
    spec = DatasetSpec(name=name, terms=_split_list(terms), exclude=_split_list(exclude), seed=seed,
                       split=parse_split(split), balance=balance, uncertain=uncertain, pure=pure,
                       views=_split_list(views), filters=list(filters),
                       image_root=str(Path(image_root).resolve()) if image_root else "",
                       multilabel=multilabel, class_set=class_set, min_positives=min_positives,
                       masks=str(Path(masks).resolve()) if masks else "", min_rca=min_rca)
    result = make_dataset(index_path, spec, out_dir=out_dir, store=store, mode=mode, hierarchy=hierarchy)
    for warning in result.get("warnings", []):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"dataset '{name}': {result['images']} images, {result['patients']} patients "
               f"-> {result['manifest']} (store {result['store']})", err=True)
    _echo_json(result)


@dataset.command("rebuild")
@click.argument("name")
@click.option("--index", "index_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Index file (default: the one recorded when the dataset was created).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default ./NAME).")
@click.option("--from-store", is_flag=True,
              help="If the index changed, write the stored image list instead of failing.")
@click.option("--copy", "mode", flag_value="copy", help="Copy images into OUT/{split}/{class}/.")
@click.option("--link", "mode", flag_value="link", help="Hard-link images instead of copying.")
@click.option("--symlink", "mode", flag_value="symlink", help="Symlink images instead of copying.")
@_store_option
def rebuild_cmd(name, index_path, out_dir, from_store, mode, store) -> None:
    """Reproduce dataset NAME from its recorded query and seed, and prove it is identical (sha256)."""
    from rxlabel.index.experiments import manifest_from_store

    path = store_path(store)
    exp = get(path, name)
    result = rebuild(path, name, index_path)
    out_dir = out_dir or Path(name)
    if result.identical:
        manifest = result.dataset.manifest
    elif result.manifest_identical and result.content == "unverified":
        click.echo(f"warning: dataset '{name}': the manifest is identical, but the store was made before rxlabel "
                   "recorded image content hashes, so replaced pixels cannot be detected; not claimed identical",
                   err=True)
        manifest = result.dataset.manifest
    elif from_store:
        searcher, _ = open_searcher(index_path or exp.row["index_path"], exp.row["hierarchy"])
        manifest = manifest_from_store(exp, searcher)
    else:
        raise StoreError(_not_reproduced(name, result, exp.row["manifest_sha256"]))
    if result.changed_images:
        click.echo(f"warning: {_changed(result.changed_images)}", err=True)
    manifest_path, sha, placed = _write(manifest, out_dir, mode)
    _echo_json({"name": name, "manifest": str(manifest_path), "sha256": sha,
                "identical": sha == exp.row["manifest_sha256"] and result.content == "same",
                "content": result.content, "changed_images": result.changed_images,
                "images": len(manifest), "placed": placed})


def _changed(images: list[str]) -> str:
    shown = ", ".join(images[:10]) + (f" and {len(images) - 10} more" if len(images) > 10 else "")
    return f"{len(images)} image file(s) changed content since the dataset was made (content hash): {shown}"


def _not_reproduced(name: str, result, stored_sha: str) -> str:
    if result.manifest_identical:  # the same images chosen, but their pixels are not those the dataset was made of
        return (f"dataset '{name}' cannot be reproduced bit for bit: {_changed(result.changed_images)}. Restore "
                "those files, or pass --from-store to write the recorded image list as they are now.")
    why = "the index changed since the dataset was made" if result.index_changed else \
        "the hierarchy or rxlabel changed since the dataset was made"
    return (f"dataset '{name}' cannot be reproduced bit for bit: {why} "
            f"(manifest sha256 {result.sha256[:12]} != stored {stored_sha[:12]}). "
            "Rebuild the original index, or pass --from-store to write the recorded image list.")


@dataset.command("manifest")
@click.argument("dataset_manifest", metavar="MANIFEST", type=click.Path(exists=True, dir_okay=False))
@click.option("--labels", "labels", multiple=True, required=True, type=click.Path(exists=True, dir_okay=False),
              help="Labeller output (JSONL/CSV/Parquet) of the dataset's reports (repeatable).")
@click.option("--pairs", "pairs", multiple=True, required=True, type=click.Path(exists=True, dir_okay=False),
              help="Pairs table(s) from 'rxlabel match' linking each image to its report (repeatable).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Training manifest CSV to write.")
@click.option("--columns", type=click.Choice(["regions", "findings"]), default="regions", show_default=True,
              help="regions: the five region columns (train --task coarse); findings: one per finding (--task fine).")
def manifest_cmd(dataset_manifest, labels, pairs, output, columns) -> None:
    """Training manifest of a dataset: its images with their reports' region (or finding) labels."""
    from rxlabel.index.training import training_manifest

    result = training_manifest(dataset_manifest, list(labels), list(pairs), output, columns=columns)
    left = ", ".join(f"{n} {reason}" for reason, n in result["left_out"].items()) or "none"
    click.echo(f"{result['images']} images, {result['patients']} patients, {len(result['classes'])} label columns "
               f"-> {result['manifest']}; left out: {left}", err=True)
    _echo_json(result)


@dataset.command("list")
@_store_option
def list_cmd(store) -> None:
    """List the datasets in the experiment store."""
    frame = list_experiments(store_path(store))
    click.echo(frame.to_string(index=False) if len(frame) else f"no datasets in {store_path(store)}")


@dataset.command("show")
@click.argument("name")
@_store_option
def show_cmd(name, store) -> None:
    """Show how dataset NAME was made and its counts per split and class."""
    exp = get(store_path(store), name)
    row = exp.row
    for key in ("name", "created_at", "index_path", "index_fingerprint", "rules_versions", "hierarchy",
                "package_version", "seed", "manifest_sha256", "n_images", "n_patients"):
        click.echo(f"{key}: {row[key]}")
    click.echo(f"query: {row['query']}")
    click.echo(exp.splits.to_string(index=False))


@click.group("masks")
def masks() -> None:
    """Import CheXmask anatomical masks (lungs, heart, quality) for the index's images."""


@masks.command("import")
@click.argument("csv_files", metavar="CHEXMASK_CSV...", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--index", "index_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Index whose images the masks are joined to (by key, file name or stem).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Mask table to write (Parquet), for 'dataset create --masks'.")
def masks_import_cmd(csv_files, index_path, output) -> None:
    """Join CheXmask CSVs (PadChest ImageID or VinDr image_id layout) to the index's images."""
    import pandas as pd

    from rxlabel.index.chexmask import iter_chexmask, join_to_images, write_table
    from rxlabel.index.store import load

    idx = load(index_path)
    images = idx.images(idx.universe, ["key", "path"])
    parts, summary = [], {"rows": 0, "matched": 0, "unmatched": 0, "duplicates": 0}
    for path in csv_files:
        for chunk in iter_chexmask(path):
            joined = join_to_images(chunk, images)
            parts.append(joined.table)
            summary["rows"] += joined.rows
            summary["unmatched"] += joined.unmatched
            summary["duplicates"] += joined.duplicates
    table = pd.concat(parts, ignore_index=True)
    dupes = table["key"].duplicated(keep="first")  # the same image in two files: the first file wins
    summary["duplicates"] += int(dupes.sum())
    table = table[~dupes].reset_index(drop=True)
    summary["matched"] = len(table)
    summary["output"] = str(write_table(table, output))
    click.echo(f"{summary['matched']} of {summary['rows']} CheXmask rows matched an index image "
               f"({summary['unmatched']} unmatched, {summary['duplicates']} duplicates) -> {output}", err=True)
    _echo_json(summary)
