"""Vietnamese orthography: tone-mark placement, word-segmentation underscores, legacy encodings.

Two spellings of the same syllable are in daily use: the tone mark on the first vowel of an open
``oa``/``oe``/``uy`` (``hòa``, ``khỏe``, ``thủy``) or on the second (``hoà``, ``khoẻ``, ``thuỷ``).
:func:`normalize_vi` maps both to one form, character for character, so the labeller's offsets into
the original text stay valid. The canonical form puts the mark on the second vowel, the form that
dominates the Vietnamese medical text counted in ``shared/data/vi/orthography_stats_phoner_vimq.tsv``
(e.g. ``hoá`` 280 times, ``hóa`` never).

Before Unicode, Vietnamese was typed in 8-bit font encodings (TCVN3/ABC, VNI). A file in one of
them read as Latin-1, Windows-1252/1258 or UTF-8 gives mojibake (``Kh«ng thÊy trµn dÞch`` for
``Không thấy tràn dịch``) that no rule can label; :func:`detect_legacy_encoding` recognises it so
the row is rejected with a reason instead of being labelled normal.
"""

from __future__ import annotations

import re
import unicodedata

_TONES = {"\u0301", "\u0300", "\u0309", "\u0303", "\u0323"}  # sắc, huyền, hỏi, ngã, nặng


def _split(ch: str) -> tuple[str, str | None]:
    """(base letter with its vowel modifiers, tone mark or None) of one precomposed character."""
    decomposed = unicodedata.normalize("NFD", ch)
    tones = [c for c in decomposed if c in _TONES]
    if not tones:
        return ch, None
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    return base, tones[0]


def _with_tone(base: str, tone: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", base) + tone)


def _build_tone_moves() -> dict[tuple[str, str], tuple[str, str]]:
    """(toned first vowel, bare second vowel) -> (bare first vowel, toned second vowel)."""
    moves: dict[tuple[str, str], tuple[str, str]] = {}
    for first, seconds in (("o", "ae"), ("u", "y")):
        for tone in _TONES:
            for second in seconds:
                for f, s in ((first, second), (first.upper(), second.upper()), (first.upper(), second)):
                    moves[(_with_tone(f, tone), s)] = (f, _with_tone(s, tone))
    return moves


_TONE_MOVES = _build_tone_moves()
_MOVE_FIRST = frozenset(first for first, _ in _TONE_MOVES)
# Letters that make the o/u a medial glide rather than a main vowel; after "q" the u is part of
# the consonant "qu" and Vietnamese puts the mark on the next vowel anyway (quý).
_VOWELS = frozenset("aăâeêioôơuưy")
# Windows users sometimes type Icelandic eth (Ð/ð) for Vietnamese đ: same look, different letter.
_CHAR_FIXES = str.maketrans({"ð": "đ", "Ð": "Đ", "_": " "})


def normalize_vi(text: str) -> str:
    """Length-preserving Vietnamese normalisation of NFC, lower-cased text.

    - tone on the second vowel of ``oa``/``oe``/``uy``: ``hòa`` -> ``hoà``, ``khỏe`` -> ``khoẻ``,
      ``thủy`` -> ``thuỷ``, ``òa`` -> ``oà`` (the two styles then match each other);
    - segmentation underscores become spaces: ``phẫu_thuật`` -> ``phẫu thuật``;
    - Icelandic ``ð`` typed for ``đ`` becomes ``đ``.

    ``len(normalize_vi(s)) == len(s)`` always holds.
    """
    if not text:
        return text
    text = text.translate(_CHAR_FIXES)
    if not _MOVE_FIRST.intersection(text):
        return text
    chars = list(text)
    for i in range(len(chars) - 1):
        pair = (chars[i], chars[i + 1])
        move = _TONE_MOVES.get(pair)
        if move is None:
            continue
        if i > 0 and _split(chars[i - 1].lower())[0] in _VOWELS:
            continue  # "ưòa"-like clusters are not o/u glides; leave them alone
        chars[i], chars[i + 1] = move
    return "".join(chars)


# --- legacy encodings ------------------------------------------------------------------------------

# TCVN3 (ABC) byte -> character, for the lower-case letters and the upper-case base letters; the
# upper-case toned letters share the lower-case codes (they come from a separate "H" font).
_TCVN3_CODES = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
TCVN3_ENCODE = {ch: bytes([code]) for code, ch in _TCVN3_CODES.items()}
TCVN3_DECODE = {code: ch for code, ch in _TCVN3_CODES.items()}

# Characters Vietnamese text never contains (outside quotation marks) but TCVN3 text read as a
# Windows/Latin code page is full of; the ones VNI shares are listed below.
_VI_LETTERS = set("aăâbcdđeêghiklmnoôơpqrstuưvxy" "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
_TCVN3_ONLY = frozenset(
    ch for code in _TCVN3_CODES
    for ch in {bytes([code]).decode("cp1252", "replace"), bytes([code]).decode("cp1258", "replace")}
    if ch.lower() not in _VI_LETTERS and ch.isprintable() and not unicodedata.combining(ch) and ch != "\ufffd"
) - frozenset("åäëïöñøûüæ»")
# VNI writes a base letter followed by a diacritic byte: "aø" (à), "aù" (á), "oâ" (ô), "ö" (ư),
# "ñ" (đ). These characters, or these pairs, never occur in Unicode Vietnamese.
_VNI_CHARS = frozenset("øûïåäëüöñæÖÑ")
# (``oá``/``oà`` are left out: they are also Vietnamese "hoá", "hoà".)
_VNI_PAIR = re.compile(r"[aeo]â|[ae][áàã]|[aeouy][ùõ]|a[êéèúüë]|[ôö][ùøûõï]", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")


def detect_legacy_encoding(text: str) -> str | None:
    """``"TCVN3"`` or ``"VNI"`` when ``text`` looks like legacy Vietnamese bytes read with the wrong code page.

    A signal is a legacy-only character touching a letter (``Kh«ng``, ``trµn``) or a VNI
    letter+diacritic pair (``traøn``); the text is flagged with at least two signals, or one in a
    text of at most three words. Guillemets around a word and a lone ``µm`` do not count.
    """
    if not text:
        return None
    tcvn = vni = 0
    n = len(text)
    for i, ch in enumerate(text):
        in_tcvn, in_vni = ch in _TCVN3_ONLY, ch in _VNI_CHARS
        if not (in_tcvn or in_vni):
            continue
        before = i > 0 and bool(_LETTER.match(text[i - 1]))
        after = i + 1 < n and bool(_LETTER.match(text[i + 1]))
        if ch == "«" and not before:
            continue  # an opening quotation mark, not TCVN3 "ô"
        if ch == "µ" and not before and i + 1 < n and text[i + 1] in "mMgGlL":
            continue  # micrometre, microgram
        if before or after:
            tcvn += in_tcvn
            vni += in_vni
    vni += len(_VNI_PAIR.findall(text))
    words = len(text.split())
    best = max(tcvn, vni)
    if best >= 2 or (best == 1 and words <= 3):
        return "TCVN3" if tcvn >= vni else "VNI"
    return None


# --- encoders used to make test fixtures (legacy files come from old hospital systems) ----------

_VNI_TONE = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_HAT_TONE = {"\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE_TONE = {"\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_VNI_I = {"\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def to_vni(text: str) -> str:
    """``text`` as VNI-Windows font text (what a VNI file shows when read as Windows-1252)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        base, tone = _split(ch)
        low = base.lower()
        upper = base != low
        if low == "đ":
            piece = "ñ"
        elif low in "âêô":
            plain = {"â": "a", "ê": "e", "ô": "o"}[low]
            piece = plain + (_VNI_HAT_TONE[tone] if tone else "â")
        elif low == "ă":
            piece = "a" + (_VNI_BREVE_TONE[tone] if tone else "ê")
        elif low in "ơư":
            piece = {"ơ": "ô", "ư": "ö"}[low] + (_VNI_TONE[tone] if tone else "")
        elif low == "i" and tone:
            piece = _VNI_I[tone]
        elif tone:
            piece = low + _VNI_TONE[tone]
        else:
            piece = low
        out.append(piece.upper() if upper else piece)
    return "".join(out)


def to_cp1258_bytes(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters with vowel marks, tones combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        nfd = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in tones))
        marks = "".join(c for c in nfd if c in tones)
        out.append((base + marks).encode("cp1258"))
    return b"".join(out)


def to_tcvn3_bytes(text: str) -> bytes:
    """``text`` encoded as TCVN3 (ABC) bytes; ASCII passes through, upper-case toned letters use
    the lower-case codes as the TCVN3 "H" fonts do."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch in TCVN3_ENCODE:
            out += TCVN3_ENCODE[ch]
        elif ch.lower() in TCVN3_ENCODE:
            out += TCVN3_ENCODE[ch.lower()]
        elif ord(ch) < 0x80:
            out.append(ord(ch))
        else:
            raise ValueError(f"character {ch!r} has no TCVN3 code")
    return bytes(out)


__all__ = ["detect_legacy_encoding", "normalize_vi", "to_tcvn3_bytes", "to_vni"]
