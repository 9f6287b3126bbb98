"""Vietnamese documents that carry a report (session 9, vi-f): an HIS export of field-separated segments and a
discharge summary quoting the film (labeler/docformat.py, rules/vi/layout.yaml ``records`` / ``quoted_film``).
Cases written for the class; each fails without the pre-pass (segments, codes, history and diagnosis fields would be
read as sentences of the report).
"""

from __future__ import annotations

import pytest

from rxlabel import labeler
from rxlabel.labeler import Labeler
from rxlabel.labeler.docformat import DocFormat, apply_edits
from rxlabel.schema import REGION_COLUMNS


@pytest.fixture(scope="module")
def vi() -> Labeler:
    return labeler.load("vi")


def _regions(result) -> dict[str, int]:
    return {r: int(result.regions.get(r, 0) != 0) for r in REGION_COLUMNS}


def _flags(*names: str) -> dict[str, int]:
    out = dict.fromkeys(REGION_COLUMNS, 0)
    for n in names:
        out[n] = 1
    return out


def _formats(result) -> list[str]:
    return [e["rule"] for e in result.evidence if str(e.get("rule", "")).startswith("docformat:")]


# -- HIS exports: segments and field codes ----------------------------------------------------------------------

HL7_HEAD = ("MSH|^~\\&|RIS|BV|HIS|NOITRU|202501031015||ORU^R01|11223|P|2.3\n"
            "PID|1||55443322||Tran Van Binh||19600505|M\n"
            "OBR|1|CD2211||CHUP^Chụp X-quang ngực thẳng|||202501031015\n")


@pytest.mark.parametrize("text, flags", [
    (HL7_HEAD + "NTE|1||Lâm sàng: theo dõi viêm phổi, tràn dịch màng phổi\n"
     "OBX|1|TX|MOTA^Mô tả|1|Tim không to~Hai phổi sáng~Góc sườn hoành hai bên nhọn||||||F\n"
     "OBX|2|TX|KL^Kết luận|1|Không thấy bất thường trên phim||||||F", _flags()),
    (HL7_HEAD + "OBX|1|TX|MOTA^Mô tả|1|Bóng tim to, chỉ số tim ngực 0,6~Hai phổi sáng||||||F\n"
     "OBX|2|TX|KL^Kết luận|1|Bóng tim to||||||F", _flags("cardio", "abnormal")),
    ("#KQ_XQ|4411|03/01/2025|XQ NGUC THANG\n"
     "CDLS|Theo doi tran dich mang phoi|\n"
     "KQ|01|XUONG|Khung xuong binh thuong|\n"
     "KQ|02|MANGPHOI|Tran dich mang phoi phai luong it|\n"
     "KQ|03|NHUMO|Hai phoi sang|\n"
     "KQ|99|KL|Tran dich mang phoi phai|\n"
     "KQ|BS|Le Van An|", _flags("pleura", "abnormal")),
    ("#KQ_XQ|4412|04/01/2025|XQ NGỰC THẲNG\n"
     "CDLS|Ho kéo dài, nghi lao phổi|\n"
     "KQ|01|XUONG|Không thấy tổn thương xương|\n"
     "KQ|03|NHUMO|Nhu mô hai phổi không thấy tổn thương|\n"
     "KQ|04|TIM_TT|Tim không to|\n"
     "KQ|99|KL|Hiện chưa thấy bất thường|", _flags()),
])
def test_records_read_the_free_text_fields(vi: Labeler, text: str, flags: dict[str, int]) -> None:
    result = vi(text)
    assert result.method in ("rule", "template"), result.review_reasons
    assert _regions(result) == flags
    assert "docformat:records" in _formats(result)


@pytest.mark.parametrize("line, expected", [
    ("PID|1||123||Nguyen Van A||19700101|M", ""),  # a dropped segment: blank
    ("OBX|1|TX|MOTA^Mô tả|1|Tim không to~Phổi sáng||||||F", "Mô tả: Tim không to\nPhổi sáng"),
    ("KQ|99|KL|Bình thường|", "kl: Bình thường"),
    ("KQ|BS|Tran Thi B|", ""),  # the signing doctor: a drop code blanks the line
])
def test_record_line_shapes(vi: Labeler, line: str, expected: str) -> None:
    doc: DocFormat = vi._layout.doc
    text = line + "\nKQ|01|X|y|"
    edits, names = doc.edits(text)
    assert names == ["records"]
    out = apply_edits(text, edits)
    assert len(out) == len(text)
    first = out[:len(line)]
    assert "\n".join(" ".join(x.split()) for x in first.splitlines() if x.strip()) == expected


@pytest.mark.parametrize("text", [
    "Tim không to | phổi sáng",  # one bar inside a sentence: not an export
    "KQ|01|XUONG|Khung xuong binh thuong|",  # one segment line only
])
def test_records_need_two_segment_lines(vi: Labeler, text: str) -> None:
    assert vi._layout.doc.edits(text) == ([], [])


# -- a discharge summary quoting the film -----------------------------------------------------------------------

@pytest.mark.parametrize("text, flags", [
    ("Giấy ra viện - tóm tắt: Bệnh nhân nam 60 tuổi, vào viện vì ho, sốt. Tiền sử: lao phổi cũ, tăng huyết áp. "
     "Cận lâm sàng: CRP tăng; X-quang ngực thẳng (02/01): hai phổi sáng, không tràn dịch, tim không to => "
     "bình thường. Chẩn đoán ra viện: Viêm phế quản cấp / theo dõi viêm phổi. Điều trị: kháng sinh.", _flags()),
    ("TÓM TẮT BỆNH ÁN. Bệnh nhân nữ 70 tuổi, vào viện vì khó thở. Tiền sử: suy tim. Khám lúc vào: HA 140/90, "
     "SpO2 92%. Cận lâm sàng: XQ tim phổi (05/02): bóng tim to, tràn dịch màng phổi phải lượng ít => tim to, "
     "TDMP phải. Chẩn đoán ra viện: Suy tim mạn. Điều trị: lợi tiểu.", _flags("pleura", "cardio", "abnormal")),
    ("Tom tat qua trinh dieu tri. Benh nhan nam 45 tuoi, vao vien vi dau nguc sau nga. Can lam sang: "
     "Phim nguc thang (10/03): gay cung sau xuong suon 6 phai, khong tran khi mang phoi => gay xuong suon 6 phai. "
     "Chan doan ra vien: Gay xuong suon. Dieu tri: giam dau.", _flags("chest_wall", "abnormal")),
])
def test_quoted_film_reads_only_the_quotation(vi: Labeler, text: str, flags: dict[str, int]) -> None:
    result = vi(text)
    assert result.method in ("rule", "template"), result.review_reasons
    assert _regions(result) == flags
    assert "docformat:quoted_film" in _formats(result)


@pytest.mark.parametrize("text", [
    "X-quang ngực thẳng: tim không to, hai phổi sáng.",  # a report, not a document that quotes one
    "Giấy ra viện - tóm tắt: Bệnh nhân nam 50 tuổi, vào viện vì đau bụng. Chẩn đoán ra viện: Viêm dạ dày.",  # no film
])
def test_quoted_film_leaves_other_texts(vi: Labeler, text: str) -> None:
    assert vi._layout.doc.edits(text) == ([], [])


# -- a form that carries the reading among its own fields -------------------------------------------------------

@pytest.mark.parametrize("text, flags", [
    ("PHIẾU KẾT QUẢ X-QUANG - KHÁM SỨC KHỎE THỊ THỰC\nMã hồ sơ: TT-1020 / Nước đến: Úc / Tuổi: 40\n"
     "Phim: thẳng sau-trước\nMô tả:\n  Hai phổi sáng, không thấy nốt hay hang\n  Tim không to\n"
     "Nhận định: Chưa thấy bất thường.\nMã 3 - Bất thường nghi lao\nBS đọc phim: L.V.A", _flags()),
    ("PHIẾU KẾT QUẢ X-QUANG - KHÁM SỨC KHỎE THỊ THỰC\nMã hồ sơ: TT-1021 / Nước đến: Canada / Tuổi: 58\n"
     "Mô tả:\n  Tràn dịch màng phổi trái lượng ít\n  Tim không to\nNhận định: Tràn dịch màng phổi trái.\n"
     "Phân loại: B2 - nghi lao phổi\nBS: N.T.H", _flags("pleura", "abnormal")),
    ("BẢN ĐỌC PHIM PHỤC VỤ GIÁM ĐỊNH THƯƠNG TÍCH\nSố hồ sơ: 12/GĐ-2024\nNgười được giám định: nam, 35 tuổi\n"
     "Tóm tắt vụ việc: đương sự bị đánh vào ngực, nghi gãy xương sườn, tràn khí màng phổi\n"
     "Mô tả tổn thương:\n  a) Xương: Các cung sườn liên tục.\n  b) Màng phổi: Không tràn khí màng phổi.\n"
     "Kết luận giám định hình ảnh: Không phát hiện tổn thương trên phim.\n"
     "Ghi chú: tỷ lệ tổn thương do hội đồng giám định xác định.", _flags()),
    ("PHIEU MO TA TON THUONG TREN PHIM - GIAM DINH BAO HIEM\nSo ho so: 77/BH-2024\nNguoi duoc giam dinh: nu, 60 tuoi\n"
     "Tom tat vu viec: nga xe may, dap nguc phai\nMo ta ton thuong:\n  1. Xuong: Gay cung truoc xuong suon 5 phai.\n"
     "  2. Mang phoi: Khong tran dich.\nKet luan giam dinh hinh anh: Gay xuong suon 5 phai.",
     _flags("chest_wall", "abnormal")),
])
def test_form_reads_only_the_film_fields(vi: Labeler, text: str, flags: dict[str, int]) -> None:
    result = vi(text)
    assert result.method in ("rule", "template"), result.review_reasons
    assert _regions(result) == flags
    assert "docformat:form" in _formats(result)


@pytest.mark.parametrize("text", [
    "Khám sức khỏe visa.\nTim không to.\nHai phổi sáng.",  # no fields of the form's own
    "GIÁM ĐỊNH\nSố hồ sơ: 1\nNgười được giám định: nam\nGhi chú: không có phim.",  # no field of the film
])
def test_form_needs_its_fields_and_a_film_field(vi: Labeler, text: str) -> None:
    assert vi._layout.doc.edits(text) == ([], [])


# -- a slip read twice: the agreed reading alone ----------------------------------------------------------------

@pytest.mark.parametrize("text, flags", [
    ("PHIẾU ĐỌC KÉP\nĐọc lần 1 - BS A:\n  + Nghi nốt mờ đỉnh phổi phải.\nĐọc lần 2 - BS B: không đồng ý, là chỗ bắt "
     "chéo xương sườn và xương đòn.\nKết luận thống nhất: Phim phổi bình thường.", _flags()),
    ("Đọc lần 1: Không thấy bất thường.\nĐọc lần 2: Tràn khí màng phổi trái lượng ít.\n"
     "Kết luận sau hội chẩn: Tràn khí màng phổi trái lượng ít.", _flags("pleura", "abnormal")),
    ("Mô tả: Nghi đám mờ đáy phổi phải.\nKết luận: Theo dõi viêm phổi đáy phải.\n"
     "Kết luận đã sửa lại: Không thấy tổn thương nhu mô, bóng mờ do mô mềm vú.", _flags()),
])
def test_final_reading_settles_the_readings(vi: Labeler, text: str, flags: dict[str, int]) -> None:
    result = vi(text)
    assert result.method in ("rule", "template"), result.review_reasons
    assert _regions(result) == flags
    assert "docformat:final_reading" in _formats(result)


def test_final_reading_needs_its_field(vi: Labeler) -> None:
    assert vi._layout.doc.edits("Mô tả: Tim không to.\nKết luận: Bình thường.") == ([], [])


# -- texting spellings of "không" (rules/vi/findings_s9_vif.yaml) -------------------------------------------------

@pytest.mark.parametrize("text", [
    "Hok thấy tràn dịch màng phổi.",
    "Khg thấy tràn dịch màng phổi.",
    "hok co tran dich mang phoi",
])
def test_texting_negation(vi: Labeler, text: str) -> None:
    assert _regions(vi(text))["pleura"] == 0


# -- an AI triage line and the doctor's confirmation ------------------------------------------------------------

@pytest.mark.parametrize("text, flags", [
    ("Kết quả AI: Bất thường - nghi tràn dịch màng phổi phải (điểm 0,91)\nBS xác nhận: Đồng ý",
     _flags("pleura", "abnormal")),
    ("Kết quả AI: nghi nốt mờ phổi trái (0,62)\nBS xác nhận: Không đồng ý, hai phổi sáng, không thấy nốt mờ.",
     _flags()),
    ("Kết quả AI: nghi tràn khí màng phổi trái\nBác sĩ kết luận: không đồng ý. Không thấy tràn khí màng phổi.",
     _flags()),
    ("Gợi ý của phần mềm AI: nghi đông đặc thùy dưới phổi phải\nBS xác nhận: Đồng ý, đông đặc thùy dưới phổi phải.",
     _flags("parenchyma", "abnormal")),
])
def test_triage_confirmed_or_rejected(vi: Labeler, text: str, flags: dict[str, int]) -> None:
    result = vi(text)
    assert result.method in ("rule", "template"), result.review_reasons
    assert _regions(result) == flags
    assert "docformat:triage_confirmed" in _formats(result)
