"""Issue 12, Vietnamese, session 6 (vi-a): wording families and layouts of writers the pack had not read.

The reports are written for their class (none comes from a development, house-style or held-out set). A row in a
``*_CLASSES`` table was queued or read wrong before the change its comment names; ``*_GUARDS`` rows keep each change
from hiding a finding or from reading one that is not there.
"""

from __future__ import annotations

import pytest

from .test_vietnamese_generalisation import NORMAL, _check, _regions
from .test_vietnamese_vi3 import BODY

DEVICE = (0, 0, 0, 0, 1)
LUNG = (0, 0, 1, 0, 1)
PLEURA = (0, 1, 0, 0, 1)
HEART = (0, 0, 0, 1, 1)
WALL = (1, 0, 0, 0, 1)

CLASSES = [
    # findings_s6_via.yaml central venous catheter: a haemodialysis line in a nephrology ward's names
    (f"{BODY} Catheter lọc máu hai nòng qua tĩnh mạch cảnh trong trái, đầu ống ở nhĩ phải.", DEVICE),
    (f"{BODY} Catheter chạy thận nhân tạo đúng vị trí.", DEVICE),
    (f"{BODY} Ống thông lọc máu tĩnh mạch dưới đòn phải.", DEVICE),
    (f"{BODY} Catheter có cuff đường hầm, đầu ở tĩnh mạch chủ trên.", DEVICE),
    # calcified hilar adenopathy: a count, a size or a place word between the node and the hilum
    (f"{BODY} Vài hạch vôi nhỏ vùng rốn phổi phải.", LUNG),
    (f"{BODY} Các hạch vôi hoá rải rác ở rốn phổi trái.", LUNG),
    (f"{BODY} Hạch canxi hoá nhỏ rốn phổi.", LUNG),
    # fracture: a break in a bone's outline, the bone named before or after
    (f"{BODY} Gián đoạn bờ xương cung sau sườn 6 phải.", WALL),
    (f"{BODY} Xương đòn phải mất liên tục 1/3 giữa.", WALL),
    (f"{BODY} Mất liên tục bờ xương cung bên sườn 5 trái.", WALL),
    # anatomical variant: a variant the reader calls a variant is anatomy
    (f"{BODY} Rãnh thuỳ azygos ở đỉnh phổi phải, là biến thể giải phẫu.", NORMAL),
    (f"{BODY} Xương sườn 3 trái chẻ đôi đầu trước: biến thể giải phẫu.", NORMAL),
    (f"{BODY} Hình ảnh trên là biến thể giải phẫu, không có ý nghĩa bệnh lý.", NORMAL),
    # pulmonary edema: the nephrology reader's fluid overload
    (f"{BODY} Hình ảnh quá tải dịch.", LUNG),
    (f"{BODY} Dấu hiệu quá tải tuần hoàn hai phổi.", LUNG),
    # atrial enlargement: the left atrium's arc and the carina it spreads
    (f"{BODY} Cung nhĩ trái phồng.", HEART),
    (f"{BODY} Góc carina mở rộng.", HEART),
    # apical pleural thickening: the apical cap
    (f"{BODY} Chóp màng phổi đỉnh phải dày.", PLEURA),
    (f"{BODY} Mũ màng phổi vùng đỉnh trái dày.", PLEURA),
    # abbreviations: "dầy", the older spelling of "dày"
    (f"{BODY} Màng phổi hai bên không dầy.", NORMAL),
    (f"{BODY} Dầy màng phổi đáy trái.", PLEURA),
    # pack.yaml admin_patterns: a polyclinic's letterhead abbreviated
    (f"PKĐK Q.10 — KẾT QUẢ XQ PHỔI\n{BODY}", NORMAL),
    (f"PKDK QUAN 3 - PHIEU KET QUA\n{BODY}", NORMAL),
]
GUARDS = [
    (f"{BODY} Các cung xương sườn liên tục.", NORMAL),
    (f"{BODY} Không thấy dấu hiệu quá tải dịch.", NORMAL),
    (f"{BODY} Catheter lọc máu, tràn khí màng phổi phải.", PLEURA),
    (f"{BODY} Nốt mờ nhỏ đáy phải.", LUNG),
]


@pytest.mark.parametrize("text, expected", CLASSES + GUARDS)
def test_wording_families_of_unread_writers(vi, text, expected):
    _check(vi, text, expected)


# findings_s6_via.yaml nodule exclude: an opacity the reader places on the nipple is never labelled a nodule
@pytest.mark.parametrize("text", [
    f"{BODY} Nốt mờ nhỏ đáy trái trùng vị trí núm vú.",
    f"{BODY} Nốt mờ tròn đáy phải trùng với núm vú.",
])
def test_a_nodule_on_the_nipple_is_not_labelled(vi, text):
    result = vi(text)
    assert not (result.method in ("template", "rule") and _regions(result)[2]), (text, result.findings)


# sentences.py _CHAT and pack.yaml admin_patterns: a reading pasted from a chat, each line behind its time and speaker;
# the sending and sign-off messages are no reading, and a speaker's name is never read as a word ("Hang", "Tam")
CHAT = [
    ("[08:15] Lan: Dạ em gửi kq phim phổi bn Tr.T.H (45t) ạ\n[08:16] Lan: phổi hai bên sáng\n"
     "[08:16] Lan: tim không to\n[08:17] Lan: góc sườn hoành hai bên nhọn\n[08:18] Lan: chị xem thêm lâm sàng nhé",
     NORMAL),
    ("[14:02] Minh: kq xq ngực bn L.V.T 70 tuổi nè chị\n[14:03] Minh: tràn dịch màng phổi trái lượng ít\n"
     "[14:03] Minh: tim không to\n[14:05] Minh: có gì chị nhắn em", PLEURA),
    ("[21:40] BS Hang: anh oi phim phoi bn N.V.B (33 t) em doc roi\n[21:41] BS Hang: phoi sang\n"
     "[21:41] BS Hang: tim khong to\n[21:42] BS Hang: goc suon hoanh nhon", NORMAL),
    ("[07:05] Tam: hai phổi sáng\n[07:05] Tam: bóng tim to\n[07:06] Tam: phim gốc em gửi qua PACS rồi ạ", HEART),
]


@pytest.mark.parametrize("text, expected", CHAT)
def test_a_reading_pasted_from_a_chat(vi, text, expected):
    _check(vi, text, expected)


# sentences.py _TABLE_CELL: a table row pasted from a word processor whose first cell is a known header reads as that
# header: the clinical question is skipped, the findings rows read
TABLE = [
    ("| Kỹ thuật | X quang ngực thẳng |\n| Lâm sàng | sốt, ho, nghi viêm phổi |\n| Phổi | Hai phổi sáng. |\n"
     "| Tim | Tim không to. |\n| Màng phổi | Góc sườn hoành nhọn. |", NORMAL),
    ("| Lâm sàng | sốt, đau ngực phải, nghi viêm phổi |\n| Phổi | Hai phổi sáng. |\n| Tim | Tim không to. |\n"
     "| Màng phổi | Tràn dịch màng phổi phải lượng ít. |", PLEURA),
]


@pytest.mark.parametrize("text, expected", TABLE)
def test_a_table_row_reads_its_first_cell_as_its_header(vi, text, expected):
    _check(vi, text, expected)


# findings_s6_via.yaml specifies (pack.py merges a later file's specifies): the shadow of pleural fluid the sentence
# describes is the fluid, no lung density; an opacity in a sentence of its own is still read
FLUID_SHADOW = [
    (f"{BODY} Tràn dịch màng phổi phải lượng vừa, mờ đến 1/2 phế trường phải.", PLEURA),
    (f"{BODY} Tràn máu màng phổi trái, mờ đều đáy phổi trái.", PLEURA),
    (f"{BODY} Tràn dịch màng phổi trái. Mờ đều đáy phổi phải.", (0, 1, 1, 0, 1)),
]


@pytest.mark.parametrize("text, expected", FLUID_SHADOW)
def test_the_shadow_of_pleural_fluid_is_the_fluid(vi, text, expected):
    _check(vi, text, expected)


MORE_CLASSES = [
    # findings_s6_via.yaml soft tissue mass: "mô mềm" is "phần mềm", a soft-tissue mass over the breast is the wall's
    (f"{BODY} Khối mờ mô mềm bờ rõ chồng lên vùng vú trái.", WALL),
    (f"{BODY} Khối mô mềm thành ngực phải.", WALL),
    # mass sites (loc breast): a mass the sentence places over the breast is the breast's soft tissue
    (f"{BODY} Khối mờ tròn bờ đều chồng lên vùng vú phải, không nằm trong phổi.", WALL),
    # unspecified abnormality exclude: "bất thường" after a predicate is its adverb, no unnamed finding of the section
    ("Phổi hai bên sáng. Tim không to.\nHoành: Vòm hoành trái nâng cao bất thường.", DEVICE),
    # loculated fissural effusion: fluid in a fissure without "tràn"
    (f"{BODY} Dịch khu trú rãnh liên thuỳ phải.", PLEURA),
    (f"{BODY} Có dịch ở rãnh liên thuỳ bé.", PLEURA),
    # aortic aneurysm: the aorta and its segment named before the aneurysm
    (f"{BODY} ĐMC xuống phình dạng thoi.", HEART),
    (f"{BODY} Động mạch chủ ngực phình.", HEART),
    # aortic button enlargement: the knob's prominence
    (f"{BODY} Núm động mạch chủ nổi rõ.", HEART),
    (f"{BODY} Nút ĐMC phồng.", HEART),
    # pack.yaml admin_patterns: a dictated report's start and end words
    (f"Bat dau doc.\n{BODY}\nKet thuc doc.", NORMAL),
    # sentences.py _BULLET: an arrow marks a bullet, its field header read as a dash's ("→ TIM: ...")
    ("PHIẾU KẾT QUẢ\n→ TIM: KHI QUAN THANG, TRUNG THAT O DUONG GIUA.\n→ PHOI: HAI PHOI SANG.\n"
     "→ MANG PHOI: GOC SUON HOANH HAI BEN NHON.", NORMAL),
]
MORE_GUARDS = [
    (f"{BODY} Khối mờ đáy phổi phải.", LUNG),
    (f"{BODY} Không thấy tổn thương bất thường.", NORMAL),
    ("→ Tràn dịch màng phổi trái lượng ít.\n→ Tim không to.", PLEURA),
]


@pytest.mark.parametrize("text, expected", MORE_CLASSES + MORE_GUARDS)
def test_more_wording_families_of_unread_writers(vi, text, expected):
    _check(vi, text, expected)


# engine._correct_word: a word typed with its first two letters swapped is the vocabulary word they spell ("gnày" is
# "ngày"), never a finding word one letter away with the same first letter ("gãy")
@pytest.mark.parametrize("text", [
    "bn nam 60t ho lâu gnày XQ phổi hai bên sáng, tim không to",
    f"{BODY} Ho kéo dài nhiều gnày.",
])
def test_swapped_first_letters_read_the_word_they_spell(vi, text):
    result = vi(text)
    assert not (result.method in ("template", "rule") and _regions(result)[0]), (text, result.findings)
