"""Issue 12, Vietnamese, session 5 (vi2): classes of the eighth and ninth writers' wording (house_styles_8 / _9).

Every report is written here for its class (none comes from a development, house-style or held-out set): the same
idea in the words a third writer would use. A ``*_CLASSES`` row was queued or read wrong before the change its
comment names; ``*_GUARDS`` rows passed already and keep the change from hiding a finding.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler

from .test_vietnamese_generalisation import NORMAL, _check
from .test_vietnamese_vi3 import BODY


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


# sentences.py (skip_inline "sentence"): a clinical field that opens a LATER sentence of its line ("BN nữ 85 tuổi.
# Lâm sàng: ...") is skipped like one that opens the line; its suspected disease was read as a finding before
INLINE_FIELD_CLASSES = [
    (f"BN nữ 88 tuổi. Lâm sàng: sốt, TD viêm phổi.\n{BODY}", NORMAL),
    (f"Bệnh nhân nam 79 tuổi. Chẩn đoán: ho, khó thở - theo dõi suy tim.\n{BODY}", NORMAL),
    (f"BN nam 90t. Lam sang: COPD dot cap?\n{BODY}", NORMAL),
    (f"Nữ, 70 tuổi. Tiền sử: lao phổi, tràn dịch màng phổi trái.\n{BODY}", NORMAL),
    (f"Phim ngực thẳng. Lý do chụp: nghi tràn khí màng phổi phải.\n{BODY}", NORMAL),
]
INLINE_FIELD_GUARDS = [
    # a finding on the line before the field, and a findings header later on the line, are still read
    ("BN nam 80 tuổi. Lâm sàng: khó thở.\nTràn dịch màng phổi phải lượng ít. Tim không to.", (0, 1, 0, 0, 1)),
    ("Bóng tim to. Kết luận: bóng tim to.", (0, 0, 0, 1, 1)),
]

# sentences.py + pack.yaml title_abbreviations / admin_lines: a signature line opening with a title is one sentence,
# not cut at its initials' periods ("Lê T." and "G – Radiologist" queued the report before)
SIGNATURE_CLASSES = [(f"{BODY}\n{line}", NORMAL) for line in (
    "BS CKI. Lê V. H.", "BS CKII. Lê T. L", "Dr. Hoang T. N – Radiologist", "BS. Ngô Q. B – Radiologist", "Dr. Đỗ M. K")]
SIGNATURE_GUARDS = [
    # "TS" is also tiền sử: a history line that opens with it is not a signature
    ("TS. lao phổi. Tràn dịch màng phổi phải lượng ít.", (0, 1, 0, 0, 1)),
    (f"{BODY}\nBS. Lê V. A\nKết luận: gãy xương sườn 5 phải.", (1, 0, 0, 0, 1)),
]

# findings_vi2.yaml abbreviations: military shorthand, the normal predicate "KPHBT" and the findings "TKDD" ...
SHORTHAND_CLASSES = [
    ("Phổi 2 bên: KPHBT. Tim BT. Màng phổi: BT.", NORMAL),
    ("XQ ngực thẳng.\n- Thành ngực: BT.\n- Màng phổi 2 bên: KPHBT.\nKL: Hiện tại KPHBT.", NORMAL),
    ("Tim phổi: CPHBT trên phim.", NORMAL),
    ("Nhu mô phổi: KPHTT. Tim không to.", NORMAL),
    ("TKDD thành ngực (P). Phổi 2 bên: KPHBT.", (1, 0, 0, 0, 1)),
    ("TKTT lượng ít. Phổi 2 bên BT.", (0, 0, 0, 1, 1)),
    ("TDMNT lượng vừa. Phổi sáng.", (0, 0, 0, 1, 1)),
]
SHORTHAND_GUARDS = [
    ("Không TKDD. Không TKMP. Phổi 2 bên: KPHBT.", NORMAL),
    ("Gãy xs 6 (T). Các vùng khác KPHBT.", (1, 0, 0, 0, 1)),
]

# findings_vi2.yaml findings: wordings of known findings in another order or with a word between
FINDING_CLASSES = [
    ("Dính góc sườn hoành trái. Phổi sáng.", (0, 1, 0, 0, 1)),
    ("Còn ít khí khoang màng phổi phải vùng đỉnh.", (0, 1, 0, 0, 1)),
    ("Vôi hoá dạng vỏ trứng quai động mạch chủ.", (0, 0, 0, 1, 1)),
    ("Vôi hoá và giãn xoắn quai động mạch chủ.", (0, 0, 0, 1, 1)),
    ("Giãn xoắn quai ĐMC.", (0, 0, 0, 1, 1)),
    ("Vôi hoá nhỏ rốn phổi trái.", (0, 0, 1, 0, 1)),
    ("Khối mờ đồng nhất cạnh trung thất phải, bờ rõ.", (0, 0, 0, 1, 1)),
    ("Mờ tam giác cạnh bóng tim trái.", (0, 0, 1, 0, 1)),
    ("Các hình sáng dạng vòng nhẫn đáy phổi trái.", (0, 0, 1, 0, 1)),
    ("Tram-track shadows ở đáy phổi phải.", (0, 0, 1, 0, 1)),
    ("Cavity 2 cm thùy trên phổi phải.", (0, 0, 1, 0, 1)),
    ("Pacemaker dưới đòn trái. Phổi sáng.", (0, 0, 0, 0, 1)),
    ("Hai vòm hoành dẹt, hạ thấp.", (0, 0, 1, 0, 1)),
    ("Vòm hoành trái hạ thấp.", (0, 0, 1, 0, 1)),
    ("Hai phế trường đậm. Tim bình thường.", (0, 0, 1, 0, 1)),
    ("Vân mạch phổi 2 bên đậm.", (0, 0, 1, 0, 1)),
    ("Các thân đốt sống ngực thoái hoá.", (1, 0, 0, 0, 1)),
    ("Cot song nguc thoai hoa.", (1, 0, 0, 0, 1)),
]
FINDING_GUARDS = [
    ("Góc sườn hoành không dính. Phổi sáng.", NORMAL),
    ("Phổi hai bên không đậm. Tim không to.", NORMAL),
    ("Không thấy khí khoang màng phổi.", NORMAL),
    ("Rốn phổi hai bên đậm.", (0, 0, 1, 0, 1)),
    ("Dải dính màng phổi đáy phải.", (0, 1, 0, 0, 1)),
    ("Xơ vữa, giãn xoắn ĐMC.", (0, 0, 0, 1, 1)),
    ("Vân phổi hai bên tăng đậm.", (0, 0, 1, 0, 1)),
]

# findings_vi2.yaml normal_statements: normal anatomy of a child's and an old person's film (the thymus and its
# sail sign read "hình cánh bướm", pulmonary oedema, when typed without marks; calcified costal cartilage queued)
ANATOMY_CLASSES = [
    (f"Bong tuyen uc tao hinh canh buom o trung that tren phai.\n{BODY}", NORMAL),
    (f"Vôi hoá sụn sườn 1 hai bên theo tuổi. {BODY}", NORMAL),
    (f"Voi hoa sun suon hai ben (khong co y nghia benh ly).\n{BODY}", NORMAL),
]
ANATOMY_GUARDS = [
    ("Phù phổi hình cánh bướm.", (0, 0, 1, 0, 1)),
    (f"Bóng tuyến ức bình thường ở trẻ nhỏ. {BODY}", NORMAL),
    ("Vôi hoá sụn sườn. Gãy xương sườn 4 phải.", (1, 0, 0, 0, 1)),
]

# pack.yaml admin_patterns: an occupational film's ILO grade of no pneumoconiosis
ILO_CLASSES = [(f"{BODY}{line}", NORMAL) for line in (" Phân loại ILO 0/0.", "\nILO: 0/1", "\nXếp loại ILO 0/-.")]
ILO_QUEUED = [f"{BODY} Phân loại ILO 1/1.", f"{BODY} ILO 2/1 q/q."]


# normals.yaml (s5-vi2): French subjects of private clinics, with or without accents, with Vietnamese predicates
FRENCH_CLASSES = [(f"{BODY}\n{line}", NORMAL) for line in (
    "Coupoles diaphragmatiques đều.", "Les coupoles diaphragmatiques bình thường.", "Mediastin khong gian.",
    "Médiastin không lệch.", "Culs-de-sac costo-diaphragmatiques libres.", "Hiles không đậm.",
    "Silhouette cardiaque không to.")]
FRENCH_GUARDS = [("Trung thất giãn rộng. Coupoles diaphragmatiques đều.", (0, 0, 0, 1, 1)),
                 ("Coupoles diaphragmatiques đều. Tràn dịch màng phổi trái.", (0, 1, 0, 0, 1))]

# findings_vi2.yaml: a basal opacity that takes the costophrenic angle with it
BLUNTING_CLASSES = [("Mờ nhẹ đáy phổi và góc sườn hoành phải.", (0, 1, 0, 0, 1)),
                    ("Mo it vung day phoi va goc suon hoanh (T).", (0, 1, 0, 0, 1))]

# words_vi.py _out_of_place: a word typed without its marks that is a pack word the next word never follows, read as
# the one marked reading both neighbours pair with (partial diacritics: "thay" read "không thay (đổi)" and left
# "bất thường" outside the negation; "can" (callus) and "may" queued the sentence)
PARTIAL_CLASSES = [
    ("Nhu mô: khong thay đám mờ hay nốt mờ bất thường.", NORMAL),
    ("Hình tim can đối, bờ đều.", NORMAL),
    ("May tạo nhịp dưới đòn trái. Phổi sáng.", (0, 0, 0, 0, 1)),
]
PARTIAL_GUARDS = [
    ("Nhu mô phổi không thay đổi so với phim cũ, không thấy tổn thương.", NORMAL),
    ("Can xương cũ xương sườn 6 trái.", (1, 0, 0, 0, 1)),
]

# findings_vi2.yaml: English and French nouns of common findings in a Vietnamese sentence (its cues apply)
NOUN_CLASSES = [
    ("Air bronchogram thùy dưới phải.", (0, 0, 1, 0, 1)),
    ("Cardiomégalie nhẹ.", (0, 0, 0, 1, 1)),
    ("Pneumopéritoine dưới vòm hoành phải.", (0, 0, 0, 0, 1)),
    ("Epanchement pleural phải lượng ít.", (0, 1, 0, 0, 1)),
    ("Mass 4 cm thùy trên phổi trái.", (0, 0, 1, 0, 1)),
    ("Emphysema hai phổi, vòm hoành dẹt.", (0, 0, 1, 0, 1)),
    ("Cul-de-sac sườn hoành trái tù.", (0, 1, 0, 0, 1)),
]
NOUN_GUARDS = [
    ("Pas d'épanchement pleural.", NORMAL),
    ("Cardiomégalie.", (0, 0, 0, 1, 1)),
    ("Sans pneumopéritoine. Absence de cardiomégalie.", NORMAL),
    ("Không có épanchement hay pneumothorax. Phổi sáng.", NORMAL),
    ("No free air under the diaphragm. Tim không to.", NORMAL),
    ("Possible pneumopéritoine.", (0, 0, 0, 0, 1)),
    ("Mass đậm độ phần mềm thành ngực phải.", (1, 0, 0, 0, 1)),
]

ROWS = (NOUN_CLASSES + NOUN_GUARDS + FRENCH_CLASSES + FRENCH_GUARDS + BLUNTING_CLASSES + PARTIAL_CLASSES + PARTIAL_GUARDS + INLINE_FIELD_CLASSES + INLINE_FIELD_GUARDS + SIGNATURE_CLASSES + SIGNATURE_GUARDS + SHORTHAND_CLASSES
        + SHORTHAND_GUARDS + FINDING_CLASSES + FINDING_GUARDS + ANATOMY_CLASSES + ANATOMY_GUARDS + ILO_CLASSES)


@pytest.mark.parametrize(("text", "expected"), ROWS)
def test_class_rows(vi, text, expected):
    _check(vi, text, expected)


@pytest.mark.parametrize("text", ILO_QUEUED)
def test_ilo_other_grades_queued(vi, text):
    # a grade of category 1-3 is small opacities: read as pneumoconiosis (findings_his.yaml) or queued, never normal
    result = vi(text)
    assert result.method == "unlabelled" or result.regions["parenchyma"] == 1
