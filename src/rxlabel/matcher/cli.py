"""``rxlabel match`` and ``rxlabel convert``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from rxlabel import logs
from rxlabel.config import defaults
from rxlabel.matcher.convert import ConvertOptions
from rxlabel.matcher.match import MatchConfig

_MATCH = defaults(MatchConfig)  # option defaults come from the config dataclasses, never repeated
_CONVERT = defaults(ConvertOptions)

PACS_HELP = ("dicom://AET@HOST:PORT (DIMSE C-FIND + C-GET/C-MOVE), http(s)://HOST:PORT (Orthanc REST) or "
             "dicomweb+http(s)://HOST:PORT/PREFIX (QIDO-RS/WADO-RS). Credentials: RXLABEL_PACS_USER/"
             "RXLABEL_PACS_PASSWORD or RXLABEL_PACS_TOKEN, or a netrc file; never in the URL.")


def pacs_options(f):
    """The PACS options shared by ``rxlabel fetch`` and ``rxlabel match --pacs``."""
    opts = [
        click.option("--modality", "modalities", multiple=True, default=("CR", "DX"), show_default=True,
                     help="Series modalities to retrieve (repeatable); other series are never fetched."),
        click.option("--retrieve", type=click.Choice(["get", "move"]), default="get", show_default=True,
                     help="DIMSE: C-GET on the query association, or C-MOVE to a storage SCP rxlabel starts."),
        click.option("--aet", "calling_aet", envvar="RXLABEL_AET", default="RXLABEL", show_default=True,
                     help="Our AE title (env RXLABEL_AET); also the C-MOVE destination unless --move-aet."),
        click.option("--move-aet", default="", help="C-MOVE destination AE title the PACS knows (default: --aet)."),
        click.option("--move-port", default=11113, show_default=True, help="Port of the C-MOVE storage SCP."),
        click.option("--timeout", "net_timeout", default=30.0, show_default=True, help="Seconds per network step."),
        click.option("--retries", default=3, show_default=True, help="Attempts per network step (back-off doubles)."),
        click.option("--netrc", "netrc_path", type=click.Path(dir_okay=False),
                     help="netrc file with the PACS credentials (default: env RXLABEL_NETRC, then ~/.netrc)."),
        click.option("--ca-bundle", type=click.Path(dir_okay=False),
                     help="CA bundle to verify the PACS's TLS certificate (env RXLABEL_PACS_CA); always verified."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def fetch_options(kw: dict):
    """FetchOptions from the shared PACS options (removed from ``kw``)."""
    from rxlabel.matcher.pacs import FetchOptions

    return FetchOptions(
        modalities=tuple(m.upper() for m in kw.pop("modalities")), retrieve=kw.pop("retrieve"),
        calling_aet=kw.pop("calling_aet"), move_aet=kw.pop("move_aet"), move_port=kw.pop("move_port"),
        timeout=kw.pop("net_timeout"), retries=kw.pop("retries"), netrc=kw.pop("netrc_path"),
        ca_bundle=kw.pop("ca_bundle"),
    )


@click.command("fetch")
@click.option("--pacs", required=True, help=PACS_HELP)
@click.option("--his", "his", multiple=True, type=click.Path(exists=True),
              help="Fetch what these HIS reports may need (patients and dates, study UIDs); repeatable.")
@click.option("--dates", "date_range", help="Or: every study of this StudyDate range, YYYYMMDD-YYYYMMDD.")
@click.option("--patient", "patients", multiple=True, help="With --dates: only these patient ids (repeatable).")
@click.option("--window", "window_h", default=_MATCH["window_h"], show_default=True, help="Hours a report may follow its study.")
@click.option("--his-mapping", type=click.Path(exists=True), help="YAML XPath mapping for another HIS schema.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the instances (DIR/<study>/<sop>.dcm) and the fetch state file.")
@click.option("--quiet", is_flag=True)
@pacs_options
def fetch(pacs, his, date_range, patients, window_h, his_mapping, out_dir, quiet, **kw):
    """Retrieve chest radiographs (CR/DX, chest or unstated body part) from a PACS; a rerun fetches only new ones."""
    import re

    from rxlabel.matcher.pacs import Query, fetch, queries_for
    from rxlabel.matcher.tables import norm_patient

    opts = fetch_options(kw)
    if bool(his) == bool(date_range):
        raise click.UsageError("give --his FILES (what the reports need) or --dates YYYYMMDD-YYYYMMDD, not both")
    wanted = None
    if his:
        from rxlabel.matcher.his import read_his

        batch = read_his(list(his), his_mapping)
        for p in batch.problems:
            if p.level == "error":
                click.echo(str(p), err=True)
        queries = queries_for(batch.reports, window_h)
        wanted = {norm_patient(r.patient_id) for r in batch.reports if r.patient_id}
    else:
        if not re.fullmatch(r"\d{8}-\d{8}", date_range):
            raise click.UsageError(f"--dates {date_range!r}: use YYYYMMDD-YYYYMMDD")
        queries = [Query(patient_id=p, date_range=date_range) for p in patients] or [Query(date_range=date_range)]
    got = fetch(pacs, queries, out_dir, opts, quiet=quiet, patients=wanted)
    click.echo(json.dumps(got, sort_keys=True))


@click.command("match")
@click.option("--dicom", "dicom", type=click.Path(exists=True, file_okay=True), help="Folder (or file) of DICOM images.")
@click.option("--pacs", help="Query a PACS instead of --dicom: " + PACS_HELP)
@click.option("--his", "his", multiple=True, required=True, type=click.Path(exists=True),
              help="HIS export: a file or folder of session XML, CDA or HL7 v2 files (repeatable).")
@click.option("-o", "--output", "output", required=True, type=click.Path(),
              help="pairs.csv or pairs.parquet; the other tables are written beside it.")
@click.option("--window", "window_h", default=_MATCH["window_h"], show_default=True, help="Hours a report may follow its study.")
@click.option("--before", "before_h", default=_MATCH["before_h"], show_default=True,
              help="Hours a report may precede its study (clock skew).")
@click.option("--session-slack", default=_MATCH["session_slack_min"], show_default=True, help="Minutes of tolerance on check-in/out.")
@click.option("--his-tz", default=None, help="UTC offset of HIS times that state none, e.g. +0700.")
@click.option("--services", default="default", show_default=True,
              help="Chest-radiography service-id allow-list file, 'default' (bundled) or 'none' (no filter).")
@click.option("--his-mapping", type=click.Path(exists=True), help="YAML XPath mapping for another HIS schema.")
@click.option("--view-classifier", help="module:function deciding PA/AP/LAT where the tags cannot.")
@click.option("--jobs", default=1, show_default=True, help="Processes for the header scan.")
@click.option("--cache", type=click.Path(), help="Scan cache (JSONL); default: OUTPUT.scan-cache.jsonl.")
@click.option("--pacs-dir", type=click.Path(), help="Where instances retrieved from the PACS are stored.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: read headers on a Dask cluster (--scheduler, else a local one of --jobs workers); same outputs.")
@click.option("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786) for --engine dask.")
@pacs_options
def match(dicom, pacs, his, output, window_h, before_h, session_slack, his_tz, services, his_mapping,
          view_classifier, jobs, cache, pacs_dir, quiet, engine, scheduler, **kw):
    """Pair DICOM chest radiographs with HIS reports by study UID, accession + patient, or patient + time."""
    from rxlabel.errors import RemoteError
    from rxlabel.matcher.chest import load_view_classifier
    from rxlabel.matcher.his import read_his
    from rxlabel.matcher.match import MatchConfig
    from rxlabel.matcher.pipeline import output_paths, run, write_result
    from rxlabel.outputs import refuse_overwrite

    quiet = quiet or logs.is_quiet()
    if bool(dicom) == bool(pacs):
        raise click.UsageError("give exactly one of --dicom DIR or --pacs URL")
    cfg = MatchConfig(window_h=window_h, before_h=before_h, session_slack_min=session_slack, his_tz=his_tz)
    classifier = load_view_classifier(view_classifier)
    batch = read_his(list(his), his_mapping)
    paths = output_paths(output)
    inputs = [p for p in (dicom, *his, his_mapping, services if services not in ("default", "none") else None) if p]
    refuse_overwrite("match", inputs, paths)  # before the (long) scan: never replace an input or another run's files
    if pacs:
        from rxlabel.matcher.pacs import fetch_for_reports

        dest = Path(pacs_dir or paths["pairs"].with_name(paths["pairs"].stem + ".pacs"))
        try:
            got = fetch_for_reports(pacs, batch.reports, dest, window_h=window_h, quiet=quiet,
                                    options=fetch_options(kw))
        except (ConnectionError, OSError, RemoteError) as exc:  # the network, not rxlabel: say which PACS
            raise click.ClickException(f"PACS {pacs}: {exc}") from exc
        click.echo(f"PACS: {got['studies']} studies, {got['series_kept']} of {got['series']} series kept, "
                   f"{got['fetched']} instances retrieved ({got['already_have']} already there) into {dest}", err=True)
        dicom = dest
    svc = None if services == "none" else services
    cache = cache or str(paths["pairs"]) + ".scan-cache.jsonl"
    if engine == "dask":
        from rxlabel.matcher.distributed import client_for, close, scan_dask

        try:
            client = client_for(scheduler, jobs)
        except OSError as exc:  # the network, not rxlabel: say which scheduler
            raise click.ClickException(f"Dask scheduler {scheduler or 'local'}: {exc}") from exc
        try:
            dicom = scan_dask(dicom, client, cache=cache)
        finally:
            close(client)
    with logs.Heartbeat("match"):
        res, batch = run(dicom, batch, cfg, services=svc, jobs=jobs, cache=cache, quiet=quiet,
                         view_classifier=classifier)
    written = write_result(res, output, inputs)
    for p in batch.problems:
        if p.level == "error":
            click.echo(str(p), err=True)
    n_warn = res.summary["warnings"]
    s = res.summary
    click.echo(
        f"images: {s['files_scanned']} files, {s['chest_pa_images']} chest PA -> {s['paired_images']} paired, "
        f"{s['ambiguous_images']} to review, {s['unmatched_images']} unmatched\n"
        f"reports: {s['reports_read']} read (+{s['his_file_errors']} unreadable files) -> {s['paired_reports']} paired, "
        f"{s['ambiguous_reports']} to review, {s['unmatched_reports']} unmatched\n"
        f"rules: {json.dumps(s['by_rule'])}  time basis: {json.dumps(s['time_basis'])}  warnings: {n_warn}\n"
        f"wrote {written['pairs']} (+ ambiguous, unmatched_images, unmatched_reports, summary, problems)"
    )


@click.command("convert")
@click.argument("pairs", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder for PNGs.")
@click.option("--size", default=_CONVERT["size"], show_default=True, help="Square output size (aspect kept, padded); 0 = original.")
@click.option("--bits", type=click.Choice(["8", "16"]), default="8", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["png", "jpg"]), default="png", show_default=True,
              help="PNG (8 or 16-bit) or JPEG (8-bit).")
@click.option("--window", nargs=2, type=float, help="Window CENTER WIDTH instead of the file's VOI LUT / window.")
@click.option("--png-level", type=click.IntRange(0, 9), default=1, show_default=True,
              help="PNG zlib level: 1 writes ~4x faster than 6 for ~17% more bytes; same level, same bytes.")
@click.option("--deidentify", is_flag=True, help="Name files by a salted hash of the SOP UID; drop patient ids.")
@click.option("--salt", envvar="RXLABEL_SALT", help="Salt for --deidentify (or env RXLABEL_SALT); keep it secret.")
@click.option("--deid-dates", type=click.Choice(["shift", "year"]), default="shift", show_default=True,
              help="With --deidentify: shift each patient's dates by a secret number of days, or keep the year only.")
@click.option("--jobs", default=1, show_default=True)
@click.option("--quiet", is_flag=True)
def convert(pairs, out_dir, size, bits, fmt, window, png_level, deidentify, salt, deid_dates, jobs, quiet):
    """Convert the images of a pairs table to PNG or JPEG and write manifest.csv beside them."""
    from rxlabel.matcher.convert import ConvertOptions, convert_pairs
    from rxlabel.matcher.pipeline import read_pairs

    if deidentify and not salt:
        salt = os.urandom(16).hex()
        click.echo("no --salt given: a random salt was used; names cannot be linked to UIDs, even by you.", err=True)
    table = read_pairs(pairs)
    if "image_path" not in table:
        raise click.ClickException(f"{pairs}: no 'image_path' column; is this a pairs table from 'rxlabel match'?")
    if fmt == "jpg" and bits == "16":
        raise click.ClickException("JPEG is 8-bit only: use --bits 8 with --format jpg, or --format png for 16-bit")
    opts = ConvertOptions(size=size, bits=int(bits), window=tuple(window) if window else None,
                          salt=salt if deidentify else None, fmt=fmt, png_level=png_level, dates=deid_dates)
    with logs.Heartbeat("convert"):
        manifest = convert_pairs(table, out_dir, opts, jobs=jobs, quiet=quiet or logs.is_quiet())
    counts = manifest.attrs["counts"]
    failed = manifest[manifest["status"] != "ok"]
    if "image_path" in failed:  # one line per image, not per pair (absent when de-identified)
        failed = failed.drop_duplicates("image_path")
    for row in failed.itertuples():
        click.echo(f"failed: {getattr(row, 'image_path', row.png)}: {row.reason}", err=True)
    click.echo(f"converted {counts['ok']} of {counts['images']} images, {counts['failed']} failed; "
               f"manifest: {Path(out_dir) / 'manifest.csv'}")
    ok = counts["ok"]
    if ok == 0 and counts["failed"]:
        sys.exit(1)
