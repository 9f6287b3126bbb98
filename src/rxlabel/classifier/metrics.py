"""Multi-label metrics: per-class AUC, F1, sensitivity, specificity at tuned thresholds, macro averages,
Hamming loss, and seeded bootstrap 95% confidence intervals.

Inputs are ``y`` (n, C) in {0, 1}, scores ``p`` (n, C) and an optional ``mask`` (n, C) of labelled
entries; masked entries (uncertain or unknown labels) count nowhere.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

METRICS = ("auc", "f1", "sensitivity", "specificity")


def _mask(y: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    return np.ones_like(y, dtype=bool) if mask is None else np.asarray(mask) > 0


def tune_thresholds(y: np.ndarray, p: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Per-class threshold that maximises F1 on (validation) data; 0.5 for a class with no positive."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    m = _mask(y, mask)
    out = np.full(y.shape[1], 0.5)
    for j in range(y.shape[1]):
        yj, pj = y[m[:, j], j], p[m[:, j], j]
        if yj.sum() == 0:
            continue
        order = np.argsort(-pj, kind="stable")
        ps, ys = pj[order], yj[order]
        tp = np.cumsum(ys)
        k = np.arange(1, ys.size + 1)
        # only cut where the score changes, so tied scores fall on the same side
        last = np.r_[ps[1:] != ps[:-1], True]
        f1 = np.where(last, 2 * tp / (k + yj.sum()), -1)
        best = int(np.argmax(f1))
        nxt = ps[best + 1] if best + 1 < ps.size else ps[best] - 1e-6
        out[j] = float((ps[best] + nxt) / 2)  # midway to the next score: robust to tiny score drift
    return out


def _auc_rows(y: np.ndarray, p: np.ndarray, m: np.ndarray) -> np.ndarray:
    """AUC along the last axis for stacked replicates; masked entries are ranked above all and ignored."""
    big = np.where(m, p, np.inf)
    ranks = rankdata(big, axis=-1)
    pos = (y > 0) & m
    neg = (y <= 0) & m
    n_pos, n_neg = pos.sum(-1), neg.sum(-1)
    s = np.where(pos, ranks, 0).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (s - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)


def _rates(y: np.ndarray, pred: np.ndarray, m: np.ndarray) -> dict[str, np.ndarray]:
    yb = y > 0
    tp = (yb & pred & m).sum(-1)
    fp = (~yb & pred & m).sum(-1)
    fn = (yb & ~pred & m).sum(-1)
    tn = (~yb & ~pred & m).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sens = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
        spec = np.where(tn + fp > 0, tn / (tn + fp), np.nan)
        f1 = np.where(tp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), np.nan)
    return {"f1": f1, "sensitivity": sens, "specificity": spec}


def classification_metrics(
    y: np.ndarray,
    p: np.ndarray,
    thresholds: np.ndarray,
    classes: list[str],
    mask: np.ndarray | None = None,
    pred: np.ndarray | None = None,
) -> dict:
    """Per-class and macro AUC, F1, sensitivity, specificity, support, and the Hamming loss.

    AUC ranks by ``p``; the other metrics use ``pred`` when given (an ensemble's votes), else ``p >= thresholds``.
    """
    y, p = np.asarray(y, float), np.asarray(p, float)
    m = _mask(y, mask)
    pred = p >= np.asarray(thresholds)[None, :] if pred is None else np.asarray(pred, bool)
    auc = _auc_rows(y.T, p.T, m.T)
    rates = _rates(y.T, pred.T, m.T)
    per_class = {}
    for j, c in enumerate(classes):
        per_class[c] = {
            "auc": _f(auc[j]), "f1": _f(rates["f1"][j]), "sensitivity": _f(rates["sensitivity"][j]),
            "specificity": _f(rates["specificity"][j]), "threshold": float(thresholds[j]),
            "positives": int(((y[:, j] > 0) & m[:, j]).sum()), "labelled": int(m[:, j].sum()),
        }
    macro = {k: _nanmean([per_class[c][k] for c in classes]) for k in METRICS}
    wrong = ((pred != (y > 0)) & m).sum()
    macro["hamming_loss"] = float(wrong / max(m.sum(), 1))
    return {"per_class": per_class, "macro": macro, "n_images": int(y.shape[0])}


def _f(v) -> float | None:
    v = float(v)
    return None if np.isnan(v) else v


def _nanmean(values) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def bootstrap_ci(
    y: np.ndarray,
    p: np.ndarray,
    thresholds: np.ndarray,
    classes: list[str],
    mask: np.ndarray | None = None,
    n_boot: int = 3000,
    seed: int = 0,
    level: float = 0.95,
    chunk: int = 250,
    pred: np.ndarray | None = None,
) -> dict:
    """Percentile bootstrap CIs over images (rows resampled with replacement, seeded), per class and macro.

    Thresholds stay fixed (tuned on validation), as when the model is deployed.
    """
    y, p = np.asarray(y, float), np.asarray(p, float)
    m = _mask(y, mask)
    n, c = y.shape
    rng = np.random.default_rng(seed)
    pred = p >= np.asarray(thresholds)[None, :] if pred is None else np.asarray(pred, bool)
    draws = {k: np.empty((n_boot, c)) for k in METRICS}
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        idx = rng.integers(0, n, size=(b, n))
        for j in range(c):
            yj, pj, mj, dj = y[idx, j], p[idx, j], m[idx, j], pred[idx, j]
            draws["auc"][done : done + b, j] = _auc_rows(yj, pj, mj)
            for k, v in _rates(yj, dj, mj).items():
                draws[k][done : done + b, j] = v
        done += b
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    out: dict = {"n_boot": n_boot, "seed": seed, "level": level, "per_class": {}, "macro": {}}
    for j, cls in enumerate(classes):
        out["per_class"][cls] = {k: _ci(draws[k][:, j], lo, hi) for k in METRICS}
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for k in METRICS:
                out["macro"][k] = _ci(np.nanmean(draws[k], axis=1), lo, hi)
    return out


def _ci(values: np.ndarray, lo: float, hi: float) -> list[float] | None:
    v = values[~np.isnan(values)]
    if v.size == 0:
        return None
    return [float(np.percentile(v, lo)), float(np.percentile(v, hi))]


def format_table(metrics: dict, ci: dict | None = None) -> str:
    """A plain-text table of per-class and macro metrics (with CIs when given)."""
    def cell(value, interval):
        if value is None:
            return "    -".ljust(22)
        s = f"{value:.3f}"
        if interval:
            s += f" [{interval[0]:.3f}-{interval[1]:.3f}]"
        return s.ljust(22)

    header = f"{'class':<24}" + "".join(k.ljust(22) for k in ("AUC", "F1", "sensitivity", "specificity")) + "n+"
    lines = [header, "-" * len(header)]
    for cls, row in metrics["per_class"].items():
        cis = (ci or {}).get("per_class", {}).get(cls, {})
        lines.append(f"{cls[:23]:<24}" + "".join(cell(row[k], cis.get(k)) for k in METRICS) + str(row["positives"]))
    mcis = (ci or {}).get("macro", {})
    lines.append("-" * len(header))
    lines.append(f"{'macro':<24}" + "".join(cell(metrics["macro"][k], mcis.get(k)) for k in METRICS))
    lines.append(f"Hamming loss {metrics['macro']['hamming_loss']:.4f} on {metrics['n_images']} images")
    return "\n".join(lines)
