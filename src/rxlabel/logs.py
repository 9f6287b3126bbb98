"""Logging for rxlabel's commands, through the standard :mod:`logging` module.

- :func:`configure` (called by the ``rxlabel`` group from ``-v/--verbose`` and ``-q/--quiet``) sends
  the ``rxlabel`` loggers to stderr: warnings only with ``--quiet``, progress at INFO by default,
  DEBUG with ``--verbose``.
- :func:`log_file` adds ``FOLDER/rxlabel.log`` (timestamps, DEBUG and up, including what a command
  prints) for the length of a run: ``demo``, ``run`` and ``train`` write one in their run folder.
- :class:`Heartbeat` logs "still working" every few seconds while a long step says nothing else, so
  a long command is never silent for more than ``every`` seconds, even when stderr is not a terminal
  and no progress bar is drawn.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOGGER = logging.getLogger("rxlabel")
# What a command prints on stdout is logged under this name too, for the log file only (not twice on screen).
ECHO = logging.getLogger("rxlabel.echo")
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_console: logging.Handler | None = None


class _NotEcho(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(ECHO.name)


def configure(verbose: int = 0, quiet: bool = False) -> int:
    """Console logging for the rxlabel loggers; returns the level set. Idempotent (one stderr handler)."""
    global _console
    level = logging.WARNING if quiet else (logging.DEBUG if verbose else logging.INFO)
    if _console is None:
        _console = logging.StreamHandler(sys.stderr)
        _console.setFormatter(logging.Formatter("%(message)s"))
        _console.addFilter(_NotEcho())
        LOGGER.addHandler(_console)
    else:
        # the current stderr (click's test runner swaps it); not setStream, which flushes the old stream,
        # and a previous test runner's stream is closed
        _console.stream = sys.stderr
    _console.setLevel(level)
    LOGGER.setLevel(logging.DEBUG)
    LOGGER.propagate = False
    return level


def is_quiet() -> bool:
    """True after ``rxlabel --quiet``: commands then draw no progress bar."""
    return _console is not None and _console.level >= logging.WARNING


def echo(message: str) -> None:
    """Print ``message`` on stdout and record it in the log file, if one is open."""
    import click

    click.echo(message)
    ECHO.info(message)


@contextmanager
def log_file(folder: str | Path, name: str = "rxlabel.log") -> Iterator[Path]:
    """Log DEBUG and up to ``folder/name`` (appended) while the block runs."""
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.setLevel(logging.DEBUG)
    LOGGER.addHandler(handler)
    if LOGGER.level == logging.NOTSET or LOGGER.level > logging.DEBUG:
        LOGGER.setLevel(logging.DEBUG)
    LOGGER.info("rxlabel %s: %s", _version(), " ".join(sys.argv))
    try:
        yield path
    finally:
        LOGGER.removeHandler(handler)
        handler.close()


def _version() -> str:
    from rxlabel import __version__

    return __version__


class Heartbeat:
    """Log ``what: still working (N s)`` every ``every`` seconds until the block ends.

    >>> with Heartbeat("nothing", every=60):
    ...     pass
    """

    EVERY = 5.0  # seconds between beats

    def __init__(self, what: str, every: float | None = None, logger: logging.Logger = LOGGER):
        self.what, self.every, self.logger = what, every or self.EVERY, logger
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            # On a terminal the progress bars show life; elsewhere (CI, nohup, a pipe) these lines do.
            level = logging.DEBUG if sys.stderr.isatty() else logging.INFO
            self.logger.log(level, "%s: still working (%.0f s)", self.what, time.perf_counter() - self._t0)

    def __enter__(self) -> Heartbeat:
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat:{self.what}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.logger.debug("%s: done in %.1f s", self.what, time.perf_counter() - self._t0)


__all__ = ["ECHO", "LOGGER", "Heartbeat", "configure", "echo", "is_quiet", "log_file"]
