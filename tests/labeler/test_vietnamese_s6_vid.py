"""Issue 12, Vietnamese side, session 6 (vi-d): classes of a writer nobody had read (house_styles_16 read part).

Every report here was written for its class (none is copied from a development or house-style set). Each row of a
``*_CLASSES`` table failed before the change named in its comment; the ``*_GUARDS`` rows pass before and after and
keep the change from reading away what must stay.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler

from .test_vietnamese_generalisation import NORMAL, _check

BODY = "Phổi hai bên sáng. Tim không to. Góc sườn hoành nhọn. Xương lồng ngực bình thường."


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


# A screening form's own headers (findings_s6_vid.yaml pseudo cue): "Kết luận sàng lọc:", "Kết quả sàng lọc:" name the
# form, so the "sàng lọc" purpose cue (what a screening looks for is not asserted) no longer negates what they head.
SCREENING_HEADER_CLASSES = [
    (f"{BODY}\nKết luận sàng lọc: Tràn dịch màng ngoài tim.", (0, 0, 0, 1, 1)),
    (f"{BODY}\nKết quả sàng lọc: góc sườn hoành trái tù.", (0, 1, 0, 0, 1)),
    (f"{BODY}\nKet luan sang loc: gay cu xuong suon VI trai.", (1, 0, 0, 0, 1)),
    (f"{BODY}\nKết luận tầm soát: nốt mờ đỉnh phổi phải.", (0, 0, 1, 0, 1)),
    (f"{BODY}\nKết luận sàng lọc: Chỉ thép xương ức sau mổ tim.", (0, 0, 0, 0, 1)),
]
SCREENING_HEADER_GUARDS = [
    (f"{BODY}\nTầm soát lao phổi.", NORMAL),                          # the purpose still negates
    (f"{BODY}\nKhám sàng lọc bệnh phổi nghề nghiệp.", NORMAL),
    (f"{BODY}\nKết luận sàng lọc: không thấy tràn dịch màng phổi.", NORMAL),
]


@pytest.mark.parametrize(("text", "expected"), SCREENING_HEADER_CLASSES + SCREENING_HEADER_GUARDS)
def test_screening_form_headers_are_no_purpose(vi, text, expected):
    _check(vi, text, expected)


# A marked word the pack knows is read as typed (engine._fuzzy): "khỏi" (healed) stripped of its marks read "khối" (a
# mass, present); "đã khỏi" resolves what it follows.
TYPED_WORD_CLASSES = [
    (f"{BODY}\nBàn luận: tổn thương viêm phổi cũ đã khỏi trên phim này.", NORMAL),
    (f"{BODY}\nTràn dịch màng phổi phải trên phim trước nay đã khỏi hẳn.", NORMAL),
]
TYPED_WORD_GUARDS = [
    (f"{BODY}\nViêm phổi thùy dưới trái đã khỏi.", NORMAL),
    (f"{BODY}\nKhoi mo dinh phoi phai.", (0, 0, 1, 0, 1)),             # unmarked: still restored
    (f"{BODY}\nKhối mờ đỉnh phổi phải.", (0, 0, 1, 0, 1)),
    (f"{BODY}\nTràn dịch mang phổi trái lượng ít.", (0, 1, 0, 0, 1)),  # a misspelt word among marked ones
]


@pytest.mark.parametrize(("text", "expected"), TYPED_WORD_CLASSES + TYPED_WORD_GUARDS)
def test_marked_pack_word_read_as_typed(vi, text, expected):
    _check(vi, text, expected)


# Teaching-report signatures, dispositions and screening-form titles / category lines (pack.yaml admin_lines,
# skip_sections, admin_patterns): who read, what to do next and the programme's triage letter are never a reading.
ADMIN_CLASSES = [
    f"{BODY}\nNgười hướng dẫn: BS. Trần K.",
    f"{BODY}\nGiảng viên hướng dẫn: TS. Đỗ Q.",
    f"{BODY}\nHọc viên: BSNT Vũ T. A.",
    f"{BODY}\nHướng xử trí: Hẹn sàng lọc lại sau 1 năm.",
    f"{BODY}\nKhám lại nếu còn sốt kéo dài.",
    f"ĐỢT KHÁM SÀNG LỌC LAO CỘNG ĐỒNG – PHIẾU ĐỌC\n{BODY}",
    f"{BODY}\nPhân loại: B – Nghi ngờ, cần khám thêm",
    f"{BODY}\nPhan loai sang loc: C - Can chuyen tuyen",
]
# ... rows that passed before (no finding word in them) and must stay quiet
ADMIN_QUIET = [
    f"{BODY}\nGV duyệt: ThS. Lê M. H.",
    f"{BODY}\nGợi ý xử trí: Đề nghị siêu âm bụng.",
    f"{BODY}\nKhuyến cáo khám chuyên khoa hô hấp.",
    f"{BODY}\nKhông cần xử trí thêm.",
    f"{BODY}\nCần chuyển khám chuyên khoa ung bướu.",
    f"CHƯƠNG TRÌNH TẦM SOÁT BỆNH PHỔI MẠN TÍNH\n{BODY}",
    f"{BODY}\nPhân loại: A – Bình thường",
]


@pytest.mark.parametrize("text", ADMIN_CLASSES + ADMIN_QUIET)
def test_teaching_and_screening_admin_lines(vi, text):
    _check(vi, text, NORMAL)


ADMIN_GUARDS = [
    (f"{BODY}\nPhân loại ILO 2/2 q/q.", (0, 0, 1, 0, 1)),             # an ILO grade is no category letter
    (f"{BODY}\nHướng xử trí: chưa cần.\nTràn khí màng phổi trái.", (0, 1, 0, 0, 1)),
    (f"{BODY}\n5 vòng chỉ thép xương ức.", (0, 0, 0, 0, 1)),
]


@pytest.mark.parametrize(("text", "expected"), ADMIN_GUARDS)
def test_admin_lines_guards(vi, text, expected):
    _check(vi, text, expected)


# Finding families: effusion + pneumothorax as one code, a fluid level in the pleural space (hydropneumothorax); a soft-tissue
# opacity, lump or node of the axilla / chest wall; hilar enlargement with the side written out; hedges "có vẻ",
# "hình như", "dường như" (findings_s6_vid.yaml).
FINDING_CLASSES = [
    (f"{BODY}\nTKTDMP phải lượng nhiều.", (0, 1, 0, 0, 1)),
    (f"{BODY}\nMức hơi dịch trong khoang màng phổi trái.", (0, 1, 0, 0, 1)),
    (f"{BODY}\nCó bóng mờ phần mềm vùng nách trái.", (1, 0, 0, 0, 1)),
    (f"{BODY}\nKhối vùng hố nách phải, bờ đều.", (1, 0, 0, 0, 1)),
    (f"{BODY}\nHạch nách trái kích thước 2 cm.", (1, 0, 0, 0, 1)),
    (f"{BODY}\nRốn phổi bên phải to.", (0, 0, 1, 0, 1)),
    (f"{BODY}\nRốn phổi trái hơi rộng.", (0, 0, 1, 0, 1)),
    ("Phổi hai bên sáng. Tim hình túi nước. Góc sườn hoành nhọn.", (0, 0, 0, 1, 1)),
    (f"{BODY}\nCó vẻ rốn phổi cả hai bên đậm.", (0, 0, 1, 0, 1)),
]
FINDING_GUARDS = [
    ("Phổi hai bên sáng. Bóng tim dạng bình nước. Góc sườn hoành nhọn.", (0, 0, 0, 1, 1)),
    (f"{BODY}\nĐậm rốn phổi bên trái.", (0, 0, 1, 0, 1)),
    (f"{BODY}\nBóng mờ phần mềm tuyến vú hai bên chồng lên đáy phổi.", NORMAL),   # the breasts
    (f"{BODY}\nMức hơi dịch dạ dày dưới hoành trái.", (0, 0, 0, 0, 1)),           # a gastric level, no region
    (f"{BODY}\nKhông thấy hạch nách.", NORMAL),
]


@pytest.mark.parametrize(("text", "expected"), FINDING_CLASSES + FINDING_GUARDS)
def test_finding_families_of_hs16(vi, text, expected):
    _check(vi, text, expected)


@pytest.mark.parametrize("text", ["TDTKMP trái.", "TKTDMP hai bên lượng ít.", "Kết luận: TDTKMP phải."])
def test_effusion_and_pneumothorax_code_is_both_present(vi, text):
    findings = vi(text).findings
    assert findings.get("pleural effusion") == 1 and findings.get("pneumothorax") == 1, findings


def test_a_pleural_fluid_level_is_hydropneumothorax(vi):
    assert vi("Mức hơi dịch trong khoang màng phổi phải.").findings.get("hydropneumothorax") == 1


@pytest.mark.parametrize("text", ["Có vẻ tràn dịch màng phổi phải.", "Hình như có tràn khí màng phổi trái.",
                                  "Dường như có nốt mờ đỉnh phổi phải.", "E rằng có tràn dịch màng phổi trái.",
                                  "Nghĩ là viêm phổi thùy dưới phải."])
def test_seeming_hedges_read_uncertain(vi, text):
    result = vi(text)
    assert result.findings and all(v == -1 for k, v in result.findings.items() if k != "normal"), result.findings


# Normal statements: the lungs with their side after the noun, thin markings, and the topic opener of university
# prose ("Về nhu mô phổi, ...", "Về tim mạch, ...") (findings_s6_vid.yaml normal_statements).
NORMAL_CLASSES = [
    "Về nhu mô phổi, phế trường hai bên sáng, vân mảnh. Tim không to. Góc sườn hoành nhọn. Xương lồng ngực bình thường.",
    "Vân mảnh. Tim không to. Góc sườn hoành nhọn. Xương lồng ngực bình thường.",
    "Về phía hai phổi, phổi 2 bên sáng, vân phổi mảnh. Tim không to. Góc sườn hoành nhọn.",
]
# ... rows that passed before and must stay normal
NORMAL_QUIET = [
    "Phế trường hai bên sáng đều. Tim không to. Góc sườn hoành nhọn. Xương lồng ngực bình thường.",
    f"{BODY}\nVân phổi thanh mảnh.",
    f"{BODY}\nVề màng phổi, hai góc sườn hoành sáng.",
    f"{BODY}\nVề tim và trung thất, bóng tim không to.",
    f"{BODY}\nVề phía khung xương lồng ngực, cân đối.",
]


@pytest.mark.parametrize("text", NORMAL_CLASSES + NORMAL_QUIET)
def test_normal_wording_families_of_hs16(vi, text):
    _check(vi, text, NORMAL)


@pytest.mark.parametrize(("text", "expected"), [
    ("Về nhu mô phổi, đám mờ đáy phổi phải. Tim không to.", (0, 0, 1, 0, 1)),
    ("Phổi hai bên có nốt mờ rải rác. Tim không to.", (0, 0, 1, 0, 1)),
])
def test_normal_wording_guards(vi, text, expected):
    _check(vi, text, expected)
