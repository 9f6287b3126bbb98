"""The ``rxlabel`` command: wires each package's click commands, imported lazily.

Lazy imports keep ``rxlabel label`` fast and let the core install (no torch) run every
command that does not train or predict.
"""

from __future__ import annotations

import errno
import importlib

import click

from rxlabel import __version__
from rxlabel.errors import RxlabelError

# command name -> "module:attribute"; each package owns its commands in its own cli module.
COMMANDS: dict[str, str] = {
    "label": "rxlabel.labeler.cli:label",
    "review": "rxlabel.labeler.cli:review",
    "evaluate": "rxlabel.labeler.cli:evaluate",
    "rules": "rxlabel.labeler.cli:rules",
    "demo": "rxlabel.pipeline.demo:demo",
    "report": "rxlabel.pipeline.report:report",
    "run": "rxlabel.pipeline.run:run",
    "match": "rxlabel.matcher.cli:match",
    "convert": "rxlabel.matcher.cli:convert",
    "fetch": "rxlabel.matcher.cli:fetch",
    "index": "rxlabel.index.cli:index",
    "dataset": "rxlabel.index.cli:dataset",
    "masks": "rxlabel.index.cli:masks",
    "export": "rxlabel.index.export:export",
    "train": "rxlabel.classifier.cli:train",
    "predict": "rxlabel.classifier.cli:predict",
    "evaluate-model": "rxlabel.classifier.cli:evaluate_model",
    "ensemble": "rxlabel.classifier.cli:ensemble",
    "heatmap": "rxlabel.classifier.cli:heatmap",
    "cache": "rxlabel.classifier.cli:cache",
}

_HELP = {
    "label": "Label radiology reports (CSV/TSV/JSONL/Parquet).",
    "review": "Export, apply and sample the manual-review queue.",
    "evaluate": "Compare predicted labels with gold labels.",
    "rules": "Inspect and validate rule packs.",
    "demo": "Run the whole pipeline on a generated two-hospital archive.",
    "report": "Write a self-contained HTML report of a demo, run or training run.",
    "run": "Run the pipeline from one YAML configuration (unchanged steps skipped).",
    "match": "Pair DICOM images with HIS reports.",
    "convert": "Convert matched DICOM files to PNG/JPG.",
    "fetch": "Retrieve chest radiographs from a PACS (DIMSE, Orthanc REST, DICOMweb); incremental.",
    "index": "Build and query the inverted index of images by finding.",
    "dataset": "Create, list and rebuild datasets.",
    "cache": "Dataset cache step: images decoded and resized once into a uint8 memmap for training.",
    "masks": "Import CheXmask lung and heart masks with their quality.",
    "export": "Write a dataset as CheXpert / PadChest CSV, imagefolder metadata.csv or a Parquet table.",
    "train": "Train a region/finding classifier (needs rxlabel[train]).",
    "predict": "Predict findings on images (needs rxlabel[train]).",
    "evaluate-model": "Evaluate a trained run on a split (needs rxlabel[train]).",
    "ensemble": "Combine several trained runs (needs rxlabel[train]).",
    "heatmap": "Multi-label Grad-CAM heatmaps (needs rxlabel[train]).",
}


# Storage faults (disk full, quota, read-only, permission, I/O) are the user's to fix: a message, not a traceback.
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG, errno.EIO}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            missing = (exc.name or "a dependency").split(".")[0]
            if missing in {"torch", "torchvision", "timm"}:
                hint = "install the training extra: pip install 'rxlabel[train]' (see README)"
            elif missing == "spacy":
                hint = "install the spaCy extra: pip install 'rxlabel[spacy]'"
            else:
                hint = "reinstall rxlabel (pip install .) so all its dependencies are present"
            raise click.ClickException(
                f"'rxlabel {name}' needs the Python module '{missing}', which is not installed: {hint}."
            ) from exc
        command = getattr(module, attr, None)
        if command is None:
            raise click.ClickException(f"'rxlabel {name}' is not available in this build ({target}).")
        return command

    def invoke(self, ctx: click.Context):
        # The one place a user-facing error becomes a message: no traceback, exit status 1.
        try:
            return super().invoke(ctx)
        except RxlabelError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            if exc.errno not in _STORAGE_ERRNOS:
                raise
            where = f" {exc.filename}" if exc.filename else ""
            raise click.ClickException(
                f"cannot write{where}: {exc.strerror or exc}. The outputs being written were not put in place and "
                f"earlier outputs are unchanged; free disk space (or fix permissions) and re-run.") from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


# auto_envvar_prefix: every option may also come from RXLABEL_<COMMAND>_<OPTION> (e.g. RXLABEL_TRAIN_EPOCHS=1),
# so a site sets its defaults once, and a README command runs as written with smaller settings in tests.
@click.group(cls=LazyGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "RXLABEL"})
@click.version_option(__version__, prog_name="rxlabel")
@click.pass_context
def main(ctx: click.Context) -> None:
    """rxlabel: from a chest X-ray archive (PACS + HIS) to labelled training sets and classifiers."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
