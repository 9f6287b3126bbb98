"""Issue 12, second pass: Vietnamese house styles the development reports may lack.

Every report here was written for this table (none copied from the development reports), with its
gold labels written before the labeller was run on it. These are unit tests of classes, not an
accuracy measure: each row must be labelled automatically (method ``template`` or ``rule``) with
exactly the five labels a careful reader gives it.
"""

from __future__ import annotations

import pytest

# The same fixture and check as the failure-class tables (one labeller per module).
from tests.labeler.test_vietnamese_classes import NORMAL, _check, vi  # noqa: F401

STYLES = [
    # one-line telegraphic reports
    ("Tim phổi bình thường.", NORMAL),
    ("Phổi sáng, tim không to, góc sườn hoành nhọn.", NORMAL),
    ("Tràn dịch màng phổi phải lượng ít, tim không to.", (0, 1, 0, 0, 1)),
    # capitals
    ("TIM: BÌNH THƯỜNG\nPHỔI: BÌNH THƯỜNG\nMÀNG PHỔI: BÌNH THƯỜNG\nXƯƠNG: BÌNH THƯỜNG", NORMAL),
    ("KẾT LUẬN: TRÀN KHÍ MÀNG PHỔI TRÁI", (0, 1, 0, 0, 1)),
    # numbered region lists
    ("1. Thành ngực: bình thường.\n2. Màng phổi: bình thường.\n3. Nhu mô phổi: viêm phổi thùy dưới phải.\n"
     "4. Tim: không to.", (0, 0, 1, 0, 1)),
    ("1/ Xương lồng ngực bình thường\n2/ Phổi sáng đều hai bên\n3/ Bóng tim to", (0, 0, 0, 1, 1)),
    # summaries
    ("Không thấy bất thường.", NORMAL),
    ("Mô tả: phổi sáng, tim không to.\nKết luận: Không thấy bất thường trên phim.", NORMAL),
    # English-mixed wording
    ("Tim không to, CTR 0.48.\nPhổi không thấy tổn thương khu trú.", NORMAL),
    ("CTR 0.6. Bóng tim to.", (0, 0, 0, 1, 1)),
    # typed without diacritics, irregular headers (doubled spaces, a space before the colon, no colon)
    ("MÔ TẢ:\nPhổi sáng đều.\nKẾT LUẬN Không có dấu hiệu bệnh lý trên phim X quang.", NORMAL),
    ("KET LUAN : tran dich mang phoi trai", (0, 1, 0, 0, 1)),
    ("CHAN  DOAN:  viem phoi\nMO TA:\nPhoi sang deu hai ben.\nTim khong to.", NORMAL),
    # header names with a tone dropped or one typo ("chuẩn đoán" is a common misspelling of "chẩn đoán")
    ("Chuẩn đoán: viêm phổi\nMô tả:\nPhổi sáng đều.\nTim không to.", NORMAL),
    ("Lm sàng: tiền sử lao phổi, tràn dịch màng phổi cũ\nMÔ TẢ:\nPhổi sáng đều.\nTim không to.", NORMAL),
    # a structured report flattened onto one line
    ("Tim: bình thường. Phổi: sáng đều. Màng phổi: không tràn dịch. Xương: không gãy.", NORMAL),
    ("Tim: bình thường. Phổi: đám mờ thùy trên phải. Màng phổi: bình thường.", (0, 0, 1, 0, 1)),
    # a comma ends a negation before a new statement; a list under one "không thấy" stays negated
    ("Không có tràn khí dưới da, gãy cũ xương sườn 7 trái đã can.", (1, 0, 0, 0, 1)),
    ("Không thấy tràn dịch, tràn khí màng phổi.", NORMAL),
    ("Không thấy tràn dịch màng phổi, tràn khí màng phổi hai bên.", NORMAL),
    # a misspelt cue that is itself a word
    ("Cưa thấy tràn dịch màng phổi. Tim không to.", NORMAL),
    # two letters swapped: the typed "ư" keeps the reading "chưa", not "cháu"
    ("Xương sườn: chaư thấy tổn thương.\nTim không to.", NORMAL),
]


@pytest.mark.parametrize(("text", "expected"), STYLES)
def test_house_styles(vi, text, expected):  # noqa: F811 (the imported fixture)
    _check(vi, text, expected)
