"""Backbones from timm's factory (never downloaded) and checkpoint loading with a key report."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from rxlabel.errors import OptionError, RxlabelError

DEFAULT_BACKBONE = "efficientnet_b2"


class CheckpointError(RxlabelError, ValueError):
    """A checkpoint that does not fit the model (other backbone, other classes, unreadable)."""


@dataclass
class LoadReport:
    """What a checkpoint load did: keys loaded, missing in the file, unexpected in the file, skipped."""

    path: str
    loaded: int = 0
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    skipped_head: list[str] = field(default_factory=list)

    def summary(self) -> str:
        def few(keys):
            return ", ".join(keys[:5]) + (f" (+{len(keys) - 5} more)" if len(keys) > 5 else "")

        parts = [f"{self.path}: loaded {self.loaded} tensors"]
        if self.missing:
            parts.append(f"missing {len(self.missing)}: {few(self.missing)}")
        if self.unexpected:
            parts.append(f"unexpected {len(self.unexpected)}: {few(self.unexpected)}")
        if self.skipped_head:
            parts.append(f"classifier head re-initialised: {few(self.skipped_head)}")
        return "; ".join(parts)


HEADS = ("linear", "mlp512")


def create_model(backbone: str, num_classes: int, in_chans: int = 1, drop_rate: float = 0.0,
                 head: str = "linear") -> nn.Module:
    """A timm model with a fresh ``num_classes`` head; ``pretrained=False`` always (no download).

    ``head="mlp512"`` is the PadChest study's head: dense 512, ReLU, dropout 0.2, dense ``num_classes``,
    installed as the model's own classifier so ``forward_head`` (and Grad-CAM) go through it.
    """
    import timm

    if not timm.is_model(backbone):
        close = difflib.get_close_matches(backbone, timm.list_models(), n=5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise OptionError(f"unknown timm backbone {backbone!r}{hint}")
    if head not in HEADS:
        raise OptionError(f"unknown head {head!r}; use one of {', '.join(HEADS)}")
    if in_chans < 1:
        raise OptionError(f"in_chans must be >= 1, got {in_chans}")
    model = timm.create_model(backbone, pretrained=False, num_classes=num_classes, in_chans=in_chans,
                              drop_rate=drop_rate)
    if head == "mlp512":
        _set_classifier(model, nn.Sequential(nn.Linear(model.num_features, 512), nn.ReLU(inplace=True),
                                             nn.Dropout(0.2), nn.Linear(512, num_classes)))
    return model


def _set_classifier(model: nn.Module, new: nn.Module) -> None:
    old = model.get_classifier()
    for name, module in model.named_modules():
        if module is old:
            parent_name, _, attr = name.rpartition(".")
            setattr(model.get_submodule(parent_name) if parent_name else model, attr, new)
            return
    raise OptionError(f"{type(model).__name__}: cannot find its classifier to replace")


def freeze_fraction(model: nn.Module, fraction: float) -> int:
    """Freeze the first ``fraction`` of the body's parameter tensors (stem first); returns how many.

    The head always trains. As in the PadChest study's "first layers frozen", the cut follows the
    module order, so 0.1 freezes the stem and the first blocks.
    """
    if not 0.0 <= fraction < 1.0:
        raise OptionError(f"--freeze must be in [0, 1), got {fraction}")
    head = set(_head_keys(model))
    body = [(n, p) for n, p in model.named_parameters() if n not in head]
    n_freeze = int(round(fraction * len(body)))
    for _, p in body[:n_freeze]:
        p.requires_grad_(False)
    return n_freeze


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Read tensors from a ``.safetensors`` file or a torch checkpoint (``weights_only=True``)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(exc).__name__}: {exc})") from exc
    for key in ("model", "state_dict", "model_state_dict"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
            break
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: holds no state dict of tensors")
    # checkpoints saved from DDP or torch.compile carry a wrapper prefix
    return {k.removeprefix("module.").removeprefix("_orig_mod."): v for k, v in state.items()}


def load_pretrained(model: nn.Module, path: str | Path) -> LoadReport:
    """Load backbone weights from a local file; the head is re-initialised when its shape differs.

    A 3-channel stem is summed to 1 channel (as timm does) when the model takes grey input.
    Raises :class:`CheckpointError` when the file is from another architecture.
    """
    state = read_state_dict(path)
    own = model.state_dict()
    report = LoadReport(str(path))
    head = set(_head_keys(model))
    fitted: dict[str, torch.Tensor] = {}
    mismatched = []
    for key, value in state.items():
        if key not in own:
            report.unexpected.append(key)
            continue
        target = own[key]
        if value.shape != target.shape:
            if key in head:
                report.skipped_head.append(key)
                continue
            if value.ndim == 4 and target.ndim == 4 and value.shape[0] == target.shape[0] and \
                    value.shape[2:] == target.shape[2:] and value.shape[1] == 3:
                from timm.models import adapt_input_conv

                # RGB stem -> N-channel stem as timm does (1: summed; N: repeated and rescaled)
                value = adapt_input_conv(target.shape[1], value)
            else:
                mismatched.append(f"{key} {tuple(value.shape)} vs {tuple(target.shape)}")
                continue
        fitted[key] = value.to(target.dtype)
    if mismatched:
        raise CheckpointError(
            f"{path}: {len(mismatched)} tensor(s) have other shapes than this backbone "
            f"(e.g. {mismatched[0]}); is the checkpoint from another backbone?"
        )
    body = [k for k in own if k not in head and not k.endswith("num_batches_tracked")]
    if body and not any(k in fitted for k in body):
        raise CheckpointError(
            f"{path}: none of its {len(state)} tensors matches this backbone "
            f"(e.g. file has {next(iter(state), '?')!r}, model expects {body[0]!r}); "
            "the checkpoint is from another backbone"
        )
    report.missing = [k for k in own if k not in fitted and k not in report.skipped_head]
    model.load_state_dict(fitted, strict=False)
    report.loaded = len(fitted)
    return report


def _head_keys(model: nn.Module) -> list[str]:
    get = getattr(model, "get_classifier", None)
    if get is None:
        return []
    head = get()
    ids = {id(p) for p in head.parameters()}
    return [name for name, p in model.named_parameters() if id(p) in ids]


def unwrap(model: nn.Module) -> nn.Module:
    """The bare model inside DDP / compile wrappers."""
    while hasattr(model, "module"):
        model = model.module
    return getattr(model, "_orig_mod", model)
