"""Multi-label Grad-CAM over the original radiograph, one colour per finding, with a legend.

Grad-CAM (Selvaraju et al. 2017) is computed on the output of timm's ``forward_features`` through
``forward_head``, which every timm CNN provides, so no layer hooks or names per architecture are
needed. (pytorch-grad-cam was considered: it pulls OpenCV for its overlays and draws one map per
call, while this needs several findings on one image; the method itself is a few lines.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from rxlabel.classifier.data import MEAN, STD
from rxlabel.classifier.images import read_image, resize
from rxlabel.classifier.run import LoadedRun, check_same_classes, load_run
from rxlabel.errors import OptionError

PALETTE = [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
           (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (220, 190, 255)]


def model_input(image: np.ndarray, size: int, in_chans: int) -> torch.Tensor:
    """The (1, C, size, size) tensor a run expects for a [0, 1] grey image."""
    x = (torch.from_numpy(resize(image, size)).unsqueeze(0) - MEAN) / STD
    return x.expand(in_chans, -1, -1).unsqueeze(0).contiguous()


def grad_cam(model: torch.nn.Module, x: torch.Tensor, classes: Sequence[int],
             layer: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of all classes and one CAM per requested class, each in [0, 1] at feature resolution.

    ``layer`` names a module (``model.named_modules()``) whose output is used instead of the last
    feature map: an earlier stage gives a finer map (e.g. 8x8 instead of 2x2 at 64 px).
    """
    model.eval()
    if layer:
        return _grad_cam_at(model, x, classes, layer)
    with torch.enable_grad():
        feats = model.forward_features(x)
        if feats.ndim != 4:
            raise OptionError("Grad-CAM needs a convolutional backbone (forward_features must return N x C x H x W)")
        feats = feats.detach().requires_grad_(True)
        logits = model.forward_head(feats)
        cams = []
        for c in classes:
            (grad,) = torch.autograd.grad(logits[0, c], feats, retain_graph=True)
            weights = grad.mean(dim=(2, 3), keepdim=True)
            cam = torch.relu((weights * feats).sum(dim=1))[0]
            top = cam.max()
            cams.append((cam / top if top > 0 else cam).detach().cpu().numpy())
    probs = torch.sigmoid(logits.detach().float())[0].cpu().numpy()
    return probs, np.stack(cams) if cams else np.zeros((0,) + tuple(feats.shape[-2:]))


def _grad_cam_at(model: torch.nn.Module, x: torch.Tensor, classes: Sequence[int], layer: str):
    names = dict(model.named_modules())
    if layer not in names:
        import difflib

        close = difflib.get_close_matches(layer, [n for n in names if n], n=5)
        raise OptionError(f"--cam-layer {layer!r} is not a module of {type(model).__name__}"
                         + (f"; did you mean {', '.join(close)}?" if close else ""))
    seen: list[torch.Tensor] = []

    def keep(_module, _inputs, output):
        if not isinstance(output, torch.Tensor) or output.ndim != 4:
            raise OptionError(f"--cam-layer {layer!r} does not output an N x C x H x W feature map")
        seen.append(output)

    handle = names[layer].register_forward_hook(keep)
    try:
        with torch.enable_grad():
            logits = model(x.requires_grad_(True))
            feats = seen[-1]
            cams = []
            for c in classes:
                (grad,) = torch.autograd.grad(logits[0, c], feats, retain_graph=True)
                cam = torch.relu((grad.mean(dim=(2, 3), keepdim=True) * feats).sum(dim=1))[0]
                top = cam.max()
                cams.append((cam / top if top > 0 else cam).detach().cpu().numpy())
    finally:
        handle.remove()
    probs = torch.sigmoid(logits.detach().float())[0].cpu().numpy()
    return probs, np.stack(cams) if cams else np.zeros((0,) + tuple(feats.shape[-2:]))


@dataclass
class HeatmapFinding:
    name: str
    probability: float
    agree: int
    models: int
    colour: tuple[int, int, int]


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def render(image: np.ndarray, cams: np.ndarray, findings: list[HeatmapFinding], title: str,
           max_side: int = 1024) -> Image.Image:
    """Overlay the CAMs on the radiograph (display size at most ``max_side``) with a legend panel."""
    h, w = image.shape
    # large films shrink to max_side; tiny inputs grow to half of it so the legend stays readable
    scale = min(1.0, max_side / max(h, w)) if max(h, w) >= max_side // 2 else (max_side // 2) / max(h, w)
    dh, dw = max(1, int(h * scale)), max(1, int(w * scale))
    base = np.asarray(Image.fromarray(image.astype(np.float32)).resize((dw, dh), Image.BILINEAR), dtype=np.float32)
    rgb = np.repeat(np.clip(base, 0, 1)[..., None], 3, axis=2)
    # weakest finding first, so the most probable one is drawn on top
    for k in np.argsort([f.probability for f in findings]):
        cam = np.asarray(Image.fromarray(cams[k].astype(np.float32)).resize((dw, dh), Image.BILINEAR))
        # continuous in the CAM value: no hard contour where a cut-off would be
        alpha = (0.6 * np.clip(cam, 0, 1) ** 1.5)[..., None]
        colour = np.asarray(findings[k].colour, dtype=np.float32) / 255.0
        rgb = rgb * (1 - alpha) + colour * alpha
    canvas_w = dw + 340
    canvas = Image.new("RGB", (canvas_w, max(dh, 80 + 28 * max(len(findings), 1))), (255, 255, 255))
    canvas.paste(Image.fromarray((rgb * 255).round().astype(np.uint8)), (0, 0))
    draw = ImageDraw.Draw(canvas)
    x0 = dw + 14
    draw.text((x0, 12), title, fill=(0, 0, 0), font=_font(15))
    y = 44
    if not findings:
        draw.text((x0, y), "no finding above its threshold", fill=(80, 80, 80), font=_font(14))
    for f in findings:
        draw.rectangle([x0, y + 2, x0 + 16, y + 18], fill=f.colour, outline=(0, 0, 0))
        text = f"{f.name}  p={f.probability:.2f}"
        if f.models > 1:
            text += f"  {f.agree}/{f.models} models"
        draw.text((x0 + 24, y + 2), text, fill=(0, 0, 0), font=_font(14))
        y += 28
    return canvas


def heatmap(
    runs: Sequence[str | Path | LoadedRun],
    image_path: str | Path,
    out_path: str | Path,
    threshold: float | None = None,
    device: str | None = None,
    cam_layer: str | None = None,
) -> list[HeatmapFinding]:
    """Write a multi-label Grad-CAM PNG for one image; returns the findings drawn (probability >= threshold).

    With several runs: probability and CAM are the mean over runs, ``agree`` counts the runs whose own
    probability reaches their own threshold. ``threshold`` overrides the runs' tuned thresholds.
    """
    dev = torch.device(device or "cpu")
    loaded = [r if isinstance(r, LoadedRun) else load_run(r, dev) for r in runs]
    classes = check_same_classes(loaded)
    image = read_image(image_path)
    all_probs, all_cams = [], []
    for r in loaded:
        x = model_input(image, r.image_size, r.in_chans).to(dev)
        probs, cams = grad_cam(r.model, x, range(len(classes)), cam_layer)
        all_probs.append(probs)
        all_cams.append(np.stack([np.asarray(Image.fromarray(c.astype(np.float32)).resize(
            (64, 64), Image.BILINEAR)) for c in cams]))  # common grid: runs may differ in feature size
    probs = np.mean(all_probs, axis=0)
    cams = np.mean(all_cams, axis=0)
    thr = np.stack([r.thresholds for r in loaded])
    if threshold is not None:
        thr = np.full_like(thr, threshold)
    agree = (np.stack(all_probs) >= thr).sum(axis=0)
    chosen = [j for j in np.argsort(-probs) if probs[j] >= thr.mean(axis=0)[j]]
    findings = [HeatmapFinding(classes[j], float(probs[j]), int(agree[j]), len(loaded), PALETTE[j % len(PALETTE)])
                for j in chosen]
    title = f"{Path(image_path).name}: {loaded[0].backbone}" + (f" x{len(loaded)}" if len(loaded) > 1 else "")
    img = render(image, cams[chosen] if chosen else np.zeros((0, 64, 64)), findings, title)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    img.save(out_path)
    return findings
