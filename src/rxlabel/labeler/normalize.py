"""Text normalisation that keeps character offsets into the original text.

Every function here maps a string to a string of the *same length*, so a span found in the
normalised key is the same span in the original (NFC) text. Length-changing steps (NFC, decoding)
happen once, at the reader, before offsets exist.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Callable
from functools import cache

# Language-specific, length-preserving normalisers (old/new Vietnamese tone placement, ...).
LANG_NORMALIZERS: dict[str, str] = {"vi": "rxlabel.labeler.orthography_vi:normalize_vi"}

_PUNCT_FOLD = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u2022": "-", "\u00b7": "-",
    "\t": " ", "\r": "\n",
}


def _build_strip_table() -> dict[int, str]:
    """One-to-one map from accented letters to their base letter (á->a, ệ->e, đ->d, ñ->n)."""
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x2000):
        ch = chr(code)
        decomposed = unicodedata.normalize("NFD", ch)
        base = decomposed[0]
        if len(decomposed) > 1 and all(unicodedata.combining(c) for c in decomposed[1:]) and base.isascii():
            table[code] = base
    for src, dst in {"đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"}.items():
        table[ord(src)] = dst
    return table


_FOLD_MAP = dict(_PUNCT_FOLD)
_STRIP_MAP = {chr(k): v for k, v in _build_strip_table().items()}
_FOLD_STRIP_MAP = {**_FOLD_MAP, **{k: _STRIP_MAP.get(v, v) for k, v in _FOLD_MAP.items()}, **_STRIP_MAP}
# Most report text is ASCII: a regex that visits only the other characters beats str.translate.
_SPECIAL = re.compile(r"[^\x00-\x08\x0a-\x0c\x0e-\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


# De-identification placeholders ("[NOMBRE]", "XXXX", "***", "<PATIENT>") are blanked in the key so
# they neither match nor get "corrected" into a finding word.
_DEID = re.compile(r"\[[^\]\n]{1,40}\]|\bx{3,}\b|\*{3,}|<[a-z_ ]{2,30}>")


def blank_placeholders(key: str) -> str:
    """Replace de-identification placeholders with spaces (same length)."""
    # Each branch of _DEID needs one of these: "x" alone is in most Spanish reports ("tórax"), "xxx" in none.
    if "[" not in key and "xxx" not in key and "***" not in key and "<" not in key:
        return key
    return _DEID.sub(lambda m: " " * len(m.group()), key)


def _mapper(table: dict[str, str]) -> Callable[[re.Match], str]:
    get = table.get
    return lambda m: get(m.group(), m.group())


_fold_sub = _mapper(_FOLD_MAP)
_strip_sub = _mapper(_STRIP_MAP)
_fold_strip_sub = _mapper(_FOLD_STRIP_MAP)


def to_nfc(text: str) -> str:
    """Compose decomposed diacritics (NFD text, Windows-1258 combining tones) into NFC."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case and fold typographic punctuation, keeping the length."""
    return _SPECIAL.sub(_fold_sub, _lower(text))


def _lower(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # rare: 'İ' lowers to two code points
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered


def strip_diacritics(text: str) -> str:
    """Remove accents and tone marks one character for one (cardiomegália -> cardiomegalia)."""
    return _NON_ASCII.sub(_strip_sub, text)


@cache
def lang_normalizer(lang: str) -> Callable[[str], str] | None:
    """The language's own length-preserving normaliser, or None."""
    target = LANG_NORMALIZERS.get(lang)
    if target is None:
        return None
    module_name, attr = target.split(":")
    return getattr(importlib.import_module(module_name), attr)


def make_key(text: str, lang: str, diacritics_insensitive: bool) -> str:
    """The matching key of ``text``: folded, language-normalised, optionally accent-free.

    The key has the same length as ``text`` so offsets carry over.
    """
    norm = lang_normalizer(lang)
    if norm is None and diacritics_insensitive:
        return blank_placeholders(_SPECIAL.sub(_fold_strip_sub, _lower(text)))
    key = fold(text)
    if norm is not None:
        normalised = norm(key)
        if len(normalised) == len(key):
            key = normalised
    if diacritics_insensitive:
        key = strip_diacritics(key)
    return blank_placeholders(key)
