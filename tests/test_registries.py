"""Registry-wide tests: every command, rule pack, loss, ensemble method and doctest, from their tables.

Each table is read from the code, and the command table is also pinned here, so removing an entry
(or breaking a first-party import) makes a test fail instead of shrinking what is tested.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil

import click
import numpy as np
import pytest
from click.testing import CliRunner

import rxlabel
from rxlabel.cli import COMMANDS, main
from rxlabel.schema import REGIONS

HAS_TORCH = all(importlib.util.find_spec(m) is not None for m in ("torch", "timm"))
TRAIN_COMMANDS = {"train", "predict", "evaluate-model", "ensemble", "heatmap", "cache"}
# The command table as users know it: a command removed from rxlabel/cli.py fails here.
EXPECTED_COMMANDS = {"label", "review", "evaluate", "rules", "demo", "report", "run", "fetch", "match", "convert", "index", "masks", "export",
                     "dataset", *TRAIN_COMMANDS}


def test_the_command_table_is_exactly_the_documented_one():
    assert set(COMMANDS) == EXPECTED_COMMANDS
    out = CliRunner().invoke(main, ["--help"]).output
    rows = out.split("Commands:", 1)[1].splitlines()
    listed = {line.split()[0] for line in rows if line.startswith("  ") and not line.startswith("   ")}  # not wraps
    assert listed == EXPECTED_COMMANDS


def _command_paths() -> list[tuple[str, ...]]:
    paths = []
    for name in sorted(EXPECTED_COMMANDS):
        if name in TRAIN_COMMANDS and not HAS_TORCH:
            continue
        command = main.get_command(click.Context(main), name)
        paths.append((name,))
        if isinstance(command, click.Group):
            paths += [(name, sub) for sub in sorted(command.commands)]
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=" ".join)
def test_every_command_and_subcommand_answers_help(path):
    res = CliRunner().invoke(main, [*path, "--help"])
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.output


# ---------------------------------------------------------------- rule packs


def _packs() -> list[str]:
    from rxlabel.labeler.pack import available_packs

    return available_packs()


def test_the_installed_packs_are_the_known_languages():
    assert {"es", "vi", "en"} <= set(_packs())


@pytest.mark.parametrize("lang", _packs())
def test_every_pack_loads_passes_check_and_labels_its_own_phrases_and_templates(lang):
    import rxlabel.labeler as labeler
    from rxlabel.labeler.compiled import expand_phrase
    from rxlabel.labeler.pack import load_pack

    res = CliRunner().invoke(main, ["rules", "check", lang])
    assert res.exit_code == 0 and f"{lang}: OK" in res.output, res.output
    pack, lab = load_pack(lang), labeler.load(lang)
    assert pack.findings and pack.templates
    misses = []
    for finding in pack.findings.values():
        for phrase in finding.phrases[:1]:  # the first spelling of each finding, as a one-sentence report
            text = expand_phrase(phrase)[0]
            got = lab(text[0].upper() + text[1:] + ".").findings.get(finding.name)
            if got != 1:
                misses.append(f"finding '{finding.name}': '{text}' gave {got}")
    for template in pack.templates:
        if "{" in template.text:  # wildcard templates have no literal sentence
            continue
        text = expand_phrase(template.text)[0]  # templates list variants as "(a|b)" too (issue 12)
        result = lab(text[0].upper() + text[1:] + ".")
        regions = REGIONS if "all" in template.regions else template.regions
        abnormal = [f for f, v in result.findings.items() if v == 1 and pack.findings[f].abnormal]
        if any(result.regions.get(r) != 0 for r in regions) or abnormal:
            misses.append(f"template '{template.text}': regions {result.regions}, findings {result.findings}")
    assert not misses, f"{len(misses)} own case(s) of pack '{lang}' not labelled:\n" + "\n".join(misses[:20])


# ---------------------------------------------------------------- losses and ensembles


@pytest.mark.skipif(not HAS_TORCH, reason="needs the training extra (torch)")
@pytest.mark.parametrize("name", ["bce", "wbce", "asl", "dbl"])
def test_every_loss_builds_and_back_propagates(name):
    import torch

    from rxlabel.classifier.losses import LOSSES, build_loss

    assert set(LOSSES) == {"bce", "wbce", "asl", "dbl"}
    torch.manual_seed(0)
    logits = torch.randn(6, 5, requires_grad=True)
    target = torch.tensor(np.random.default_rng(0).integers(0, 2, (6, 5)), dtype=torch.float32)
    mask = torch.ones(6, 5)
    mask[0, 0] = 0  # an uncertain label, masked out
    loss = build_loss(name, pos_counts=[3, 2, 4, 1, 5], n_samples=6)(logits, target, mask)
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0
    assert logits.grad[0, 0] == 0  # the masked entry gets no gradient


@pytest.mark.parametrize("method", ["ctp", "ptc-vote", "ptc-mode"])
def test_every_ensemble_method_combines(method):
    from rxlabel.classifier.ensemble import METHODS, combine

    assert set(METHODS) == {"ctp", "ptc-vote", "ptc-mode"}
    rng = np.random.default_rng(1)
    probs = rng.random((3, 7, 4))  # 3 runs, 7 images, 4 classes
    thresholds = np.full((3, 4), 0.5)
    out = combine(method, probs, thresholds)
    scores, labels = out[0], out[1]
    assert scores.shape == (7, 4) and labels.shape == (7, 4)
    assert set(np.unique(labels)) <= {0, 1}
    same = combine(method, np.repeat(probs[:1], 3, axis=0), thresholds)[1]
    assert np.array_equal(same, (probs[0] >= 0.5).astype(same.dtype))  # identical runs: the run's own labels


# ---------------------------------------------------------------- doctests


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(rxlabel.__path__, "rxlabel."):
        if info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return sorted(names)


TORCH_PARTS = ("rxlabel.classifier.",)
OPTIONAL = {"rxlabel.labeler.distributed", "rxlabel.matcher.distributed", "rxlabel.labeler.spacy_component"}


@pytest.mark.parametrize("name", _modules())
def test_every_module_imports_and_its_doctests_pass(name):
    if name.startswith(TORCH_PARTS) and not HAS_TORCH:
        pytest.skip("needs the training extra (torch)")
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:  # only an optional extra may be missing, never a first-party module
        assert name in OPTIONAL and not (exc.name or "").startswith("rxlabel"), exc
        pytest.skip(f"{name} needs the optional {exc.name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) of {name} failed (run python -m doctest -v on it)"
