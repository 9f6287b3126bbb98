"""s11-vifmt: research CRF sections (docformat ``crf``) and SMS one-liners (below).

CRF: a research CRF's X-ray section (labeler/docformat.py ``crf``, rules/vi/layout.yaml ``crf``).

The study title ("NGHIÊN CỨU: ... viêm phổi ..."), the visit, the code legend, the monitor / query notes and the
coded region fields ticked or coded present are blanked; the description and conclusion fields, a conclusion
variable ("XQ_KETLUAN=...") and the free text of an other-findings / devices field are read; a region field coded
or ticked absent reads as a negation. Cases written for the class; each fails without the extractor.
"""

from __future__ import annotations

import pytest

from rxlabel.labeler import Labeler
from rxlabel.labeler.pack import load_pack
from rxlabel.schema import REGION_COLUMNS


@pytest.fixture(scope="module")
def lab() -> Labeler:
    return Labeler(load_pack("vi"))


def _auto(lab: Labeler, text: str) -> dict[str, int] | None:
    res = lab(text, "t")
    if res.method not in ("template", "rule") or res.rejected:
        return None
    return {r: int(res.regions.get(r, 0) != 0) for r in REGION_COLUMNS}


NORMAL = dict.fromkeys(REGION_COLUMNS, 0)


def _flags(*names: str) -> dict[str, int]:
    return {**NORMAL, **dict.fromkeys(names, 1), "abnormal": 1}


HEAD = ("NGHIÊN CỨU: Đánh giá viêm phổi và lao phổi ở người cao tuổi\n"
        "Mã đối tượng: 11-905   |   Lần thăm: V1 (tuần 4)\n"
        "Phần 5 – X-QUANG NGỰC\n"
        "F1. Ngày chụp: 09/05/2024\n")
LEGEND = "(Mã hóa: 0 = Không; 1 = Có; 9 = Không rõ)\n"
TAIL = "Ghi chú CRA: đã đối chiếu hồ sơ gốc.\nQuery #17: đã giải quyết.\nNgười điền: NCV K. L   Ngày nhập: 11/05/2024"

CASES = [
    # a study title naming diseases is no finding; ticked-absent regions and a normal conclusion read normal
    ("ticks_normal", HEAD + "F2. Tổn thương nhu mô phổi: ☒ Không  ☐ Có\nF3. Màng phổi: ☒ Không  ☐ Có\n"
     "F4. Tim - mạch máu lớn: ☒ Không  ☐ Có\nF5. Bất thường khác / dụng cụ: —\n"
     "F6. Kết luận XQ (nguyên văn): Tim phổi bình thường.\n" + TAIL, NORMAL),
    # coded fields with a legend: [0] reads absent, a region coded [1] is told by its description
    ("codes_positive", HEAD + LEGEND + "F2. Tổn thương nhu mô phổi: [0]\nF3. Màng phổi (dịch/khí/dày): [1]\n"
     "    F3a. Mô tả: tù góc sườn hoành phải do tràn dịch lượng ít\nF4. Tim - mạch máu lớn: [0]\n"
     "F5. Bất thường khác / dụng cụ: không ghi nhận\n"
     "F6. Kết luận của BS đọc phim (chép nguyên văn): \"Tràn dịch màng phổi phải lượng ít\"\n" + TAIL,
     _flags("pleura")),
    # a variable export: the conclusion variable is read, the coded region variables are blanked
    ("variables", HEAD + "XQ_CHATLUONG=1\nXQ_NHUMO=0\nXQ_MANGPHOI=0\nXQ_TIM_TT=1\n"
     "XQ_KETLUAN=\"Bóng tim to, chỉ số tim ngực 0,58\"\n" + TAIL, _flags("cardio")),
    # the free text of the devices field is read; the title's "lao" is not
    ("device_field", HEAD + "F2. Tổn thương nhu mô phổi: ☒ Không  ☐ Có\n"
     "F3. Bất thường khác / dụng cụ: ống dẫn lưu màng phổi trái\n"
     "F4. Kết luận XQ (nguyên văn): Dẫn lưu màng phổi trái, hai phổi sáng.\n" + TAIL, {**NORMAL, "abnormal": 1}),
]

GUARDS = [
    # a plain report stays as it is
    ("plain", "Tim không to. Hai phổi sáng. Góc sườn hoành hai bên nhọn.", NORMAL),
    # a report with a numbered finding list and no study fields is not a CRF
    ("numbered_report", "Mô tả:\nA1. Tràn dịch màng phổi trái lượng vừa.\nA2. Tim không to.\n"
     "Kết luận: Tràn dịch màng phổi trái.", _flags("pleura")),
    # a research-consent line alone (no numbered fields) leaves the report as it came
    ("study_mention", "BN tham gia nghiên cứu.\nTim to, CTR 0,6.\nKết luận: tim to.", _flags("cardio")),
]


@pytest.mark.parametrize(("name", "text", "want"), CASES + GUARDS, ids=[c[0] for c in CASES + GUARDS])
def test_s11_vifmt_crf(lab: Labeler, name: str, text: str, want: dict[str, int]) -> None:
    assert _auto(lab, text) == want


# -- SMS: a reading copied from a text message is one unpunctuated run ("kq xq nguc bn nam 45t ... kl ...").
# Its opening ("kq xq ... 45t") is the chat's sending line only when the line ends a few words after the age
# (pack.yaml admin_patterns): a whole reading typed after it is read, not skipped as the sending line. Cases written
# for the class; each fails on main (the reading was skipped: no_match).

SMS_CASES = [
    ("sms_effusion", "kq xq nguc bn nam 45t tran dich mang phoi p luong vua tim ko to kl tdmp p", _flags("pleura")),
    ("sms_marked", "kết quả phim phổi cháu 9t bóng tim to chỉ số tim ngực 0,6 kl tim to", _flags("cardio")),
    ("sms_normal", "kq x quang bn nu 30 tuoi tim ko to phoi 2 ben sang goc suon hoanh nhon kl phim bt", NORMAL),
]

SMS_GUARDS = [
    # the chat's sending line alone is still administrative; the reading below it is read
    ("sending_line", "kq xq ngực bn T.V.Đ 66 tuổi nè anh\nTràn khí màng phổi trái.", _flags("pleura")),
    ("sending_short", "Kq phim phổi bn nữ 40t ạ\nTim không to. Hai phổi sáng.", NORMAL),
    # a run that carries the clinical question cannot be read in part: it stays queued, never a label
    ("sms_with_question", "kq xq bn nam 50t vao vi sot ho nghi viem phoi phim ko thay dam mo tim ko to kl phim bt", None),
]


@pytest.mark.parametrize(("name", "text", "want"), SMS_CASES + SMS_GUARDS,
                         ids=[c[0] for c in SMS_CASES + SMS_GUARDS])
def test_s11_vifmt_sms(lab: Labeler, name: str, text: str, want: dict[str, int] | None) -> None:
    assert _auto(lab, text) == want


# -- Addenda: a report's block headers ("Bản gốc (09:15) ---", "[BỔ SUNG lúc 10:40]") and an administrative addendum
# ("Bổ sung mã ICD ...", "Đã thông báo kết quả cho BS ...") are administrative (pack.yaml admin_patterns); a finding
# the addendum adds is still read.

ADDENDUM_CASES = [
    ("block_headers", "PHIẾU X-QUANG NGỰC – BẢN ĐÃ BỔ SUNG (ADDENDUM)\nBản gốc (09:15) ---\nTim không to. Hai phổi sáng.\n"
     "[BỔ SUNG lúc 10:40]\nBổ sung thông tin hành chính: sửa năm sinh BN.", NORMAL),
    ("unaccented_headers", "[Ket qua goc - ky so luc 06:05]\nTran dich mang phoi trai luong it.\n[BO SUNG luc 07:30]\n"
     "Da thong bao ket qua cho BS dieu tri luc 07:30.", _flags("pleura")),
]

ADDENDUM_GUARDS = [
    # an addendum that adds a finding is read
    ("addendum_finding", "Bản gốc (09:15) ---\nTim không to. Hai phổi sáng.\n[BỔ SUNG lúc 10:40]\n"
     "Bổ sung: gãy cung sau xương sườn 7 phải.", _flags("chest_wall")),
]


@pytest.mark.parametrize(("name", "text", "want"), ADDENDUM_CASES + ADDENDUM_GUARDS,
                         ids=[c[0] for c in ADDENDUM_CASES + ADDENDUM_GUARDS])
def test_s11_vifmt_addendum(lab: Labeler, name: str, text: str, want: dict[str, int]) -> None:
    assert _auto(lab, text) == want
