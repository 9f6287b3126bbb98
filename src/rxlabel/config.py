"""Defaults live once: in the config dataclasses. Click options and ``rxlabel run`` read them from here.

:func:`defaults` gives a dataclass's field defaults, so a click option says
``default=TRAIN["workers"]`` instead of repeating a number that drifts; :func:`check_section` checks a
mapping read from YAML against a dataclass (unknown keys, value types) and names the bad key.

>>> from dataclasses import dataclass
>>> @dataclass
... class Opts:
...     size: int = 512
...     name: str | None = None
>>> defaults(Opts)
{'size': 512, 'name': None}
>>> check_section({"size": "big"}, Opts, "run.yaml: convert")
Traceback (most recent call last):
...
rxlabel.config.SettingError: run.yaml: convert.size must be an integer, got 'big' (str)
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from rxlabel.errors import OptionError


class SettingError(OptionError):
    """A configuration value of the wrong type or an unknown key; the message names the key."""


def defaults(cls: type) -> dict[str, Any]:
    """Field name -> default of a dataclass (fields without a default are left out)."""
    out = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list",
          tuple: "a list", dict: "a mapping"}


def _accepts(kind: Any, value: Any) -> bool:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(k, value) for k in typing.get_args(kind))
    if kind is type(None):
        return value is None
    if kind is Any:
        return True
    base = origin or kind
    if base is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if base is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if base in (list, tuple):
        if not isinstance(value, (list, tuple)):
            return False
        args = [a for a in typing.get_args(kind) if a is not Ellipsis]
        return not args or all(any(_accepts(a, v) for a in args) for v in value)
    if isinstance(base, type):
        return isinstance(value, base)
    return True


def _describe(kind: Any) -> str:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        parts = [_describe(k) for k in typing.get_args(kind) if k is not type(None)]
        return " or ".join(parts) + (" (or blank)" if type(None) in typing.get_args(kind) else "")
    return _NAMES.get(origin or kind, getattr(kind, "__name__", str(kind)))


def check_section(data: dict | None, cls: type, where: str) -> dict[str, Any]:
    """``data`` checked against ``cls``'s fields: every key known, every value of the field's type.

    Returns the defaults of ``cls`` updated with ``data``; raises :class:`SettingError` naming
    ``where.key`` otherwise.
    """
    data = data or {}
    if not isinstance(data, dict):
        raise SettingError(f"{where} must be a mapping of options, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = [f.name for f in dataclasses.fields(cls)]
    for key, value in data.items():
        if key not in hints:
            raise SettingError(f"{where}: unknown option '{key}'; known: {', '.join(known)}")
        if not _accepts(hints[key], value):
            raise SettingError(f"{where}.{key} must be {_describe(hints[key])}, got {value!r} ({type(value).__name__})")
    return {**defaults(cls), **data}


__all__ = ["SettingError", "check_section", "defaults"]
