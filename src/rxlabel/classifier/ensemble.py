"""Ensembles of runs: combine-then-predict (mean probability) and predict-then-combine (vote, mode).

All functions take stacked probabilities ``probs`` of shape (models, n, C) and per-model thresholds
(models, C). Each returns ``(scores, predictions)``: scores rank images for AUC, predictions are the
0/1 labels the ensemble outputs.
"""

from __future__ import annotations

import numpy as np

from rxlabel.errors import OptionError

METHODS = ("ctp", "ptc-vote", "ptc-mode")


def combine_then_predict(probs: np.ndarray, threshold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean probability over models, then one threshold per class (tuned on the mean validation scores)."""
    mean = probs.mean(axis=0)
    return mean, mean >= np.asarray(threshold)[None, :]


def votes(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How many models call each label positive, (n, C)."""
    return (probs >= np.asarray(thresholds)[:, None, :]).sum(axis=0)


def predict_then_vote(probs: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label-wise majority vote of the models' own thresholded predictions; a tie counts as negative."""
    v = votes(probs, thresholds)
    k = probs.shape[0]
    return v / k, 2 * v > k


def predict_then_mode(probs: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image, the label set most models predicted (ties go to the set of the earlier model)."""
    preds = probs >= np.asarray(thresholds)[:, None, :]
    k, n, c = preds.shape
    out = np.zeros((n, c), dtype=bool)
    for i in range(n):
        sets = [tuple(preds[m, i]) for m in range(k)]
        counts = {s: sets.count(s) for s in sets}
        best = max(sets, key=lambda s: (counts[s], -sets.index(s)))
        out[i] = best
    # scores for AUC: the share of models calling each label positive
    return preds.mean(axis=0), out


def combine(method: str, probs: np.ndarray, thresholds: np.ndarray,
            ctp_threshold: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Dispatch by method name (``ctp``, ``ptc-vote``, ``ptc-mode``)."""
    probs = np.asarray(probs, float)
    if method == "ctp":
        thr = ctp_threshold if ctp_threshold is not None else np.asarray(thresholds).mean(axis=0)
        return combine_then_predict(probs, thr)
    if method == "ptc-vote":
        return predict_then_vote(probs, thresholds)
    if method == "ptc-mode":
        return predict_then_mode(probs, thresholds)
    raise OptionError(f"unknown ensemble method {method!r}; choose one of {', '.join(METHODS)}")
