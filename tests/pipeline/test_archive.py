"""The generated demo archive: deterministic, its reports read as composed, its pairs recoverable."""

from __future__ import annotations

import hashlib
import itertools
import json
import random

import pandas as pd
import pytest

from rxlabel.pipeline.archive import REGIONS, compose_report, generate


def _digest(root) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_archive(tmp_path):
    a = generate(tmp_path / "a", n_patients=12, seed=3, size=48)
    generate(tmp_path / "b", n_patients=12, seed=3, size=48)
    generate(tmp_path / "c", n_patients=12, seed=4, size=48)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")
    site = a.sites["vi"]
    # every image file on disk is counted, traps included
    assert len(list((tmp_path / "a" / "vi" / "dicom").rglob("*.dcm"))) == site["dicom_files"]
    assert {"truncated_dicom", "not_dicom", "malformed_xml"} <= set(site["traps"])


@pytest.mark.parametrize("lang", ["es", "vi"])
def test_rule_packs_read_every_composed_report_as_composed(lang):
    """The demo trains on labels, not on the truth: the packs must read each composed report exactly."""
    from rxlabel import labeler
    from rxlabel.labeler.pack import RulePackError

    try:
        lab = labeler.load(lang)
    except RulePackError as exc:
        pytest.fail(f"the {lang} rule pack does not load: {exc}")
    wrong = []
    for bits in itertools.product([False, True], repeat=len(REGIONS)):
        findings = dict(zip(REGIONS, bits, strict=True))
        for seed in range(4):
            text = compose_report(lang, findings, random.Random(seed))
            got = lab(text)
            expected = {r: int(v) for r, v in findings.items()}
            if got.method == "unlabelled" or {r: got.regions.get(r) for r in REGIONS} != expected:
                wrong.append((text, got.method, got.review_reasons, got.regions))
    assert not wrong, wrong[:3]


def test_matcher_recovers_the_known_pairs(tmp_path):
    from rxlabel.pipeline import steps

    arch = generate(tmp_path / "a", n_patients=25, seed=1, size=48)
    for lang, site in arch.sites.items():
        out = steps.match(site["dicom"], site["his"], tmp_path / "m" / lang, truth=site["truth"])
        s = out["summary"]
        assert out["score"]["precision"] == 1.0 and out["score"]["recall"] >= 0.99, (lang, out["score"])
        assert s["paired_images"] + s["ambiguous_images"] + s["unmatched_images"] == site["dicom_files"]
        assert out["unmatched_image_reasons"].get("not_dicom") == 1
        assert out["unmatched_image_reasons"].get("truncated") == 1
        truth = json.loads(open(site["truth"], encoding="utf-8").read())
        ambiguous = pd.read_csv(out["ambiguous"], dtype=str, keep_default_na=False)
        assert set(truth["expect_ambiguous"]) <= set(ambiguous["sop_uid"])
