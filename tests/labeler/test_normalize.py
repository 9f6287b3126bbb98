from hypothesis import given
from hypothesis import strategies as st

from rxlabel.labeler.normalize import fold, make_key, strip_diacritics, to_nfc


def test_keys_keep_length_and_offsets():
    text = "Cardiomegália. DERRAME pleural “leve” — Ñandú"
    key = make_key(text, "es", True)
    assert len(key) == len(text)
    start = key.index("derrame pleural")
    assert text[start:start + len("derrame pleural")] == "DERRAME pleural"
    assert key.startswith("cardiomegalia")


def test_strip_diacritics_vietnamese_and_spanish():
    assert strip_diacritics("tràn dịch màng phổi") == "tran dich mang phoi"
    assert strip_diacritics("đường mờ") == "duong mo"
    assert strip_diacritics("neumotórax pequeño") == "neumotorax pequeno"


def test_nfc_composes_decomposed_text():
    decomposed = "tra\u0300n di\u0323ch"
    assert to_nfc(decomposed) == "tràn dịch"


def test_fold_keeps_length_for_odd_case_mappings():
    text = "İstanbul ÇİĞ"
    assert len(fold(text)) == len(text)


@given(st.text(max_size=200))
def test_make_key_is_length_preserving(text):
    for lang, insensitive in (("es", True), ("vi", False), ("en", True)):
        assert len(make_key(to_nfc(text), lang, insensitive)) == len(to_nfc(text))


def test_deidentification_placeholders_are_blanked():
    text = "Paciente [NOMBRE] XXXX, *** <PATIENT_ID>: derrame."
    key = make_key(text, "es", True)
    assert len(key) == len(text)
    from rxlabel.labeler.phrases import tokenize

    assert [w for w, _, _ in tokenize(key)] == ["paciente", "derrame"]
