"""Boolean queries over the index: terms with AND / OR / NOT, hierarchy expansion and filters.

Grammar (operators are case-insensitive words; adjacent words form one multi-word term)::

    expr  := and (OR and)*
    and   := unary (AND unary)*
    unary := NOT unary | '(' expr ')' | atom
    atom  := term | term@loc | loc:NAME | view:PA | source:NAME | region:NAME | method:NAME | pure

A term expands through the hierarchy to itself and all its descendants. A positive term matches
positive findings (and uncertain ones with ``uncertain=True``); a term under NOT always removes
images where the finding is positive *or* uncertain, so an exclusion is never leaky.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field

from pyroaring import BitMap

from rxlabel.errors import RxlabelError
from rxlabel.index.hierarchy import Hierarchy, UnknownTermError, closest, normalise
from rxlabel.index.readers import normalise_view
from rxlabel.index.store import Index

OPERATORS = {"and", "or", "not"}
META_FIELDS = ("loc", "view", "source", "region", "method")
_TOKEN = re.compile(r'\(|\)|"[^"]*"|[^\s()"]+')


class QueryError(RxlabelError, ValueError):
    """A query that cannot be parsed (the message says where)."""


@dataclass
class Node:
    op: str  # 'or', 'and', 'not', 'atom'
    args: list[Node] = field(default_factory=list)
    text: str = ""

    def __str__(self) -> str:
        if self.op == "atom":
            return self.text
        if self.op == "not":
            return f"NOT {self.args[0]}"
        return "(" + f" {self.op.upper()} ".join(map(str, self.args)) + ")"


@functools.lru_cache(maxsize=4096)
def parse(query: str) -> Node:
    """Parse a query string into a tree (cached: do not mutate it); raise QueryError naming the problem."""
    tokens = _TOKEN.findall(query)
    if not tokens:
        raise QueryError("empty query: give terms such as 'nodular AND NOT pacemaker'")
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def is_op(token: str | None, op: str) -> bool:
        return token is not None and token.lower() == op

    def parse_or() -> Node:
        args = [parse_and()]
        while is_op(peek(), "or"):
            take()
            args.append(parse_and())
        return args[0] if len(args) == 1 else Node("or", args)

    def parse_and() -> Node:
        args = [parse_unary()]
        while is_op(peek(), "and"):
            take()
            args.append(parse_unary())
        return args[0] if len(args) == 1 else Node("and", args)

    def parse_unary() -> Node:
        token = peek()
        if token is None:
            raise QueryError(f"query ends where a term was expected: '{query}'")
        if is_op(token, "not"):
            take()
            return Node("not", [parse_unary()])
        if token == "(":
            take()
            inner = parse_or()
            if peek() != ")":
                raise QueryError(f"missing ')' in '{query}'")
            take()
            return inner
        if token == ")" or token.lower() in OPERATORS:
            raise QueryError(f"unexpected '{token}' in '{query}' (a term was expected)")
        words = []
        while peek() is not None and peek() not in ("(", ")") and peek().lower() not in OPERATORS:
            word = take()
            words.append(word[1:-1] if word.startswith('"') else word)
        return Node("atom", text=" ".join(words))

    tree = parse_or()
    if pos != len(tokens):
        raise QueryError(f"unexpected '{tokens[pos]}' in '{query}'; join terms with AND / OR / NOT")
    return tree


@dataclass
class Result:
    ids: BitMap
    query: str
    excluded_damaged: int
    seconds: float


class Searcher:
    """Evaluates queries against an index with a hierarchy (terms unknown to both are errors)."""

    def __init__(self, index: Index, hierarchy: Hierarchy | None = None) -> None:
        self.index = index
        self.hierarchy = hierarchy
        self._known = set(index.findings())
        self._expansions: dict[str, tuple[str, ...]] = {}

    # -- term resolution -------------------------------------------------------------------------
    def expand(self, term: str) -> tuple[str, ...]:
        """Index findings that ``term`` stands for (itself and its descendants)."""
        key = normalise(term)
        cached = self._expansions.get(key)
        if cached is not None:
            return cached
        if self.hierarchy is not None and key in self.hierarchy:
            names = self.hierarchy.expand(key)
        elif key in self._known:
            names = frozenset([key])
        else:
            known = self._known | set(self.hierarchy.terms() if self.hierarchy else ())
            raise UnknownTermError(term, closest(key, known))
        result = tuple(sorted(n for n in names if n in self._known))
        self._expansions[key] = result
        return result

    def expand_loc(self, loc: str) -> tuple[str, ...]:
        key = normalise(loc)
        known = set(self.index.localizations())
        if self.hierarchy is not None and key in self.hierarchy.trees["localization"].terms:
            names = self.hierarchy.expand(key, "localization")
        elif key in known:
            names = frozenset([key])
        else:
            tree_terms = set(self.hierarchy.terms("localization")) if self.hierarchy else set()
            raise UnknownTermError(loc, closest(key, known | tree_terms), "localization")
        return tuple(sorted(names))

    # -- bitmaps ---------------------------------------------------------------------------------
    def term_ids(self, term: str, uncertain: bool = False) -> BitMap:
        """Images with ``term`` or a descendant (positive; also uncertain if asked). Do not mutate the result."""
        ix = self.index
        names = self.expand(term)
        maps = [ix.positive[t] for t in names if t in ix.positive]
        if uncertain:
            maps += [ix.uncertain[t] for t in names if t in ix.uncertain]
        if len(maps) == 1:
            return maps[0]  # an immutable posting: no copy needed
        return BitMap.union(*maps) if maps else BitMap()

    def _atom(self, text: str, uncertain: bool) -> BitMap:
        ix = self.index
        lowered = text.strip().lower()
        if lowered == "pure":
            return ix.pure
        field_name, sep, value = text.partition(":")
        if sep and field_name.strip().lower() in META_FIELDS:
            field_name, value = field_name.strip().lower(), value.strip()
            if field_name == "loc":
                maps = [ix.localized[("", lc)] for lc in self.expand_loc(value) if ("", lc) in ix.localized]
                return BitMap.union(*maps) if maps else BitMap()
            value = normalise_view(value) if field_name == "view" else value.lower()
            found = ix.meta.get((field_name, value))
            if found is None:
                known = ix.meta_values(field_name)
                raise UnknownTermError(f"{field_name}:{value}", [f"{field_name}:{k}" for k in closest(value, known)])
            return found
        term, at, loc = text.partition("@")
        if at:
            findings = self.expand(term)
            locs = self.expand_loc(loc)
            maps = [ix.localized[(f, lc)] for f in findings for lc in locs if (f, lc) in ix.localized]
            located = BitMap.union(*maps) if maps else BitMap()
            return located & self.term_ids(term, uncertain)
        return self.term_ids(text, uncertain)

    def evaluate(self, node: Node, uncertain: bool = False) -> BitMap:
        if node.op == "atom":
            return self._atom(node.text, uncertain)
        if node.op == "not":
            # Under NOT, uncertain findings count, so 'NOT pacemaker' also drops 'possible pacemaker'.
            return self.index.universe - self.evaluate(node.args[0], True)
        parts = [self.evaluate(arg, uncertain) for arg in node.args]
        if node.op == "or":
            return BitMap.union(*parts)
        out = parts[0]
        for part in parts[1:]:
            out = out & part
        return out

    def search(
        self,
        query: str,
        *,
        uncertain: bool = False,
        exclude: list[str] | tuple[str, ...] = (),
        pure: bool = False,
        views: list[str] | tuple[str, ...] = (),
        filters: list[str] | tuple[str, ...] = (),
        include_damaged: bool = False,
    ) -> Result:
        """Images matching ``query`` and every filter; damaged images are left out unless asked for."""
        start = time.perf_counter()
        ids = self.evaluate(parse(query), uncertain)
        if exclude:
            ids = ids - BitMap.union(*(self.term_ids(t, True) for t in exclude))
        if pure:
            ids = ids & self.index.pure
        if views:
            ids = ids & BitMap.union(*(self._atom(f"view:{v}", uncertain) for v in views))
        for extra in filters:
            ids = ids & self._atom(extra, uncertain)
        damaged = 0
        if not include_damaged and self.index.damaged:
            damaged = ids.intersection_cardinality(self.index.damaged)
            ids = ids - self.index.damaged
        return Result(ids, query, damaged, time.perf_counter() - start)
