"""Several seeds of one recipe, reported as mean +- sd per class (as NEATX reports AUC).

Each seed trains into ``OUT/seed_N`` and is evaluated on the test split (the valid split when the
manifest has no test rows) without bootstrap; ``OUT/seeds.csv`` holds one row per class and metric
with the mean, the sample standard deviation (ddof 1) and every seed's value, ``OUT/seeds.json`` the same.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from rxlabel.classifier.train import TrainConfig, TrainError, train

METRICS = ("auc", "f1", "sensitivity", "specificity")


def aggregate(per_seed: dict[int, dict], classes: list[str]) -> pd.DataFrame:
    """Rows (class, metric, mean, sd, n, seed_<k>...) from each seed's ``classification_metrics`` result."""
    rows = []
    for name in [*classes, "macro"]:
        for metric in METRICS:
            values = {}
            for seed, res in per_seed.items():
                block = res["macro"] if name == "macro" else res["per_class"][name]
                values[seed] = block.get(metric)
            finite = np.array([v for v in values.values() if v is not None and np.isfinite(v)], dtype=float)
            rows.append({"class": name, "metric": metric,
                         "mean": float(finite.mean()) if finite.size else None,
                         "sd": float(finite.std(ddof=1)) if finite.size > 1 else None, "n": int(finite.size),
                         **{f"seed_{s}": v for s, v in values.items()}})
    return pd.DataFrame(rows)


def format_table(frame: pd.DataFrame, metric: str = "auc") -> str:
    """'class  mean +- sd' lines for one metric."""
    sub = frame[frame["metric"] == metric]
    width = max(len(str(c)) for c in sub["class"])
    lines = [f"{'class':<{width}}  {metric} mean +- sd (n seeds)"]
    for row in sub.itertuples():
        mean = "-" if row.mean is None or pd.isna(row.mean) else f"{row.mean:.3f}"
        sd = "-" if row.sd is None or pd.isna(row.sd) else f"{row.sd:.3f}"
        lines.append(f"{row._1:<{width}}  {mean} +- {sd} ({row.n})")
    return "\n".join(lines)


def train_seeds(cfg: TrainConfig, seeds: list[int]) -> dict:
    """Train ``cfg`` once per seed under ``cfg.out/seed_N``; evaluate each and aggregate per class."""
    from rxlabel.classifier.evaluate import evaluate_runs

    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise TrainError(f"--seeds needs at least two different seeds, got {seeds}")
    out = Path(cfg.out)
    per_seed, classes, split = {}, None, "test"
    for seed in seeds:
        run_dir = out / f"seed_{seed}"
        summary = train(replace(cfg, seed=seed, out=str(run_dir)))
        classes = summary["classes"]
        frame = pd.read_csv(cfg.manifest, usecols=["split"])
        split = "test" if (frame["split"].str.lower() == "test").any() else "valid"
        per_seed[seed] = evaluate_runs([str(run_dir)], split=split, n_boot=0, device=cfg.device)
    table = aggregate(per_seed, classes)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "seeds.csv", index=False)
    (out / "seeds.json").write_text(json.dumps({"seeds": seeds, "split": split,
                                                "rows": table.to_dict(orient="records")}, indent=2, default=str))
    macro = table[(table["class"] == "macro") & (table["metric"] == "auc")].iloc[0]
    return {"out": str(out), "seeds": seeds, "split": split, "classes": classes,
            "macro_auc_mean": macro["mean"], "macro_auc_sd": macro["sd"], "csv": str(out / "seeds.csv"),
            "table": format_table(table)}
