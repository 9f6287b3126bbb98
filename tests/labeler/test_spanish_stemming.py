"""Stemmed matching keys (labeler/stemming.py) against PadChest's own preprocessing."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from rxlabel.labeler.stemming import is_stop_word, padchest_report, padchest_stems, stem_words
from tests.conftest import SHARED

GR = SHARED / "es" / "padchest_gr" / "padchest_gr_master_table.csv"
ROWS = SHARED / "es" / "padchest" / "padchest_rows_from_authors_notebook.csv"


def test_reproduces_padchest_report_text():
    # Sentences as PadChest's Report column shows them (physician rows of the authors' notebook).
    assert padchest_report("No se aprecian infiltrados ni condensaciones pulmonares.") == \
        "no apreci infiltr ni condens pulmonar ."
    assert padchest_report("Sin hallazgos patológicos para la edad del paciente.") == "sin hallazg patolog edad pacient ."
    assert padchest_report("No se identifica imagen de condensación ni opacidades pulmonares de entidad "
                           "significativa. Silueta cardiomediastínica dentro de límites normales.") == \
        "no identif imag condensacion ni opac pulmonar entid signific . siluet cardiomediastin dentr limit normal ."


def test_stop_words_are_dropped_but_negations_and_con_kept():
    assert padchest_stems(["no", "se", "observa", "derrame", "sin", "ni", "con", "de", "la"]) == \
        ["no", None, "observ", "derram", "sin", "ni", "con", None, None]
    # PadChest stripped accents before filtering: "si" and "mas" survive ("masa" stems to "mas").
    assert not is_stop_word("si", "es") and not is_stop_word("mas", "es")
    assert padchest_stems(["masa"]) == ["mas"]


def test_keys_are_a_fixed_point():
    words = ["pulmonares", "pulmonar", "condensaciones", "condensacion", "marcapasos", "hilios", "dudosa"]
    once = stem_words(words, "es")
    assert stem_words(once, "es") == once
    # The key of a raw word equals the key of PadChest's stem of it.
    assert stem_words(padchest_stems(words), "es") == once
    assert stem_words(["pulmonares"], "es") == stem_words(["pulmonar"], "es") == ["pulmon"]


def test_a_cue_made_only_of_stop_words_keeps_its_words():
    assert stem_words(["pero"], "es") == ["per"]
    assert stem_words(["pero", "derrame"], "es") == [None, "derram"]


def test_accents_and_case_do_not_change_keys():
    assert stem_words(["Cardiomegália", "NEUMOTÓRAX"], "es") == stem_words(["cardiomegalia", "neumotorax"], "es")


def test_unsupported_language_is_a_clear_error():
    with pytest.raises(ValueError, match="no stemmer for language 'vi'"):
        stem_words(["tràn", "dịch"], "vi")


def test_stemming_padchest_stems_again_is_stable_on_real_sentences():
    """Every PadChest-GR sentence: keys of its raw words == keys of its PadChest-stemmed words."""
    if not GR.exists():
        pytest.skip(f"{GR} is absent (PadChest-GR is read from ../shared/data only)")
    sentences = pd.read_csv(GR).sentence_es.dropna().unique()
    assert len(sentences) > 2000
    for sentence in sentences:
        raw = re.findall(r"[^\W_]+", sentence.lower())
        stemmed = padchest_report(sentence).replace(" .", "").split()
        assert [k for k in stem_words(raw, "es") if k] == stem_words(stemmed, "es"), sentence


def test_real_report_tokens_are_already_fixed_points_or_converge():
    if not ROWS.exists():
        pytest.skip(f"{ROWS} is absent (PadChest is read from ../shared/data only)")
    tokens = [t for report in pd.read_csv(ROWS).Report for t in re.findall(r"[^\W_]+", report)]
    keys = stem_words(tokens, "es")
    assert None not in keys  # PadChest already dropped its stop words; none comes back as one
    assert stem_words(keys, "es") == keys
