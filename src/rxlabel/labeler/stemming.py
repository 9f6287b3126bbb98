"""Stemmed matching keys, as PadChest's preprocessing produced them.

PadChest's ``Report`` column is lower-cased, accent-stripped (unidecode), filtered with the
Snowball/NLTK Spanish stop-word list (``no``, ``sin``, ``ni`` and ``con`` kept) and stemmed with
the Snowball Spanish stemmer of the 2.x line: "no se aprecian infiltrados ni condensaciones
pulmonares" became "no apreci infiltr ni condens pulmonar".

The engine applies :func:`stem_words` to the words of every phrase, cue and template of a pack and,
in stemmed mode, to every input token. The input tokens are already stems, and Snowball is not
idempotent (``pulmonares`` -> ``pulmonar`` -> ``pulmon``), so the key of a word is its stem taken
to a fixed point: the key of a raw word and the key of its PadChest stem are always the same.
:func:`padchest_stems` gives the single-pass stems, exactly as in the ``Report`` column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache, lru_cache

import snowballstemmer

# The Snowball Spanish stop list (https://snowballstem.org/algorithms/spanish/stop.txt, BSD),
# identical to NLTK's ``stopwords.words("spanish")`` that PadChest used, minus the four words it kept.
# Accented entries stay accented: PadChest stripped accents before filtering, so "más" and "sí"
# never matched and "si" / "mas" survive in its text ("masa" stems to "mas").
_SPANISH_STOP_WORDS = """
de la que el en y a los del se las por un para una su al lo como más pero sus le ya o este sí porque
esta entre cuando muy sobre también me hasta hay donde quien desde nos durante todos uno les contra
otros ese eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa estos mucho
quienes nada muchos cual poco ella estar estas algunas algo nosotros mi mis tú te ti tu tus ellas
nosotras vosotros vosotras os mío mía míos mías tuyo tuya tuyos tuyas suyo suya suyos suyas nuestro
nuestra nuestros nuestras vuestro vuestra vuestros vuestras esos esas estoy estás está estamos estáis
están esté estés estemos estéis estén estaré estarás estará estaremos estaréis estarán estaría
estarías estaríamos estaríais estarían estaba estabas estábamos estabais estaban estuve estuviste
estuvo estuvimos estuvisteis estuvieron estuviera estuvieras estuviéramos estuvierais estuvieran
estuviese estuvieses estuviésemos estuvieseis estuviesen estando estado estada estados estadas estad
he has ha hemos habéis han haya hayas hayamos hayáis hayan habré habrás habrá habremos habréis habrán
habría habrías habríamos habríais habrían había habías habíamos habíais habían hube hubiste hubo
hubimos hubisteis hubieron hubiera hubieras hubiéramos hubierais hubieran hubiese hubieses
hubiésemos hubieseis hubiesen habiendo habido habida habidos habidas soy eres es somos sois son sea
seas seamos seáis sean seré serás será seremos seréis serán sería serías seríamos seríais serían era
eras éramos erais eran fui fuiste fue fuimos fuisteis fueron fuera fueras fuéramos fuerais fueran
fuese fueses fuésemos fueseis fuesen sintiendo sentido sentida sentidos sentidas siente sentid tengo
tienes tiene tenemos tenéis tienen tenga tengas tengamos tengáis tengan tendré tendrás tendrá
tendremos tendréis tendrán tendría tendrías tendríamos tendríais tendrían tenía tenías teníamos
teníais tenían tuve tuviste tuvo tuvimos tuvisteis tuvieron tuviera tuvieras tuviéramos tuvierais
tuvieran tuviese tuvieses tuviésemos tuvieseis tuviesen teniendo tenido tenida tenidos tenidas tened
"""

STOP_WORDS: dict[str, frozenset[str]] = {"es": frozenset(_SPANISH_STOP_WORDS.split())}
KEPT_WORDS: dict[str, frozenset[str]] = {"es": frozenset({"no", "sin", "ni", "con"})}
_SNOWBALL_NAMES = {"es": "spanish", "en": "english", "pt": "portuguese", "fr": "french"}
_MAX_ROUNDS = 8


def _strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


@cache
def _stemmer(lang: str) -> Callable[[str], str]:
    name = _SNOWBALL_NAMES.get(lang)
    if name is None:
        raise ValueError(
            f"no stemmer for language '{lang}'; stemmed mode supports {', '.join(sorted(_SNOWBALL_NAMES))}"
        )
    stemmer = snowballstemmer.stemmer(name)
    return lru_cache(maxsize=200_000)(stemmer.stemWord)


def is_stop_word(word: str, lang: str) -> bool:
    """True when PadChest's preprocessing dropped ``word`` (lower-cased, accent-stripped)."""
    return word in STOP_WORDS.get(lang, frozenset()) and word not in KEPT_WORDS.get(lang, frozenset())


def padchest_stems(words: Iterable[str], lang: str = "es") -> list[str | None]:
    """Single-pass stems of lower-case words, None for a dropped stop word (PadChest's own output)."""
    stem = _stemmer(lang)
    out: list[str | None] = []
    for word in words:
        plain = _strip_accents(word.lower())
        out.append(None if is_stop_word(plain, lang) else stem(plain))
    return out


@lru_cache(maxsize=200_000)
def _key(word: str, lang: str) -> str:
    stem = _stemmer(lang)
    current = word
    for _ in range(_MAX_ROUNDS):
        nxt = stem(current)
        if nxt == current:
            break
        current = nxt
    return current


def stem_words(words: list[str], lang: str) -> list[str | None]:
    """Matching keys of lower-cased, accent-stripped tokens; None for a stop word to drop.

    A key is the Snowball stem taken to a fixed point, so ``stem_words`` of a raw word and of its
    PadChest stem agree, and ``stem_words`` applied twice changes nothing. A list made only of stop
    words keeps them (see below).
    """
    plain = [_strip_accents(word.lower()) for word in words]
    if plain and all(is_stop_word(w, lang) for w in plain):
        # A cue made only of stop words ("pero") would vanish; it keeps its words, which PadChest's
        # text never contains, so it stays a valid rule that simply never fires on stemmed text.
        return [_key(w, lang) for w in plain]
    return [None if is_stop_word(w, lang) else _key(w, lang) for w in plain]


def padchest_report(text: str, lang: str = "es") -> str:
    """``text`` preprocessed the way PadChest's ``Report`` column is: stems, sentences joined by " . "."""
    sentences = []
    for sentence in re.split(r"[.\n]+", text):
        words = re.findall(r"\w+", _strip_accents(sentence.lower()))
        stems = [s for s in padchest_stems(words, lang) if s]
        if stems:
            sentences.append(" ".join(stems))
    return " . ".join(sentences) + (" ." if sentences else "")
