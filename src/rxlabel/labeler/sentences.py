"""Section and sentence splitting with character offsets.

A report is split into lines; a line that opens with a known header (``HALLAZGOS:``,
``Mô tả hình ảnh:``) starts a section, a line that starts with a bullet (``-``, ``+``, ``•``,
``1.``) is a section of its own (Vietnamese reports put one region per bullet), and each line is
split into sentences at ``.``, ``!`` or ``?`` followed by white space (so ``2.5 cm`` stays whole).
A regex splitter, not spaCy's, because the labeller's throughput target (5,000 reports/s) leaves
about 40 microseconds a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from rxlabel.labeler.normalize import strip_diacritics

_LINE = re.compile(r"[^\n]+")
_BULLET = re.compile(r"\s*(?:[-+•*>·–—→]+|\d{1,2}\s*[.)]|[a-z]\))\s*")
# Words of a header may be separated by several spaces or tabs ("CHAN  DOAN:"); the name is read with single spaces.
_HEADER = re.compile(r"\s*([^\W\d_][^\W\d_ \t]*(?:[ \t]+[^\W\d_]+){0,7}(?:[ \t]*\([^()\n]{0,40}\))?)[ \t]*:\s*")
# pack header_qualifiers: words may also be hyphenated ("Hình ảnh X-quang ngực thẳng cho thấy:"), read with a space.
_HEADER_HYPHEN = re.compile(
    r"\s*([^\W\d_][^\W\d_ \t-]*(?:-[^\W\d_]+)*(?:[ \t]+[^\W\d_]+(?:-[^\W\d_]+)*){0,7}(?:[ \t]*\([^()\n]{0,40}\))?)[ \t]*:\s*")
# Other header shapes, taken only for a header the pack knows: "Datos clínicos.", "JC.-", "MC -", or the
# header alone on its line without a colon ("HALLAZGOS", "Rx tórax PA y lateral").
_LOOSE_HEADER = re.compile(r"\s*([^\W\d_][^\W\d_ \t]*(?:[ \t]+[^\W\d_]+){0,7})\s*(?:[.:]\s*-+|\.|-+|:|(?=\s*$))\s*")
_FIRST_WORD = re.compile(r"\s*([^\W\d_]+)")
_BULLET_CHARS = frozenset("-+•*>·–—→")  # "→ tim: ...": an arrow marks a bullet as a dash does
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SENT_END = re.compile(r"[.!?]+(?=\s|$)")
_LETTER = re.compile(r"[^\W\d_]")
# pack skip_inline "sentence": a clinical field's history ends where the film's present begins ("..., hiện X", "; nay X")
# (a history field only: "LS: ..., hiện ho kéo dài" is still the clinical question)
_NOW = re.compile(r"[,;]\s*(?=(?:hiện tại|hiện nay|hiện|nay|hien tai|hien nay|hien)\s)")
_HISTORY = re.compile(r"(?:tien su|tien can|benh su)\b")
# pack inline_headers: a report typed on one line with its fields apart ("XS: ... / MÀNG PHỔI: ... / KL: ...",
# "Phim phổi thẳng ; lâm sàng: ho ; phổi: ..."): a spaced "/", "|" or ";" before a field name of up to four words and a
# colon starts a new line there, so each field is read as a line of its own (its header, its skip). ("//" is left as it
# is: cut there, one writer's fragments went to review and another's field read a finding the whole line did not.)
_INLINE_HEADER = re.compile(r"[ \t]+(?:/{1,2}|\||;)[ \t]+"
                            r"(?=[^\W\d_][^\W\d_ \t]*(?:[ \t-]+[^\W\d_]+){0,3}[ \t]*(?:\([^()\n]{0,20}\))?[ \t]*:)")


@dataclass(slots=True)
class Sentence:
    """A sentence span of the report text; ``bullet`` numbers the bullet it stands in."""

    start: int
    end: int
    section: str | None = None
    bullet: int | None = None
    skip: bool = False


@dataclass(frozen=True)
class SplitterConfig:
    """Header keys (folded, accent-free) that open a labelled or a skipped section."""

    headers: frozenset[str] = frozenset()
    skip: frozenset[str] = frozenset()
    bullets: tuple[str, ...] = ("-", "+", "•", "*")
    # Headers that open the findings: unheaded text before the first of them is the request or the
    # clinical history ("COVID19. Disnea y fiebre" before "HALLAZGOS") and is skipped.
    preamble: frozenset[str] = frozenset()
    # pack header_qualifiers: "chẩn đoán (lâm sàng)" is the known header "chẩn đoán" with a qualifier
    qualifiers: bool = False
    # pack inline_headers: " / MÀNG PHỔI: ..." inside a line starts a new line (_INLINE_HEADER)
    inline_headers: bool = False
    # pack skip_inline: "sentence": a skipped field with its text on the header's line ("LS: sốt, ho đờm.") is that
    # first sentence only; what follows on the line and below is labelled ("line": the section runs on).
    inline_sentence: bool = False
    # pack title_abbreviations: a period after one ("BS. Trần Thị B") does not end the sentence (accent-free keys)
    titles: frozenset[str] = frozenset()
    # pack skipped_findings: the known headers whose own words state one ("Rx tórax en decúbito:"); each becomes a
    # skipped sentence too, so the engine reads the film quality there.
    header_sentences: frozenset[str] = frozenset()
    first_words: frozenset[str] = field(default=frozenset(), compare=False)
    # pack field_openers (field_opener_pattern): where a one-line clinical field's findings begin
    field_openers: re.Pattern[str] | None = field(default=None, compare=False)
    # pack line_continuations (continuation_pattern): a line ending in one runs on into the next (a wrapped report)
    continuations: re.Pattern[str] | None = field(default=None, compare=False)
    # Titles that open a signature line ("BS CKI. Lê T. M.", "Dr. Bui T. K - Radiologist"): the line is one sentence,
    # not cut at its initials' periods. A title that is also a skipped field's name ("TS": tiền sử) opens none.
    signature: frozenset[str] = field(default=frozenset(), compare=False)
    # Known header names by their accent-free form: "ĐỀ NGHI:", "Kết luá̂n:" (a tone dropped or wrong).
    by_stripped: dict[str, str] = field(default_factory=dict, compare=False)
    _close: dict[str, str] = field(default_factory=dict, compare=False, repr=False)  # name -> known(name), memo

    def __post_init__(self) -> None:
        # First words of the known headers: a line that starts with none of them needs no loose-shape check.
        object.__setattr__(self, "first_words", frozenset(h.split(" ", 1)[0] for h in self.headers | self.skip if h))
        object.__setattr__(self, "signature", self.titles - {strip_diacritics(h) for h in self.skip})
        by_stripped: dict[str, str] = {}
        for name in sorted(self.skip) + sorted(self.headers):  # a labelled header wins a tie
            by_stripped[strip_diacritics(name)] = name
        object.__setattr__(self, "by_stripped", by_stripped)

    def known(self, name: str) -> str:
        """The known header ``name`` stands for, read through a dropped or wrong tone or one typo in a name of
        six letters or more ("Lm sàng:", "CHUẨN ĐOÁN:"); else ``name`` itself."""
        if name in self.headers or name in self.skip:
            return name
        hit = self._close.get(name)
        if hit is None:
            # Structured lines ("Màng phổi: không") repeat their names: each is looked up once.
            if len(self._close) > 10_000:
                self._close.clear()
            hit = self._close[name] = self._lookup(name)
        return hit

    def _lookup(self, name: str) -> str:
        if self.qualifiers and name.endswith(")") and "(" in name:
            base = name[:name.index("(")].strip()
            if base and self.known(base) in self.headers | self.skip:
                return self.known(base)
        stripped = strip_diacritics(name)
        hit = self.by_stripped.get(stripped)
        if hit is not None or len(stripped.replace(" ", "")) < 6:
            return hit or name
        close = {self.by_stripped[s] for s, _, _ in
                 process.extract(stripped, self.by_stripped.keys(), scorer=OSA.distance, score_cutoff=1, limit=None)}
        return close.pop() if len(close) == 1 else name


def split_report(text: str, key: str, config: SplitterConfig) -> list[Sentence]:
    """Split ``text`` into sentences; ``key`` is its same-length matching key (headers are read on it)."""
    sentences: list[Sentence] = []
    section: str | None = None
    skip = False
    skip_inline = False  # the skipped section's header line had text after it ("Chẩn đoán: viêm phổi")
    bullet_no = 0
    previous_end = 0
    opening: int | None = None  # where the first findings-opening header stands
    for start, end in _lines(key, config.inline_headers, config, text):
        if skip and _BLANK_LINE.search(key, previous_end, start):
            # Clinical history and technique are a paragraph: a blank line ends a skipped section.
            section, skip = None, False
        previous_end = end
        # _HEADER needs a colon: most lines have none, and a find is cheaper than the regex's failed match.
        header = None if key.find(":", start, end) < 0 else (
            _HEADER_HYPHEN if config.qualifiers else _HEADER).match(key, start, end)
        if header:
            name, header_end = config.known(_name(header.group(1))), header.end()
        elif config.first_words:
            name, header_end = _loose_header(key, start, end, config, text)
        else:
            name, header_end = None, start
        if name is None and key[start:start + 1] in _BULLET_CHARS:
            # "- Motivo de consulta: sospecha de covid": a known header behind a bullet marker.
            marker = _BULLET.match(key, start, end)
            if marker and marker.end() > start and _is_bullet(key[start:marker.end()], config):
                inner, inner_end = _header(key, marker.end(), end, config)
                if inner is not None and (inner in config.headers or inner in config.skip):
                    name, header_end = inner, inner_end
        if name is not None and name in config.header_sentences:
            sentences.append(Sentence(start, header_end, name, None, True))  # the header's words, read by the engine
        if name is not None:
            if name in config.headers or name in config.skip:
                section, skip = name, name in config.skip
                if opening is None and name in config.preamble:
                    opening = start
                start = header_end
                if skip:
                    skip_inline = header_end < end
                    # "Datos clínicos: RX tórax portátil:" - a known header right after the skipped one opens it.
                    inner, inner_end = _header(key, start, end, config)
                    if inner is not None and inner in config.headers and inner_end >= end:
                        section, skip = inner, False
                        continue
                if header_end >= end:
                    continue
            elif header_end >= end:
                # A line that is only an unknown header ("TÉCNICA:", "Hình ảnh X quang ngực thẳng:") opens a new,
                # labelled section: it also ends a skipped one.
                section, skip = name, False
                continue
        bullet = None
        marker = _BULLET.match(key, start, end)
        if marker and marker.end() > start and _is_bullet(key[start:marker.end()], config):
            if skip and skip_inline and name is None:
                # A one-line field ("Chẩn đoán: viêm phổi") followed by bullets without a blank line: the
                # bullets are the findings, not more of the field.
                section, skip = None, False
            bullet_no += 1
            bullet = bullet_no
            start = marker.end()
        if skip and skip_inline and name is not None and config.inline_sentence:
            # "LS: sốt, ho đờm. Xương sườn ... . Bóng tim ...": a prose paragraph after an inline field, unless a
            # findings header follows ("Lâm sàng: Ho kéo dài. TD lao phổi.\nMô tả: ..." keeps its field whole). The
            # lines below are labelled too ("Lý do: kiểm tra vị trí ống NKQ\nGóc sườn hoành hai phía không tù.").
            stop = _SENT_END.search(text, start, end)
            now = _NOW.search(key, start, stop.start() if stop else end) if _HISTORY.match(
                strip_diacritics(section or "")) else None
            if now is not None:
                stop = now  # "Tiền sử lao phổi đã điều trị, hiện xơ hoá đỉnh phổi phải": the film's finding after it
            elif config.field_openers is not None:
                # "Chẩn đoán: ho kéo dài, tim không to, phổi sáng, ...": a comma-run paragraph typed after the field
                opener = config.field_openers.search(key, start, stop.start() if stop else end)
                stop = opener or stop
            if not _findings_header_after(key, end, config):
                if stop is None or not _LETTER.search(text, stop.end(), end):
                    _add(text, start, end, section, bullet, True, sentences)  # the field is the whole line
                    section, skip = None, False
                    continue
                _add(text, start, stop.end(), section, bullet, True, sentences)
                section, skip, start = None, False, stop.end()
        first = len(sentences)
        if config.signature and not skip and (_opens_signature(key, start, end, config.signature)
                                              or _signed_field(text, start, end, config.signature)):
            _add(text, start, end, section, bullet, skip, sentences)
            continue
        _split_line(text, start, end, section, bullet, skip, sentences, key if config.titles else None,
                    config.titles)
        if config.inline_sentence and not skip and key.find(":", start, end) >= 0:
            _skip_inline_fields(key, sentences, first, config)
    if opening is not None:
        for sentence in sentences:
            if sentence.start >= opening:
                break
            sentence.skip = True
    return sentences


def field_opener_pattern(words: list[str]) -> re.Pattern[str] | None:
    """A comma or ";" before one of ``words`` (typed with or without marks), or None when there are none."""
    if not words:
        return None
    forms = sorted({f for w in words for f in (w.lower(), strip_diacritics(w.lower()))}, key=len, reverse=True)
    return re.compile(r"[,;]\s*(?=(?:" + "|".join(re.escape(f) for f in forms) + r")\b)")


def _known_field(key: str, start: int, end: int, config: SplitterConfig) -> bool:
    """Whether ``key[start:end]`` opens with a header the pack knows and a colon."""
    header = (_HEADER_HYPHEN if config.qualifiers else _HEADER).match(key, start, end)
    return header is not None and config.known(_name(header.group(1))) in config.headers | config.skip


def continuation_pattern(words: list[str]) -> re.Pattern[str] | None:
    """A line's end on one of ``words`` (accent-free), or None when there are none."""
    if not words:
        return None
    forms = sorted({strip_diacritics(w.lower()) for w in words}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")[ \t]*$")


def _line_spans(key: str, config: SplitterConfig, text: str = "") -> list[tuple[int, int]]:
    """The (start, end) of each line of ``key``; with pack line_continuations, a line ending in one of them (a report
    wrapped at a fixed width: "Vùng sau tim sáng, không thấy\nđám mờ.") is one line with the next when that one
    opens with a small letter in ``text`` (not a bullet, a number, a blank line or a capitalised field or row name), or
    is one or two words ("không thấy\nTDMP")."""
    spans = [m.span() for m in _LINE.finditer(key)]
    cont = config.continuations
    if cont is None or len(spans) < 2:
        return spans
    out = [spans[0]]
    for start, end in spans[1:]:
        last_start, last_end = out[-1]
        if key[last_end:start] == "\n" and _LETTER_START.match(key, start) and (
                text[start:start + 1].islower() or len(key[start:end].split()) <= 2) and _runs_on(
                key, last_start, last_end, cont):
            out[-1] = (last_start, end)
        else:
            out.append((start, end))
    return out


_LETTER_START = re.compile(r"[^\W\d_]")


def _runs_on(key: str, start: int, end: int, cont: re.Pattern[str]) -> bool:
    """Whether the line ``key[start:end]`` ends in a continuation with a statement before it in its field: a field's
    whole value ("TKMP: không có", "Tổn thương phổi: không thấy") is a post-negation and ends there."""
    line = strip_diacritics(key[start:end])
    found = cont.search(line)
    if found is None:
        return False
    return _LETTER_START.search(line, line.rfind(":", 0, found.start()) + 1, found.start()) is not None


def _lines(key: str, inline_headers: bool, config: SplitterConfig, text: str = "") -> Iterator[tuple[int, int]]:
    """The (start, end) of each line of ``key``; with ``inline_headers``, a line is cut before each inline field."""
    cut_lines = inline_headers and (" / " in key or " // " in key or "|" in key or ";" in key)
    for start, end in _line_spans(key, config, text or key):
        if cut_lines:
            for cut in _INLINE_HEADER.finditer(key, start, end):
                if "/" in key[cut.start():cut.end()] and len(key[start:cut.start()].split()) == 1 \
                        and not _known_field(key, cut.end(), end, config):
                    # "Nốt / khối phổi: (-)": a spaced "/" after a line's first and only word, before a field name the
                    # pack does not know, joins two names of one field (cut there, "Nốt" alone read a nodule present);
                    # "FINDINGS / Mô tả:" is still cut.
                    continue
                yield start, cut.start()
                start = cut.end()
        yield start, end


def _opens_signature(key: str, start: int, end: int, signature: frozenset[str]) -> bool:
    """Whether the line ``key[start:end]`` opens with a title and a period or space ("BS. ", "Dr. ", "BS CKI.")."""
    first = _FIRST_WORD.match(key, start, end)
    return (first is not None and first.end() < end and key[first.end()] in ". "
            and strip_diacritics(first.group(1)) in signature)


_SIGNED_FIELD = re.compile(r"[ \t]*([^\W\d_][^.\n]{0,40}?[ \t:])((?:[^\W\d_]{1,2}\.[ \t]*)+)([^\W\d_]+)[ \t]*(?:$|[-/;,|–])",
                           re.MULTILINE)


def _signed_field(text: str, start: int, end: int, signature: frozenset[str]) -> bool:
    """Whether the line is signed with a name's initials ("Ký: L. Đ. Lan", "Bác sĩ đọc: Đ. Q. Tâm", "BS: Le D. Phuc",
    "Người đọc: BSNT Đặng T. Lan / Duyệt: ...", "Người đọc Đ. Đ. Lan"): capital initials, then a capitalised name
    that ends the line or its field; a field's value holds only titles and capitalised names before them (a line
    with no colon: at most four words). The match stops at ``end`` (the line's end is the string's end for "$")."""
    m = _SIGNED_FIELD.match(text, start, end)
    if m is None or not m.group(3).istitle() or not all(i.strip()[0].isupper() for i in m.group(2).split(".")[:-1]):
        return False
    field, colon, value = m.group(1).rpartition(":")
    if not colon:
        return len(value.split()) <= 4
    return all(w.istitle() or strip_diacritics(w.lower()) in signature for w in value.split())


def _skip_inline_fields(key: str, sentences: list[Sentence], first: int, config: SplitterConfig) -> None:
    """pack skip_inline "sentence": a known skipped field opening a later sentence of its line is that sentence
    ("BN nữ 85 tuổi. Lâm sàng: sốt, TD viêm phổi.": the clinical question names no finding on this film)."""
    for sentence in sentences[first:]:
        if key.find(":", sentence.start, sentence.end) < 0:
            continue
        header = (_HEADER_HYPHEN if config.qualifiers else _HEADER).match(key, sentence.start, sentence.end)
        if header and config.known(_name(header.group(1))) in config.skip:
            sentence.skip = True


def _findings_header_after(key: str, pos: int, config: SplitterConfig) -> bool:
    """Whether a line after ``pos`` opens with a known labelled header ("Mô tả:", "KẾT LUẬN")."""
    for line in _LINE.finditer(key, pos):
        name, _ = _header(key, line.start(), line.end(), config)
        if name is not None and name in config.headers:
            return True
    return False


def _header(key: str, start: int, end: int, config: SplitterConfig) -> tuple[str | None, int]:
    """(header name, end of the header) of the line ``key[start:end]``, or (None, start)."""
    header = (_HEADER_HYPHEN if config.qualifiers else _HEADER).match(key, start, end) if key.find(":", start, end) >= 0 else None
    if header:
        return config.known(_name(header.group(1))), header.end()
    return _loose_header(key, start, end, config)


def _name(header: str) -> str:
    """A header name with its words single-spaced ("chan  doan " -> "chan doan"), as the pack lists it."""
    return " ".join(header.replace("-", " ").split()) if "-" in header else " ".join(header.split())


def _loose_header(key: str, start: int, end: int, config: SplitterConfig,
                  text: str | None = None) -> tuple[str | None, int]:
    """A known header of another shape ("Datos clínicos.", "JC.-", a bare "HALLAZGOS" line)."""
    first = _FIRST_WORD.match(key, start, end)
    if first is None or first.group(1) not in config.first_words:
        return None, start
    loose = _LOOSE_HEADER.match(key, start, end)
    if loose:
        name = " ".join(loose.group(1).split())
        if name in config.headers or name in config.skip:
            return name, loose.end()
    words = key[start:end].split()
    for n in (3, 2):
        # "Juicio clínico crepitantes en base derecha": a known request field of two or more words opens the
        # line without punctuation (one word would be too common: "técnica deficiente"); so does a known
        # labelled header typed in capitals ("KẾT LUẬN Không có dấu hiệu bệnh lý").
        name = " ".join(words[:n])
        if len(words) > n and (name in config.skip or name in config.headers):
            header_end = key.index(words[n - 1], start) + len(words[n - 1])
            if name in config.skip or (text is not None and text[start:header_end].isupper()):
                return name, header_end
    return None, start


def _is_bullet(marker: str, config: SplitterConfig) -> bool:
    stripped = marker.strip()
    if not stripped:
        return False
    if stripped[0].isdigit() or stripped.endswith(")"):
        return True
    return any(stripped.startswith(b) for b in config.bullets) or stripped[0] in "•·>–—→"


_LAST_WORD = re.compile(r"[^\W\d_]+$")
_LAST_WORD_REACH = 48  # s11-speed: letters searched back from a period before the whole line is


def _last_word(key: str, pos: int, end: int) -> re.Match | None:
    """``_LAST_WORD.search(key, pos, end)`` without trying every start in the line: the letters that end at ``end``
    are searched for in its last ``_LAST_WORD_REACH`` characters first, the whole line only when they fill them."""
    near = end - _LAST_WORD_REACH
    if near <= pos:
        return _LAST_WORD.search(key, pos, end)
    found = _LAST_WORD.search(key, near, end)
    if found is not None and found.start() == near:
        return _LAST_WORD.search(key, pos, end)  # the word may begin before the window
    return found


def _split_line(text: str, start: int, end: int, section: str | None, bullet: int | None,
                skip: bool, out: list[Sentence], key: str | None = None, titles: frozenset[str] = frozenset()) -> None:
    pos = start
    for stop in _SENT_END.finditer(text, start, end):
        if key is not None and stop.group() == ".":
            title = _last_word(key, pos, stop.start())
            if title is not None and strip_diacritics(title.group()) in titles:
                continue  # "BS. Trần Thị B": the title's period
        stop_end = stop.end()
        _add(text, pos, stop_end, section, bullet, skip, out)
        pos = stop_end
    _add(text, pos, end, section, bullet, skip, out)


def _add(text: str, start: int, end: int, section: str | None, bullet: int | None, skip: bool,
         out: list[Sentence]) -> None:
    segment = text[start:end]
    stripped = segment.strip()
    if stripped and _LETTER.search(stripped):
        start += len(segment) - len(segment.lstrip())
        out.append(Sentence(start, start + len(stripped), section, bullet, skip))
