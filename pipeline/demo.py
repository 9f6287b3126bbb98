"""``rxlabel demo``: run the toolkit on bundled sample data and print what it did."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

import click

SAMPLES = {"es": "sample_reports_es.csv", "vi": "sample_reports_vi.csv", "en": "sample_reports_en.csv"}


def sample_path(lang: str) -> Path:
    """The bundled sample reports of a language."""
    return Path(str(resources.files("pipeline") / "data" / SAMPLES[lang]))


def run_demo(workdir: Path, echo=click.echo) -> dict:
    """Label each bundled sample with its language's pack; return the summaries by language."""
    from labeler.batch import label_file
    from labeler.cli import print_summary
    from labeler.pack import available_packs

    packs = set(available_packs())
    summaries = {}
    for lang in SAMPLES:
        if lang not in packs:
            echo(f"[{lang}] no rule pack installed; skipped")
            continue
        out = workdir / f"labels_{lang}.jsonl"
        echo(f"\n[{lang}] labelling {sample_path(lang).name}")
        summary = label_file(sample_path(lang), out, lang, progress=False)
        print_summary(summary, echo)
        summaries[lang] = summary
    return summaries


@click.command()
@click.option("--workdir", type=click.Path(file_okay=False), default=None,
              help="Where outputs go (default: a new temporary folder).")
@click.option("--quick", is_flag=True, help="Only the fast steps.")
def demo(workdir, quick):
    """Label the bundled Spanish, Vietnamese and English sample reports and print the summaries."""
    workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="rxlabel-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    click.echo(f"rxlabel demo -> {workdir}")
    summaries = run_demo(workdir)
    total = sum(s.total for s in summaries.values())
    review = sum(s.review for s in summaries.values())
    click.echo(f"\n{total} reports labelled in {len(summaries)} languages; {review} sent to review. Outputs in {workdir}")
