"""Issue 12, Vietnamese side, session 8 (via): layouts of house style 17's read part — a receipt printer's slip cut
at its width (layout.py ``hard_wraps``), a double-reading QA form's reader lines, a slip's footers, a letter's
sign-off (rules/vi/pack.yaml admin lines) and three wording families (findings_s8_via.yaml).

Every report here was written for its class (none is copied from a development or house-style set). Each row of a
``*_CLASSES`` table failed before the change named in its comment; the ``*_GUARDS`` rows keep the change from reading
away what must stay.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler
from rxlabel.labeler.layout import hard_wrap_edits

from .test_vietnamese_generalisation import NORMAL, _check

RULE = "=" * 32
DASH = "-" * 32


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


def _slip(*lines: str) -> str:
    return "\n".join([RULE, "     PHIEU KET QUA X-QUANG", RULE, *lines, RULE])


# layout.py hard_wrap_edits: which line ends of a slip are read as a space (the joined lines' texts)
WRAP_CASES = [
    # cut mid-phrase, the next word would not have fitted: joined
    (_slip("* Hai phế trường sáng, không có", "đám mờ, góc sườn hoành hai bên", "nhọn, bóng tim không to"),
     ["* Hai phế trường sáng, không có đám mờ, góc sườn hoành hai bên nhọn, bóng tim không to"]),
    # a bracket left open is continued whatever the width
    (_slip("* Tim nằm bên phải (đảo", "ngược phủ tạng)", "* Quai ĐMC vôi hoá, không có", "tràn dịch màng phổi"),
     ["* Tim nằm bên phải (đảo ngược phủ tạng)", "* Quai ĐMC vôi hoá, không có tràn dịch màng phổi"]),
]
WRAP_GUARDS = [
    # short lines typed one statement each, no rule line: not a printed slip
    "phoi sang khong thay not mo gi\nkhong tran dich, tran khi mang phoi\nbong tim khong to",
    # a line that ends its sentence, a bullet, an upper-case line and a header: never joined
    _slip("* Phổi hai bên sáng, rõ nét.", "* Tim không to, CTR 0,45, quai", "KL: Phim phổi bình thường hôm nay"),
    # a rule line far wider than a receipt's (an A4 form's): not a slip
    "\n".join(["=" * 90, "Phổi hai bên sáng, không thấy nốt mờ, đám mờ bất thường ở hai", "phế trường", "=" * 90]),
]


@pytest.mark.parametrize(("text", "joined"), WRAP_CASES)
def test_hard_wraps_join_the_cut_lines(text, joined):
    edits = hard_wrap_edits(text, 24, 48)
    out = list(text)
    for start, _end, said in edits:
        out[start] = said
    lines = "".join(out).split("\n")
    for line in joined:
        assert line in lines, (lines, edits)


@pytest.mark.parametrize("text", WRAP_GUARDS)
def test_hard_wraps_leave_other_layouts(text):
    assert hard_wrap_edits(text, 24, 48) == []


# a receipt slip read end to end: the cut sentences joined, the queue ticket and the footers skipped
SLIP_CLASSES = [
    (_slip("STT: 105  Quầy: 4", DASH, "* Nhu mô hai phổi sáng, không", "thấy tổn thương. Bóng tim không",
           "to, quai động mạch chủ không", "giãn", DASH, "KL: Chưa phát hiện bất thường", "trên phim", "Mang phiếu về phòng khám"),
     NORMAL),
    (_slip("STT: 42 Bàn: 1", "* Tràn dịch màng phổi phải lượng", "ít, tim không to, trung thất", "không lệch",
           DASH, "KL: tràn dịch màng phổi phải", "Giữ phiếu để tái khám", "Vui lòng quay lại quầy 3"),
     (0, 1, 0, 0, 1)),
    (_slip("* Khong thay hinh anh ton thuong", "tien trien gi, bong tim va trung", "that khong to", "KL: Binh thuong",
           "Cam on quy khach"), NORMAL),
]

# the reader lines of a double-reading QA form, a letter's sign-off, a field hospital's triage and extent lines
ADMIN_CLASSES = [
    ("Đọc lần 1 - BS Trần V.A:\n+ Phổi hai bên sáng.\n+ Tim không to.\nĐọc lần 2 - BS Lê T.H: đồng ý.\n"
     "Kết luận thống nhất: Phim phổi bình thường.", NORMAL),
    ("Kính gửi: Khoa Nội\nPhổi hai bên sáng, tim không to, không có tràn dịch màng phổi.\nThân ái, BS Nguyễn Văn Hải",
     NORMAL),
    ("Tổn thương phổi: kính mờ ngoại vi hai bên\nMức độ lan rộng: 25-50%\nChuyển tầng 3 nếu SpO2 < 92%",
     (0, 0, 1, 0, 1)),
]
ADMIN_GUARDS = [
    ("Người đọc thứ nhất: BS Hà\n+ Bóng tim to, CTR 0,58.\nNgười đọc thứ hai: thống nhất với người đọc thứ nhất.",
     (0, 0, 0, 1, 1)),
    ("Đọc lần 1 - BS Minh:\n+ Tim không to.\n+ Phổi sáng.\nĐọc lần 2 - BS Hùng: nhất trí.", NORMAL),
    # an addition typed on the second reader's line is still read
    ("Đọc lần 1 - BS An:\n+ Phổi hai bên sáng.\n+ Tim không to.\nĐọc lần 2 - BS Bình: đồng ý, bổ sung: gãy cung sau "
     "xương sườn 5 trái.", (1, 0, 0, 0, 1)),
]

# findings_s8_via.yaml: a degree word inside the vertebral collapse, the butterfly named by "dạng", a pleural spot
WORDING_CLASSES = [
    ("Phổi hai bên sáng. Tim không to.\nXương: lún nhẹ thân đốt sống ngực 8.", (1, 0, 0, 0, 1)),
    ("Tim không to. Góc sườn hoành nhọn.\nXẹp một phần thân đốt sống L1.", (1, 0, 0, 0, 1)),
    ("Mờ quanh hai rốn phổi dạng cánh bướm. Màng phổi bình thường.", (0, 0, 1, 0, 1)),
    ("Phổi sáng. Tim không to.\nNốt vôi màng phổi trái.", (0, 1, 0, 0, 1)),
    ("Phổi sáng. Tim không to.\nDải vôi hoá dọc màng phổi thành ngực phải.", (0, 1, 0, 0, 1)),
    ("Phổi hai bên sáng. Tim không to.\nHình kim loại cản quang vùng cổ.", (0, 0, 0, 0, 1)),
]
WORDING_GUARDS = [
    ("Phổi sáng. Tim không to.\nNốt vôi nhỏ đỉnh phổi phải.", (0, 0, 1, 0, 1)),
]


@pytest.mark.parametrize(("text", "expected"), SLIP_CLASSES + ADMIN_CLASSES + ADMIN_GUARDS + WORDING_CLASSES
                         + WORDING_GUARDS)
def test_s8_via_classes(vi, text, expected):
    _check(vi, text, expected)
