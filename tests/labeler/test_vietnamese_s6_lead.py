"""Issue 12, Vietnamese, session 6 (lead): a class that made sentences of unseen writers go to review.

It came from new finding families (newborn films: "chậm hấp thu dịch phổi", "quai ruột chướng hơi") changing how
unrelated sentences were read, found by scoring writers nobody had read before and after each commit.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler
from rxlabel.labeler.normalize import make_key


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
