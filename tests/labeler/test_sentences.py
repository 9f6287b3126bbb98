from rxlabel.labeler.normalize import make_key
from rxlabel.labeler.sentences import SplitterConfig, split_report

CONFIG = SplitterConfig(headers=frozenset({"hallazgos", "mo ta hinh anh"}), skip=frozenset({"datos clinicos"}))


def _split(text):
    return [(text[s.start:s.end], s.section, s.bullet, s.skip) for s in split_report(text, make_key(text, "es", True), CONFIG)]


def test_sentences_keep_decimals_and_offsets():
    parts = _split("Nódulo de 2.5 cm en LSD. No se observa derrame.")
    assert [p[0] for p in parts] == ["Nódulo de 2.5 cm en LSD.", "No se observa derrame."]


def test_sections_and_skipped_clinical_history():
    text = "DATOS CLÍNICOS: tos y fiebre. Descartar neumonía.\nHALLAZGOS: Derrame pleural derecho."
    parts = _split(text)
    assert parts[0] == ("tos y fiebre.", "datos clinicos", None, True)
    assert parts[-1] == ("Derrame pleural derecho.", "hallazgos", None, False)


def test_bullets_are_sections_of_their_own():
    text = "Mô tả hình ảnh:\n- Không thấy bất thường xương.\n+ Tràn dịch màng phổi phải.\n1. Bóng tim to."
    parts = _split(text)
    assert [p[2] for p in parts] == [1, 2, 3]
    assert parts[1][0] == "Tràn dịch màng phổi phải."


def test_lines_without_letters_are_dropped():
    assert _split("1.\n\n---\n  \n") == []


def test_blank_line_ends_a_skipped_section_and_headers_may_carry_parentheses():
    parts = _split("DATOS CLÍNICOS: tos.\nfiebre.\n\nRX TÓRAX PA\n\nRx tórax (PA y lateral):\nDerrame.")
    assert [(p[0], p[3]) for p in parts] == [("tos.", True), ("fiebre.", True), ("RX TÓRAX PA", False), ("Derrame.", False)]
    assert parts[-1][1] == "rx torax (pa y lateral)"
