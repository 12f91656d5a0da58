"""Memory: backward without retain_graph frees what the graph saved, and a training loop does not
grow memory.

Saved values are watched with weak references: to the intermediate tensor itself (what PyTorch
frees) and, for teachgrad, to the NumPy array that holds its numbers (what teachgrad's ops save).
Growth is measured with tracemalloc (NumPy reports its allocations to it), never with wall-clock.
"""

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

from helpers import backend_is_torch, load_teachgrad


@pytest.fixture
def t():
    return load_teachgrad()


def refs(x):
    """Weak references to a tensor and (teachgrad) to the ndarray owning its memory; the last one
    is to what the graph actually holds (PyTorch saves the tensor, teachgrad's ops its array)."""
    out = [weakref.ref(x)]
    if not backend_is_torch():
        a = x.detach().numpy()
        while isinstance(a.base, np.ndarray):
            a = a.base
        out.append(weakref.ref(a))
    return out


def alive(rs):
    gc.collect()
    return [r() is not None for r in rs]


def held(rs):
    """Is the saved storage of every watched tensor still alive?"""
    gc.collect()
    n = 1 if backend_is_torch() else 2
    return all(r() is not None for r in rs[n - 1::n])


def test_saved_intermediate_freed_after_backward(t):
    x = t.ones(1000, requires_grad=True)
    y = x.exp()
    rs = refs(y)
    loss = (y * y).sum()  # MulBackward0 saves y (twice)
    del y
    assert held(rs), "the graph must keep y's values until backward"
    loss.backward()
    assert not any(alive(rs)), "backward without retain_graph must free the saved values"
    assert loss.grad_fn is not None  # ... although the graph object itself is still referenced


def test_retain_graph_keeps_saved_values_until_last_backward(t):
    x = t.ones(1000, requires_grad=True)
    y = x.sigmoid()
    rs = refs(y)
    loss = (y * y).sum()
    del y
    loss.backward(retain_graph=True)
    assert held(rs)
    loss.backward(retain_graph=True)
    assert held(rs)
    loss.backward()
    assert not any(alive(rs))
    assert x.grad is not None


def test_graph_freed_when_output_dropped_without_backward(t):
    x = t.ones(1000, requires_grad=True)
    y = x * 2
    rs = refs(y)
    loss = (y * y).sum()
    del y
    assert held(rs)
    del loss
    assert not any(alive(rs))


def test_custom_function_saved_tensors_freed(t):
    kept = {}

    class Scale(t.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            tmp = a * 3
            kept["refs"] = refs(tmp)
            ctx.save_for_backward(tmp)
            return a * 2

        @staticmethod
        def backward(ctx, g):
            (tmp,) = ctx.saved_tensors
            return g * 2

    x = t.ones(100, requires_grad=True)
    out = Scale.apply(x).sum()
    assert all(alive(kept["refs"]))
    out.backward()
    assert not any(alive(kept["refs"]))
    assert x.grad.tolist() == [2.0] * 100


def test_long_chain_freed_after_backward(t):
    x = t.ones(10, requires_grad=True)
    c = t.full((10,), 0.5, requires_grad=True)
    y = x
    rs = []
    for i in range(300):
        y = (y * c).tanh() + y * c  # y * c saves y (c requires grad)
        if i % 50 == 0:
            rs += refs(y)
    loss = y.sum()
    del y
    assert held(rs)
    loss.backward()
    assert not any(alive(rs))


MB = 1 << 20


def test_backward_releases_saved_arrays_tracemalloc(t):
    """Big saved intermediates (4 MB each): after backward only the leaf's .grad stays."""
    x = t.ones(1_000_000, requires_grad=True)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss = ((x.exp() * x).sigmoid() * x).sum()  # several 4 MB arrays saved in the graph
        gc.collect()
        forward = tracemalloc.get_traced_memory()[0] - base
        if forward < 4 * MB:
            pytest.skip("this backend's tensor memory is invisible to tracemalloc (real PyTorch)")
        loss.backward(retain_graph=True)
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - base
        loss.backward()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    grad_bytes = 4 * MB
    assert retained >= forward, "retain_graph=True must keep the saved arrays"
    assert after <= grad_bytes + 0.5 * MB, f"{after / MB:.1f} MB still held after backward (only x.grad expected)"
    assert loss.grad_fn is not None


def _measure_growth(step, warmup=100, steps=2000):
    for _ in range(warmup):
        step()
    gc.collect()
    tracemalloc.start()
    try:
        gc.collect()
        start = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            step()
        gc.collect()
        end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return end - start


def test_manual_training_loop_memory_is_flat(t):
    t.manual_seed(0)
    X = t.randn(16, 4)
    Y = X @ t.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.25
    w = t.zeros(4, 1, requires_grad=True)
    b = t.zeros(1, requires_grad=True)
    losses = []

    def step():
        nonlocal w, b
        loss = ((X @ w + b - Y) ** 2).mean()
        loss.backward()
        with t.no_grad():
            w -= 0.05 * w.grad
            b -= 0.05 * b.grad
        w.grad.zero_()
        b.grad = None
        losses.append(loss.item())

    growth = _measure_growth(step)
    assert losses[-1] < losses[0] * 1e-3  # it did train
    losses.clear()
    assert growth < 100_000, f"memory grew by {growth} bytes over 2,000 steps"


def test_nn_optim_training_loop_memory_is_flat(t):
    nn, optim = t.nn, t.optim
    t.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.MSELoss()
    X = t.randn(16, 4)
    Y = X.sum(dim=1, keepdim=True)
    last = []

    def step():
        opt.zero_grad()
        loss = loss_fn(model(X), Y)
        loss.backward()
        opt.step()
        last[:] = [loss.item()]

    growth = _measure_growth(step, steps=1000)
    assert growth < 100_000, f"memory grew by {growth} bytes over 1,000 steps"
