"""vi-e (issue 12, session 6): the false positives of house_styles_13's read part, by class.

Rows are written for their class, never copied from a set. ``*_CLASSES`` rows failed before the change in their
comment; ``*_GUARDS`` rows hold what the change must not read away.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler

from .test_vietnamese_generalisation import NORMAL, _check

BODY = "Phổi hai bên sáng. Tim không to. Góc sườn hoành nhọn. Xương lồng ngực bình thường."


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


# A form's field named by a finding and answered "normal" (findings_s6_vie.yaml cue "bình thường", engine._mentions
# keeps a cue that is a whole negative-only phrase): the finding is absent, in a line or a pasted table's row.
FIELD_NORMAL_CLASSES = [
    (f"{BODY}\nTràn dịch màng phổi: bình thường.", NORMAL),
    (f"{BODY}\nTràn khí màng phổi: BT", NORMAL),
    ("| Cấu trúc | Kết quả |\n|---|---|\n| Tràn dịch màng phổi | bình thường |\n| Tim | BT |\n| Phổi | BT |", NORMAL),
    ("| Hạng mục | Nhận xét |\n|---|---|\n| TKMP | bt |\n| TDMP | trong giới hạn bình thường |\n| Phổi | sáng |", NORMAL),
    (f"{BODY}\nTran khi mang phoi: binh thuong.", NORMAL),
]
FIELD_NORMAL_GUARDS = [
    ("Tim to, phổi bình thường.", (0, 0, 0, 1, 1)),          # another organ's normal statement after a finding
    ("Tràn dịch màng phổi phải, bóng tim bình thường.", (0, 1, 0, 0, 1)),
    ("Tràn khí màng phổi trái lượng ít. Tim phổi bình thường.", (0, 1, 0, 0, 1)),
    ("| Vùng | Kết quả |\n|---|---|\n| Màng phổi | tràn dịch lượng ít bên phải |\n| Tim | bình thường |", (0, 1, 0, 0, 1)),
]



# Option boxes and checklist marks inside a table cell (layout.py Layout._cell_boxes): "| Tràn khí | [ ] có [x] không |"
# reads as the ticked option, as on a line of its own.
CELL_BOX_CLASSES = [
    ("| Hạng mục | Kết quả |\n|---|---|\n| Tràn khí màng phổi | [ ] có  [x] không |\n| Phổi | [ ] có [x] không |",
     NORMAL),
    ("| Vùng | Kết quả |\n|---|---|\n| Dịch màng phổi |[ ] có  [x]  không |\n| Tràn khí màng phổi |[  ] có [x] không |",
     NORMAL),
    ("| Vùng | Kết quả |\n|---|---|\n| Tràn dịch màng phổi | [x] Không [ ] Có |\n| Bóng tim | bình thường |", NORMAL),
    ("| Vùng | Kết quả |\n|---|---|\n| Tràn khí màng phổi | [ ] không [x] có |\n| Tim | bình thường |", (0, 1, 0, 0, 1)),
]
CELL_BOX_GUARDS = [
    ("| Vùng | Kết quả |\n|---|---|\n| Tràn dịch màng phổi | [x] có [ ] không |\n| Tim | bình thường |", (0, 1, 0, 0, 1)),
    ("Tràn khí màng phổi: [ ] có [x] không\nTim: bình thường", NORMAL),
]



# Word senses (findings_s6_vie.yaml): "tràn khí phúc mạc" is pneumoperitoneum (no pleural finding), gas bubbles under
# the skin are subcutaneous emphysema (chest wall, no bullae), a mass "vú bên phải" is the breast's (chest wall),
# "u TT giữa" a mediastinal mass.
WORD_SENSE_CLASSES = [
    (f"{BODY}\nKết luận: tràn khí phúc mạc.", (0, 0, 0, 0, 1)),
    (f"{BODY}\nNhiều bóng khí dưới da vùng cổ ngực hai bên.", (1, 0, 0, 0, 1)),
    (f"{BODY}\nKhối mờ vú bên trái, đề nghị siêu âm vú.", (1, 0, 0, 0, 1)),
    (f"{BODY}\nKL: khối u TT trước.", (0, 0, 0, 1, 1)),
]
WORD_SENSE_GUARDS = [
    ("Tràn khí màng phổi phải lượng vừa.", (0, 1, 0, 0, 1)),
    ("Bóng khí đỉnh phổi phải.", (0, 0, 1, 0, 1)),
    ("Khối mờ thùy trên phổi phải.", (0, 0, 1, 0, 1)),
    ("Tràn khí dưới da thành ngực phải.", (1, 0, 0, 0, 1)),
    ("Có bọt khí trong phần mềm thành ngực trái.", (1, 0, 0, 0, 1)),
]



# Negation forms (findings_s6_vie.yaml): a supine film "có thể bỏ sót" (may miss) what it names; an old density "nay
# đã thấm hết" (absorbed) is resolved.
NEGATION_CLASSES = [
    (f"{BODY}\nPhim nằm có thể bỏ sót tràn khí màng phổi lượng ít.", NORMAL),
    (f"{BODY}\nĐám mờ đáy phổi phải trên phim cũ nay đã thấm hết.", NORMAL),
    (f"{BODY}\nTràn dịch màng phổi trái đã thấm hoàn toàn.", NORMAL),
    ("Đám mờ đáy phổi phải, tràn dịch màng phổi phải đã thấm hết.", (0, 0, 1, 0, 1)),
]
NEGATION_GUARDS = [
    ("Tràn dịch màng phổi phải lượng ít, đám mờ đáy phổi phải.", (0, 1, 1, 0, 1)),
]


# Wording families (findings_s6_vie.yaml): calcium named by its shape on the aortic wall, a vertebral body's lost height,
# lung markings traced to the chest wall (no pneumothorax).
VOCAB_CLASSES = [
    (f"{BODY}\nCó dải vôi ở thành quai ĐMC.", (0, 0, 0, 1, 1)),
    (f"{BODY}\nNốt vôi núm động mạch chủ.", (0, 0, 0, 1, 1)),
    (f"{BODY}\nGiảm chiều cao thân đốt sống D12.", (1, 0, 0, 0, 1)),
    ("Phổi sáng, vân phổi chạy đến sát thành ngực. Bóng tim bình thường.", NORMAL),  # no pneumothorax
]

CASES = (VOCAB_CLASSES + FIELD_NORMAL_CLASSES + FIELD_NORMAL_GUARDS + CELL_BOX_CLASSES + CELL_BOX_GUARDS + WORD_SENSE_CLASSES
         + WORD_SENSE_GUARDS + NEGATION_CLASSES + NEGATION_GUARDS)


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_vie_classes(vi, text, expected):
    _check(vi, text, expected)


# A signature typed with initials (sentences._signed_field): "Ký: L. Đ. Lan", "Người đọc Đ. Đ. Lan", "BS: Le D.
# Phuc" are one sentence (the name after the initials' periods was a sentence of its own, queued as unknown).
SIGNATURE_CLASSES = [
    f"{BODY}\nKý: N. T. Hoa",
    f"{BODY}\nNgười đọc T. V. Tâm",
    f"{BODY}\nBS: Tran K. Lan",
    f"{BODY}\nBác sĩ đọc: Ng. Th. Hanh",
    f"{BODY}\nNgười đọc: BSNT Phạm T. Hoa / Duyệt: TS.BS Lê V. Nam",
]


# A labour-export health check's form fields and a teaching report's notes (pack.yaml admin_lines, skip_sections
# "bệnh cảnh"): skipped, never a reason to review.
FORM_FIELD_CLASSES = [
    f"Số HS: XK1234  Nước: Nhật Bản\n{BODY}",
    f"Mã số: XK9876 - Thị trường: Đài Loan\n{BODY}\nXếp loại: Tạm hoãn, khám chuyên khoa.",
    f"{BODY}\nKết luận: Chờ ý kiến hội đồng.",
    f"Ca đọc phim giao ban số 4\nBệnh cảnh: nữ 50 tuổi, ho khan kéo dài\n{BODY}\nĐã trình bày với BS hướng dẫn.",
    f"Đọc bằng giọng nói\n{BODY}",
]


@pytest.mark.parametrize("text", SIGNATURE_CLASSES + FORM_FIELD_CLASSES)
def test_signatures_and_form_fields_are_admin(vi, text):
    result = vi(text)
    assert result.method == "template" and not result.review_reasons, (text, result.method, result.review_reasons)


# The initials' guard: a conclusion with a side letter before the next sentence is still two sentences.
def test_side_letter_still_ends_a_sentence(vi):
    _check(vi, f"{BODY}\nKL: Không thấy tràn dịch màng phổi P. Tim to.", (0, 0, 0, 1, 1))
