"""Multi-label losses written from the papers' formulas: BCE, weighted BCE, ASL, DBL.

Every loss takes logits ``x`` and targets ``y`` of shape (batch, classes) and an optional
``mask`` of the same shape (1 = use, 0 = ignore; uncertain labels are masked by default).
None of them modifies its inputs or changes the caller's grad mode.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rxlabel.errors import OptionError

LOSSES = ("bce", "wbce", "asl", "dbl")


def _masked(elem: Tensor, mask: Tensor | None) -> Tensor:
    return elem if mask is None else elem * mask.to(elem.dtype)


def _mean(elem: Tensor, mask: Tensor | None) -> Tensor:
    if mask is None:
        return elem.mean()
    # Mean over the entries that carry a label, so masking uncertain labels does not shrink the loss.
    return (elem * mask.to(elem.dtype)).sum() / mask.to(elem.dtype).sum().clamp(min=1.0)


def bce(x: Tensor, y: Tensor, mask: Tensor | None = None) -> Tensor:
    """Binary cross-entropy with logits, mean over labelled elements."""
    return _mean(F.binary_cross_entropy_with_logits(x, y.to(x.dtype), reduction="none"), mask)


def class_weights_from_frequencies(pos_counts: Sequence[float], n_samples: int) -> Tensor:
    """Positive-class weights n_neg / n_pos per class (as torch's ``pos_weight``).

    A class with no positives cannot be weighted; callers must reject it before training.
    """
    pos = torch.as_tensor(pos_counts, dtype=torch.float64)
    if (pos <= 0).any():
        bad = [i for i, c in enumerate(pos.tolist()) if c <= 0]
        raise OptionError(f"classes {bad} have no positive training example; cannot compute class weights")
    return (n_samples - pos) / pos


def weighted_bce(x: Tensor, y: Tensor, pos_weight: Tensor, mask: Tensor | None = None) -> Tensor:
    """BCE with per-class positive weights (rare findings count more), mean over labelled elements."""
    elem = F.binary_cross_entropy_with_logits(
        x, y.to(x.dtype), pos_weight=pos_weight.to(x.dtype).to(x.device), reduction="none"
    )
    return _mean(elem, mask)


def asymmetric_loss(
    x: Tensor,
    y: Tensor,
    gamma_neg: float = 4.0,
    gamma_pos: float = 1.0,
    clip: float = 0.05,
    eps: float = 1e-8,
    focal_grad: bool = False,
    mask: Tensor | None = None,
    reduction: str = "sum",
) -> Tensor:
    """Asymmetric Loss (Ben-Baruch et al. 2020).

    p = sigmoid(x); negatives use the shifted probability p_m = max(p - clip, 0);
    L = -sum[y (1-p)^gamma_pos log(max(p, eps)) + (1-y) p_m^gamma_neg log(max(1-p_m, eps))].
    The focusing weight is a constant for autograd unless ``focal_grad`` (the reference
    implementation's default treats it as a constant). Detaching, rather than toggling grad
    mode as the reference does, leaves the caller's grad mode untouched.
    """
    y = y.to(x.dtype)
    p = torch.sigmoid(x)
    p_neg = 1.0 - p
    if clip is not None and clip > 0:
        p_neg = (p_neg + clip).clamp(max=1.0)
    loss = y * torch.log(p.clamp(min=eps)) + (1.0 - y) * torch.log(p_neg.clamp(min=eps))
    if gamma_neg > 0 or gamma_pos > 0:
        pt = p * y + p_neg * (1.0 - y)
        gamma = gamma_pos * y + gamma_neg * (1.0 - y)
        base = 1.0 - pt
        weight = torch.pow(base if focal_grad else base.detach(), gamma)
        loss = loss * weight
    elem = _masked(-loss, mask)
    if reduction == "none":
        return elem
    if reduction == "mean":
        return _mean(-loss, mask)
    return elem.sum()


class AsymmetricLoss(nn.Module):
    """``nn.Module`` wrapper of :func:`asymmetric_loss` (sum over elements by default)."""

    def __init__(
        self,
        gamma_neg: float = 4.0,
        gamma_pos: float = 1.0,
        clip: float = 0.05,
        eps: float = 1e-8,
        focal_grad: bool = False,
        reduction: str = "sum",
    ) -> None:
        super().__init__()
        self.gamma_neg, self.gamma_pos, self.clip, self.eps = gamma_neg, gamma_pos, clip, eps
        self.focal_grad, self.reduction = focal_grad, reduction

    def forward(self, x: Tensor, y: Tensor, mask: Tensor | None = None) -> Tensor:
        return asymmetric_loss(
            x, y, self.gamma_neg, self.gamma_pos, self.clip, self.eps, self.focal_grad, mask, self.reduction
        )


def distribution_balanced_loss(
    x: Tensor,
    y: Tensor,
    class_freq: Tensor,
    num_samples: float,
    alpha: float = 0.1,
    beta: float = 10.0,
    mu: float = 0.2,
    neg_scale: float = 2.0,
    init_bias: float = 0.05,
    focal_gamma: float = 2.0,
    balance: float = 2.0,
    use_ntr: bool = True,
    focal: bool = True,
    mask: Tensor | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Distribution-Balanced Loss (Wu et al., ECCV 2020), mean over elements.

    Re-balanced weighting: r_bj = (1/n_j) / sum_{k in pos(b)} 1/n_k, w = sigmoid(beta (r - mu)) + alpha.
    A row with no positive label (a normal image) has r = inf, so it gets w = 1 + alpha on
    every class: normal images are neither up- nor down-weighted, as in the authors' code.
    Negative-tolerant regularisation: logits + nu_j with nu_j = -log(N/n_j - 1) * init_bias / neg_scale,
    negative logits times ``neg_scale`` and negative weights divided by it. Focal term:
    balance * (1 - pt)^gamma, pt from the unweighted BCE after the bias and scaling.
    The caller's logits are never modified in place (the authors' code adds the bias in place).
    """
    y = y.to(x.dtype)
    freq = torch.as_tensor(class_freq, dtype=x.dtype, device=x.device)
    freq_inv = 1.0 / freq
    repeat_rate = (y * freq_inv).sum(dim=1, keepdim=True)
    no_positive = repeat_rate <= 0
    r = freq_inv.unsqueeze(0) / torch.where(no_positive, torch.ones_like(repeat_rate), repeat_rate)
    weight = torch.sigmoid(beta * (r - mu)) + alpha
    weight = torch.where(no_positive.expand_as(weight), torch.full_like(weight, 1.0 + alpha), weight)
    logits = x
    if use_ntr:
        nu = -torch.log(num_samples / freq - 1.0) * init_bias / neg_scale
        logits = logits + nu
        logits = logits * (1.0 - y) * neg_scale + logits * y
        weight = weight / neg_scale * (1.0 - y) + weight * y
    weight = weight.detach()
    if focal:
        bce_plain = F.binary_cross_entropy_with_logits(logits, y, reduction="none")
        pt = torch.exp(-bce_plain)
        elem = balance * (1.0 - pt) ** focal_gamma * (weight * bce_plain)
    else:
        elem = F.binary_cross_entropy_with_logits(logits, y, weight=weight, reduction="none")
    if reduction == "none":
        return _masked(elem, mask)
    if reduction == "sum":
        return _masked(elem, mask).sum()
    return _mean(elem, mask)


class DistributionBalancedLoss(nn.Module):
    """``nn.Module`` wrapper of :func:`distribution_balanced_loss`; class frequencies from training labels."""

    def __init__(
        self,
        class_freq: Sequence[float] | Tensor,
        num_samples: float,
        alpha: float = 0.1,
        beta: float = 10.0,
        mu: float = 0.2,
        neg_scale: float = 2.0,
        init_bias: float = 0.05,
        focal_gamma: float = 2.0,
        balance: float = 2.0,
        use_ntr: bool = True,
        focal: bool = True,
        reduction: str = "mean",
    ) -> None:
        super().__init__()
        freq = torch.as_tensor(class_freq, dtype=torch.float64)
        if (freq <= 0).any() or (freq >= num_samples).any():
            raise OptionError(
                "DistributionBalancedLoss needs 0 < class frequency < number of samples for every class; "
                f"got {freq.tolist()} with {num_samples} samples"
            )
        self.register_buffer("class_freq", freq)
        self.num_samples = float(num_samples)
        self.alpha, self.beta, self.mu = alpha, beta, mu
        self.neg_scale, self.init_bias = neg_scale, init_bias
        self.focal_gamma, self.balance = focal_gamma, balance
        self.use_ntr, self.focal, self.reduction = use_ntr, focal, reduction

    def forward(self, x: Tensor, y: Tensor, mask: Tensor | None = None) -> Tensor:
        return distribution_balanced_loss(
            x, y, self.class_freq, self.num_samples, self.alpha, self.beta, self.mu, self.neg_scale,
            self.init_bias, self.focal_gamma, self.balance, self.use_ntr, self.focal, mask, self.reduction,
        )


class MaskedBCE(nn.Module):
    """BCE or weighted BCE (``pos_weight``) as an ``nn.Module`` with a label mask."""

    def __init__(self, pos_weight: Tensor | None = None) -> None:
        super().__init__()
        self.register_buffer("pos_weight", None if pos_weight is None else pos_weight.float())

    def forward(self, x: Tensor, y: Tensor, mask: Tensor | None = None) -> Tensor:
        if self.pos_weight is None:
            return bce(x, y, mask)
        return weighted_bce(x, y, self.pos_weight, mask)


def build_loss(name: str, pos_counts: Sequence[float], n_samples: int) -> nn.Module:
    """Build a loss by name (``bce``, ``wbce``, ``asl``, ``dbl``) from training label counts."""
    if name == "bce":
        return MaskedBCE()
    if name == "wbce":
        return MaskedBCE(class_weights_from_frequencies(pos_counts, n_samples))
    if name == "asl":
        # A sum, as in the paper; Adam's update is invariant to the loss scale.
        return AsymmetricLoss()
    if name == "dbl":
        return DistributionBalancedLoss(pos_counts, n_samples)
    raise OptionError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
