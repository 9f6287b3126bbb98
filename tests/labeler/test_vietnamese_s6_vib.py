"""Issue 12, Vietnamese side, session 6 (vi-b): classes of a writer nobody had read (house_styles_12 read part).

Every report here was written for its class (none is copied from a development or house-style set). Each row of a
``*_CLASSES`` table failed before the change named in its comment; the ``*_GUARDS`` rows pass before and after and
keep the change from reading away what must stay.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler

from .test_vietnamese_generalisation import NORMAL, _check, _regions

BODY = "Phổi hai bên sáng. Tim không to. Góc sườn hoành nhọn. Xương lồng ngực bình thường."


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


# English lines of bilingual reports (words_vi._foreign, engine._fuzzy, findings_s6_vib.yaml): the English "not" is
# no "nốt" (a nodule, read exactly after "Heart", by the fuzzy stage after "is"); it is the negation "không", so
# "X is not seen" rules X out and "The mediastinum is not widened" is a normal statement; English finding terms
# with their adjectives before the noun are read.
ENGLISH_CLASSES = [
    (f"{BODY}\nHeart not enlarged; lungs clear.", NORMAL),
    (f"{BODY}\nThe heart is not enlarged.", NORMAL),
    (f"{BODY}\nCardiac shadow not enlarged.", NORMAL),
    (f"{BODY}\nThe mediastinal contour is not widened.", NORMAL),
    (f"{BODY}\nTrachea not deviated.", NORMAL),
    (f"{BODY}\nThe hemidiaphragms are not elevated.", NORMAL),
    (f"{BODY}\nPneumothorax is not seen.", NORMAL),
    (f"{BODY}\nPleural effusion is not identified.", NORMAL),
    (f"{BODY}\nConsolidation not demonstrated.", NORMAL),
    (f"{BODY}\nTortuous descending aorta.", (0, 0, 0, 1, 1)),
    (f"{BODY}\nPeribronchial thickening in both lower zones.", (0, 0, 1, 0, 1)),
    (f"{BODY}\nPICC line with its tip in the SVC.", (0, 0, 0, 0, 1)),
    (f"{BODY}\nMetallic foreign body over the left hemithorax.", (0, 0, 0, 0, 1)),
]
ENGLISH_GUARDS = [
    (f"{BODY}\nThe soft tissues are unremarkable.", NORMAL),
    (f"{BODY}\n(The trachea is in the midline)", NORMAL),
    (f"{BODY}\nKhong thay not mo bat thuong.", NORMAL),          # unmarked "not" before a syllable is "nốt"
    (f"{BODY}\nMot not canxi hoa nho dinh phoi phai.", (0, 0, 1, 0, 1)),
    ("Not mờ 8 mm đáy phổi phải. Tim không to. Góc sườn hoành nhọn.", (0, 0, 1, 0, 1)),
    (f"{BODY}\nSmall right pleural effusion.", (0, 1, 0, 0, 1)),
]


@pytest.mark.parametrize(("text", "expected"), ENGLISH_CLASSES + ENGLISH_GUARDS)
def test_english_lines_of_bilingual_reports(vi, text, expected):
    _check(vi, text, expected)


def test_english_not_is_never_a_nodule(vi):
    for text in ("Heart not enlarged.", "The cardiac silhouette is not enlarged.", "Lungs not hyperinflated."):
        assert "nodule" not in vi(text).findings, text
    assert _regions(vi("The cardiac silhouette is not enlarged.")) == NORMAL
