"""Issue 12 (vi2): the ``missed_findings`` review policy and the ``word_fallback`` keyword labels (fallback.py).

Every sentence here was written for its class, none copied from a development, house-style or held-out set.
Each is appended to a normal body so only the sentence under test decides. ``*_CLASSES`` rows failed before the
change (the pack's policy was ``finding_words``: every word known or the report queued; there was no fallback);
``*_GUARDS`` rows pass before and after and keep the change from reading away what must stay in review.
"""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from rxlabel import labeler
from rxlabel.labeler.pack import RulePackError, load_pack

from .test_vietnamese_generalisation import NORMAL, PACK_DIR, _regions

BODY = "Tim không to. Phổi hai bên sáng. "


def _labeler(**options) -> labeler.Labeler:
    pack = load_pack("vi")
    for key, value in options.items():
        setattr(pack, key, {**pack.word_fallback, **value} if key == "word_fallback" else value)
    return labeler.Labeler(pack)


@pytest.fixture(scope="module")
def policy():
    """The pack as shipped: missed_findings, fallback labels off."""
    return _labeler(word_fallback={"enabled": False})


@pytest.fixture(scope="module")
def fallback():
    return _labeler(word_fallback={"enabled": True})


def _auto(result) -> bool:
    return result.method in ("template", "rule")


# missed_findings: unknown wording with no finding word does not queue (each queued under finding_words)
QUIET_CLASSES = [
    # ("Nhu mô phổi hai bên thông khí đều." is a normal statement since s6: the side after the noun, findings_s6_vid.yaml)
    "Phổi hai bên trong, mạch máu phân bố đều.",
    "Mạch máu phổi phân bố đều từ rốn ra ngoại vi.",
    "Trường phổi hai bên trong sáng.",
    "Cơ hoành hai bên di động tốt.",
    "Khí quản nằm chính giữa.",
    "Vòm hoành phải vị trí ngang cung sau xương sườn 10.",
]
# ... and what was quiet stays quiet: a finding word under a negation cue, words the pack knows
QUIET_GUARDS = [
    "Khoang liên sườn hai bên đều nhau.",
    "Các cung sườn hai bên cân đối, liên tục.",
    "Góc sườn hoành hai bên còn nhọn, không thấy mờ.",
    "Phần mềm thành ngực không sưng nề.",
    "Màng phổi trái không dính.",
    # a word with its marks that the pack does not know is not read unaccented ("nhẵn" is no "nhẫn")
    "Hai vòm hoành nhẵn.",
]


@pytest.mark.parametrize("sentence", QUIET_CLASSES + QUIET_GUARDS)
def test_unknown_wording_alone_does_not_queue(policy, sentence):
    result = policy(BODY + sentence)
    assert _auto(result), (sentence, result.review_reasons)
    assert _regions(result) == NORMAL, (sentence, result.regions)


@pytest.mark.parametrize("sentence", QUIET_CLASSES)
def test_policy_finding_words_queued_the_quiet_classes(sentence):
    """The class is real: the previous policy (kept for packs that want it) queues each of these."""
    assert not _auto(_old()(BODY + sentence)), sentence


_OLD: list = []


def _old() -> labeler.Labeler:
    if not _OLD:
        _OLD.append(_labeler(unmatched_sentence="finding_words", word_fallback={"enabled": False}))
    return _OLD[0]


# missed_findings still queues a sentence that plausibly states a missed abnormality
QUEUE_GUARDS = [
    "Xương sườn 6 trái cong biến dạng.",          # finding words, no phrase
    "Xương đòn phải có đường sáng cắt ngang.",
    "Màng phổi trái có lớp dịch mỏng.",
    "Phổi phải có vài hang nhỏ vùng đỉnh.",
    "Phoi phai co hanng.",                          # typed without marks, one edit from a finding word
]


@pytest.mark.parametrize("sentence", QUEUE_GUARDS)
def test_stated_finding_words_still_queue(policy, sentence):
    result = policy(BODY + sentence)
    assert not _auto(result), (sentence, result.method, result.regions)


# bare_unknown: a sentence with a word the pack does not know and no word a normal statement uses may name a rare
# finding ("Thuỳ azygos bên phải"): "review" queues it (the pack's default), "covered" only where no normal
# statement of the report covers the regions it names, "quiet" never.
PLEURA_ONLY = "Góc sườn hoành hai bên nhọn. "
BARE = [
    (PLEURA_ONLY, "Thuỳ azygos bên phải.", {"review": True, "covered": True, "quiet": False}),
    (PLEURA_ONLY, "Nhuyễn sụn khí quản.", {"review": True, "covered": True, "quiet": False}),
    (PLEURA_ONLY, "Bóng tim hình dáng thon gọn.", {"review": True, "covered": True, "quiet": False}),
    (BODY, "Thuỳ azygos bên phải.", {"review": True, "covered": False, "quiet": False}),  # the lung said normal
]


@pytest.mark.parametrize("mode", ["review", "covered", "quiet"])
@pytest.mark.parametrize("body, sentence, queued", BARE)
def test_bare_unknown_wording_follows_the_pack_option(mode, body, sentence, queued):
    lab = _labeler(word_fallback={"bare_unknown": mode})
    result = lab(body + sentence)
    assert (not _auto(result)) is queued[mode], (mode, sentence, result.method, result.review_reasons)


# word_fallback: one region named by the words and by the sentence -> that region, status from the cues
FALLBACK_CLASSES = [
    ("Màng phổi thành dính nhẹ đáy phải.", (0, 1, 0, 0, 1), 1),
    ("Màng phổi phải nghi dính.", (0, 1, 0, 0, 1), -1),       # a hedge: uncertain
    ("Phổi phải có vài hang nhỏ vùng đỉnh.", (0, 0, 1, 0, 1), 1),
    ("Xương sườn 5 trái thấy nứt.", (1, 0, 0, 0, 1), 1),
    ("Cung sau xương sườn 4 phải lún.", (1, 0, 0, 0, 1), 1),
    ("Phổi trái không có hang.", NORMAL, 0),                   # a negation: absent
]


@pytest.mark.parametrize("sentence, expected, status", FALLBACK_CLASSES)
def test_fallback_labels_the_region_the_words_and_sentence_agree_on(fallback, sentence, expected, status):
    result = fallback(BODY + sentence)
    assert _auto(result), (sentence, result.review_reasons)
    assert _regions(result) == expected, (sentence, result.regions)
    used = [e for e in result.evidence if e["rule"].startswith("fallback:")]
    assert used and used[0]["status"] == status, result.evidence
    assert all(w in sentence.lower() for w in used[0]["rule"].split(":", 1)[1].split("+")), used


# ambiguous words, or a region the sentence does not name, stay in review
FALLBACK_GUARDS = [
    "Màng phổi trái có lớp dịch mỏng.",   # "dịch", "mỏng": pleura and lung findings
    "Xương sườn có hang.",                  # "hang" is a lung word, the sentence names the chest wall
    "Có hang.",                             # no region named
]


@pytest.mark.parametrize("sentence", FALLBACK_GUARDS)
def test_fallback_leaves_ambiguous_sentences_in_review(fallback, sentence):
    result = fallback(BODY + sentence)
    assert not _auto(result), (sentence, result.method, result.regions)
    assert not any(e["rule"].startswith("fallback:") for e in result.evidence)


def test_fallback_off_queues_what_it_would_label(policy):
    for sentence, _, status in FALLBACK_CLASSES:
        if status:
            assert not _auto(policy(BODY + sentence)), sentence


@pytest.mark.parametrize("block, message", [
    ("word_fallback: yes\n", "word_fallback must be a mapping"),
    ("word_fallback: {enabled: true, colour: red}\n", "word_fallback must be a mapping"),
    ("word_fallback: {enabled: maybe}\n", "word_fallback.enabled must be true or false"),
    ("word_fallback: {enabled: true, generic_finding: no such finding}\n", "unknown finding 'no such finding'"),
    ("unmatched_sentence: sometimes\n", "unmatched_sentence must be one of"),
    ("word_fallback: {bare_unknown: often}\n", "bare_unknown must be one of"),
])
def test_bad_fallback_options_are_pack_errors(tmp_path, block, message):
    pack_dir = tmp_path / "vi"
    shutil.copytree(PACK_DIR, pack_dir)
    text = (pack_dir / "pack.yaml").read_text(encoding="utf-8")
    text = text.split("# Unmatched sentences (fallback.py)")[0]  # the pack's own block is last: replaced
    (pack_dir / "pack.yaml").write_text(text + "\n" + block, encoding="utf-8")
    with pytest.raises(RulePackError, match=message):
        load_pack(pack_dir)


def test_spanish_pack_sets_neither_option():
    es = load_pack("es")
    assert es.unmatched_sentence != "missed_findings" and not es.word_fallback
    assert dataclasses.fields(es)  # the options are plain pack fields


# an unknown vowelless token one edit from a pack abbreviation is a suspect in every mode ("TMP": tdmp or tkmp); one
# far from every pack abbreviation (a form field, a lab value) is only an unknown word
ABBREVIATIONS = [
    ("TMP: có.", True),
    ("tmp: có.", True),
    ("STT: 12.", False),
    ("CRP 15 mg/l.", False),
]


@pytest.mark.parametrize("sentence, suspect", ABBREVIATIONS)
def test_only_abbreviations_near_the_packs_are_suspects(sentence, suspect):
    lab = _labeler(word_fallback={"bare_unknown": "quiet"})
    result = lab(BODY + sentence)
    assert (not _auto(result)) is suspect, (sentence, result.method, result.review_reasons)
