"""Outputs that never overwrite inputs and are replaced together: guards, run manifests, CSV escaping.

A step (``label``, ``review-apply``, ``match``...) writes every output to a ``.partial`` name first.
:meth:`RunOutputs.commit` then writes the run manifest (``<stem>.run.json``: the step, its inputs,
and each output's size and SHA-256) and only then renames the partial files into place. A disk
full or a crash before the manifest leaves the previous run untouched; a crash between the renames
leaves files whose hashes disagree with the manifest, which :func:`verify_input` reports, so a half
replaced folder never looks finished.

:func:`refuse_overwrite` stops a step before it writes anything when an output would replace one
of its inputs, another output of the same step, or a file that a different run recorded as its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from rxlabel.errors import RxlabelError

MANIFEST_SUFFIX = ".run.json"


class OutputError(RxlabelError, ValueError):
    """An output that would overwrite an input or another run's file, or a run that did not finish."""


class OutputWriteError(RxlabelError, OSError):
    """Writing an output failed (disk full, permission); nothing of the run was put in place."""


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def manifest_path(primary: str | Path) -> Path:
    """``out/labels.jsonl`` -> ``out/labels.run.json``."""
    primary = Path(primary)
    return primary.with_name(primary.with_suffix("").name + MANIFEST_SUFFIX)


def _manifests_near(paths: Iterable[Path]) -> list[tuple[Path, dict]]:
    found = []
    for folder in {p.parent for p in paths}:
        if not folder.is_dir():
            continue
        for m in sorted(folder.glob("*" + MANIFEST_SUFFIX)):
            try:
                found.append((m, json.loads(m.read_text("utf-8"))))
            except (OSError, ValueError):
                continue
    return found


def refuse_overwrite(step: str, inputs: Iterable[str | Path | None], outputs: Mapping[str, str | Path]) -> None:
    """Raise :class:`OutputError` before anything is written if an output would replace an input or another run's file.

    A re-run of the same step to the same primary output may replace its own files; a different step (or the same
    step with another primary output) may not replace files a run manifest in that folder lists.
    """
    ins = [Path(p) for p in inputs if p is not None]
    outs = {k: Path(v) for k, v in outputs.items()}
    for name, out in outs.items():
        for src in ins:
            if _same(out, src):
                raise OutputError(f"{step}: the {name} output {out} is also an input; it would be overwritten. "
                                  f"Choose another -o (outputs never replace inputs).")
    names = list(outs)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if _same(outs[a], outs[b]):
                raise OutputError(f"{step}: the {a} and {b} outputs are the same file {outs[a]}; give them different names")
    primary = next(iter(outs.values()), None)
    if primary is None:
        return
    for mpath, man in _manifests_near(list(outs.values())):
        if man.get("step") == step and _same(mpath.parent / man.get("primary", ""), primary):
            continue  # a re-run of this very step replaces its own outputs
        owned = [mpath.parent / p for p in man.get("outputs", {})]
        mine = manifest_path(primary)
        for name, out in [*outs.items(), ("run manifest", mine)]:
            if any(_same(out, o) for o in owned) or _same(out, mpath):
                raise OutputError(
                    f"{step}: the {name} output {out} belongs to another run ('{man.get('step')}' -> "
                    f"{man.get('primary')}, recorded in {mpath}); writing it would mix two runs. "
                    f"Choose another -o (a new name or folder).")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class RunOutputs:
    """A set of outputs replaced together: write each to :meth:`partial`, then :meth:`commit` (or :meth:`abort`)."""

    def __init__(self, step: str, outputs: Mapping[str, str | Path], inputs: Iterable[str | Path | None] = (),
                 check: bool = True):
        self.step = step
        self.outputs = {k: Path(v) for k, v in outputs.items()}
        self.inputs = [str(p) for p in inputs if p is not None]
        self.primary = next(iter(self.outputs.values()))
        self.manifest = manifest_path(self.primary)
        if check:
            refuse_overwrite(step, self.inputs, self.outputs)
        for p in self.outputs.values():
            p.parent.mkdir(parents=True, exist_ok=True)

    def partial(self, name: str) -> Path:
        path = self.outputs[name]
        return path.with_name(path.name + ".partial")

    def commit(self, extra: dict | None = None) -> None:
        """Record the new outputs in the manifest, then move them into place; outputs not written are removed."""
        written = {k: self.partial(k) for k in self.outputs if self.partial(k).exists()}
        # Paths relative to the manifest and no timings: a re-run of the same inputs writes the same bytes.
        entry = {self._rel(self.outputs[k]): {"name": k, "bytes": p.stat().st_size, "sha256": sha256(p)}
                 for k, p in written.items()}
        record = {"step": self.step, "primary": self._rel(self.primary),
                  "inputs": [self._rel(Path(p)) for p in self.inputs], "outputs": entry, **(extra or {})}
        tmp = self.manifest.with_name(self.manifest.name + ".partial")
        try:
            tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False), "utf-8")
            os.replace(tmp, self.manifest)
        except OSError as exc:
            self.abort()
            tmp.unlink(missing_ok=True)
            raise OutputWriteError(f"{self.step}: cannot write {self.manifest} ({exc.strerror or exc}); "
                                   f"the previous outputs are unchanged. Free space or fix permissions and re-run.") from exc
        for k, path in self.outputs.items():
            if k in written:
                os.replace(written[k], path)
            elif path.exists():
                path.unlink()  # a stale output of the previous run must not sit beside the new ones

    def _rel(self, path: Path) -> str:
        return os.path.relpath(Path(path).absolute(), self.manifest.parent.absolute())

    def abort(self) -> None:
        for k in self.outputs:
            self.partial(k).unlink(missing_ok=True)


def write_failed(step: str, exc: OSError, where: str | Path) -> OutputWriteError:
    """The user-facing error for a write that failed part way (ENOSPC, EACCES...)."""
    return OutputWriteError(f"{step}: writing {where} failed ({exc.strerror or exc}); nothing was replaced and the "
                            f"previous outputs are unchanged. Free disk space (or fix permissions) and re-run.")


def verify_input(path: str | Path) -> None:
    """Raise :class:`OutputError` if ``path`` is an output of a run that did not finish replacing its files.

    Files without a run manifest beside them (older runs, files made elsewhere) are accepted.
    """
    path = Path(path)
    for mpath, man in _manifests_near([path]):
        for out in man.get("outputs", {}):
            if not _same(mpath.parent / out, path):
                continue
            files = [mpath.parent / o for o in man["outputs"]]
            bad = [str(f) for f, m in zip(files, man["outputs"].values(), strict=True)
                   if not f.exists() or f.stat().st_size != m["bytes"] or sha256(f) != m["sha256"]]
            if bad:
                raise OutputError(f"{path}: the '{man.get('step')}' run that wrote it did not finish replacing its "
                                  f"outputs ({', '.join(bad)} differ from {mpath}); re-run '{man.get('step')}'.")
            return


# -- CSV cells for spreadsheets (OWASP CSV injection) --------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def csv_cell(value: object) -> object:
    """A cell safe to open in Excel: text starting with ``= + - @`` TAB CR (or ``'``) gets a leading ``'``.

    Plain numbers (``-1``) are left alone. :func:`csv_value` undoes it exactly.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_value(cell: str | None) -> str | None:
    """The value of a cell written by :func:`csv_cell` (a spreadsheet that kept or dropped the quote reads the same)."""
    if isinstance(cell, str) and cell.startswith("'") and cell[1:].startswith(_FORMULA_START):
        return cell[1:]
    return cell


__all__ = ["OutputError", "OutputWriteError", "RunOutputs", "csv_cell", "csv_value", "manifest_path",
           "refuse_overwrite", "verify_input", "write_failed"]
