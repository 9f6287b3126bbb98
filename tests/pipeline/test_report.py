"""``rxlabel report``: one self-contained page that renders in a real browser and shows the run's numbers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape

import pytest
from click.testing import CliRunner

from rxlabel.cli import main
from rxlabel.pipeline import charts
from rxlabel.pipeline.report import funnel_counts, render


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium); the report is not rendered")


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.slow
def test_report_renders_in_chromium_with_the_numbers_the_demo_printed(quick_demo, tmp_path):
    workdir, output = quick_demo
    out = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["report", str(workdir), "-o", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text("utf-8")
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html  # offline
    browser = _chromium()
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", out.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    text = _text(dom)
    record = json.loads((workdir / "summary.json").read_text())
    # the funnel line the demo printed, stage by stage, is on the rendered page
    printed = re.search(r"funnel: (.*)", output).group(1)
    for stage, count in re.findall(r"([a-zA-Z ]+?) (\d+)(?: ->|$)", printed):
        assert count in text, (stage, count)
    for stage, count in funnel_counts(record):
        assert f"{stage}" in text and f"{count:,}" in text
    for section in ("Funnel", "Labels", "Review queue", "Dataset", "Training", "Evaluation", "Heatmaps"):
        assert section in text
    steps = record["steps"]
    if steps.get("evaluate", {}).get("status") == "ok":
        auc = steps["evaluate"]["result"]["macro"]["auc"]
        assert f"macro AUC {auc:.3f}" in output and f"{auc:.3f}" in text
        assert dom.count("data:image/png;base64,") >= 2  # ROC plot and heatmaps embedded
        assert "no training run" not in text and "no heatmaps" not in text
    screenshot = tmp_path / "page.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1000,3000",
                    f"--screenshot={screenshot}", out.as_uri()], capture_output=True, timeout=120)
    from PIL import Image

    img = Image.open(screenshot).convert("L")
    assert len(img.histogram()) and sum(1 for n in img.histogram() if n) > 20  # drawn, not a blank page


@pytest.mark.slow
def test_report_of_a_training_run_folder_alone(quick_demo, tmp_path):
    workdir, _ = quick_demo
    if not (workdir / "run" / "config.json").is_file():
        pytest.skip("no training run in the demo (the training extra is not installed)")
    out = tmp_path / "run.html"
    res = CliRunner().invoke(main, ["report", str(workdir / "run"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = _text(out.read_text("utf-8"))
    ev = json.loads((workdir / "run" / "eval_test.json").read_text())
    assert f"{ev['macro']['auc']:.3f}" in text and "Validation during training" in text


def test_report_of_a_run_without_training_says_what_is_missing(tmp_path):
    record = {"kind": "run", "steps": {"train": {"status": "skipped", "reason": "needs torch"}}}
    text = _text(render(record))
    assert "no training run" in text and "needs torch" in text and "no heatmaps" in text


def test_report_refuses_a_folder_with_nothing_to_report(tmp_path):
    res = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert res.exit_code == 1 and "nothing to report" in res.output


def test_roc_curve_and_chart_escaping():
    assert charts.roc_curve([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == [(0, 0), (0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)]
    assert charts.roc_curve([1, 1], [0.2, 0.3]) == []
    svg = charts.hbars([("<script>", 3)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
