"""Report layouts the splitter does not read (labeler/layout.py, rules/vi/layout.yaml), session 6 (issue 12).

Each case is written for its class (chat export, word-processor table, HTML/markdown debris, arrow bullets,
checklists, voice dictation), not copied from a dev set; each failed before the layout rewrite.
"""

from __future__ import annotations

import pytest

from rxlabel.labeler.layout import Layout
from rxlabel.labeler.normalize import make_key, to_nfc
from rxlabel.labeler.pack import load_pack


def _regions(result) -> dict[str, int]:
    return {k: v for k, v in result.regions.items() if v}


def _auto(result) -> bool:
    return result.method in ("template", "rule") and not result.rejected and not result.review_reasons


# (report, expected regions other than 0)
CASES = [
    # chat export: a time and speaker before each line; lines talking to the colleague are no finding
    ("[14:20] Minh: anh ơi phim phổi bn nam 50 tuổi em đọc rồi\n[14:21] Minh: khí quản thẳng, trung thất ở đường "
     "giữa\n[14:21] Minh: tràn dịch màng phổi phải lượng ít\n[14:22] Minh: anh xem thêm lâm sàng nha",
     {"pleura": 1, "abnormal": 1}),
    # a messenger export: the sender and time on a line of their own, the message below
    ("Lan, [02.12.25 09:02]\nhai phổi sáng, tràn khí màng phổi trái\nLan, [02.12.25 09:03]\nbóng tim không to",
     {"pleura": 1, "abnormal": 1}),
    # word-processor table: the first cell names the field ("Lâm sàng" is skipped), a rule row is blank
    ("| Kỹ thuật | X quang ngực thẳng |\n|---|---|\n| Lâm sàng | ho, sốt, nghi viêm phổi |\n| Tim | Bóng tim "
     "không to. |\n| Màng phổi | Tràn dịch màng phổi phải lượng ít. |", {"pleura": 1, "abnormal": 1}),
    ("| Lâm sàng | theo dõi tràn khí màng phổi |\n|:--|:--|\n| Phổi | Hai phổi sáng. |\n| Màng phổi | Góc sườn "
     "hoành hai bên nhọn. |", {}),
    # HTML / markdown debris around headers
    ("<b>Chẩn đoán</b>: theo dõi viêm phổi<br><b>Mô tả</b>: hai phổi sáng, góc sườn hoành hai bên nhọn.", {}),
    ("&nbsp;&nbsp;Lâm sàng: ho kéo dài\t\tnghi lao\n**Kết luận:** không thấy bất thường trên phim.", {}),
    # checklists: [x] / (+) present, [ ] / (-) absent, behind a markdown bullet too
    ("[x] Bóng tim to\n[ ] Tràn dịch màng phổi\n[ ] Tràn khí màng phổi\n[ ] Gãy xương sườn",
     {"cardio": 1, "abnormal": 1}),
    ("- [ ] Tràn dịch màng phổi\n- [x] Gãy xương sườn\n- [ ] Bóng tim to", {"chest_wall": 1, "abnormal": 1}),
    ("(+) Tràn dịch màng phổi phải\n(-) Tràn khí màng phổi\n(-) Gãy xương sườn", {"pleura": 1, "abnormal": 1}),
    # option boxes: the ticked option is what the line says, an unticked form line says nothing
    ("Tràn dịch màng phổi: [ ] Có [x] Không\nGãy xương sườn: [ ] Có [x] Không\nBóng tim to: [ ] Có [x] Không", {}),
    ("Kết luận: Bình thường [x] Bất thường [ ]", {}),
    ("Tim: ☐ to ☑ không to\nPhổi: ☑ sáng ☐ có tổn thương", {}),
    ("Tràn dịch màng phổi: Có [ ] Không [ ]\nBóng tim không to.", {}),
    # voice dictation: spoken punctuation is punctuation ("hai chấm" a colon, "xuống dòng" a line end)
    ("bắt đầu đọc xuống dòng lâm sàng hai chấm ho sốt nghi viêm phổi chấm xuống dòng hai phổi sáng phẩy bóng tim "
     "không to chấm hết", {}),
    ("Chẩn đoán lâm sàng hai chấm theo dõi tràn dịch màng phổi chấm xuống dòng góc sườn hoành hai bên nhọn chấm hết",
     {}),
    ("bat dau doc xuong dong lam sang hai cham ho nghi lao cham xuong dong tran dich mang phoi trai cham het",
     {"pleura": 1, "abnormal": 1}),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_layout_classes(vi, text, expected):
    result = vi(text)
    assert _auto(result), result.review_reasons
    assert _regions(result) == expected


# Not layout: words that look like dictated punctuation or a mark in an ordinary report stay words.
KEPT = [
    ("Nốt mờ dạng chấm rải rác hai phổi.", {"parenchyma": 1, "abnormal": 1}),
    ("TDMP (-), TKMP (-). Bóng tim to.", {"cardio": 1, "abnormal": 1}),
    ("[09:02] Tim: bóng tim to.", {"cardio": 1, "abnormal": 1}),
]


@pytest.mark.parametrize(("text", "expected"), KEPT)
def test_layout_leaves_words(vi, text, expected):
    assert _regions(vi(text)) == expected


@pytest.fixture(scope="module")
def layout() -> Layout:
    return Layout.from_pack(load_pack("vi").layout)


@pytest.mark.parametrize("text", [
    "[09:02] BS Lan: tim không to\n| Màng phổi | Không thấy tràn dịch. |\n|---|---|",
    "<b>KẾT LUẬN</b>&nbsp;**Tim:** → tim: [x] Tràn dịch [ ] Tràn khí",
    "tim không to phẩy phổi sáng chấm xuống dòng mở ngoặc hết đóng ngoặc hết",
])
def test_rewrite_keeps_offsets(layout, text):
    text = to_nfc(text)
    key = make_key(text, "vi", False)
    split_text, new_key = layout.rewrite(text, key, lambda name: False)
    assert len(split_text) == len(text) and len(new_key) == len(key)
    assert split_text != text


def test_plain_report_untouched(layout):
    text = "Bóng tim không to. Hai phổi sáng.\n- Màng phổi: bình thường"
    key = make_key(text, "vi", False)
    out_text, out_key = layout.rewrite(text, key, lambda name: False)
    assert out_text is text and out_key is key


def test_spanish_pack_has_no_layout():
    assert not load_pack("es").layout


# Southern and older spellings (rules/vi/findings_s6_vic.yaml abbreviations): read as the northern word.
SPELLINGS = [
    ("Màng phổi hai bên không dầy.", {}),
    ("Dầy thành phế quản hai bên.", {"parenchyma": 1, "abnormal": 1}),
    ("Bịnh nhân nam 60 tuổi, ho kéo dài. Hai phổi sáng, màng phổi không dầy.", {}),
    ("Mầu sắc phim tốt. Tim không to. Màng phổi phải dầy dính.", {"pleura": 1, "abnormal": 1}),
]


@pytest.mark.parametrize(("text", "expected"), SPELLINGS)
def test_southern_spellings(vi, text, expected):
    result = vi(text)
    assert _auto(result), result.review_reasons
    assert _regions(result) == expected


# sentences._lines: a spaced "/" after a line's only word joins two names of one field unless a known header follows.
SLASH_NAMES = [
    ("Nốt / khối phổi: (-)\nTDMP: (-)\nBóng tim không to.", {}),
    ("Not / khoi phoi: (-)\nGãy xương sườn: (-)\nTràn dịch màng phổi phải.", {"pleura": 1, "abnormal": 1}),
    ("FINDINGS / Mô tả: tràn khí màng phổi trái.", {"pleura": 1, "abnormal": 1}),
]


@pytest.mark.parametrize(("text", "expected"), SLASH_NAMES)
def test_slash_inside_field_name(vi, text, expected):
    assert _regions(vi(text)) == expected
