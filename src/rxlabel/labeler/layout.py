"""Report layouts the splitter does not read, rewritten before it (pack ``layout``, e.g. rules/vi/layout.yaml).

Reports pasted from a chat ("[09:02] BS Lan: tim không to"), a word processor's table ("| Màng phổi | Không
thấy tràn dịch. |"), a web page ("<b>KẾT LUẬN</b>", "**Tim:**", "&nbsp;"), a checklist ("[x] Tràn dịch",
"[ ] Tràn khí"), a line of arrows ("→ tim:", "=> KL:") or a voice dictation ("tim không to phẩy phổi sáng chấm")
hold sentences the pack reads once the layout is out of the way. ``Layout.rewrite`` returns the text the splitter
reads and the matching key, both the same length as the report (offsets and evidence stay the report's own):

* ``line_prefixes``: regexes at a line's start (a chat line's time and speaker) are blanked; a speaker whose name is
  a known header ("[09:02] Tim: không to") is kept;
* ``markup``: regexes blanked anywhere (HTML tags, ``**``, entities); ``line_breaks``: regexes read as a line end
  ("<br>");
* ``bullets``: marks at a line's start read as a bullet ("→", "=>");
* ``table``: a row "| a | b | c |" reads "a: b; c" (its first cell names the field or region), a rule row
  "|---|---|" is blank;
* ``checklist``: a ``present`` mark at a line's start ("[x]", "(+)") is blanked, an ``absent`` one ("[ ]",
  "(-)") is written as the pack's ``negation`` word ("[ ] Tràn khí" reads "ko Tràn khí");
* ``options``: a line of two or more ``present``/``absent`` option boxes ("Tràn dịch: Có [ ] Không [x]") reads as
  the ticked option ("Tràn dịch: Không");
* ``dictation``: when a ``dictation.markers`` regex is found, the report is dictated and each ``dictation.words``
  entry (regex -> punctuation, "\\n" a line end, "" nothing) is read as what it says ("phẩy" -> ","); these are
  matched on the key, so they are written in lower case;
* ``hard_wraps``: a report printed at a fixed width (a thermal printer's 32-column slip: its rule lines, "====" or
  "----", are between ``min_width`` and ``max_width`` long) whose lines were cut mid-sentence ("Tim không to, quai ĐMC không\ngiãn") has each cut
  line joined to the next: a line ending with no sentence mark, the next opening with a lower-case letter or a digit
  (no bullet, no header), and the next line's first word too long to have fitted after it (the width is the rule
  lines'; a line a typo made longer does not widen it), or a bracket left open. Two such cuts at least.

A report none of these shapes touches is returned as it came (four regex searches).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .docformat import DocFormat, apply_edits

_LINE = re.compile(r"[^\n]+")
_SPACE = re.compile(r"[ \t]*")
_TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")
_LETTER = re.compile(r"[^\W\d_]")
_PLAIN_BULLET = re.compile(r"(?:[-+•*]|\d{1,2}[.)])[ \t]+")  # "- [ ] Tràn khí", "1. [ ] Nốt": a list's bullet or number
_FIELD_BOX = re.compile(r":[ \t]*")  # "Nốt / khối: [ ]": a field whose one value is its box
_WRAP_NEXT = re.compile(r"[ \t]*([^\W_]\S*)")  # the next line's first word
_WRAP_STOPS = ".;:!?"
_RULE_LINE = re.compile(r"[ \t]*([=*_~#-])\1{7,}[ \t]*$")  # a line ending with one of these ended its sentence


def hard_wrap_edits(text: str, min_width: int, max_width: int) -> list[tuple[int, int, str]]:
    """The line ends of ``text`` a fixed-width printer cut inside a sentence, each read as a space (see the module
    docstring); none when the report is not printed at one width or fewer than two cuts are found."""
    if not max_width or "\n" not in text:
        return []
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text)]
    widths = [len(text[s:e].rstrip()) for s, e in lines]
    # the slip's rules ("====", "----") are printed at its full width; a line a typo made longer does not widen it
    rules = [w for (s, e), w in zip(lines, widths, strict=True) if w >= min_width and _RULE_LINE.match(text, s, e)]
    width = max(rules, default=0)
    if not min_width <= width <= max_width:  # no rule line: short lines typed one statement each, never joined
        return []
    cuts = []
    for (start, end), used, (nstart, nend) in zip(lines, widths, lines[1:], strict=False):
        if nstart != end + 1 or not used or text[start + used - 1] in _WRAP_STOPS:
            continue  # a blank line between, or the sentence ended
        word = _WRAP_NEXT.match(text, nstart, nend)
        if word is None or not (word.group(1)[0].islower() or word.group(1)[0].isdigit()):
            continue
        line = text[start:start + used]
        if used + 1 + len(word.group(1)) > width or line.count("(") > line.count(")"):  # or a bracket left open
            cuts.append((end, end + 1, " "))
    return cuts if len(cuts) >= 2 else []


def _alternation(patterns: Iterable[str], flags: int = re.IGNORECASE) -> re.Pattern | None:
    patterns = list(patterns)
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags) if patterns else None


@dataclass(frozen=True)
class Layout:
    """The compiled pack ``layout`` (see the module docstring)."""

    prefix: re.Pattern | None = None
    markup: re.Pattern | None = None
    line_break: re.Pattern | None = None
    bullet: re.Pattern | None = None
    table: bool = False
    present: re.Pattern | None = None
    absent: re.Pattern | None = None
    negation: str = ""
    option_present: re.Pattern | None = None
    option_absent: re.Pattern | None = None
    dictated: re.Pattern | None = None
    dictation: tuple[tuple[re.Pattern, str], ...] = ()
    gate: re.Pattern | None = None
    markup_gate: re.Pattern | None = None
    options_gate: re.Pattern | None = None
    wrap_min: int = 0
    wrap_max: int = 0  # 0: hard wraps are not rejoined
    doc: DocFormat | None = None  # s9-vif: documents carrying a report (labeler/docformat.py)

    @classmethod
    def from_pack(cls, spec: dict) -> Layout | None:
        """The layout of a pack's ``layout`` mapping (already validated by pack.py); None when it is empty."""
        if not spec:
            return None
        checklist = spec.get("checklist") or {}
        options = spec.get("options") or {}
        dictation = spec.get("dictation") or {}
        wraps = spec.get("hard_wraps") or {}
        parts = {
            "prefix": _alternation(spec.get("line_prefixes", ())),
            "markup": _alternation(spec.get("markup", ())),
            "line_break": _alternation(spec.get("line_breaks", ())),
            "bullet": _alternation(re.escape(b) for b in spec.get("bullets", ())),
            "present": _alternation(checklist.get("present", ())),
            "absent": _alternation(checklist.get("absent", ())),
            "option_present": _alternation(options.get("present", ()), flags=0),  # boxes: no case to fold
            "option_absent": _alternation(options.get("absent", ()), flags=0),
        }
        # Two searches decide whether a report needs the line-by-line pass at all: one for the shapes that open a line
        # (anchored there, so a "(-)" after a finding or a time inside a sentence costs nothing), one for markup.
        openers = [p.pattern for p in (parts["prefix"], parts["bullet"]) if p is not None]
        marks = [p.pattern for p in (parts["present"], parts["absent"]) if p is not None]
        if marks:
            openers.append(f"(?:{_PLAIN_BULLET.pattern})?(?:{'|'.join(marks)})")
        if spec.get("table"):
            openers.append(r"\|")
        anywhere = [p.pattern for p in (parts["markup"], parts["line_break"]) if p is not None]
        boxes = [p.pattern for p in (parts["option_present"], parts["option_absent"]) if p is not None]
        return cls(**parts, table=bool(spec.get("table")), negation=str(checklist.get("negation", "")),
                   dictated=_alternation(dictation.get("markers", ()), flags=0),
                   dictation=tuple((re.compile(p), str(r)) for p, r in (dictation.get("words") or {}).items()),
                   gate=_alternation([f"^[ \t]*(?:{'|'.join(openers)})"] if openers else (),
                                     re.IGNORECASE | re.MULTILINE),
                   markup_gate=_alternation(anywhere), options_gate=_alternation(boxes, flags=0),
                   wrap_min=int(wraps.get("min_width", 0)), wrap_max=int(wraps.get("max_width", 0)),
                   doc=DocFormat.from_spec(spec.get("records") or {}, spec.get("quoted_film") or {},
                                          spec.get("form") or {}, spec.get("final_reading") or {},
                                          spec.get("triage") or {}, spec.get("crf") or {},
                                          spec.get("handover") or {}, spec.get("ai_scores") or {}))

    def document(self, text: str, key: str) -> tuple[str, str, list[str]]:
        """(text, key, extractor names) after the document-format pre-pass (labeler/docformat.py): the report
        text an HIS export or a discharge summary carries, the rest blanked; as it came when none applies."""
        if self.doc is None:
            return text, key, []
        edits, names = self.doc.edits(text)
        if not edits:
            return text, key, []
        return apply_edits(text, edits), apply_edits(key, edits), names

    def rewrite(self, text: str, key: str, is_header: Callable[[str], bool]) -> tuple[str, str]:
        """(text for the splitter, key) of ``text`` and its ``key``; ``is_header(name)``: a header the pack knows."""
        edits: list[tuple[int, int, str]] = []
        boxed = self.options_gate is not None and self.options_gate.search(text) is not None
        if boxed or any(gate is not None and gate.search(text) for gate in (self.gate, self.markup_gate)):
            self._layout_edits(text, is_header, edits, boxed)
        if self.dictated is not None and self.dictated.search(key):
            for pattern, said in self.dictation:  # on the key: lower case, one case to match
                edits.extend((m.start(), m.end(), said) for m in pattern.finditer(key)
                             if not _overlaps(m.start(), m.end(), edits))
        if self.wrap_max:
            edits.extend(cut for cut in hard_wrap_edits(text, self.wrap_min, self.wrap_max)
                         if not _overlaps(cut[0], cut[1], edits))
        if not edits:
            return text, key
        edits.sort()
        return _apply(text, edits), _apply(key, edits)

    def _layout_edits(self, text: str, is_header: Callable[[str], bool], edits: list[tuple[int, int, str]],
                      boxed: bool) -> None:
        for line in _LINE.finditer(text):
            start, end = line.span()
            pos = _SPACE.match(text, start, end).end()
            if self.prefix is not None:
                prefix = self.prefix.match(text, pos, end)
                if prefix and not _names_header(prefix.group(), is_header):
                    edits.append((prefix.start(), prefix.end(), ""))
                    pos = _SPACE.match(text, prefix.end(), end).end()
            if self.table and text.startswith("|", pos):
                self._table_row(text, pos, end, edits)
                self._cell_boxes(text, pos, end, edits, boxed)
                continue
            if self.bullet is not None:
                mark = self.bullet.match(text, pos, end)
                if mark:
                    edits.append((mark.start(), mark.end(), "-"))
                    pos = _SPACE.match(text, mark.end(), end).end()
            plain = _PLAIN_BULLET.match(text, pos, end)
            if plain:
                pos = plain.end()
            if not (boxed and self._options(text, pos, end, edits)):
                self._checkbox(text, pos, end, edits)
        for pattern, said in ((self.markup, ""), (self.line_break, "\n")):
            if pattern is not None:
                edits.extend((m.start(), m.end(), said) for m in pattern.finditer(text)
                             if not _overlaps(m.start(), m.end(), edits))

    def _cell_boxes(self, text: str, pos: int, end: int, edits: list[tuple[int, int, str]], boxed: bool) -> None:
        """A table cell's checklist mark or option boxes ("| Tràn khí màng phổi | [ ] có  [x] không |") read as on a
        line of their own (the ticked option, the mark's negation)."""
        bars = [i for i in range(pos, end) if text[i] == "|"] + [end]
        for cell_start, cell_end in zip(bars[1:], bars[2:], strict=False):
            start = _SPACE.match(text, cell_start + 1, cell_end).end()
            if start < cell_end and not (boxed and self._options(text, start, cell_end, edits)):
                self._checkbox(text, start, cell_end, edits)

    def _checkbox(self, text: str, pos: int, end: int, edits: list[tuple[int, int, str]]) -> None:
        for pattern, said in ((self.present, ""), (self.absent, self.negation)):
            mark = pattern.match(text, pos, end) if pattern is not None else None
            # a mark before the item's words ("[ ] Tràn khí"), never one after ("TDMP (-)")
            if mark and _LETTER.match(text, _SPACE.match(text, mark.end(), end).end()) \
                    and len(said) <= mark.end() - mark.start():
                edits.append((mark.start(), mark.end(), said))
                return
        # a field whose one value is a box, the line's last mark ("Nốt / khối: [ ]", "Tràn khí: [x]"): the box is its
        # answer, written as the negation after the field ("Nốt / khối: ko") or blanked
        colon = text.rfind(":", pos, end)
        if colon < 0 or not _LETTER.search(text, pos, colon):
            return
        at = _FIELD_BOX.match(text, colon, end).end()
        for pattern, said in ((self.present, ""), (self.absent, self.negation)):
            mark = pattern.match(text, at, end) if pattern is not None else None
            if mark and not text[mark.end():end].strip() and len(said) <= mark.end() - mark.start():
                edits.append((mark.start(), mark.end(), said))
                return

    def _options(self, text: str, pos: int, end: int, edits: list[tuple[int, int, str]]) -> bool:
        """A line of two or more option boxes ("Tràn dịch: Có [ ] Không [x]", "[x] Có [ ] Không", "Bình thường [ ]
        Bất thường [x]"): an option not ticked is blanked with its box, a ticked one is read without its box, so the
        line reads "Tràn dịch: Không"; a line with no box ticked states nothing and is blanked. Whether the boxes
        stand after their options or before them: after, when no words follow the last box."""
        if self.option_present is None or self.option_absent is None:
            return False
        boxes = [(m.start(), m.end(), True) for m in self.option_present.finditer(text, pos, end)]
        boxes += [(m.start(), m.end(), False) for m in self.option_absent.finditer(text, pos, end)]
        if len(boxes) < 2:
            return False
        boxes.sort()
        if not any(ticked for _, _, ticked in boxes):
            edits.append((pos, end, ""))
            return True
        after = not _LETTER.search(text, boxes[-1][1], end)
        if after:
            colon = text.rfind(":", pos, boxes[0][0])
            starts = [colon + 1 if colon >= 0 else pos] + [e for _, e, _ in boxes[:-1]]
            spans = [(start, b_end) for start, (_, b_end, _) in zip(starts, boxes, strict=True)]
        else:
            ends = [s for s, _, _ in boxes[1:]] + [end]
            spans = [(b_start, stop) for (b_start, _, _), stop in zip(boxes, ends, strict=True)]
        for (box_start, box_end, ticked), (start, stop) in zip(boxes, spans, strict=True):
            edits.append((box_start, box_end, "") if ticked else (start, stop, ""))
        return True

    @staticmethod
    def _table_row(text: str, pos: int, end: int, edits: list[tuple[int, int, str]]) -> None:
        if _TABLE_RULE.match(text, pos, end):
            edits.append((pos, end, ""))
            return
        bars = [i for i in range(pos, end) if text[i] == "|"]
        if text[bars[-1] + 1:end].strip() == "" and len(bars) > 1:
            edits.append((bars[-1], bars[-1] + 1, ""))  # the closing bar
            bars.pop()
        edits.append((pos, pos + 1, ""))
        for n, bar in enumerate(bars[1:]):
            cell = text[bars[n]:bar]
            # "| Màng phổi | Không thấy ... |": the first cell names the field ("Màng phổi: ..."), later cells are
            # clauses of the same statement; an empty cell is nothing.
            edits.append((bar, bar + 1, (":" if n == 0 else ";") if _LETTER.search(cell) else ""))


def _names_header(prefix: str, is_header: Callable[[str], bool]) -> bool:
    """Whether a line prefix's speaker ("[09:02] Tim:") is a header the pack knows."""
    speaker = prefix.rstrip().rstrip(":")
    if "]" in speaker:
        speaker = speaker[speaker.rindex("]") + 1:]
    name = " ".join(speaker.split()).lower()
    return bool(name) and is_header(name)


def _overlaps(start: int, end: int, edits: list[tuple[int, int, str]]) -> bool:
    return any(s < end and start < e for s, e, _ in edits)


def _apply(s: str, edits: list[tuple[int, int, str]]) -> str:
    out: list[str] = []
    pos = 0
    for start, end, said in edits:
        out.append(s[pos:start])
        out.append(said.ljust(end - start)[:end - start])  # same length: a word longer than its span is cut
        pos = end
    out.append(s[pos:])
    return "".join(out)
