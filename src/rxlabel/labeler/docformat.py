"""Documents that are not radiology reports but carry one (pack ``layout.records`` / ``layout.quoted_film``).

A same-length pre-pass run before the other layout rewrites (labeler/layout.py), so offsets and evidence stay the
report's own. Each extractor names itself (``DocFormat.rewrite`` returns the names of those that applied; the engine
records them in the evidence as ``docformat:<name>``).

* ``records``: an HIS export whose lines are field-separated segments ("OBX|1|TX|MOTA^Mô tả|1|Tim không to~Phổi
  sáng||||||F", "KQ|02|MANGPHOI|Màng phổi không dày|"). It applies when ``min_lines`` lines at least open with a
  segment id (``segment``: upper-case letters, digits, "_", optionally "#", then ``|``). Per segment line:
  a segment in ``drop_segments`` (message header, patient, order: MSH, PID, OBR) is blanked whole; a line holding a
  field code in ``drop_codes`` (the signing doctor "KQ|BS|...") is blanked whole; otherwise each field is read by
  its shape: a code (no space, no lower-case letter: "OBX", "1", "TX", "MOTA", "F") is blanked, or written as its
  header when ``headers`` maps it ("KL" -> "kl:"); a coded name "MOTA^Mô tả" is read as the header "Mô tả:"; free
  text is kept, its repetition mark ("~") read as a line end; each field ends its own line.
* ``form``: a form that carries the reading among its own fields (an injury assessment, a pre-visa TB form: at
  least two fields of its own, "Mã hồ sơ:", and one of the film, ``read_fields``): only the film's fields are read, a
  field with no value on its line reading the lines below it up to the next field; the rest is blanked.
* ``final_reading``: a slip read twice or settled at a meeting ("Đọc lần 1 - BS A: ... Đọc lần 2 - BS B: đồng ý.
  Kết luận thống nhất: ..."): only the agreed reading (a ``fields`` label at a line's start, up to the next field)
  is read; the readings it settles are blanked.
* ``triage``: an AI triage line (``fields``: "Kết quả AI:") and the doctor's confirmation below it
  (``confirmations``: "BS xác nhận:"): a bare agreement (``agree``) reads the AI's line; a rejection (``reject``)
  or the doctor's own words blank the AI's line and read the doctor's words after the verdict.
* ``quoted_film``: a document of another kind (``documents``: the opening of a discharge summary, "Giấy ra viện",
  "Tóm tắt bệnh án") that quotes the film in one of its fields ("Cận lâm sàng: CTM ...; X-quang ngực thẳng (11/08):
  bóng tim to => tim to. Chẩn đoán ra viện: ..."): only the quotation is read, from the film's label (``labels``,
  up to its colon) to the end of its sentence; the rest of the document (history, vital signs, discharge diagnosis,
  treatment) is blanked. A document with no film label is left as it came.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE = re.compile(r"[^\n]+")
_CODE = re.compile(r"[^\sa-zà-ỹđ]*", re.UNICODE)  # no space, no lower-case letter: "OBX", "1", "MOTA", "20240420"
_LOWER = re.compile(r"[a-zà-ỹđ]")
_LETTER = re.compile(r"[^\W\d_]")
# "Mã hồ sơ: ...", "Mô tả tổn thương:", "Kết luận giám định hình ảnh: ...": a form's field, unindented, a short label
_FIELD = re.compile(r"(?=[^\W\d_])[^:\n]{1,40}?:(?!\d)")
# s11-vifmt: a CRF field's number ("E3.", "E3a.", "C12)") and a variable export ("XQ_KETLUAN=", "XQ_TIM_TT=0")
_CRF_NUMBER = re.compile(r"[ \t]*[A-Za-z]{1,3}\d{1,3}[a-z]?[.)]?(?=[ \t])")
_CRF_VARIABLE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+[ \t]*=[ \t]*")
_TICKED = re.compile(r"[☒☑■▣]|\[[xXvV✓✔]\]")
_CRF_CODE = re.compile(r"[ \t]*(\[?([019])\]?)[ \t]*")
_BOX = re.compile(r"[☐☒☑■□▣]|\[[ xXvV✓✔_\d]?\]")
_SENTENCE_END = re.compile(r"\.(?=\s|\Z)|\n[ \t]*\n")


def _is_code(value: str) -> bool:
    value = value.strip()
    return not value or (_CODE.fullmatch(value) is not None and _LOWER.search(value) is None)


@dataclass(frozen=True)
class DocFormat:
    """The compiled ``records`` and ``quoted_film`` specs (see the module docstring)."""

    segment: re.Pattern | None = None
    min_lines: int = 2
    drop_segments: frozenset[str] = frozenset()
    drop_codes: frozenset[str] = frozenset()
    headers: dict[str, str] = field(default_factory=dict)
    repetition: str = "~"
    documents: re.Pattern | None = None
    labels: re.Pattern | None = None
    forms: re.Pattern | None = None
    read_fields: re.Pattern | None = None
    final: re.Pattern | None = None
    triage: re.Pattern | None = None
    confirm: re.Pattern | None = None
    agree: re.Pattern | None = None
    reject: re.Pattern | None = None
    crf: re.Pattern | None = None  # s11-vifmt: a research CRF's X-ray section (``layout.crf``)
    crf_read: re.Pattern | None = None
    crf_values: re.Pattern | None = None
    crf_absent: re.Pattern | None = None
    crf_variables: re.Pattern | None = None

    @classmethod
    def from_spec(cls, records: dict, quoted: dict, form: dict | None = None,
                  final: dict | None = None, triage: dict | None = None, crf: dict | None = None) -> DocFormat | None:
        form, final, triage, crf = form or {}, final or {}, triage or {}, crf or {}
        if not records and not quoted and not form and not final and not triage and not crf:
            return None
        seg = records.get("segment") if records else None
        documents = quoted.get("documents") if quoted else None
        labels = quoted.get("labels") if quoted else None
        return cls(
            segment=re.compile(seg, re.MULTILINE) if seg else None,
            min_lines=int(records.get("min_lines", 2)) if records else 2,
            drop_segments=frozenset(s.upper() for s in (records or {}).get("drop_segments", ())),
            drop_codes=frozenset(s.upper() for s in (records or {}).get("drop_codes", ())),
            headers={str(k).upper(): str(v) for k, v in ((records or {}).get("headers") or {}).items()},
            repetition=str((records or {}).get("repetition", "~")),
            documents=re.compile("|".join(f"(?:{p})" for p in documents), re.IGNORECASE) if documents else None,
            labels=re.compile("|".join(f"(?:{p})" for p in labels), re.IGNORECASE) if labels else None,
            forms=_any(form.get("documents")),
            read_fields=_any(form.get("read_fields")),
            final=_any([f"^[ \t]*(?:[-+•*=>]+[ \t]*)?(?:{p})" for p in final.get("fields") or ()],
                       re.IGNORECASE | re.MULTILINE),
            triage=_any([f"^[ \t]*(?:{p})" for p in triage.get("fields") or ()], re.IGNORECASE | re.MULTILINE),
            confirm=_any([f"^[ \t]*(?:{p})" for p in triage.get("confirmations") or ()],
                         re.IGNORECASE | re.MULTILINE),
            agree=_any([f"[ \t]*(?:{p})\\b[ \t.,;:-]*" for p in triage.get("agree") or ()]),
            reject=_any([f"[ \t]*(?:{p})\\b[ \t.,;:-]*" for p in triage.get("reject") or ()]),
            crf=_any(crf.get("documents")),
            crf_read=_any(crf.get("read_fields")),
            crf_values=_any(crf.get("value_fields")),
            crf_absent=_any([f"(?:{p})[ \t.]*$" for p in crf.get("absent_values") or ()]),
            crf_variables=_any(crf.get("read_variables")),
        )

    def edits(self, text: str) -> tuple[list[tuple[int, int, str]], list[str]]:
        """(same-length edits, names of the extractors that applied) for ``text``."""
        if self.segment is not None and "|" in text:
            found = self._record_edits(text)
            if found:
                return found, ["records"]
        if self.documents is not None and self.labels is not None:
            found = self._quoted_edits(text)
            if found:
                return found, ["quoted_film"]
        if self.crf is not None and self.crf_read is not None:
            found = self._crf_edits(text)
            if found:
                return found, ["crf"]
        if self.forms is not None and self.read_fields is not None:
            found = self._form_edits(text)
            if found:
                return found, ["form"]
        if self.triage is not None and self.confirm is not None:
            found = self._triage_edits(text)
            if found:
                return found, ["triage_confirmed"]
        if self.final is not None:
            found = self._final_edits(text)
            if found:
                return found, ["final_reading"]
        return [], []

    # -- research CRF (s11-vifmt) -------------------------------------------------------------------------

    def _crf_edits(self, text: str) -> list[tuple[int, int, str]]:
        """A research CRF's X-ray section ("NGHIÊN CỨU: ...", "Mã đối tượng:", "E3. Tổn thương nhu mô: ☒ Không ☐ Có",
        "E3a. Mô tả: ...", "E8. Kết luận XQ (nguyên văn): ...", "XQ_KETLUAN=\"...\""): the film's own words alone
        are read (the description and conclusion fields, a verbatim conclusion variable, the free-text value of an
        "other findings / devices" field); the study title, visit, coded region fields (their ticks and 0/1/9 codes
        summarise the description below them), the code legend, monitor and query notes are blanked."""
        if self.crf.search(text, 0, 300) is None:
            return []
        edits: list[tuple[int, int, str]] = []
        read = numbered = 0
        block = False  # inside a read field whose value is typed on the lines below it
        for m in _LINE.finditer(text):
            start, end = m.span()
            num = _CRF_NUMBER.match(text, start, end)
            at = num.end() if num else start
            while at < end and text[at] in " \t":
                at += 1
            numbered += num is not None
            var = _CRF_VARIABLE.match(text, at, end)
            if var is not None:
                block = False
                numbered += num is None
                if self.crf_variables is not None and self.crf_variables.search(text, at, var.end() - 1):
                    read += 1
                    edits.append((start, var.end(), ""))  # the variable's name: its value is the conclusion
                    edits.extend((i, i + 1, "") for i in range(var.end(), end) if text[i] in "\"'“”")
                else:
                    edits.append((start, end, ""))
                continue
            colon = text.find(":", at, min(end, at + 80))
            if colon < 0:
                if not block:
                    edits.append((start, end, ""))
                continue
            block = False
            if self.crf_read.match(text, at, colon + 1):
                read += 1
                block = not text[colon + 1:end].strip()
                if num is not None:
                    edits.append((start, num.end(), ""))
                continue
            value = text[colon + 1:end].strip()
            if (self.crf_values is not None and self.crf_values.search(text, at, colon) and _LETTER.search(value)
                    and not (self.crf_absent is not None and self.crf_absent.match(value))
                    and not _BOX.search(value)):
                edits.append((start, colon + 1, ""))  # "Bất thường khác / dụng cụ: dẫn lưu màng phổi P"
                continue
            absent = self._crf_absent_value(text, colon + 1, end)
            if absent is None or (self.crf_values is not None and self.crf_values.search(text, at, colon)):
                edits.append((start, end, ""))  # a region ticked or coded present / unsure: its description says
                continue
            if num is not None:
                edits.append((start, num.end(), ""))
            edits.extend(absent)  # "E3. Tổn thương nhu mô: [0]" reads "Tổn thương nhu mô: ko"
        return edits if read and numbered >= 2 else []

    def _crf_absent_value(self, text: str, start: int, end: int) -> list[tuple[int, int, str]] | None:
        """The edits that read a coded field's value as absent ("[0]", "0" -> "ko"; a ticked "☒ Không" is left to the
        layout's options), or None when the value is not absent (ticked or coded present, unsure, free text)."""
        value = text[start:end]
        ticked = _TICKED.search(value)
        if ticked is not None:
            word = value[ticked.end():].lstrip()
            return [] if self.crf_absent is not None and self.crf_absent.match(_BOX.split(word)[0].strip()) else None
        code = _CRF_CODE.fullmatch(value)
        if code is not None:
            return [(start + code.start(1), start + code.end(1), "ko")] if code.group(2) == "0" else None
        stripped = value.strip()
        if stripped and self.crf_absent is not None and self.crf_absent.match(stripped) and _LETTER.search(stripped):
            return []
        return None

    # -- AI triage confirmed or rejected by a doctor -----------------------------------------------------

    def _triage_edits(self, text: str) -> list[tuple[int, int, str]]:
        """An AI triage line followed by the doctor's confirmation ("Kết quả AI: nghi tràn dịch màng phổi (0,87)"
        / "BS xác nhận: đồng ý"): a bare agreement reads the AI's line (the confirmation is blanked); a rejection
        ("không đồng ý, ...") or a confirmation in the doctor's own words blanks the AI's line and reads the
        doctor's words after the verdict."""
        ai = self.triage.search(text)
        doctor = self.confirm.search(text, ai.end()) if ai else None
        if ai is None or doctor is None:
            return []
        ai_end = text.find("\n", ai.start())
        ai_end = len(text) if ai_end < 0 or ai_end > doctor.start() else ai_end
        line_end = text.find("\n", doctor.end())
        line_end = len(text) if line_end < 0 else line_end
        verdict_at = doctor.end()
        rejected = self.reject.match(text, verdict_at, line_end) if self.reject is not None else None
        agreed = None if rejected else (self.agree.match(text, verdict_at, line_end) if self.agree is not None else None)
        verdict = rejected or agreed
        own = text[verdict.end() if verdict else verdict_at:line_end].strip()
        edits = [(ai.start(), ai.end(), "")]  # the AI's label ("Kết quả AI:") is no finding
        if rejected or own:
            edits = [(ai.start(), ai_end, "")]
        elif not verdict and not text[doctor.end():line_end].strip():
            # s11-vifmt: the doctor's reading typed on the lines below the confirmation ("BS CĐHA xác nhận (BS. Lan,
            # 11:20):" then "- ..."): the AI's print-out above it (its finding / score rows) is blanked whole
            edits = [(ai.start(), doctor.start(), "")]
        edits.append((doctor.start(), verdict.end() if verdict else doctor.end(), ""))
        if agreed and not own:
            edits[-1] = (doctor.start(), line_end, "")
        return sorted(edits)

    # -- final reading -----------------------------------------------------------------------------

    def _final_edits(self, text: str) -> list[tuple[int, int, str]]:
        """A slip read twice ("Đọc lần 1 ... Đọc lần 2: đồng ý. Kết luận thống nhất: ..."): the agreed reading
        alone is read, from its field to the next field; the readings it settles are blanked."""
        found = self.final.search(text)
        if found is None:
            return []
        edits: list[tuple[int, int, str]] = []
        reading = False
        for m in _LINE.finditer(text):
            start, end = m.span()
            if start <= found.start() < end or (start > found.start() and reading and not _FIELD.match(text, start, end)):
                reading = True
                continue
            reading = False
            edits.append((start, end, ""))
        return edits

    # -- forms -------------------------------------------------------------------------------------

    def _form_edits(self, text: str) -> list[tuple[int, int, str]]:
        if self.forms.search(text, 0, 200) is None:
            return []
        lines = list(_LINE.finditer(text))
        fields = [(m, _FIELD.match(text, m.start(), m.end())) for m in lines]
        other = sum(1 for m, f in fields if f and not self._read(text, m.start(), f.end()))
        if other < 2 or not any(f and self._read(text, m.start(), f.end()) for m, f in fields):
            return []  # a form has fields of its own (file number, name, category) besides the film's
        edits: list[tuple[int, int, str]] = []
        block = False  # inside a read field whose value is the indented or bulleted lines below it
        for m, f in fields:
            start, end = m.span()
            if f is not None:
                read = self._read(text, start, f.end())
                block = read and not text[f.end():end].strip()
                if not read:
                    edits.append((start, end, ""))
                continue
            if block:  # the value of a read field typed on the lines below it, up to the next field
                continue
            block = False
            edits.append((start, end, ""))
        return edits

    def _read(self, text: str, start: int, colon: int) -> bool:
        """Whether the field label text[start:colon] names the film's reading ("Mô tả:", "Findings / Mô tả:")."""
        if self.read_fields.match(text, start, colon):
            return True
        slash = text.rfind("/", start, colon)
        return slash >= 0 and self.read_fields.match(text, slash + 1, colon) is not None

    # -- records -----------------------------------------------------------------------------------

    def _record_edits(self, text: str) -> list[tuple[int, int, str]]:
        lines = [m for m in _LINE.finditer(text) if self.segment.match(text, m.start(), m.end())]
        if len(lines) < self.min_lines:
            return []
        edits: list[tuple[int, int, str]] = []
        for line in lines:
            start, end = line.span()
            bars = [i for i in range(start, end) if text[i] == "|"]
            bounds = [start - 1, *bars, end]
            fields = [(a + 1, b) for a, b in zip(bounds, bounds[1:], strict=False)]
            seg = text[fields[0][0]:fields[0][1]].strip().lstrip("#").upper()
            codes = {text[a:b].strip().upper() for a, b in fields[1:] if _is_code(text[a:b])}
            if seg in self.drop_segments or codes & self.drop_codes:
                edits.append((start, end, ""))
                continue
            run: list = []  # a run of code fields [start, end, header]: blanked as one, or written as its header
            for a, b in fields:
                value = text[a:b]
                close = b + 1 if b < end else b  # the field with the bar that closes it
                if _is_code(value) and "^" not in value:
                    header = self.headers.get(value.strip().upper())
                    if run:
                        run[1], run[2] = close, header or run[2]
                    else:
                        run = [a, close, header]
                    continue
                _flush(run, edits)
                run = []
                if "^" in value and not _LOWER.search(value.split("^")[0]):
                    # a coded name "MOTA^Mô tả": its name is the field's header
                    caret = value.rindex("^")
                    edits.append((a, a + caret + 1, ""))
                    if close > b:
                        edits.append((b, close, ":" if _LETTER.search(value[caret + 1:]) else ""))
                    continue
                for i in range(a, b):  # free text: a repetition mark is a line end
                    if text.startswith(self.repetition, i):
                        edits.append((i, i + len(self.repetition), "\n"))
                if close > b:
                    edits.append((b, close, "\n"))
            _flush(run, edits)
        return _merged(edits)

    # -- quoted film -------------------------------------------------------------------------------

    def _quoted_edits(self, text: str) -> list[tuple[int, int, str]]:
        if self.documents.search(text, 0, 200) is None:
            return []
        label = self.labels.search(text)
        if label is None:
            return []
        stop = _SENTENCE_END.search(text, label.end())
        end = stop.start() + 1 if stop else len(text)
        edits = []
        if label.start() > 0:
            edits.append((0, label.start(), ""))
        if end < len(text):
            edits.append((end, len(text), ""))
        return edits


def _any(patterns, flags: int = re.IGNORECASE) -> re.Pattern | None:
    patterns = list(patterns or ())
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags) if patterns else None


def _flush(run: list, edits: list[tuple[int, int, str]]) -> None:
    if run:
        start, stop, header = run
        said = f"{header}: " if header and len(header) + 1 <= stop - start else ""
        edits.append((start, stop, said))


def _merged(edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The edits sorted, any overlapping one dropped (a whole blanked line wins over its fields)."""
    out: list[tuple[int, int, str]] = []
    for e in sorted(edits, key=lambda e: (e[0], -(e[1] - e[0]))):
        if out and e[0] < out[-1][1]:
            continue
        out.append(e)
    return out


def apply_edits(s: str, edits: list[tuple[int, int, str]]) -> str:
    """``s`` with each (start, end, said) edit written in place, padded or cut to its span's length."""
    out: list[str] = []
    pos = 0
    for start, end, said in edits:
        out.append(s[pos:start])
        out.append(said.ljust(end - start)[:end - start])
        pos = end
    out.append(s[pos:])
    return "".join(out)
