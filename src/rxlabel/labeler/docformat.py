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
# s12-sbar: an AI print-out's score row: a finding's name, a cell bar / dotted leader / colon / tab, a score (0.03,
# 0,81, 1.00, 87%) and an optional mark ("| Nốt/khối phổi | 0.10 | âm tính |", "Gãy xương ..... 0.06  -", "Nốt: 0.81 (+)")
_SCORE_ROW = re.compile(
    r"^[ \t]*\|?[ \t]*(?P<name>[^\W\d_][^|\n:.]{0,40}?)[ \t]*(?:\||\.{2,}|:|\t)[ \t]*"
    r"(?P<score>(?:0|1)[.,]\d{1,3}|\d{1,3}(?:[.,]\d)?[ \t]*%)[ \t]*\|?(?P<mark>[^|\n]{0,30}?)[ \t]*\|?[ \t]*$",
    re.MULTILINE)
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
    handover: re.Pattern | None = None  # s12-sbar: an SBAR handover note's labelled sections (``layout.handover``)
    handover_roles: dict[str, str] = field(default_factory=dict)  # group name -> role
    handover_min: int = 3
    handover_film: re.Pattern | None = None
    scores: re.Pattern | None = None  # s12-sbar: an AI print-out's title (``layout.ai_scores``)
    score_absent: re.Pattern | None = None
    score_present: re.Pattern | None = None
    score_threshold: float = 0.5

    @classmethod
    def from_spec(cls, records: dict, quoted: dict, form: dict | None = None,
                  final: dict | None = None, triage: dict | None = None, crf: dict | None = None,
                  handover: dict | None = None, scores: dict | None = None) -> DocFormat | None:
        form, final, triage, crf, handover = form or {}, final or {}, triage or {}, crf or {}, handover or {}
        scores = scores or {}
        if not any((records, quoted, form, final, triage, crf, handover, scores)):
            return None
        sections, roles = _handover_sections(handover.get("sections") or {})
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
            triage=_any([f"^[ \t]*(?:{_spaced(p)})" for p in triage.get("fields") or ()], re.IGNORECASE | re.MULTILINE),
            confirm=_any([f"^[ \t]*(?:{_spaced(p)})" for p in triage.get("confirmations") or ()],
                         re.IGNORECASE | re.MULTILINE),
            agree=_any([f"[ \t]*(?:{p})\\b[ \t.,;:-]*" for p in triage.get("agree") or ()]),
            reject=_any([f"[ \t]*(?:{p})\\b[ \t.,;:-]*" for p in triage.get("reject") or ()]),
            crf=_any(crf.get("documents")),
            crf_read=_any(crf.get("read_fields")),
            crf_values=_any(crf.get("value_fields")),
            crf_absent=_any([f"(?:{p})[ \t.]*$" for p in crf.get("absent_values") or ()]),
            crf_variables=_any(crf.get("read_variables")),
            handover=sections,
            handover_roles=roles,
            handover_min=int(handover.get("min_sections", 3)),
            handover_film=_any(handover.get("film")),
            scores=_any(scores.get("documents")),
            score_absent=_any([f"(?:{p})[ \t.]*$" for p in scores.get("absent") or ()]),
            score_present=_any([f"(?:{p})" for p in scores.get("present") or ()]),
            score_threshold=float(scores.get("threshold", 0.5)),
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
        if self.handover is not None:
            found = self._handover_edits(text)
            if found:
                return found, ["handover"]
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
        if self.scores is not None:
            found, queued = self._score_edits(text)
            if found:
                return found, ["ai_unconfirmed" if queued else "ai_scores"]
        if self.final is not None:
            found = self._final_edits(text)
            if found:
                return found, ["final_reading"]
        return [], []

    # -- SBAR handover note (s12-sbar) ---------------------------------------------------------------

    def _handover_edits(self, text: str) -> list[tuple[int, int, str]]:
        """A ward handover written as SBAR ("S: BN nam 71t, viêm phổi ...", "B: đã chọc tháo dịch ...", "A: M 82, HA
        125/70 ... XQ phổi sáng nay: TDMP T giảm ...", "R: tiếp tục kháng sinh"): at least ``min_sections`` distinct
        section labels at line starts, one of them an assessment. The situation and background (clinical history)
        and the recommendation (advice) are blanked; of an assessment, the film's quotation is read (from the film's
        label, ``handover.film`` or ``quoted_film.labels``, to the section's end) and the vital signs and labs before it are blanked; an
        assessment quoting no film is read whole (its label blanked). Without an assessment quoting the film, a film
        quoted in the situation is read the same way (the background is the past: never read)."""
        found = [m for m in self.handover.finditer(text)]
        kinds = {m.lastgroup for m in found}
        roles = [self.handover_roles[m.lastgroup] for m in found]
        if len(kinds) < self.handover_min or "reading" not in roles:
            return []
        bounds = [m.start() for m in found] + [len(text)]
        spans = [(m, roles[i], m.start(), bounds[i + 1]) for i, m in enumerate(found)]
        film = self.handover_film or self.labels
        reads = {role: [(m, a, b, film.search(text, m.end(), b) if film is not None else None)
                        for m, r, a, b in spans if r == role] for role in ("reading", "situation")}
        quoted = [x for x in reads["reading"] if x[3] is not None] or [x for x in reads["situation"] if x[3] is not None]
        read = {x[1]: x for x in (quoted or reads["reading"])}
        edits: list[tuple[int, int, str]] = []
        if found[0].start() > 0:
            edits.append((0, found[0].start(), ""))  # the note's title, the bed and ward before its first section
        for m, _role, a, b in spans:
            if a not in read:
                edits.append((a, b, ""))
                continue
            label = read[a][3]
            edits.append((a, label.start() if label is not None else m.end(), ""))
        return edits

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

    # -- AI score print-out with no doctor's confirmation (s12-sbar) -------------------------------------

    def _score_edits(self, text: str) -> tuple[list[tuple[int, int, str]], bool]:
        """An AI print-out's score rows ("| Tràn dịch màng phổi | 0.03 | - |", "Tràn khí màng phổi ...... 0.91
        PHÁT HIỆN", "Nốt: 0.81 (+)") when no doctor confirmed it (a confirmation is read by ``triage``): a row
        marked absent (``absent``: "-", "âm tính", "không phát hiện"), or unmarked with a score under ``threshold``,
        is no finding and reads "<name>: ko"; a row marked present (``present``: "+", "PHÁT HIỆN", "NGHI NGỜ") or
        unmarked at or over the threshold is a machine's finding no reader confirmed: blanked, and the report
        queued (``ai_unconfirmed``). Needs the print-out's title in the first 200 characters and two score rows."""
        if self.scores.search(text, 0, 200) is None or (self.confirm is not None and self.confirm.search(text)):
            return [], False
        edits: list[tuple[int, int, str]] = []
        queued = False
        rows = 0
        for m in _SCORE_ROW.finditer(text):
            rows += 1
            mark = (m.group("mark") or "").strip()
            value = m.group("score").replace(",", ".").replace(" ", "")
            score = float(value[:-1]) / 100 if value.endswith("%") else float(value)
            absent = (self.score_absent.match(mark) is not None if mark and self.score_absent is not None
                      else False)
            present = (not absent and mark and self.score_present is not None
                       and self.score_present.search(mark) is not None)
            if not absent and not present and score < self.score_threshold:
                absent = True
            if absent:
                edits.append((m.start(), m.start("name"), ""))
                edits.append((m.end("name"), m.end(), ": ko"))
            else:
                queued = True
                edits.append((m.start(), m.end(), ""))
        return (edits, queued) if rows >= 2 else ([], False)

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


def _handover_sections(spec: dict) -> tuple[re.Pattern | None, dict[str, str]]:
    """One pattern of every SBAR section label (a named group per label kind) and each group's role, from
    ``layout.handover.sections`` (role -> {kind: [label regexes]})."""
    alternatives, roles = [], {}
    for role, kinds in spec.items():
        if role == "__line__" or not isinstance(kinds, dict):
            continue
        for kind, labels in kinds.items():
            if kind == "__line__":
                continue
            group = f"k_{len(roles)}"
            roles[group] = str(role)
            labels = [labels] if isinstance(labels, str) else list(labels or ())
            alternatives.append(f"(?P<{group}>{'|'.join(f'(?:{p})' for p in labels)})")
    if not alternatives:
        return None, {}
    pattern = f"^[ \t]*(?:[-+•*]+[ \t]*)?(?:{'|'.join(alternatives)})[ \t]*(?:\\([^()\n]{{0,30}}\\)[ \t]*)?[:：]"
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE), roles


def _spaced(pattern: str) -> str:
    """``pattern`` with each literal space outside a character class read as a run of spaces or tabs (s12-sbar: a
    print-out's "BS CDHA xac  nhan" typed with a doubled space is the same confirmation)."""
    out, depth, escaped = [], 0, False
    for ch in pattern:
        if escaped:
            out.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        out.append("[ \t]+" if ch == " " and not depth else ch)
    return "".join(out)


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
