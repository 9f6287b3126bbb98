"""Issue 12, Vietnamese, session 5: wording no earlier writer used (admin lines, clinical headers, standard terms).

The reports are written for their class (none comes from a development, house-style or held-out set). A row in a
``*_CLASSES`` table was queued or read wrong before the change its comment names; ``*_GUARDS`` rows passed already
and keep each change from hiding a finding. The ``vi`` fixture is the session one of tests/labeler/conftest.py.
"""

from __future__ import annotations

import pytest

from .test_vietnamese_generalisation import NORMAL, _check
from .test_vietnamese_vi3 import BODY

# pack.yaml admin_lines (session 5): exposure, machine, follow-up advice, "no change" comparisons, a film that moved,
# and footers, in words no earlier admin line used; typed with or without marks (each queued a normal report)
ADMIN_CLASSES = [
    f"{BODY} Tia hơi cứng.",
    f"{BODY} Liều chiếu: 90 kV, 2 mAs.",
    f"Máy: Shimadzu RadSpeed\n{BODY}",
    f"{BODY} Khuyên bệnh nhân tái khám sau 1 tháng.",
    f"{BODY} Hẹn tái khám sau 2 tuần.",
    f"{BODY}\nTai kham dinh ky.",
    f"{BODY} Không thay đổi so với phim ngày 03/04.",
    f"{BODY} Tương tự phim lần trước.",
    f"Phim bị xoay nhẹ sang trái. {BODY}",
    f"{BODY}\nChữ ký điện tử.\nNgười duyệt: BS. Hoàng Văn K",
    f"{BODY}\nMọi thắc mắc xin liên hệ khoa Chẩn đoán hình ảnh.",
    f"{BODY}\nKính chuyển bác sĩ điều trị.",
    f"{BODY}\nĐã trả kết quả cho người nhà.",
]
# ... a finding in such a line, or beside it, is still read
ADMIN_GUARDS = [
    (f"{BODY} Tái khám sau điều trị tràn dịch màng phổi trái: còn dịch lượng ít.", (0, 1, 0, 0, 1)),
    ("Bóng tim to. Không thay đổi so với phim cũ.", (0, 0, 0, 1, 1)),
    ("Phim bị xoay nhẹ. Đám mờ đáy phổi phải.", (0, 0, 1, 0, 1)),
]

# pack.yaml skip_sections: a clinical header with its "LS" qualifier, with or without marks (its suspected disease
# was read as a finding on the film before)
HISTORY_CLASSES = [
    f"Chẩn đoán LS: suy tim, theo dõi tràn dịch màng ngoài tim\n{BODY}",
    f"Chan doan LS: viem phoi thuy duoi phai\n{BODY}",
    f"CĐ LS: tràn khí màng phổi?\n{BODY}",
    f"Lý do chỉ định: nghi gãy xương sườn\n{BODY}",
]
HISTORY_GUARDS = [
    ("Chẩn đoán LS: ho kéo dài\nBóng tim to. Phổi sáng. Góc sườn hoành nhọn.", (0, 0, 0, 1, 1)),
]

# findings_s5.yaml: standard terms no phrase knew (each queued the report or read nothing)
FINDING_CLASSES = [
    ("Tim không to. Góc sườn hoành nhọn. Kết luận: Hội chứng kẽ hai phổi.", (0, 0, 1, 0, 1)),
    ("Tim không to. Góc sườn hoành nhọn. Hội chứng tổ chức kẽ.", (0, 0, 1, 0, 1)),
    ("Tim không to. Góc sườn hoành nhọn. Tăng tưới máu phổi hai bên.", (0, 0, 1, 0, 1)),
    ("Tim không to. Góc sườn hoành nhọn. Mạch phổi đậm hai bên.", (0, 0, 1, 0, 1)),
    ("Tim không to. Phổi sáng. Mờ đồng nhất vùng thấp phổi trái, bờ trên cong lõm lên trên.", (0, 1, 0, 0, 1)),
    (f"{BODY} Bóng hơi có mức dịch sau tim.", (0, 0, 0, 0, 1)),
    (f"{BODY} Catheter tĩnh mạch rốn, đầu ở nhĩ phải.", (0, 0, 0, 0, 1)),
]
FINDING_GUARDS = [
    ("Tim không to. Góc sườn hoành nhọn. Mạch phổi không tăng.", NORMAL),
    ("Tim không to. Góc sườn hoành nhọn. Không thấy hội chứng kẽ.", NORMAL),
]

ROWS = ([(t, NORMAL) for t in ADMIN_CLASSES] + ADMIN_GUARDS
        + [(t, NORMAL) for t in HISTORY_CLASSES] + HISTORY_GUARDS
        + FINDING_CLASSES + FINDING_GUARDS)


@pytest.mark.parametrize(("text", "expected"), ROWS)
def test_the_classes_of_new_wording(vi, text, expected):
    _check(vi, text, expected)


# pack inline_headers (sentences.py): a one-line report whose fields are apart by a spaced "/", ";" or "|" before a
# "Field:" name reads each field as a line: a clinical field is skipped (its suspicion was read before, or queued),
# and a negated list in one field does not run into the next
INLINE_FIELDS = [
    ("Phim phổi thẳng ; lâm sàng: ho, sốt, nghi lao ; phổi: sáng, không thấy nốt mờ ; tim: không to", NORMAL),
    ("XQ ngực / LS: đau ngực, TD gãy xương sườn / xương: các cung sườn liên tục / phổi: sáng / tim: bt", NORMAL),
    ("Ngực thẳng | Chẩn đoán: theo dõi viêm phổi | Phổi: hai phổi sáng | Tim: không to", NORMAL),
]
# ... findings in the fields are still read, and separators inside a sentence's own words are left alone
INLINE_GUARDS = [
    ("Phim ngực / XS: vẹo cột sống ngực / MP: TDMP (-), TKMP (-) / TIM: không to", (1, 0, 0, 0, 1)),
    ("XQ ngực / lý do: TNGT / XƯƠNG: gãy cung bên xương sườn 6 phải / PHỔI: sáng / TIM: bt", (1, 0, 0, 0, 1)),
    ("Tràn dịch màng phổi phải / trái không rõ. Tim không to.", (0, 1, 0, 0, 1)),
    ("Tim không to ; phổi sáng ; góc sườn hoành nhọn.", NORMAL),
    ("Nốt mờ 1 / 3 giữa phổi phải. Tim không to.", (0, 0, 1, 0, 1)),
]

# admin_lines: the study title and the trauma mechanism typed as fields of their own; findings_s5.yaml: an opacity
# named by the mediastinum is a mediastinal mass, not a lung density (read parenchyma before)
TITLE_AND_SITE = [
    (f"NGỰC THẲNG - ĐA CHẤN THƯƠNG\n{BODY}", NORMAL),
    (f"TNGT.\n{BODY}", NORMAL),
    (f"Ngã xe máy, đau ngực phải.\n{BODY}", NORMAL),
    ("Bóng mờ trung thất trên lệch phải. Phổi sáng. Góc sườn hoành nhọn.", (0, 0, 0, 1, 1)),
    ("Đám mờ vùng trung thất trước. Phổi sáng. Góc sườn hoành nhọn.", (0, 0, 0, 1, 1)),
    # guards
    ("Ngã xe máy, gãy cung sau xương sườn 5 phải. Phổi sáng. Tim không to.", (1, 0, 0, 0, 1)),
    ("Đám mờ đáy phổi phải. Trung thất không rộng. Góc sườn hoành nhọn.", (0, 0, 1, 0, 1)),
]


@pytest.mark.parametrize(("text", "expected"), INLINE_FIELDS + INLINE_GUARDS + TITLE_AND_SITE)
def test_inline_fields_titles_and_mediastinal_opacities(vi, text, expected):
    _check(vi, text, expected)


# words_vi._glued_cue: a misspelt negation glued to the next word (each read the finding present before); pack.yaml
# admin_patterns: the pieces of a signature cut at an initial's period (each queued a normal report)
GLUED_AND_SIGNED = [
    ("Kôngthấy tràn dịch màng phổi. Tim không to.", NORMAL),
    ("Khôgthấy tràn khí màng phổi. Tim không to.", NORMAL),
    ("Kôngghi nhận gãy xương sườn. Phổi sáng.", NORMAL),
    (f"{BODY}\nBác sĩ: Trương V. K.\nBui T.", NORMAL),
    (f"{BODY}\nH – Radiologist", NORMAL),
    # guards: a glued pair of pack words, and a finding word glued to a word, read as before
    ("Khôngthấy tràn dịch màng phổi. Tim không to.", NORMAL),
    ("Tràn dịchmàng phổi phải. Tim không to.", (0, 1, 0, 0, 1)),
    ("Gãy xương sườn 5 phải. Bác sĩ: Lê Văn T.", (1, 0, 0, 0, 1)),
]


@pytest.mark.parametrize(("text", "expected"), GLUED_AND_SIGNED)
def test_glued_misspelt_negation_and_signature_pieces(vi, text, expected):
    _check(vi, text, expected)


# pack word_fallback.bare_unknown: placed (engine._analyse, fallback.foreign_word): a sentence of words the pack does
# not know that names no part of the chest is a remark about the study, skipped (each queued the report before) ...
BARE_REMARKS = [
    f"X quang ngực hậu phẫu (N4)\n{BODY}",
    f"{BODY} Che chắn tử cung bằng tấm chì.",
    f"{BODY} Bệnh nhân nằm yên, nín thở tốt.",
    f"{BODY} Sản phụ nín thở khi chụp.",
]
# ... one that names a region, a side or a term of another language may hold a rare finding and still queues
BARE_QUEUED = [
    f"{BODY} Thuỳ azygos bên phải.",
    f"{BODY} Teo cơ ngực lớn bên trái.",
    f"{BODY} Sarcoidosis giai đoạn II.",
    f"{BODY} Nhuyễn sụn khí quản.",
]


@pytest.mark.parametrize("text", BARE_REMARKS)
def test_a_bare_remark_naming_no_part_of_the_chest_is_skipped(vi, text):
    _check(vi, text, NORMAL)


@pytest.mark.parametrize("text", BARE_QUEUED)
def test_a_bare_sentence_naming_a_part_of_the_chest_still_queues(vi, text):
    result = vi(text)
    assert result.method not in ("template", "rule"), (text, result.method, result.findings)
