"""Term hierarchy: PadChest's finding / diagnosis / localization trees plus the systematic-reading tree.

A hierarchy file (``rules/<lang>/hierarchy.yaml``) holds ``trees``: ``finding`` (findings and
differential diagnoses, one namespace because PadChest labels mix them) and ``localization``. Each
node is a mapping (``name``, optional ``cui``, ``concept``, ``count``, ``children``) or a plain
string that refers to a term by name. A term may have several parents (PadChest's trees are a DAG:
``calcified granuloma`` is under ``granuloma`` and ``calcified densities``); a cycle is an error.
``include`` lists further hierarchy files (relative paths) merged into this one.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import process

from rxlabel.errors import RxlabelError
from rxlabel.labeler.pack import LineLoader

TREES = ("finding", "localization")


class HierarchyError(RxlabelError, ValueError):
    """A hierarchy file is malformed (the message names the file and line)."""


class UnknownTermError(RxlabelError, KeyError):
    """A query names a term that neither the hierarchy nor the index knows."""

    def __init__(self, term: str, suggestions: list[str], tree: str = "finding") -> None:
        self.term, self.suggestions, self.tree = term, suggestions, tree
        hint = f"; closest known terms: {', '.join(suggestions)}" if suggestions else ""
        kind = "localization" if tree == "localization" else "term"
        super().__init__(f"unknown {kind} '{term}'{hint}")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


@dataclass
class Term:
    name: str
    tree: str
    cuis: tuple[str, ...] = ()  # PadChest codes a few terms with different CUIs in different places
    concept: str | None = None
    count: int | None = None
    source: str = ""
    defined: bool = False  # True when a mapping node defines it (not only a by-name reference)


@dataclass
class Tree:
    """One namespace of terms with its parent -> children edges."""

    name: str
    terms: dict[str, Term] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)

    def parents(self, term: str) -> set[str]:
        return {parent for parent, kids in self.children.items() if term in kids}


def normalise(name: str) -> str:
    """Canonical form of a term name: lower case, single spaces (PadChest spells labels this way)."""
    return " ".join(str(name).lower().split())




class Hierarchy:
    """Merged term trees with expansion of a term to itself and all its descendants."""

    def __init__(self, trees: dict[str, Tree], sources: list[str]) -> None:
        self.trees = trees
        self.sources = sources
        self._expand_cache: dict[tuple[str, str], frozenset[str]] = {}

    def __contains__(self, term: str) -> bool:
        return normalise(term) in self.trees["finding"].terms

    def terms(self, tree: str = "finding") -> list[str]:
        return sorted(self.trees[tree].terms)

    def term(self, name: str, tree: str = "finding") -> Term:
        key = normalise(name)
        found = self.trees[tree].terms.get(key)
        if found is None:
            raise UnknownTermError(name, closest(key, self.trees[tree].terms), tree)
        return found

    def children(self, name: str, tree: str = "finding") -> list[str]:
        return sorted(self.trees[tree].children.get(normalise(name), ()))

    def parents(self, name: str, tree: str = "finding") -> list[str]:
        return sorted(self.trees[tree].parents(normalise(name)))

    def expand(self, name: str, tree: str = "finding") -> frozenset[str]:
        """The term and every descendant (so a category expands to all of its leaves)."""
        key = (tree, normalise(name))
        cached = self._expand_cache.get(key)
        if cached is not None:
            return cached
        edges = self.trees[tree].children
        if key[1] not in self.trees[tree].terms:
            raise UnknownTermError(name, closest(key[1], self.trees[tree].terms), tree)
        seen = {key[1]}
        stack = [key[1]]
        while stack:
            for child in edges.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        result = frozenset(seen)
        self._expand_cache[key] = result
        return result

    def leaves(self, name: str, tree: str = "finding") -> frozenset[str]:
        edges = self.trees[tree].children
        return frozenset(t for t in self.expand(name, tree) if not edges.get(t))

    def undefined_references(self) -> dict[str, list[str]]:
        """Terms used only by name (never defined by a node): usually a typo in an included tree."""
        return {
            name: sorted(t.name for t in tree.terms.values() if not t.defined)
            for name, tree in self.trees.items()
            if any(not t.defined for t in tree.terms.values())
        }


def closest(term: str, known: Iterable[str], limit: int = 5) -> list[str]:
    """Known terms closest to ``term`` (rapidfuzz WRatio), for 'did you mean' messages."""
    choices = list(known)
    if not choices:
        return []
    return [match for match, score, _ in process.extract(term, choices, limit=limit) if score >= 50]


def resolve_path(source: str | Path) -> Path:
    """A hierarchy file path, or a language code resolved to the installed ``rules/<lang>/hierarchy.yaml``."""
    path = Path(source)
    if path.suffix in {".yaml", ".yml"} or path.is_file():
        if not path.is_file():
            raise HierarchyError(f"{path}: hierarchy file not found")
        return path
    lang = str(source)
    candidate = Path(str(importlib.resources.files("rxlabel.rules").joinpath(lang, "hierarchy.yaml")))
    if not candidate.is_file():
        raise HierarchyError(
            f"no hierarchy for language '{lang}' ({candidate} is missing); pass a hierarchy.yaml path instead"
        )
    return candidate


def load_hierarchy(source: str | Path = "es") -> Hierarchy:
    """Load a hierarchy from a YAML path or a language code (``"es"`` -> ``rules/es/hierarchy.yaml``)."""
    return _load_cached(resolve_path(source).resolve())


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> Hierarchy:
    trees = {name: Tree(name) for name in TREES}
    sources: list[str] = []
    _read_file(path, trees, sources, stack=())
    _check_cycles(trees, sources)
    return Hierarchy(trees, sources)


def _read_file(path: Path, trees: dict[str, Tree], sources: list[str], stack: tuple[Path, ...]) -> None:
    if path in stack:
        chain = " -> ".join(str(p) for p in (*stack, path))
        raise HierarchyError(f"{path}: include cycle: {chain}")
    if str(path) in sources:
        return
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)  # noqa: S506 (SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise HierarchyError(f"{path}{line}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise HierarchyError(f"{path}: cannot read hierarchy: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("trees"), dict):
        raise HierarchyError(f"{path}:1: a hierarchy file needs a 'trees' mapping ({', '.join(TREES)})")
    sources.append(str(path))
    for include in data.get("include") or []:
        _read_file((path.parent / str(include)).resolve(), trees, sources, (*stack, path))
    for tree_name, nodes in data["trees"].items():
        if tree_name == "__line__":
            continue
        if tree_name not in trees:
            raise HierarchyError(f"{path}:{data['trees']['__line__']}: unknown tree '{tree_name}'; use {', '.join(TREES)}")
        if not isinstance(nodes, list):
            raise HierarchyError(f"{path}: tree '{tree_name}' must be a list of nodes")
        for node in nodes:
            _add_node(node, None, trees[tree_name], path)


def _add_node(node: Any, parent: str | None, tree: Tree, path: Path) -> None:
    if isinstance(node, str):
        name, line, attrs, kids, cui = normalise(node), 0, {}, [], None
    elif isinstance(node, dict) and node.get("name"):
        line = node["__line__"]
        name = normalise(node["name"])
        unknown = set(node) - {"name", "cui", "concept", "count", "children", "single_label", "__line__"}
        if unknown:
            raise HierarchyError(f"{path}:{line}: node '{name}' has unknown keys {sorted(unknown)}")
        attrs = {k: node[k] for k in ("concept", "count") if node.get(k) is not None}
        cui = node.get("cui")
        kids = node.get("children") or []
        if not isinstance(kids, list):
            raise HierarchyError(f"{path}:{line}: 'children' of '{name}' must be a list")
    else:
        where = f"{path}:{node['__line__']}" if isinstance(node, dict) else str(path)
        raise HierarchyError(f"{where}: a node must be a name or a mapping with 'name', got {node!r}")
    term = tree.terms.get(name)
    if term is None:
        term = tree.terms[name] = Term(name, tree.name, source=f"{path}:{line}")
    if isinstance(node, dict):
        for key, value in attrs.items():
            old = getattr(term, key)
            if key == "concept" and old is not None:
                continue
            if old is not None and old != value:
                raise HierarchyError(f"{path}:{line}: '{name}' has {key} {value!r} here but {old!r} at {term.source}")
            setattr(term, key, value)
        if cui and cui not in term.cuis:
            term.cuis = (*term.cuis, str(cui))
        if not term.defined:
            term.defined, term.source = True, f"{path}:{line}"
    if parent is not None:
        if parent == name:
            raise HierarchyError(f"{path}:{line}: hierarchy cycle: '{name}' is its own child")
        tree.children.setdefault(parent, set()).add(name)
    for kid in kids:
        _add_node(kid, name, tree, path)


def _check_cycles(trees: dict[str, Tree], sources: list[str]) -> None:
    for tree in trees.values():
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        for root in sorted(tree.terms):
            if state.get(root):
                continue
            path = [root]
            iters = [iter(sorted(tree.children.get(root, ())))]
            state[root] = 1
            while iters:
                child = next(iters[-1], None)
                if child is None:
                    state[path.pop()] = 2
                    iters.pop()
                    continue
                if state.get(child) == 1:
                    cycle = " -> ".join(path[path.index(child):] + [child])
                    raise HierarchyError(
                        f"hierarchy cycle in tree '{tree.name}': {cycle} "
                        f"(defined at {tree.terms[child].source}; files: {', '.join(sources)})"
                    )
                if not state.get(child):
                    state[child] = 1
                    path.append(child)
                    iters.append(iter(sorted(tree.children.get(child, ()))))
