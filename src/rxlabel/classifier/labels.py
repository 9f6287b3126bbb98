"""Label sets: the coarse (region) classes and the CheXpert-14 to 5-region mapping."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from rxlabel.schema import REGION_COLUMNS

# The Vietnamese study's coarse task: four anatomical regions plus "abnormal" (any finding).
COARSE_CLASSES: tuple[str, ...] = REGION_COLUMNS

# CheXpert-14 observation -> region; "abnormal" is implied by any positive except "No Finding".
# Support devices are not a disease of a region, so they set "abnormal" only.
CHEXPERT_TO_REGION: dict[str, str | None] = {
    "No Finding": None,
    "Enlarged Cardiomediastinum": "cardio",
    "Cardiomegaly": "cardio",
    "Lung Opacity": "parenchyma",
    "Lung Lesion": "parenchyma",
    "Edema": "parenchyma",
    "Consolidation": "parenchyma",
    "Pneumonia": "parenchyma",
    "Atelectasis": "parenchyma",
    "Pneumothorax": "pleura",
    "Pleural Effusion": "pleura",
    "Pleural Other": "pleura",
    "Fracture": "chest_wall",
    "Support Devices": None,
}
CHEXPERT_14: tuple[str, ...] = tuple(CHEXPERT_TO_REGION)


def _norm(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def fine_to_coarse(probs: np.ndarray, fine_classes: Iterable[str]) -> np.ndarray:
    """Map fine (CheXpert-14) probabilities to the 5 coarse classes by max over each region's findings.

    The max is the probability of the most likely finding in the region, which is how a fine model is
    scored on the coarse task. Unknown fine classes are ignored; "No Finding" never sets a region.
    """
    lookup = {_norm(k): v for k, v in CHEXPERT_TO_REGION.items()}
    fine = [_norm(c) for c in fine_classes]
    probs = np.asarray(probs, dtype=np.float64)
    out = np.zeros((probs.shape[0], len(COARSE_CLASSES)), dtype=np.float64)
    abnormal = COARSE_CLASSES.index("abnormal")
    for j, name in enumerate(fine):
        if name not in lookup or name == "no_finding":
            continue
        region = lookup[name]
        if region is not None:
            r = COARSE_CLASSES.index(region)
            out[:, r] = np.maximum(out[:, r], probs[:, j])
        out[:, abnormal] = np.maximum(out[:, abnormal], probs[:, j])
    return out


def chexpert_labels_to_coarse(labels: dict[str, float]) -> dict[str, float]:
    """Map one image's CheXpert labels (1 / 0 / -1 / NaN) to coarse labels.

    A region is 1 if any of its findings is 1, else -1 (uncertain) if any is -1, else 0.
    """
    out = dict.fromkeys(COARSE_CLASSES, 0.0)
    lookup = {_norm(k): v for k, v in CHEXPERT_TO_REGION.items()}
    for name, value in labels.items():
        key = _norm(name)
        if key not in lookup or key == "no_finding" or value is None or value != value:
            continue
        for region in filter(None, (lookup[key], "abnormal")):
            if value == 1:
                out[region] = 1.0
            elif value == -1 and out[region] != 1:
                out[region] = -1.0
    return out
