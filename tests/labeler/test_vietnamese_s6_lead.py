"""Issue 12, Vietnamese, session 6 (lead): a class that made sentences of unseen writers go to review.

It came from new finding families (newborn films: "chậm hấp thu dịch phổi", "quai ruột chướng hơi") changing how
unrelated sentences were read, found by scoring writers nobody had read before and after each commit.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler
from rxlabel.labeler.normalize import make_key
from rxlabel.schema import REGION_COLUMNS


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


def _words(vi, text: str) -> list[str]:
    return vi._words(make_key(text, "vi", vi.pack.diacritics_insensitive))[0]


# words_vi._correct: another tone of a word typed WITH its marks is a different word, not a slip ("chấm" is no "chậm",
# "chương" no "chướng"), unless the pack writes that reading beside a neighbour. Before the fix every such word the
# pack did not know took the one pack reading of its letters, so "Mô tả hai chấm" (dictated "Mô tả:") and a title
# "Chương trình sàng lọc ..." held a finding word and queued their report.
TONE_CLASSES = [
    ("Mô tả hai chấm", "chấm"),
    ("Chương trình sàng lọc bệnh phổi", "chương"),
    ("Ghi chú chấm hết", "chấm"),
]
TONE_GUARDS = [  # a wrong tone the neighbours confirm is still corrected
    ("Góc sườn hoành nhỏn", "nhọn"),
    ("Vòm hoành phải cao hởn vòm hoành trái", "hơn"),
]


@pytest.mark.parametrize(("text", "word"), TONE_CLASSES + TONE_GUARDS)
def test_a_marked_word_keeps_its_tone_unless_a_neighbour_says_otherwise(vi, text, word):
    assert word in _words(vi, text), _words(vi, text)


# sentences.split_report + pack field_openers: a one-line clinical field whose findings run on after a comma (a HIS
# free-text box typed as one paragraph) ends at the comma before the anatomy a statement is about; before the fix the
# whole report was the field and went to review as empty.
FIELD_CLASSES = [
    ("Chẩn đoán: ho kéo dài, tim không to, phổi hai bên sáng, góc sườn hoành nhọn, không tràn dịch màng phổi",
     (0, 0, 0, 0, 0)),
    ("Chan doan: theo doi viem phoi, tim khong to, phoi hai ben sang, khong tran dich mang phoi", (0, 0, 0, 0, 0)),
    ("Lý do khám: đau ngực trái, bóng tim không to, tràn dịch màng phổi trái lượng ít, xương sườn không gãy",
     (0, 1, 0, 0, 1)),
]
FIELD_GUARDS = [  # a field that names only its question stays the field
    "Chẩn đoán: viêm phổi, tràn dịch màng phổi phải",
    "Lâm sàng: ho, sốt, khó thở",
]


@pytest.mark.parametrize(("text", "expected"), FIELD_CLASSES)
def test_a_comma_run_after_a_clinical_field_is_read(vi, text, expected):
    result = vi(text)
    assert result.method in ("template", "rule"), (text, result.method, result.review_reasons)
    assert tuple(int(result.regions[r] != 0) for r in REGION_COLUMNS) == expected, (text, result.regions)


@pytest.mark.parametrize("text", FIELD_GUARDS)
def test_a_clinical_field_alone_stays_unread(vi, text):
    result = vi(text)
    assert result.method == "unlabelled" and "empty" in result.review_reasons, (text, result.method)
