"""Safe XML parsing for HIS exports: no external entities, no network, no entity bombs.

Errors carry the file and line so that a batch can report them and go on.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from rxlabel.errors import RxlabelError

# Windows-1258 is the legacy Vietnamese code page HIS exports still use, Windows-1252 (a superset of the
# printable ISO-8859-1) the Western European one of Spanish exports; one of them is chosen by the bytes when
# a file is not the UTF-8 it declares (see choose_single_byte).
FALLBACK_ENCODINGS = ("windows-1258", "windows-1252")
# Single-byte code pages that UTF-8 bytes are wrongly declared as (codecs names).
SINGLE_BYTE = frozenset({"iso8859-1", "iso8859-15", "cp1252", "cp1258"})
_DECLARATION = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
# A complete UTF-8 multibyte sequence (2, 3 or 4 bytes, no overlong lead bytes).
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# Bytes that in Windows-1258 are Vietnamese letters or tone marks (ă đ ơ ư, combining grave/acute/tilde/hook/dot)
# but in Windows-1252 are letters Spanish text hardly uses (Ã Ð Õ Ý ì ò þ ...).
_VIETNAMESE_BYTES = frozenset(b"\xc3\xe3\xd0\xf0\xd5\xf5\xdd\xfd\xcc\xec\xd2\xf2\xde")


class XmlInputError(RxlabelError, ValueError):
    """A HIS file that cannot be read: ``path:line: reason``."""

    def __init__(self, path: str, line: int | None, reason: str):
        self.path, self.line, self.reason = path, line, reason
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}")


@dataclass
class Parsed:
    root: etree._Element
    encoding: str
    warnings: list[str]


def _parser(recover: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False,
        remove_comments=True, remove_pis=True, recover=recover,
    )


def _prolog(data: bytes) -> bytes:
    """The bytes before the root element, where a DTD (and so any entity declaration) must sit."""
    i = 0
    while True:
        j = data.find(b"<", i)
        if j < 0 or j + 1 >= len(data):
            return data
        nxt = data[j + 1 : j + 2]
        if nxt in (b"?", b"!"):
            if data.startswith(b"<!--", j):
                end = data.find(b"-->", j)
                i = len(data) if end < 0 else end + 3
                continue
            if data.startswith(b"<!DOCTYPE", j) or data.startswith(b"<!doctype", j):
                return data[: _doctype_end(data, j)]
            i = j + 2
            continue
        return data[:j]


def _doctype_end(data: bytes, start: int) -> int:
    depth, i = 0, start
    while i < len(data):
        c = data[i : i + 1]
        if c == b"[":
            depth += 1
        elif c == b"]":
            depth -= 1
        elif c == b">" and depth <= 0:
            return i + 1
        i += 1
    return len(data)


def _refuse_entities(data: bytes, path: str) -> None:
    prolog = _prolog(data)
    # UTF-16 files interleave NULs; drop them so the check still sees the declaration.
    probe = prolog.replace(b"\x00", b"")
    if b"<!ENTITY" in probe or b"<!entity" in probe:
        line = probe[: probe.find(b"<!")].count(b"\n") + 1
        raise XmlInputError(
            path, line, "the file declares XML entities in a DTD: refused (entity expansion / external "
            "entity risk). Export the reports without a DOCTYPE."
        )
    if b"<!DOCTYPE" in probe and (b"SYSTEM" in probe or b"PUBLIC" in probe):
        line = probe[: probe.find(b"<!DOCTYPE")].count(b"\n") + 1
        raise XmlInputError(path, line, "the file references an external DTD: refused (no network, no external files).")


def _only_namespace_errors(log) -> bool:
    return all(e.domain_name == "NAMESPACE" for e in log if e.level_name in ("ERROR", "FATAL"))


def declared_encoding(data: bytes) -> str:
    """The ``encoding`` of the XML declaration as written ('' when none)."""
    m = _DECLARATION.match(data[:512])
    return m.group(1).decode("ascii") if m else ""


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def choose_single_byte(data: bytes) -> str:
    """Windows-1258 when the non-ASCII bytes look Vietnamese (its letters and tone marks are common), else
    Windows-1252; for bytes that are not UTF-8."""
    high = [b for b in data if b >= 0x80]
    vietnamese = sum(b in _VIETNAMESE_BYTES for b in high)
    # Measured: 66% of the non-ASCII bytes of the Vietnamese dev reports in cp1258, 0.2% of 22,000 in the Spanish
    # corpora of shared/data in cp1252; 30% leaves room for Catalan or Galician words (tòrax, São) in Spanish text.
    return "windows-1258" if high and vietnamese >= 0.3 * len(high) else "windows-1252"


def _sample(text: str, encoding: str) -> str:
    """The first non-ASCII word of ``text`` and what it becomes when its UTF-8 bytes are read as ``encoding``."""
    m = re.search(r"\w*[^\x00-\x7f]\w*", text)
    if not m:
        return ""
    word = m.group(0)
    return f"{word!r} would read as {word.encode('utf-8').decode(encoding, errors='replace')!r}"


def _redeclare(data: bytes, encoding: str) -> bytes:
    m = _DECLARATION.match(data[:512])
    return data[: m.start(1)] + encoding.encode("ascii") + data[m.end(1):] if m else data


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def check_encoding(data: bytes, path: str) -> tuple[bytes, list[str]]:
    """Catch the impossible decodings of an XML file before parsing (issue 13, class 11).

    * declared ISO-8859-1 / Windows-1252 / -1258 but the bytes are UTF-8 with multibyte sequences: reading it as
      declared gives mojibake ("Ã©" for "é") and the chance that real single-byte text is valid UTF-8 is nil,
      so it is read as UTF-8 and a warning names the fix (the declaration is often fixed in an export
      template the hospital cannot change, and refusing would lose every report of the file);
    * UTF-8 sequences mixed with bytes that are not UTF-8: no single encoding reads it; refused.

    Returns the bytes to parse (declaration corrected when needed) and the warnings.
    """
    if data.isascii():
        return data, []
    declared = declared_encoding(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        sequences = UTF8_SEQUENCE.findall(data)
        if len(sequences) >= 3:
            raise XmlInputError(
                path, _line_of(data, exc.start),
                f"mixes UTF-8 text ({len(sequences)} multibyte sequences) with bytes that are not UTF-8 (byte "
                f"0x{data[exc.start]:02X}); no single encoding reads it without mojibake. Re-export the file as "
                "UTF-8 (files concatenated from two exports?)") from None
        return data, []
    if declared and _codec(declared) in SINGLE_BYTE and UTF8_SEQUENCE.search(data):
        sample = _sample(text, declared)
        return _redeclare(data, "UTF-8"), [
            f"declares encoding=\"{declared}\" but its bytes are UTF-8 ({sample}); read as UTF-8. Fix the "
            "export's XML declaration to encoding=\"UTF-8\""]
    return data, []


def parse_bytes(data: bytes, path: str) -> Parsed:
    """Parse ``data`` safely; raise :class:`XmlInputError` with file and line on anything unreadable.

    Undeclared namespace prefixes (common in hand-edited CDA fragments) are read in recovery mode
    and reported as a warning; every other syntax error is fatal for that file.
    """
    if not data.strip():
        raise XmlInputError(path, None, "empty file")
    _refuse_entities(data, path)
    data, warnings = check_encoding(data, path)
    encoding = "utf-8" if warnings else "declared"
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        # The parser's own log: the exception's may carry errors of earlier parses in this thread, which
        # made a namespace-only fragment look malformed after another bad file had been read.
        log = parser.error_log
        if "encoding" in str(exc).lower() or "utf-8" in str(exc).lower():
            root, encoding = _parse_fallback(data, path, exc)
            declared = declared_encoding(data) or "UTF-8 (no declaration means UTF-8)"
            warnings.append(f"declares {declared} but its bytes are not (line {exc.lineno}); read as {encoding}, "
                            f"chosen by its bytes. Fix: export as UTF-8, or declare encoding=\"{encoding}\"")
        elif len(log) and _only_namespace_errors(log):
            root = etree.fromstring(data, _parser(recover=True))
            first = next(iter(log))
            warnings.append(f"line {first.line}: {first.message} (read in recovery mode)")
        else:
            raise XmlInputError(path, exc.lineno, f"malformed XML: {exc.msg}") from None
    if root is None:
        raise XmlInputError(path, None, "no root element")
    return Parsed(root, encoding, warnings)


def _parse_fallback(data: bytes, path: str, first_error: etree.XMLSyntaxError) -> tuple[etree._Element, str]:
    body = data
    if body.startswith(b"<?xml"):
        end = body.find(b"?>")
        body = body[end + 2 :] if end >= 0 else body
    first = choose_single_byte(body)
    for enc in (first, *(e for e in FALLBACK_ENCODINGS if e != first)):
        try:
            text = unicodedata.normalize("NFC", body.decode(enc))
        except UnicodeDecodeError:
            continue
        try:
            return etree.fromstring(text.encode("utf-8"), _parser()), enc
        except etree.XMLSyntaxError:
            continue
    raise XmlInputError(
        path, first_error.lineno,
        f"text is neither UTF-8, Windows-1258 nor Windows-1252 ({first_error.msg}); re-export the file as UTF-8.",
    )


def parse_file(path: str | Path) -> Parsed:
    """Read and safely parse one XML file."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise XmlInputError(str(p), None, f"cannot read: {exc.strerror or exc}") from None
    return parse_bytes(data, str(p))


def text_of(el: etree._Element | None) -> str:
    """All text under an element, whitespace collapsed, NFC."""
    if el is None:
        return ""
    return unicodedata.normalize("NFC", " ".join(" ".join(el.itertext()).split()))


# CDA narrative block elements (CDA R2 section text, HTML-like): each starts a new line.
_BLOCKS = frozenset({"paragraph", "item", "tr", "list", "table", "thead", "tbody", "caption", "li", "p", "div"})


def narrative_text(el: etree._Element | None) -> str:
    """Text of a CDA narrative block keeping its structure: one line per paragraph, list item, table row
    and ``<br/>``; list items start with ``- `` (the bullet the region-by-region reports rely on); NFC."""
    if el is None:
        return ""
    parts: list[str] = []

    def walk(node: etree._Element, top: bool = False) -> None:
        name = "" if top else local(node.tag)  # the <text> element itself starts no line
        if name == "br":
            parts.append("\n")
        elif name in _BLOCKS:
            parts.append("\n")
            if name in ("item", "li"):
                parts.append("\x00")  # bullet marker, resolved below once the item's text is known
        elif name in ("td", "th"):
            parts.append(" ")
        if node.text and name not in ("br",):
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if name in _BLOCKS:
            parts.append("\n")

    walk(el, top=True)
    lines = []
    for raw in "".join(parts).split("\n"):
        bullet = "\x00" in raw
        line = " ".join(raw.replace("\x00", " ").split())
        if not line:
            continue
        if bullet and not line.startswith(("-", "+", "*", "•", "–")):
            line = "- " + line
        lines.append(line)
    return unicodedata.normalize("NFC", "\n".join(lines))


def local(tag) -> str:
    """Tag name without its namespace."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""
