"""The one error base class of rxlabel.

Every user-facing error derives from :class:`RxlabelError`; the ``rxlabel`` command turns it into a
one-line message (no traceback) once, in :mod:`rxlabel.cli`. Errors that are also a kind of
``ValueError`` (bad input) or ``RuntimeError`` keep those bases so callers may catch either.
"""

from __future__ import annotations


class RxlabelError(Exception):
    """Base of every error rxlabel reports to a user: the message says what, where and what to do."""




class OptionError(RxlabelError, ValueError):
    """An option, setting or mapping file a user gave that rxlabel cannot use; the message names it."""


class MissingDependencyError(RxlabelError, ImportError):
    """An optional dependency a command needs is not installed; the message says which extra to install."""


class RemoteError(RxlabelError, RuntimeError):
    """A remote service (PACS, Dask scheduler) refused or failed a request; the message names it."""


__all__ = ["MissingDependencyError", "OptionError", "RemoteError", "RxlabelError"]
