"""Generated radiograph-like images whose coarse (region) classes are visible patterns.

For tests, demos and benchmarks where no labelled radiographs may be shipped: a chest
silhouette (body, two dark lungs, spine, heart, ribs) with optional findings drawn per region:
chest wall (a soft-tissue mass on the lateral wall), pleura (an effusion filling a lung base with a
meniscus), parenchyma (nodules / consolidation in a lung), cardio (an enlarged heart).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image

from rxlabel.classifier.labels import COARSE_CLASSES

FINDINGS = COARSE_CLASSES[:-1]


def _ellipse(yy, xx, cy, cx, ry, rx):
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0


def _smooth(a: np.ndarray, k: int) -> np.ndarray:
    # box blur by cumulative sums: cheap stand-in for scatter and soft tissue blur
    if k <= 1:
        return a
    pad = np.pad(a, k, mode="edge")
    c = pad.cumsum(0)
    a = (c[2 * k :] - c[: -2 * k])[:, k:-k] / (2 * k)
    c = np.pad(a, ((0, 0), (k, k)), mode="edge").cumsum(1)
    return (c[:, 2 * k :] - c[:, : -2 * k]) / (2 * k)


def make_radiograph(findings: dict[str, bool], size: int, rng: np.random.Generator) -> np.ndarray:
    """One grey image in [0, 1] with the requested region findings visible."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    s = size
    img = np.full((s, s), 0.08, np.float32)
    cx = s * (0.5 + rng.uniform(-0.03, 0.03))
    body = _ellipse(yy, xx, s * 0.55, cx, s * 0.52, s * 0.46)
    img[body] = 0.55
    lung_ry, lung_rx = s * rng.uniform(0.27, 0.31), s * rng.uniform(0.14, 0.16)
    lungs = []
    for side in (-1, 1):
        lcx, lcy = cx + side * s * 0.2, s * 0.5
        lung = _ellipse(yy, xx, lcy, lcx, lung_ry, lung_rx)
        img[lung] = 0.22
        lungs.append((lung, lcx, lcy))
    for k in range(6):  # ribs: faint bright arcs across both lungs
        ry = s * (0.28 + 0.075 * k)
        arc = np.abs(yy - ry) < s * 0.012
        img[arc & (lungs[0][0] | lungs[1][0])] += 0.12
    img[np.abs(xx - cx) < s * 0.035] = 0.7  # spine
    heart_r = s * rng.uniform(0.11, 0.13) * (1.55 if findings.get("cardio") else 1.0)
    heart = _ellipse(yy, xx, s * 0.62, cx - s * 0.04, heart_r * 0.85, heart_r)
    img[heart] = 0.62
    if findings.get("pleura"):
        lung, lcx, lcy = lungs[rng.integers(2)]
        level = lcy + lung_ry * rng.uniform(-0.1, 0.3)
        meniscus = yy > level - 0.6 * np.abs(xx - lcx) * 0.5
        img[lung & meniscus] = 0.6
    if findings.get("parenchyma"):
        lung, lcx, lcy = lungs[rng.integers(2)]
        for _ in range(rng.integers(1, 4)):
            ny = lcy + rng.uniform(-0.6, 0.4) * lung_ry
            nx = lcx + rng.uniform(-0.5, 0.5) * lung_rx
            r = s * rng.uniform(0.045, 0.07)
            img[_ellipse(yy, xx, ny, nx, r, r) & lung] = 0.68
    if findings.get("chest_wall"):
        side = rng.choice((-1, 1))
        wy = s * rng.uniform(0.35, 0.7)
        wx = cx + side * s * 0.37
        img[_ellipse(yy, xx, wy, wx, s * 0.07, s * 0.045)] = 0.85
    img = _smooth(img, max(1, size // 96))
    img += rng.normal(0, 0.03, img.shape).astype(np.float32)
    img = np.clip(img * rng.uniform(0.9, 1.1) + rng.uniform(-0.05, 0.05), 0, 1) ** rng.uniform(0.85, 1.15)
    return img.astype(np.float32)


def write_synthetic_dataset(
    out_dir: str | Path,
    n_images: int = 300,
    size: int = 96,
    seed: int = 0,
    split: tuple[float, float, float] = (0.6, 0.2, 0.2),
    prevalence: float = 0.35,
) -> Path:
    """Write PNGs and a wide-format manifest CSV (one column per coarse class); returns the manifest path.

    Each image is its own patient, so the splits are patient-disjoint by construction.
    """
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_train = int(round(split[0] * n_images))
    n_valid = int(round(split[1] * n_images))
    rows = []
    for i in range(n_images):
        findings = {f: bool(rng.random() < prevalence) for f in FINDINGS}
        img = make_radiograph(findings, size, rng)
        name = f"images/syn{i:05d}.png"
        Image.fromarray((img * 255).round().astype(np.uint8)).save(out / name)
        sp = "train" if i < n_train else "valid" if i < n_train + n_valid else "test"
        row = {"image_path": name, "patient_id": f"P{i:05d}", "split": sp}
        row.update({f: int(v) for f, v in findings.items()})
        row["abnormal"] = int(any(findings.values()))
        rows.append(row)
    manifest = out / "manifest.csv"
    with open(manifest, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return manifest
