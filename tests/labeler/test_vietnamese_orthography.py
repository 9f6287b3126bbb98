"""Vietnamese orthography: tone placement, underscores, legacy encodings (labeler/orthography_vi.py)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rxlabel.labeler.normalize import make_key
from rxlabel.labeler.orthography_vi import detect_legacy_encoding, normalize_vi, to_tcvn3_bytes, to_vni

CASES = Path(__file__).resolve().parents[1] / "data" / "labeler" / "vi" / "cases.jsonl"
VI_CHARS = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ _.,-"


@pytest.mark.parametrize("old, new", [
    ("hòa", "hoà"), ("hóa", "hoá"), ("họa", "hoạ"), ("khỏe", "khoẻ"), ("thủy", "thuỷ"), ("òa", "oà"),
    ("úy", "uý"), ("tùy", "tuỳ"), ("vôi hóa quai động mạch chủ", "vôi hoá quai động mạch chủ"),
    ("xẹp thùy dưới", "xẹp thuỳ dưới"), ("ngòai", "ngoài"), ("khủyu", "khuỷu"),
])
def test_both_tone_placements_give_one_spelling(old, new):
    assert normalize_vi(old) == normalize_vi(new) == new


@pytest.mark.parametrize("word", ["hoàn", "hoạt", "của", "mùa", "quý", "thuyết", "nguyên", "ruồi", "tuổi", "hoa", "xoè"])
def test_words_with_one_correct_spelling_are_untouched(word):
    assert normalize_vi(word) == word


def test_segmentation_underscores_and_eth_become_spaces_and_d_bar():
    assert normalize_vi("phẫu_thuật tràn_dịch màng_phổi") == "phẫu thuật tràn dịch màng phổi"
    assert normalize_vi("ðường") == "đường"


@given(st.text(alphabet=VI_CHARS, max_size=60))
def test_length_is_preserved(text):
    text = unicodedata.normalize("NFC", text)
    assert len(normalize_vi(text)) == len(text)


def test_engine_key_uses_vietnamese_normaliser():
    text = "Vôi hóa quai ĐMC, xẹp thùy dưới"
    key = make_key(text, "vi", diacritics_insensitive=False)
    assert len(key) == len(text)
    assert key == "vôi hoá quai đmc, xẹp thuỳ dưới"


REPORT = ("Mô tả hình ảnh:\n- Không thấy bất thường xương lồng ngực.\n- Không thấy hình tràn dịch, tràn khí màng phổi.\n"
          "- Hình dày thành phế quản, dày tổ chức kẽ.\n- Hình tim và trung thất không thấy bất thường.")


@pytest.mark.parametrize("codec", ["latin-1", "cp1252", "cp1258"])
def test_tcvn3_bytes_read_with_a_windows_code_page_are_detected(codec):
    text = unicodedata.normalize("NFC", to_tcvn3_bytes(REPORT).decode(codec, "replace"))
    assert detect_legacy_encoding(text) == "TCVN3"
    assert detect_legacy_encoding(text.lower()) == "TCVN3"


def test_tcvn3_single_words_and_vni_text_are_detected():
    assert detect_legacy_encoding("Kh«ng thÊy") == "TCVN3"
    assert detect_legacy_encoding(to_vni(REPORT)) == "VNI"
    assert detect_legacy_encoding(to_vni("Tràn dịch màng phổi phải")) == "VNI"


@pytest.mark.parametrize("text", [
    REPORT, "Nốt mờ 5 µm", "Kết luận: «bình thường»", "hoá hoà thuỷ khoẻ quá quà", "Bong tim to", "",
    "Derrame pleural derecho. No se observa neumotórax.",
])
def test_unicode_vietnamese_and_other_text_is_not_flagged(text):
    assert detect_legacy_encoding(text) is None


def test_no_case_of_the_test_set_is_flagged():
    with open(CASES, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    flagged = [t for t in texts if detect_legacy_encoding(t) or detect_legacy_encoding(t.lower())]
    assert flagged == []
