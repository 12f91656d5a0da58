"""float32 overflow as PyTorch has it: inf and nan appear silently (PyTorch prints no warning), with
the same values, in products, norms, losses, backward and optimizer steps."""

import warnings

import numpy as np
import pytest

from helpers import both, same

pytest.importorskip("torch")


def _quiet(fn):
    """fn(module) on both libraries with every warning an error: teachgrad must be as quiet as torch."""
    def run(t):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return fn(t)
    return run


@pytest.mark.parametrize("fn", [
    lambda t: t.full((2, 2), 1e30) @ t.full((2, 2), 1e30),
    lambda t: t.full((3,), 1e30) @ t.full((3,), 1e30),
    lambda t: t.full((2, 3), 1e30) @ t.full((3,), 1e30),
    lambda t: t.full((4, 4), 1e19).norm(),
    lambda t: t.full((100,), 1e19).norm(),
    lambda t: t.full((4, 4), 1e19).norm(dim=1),
    lambda t: t.full((4, 4), 1e19).norm(dim=0),
    lambda t: t.full((3,), 3e38) + t.full((3,), 3e38) - t.full((3,), 3e38) * 2,
    lambda t: (t.full((3,), 1e30) * t.full((3,), 1e30)).exp() / t.zeros(3),
])
def test_forward_overflow_is_silent(fn):
    same(_quiet(fn))


def _exploding_training(t, optimizer, lr, momentum=None):
    t.manual_seed(0)
    net = t.nn.Sequential(*[t.nn.Linear(8, 8) for _ in range(12)])
    for p in net.parameters():
        t.nn.init.normal_(p, std=3.0)
    kw = {} if momentum is None else {"momentum": momentum}
    opt = getattr(t.optim, optimizer)(net.parameters(), lr=lr, **kw)
    x, y = t.randn(4, 8), t.zeros(4, 8)
    losses = []
    for _ in range(4):
        opt.zero_grad()
        loss = t.nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.detach() for p in net.parameters()][:2]


@pytest.mark.parametrize("optimizer, lr, momentum", [("SGD", 1.0, None), ("SGD", 1.0, 0.9), ("Adam", 1e30, None),
                                                     ("RMSprop", 1.0, None)])
def test_exploding_training_is_silent(optimizer, lr, momentum):
    tg, torch = both()
    got = _quiet(lambda t: _exploding_training(t, optimizer, lr, momentum))(tg)
    want = _exploding_training(torch, optimizer, lr, momentum)
    np.testing.assert_array_equal(np.isfinite(got[0]), np.isfinite(want[0]))


def test_clip_grad_norm_of_huge_gradients_is_silent():
    def run(t):
        x = t.full((3,), 1e30, requires_grad=True)
        (x * x).sum().backward()
        return t.nn.utils.clip_grad_norm_([x], 1.0), x.grad
    same(_quiet(run))
