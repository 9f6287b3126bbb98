"""Evaluation against gold labels: per-class confusion counts, P/R/F1, kappa, bootstrap CIs.

Labels are binarised before scoring: 1 is positive, 0 and blank are negative, and uncertain (-1)
follows ``uncertain`` ("positive" by default, as PadChest counts uncertain findings present;
"negative"; or "exclude", which drops that report from that class). Confidence intervals come from
a seeded bootstrap over reports.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pandas as pd

from rxlabel.labeler.io import REGION_COLUMNS, ReportInputError, file_format, read_records

LIST_COLUMNS = ("Labels", "labels", "findings")


def load_label_table(path: str | Path, id_col: str | None = None, labels_col: str | None = None) -> pd.DataFrame:
    """A label file as a frame indexed by report id, one column per class, values 1/0/-1/NaN.

    Accepts the labeller's JSONL, the flattened CSV/TSV/Parquet, a wide CSV (one column per class)
    or a table with a list column (``Labels``: ``['a', 'b']`` or ``a;b``).
    """
    path = Path(path)
    kind = file_format(path)
    if kind == "jsonl":
        rows = {}
        for rec in read_records(path):
            rid = str(rec.get("report_id", rec.get(id_col or "", "")))
            rows[rid] = {**rec.get("findings", {}), **rec.get("regions", {})}
        return pd.DataFrame.from_dict(rows, orient="index").sort_index()
    if kind == "parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, sep="," if kind == "csv" else "\t", dtype=str, keep_default_na=False)
    id_col = id_col or next((c for c in ("report_id", "ReportID", "ImageID", "id") if c in frame.columns), None)
    if id_col is None or id_col not in frame.columns:
        raise ReportInputError(f"{path}: no id column (report_id, ReportID, ImageID, id); pass --id-col. Columns: {', '.join(frame.columns)}")
    if frame[id_col].duplicated().any():
        dup = frame.loc[frame[id_col].duplicated(), id_col].iloc[0]
        raise ReportInputError(f"{path}: id '{dup}' appears more than once in column '{id_col}'")
    labels_col = labels_col or next((c for c in LIST_COLUMNS if c in frame.columns), None)
    if labels_col is not None:
        rows = {}
        for line, (rid, cell) in enumerate(zip(frame[id_col], frame[labels_col], strict=True), start=2):
            rows[str(rid)] = {name: 1 for name in _parse_list(cell, f"{path}:{line}")}
        return pd.DataFrame.from_dict(rows, orient="index").sort_index()
    skip = {id_col, "method", "rules_version", "review_reasons", "evidence", "text", "report", "Report"}
    classes = [c for c in frame.columns if c not in skip]
    table = frame.set_index(frame[id_col].astype(str))[classes]
    return table.apply(pd.to_numeric, errors="coerce").sort_index()


def _parse_list(cell: object, where: str) -> list[str]:
    text = str(cell or "").strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            values = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ReportInputError(f"{where}: cannot read the label list {text[:60]!r}") from None
        return [str(v).strip().lower() for v in values if str(v).strip()]
    return [p.strip().lower() for p in text.split(";") if p.strip()]


def binarise(table: pd.DataFrame, uncertain: str) -> tuple[np.ndarray, np.ndarray]:
    """(labels as 0/1, mask of usable cells) under the ``uncertain`` policy."""
    values = table.to_numpy(dtype=float)
    mask = np.ones_like(values, dtype=bool)
    is_unc = values == -1
    if uncertain == "positive":
        positive = (values == 1) | is_unc
    elif uncertain == "negative":
        positive = values == 1
    elif uncertain == "exclude":
        positive = values == 1
        mask = ~is_unc
    else:
        raise ReportInputError(f"uncertain policy must be positive, negative or exclude, got {uncertain!r}")
    return positive.astype(np.int8), mask


def _counts(gold: np.ndarray, pred: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(TP, FP, TN, FN) per class; arrays shaped (reports, classes) or (B, reports, classes)."""
    g, p, m = gold.astype(bool), pred.astype(bool), mask
    axis = -2
    return np.stack([(g & p & m).sum(axis), (~g & p & m).sum(axis), (~g & ~p & m).sum(axis),
                     (g & ~p & m).sum(axis)], axis=-1)


def _prf(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tp, fp, fn = c[..., 0].astype(float), c[..., 1].astype(float), c[..., 3].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        recall = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
    return precision, recall, f1


def _kappa(c: np.ndarray) -> np.ndarray:
    tp, fp, tn, fn = (c[..., i].astype(float) for i in range(4))
    n = tp + fp + tn + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        po = (tp + tn) / n
        pe = ((tp + fp) * (tp + fn) + (tn + fn) * (tn + fp)) / (n * n)
        return np.where(pe < 1, (po - pe) / (1 - pe), np.where(po == 1, 1.0, np.nan))


def _summaries(c: np.ndarray) -> dict[str, np.ndarray]:
    precision, recall, f1 = _prf(c)
    micro = c.sum(axis=-2)
    mp, mr, mf = _prf(micro)
    supported = c[..., 0] + c[..., 3] > 0
    with np.errstate(invalid="ignore"):
        macro_f1 = np.nanmean(np.where(supported, f1, np.nan), axis=-1) if supported.any() else np.full(c.shape[:-2], np.nan)
    return {"precision": precision, "recall": recall, "f1": f1, "kappa": _kappa(c), "micro_precision": mp,
            "micro_recall": mr, "micro_f1": mf, "macro_f1": macro_f1}


def strict_classes(gold: pd.DataFrame, pred: pd.DataFrame) -> list[str]:
    """The classes of a strict evaluation: those the gold uses and every class predicted present (a region
    column only when the gold has it), so a label the gold never uses counts its false positives."""
    used = {c for c in gold.columns if gold[c].notna().any()}
    said = {c for c in pred.columns if (pd.to_numeric(pred[c], errors="coerce").fillna(0) != 0).any()
            and (c not in REGION_COLUMNS or c in gold.columns)}
    return sorted(used | said)


def evaluate(gold: pd.DataFrame, pred: pd.DataFrame, classes: list[str] | None = None, uncertain: str = "positive",
             bootstrap: int = 1000, seed: int = 0, min_support: int = 0) -> dict:
    """Compare label tables (indexed by report id). Reports missing from ``pred`` count as all-negative.

    Returns per-class TP/FP/TN/FN, precision, recall, F1, support, Cohen's kappa with 95% CIs, and
    micro / macro averages (macro over classes with at least ``min_support`` gold positives).
    """
    classes = classes or sorted(c for c in gold.columns if gold[c].notna().any())
    ids = gold.index
    missing = int((~ids.isin(pred.index)).sum())
    g = gold.reindex(index=ids, columns=classes)
    p = pred.reindex(index=ids, columns=classes)
    gy, gm = binarise(g, uncertain)
    py, pm = binarise(p, uncertain)
    mask = gm & pm
    counts = _counts(gy, py, mask)
    point = _summaries(counts)
    support = counts[:, 0] + counts[:, 3]
    keep = support >= max(min_support, 1)
    point["macro_f1"] = np.nanmean(np.where(keep, point["f1"], np.nan)) if keep.any() else np.nan
    cis = {}
    if bootstrap and len(ids):
        rng = np.random.default_rng(seed)
        boots = {k: [] for k in ("precision", "recall", "f1", "kappa", "micro_f1", "macro_f1")}
        for start in range(0, bootstrap, 100):
            size = min(100, bootstrap - start)
            idx = rng.integers(0, len(ids), size=(size, len(ids)))
            c = _counts(gy[idx], py[idx], mask[idx])
            s = _summaries(c)
            with np.errstate(invalid="ignore"):
                s["macro_f1"] = np.nanmean(np.where(keep, s["f1"], np.nan), axis=-1) if keep.any() else np.full(size, np.nan)
            for k in boots:
                boots[k].append(s[k])
        for k, parts in boots.items():
            arr = np.concatenate(parts, axis=0)
            with np.errstate(invalid="ignore"):
                cis[k] = (np.nanpercentile(arr, 2.5, axis=0), np.nanpercentile(arr, 97.5, axis=0))
    per_class = {}
    for i, name in enumerate(classes):
        tp, fp, tn, fn = (int(x) for x in counts[i])
        entry = {"tp": tp, "fp": fp, "tn": tn, "fn": fn, "support": int(support[i])}
        for k in ("precision", "recall", "f1", "kappa"):
            entry[k] = _num(point[k][i])
            if cis:
                entry[f"{k}_ci"] = [_num(cis[k][0][i]), _num(cis[k][1][i])]
        per_class[name] = entry
    result = {"n_reports": int(len(ids)), "missing_predictions": missing, "uncertain": uncertain,
              "bootstrap": bootstrap, "seed": seed, "min_support": min_support, "classes": per_class,
              "micro": {"precision": _num(point["micro_precision"]), "recall": _num(point["micro_recall"]),
                        "f1": _num(point["micro_f1"])},
              "macro": {"f1": _num(point["macro_f1"]), "n_classes": int(keep.sum())}}
    if cis:
        result["micro"]["f1_ci"] = [_num(cis["micro_f1"][0]), _num(cis["micro_f1"][1])]
        result["macro"]["f1_ci"] = [_num(cis["macro_f1"][0]), _num(cis["macro_f1"][1])]
    return result


def _num(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else round(x, 6)


def format_table(result: dict) -> str:
    """A plain-text table of an :func:`evaluate` result."""
    def f(x):
        return "  -  " if x is None else f"{x:.3f}"

    def ci(e, k):
        c = e.get(f"{k}_ci")
        return "" if not c or c[0] is None else f" [{f(c[0])}-{f(c[1])}]"

    width = max([len(n) for n in result["classes"]] + [5])
    lines = [f"{'class':<{width}}  {'TP':>5} {'FP':>5} {'TN':>6} {'FN':>5}  {'prec':>5}  {'recall':>6}  "
             f"{'F1 [95% CI]':<20} {'kappa':>6} {'support':>7}"]
    for name, e in result["classes"].items():
        lines.append(f"{name:<{width}}  {e['tp']:>5} {e['fp']:>5} {e['tn']:>6} {e['fn']:>5}  {f(e['precision']):>5}  "
                     f"{f(e['recall']):>6}  {(f(e['f1']) + ci(e, 'f1')):<20} {f(e['kappa']):>6} {e['support']:>7}")
    micro, macro = result["micro"], result["macro"]
    lines.append(f"micro  P {f(micro['precision'])}  R {f(micro['recall'])}  F1 {f(micro['f1'])}{ci(micro, 'f1')}")
    lines.append(f"macro  F1 {f(macro['f1'])}{ci(macro, 'f1')} over {macro['n_classes']} classes"
                 f"{' (support >= ' + str(result['min_support']) + ')' if result['min_support'] else ''}")
    lines.append(f"{result['n_reports']} reports; uncertain counted as {result['uncertain']}; "
                 f"{result['missing_predictions']} without a prediction (counted negative)")
    return "\n".join(lines)


def cohen_kappa_tables(a: pd.DataFrame, b: pd.DataFrame, classes: list[str] | None = None) -> dict[str, float | None]:
    """Cohen's kappa per class between two label sets on their 4 values (1, 0, -1, blank)."""
    from sklearn.metrics import cohen_kappa_score

    classes = classes or sorted(set(a.columns) | set(b.columns))
    ids = a.index.union(b.index)
    out = {}
    for name in classes:
        x = a.reindex(index=ids).get(name, pd.Series(index=ids, dtype=float)).fillna(9).astype(int)
        y = b.reindex(index=ids).get(name, pd.Series(index=ids, dtype=float)).fillna(9).astype(int)
        k = cohen_kappa_score(x, y) if len(set(x) | set(y)) > 1 else (1.0 if (x == y).all() else None)
        out[name] = None if k is None or np.isnan(k) else round(float(k), 6)
    return out


def write_json(result: dict, path: str | Path) -> None:
    Path(path).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


__all__ = ["REGION_COLUMNS", "cohen_kappa_tables", "evaluate", "format_table", "load_label_table", "strict_classes"]
