"""Safe XML parsing for HIS exports: no external entities, no network, no entity bombs.

Errors carry the file and line so that a batch can report them and go on.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from rxlabel.errors import RxlabelError

# Windows-1258 is the legacy Vietnamese code page HIS exports still use; tried when bytes are not UTF-8.
FALLBACK_ENCODINGS = ("windows-1258",)


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


def parse_bytes(data: bytes, path: str) -> Parsed:
    """Parse ``data`` safely; raise :class:`XmlInputError` with file and line on anything unreadable.

    Undeclared namespace prefixes (common in hand-edited CDA fragments) are read in recovery mode
    and reported as a warning; every other syntax error is fatal for that file.
    """
    if not data.strip():
        raise XmlInputError(path, None, "empty file")
    _refuse_entities(data, path)
    warnings: list[str] = []
    encoding = "declared"
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        # The parser's own log: the exception's may carry errors of earlier parses in this thread, which
        # made a namespace-only fragment look malformed after another bad file had been read.
        log = parser.error_log
        if "encoding" in str(exc).lower() or "utf-8" in str(exc).lower():
            root, encoding = _parse_fallback(data, path, exc)
            warnings.append(f"bytes are not the declared encoding; read as {encoding}")
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
    for enc in FALLBACK_ENCODINGS:
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
        f"text is neither UTF-8 nor Windows-1258 ({first_error.msg}); re-export the file as UTF-8.",
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
