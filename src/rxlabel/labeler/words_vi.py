"""Vietnamese word stage: from the tokens of a sentence key to the words the rules read.

Runs after tokenising and before the pack's abbreviations are expanded; every output word keeps the
span of the text it came from, so evidence offsets stay valid. It does five deterministic things:

- **diacritic restoration** (a report typed without an input method): a word with no tone marks
  that the pack does not know is replaced by the one pack word it could be ("tran dich" -> "tràn
  dịch"); a sentence with no diacritic at all is restored word by word, known words included
  ("khong thay" -> "không thấy"). Several readings ("mo": mô / mờ) are decided by the pack's own word
  pairs ("nhu mô", "đám mờ"), else by a clear majority in the pack's text; anything still ambiguous is
  left as typed, so the fuzzy stage sends it to review;
- **glued words** ("khôngthấy", "chủkhông"): a word the pack does not know that is two pack words
  is split in two;
- **structured values**: ``(-)`` reads "âm tính" and ``(+)`` "dương tính"; a "Subject: không" line
  (``không``, ``ko``, ``không có``, ``(-)``, ``âm tính``) reads "Subject âm tính", a post-negation;
- **cardiothoracic ratio** ("CSTN < 0,5", "chỉ số tim-ngực = 0,43", "tỷ lệ tim/lồng ngực khoảng 0,58"):
  below 0.5 reads "chỉ số tim ngực bình thường", 0.53 or more "chỉ số tim ngực tăng"; 0.50-0.52 is left
  as written (borderline: a person decides);
- **ordinals and Roman numerals** opening a sentence ("I.", "iii.", "3/", "2)") are list markers,
  not words.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz.distance import OSA

from rxlabel.labeler.compiled import expand_abbreviations, expand_phrase
from rxlabel.labeler.normalize import strip_diacritics

Token = tuple[str, int, int]

_ROMAN = frozenset("i ii iii iv v vi vii viii ix x".split())
_CUE_HEADS = frozenset({"không", "chưa"})  # negation words a misspelling glued to the next word still reads (_glued_cue)
_ORDINAL_END = re.compile(r"\s*[.)/\-:–]")
_SIGN = re.compile(r"\(\s*([-–+])\s*\)")
_SIDES = frozenset({"2", "hai", "bên", "p", "t", "phải", "trái", "cả"})
_NEG_VALUES = frozenset(strip_diacritics(v) for v in (
    "không", "ko", "k", "không có", "âm tính", "không thấy", "chưa thấy", "chưa có", "âm", "neg", "negative", "không rõ",
    # s9-vir: a form's field answered with a verb of finding denied ("Tổn thương phổi: chưa ghi nhận")
    "chưa ghi nhận", "không ghi nhận", "chưa phát hiện", "không phát hiện", "không thấy gì", "chưa thấy gì"))
# Read on the key without diacritics, so "chi so tim nguc duoi 0,5" is read like "chỉ số tim ngực dưới 0,5".
# "CSN" is the thoracic spine (cột sống ngực, a pack abbreviation) unless a ratio follows it ("CSN < 0,5", "CSN: 0,48"):
# then it is the cardiothoracic ratio typed with a letter dropped
_CTR_HEAD = r"(?:chi\w? so|ty le|ti le|cstn|ctr|csn(?=\s*[:=<>≤≥~]|\s+\d))"
_CTR_TAIL = (r"\s*(?:tim|t)?[\s\-/]*(?:long\s*)?(?:nguc|n)?\s*(?:\(ctr\))?\s*"
             r"[:=~\-]?\s*(?:(?:do duoc|uoc tinh|uoc luong|do)\s*)?(khoang|xap xi|(?:khong|chua) (?:vuot qua|vuot|qua|lon hon|tren)|duoi|tren|nho hon|lon hon|<=|>=|<|>|≤|≥|=|~|≈)?\s*(\d+(?:[.,]\d+)?)")
_CTR = re.compile(_CTR_HEAD + _CTR_TAIL)
_DIAMETER = r"(?:duong kinh|dk)\s*(?:ngang\s*)?"
_DIAMETERS = re.compile(_DIAMETER + r"(?:bong\s*)?tim\s*[:=]?\s*(\d+(?:[.,]\d+)?)\s*(?:mm|cm)?[\s,;]*(?:va\s*)?"
                        + _DIAMETER + r"(?:trong\s*)?(?:long\s*)?nguc\s*[:=]?\s*(\d+(?:[.,]\d+)?)\s*(?:mm|cm)?")

# "không vượt (quá) 0,5", "chưa quá 0,5": not above, read as at most
_BELOW = frozenset({"duoi", "<", "<=", "≤", "nho hon"} | {f"{n} {c}" for n in ("khong", "chua")
                                                        for c in ("vuot qua", "vuot", "qua", "lon hon", "tren")})
_ABOVE = frozenset({"tren", ">", ">=", "≥", "lon hon"})
_CTR_NORMAL = ("chỉ", "số", "tim", "ngực", "bình", "thường")
_CTR_HIGH = ("chỉ", "số", "tim", "ngực", "tăng")


# Function words of the English and French lines some readers write, none of them a Vietnamese syllable: one in a
# sentence makes it a foreign line ("the" is left out: unmarked "co the" is "có thể"), whose words are not read as
# unaccented Vietnamese ("Mediastinum is not
# widened": "not" is no "nốt").
_FOREIGN = frozenset({"is", "are", "of", "with", "and", "there", "has", "have", "was", "were", "seen", "noted",
                      "les", "des", "pas", "est", "une", "sans", "aux"})


# An unmarked Vietnamese syllable (a telex tone letter or doubled vowel allowed): initial, vowel group, final. A word
# it does not spell ("heart", "enlarged", "widened") is English or French.
_SYLLABLE = re.compile(
    r"(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|dd|[bcdghklmnprstvx])?"
    r"(?:uye|uya|uyu|ieu|yeu|oai|oay|oeo|uoi|uou|uay|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ye"
    r"|aa|aw|ee|ow|uw|uow|[aeiouy])"
    r"(?:ch|ng|nh|[cmnpt])?[sfrxj]?")


def _syllable(word: str) -> bool:
    return _SYLLABLE.fullmatch(word) is not None


def _spelled(word: str) -> bool:
    """Whether an unmarked word could be Vietnamese: one syllable, or two typed together ("canxi", "khongthay")."""
    if len(word) < 2 or not word.isascii() or not word.isalpha() or _syllable(word):
        return True
    return any(_syllable(word[:i]) and _syllable(word[i:]) for i in range(2, len(word) - 1))


def _foreign(tokens: list[Token]) -> bool:
    """An English or French line: one of its function words, or the English "not" before a word that no Vietnamese
    syllable spells ("Heart not enlarged", "not widened"); unmarked Vietnamese writes "nốt" before syllables ("khong
    thay not mo", "not canxi hoa")."""
    words = [w for w, _, _ in tokens]
    if not _FOREIGN.isdisjoint(words):
        return True
    return any(w == "not" and i + 1 < len(words) and not _spelled(words[i + 1]) for i, w in enumerate(words))


_SLASHED = {("b", "t"): ("bình", "thường"), ("t", "d"): ("theo", "dõi"), ("b", "n"): ("bệnh", "nhân")}
# Degree adverbs ("slightly", "rather", "very") and the predicate words they may stand before (ViWordStage._drop_degree).
_DEGREE = frozenset({"hơi", "khá", "rất", "hoi", "kha", "rat"})
_DEGREE_BEFORE = frozenset({"to", "lớn", "nâng", "tù", "mờ", "dày", "giãn", "cao", "đậm", "lệch", "vồng", "tăng", "rộng",
                            "phồng", "dẹt", "kéo", "xẹp", "mất", "vôi", "đè", "đẩy", "thẳng", "cong", "tối"})
# typed without marks, only the predicates whose bare letters name no other word here ("tu" is also "tự": "hoi tu do"
# is "hơi tự do", free air)
_DEGREE_BEFORE = _DEGREE_BEFORE | {"to", "lon", "nang", "gian", "cao", "lech", "vong", "tang", "rong", "phong", "det",
                                   "xep", "thang", "cong"}


@lru_cache(maxsize=64)
def _ctr_with(typed: tuple[str, ...]) -> re.Pattern[str]:
    """The ratio pattern also opened by misspelt capital abbreviations of it ("CSN < 0,5")."""
    return re.compile(r"(?:" + _CTR_HEAD + "|" + "|".join(map(re.escape, typed)) + r")(?!\w)" + _CTR_TAIL)


# How often the pack must write a word pair before it outweighs a word typed as a pack word (_out_of_place).
_PAIR_EVIDENCE = 2

# A word in capitals of 2-5 letters, as typed ("CSN", "GH"): the only shape read as a misspelt abbreviation.
_CAPITALS = re.compile(r"(?<!\w)[A-ZĐ]{2,5}(?!\w)")

_TONE_MARKS = dict.fromkeys(map(ord, "\u0301\u0300\u0309\u0303\u0323"))


def _marked_letters(word: str) -> set[str]:
    """The letters of ``word`` with a vowel mark or a bar (ư, ơ, â, ê, ô, ă, đ), tones ignored."""
    toneless = unicodedata.normalize("NFC", unicodedata.normalize("NFD", word).translate(_TONE_MARKS))
    return {c for c in toneless if not c.isascii()}


def _is_plain(word: str) -> bool:
    return word.isascii()


# Everyday words whose unaccented form is a pack word: never "corrected" into it ("tìm" is not "tim").
_REAL_WORDS = frozenset({"tìm", "tím", "tỉm", "cố", "cỡ", "có", "đó", "đỏ", "mổ", "mỡ", "mở", "tô", "tổ", "tờ", "bố", "bộ"})

_TELEX_VOWELS = (("aa", "â"), ("aw", "ă"), ("ee", "ê"), ("oo", "ô"), ("ow", "ơ"), ("uw", "ư"), ("dd", "đ"))
_TELEX_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_TONE_VOWEL = re.compile("[aăâeêioôơuưy]")


def _place_tone(out: str, tone: str | None) -> str | None:
    """``out`` with the tone mark ``tone`` on the vowel Vietnamese spelling puts it on (None: no vowel)."""
    if not tone:
        return out
    vowels = [m.start() for m in _TONE_VOWEL.finditer(out)]
    if not vowels:
        return None
    # The mark goes on the modified vowel if any, else on the second of two vowels before a final
    # consonant, else on the first ("thấy", "hoàn", "của").
    marked = [i for i in vowels if out[i] in "ăâêôơư"]
    if marked:
        pos = marked[-1]
    elif len(vowels) >= 2 and (vowels[-1] < len(out) - 1 or out[vowels[0]:vowels[0] + 2] in ("oa", "oe", "uy")):
        pos = vowels[-1]
    else:
        pos = vowels[0]
    return unicodedata.normalize("NFC", out[:pos + 1] + tone + out[pos + 1:])


# A Telex tone key typed after the vowel but before the final consonants ("trafn" for "tràn").
_TELEX_INNER_TONE = re.compile(r"(?<=[aeiouyâêôơưă])([sfrxj])(?=(?:ch|ng|nh|[cmnpt])$)")


def _telex_parts(word: str) -> tuple[str, str | None] | None:
    """The letters and the tone of a syllable typed in Telex with the input method off, or None."""
    out = word.replace("uow", "ươ")
    for pair, letter in _TELEX_VOWELS:
        out = out.replace(pair, letter)
    tone = None
    if len(out) > 2 and out[-1] in _TELEX_TONES:
        tone, out = _TELEX_TONES[out[-1]], out[:-1]
    elif (inner := _TELEX_INNER_TONE.search(out)) is not None:
        tone, out = _TELEX_TONES[inner.group(1)], out[:inner.start()] + out[inner.end():]
    if out == word:
        return None
    return out, tone


def _telex(word: str) -> str | None:
    """Decode a syllable typed in Telex with the input method off ("thaays" -> "thấy", "ddawcj" -> "đặc")."""
    parts = _telex_parts(word)
    return None if parts is None else _place_tone(*parts)


_VNI_TONES = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}
_VNI_MARKS = {"6": {"a": "â", "e": "ê", "o": "ô"}, "7": {"o": "ơ", "u": "ư"}, "8": {"a": "ă"}, "9": {"d": "đ"}}
_VNI_WORD = re.compile(r"[a-z]+[1-9][a-z1-9]*")


def _vni_parts(word: str) -> tuple[str, str | None] | None:
    """The letters and the tone of a syllable typed in VNI with the input method off ("khong6" -> "không")."""
    if not _VNI_WORD.fullmatch(word):
        return None
    letters: list[str] = []
    tone = None
    for ch in word:
        if ch in _VNI_TONES:
            if tone is not None:
                return None
            tone = _VNI_TONES[ch]
        elif ch in _VNI_MARKS:
            marks = _VNI_MARKS[ch]
            at = [i for i, c in enumerate(letters) if c in marks]
            if not at:
                return None
            # "7" marks both letters of "uo" ("dduo7ng" -> "đương"); otherwise the last letter it can mark
            both = ch == "7" and len(at) > 1 and "".join(letters[at[-2]:at[-1] + 1]) == "uo"
            for i in (at[-2:] if both else at[-1:]):
                letters[i] = marks[letters[i]]
        else:
            letters.append(ch)
    return "".join(letters), tone


def _tone_variants(letters: str) -> list[str]:
    """``letters`` with each of the six tones (the level tone first)."""
    return [v for t in (None, *_TELEX_TONES.values()) if (v := _place_tone(letters, t))]


_LETTERS_DIGITS = re.compile(r"([^\W\d_]+)(\d+)|(\d+)([^\W\d_]+)")


class ViWordStage:
    """Callable ``(sentence_key, tokens) -> tokens`` built from a compiled pack's vocabulary."""

    def __init__(self, vocab: Iterable[str], texts: Iterable[list[str]],
                 abbreviations: dict[str, tuple[str, ...]] | None = None):
        self.vocab = frozenset(vocab)
        self.abbreviations = abbreviations or {}
        # words -> True when they are a normal statement of the pack (set by the labeller; see _by_statement)
        self.judge = None
        self.readings: dict[str, set[str]] = {}
        for word in self.vocab:
            self.readings.setdefault(strip_diacritics(word), set()).add(word)
        # Readings that are spellings of one word ("hổng" and "hông", both the southern "không") are one reading:
        # an unmarked "hong" is restored to it, not left open between two abbreviations of the same word.
        for plain, words in self.readings.items():
            if len(words) > 1 and len({self.abbreviations.get(w, (w,)) for w in words}) == 1:
                self.readings[plain] = {min(words)}
        self.bigrams: Counter[tuple[str, str]] = Counter()
        self.freq: Counter[str] = Counter()
        for words in texts:
            self.freq.update(words)
            self.bigrams.update(zip(words, words[1:], strict=False))
        self._by_initial: dict[str, list[str]] = {}
        for plain in self.readings:
            if len(plain) >= 3:
                self._by_initial.setdefault(plain[0], []).append(plain)
        self._fixes: dict[str, str | frozenset[str] | None] = {}
        self._capital_memo: dict[str, str | None] = {}

    @staticmethod
    def foreign(words: list[str]) -> bool:
        """Whether the words are an English or French line (their unaccented words are not Vietnamese ones)."""
        return _foreign([(w, 0, 0) for w in words])

    def __call__(self, skey: str, tokens: list[Token], capitals: dict[str, str] | None = None) -> list[Token]:
        if not tokens:
            return tokens
        if capitals:
            tokens = [(capitals.get(w, w), s, e) for w, s, e in tokens]
        if all(len(w) == 1 and w.isalpha() for w, _, _ in tokens):
            return []  # initials ("N.V.A", "BS. T.H.") close a signature: no words to label
        tokens = self._drop_ordinal(skey, tokens)
        tokens = self._signs(skey, tokens)
        tokens = self._split_glued(tokens)
        tokens = self._slashed(skey, tokens)
        # Expanded before restoring too, so "gsh sang" is read beside "góc sườn hoành" ("sáng").
        tokens = expand_abbreviations(tokens, self.abbreviations)
        tokens = self._drop_degree(tokens)  # before restoring: "khá" is no pack word and would be "corrected"
        if not _foreign(tokens):  # an English or French line keeps its words ("is not widened" has no "nốt")
            tokens = self._restore(skey, tokens, skey.isascii())
        else:
            # its "not" is the negation the Vietnamese rules read as "không" ("Pneumothorax is not seen", "Heart not
            # enlarged"): "not" itself is never a pack word, or unmarked "not" (nốt) would no longer be restored
            tokens = [("không" if w == "not" else w, s, e) for w, s, e in tokens]
        tokens = _regional_sides(tokens)
        tokens = self._correct(tokens)
        tokens = self._out_of_place(tokens)
        tokens = self._structured_negative(skey, tokens)
        ratio = tuple(sorted(w for w, a in capitals.items() if a in ("cstn", "ctr"))) if capitals else ()
        return self._ratio(skey, tokens, _ctr_with(ratio) if ratio else _CTR)

    @staticmethod
    def _slashed(skey: str, tokens: list[Token]) -> list[Token]:
        """Shorthand typed with a slash ("b/t" bình thường, "T/d" theo dõi): its two letters are one word pair, not
        the sides "trái" and "phải" that "t" and "p" stand for alone."""
        if "/" not in skey:
            return tokens
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            pair = tokens[i:i + 2]
            words = _SLASHED.get((pair[0][0], pair[1][0])) if len(pair) == 2 else None
            if words and skey[pair[0][2]:pair[1][1]].strip() == "/":
                out += [(w, pair[0][1], pair[1][2]) for w in words]
                i += 2
                continue
            out.append(tokens[i])
            i += 1
        return out

    @staticmethod
    def _drop_degree(tokens: list[Token]) -> list[Token]:
        """A degree adverb before a predicate is read through ("vòm hoành phải hơi nâng", "góc sườn hoành trái
        hơi tù"): the finding is stated either way, and phrases are written without it. "hơi" is also a noun
        (gas: "liềm hơi", "hơi tự do"), so only before a predicate word is it a degree."""
        if len(tokens) < 2 or _DEGREE.isdisjoint(w for w, _, _ in tokens):
            return tokens
        def degree(i: int) -> bool:
            if tokens[i][0] not in _DEGREE or i + 1 >= len(tokens):
                return False
            nxt = tokens[i + 1][0]
            if nxt == "tu":  # unmarked "hoi tu": "hơi tù" (slightly blunt) unless "hơi tự do" (free air)
                return i + 2 >= len(tokens) or tokens[i + 2][0] not in ("do", "dọ")
            return nxt in _DEGREE_BEFORE

        return [t for i, t in enumerate(tokens) if not degree(i)]

    # -- abbreviations typed in capitals --------------------------------------------------------------

    def capital_fixes(self, sentence: str) -> tuple[tuple[str, str], ...]:
        """``(typed, abbreviation)`` for each all-capital word of ``sentence`` the pack does not know that is one
        of the pack's abbreviations with a letter dropped or two letters swapped ("CSN" -> cstn, "GH" -> gsh,
        "TDPM" -> tdmp), when every abbreviation it can be reads the same ("TMP": tdmp or tkmp, left alone)."""
        fixes = []
        for typed in _CAPITALS.findall(sentence):
            word = typed.lower()
            if word in self.abbreviations or word in self.vocab or word in self.readings:
                continue
            fixed = self._abbreviation_of(word)
            if fixed is not None:
                fixes.append((word, fixed))
        return tuple(sorted(set(fixes)))

    def _abbreviation_of(self, word: str) -> str | None:
        if word not in self._capital_memo:
            near = [a for a in self.abbreviations if len(a) >= 3 and a.isalpha() and (
                (len(a) == len(word) + 1 and any(a[:i] + a[i + 1:] == word for i in range(len(a))))
                or (len(a) == len(word) and sorted(a) == sorted(word) and OSA.distance(a, word) == 1))]
            readings = {self.abbreviations[a] for a in near}
            self._capital_memo[word] = min(near) if len(readings) == 1 else None
        return self._capital_memo[word]

    # -- markers and values -------------------------------------------------------------------------

    @staticmethod
    def _drop_ordinal(skey: str, tokens: list[Token]) -> list[Token]:
        word, _, end = tokens[0]
        if word == "x" and len(tokens) > 1 and tokens[1][0] == "quang":
            return tokens  # "X-quang", not the Roman ten
        if (word in _ROMAN or (word.isdigit() and len(word) <= 2)) and (
                len(tokens) == 1 or _ORDINAL_END.match(skey, end)):
            return tokens[1:]
        return tokens

    @staticmethod
    def _signs(skey: str, tokens: list[Token]) -> list[Token]:
        if "(" not in skey:
            return tokens
        extra = [(w, m.start(), m.end()) for m in _SIGN.finditer(skey)
                 for w in (("âm", "tính") if m.group(1) != "+" else ("dương", "tính"))]
        return sorted(tokens + extra, key=lambda t: t[1]) if extra else tokens

    @staticmethod
    def _structured_negative(skey: str, tokens: list[Token]) -> list[Token]:
        """"TDMP: không", "TKMP - không", "TDMP - (-) 2 bên": the value after the separator negates the key."""
        colon = skey.rfind(":")
        if colon < 0:
            colon = skey.rfind(" - ") + 1
            if colon <= 0:
                return tokens
        after = [t for t in tokens if t[1] > colon]
        before = [t for t in tokens if t[1] < colon]
        if not before or not after:
            return tokens
        value = [w for w, _, _ in after]
        while value and value[-1] in _SIDES:
            value.pop()
        if len(value) > 1 and value[-2] in _SIDES:
            value = value[:-2]
        if strip_diacritics(" ".join(value)) in _NEG_VALUES:
            start, end = after[0][1], after[-1][2]
            return before + [("âm", start, end), ("tính", start, end)]
        return tokens

    def _split_glued(self, tokens: list[Token]) -> list[Token]:
        out: list[Token] = []
        for word, start, end in tokens:
            if _VNI_WORD.fullmatch(word) and (typed := self._typed_with_keys(word)) is not None:
                out.append((typed, start, end))  # VNI: "khong6" is "không", not "khong" + "6"
                continue
            glued = _LETTERS_DIGITS.fullmatch(word) if word not in self.vocab else None
            if glued:
                cut = len(glued.group(1) or glued.group(3))
                letters = word[:cut] if glued.group(1) else word[cut:]
                if self._known(letters, ""):
                    # a number typed against a word: "hoành2 bên", "gãy4", "phim20/01"
                    out += [(word[:cut], start, start + cut), (word[cut:], start + cut, end)]
                    continue
            # a word that reads as one pack word without its marks ("khong", "thuong") is no glued pair ("kh" + "ong")
            if len(word) >= 5 and word not in self.vocab and word not in self.readings and not word.isdigit():
                for cut in range(len(word) - 2, 1, -1):
                    left, right = word[:cut], word[cut:]
                    if self._known(left, right) and self._known(right, left) and self._paired(left, right):
                        out += [(left, start, start + cut), (right, start + cut, end)]
                        break
                else:
                    out += self._glued_cue(word, start, end)
            else:
                out.append((word, start, end))
        return out

    def _glued_cue(self, word: str, start: int, end: int) -> list[Token]:
        """A misspelt negation glued to the pack word after it ("Kôngthấy", "Khôgthấy", "Kôngghi nhận"): the cue,
        corrected as a word of its own would be ("kông" -> "không"), and the word. Only a cue head (``_CUE_HEADS``)
        of three letters or more, so a finding word is never made of a piece."""
        for cut in range(len(word) - 2, 2, -1):
            left, right = word[:cut], word[cut:]
            if right not in self.vocab or len(right) < 2:
                continue
            fixed = self._fix(left)
            # one of several readings ("khôg": không, khô) when the pack writes it before this word ("không thấy")
            heads = (fixed & _CUE_HEADS if isinstance(fixed, frozenset) else {fixed} & _CUE_HEADS)
            if len(heads) == 1 and (not isinstance(fixed, frozenset) or self.bigrams[(next(iter(heads)), right)]):
                return [(next(iter(heads)), start, start + cut), (right, start + cut, end)]
        return [(word, start, end)]

    def _paired(self, left: str, right: str) -> bool:
        """Two unmarked pieces, one short, read as too many words ("coong" is no "co" + "ong": "cong" doubled): they
        must then be a pair the pack writes, in some reading of each ("timto" is "tim to"); an abbreviation or a
        marked piece is evidence enough ("XuongBT", "phổiBT")."""
        if not (_is_plain(left) and _is_plain(right)) or all(len(w) >= 4 for w in (left, right)) or (
                left in self.abbreviations or right in self.abbreviations):
            return True
        lefts = self.readings.get(strip_diacritics(left), set()) | {left}
        rights = self.readings.get(strip_diacritics(right), set()) | {right}
        return any(self.bigrams[(a, b)] for a in lefts for b in rights)

    def _known(self, word: str, other: str) -> bool:
        # Without tone marks a short syllable reads as too many words ("khoong" is not "kho" + "ong"):
        # an unaccented part must be 4 letters or more.
        if word in self.vocab:
            return True
        return _is_plain(word) and len(word) >= 4 and word in self.readings

    # -- diacritics ---------------------------------------------------------------------------------

    # -- misspellings --------------------------------------------------------------------------------

    def _correct(self, tokens: list[Token]) -> list[Token]:
        """A word the pack does not know, read as the one pack word it can be: typed with the input method
        off ("thaays" -> "thấy"), a wrong tone mark ("nhỏn" -> "nhọn"), or one letter wrong, missing,
        doubled or swapped ("khng" -> "không"). Only a unique reading is taken; otherwise the word is left
        for the fuzzy stage (review)."""
        out = tokens
        for i, (word, start, end) in enumerate(tokens):
            if word in self.vocab or len(word) < 2 or word.isdigit() or (_is_plain(word) and word in self.readings):
                continue
            fixed = self._fix(word)
            if isinstance(fixed, frozenset):
                prev = {out[i - 1][0]} if i else set()
                nxt = {tokens[i + 1][0]} | (self.readings.get(tokens[i + 1][0], set()) if _is_plain(
                    tokens[i + 1][0]) else set()) if i + 1 < len(tokens) else set()
                fixed = self._decide(set(fixed), prev, nxt, keep=None, by_frequency=False,
                                     least=_PAIR_EVIDENCE if len(word) < 3 else 1)
            elif fixed is not None and not _is_plain(word) and strip_diacritics(fixed) == strip_diacritics(word) and not (
                    (i and self.bigrams[(out[i - 1][0], fixed)]) or (i + 1 < len(tokens) and self.bigrams[(fixed, tokens[i + 1][0])])):
                # Another tone of a word typed with its marks is a different word ("chấm" is not "chậm", "chương" not
                # "chướng"), not a slip, unless the pack writes that reading beside a neighbour ("hoành nhỏn": nhọn).
                fixed = None
            if fixed is not None:
                if out is tokens:
                    out = list(tokens)
                out[i] = (fixed, start, end)
        return out

    def _out_of_place(self, tokens: list[Token]) -> list[Token]:
        """A pack word the pack never writes beside either neighbour, one edit or one mark from the one pack word
        it does write after the word before ("vòm hoàn" -> "vòm hoành", "khối mơ" -> "khối mờ"): a misspelling
        that is itself a word. Only a unique candidate the pack pairs with the previous word is taken. A word typed
        without its marks is first read through _unmarked_between (partial diacritics)."""
        out = tokens
        for i in range(len(tokens)):
            word = tokens[i][0]
            nxt = tokens[i + 1][0] if i + 1 < len(tokens) else None
            prev = out[i - 1][0] if i else None
            fix = self._unmarked_between(word, prev, nxt)
            if fix is not None:
                if out is tokens:
                    out = list(tokens)
                out[i] = (fix, tokens[i][1], tokens[i][2])
                continue
            if prev is None or word not in self.vocab or len(word) < 2 or word.isdigit() or self.bigrams[(prev, word)]:
                continue
            if nxt is not None and self.bigrams[(word, nxt)]:
                continue
            plain = strip_diacritics(word)
            near = {r for p in [plain, *self._near(plain)] for r in self.readings.get(p, ())} - {word}
            fits = {c for c in near if self.bigrams[(prev, c)] >= _PAIR_EVIDENCE}
            if nxt is not None and nxt in self.vocab:
                # ... and, before another pack word, one the pack writes before it too ("thay khop hang" is "thấy
                # khớp háng", no "thấy khối hang": "khối" never stands before "hang")
                fits = {c for c in fits if self.bigrams[(c, nxt)]}
            if len(fits) == 1:
                if out is tokens:
                    out = list(tokens)
                out[i] = (next(iter(fits)), tokens[i][1], tokens[i][2])
        return out

    def _unmarked_between(self, word: str, prev: str | None, nxt: str | None) -> str | None:
        """A word typed without its marks that is a pack word the next word never follows ("khong thay đám mờ",
        "May tạo nhịp", "tim can đối"), read as the one marked reading of its letters that both neighbours pair with
        ("thấy", "máy", "cân"); the typed word keeps its reading wherever the pack writes it beside the next word
        ("không thay đổi")."""
        if nxt is None or not _is_plain(word) or word not in self.vocab or len(word) < 2 or word.isdigit() or (
                self.bigrams[(word, nxt)]):
            return None
        fits = [c for c in self.readings.get(word, ()) if c != word and self.bigrams[(c, nxt)]
                and (prev is None or self.bigrams[(prev, c)])]
        return fits[0] if len(fits) == 1 else None

    def _fix(self, word: str) -> str | frozenset[str] | None:
        if word in self._fixes:
            return self._fixes[word]
        fixed = None
        telex = self._typed_with_keys(word) if _is_plain(word) else None
        if telex:
            fixed = telex
        else:
            plain = strip_diacritics(word)
            readings = self.readings.get(plain, set()) if not _is_plain(word) else set()
            if readings:
                # A reading keeps the letters the typist marked ("chaư" is not "cháu": its "ư" says "chưa").
                marked = _marked_letters(word)
                readings = {r for r in readings if marked <= _marked_letters(r)}
            if word in _REAL_WORDS:
                fixed = None
            elif len(readings) == 1:
                fixed = next(iter(readings))
            elif readings:
                fixed = frozenset(readings)  # a wrong tone with several readings: the neighbours decide
            elif not readings and (len(word) >= 3 or word.isalpha()):
                near = {r for p in self._near(plain) for r in self.readings[p]}
                if not _is_plain(word):
                    near = {r for r in near if not _is_plain(r)} or near
                if len(near) == 1 and len(word) >= 3 and (len(word) >= 4 or not _is_plain(word)):
                    fixed = next(iter(near))
                elif near:
                    # decided by the neighbouring words (_correct); a word of 2 letters ("tm" for "tim") or a
                    # 3-letter unaccented one ("cha" for "chưa") is read only that way, never alone
                    fixed = frozenset(near)
        self._fixes[word] = fixed
        return fixed

    def _typed_with_keys(self, word: str) -> str | None:
        """A word typed in Telex or VNI with the input method off: its decoding when that is a pack word, else
        the one pack word with the same letters and another tone ("khoongr" -> "không": a wrong tone key)."""
        for parts in (_telex_parts(word), _vni_parts(word)):
            if parts is None:
                continue
            decoded = _place_tone(*parts)
            if decoded in self.vocab:
                return decoded
            same_letters = {v for v in _tone_variants(parts[0]) if v in self.vocab}
            if len(same_letters) == 1:
                return next(iter(same_letters))
        return None

    def _near(self, plain: str) -> list[str]:
        """Unaccented pack words one edit (substitution, insertion, deletion, swap) from ``plain``."""
        out = []
        for candidate in self._by_initial.get(plain[0], ()):
            if abs(len(candidate) - len(plain)) <= 1 and candidate != plain and OSA.distance(plain, candidate) <= 1:
                out.append(candidate)
        return out

    def _restore(self, skey: str, tokens: list[Token], typed_plain: bool) -> list[Token]:
        words = [w for w, _, _ in tokens]
        # A sentence typed without any diacritic: every word is read again, known words included
        # ("khong thay" -> "không thấy", though "thay" is a word too).
        everything = typed_plain
        options: list[set[str] | None] = []
        changed = False
        for w in words:
            if w.isdigit() or not _is_plain(w) or (w in self.vocab and not everything):
                options.append(None)
                continue
            readings = self.readings.get(w)
            if not readings:
                options.append(None)
                continue
            options.append(readings)
            changed = True
        if not changed:
            return tokens
        chosen = list(words)
        open_: list[int] = []
        for i, opts in enumerate(options):
            if opts is None:
                continue
            if len(opts) == 1:
                chosen[i] = next(iter(opts))
                continue
            # a colon between two words opens a field's value ("mang phoi:dinh mang phoi ..."): the words either side
            # of it are no word pair, so neither decides the other's reading
            prev = {chosen[i - 1]} | (options[i - 1] or set()) if i and not _field_break(skey, tokens, i) else set()
            nxt = ({words[i + 1]} | (options[i + 1] or set())) if i + 1 < len(words) and not _field_break(
                skey, tokens, i + 1) else set()
            # Weak evidence leaves the word open for the sentence-level choice; still open, it stays as typed.
            pick = self._decide(opts, prev, nxt, keep=None)
            if pick is not None:
                chosen[i] = pick
            elif len(opts) > 1:
                open_.append(i)
        if open_ and self.judge is not None:
            chosen = self._by_statement(skey, tokens, chosen, open_, options)
        return [(c, s, e) for c, (_, s, e) in zip(chosen, tokens, strict=True)]

    def _by_statement(self, skey: str, tokens: list[Token], chosen: list[str], open_: list[int],
                      options: list[set[str] | None]) -> list[str]:
        """Readings still open ("mo kẽ bình thường": mô or mờ) are chosen so the sentence is a normal statement
        of the pack, when exactly one choice makes it one, or when every choice reads the same findings
        ("tổn thương mô kẽ" and "mờ kẽ" are both an interstitial pattern); else they stay as typed (review)."""
        from itertools import product

        if len(open_) > 3:
            return chosen
        normal, readings = [], {}
        for combo in product(*(sorted(options[i]) for i in open_)):
            trial = list(chosen)
            for i, word in zip(open_, combo, strict=True):
                trial[i] = word
            verdict = self.judge(skey, [(w, s, e) for w, (_, s, e) in zip(trial, tokens, strict=True)])
            if verdict is True:
                normal.append(trial)
            elif verdict:
                readings.setdefault(verdict, trial)
        if len(normal) == 1:
            return normal[0]
        if not normal and len(readings) == 1:
            return next(iter(readings.values()))
        return chosen

    def _decide(self, opts: set[str], prev: set[str], nxt: set[str], keep: str | None,
                by_frequency: bool = True, least: int = 1) -> str | None:
        # Word pairs weighted by how often the pack writes them ("cơ hoành" far more than "phổi có").
        scores = {o: sum(self.bigrams[(p, o)] for p in prev) + sum(self.bigrams[(o, n)] for n in nxt)
                  for o in opts}
        best = max(scores.values())
        top = [o for o, s in scores.items() if s == best]
        if best >= least and len(top) == 1:
            second = max([s for o, s in scores.items() if o != top[0]], default=0)
            if best >= 2 * second or not by_frequency:
                return top[0]
        if not by_frequency:
            return keep
        ranked = sorted(top, key=lambda o: -self.freq[o])
        if len(ranked) > 1 and self.freq[ranked[0]] >= 5 * max(1, self.freq[ranked[1]]):
            return ranked[0]
        return keep

    # -- cardiothoracic ratio -----------------------------------------------------------------------

    @staticmethod
    def _ratio(skey: str, tokens: list[Token], pattern: re.Pattern[str] = _CTR) -> list[Token]:
        if not any(ch.isdigit() for ch in skey):
            return tokens
        plain = strip_diacritics(skey)
        if len(plain) != len(skey):
            return tokens
        readings = [(m.span(), float(m.group(2).replace(",", ".")), m.group(1) or "") for m in pattern.finditer(plain)]
        # "đường kính ngang tim 125 mm, đường kính lồng ngực 270 mm": the ratio of the two diameters
        for m in _DIAMETERS.finditer(plain):
            heart, chest = (float(g.replace(",", ".")) for g in m.groups())
            if chest > 0:
                readings.append((m.span(), heart / chest, ""))
        for (start, end), value, comparator in readings:
            if value >= 10:
                value /= 100  # "CSTN 45%"
            if (comparator in _BELOW and value <= 0.5) or (comparator not in _ABOVE and value < 0.5):
                words = _CTR_NORMAL
            elif (comparator in _ABOVE and value >= 0.5) or (comparator not in _BELOW and value >= 0.53):
                words = _CTR_HIGH
            else:
                continue
            inside = [t for t in tokens if start <= t[1] < end]
            if not inside:
                continue
            s0, e0 = inside[0][1], inside[-1][2]
            tokens = [t for t in tokens if t[1] < start] + [(w, s0, e0) for w in words] + [
                t for t in tokens if t[1] >= end]
        return tokens


# Sides said in a regional way, a pair of words each ("bên mặt": the right side, southern): read as the side the rules
# spell ("màng phổi bên mặt dầy nhẹ" is "màng phổi bên phải dầy nhẹ"); "mặt" alone is a face or a surface.
_REGIONAL_SIDES = {("bên", "mặt"): "phải"}


def _regional_sides(tokens: list[Token]) -> list[Token]:
    if len(tokens) < 2 or not any(w == "mặt" for w, _, _ in tokens):
        return tokens
    out = list(tokens)
    for i in range(1, len(out)):
        side = _REGIONAL_SIDES.get((out[i - 1][0], out[i][0]))
        if side is not None:
            out[i] = (side, out[i][1], out[i][2])
    return out


def _field_break(skey: str, tokens: list[Token], i: int) -> bool:
    """Whether a colon stands between token ``i - 1`` and token ``i`` (a field and its value)."""
    return ":" in skey[tokens[i - 1][2]:tokens[i][1]]


def pack_texts(pack, words_of) -> list[list[str]]:
    """Word sequences of every phrase, cue, template and normal statement (for word pairs and counts)."""
    texts: list[str] = []
    for finding in pack.findings.values():
        texts += finding.phrases + finding.negative_phrases
    texts += [c.text for c in pack.cues]
    texts += [t.text.replace("{*}", " ") for t in pack.templates] + [t.replace("{*}", " ") for t in pack.ignore]
    # Headers typed without diacritics ("ket luan") are there for the splitter only: as vocabulary they
    # would make every unaccented word a reading of itself.
    headers = pack.section_headers + pack.skip_sections + list(getattr(pack, "admin_lines", []))
    texts += [h for h in headers if not h.isascii()]

    def expanded(items: Iterable[str]) -> list[list[str]]:
        return [words_of(v) for t in items for v in (expand_phrase(t) if "(" in t else [t])]

    out = expanded(texts)
    for group in pack.normal_statements:
        subjects, predicates = expanded(group["subjects"]), expanded(group["predicates"])
        modifiers = expanded(group["modifiers"])
        out += subjects + predicates + modifiers
        tails = {s[-1] for s in subjects + modifiers if s}
        heads = {p[0] for p in predicates + modifiers if p}
        out += [[t, h] for t in tails for h in heads]
    return out


__all__ = ["ViWordStage", "pack_texts"]
