"""The ``rxlabel`` command: wires each package's click commands, imported lazily.

Lazy imports keep ``rxlabel label`` fast and let the core install (no torch) run every
command that does not train or predict.
"""

from __future__ import annotations

import importlib

import click

from rxlabel import __version__

# command name -> "module:attribute"; each package owns its commands in its own cli module.
COMMANDS: dict[str, str] = {
    "label": "labeler.cli:label",
    "review": "labeler.cli:review",
    "evaluate": "labeler.cli:evaluate",
    "rules": "labeler.cli:rules",
    "demo": "pipeline.demo:demo",
    "report": "pipeline.report:report",
    "run": "pipeline.run:run",
    "match": "matcher.cli:match",
    "convert": "matcher.cli:convert",
    "index": "index.cli:index",
    "dataset": "index.cli:dataset",
    "train": "classifier.cli:train",
    "predict": "classifier.cli:predict",
    "evaluate-model": "classifier.cli:evaluate_model",
    "ensemble": "classifier.cli:ensemble",
    "heatmap": "classifier.cli:heatmap",
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
    "index": "Build and query the inverted index of images by finding.",
    "dataset": "Create, list and rebuild datasets.",
    "train": "Train a region/finding classifier (needs rxlabel[train]).",
    "predict": "Predict findings on images (needs rxlabel[train]).",
    "evaluate-model": "Evaluate a trained run on a split (needs rxlabel[train]).",
    "ensemble": "Combine several trained runs (needs rxlabel[train]).",
    "heatmap": "Multi-label Grad-CAM heatmaps (needs rxlabel[train]).",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._available(name))

    @staticmethod
    def _available(name: str) -> bool:
        module = COMMANDS[name].split(":")[0]
        return importlib.util.find_spec(module.split(".")[0]) is not None

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
            else:
                hint = "reinstall rxlabel (pip install .) so all its dependencies are present"
            raise click.ClickException(
                f"'rxlabel {name}' needs the Python module '{missing}', which is not installed: {hint}."
            ) from exc
        command = getattr(module, attr, None)
        if command is None:
            raise click.ClickException(f"'rxlabel {name}' is not available in this build ({target}).")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rxlabel")
def main() -> None:
    """rxlabel: from a chest X-ray archive (PACS + HIS) to labelled training sets and classifiers."""
