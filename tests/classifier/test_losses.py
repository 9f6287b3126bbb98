"""Losses against independently computed reference values (float64, rtol 1e-6)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rxlabel.classifier.losses import (  # noqa: E402
    AsymmetricLoss,
    DistributionBalancedLoss,
    asymmetric_loss,
    bce,
    build_loss,
    class_weights_from_frequencies,
    weighted_bce,
)

REF = json.loads((Path(__file__).parents[1] / "data" / "classifier" / "loss_reference_values.json").read_text())
ASL_CASES = [k for k in REF if k.startswith("ASL")]
DBL_CASES = [k for k in REF if k.startswith("DBL")]


def t(a):
    return torch.tensor(a, dtype=torch.float64)


@pytest.mark.parametrize("case", ASL_CASES)
def test_asl_matches_reference(case):
    c = REF[case]
    x = t(c["x"]).requires_grad_(True)
    y = t(c["y"])
    p = c["params"]
    loss = AsymmetricLoss(p["gamma_neg"], p["gamma_pos"], p["clip"])(x, y)
    np.testing.assert_allclose(loss.item(), c["loss_sum"], rtol=1e-6)
    elem = asymmetric_loss(x, y, p["gamma_neg"], p["gamma_pos"], p["clip"], reduction="none")
    # per-element values and gradients are stored rounded to 8 (grad_full: 6) decimals
    np.testing.assert_allclose(elem.detach().numpy(), c["loss_elem"], rtol=1e-6, atol=6e-9)
    (g,) = torch.autograd.grad(loss, x)
    np.testing.assert_allclose(g.numpy(), c["grad_detached_weight"], rtol=1e-6, atol=6e-9)
    x2 = t(c["x"]).requires_grad_(True)
    full = AsymmetricLoss(p["gamma_neg"], p["gamma_pos"], p["clip"], focal_grad=True)(x2, y)
    (g2,) = torch.autograd.grad(full, x2)
    np.testing.assert_allclose(g2.numpy(), c["grad_full"], rtol=1e-6, atol=6e-7)


def test_asl_without_focusing_is_bce_sum():
    c = REF["ASL4_reduces_to_BCE(g-=0,g+=0,clip=0)"]
    x, y = t(c["x"]), t(c["y"])
    bce_sum = torch.nn.functional.binary_cross_entropy_with_logits(x, y, reduction="sum")
    np.testing.assert_allclose(bce_sum.item(), REF["check_ASL4_equals_BCE_sum"], rtol=1e-6)
    np.testing.assert_allclose(asymmetric_loss(x, y, 0, 0, 0).item(), bce_sum.item(), rtol=1e-9)


def _dbl(c):
    p = c["params"]
    return DistributionBalancedLoss(
        c["class_freq"],
        c["n_train"],
        alpha=p["alpha"],
        beta=p["beta"],
        mu=p["mu"],
        neg_scale=p.get("neg_scale", 2.0),
        init_bias=p.get("init_bias", 0.05),
        focal_gamma=p.get("gamma", 2.0),
        balance=p.get("balance", 2.0),
        use_ntr=p.get("use_ntr", True),
        focal=p.get("focal", True),
    )


@pytest.mark.parametrize("case", DBL_CASES)
def test_dbl_matches_reference(case):
    c = REF[case]
    x, y = t(c["logits"]), t(c["y"])
    loss_fn = _dbl(c)
    np.testing.assert_allclose(loss_fn(x, y).item(), c["loss_mean"], rtol=1e-6)
    loss_fn.reduction = "none"
    np.testing.assert_allclose(loss_fn(x, y).numpy(), c["loss_elem"], rtol=1e-6, atol=6e-9)


def test_dbl_normal_row_gets_one_plus_alpha():
    c = REF["DBL4_COCO-MLT_with_all-negative_row"]
    x = t(c["logits"]).requires_grad_(True)
    loss = _dbl(c)(x, t(c["y"]))
    (g,) = torch.autograd.grad(loss, x)
    assert torch.isfinite(g).all()
    # row 1 is all-negative: (1 + alpha) / neg_scale on every class
    np.testing.assert_allclose(c["weight_after_ntr"][1], [0.55] * 4)


@pytest.mark.parametrize("make", ["asl", "dbl"])
@pytest.mark.parametrize("grad_mode", [True, False])
def test_losses_leave_grad_mode_and_inputs_unchanged(make, grad_mode):
    c = REF["DBL1_COCO-MLT(alpha=.1,beta=10,mu=.2,lambda=2,kappa=.05,focal g=2,bal=2)"]
    x, y = t(c["logits"]), t(c["y"])
    x_before, y_before = x.clone(), y.clone()
    loss_fn = AsymmetricLoss() if make == "asl" else _dbl(c)
    with torch.set_grad_enabled(grad_mode):
        loss_fn(x, y)
        assert torch.is_grad_enabled() is grad_mode
    with torch.no_grad():
        loss_fn(x.requires_grad_(True), y)
        assert not torch.is_grad_enabled()
    assert torch.equal(x.detach(), x_before) and torch.equal(y, y_before)


def test_mask_ignores_uncertain_entries():
    x = t([[2.0, -1.0], [0.5, 3.0]])
    y = t([[1.0, 0.0], [1.0, 0.0]])
    mask = t([[1.0, 1.0], [1.0, 0.0]])
    y_other = y.clone()
    y_other[1, 1] = 1.0  # the masked label's value must not matter
    for fn in (lambda yy: bce(x, yy, mask), lambda yy: asymmetric_loss(x, yy, mask=mask)):
        assert fn(y).item() == pytest.approx(fn(y_other).item())


def test_weighted_bce_weights_rare_class_more():
    w = class_weights_from_frequencies([10, 90], 100)
    np.testing.assert_allclose(w.numpy(), [9.0, 10 / 90])
    x = t([[0.0, 0.0]])
    y = t([[1.0, 1.0]])
    elem = [weighted_bce(x[:, i : i + 1], y[:, i : i + 1], w[i : i + 1]).item() for i in range(2)]
    assert elem[0] > elem[1]
    with pytest.raises(ValueError, match="no positive"):
        class_weights_from_frequencies([0, 5], 10)


def test_build_loss_names():
    for name in ("bce", "wbce", "asl", "dbl"):
        loss = build_loss(name, [3, 5], 10)
        out = loss(torch.zeros(2, 2), torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
        assert torch.isfinite(out)
    with pytest.raises(ValueError, match="unknown loss"):
        build_loss("focal", [1], 2)
