"""Autograd behaviour compared with real PyTorch: flags, is_leaf, grad_fn names and next_functions,
retain_grad, detach / detach_ / .data, in-place ops, grad modes, backward(gradient), retain_graph,
accumulation, the non-leaf .grad warning, a 10,000-op chain, custom autograd.Function and gradcheck.
"""

import re

import pytest

from helpers import assert_same, both, load_teachgrad, same, same_error, same_warnings

pytest.importorskip("torch")


def graph(t, leaves=()):
    """The graph behind t as nested plain data: node names, next_functions (with input numbers),
    AccumulateGrad nodes identified by which of `leaves` their .variable is."""
    def walk(fn):
        if fn is None:
            return None
        if type(fn).__name__ == "AccumulateGrad":
            idx = [i for i, leaf in enumerate(leaves) if leaf is fn.variable]
            return ("AccumulateGrad", fn.name(), idx)
        return (fn.name(), type(fn).__name__, [(walk(f), i) for f, i in fn.next_functions])
    return walk(t.grad_fn)


# ============================================================================ flags and is_leaf
def test_flags_of_leaves_and_results():
    def f(t):
        a = t.tensor([1.0, 2.0])
        b = t.tensor([1.0, 2.0], requires_grad=True)
        c = a * 2
        d = b * 2
        e = a + b
        return [(x.requires_grad, x.is_leaf, x.grad_fn is None, x.grad if x.is_leaf else "-") for x in (a, b, c, d, e)]
    same(f)


def test_requires_grad_setter_and_method():
    def f(t):
        a = t.ones(2)
        a.requires_grad = True
        r1 = (a.requires_grad, a.is_leaf)
        b = t.ones(2)
        out = b.requires_grad_()
        r2 = (out is b, b.requires_grad)
        b.requires_grad_(False)
        c = t.ones(2, requires_grad=True)
        c.requires_grad = False
        return [r1, r2, b.requires_grad, c.requires_grad, (c * 2).requires_grad, (a * 2).requires_grad]
    same(f)


def test_grad_assignable():
    def f(t):
        a = t.ones(2, requires_grad=True)
        a.grad = t.tensor([5.0, 6.0])
        (a * 3).sum().backward()
        g1 = a.grad.clone()
        a.grad = None
        (a * 3).sum().backward()
        return g1, a.grad
    same(f)


def test_grad_data_assignment_as_in_the_detach_article():
    def f(t):
        a = t.tensor(2.0, requires_grad=True)
        (a * 3).backward()
        g = a.grad
        a.grad.data = t.tensor(0.0)
        (a * 3).backward()
        return g is a.grad, a.grad, bool(a.grad)
    same(f)


def test_int_and_bool_results_never_require_grad():
    def f(t):
        x = t.tensor([1.0, -2.0], requires_grad=True)
        return [(x > 0).requires_grad, x.argmax().requires_grad, x.max(dim=0).indices.requires_grad,
                x.long().requires_grad, x.detach().requires_grad]
    same(f)


# ============================================================================ grad_fn and next_functions
GRAPHS = {
    "detach_article_chain": lambda t, a, b, x: a * x + b,
    "mul_const": lambda t, a, b, x: a * 2,
    "mul_untracked": lambda t, a, b, x: a * t.ones(()),
    "same_twice": lambda t, a, b, x: a * a,
    "mean_of_square": lambda t, a, b, x: ((a + 2) * (a + 2) * 3).mean(),
    "sub_neg_div": lambda t, a, b, x: (a - b) / -x,
    "pow_exp_log": lambda t, a, b, x: (a ** 2).exp().log(),
    "unary": lambda t, a, b, x: a.relu().sigmoid().tanh().abs().sqrt(),
    "reshape_sum": lambda t, a, b, x: a.reshape(1).expand(3).sum(),
    "stack_cat": lambda t, a, b, x: t.cat([t.stack([a, b]), x.reshape(1)]).sum(),
    "where_clamp": lambda t, a, b, x: t.where(a > 0, a, b).clamp(0, 1),
    "frozen_middle": lambda t, a, b, x: (a * x.detach() + b) * a,
    "rsub": lambda t, a, b, x: 1 - a,
    "radd": lambda t, a, b, x: 1 + a,
}


@pytest.mark.parametrize("name", list(GRAPHS))
def test_grad_fn_graph(name):
    def f(t):
        a = t.tensor(2.0, requires_grad=True)
        b = t.tensor(3.0, requires_grad=True)
        x = t.tensor(17.0, requires_grad=True)
        return graph(GRAPHS[name](t, a, b, x), (a, b, x))
    same(f)


def test_grad_fn_graph_matrix_ops():
    def f(t):
        x = t.ones(2, 3, requires_grad=True)
        w = t.ones(4, 3, requires_grad=True)
        b = t.ones(4, requires_grad=True)
        out = (x @ w.T + b).relu().softmax(dim=1).log().mean(dim=0).sum()
        return graph(out, (x, w, b)), graph(x.mm(w.t()), (x, w)), graph(x[0], (x,)), graph(x[:, 1:], (x,))
    same(f)


def test_accumulate_grad_variable():
    for t in both():
        a = t.tensor(1.0, requires_grad=True)
        y = a * 2
        acc = y.grad_fn.next_functions[0][0]
        assert type(acc).__name__ == "AccumulateGrad" and acc.variable is a
        assert y.grad_fn.next_functions[1] == (None, 0)


def test_grad_fn_survives_and_is_shared():
    for t in both():
        a = t.tensor(1.0, requires_grad=True)
        y = a * 2
        z1, z2 = y + 1, y + 2
        assert z1.grad_fn.next_functions[0][0] is z2.grad_fn.next_functions[0][0] is y.grad_fn


# ============================================================================ retain_grad
def test_retain_grad():
    def f(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        y = a * 3
        flags = [y.retains_grad, a.retains_grad]
        y.retain_grad()
        z = (y * y).sum()
        z.backward()
        return flags, y.retains_grad, y.grad, a.grad, y.is_leaf
    same(f)


def test_retain_grad_on_leaf_is_noop():
    def f(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        a.retain_grad()
        (a * 2).sum().backward()
        return a.retains_grad, a.grad
    same(f)


def test_retained_grad_accumulates():
    def f(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        y = a * 3
        y.retain_grad()
        (y * 2).sum().backward(retain_graph=True)
        (y * 2).sum().backward()
        return y.grad, a.grad
    same(f)


# ============================================================================ detach, detach_, .data
def test_detach_shares_memory():
    def f(t):
        a = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = a * 2
        d = y.detach()
        d[0] = 100.0
        d2 = a.detach()
        d2.mul_(10)
        return y, d, a, (d.requires_grad, d.is_leaf, d.grad_fn, d2.requires_grad)
    same(f)


def test_detach_in_place():
    def f(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        y = a * 2
        r = y.detach_()
        return r is y, y.requires_grad, y.is_leaf, y.grad_fn, y
    same(f)


def test_data_get():
    def f(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        d = a.data
        d.add_(1)  # allowed: .data is not tracked
        return a, (d.requires_grad, d.is_leaf, d.grad_fn), a.requires_grad
    same(f)


def test_data_set():
    def f(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        same_object = a
        a.data = t.tensor([5.0, 6.0, 7.0])
        return same_object is a, a, a.requires_grad, a.is_leaf
    same(f)


def test_data_of_nonleaf():
    def f(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        y = a * 2
        return y.data, y.data.requires_grad, y.data.grad_fn, y.data.norm()
    same(f)


# ============================================================================ in-place ops
def test_inplace_on_leaf_requiring_grad_errors():
    for op in ("add_(1)", "sub_(1)", "mul_(2)", "zero_()", "fill_(3)", "copy_(t.ones(2))"):
        same_error(eval(f"lambda t: t.ones(2, requires_grad=True).{op}"))


def test_inplace_operator_on_leaf_errors():
    def f(t):
        w = t.ones(2, requires_grad=True)
        w -= 0.1
    same_error(f)


def test_setitem_on_leaf_errors():
    def f(t):
        w = t.ones(2, requires_grad=True)
        w[0] = 5.0
    same_error(f)


def test_inplace_under_no_grad_is_allowed():
    def f(t):
        w = t.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        with t.no_grad():
            w -= 0.1 * w.grad
            w.add_(1)
            w.mul_(2)
        return w, w.is_leaf, w.requires_grad, w.grad_fn, w.grad
    same(f)


def test_inplace_on_nonleaf_records_grad_fn():
    def f(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        y = a * 2
        names = []
        for op in ("add_", "sub_", "mul_"):
            getattr(y, op)(3)
            names.append(y.grad_fn.name())
        y.sum().backward()
        return names, y, a.grad, y.is_leaf
    same(f)


def test_inplace_on_plain_then_requires_grad():
    def f(t):
        a = t.zeros(2)
        a.add_(1)
        a.requires_grad_()
        (a * 4).sum().backward()
        return a.grad
    same(f)


def test_zero_grad_in_place():
    def f(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        (a * 3).sum().backward()
        g = a.grad
        g.zero_()
        (a * 3).sum().backward()
        return g is a.grad, a.grad
    same(f)


def test_inplace_modification_of_saved_tensor_detected():
    """PyTorch's version counter: backward after an in-place change of a saved value fails."""
    def f(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        e = a.exp()
        e.add_(1)
        e.sum().backward()
    same_error(f)


def test_inplace_modification_of_saved_input_detected():
    def f(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        y = a * 1
        z = y * y
        y.mul_(2)
        z.sum().backward()
    same_error(f)


# ============================================================================ grad modes
def test_no_grad_context():
    def f(t):
        x = t.ones(2, requires_grad=True)
        r = [t.is_grad_enabled()]
        with t.no_grad():
            r += [t.is_grad_enabled(), (x * 2).requires_grad, (x * 2).grad_fn, x.requires_grad]
            with t.enable_grad():
                r += [t.is_grad_enabled(), (x * 2).requires_grad]
            r.append(t.is_grad_enabled())
        r.append(t.is_grad_enabled())
        return r
    same(f)


def test_no_grad_decorator():
    def f(t):
        @t.no_grad()
        def g(x):
            return (x * 2).requires_grad, t.is_grad_enabled()

        @t.enable_grad()
        def h(x):
            return (x * 2).requires_grad

        x = t.ones(1, requires_grad=True)
        with t.no_grad():
            inside = h(x)
        return g(x), inside, t.is_grad_enabled(), g.__name__
    same(f)


def test_no_grad_bare_decorator():
    def f(t):
        @t.no_grad
        def g(x):
            return (x * 2).requires_grad
        return g(t.ones(1, requires_grad=True)), t.is_grad_enabled()
    same(f)


def test_set_grad_enabled():
    def f(t):
        x = t.ones(1, requires_grad=True)
        r = []
        with t.set_grad_enabled(False):
            r += [t.is_grad_enabled(), (x * 2).requires_grad]
        with t.set_grad_enabled(True):
            r += [t.is_grad_enabled()]
        try:
            t.set_grad_enabled(False)
            r += [t.is_grad_enabled(), (x * 2).requires_grad]
        finally:
            t.set_grad_enabled(True)
        r += [t.is_grad_enabled(), (x * 2).requires_grad]
        with t.no_grad():
            with t.set_grad_enabled(True):
                r.append((x * 2).requires_grad)
        return r
    same(f)


def test_set_grad_enabled_decorator():
    def f(t):
        @t.set_grad_enabled(False)
        def g(x):
            return (x * 2).requires_grad
        return g(t.ones(1, requires_grad=True)), t.is_grad_enabled()
    same(f)


def test_grad_mode_restored_after_exception():
    for t in both():
        with pytest.raises(ValueError):
            with t.no_grad():
                raise ValueError
        assert t.is_grad_enabled()
        with pytest.raises(ValueError):
            with t.set_grad_enabled(False):
                raise ValueError
        assert t.is_grad_enabled()


def test_grad_mode_objects_exported():
    for t in both():
        assert t.autograd.no_grad is t.no_grad
        assert t.autograd.enable_grad is t.enable_grad
        assert t.autograd.set_grad_enabled is t.set_grad_enabled


# ============================================================================ backward
def test_backward_with_gradient_is_vjp():
    def f(t):
        x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        y.backward(t.tensor([0.1, 1.0, 0.0001]))
        return x.grad
    same(f)


def test_backward_with_gradient_matrix():
    def f(t):
        x = t.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x @ x
        y.backward(t.tensor([[1.0, 0.0], [0.5, 2.0]]))
        return x.grad
    same(f)


def test_backward_scalar_with_gradient():
    def f(t):
        x = t.tensor(3.0, requires_grad=True)
        (x * x).backward(t.tensor(2.0))
        return x.grad
    same(f)


def test_backward_one_element_non_scalar_implicit():
    def f(t):
        x = t.tensor([3.0], requires_grad=True)
        (x * x).backward()
        return x.grad
    same(f)


def test_backward_gradient_positional_and_keyword():
    def f(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).backward(gradient=t.ones(2))
        (x * 2).backward(t.ones(2), retain_graph=False)
        return x.grad
    same(f)


def test_backward_returns_none():
    for t in both():
        x = t.tensor(1.0, requires_grad=True)
        assert (x * 2).backward() is None


def test_retain_graph_allows_second_backward():
    def f(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        g1 = x.grad.clone()
        y.backward(retain_graph=True)
        y.backward()
        return g1, x.grad
    same(f)


def test_second_backward_fails_without_retain_graph():
    def f(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()
    same_error(f)


def test_graph_without_saved_values_can_backward_twice():
    """PyTorch only fails when a freed saved value is needed: sums of leaves save nothing."""
    def f(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return x.grad
    same(f)


def test_part_of_graph_reused_after_backward_fails():
    def f(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        h = x * x
        h.sum().backward()
        (h * 2).sum().backward()
    same_error(f)


def test_accumulation_over_graphs_and_paths():
    def f(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        (x * x).sum().backward()
        r = [x.grad.clone()]
        y = x * 2
        (y + y * y).sum().backward()  # two paths to y
        r.append(x.grad.clone())
        return r
    same(f)


def test_gradients_reach_only_leaves_that_require_grad():
    def f(t):
        a = t.tensor(2.0, requires_grad=True)
        b = t.tensor(3.0)
        (a * b).backward()
        return a.grad, b.grad
    same(f)


def test_broadcast_gradients_are_reduced():
    def f(t):
        a = t.ones(3, 1, requires_grad=True)
        b = t.ones(4, requires_grad=True)
        c = t.tensor(2.0, requires_grad=True)
        ((a + b) * c).sum().backward()
        return a.grad, b.grad, c.grad
    same(f)


def test_grad_dtype_follows_leaf():
    def f(t):
        a = t.ones(2, dtype=t.float64, requires_grad=True)
        b = t.ones(2, requires_grad=True)
        (a * b).sum().backward()
        return a.grad, b.grad
    same(f)


def test_nonleaf_grad_warns():
    def f(t):
        x = t.ones(2, requires_grad=True)
        y = x * 2
        (y * y).sum().backward()
        return y.grad
    assert same_warnings(f)  # a UserWarning, PyTorch's message


def test_no_warning_for_leaf_or_retained():
    def f(t):
        x = t.ones(2, requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.sum().backward()
        return x.grad, y.grad, t.ones(2).grad
    assert same_warnings(f) == []


def test_long_chain_backward():
    """10,000 ops in a chain: backward must not hit Python's recursion limit."""
    def f(t):
        x = t.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(5000):
            y = y * 1.0001
            y = y + 0.5
        y.backward()
        return x.grad, y
    same(f, rtol=1e-3)


def test_long_chain_via_grad_fn_walk():
    tg = load_teachgrad()
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y + 1
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    del y  # freeing a 10,000-node graph must not overflow the stack either


# ============================================================================ custom Function and gradcheck
LOG = []


def _functions(t):
    Function = t.autograd.Function

    class Exp(Function):
        @staticmethod
        def forward(ctx, x, k):
            r = x.exp() * k
            ctx.save_for_backward(r)
            ctx.k = k
            LOG.append((ctx.needs_input_grad, t.is_grad_enabled()))
            return r

        @staticmethod
        def backward(ctx, grad_output):
            (r,) = ctx.saved_tensors
            assert ctx.k is not None  # attributes set on ctx in forward are there in backward
            return grad_output * r, None

    class MulAdd(Function):
        @staticmethod
        def forward(ctx, x, y, c):
            ctx.save_for_backward(x, y)
            return x * y + c

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            gx = g * y if ctx.needs_input_grad[0] else None
            gy = g * x if ctx.needs_input_grad[1] else None
            return gx, gy, None

    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # should be 2 * g * x

    return Exp, MulAdd, WrongSquare


def test_custom_function_forward_backward():
    def f(t):
        Exp, MulAdd, _ = _functions(t)
        x = t.tensor([1.0, 2.0], requires_grad=True)
        y = Exp.apply(x, 2.0)
        info = (y.requires_grad, y.is_leaf, y.grad_fn.name(), type(y.grad_fn).__name__,
                [type(n).__name__ for n, _ in y.grad_fn.next_functions])
        (y * 1).sum().backward()
        return y, info, x.grad
    same(f)


def test_custom_function_ctx_and_needs_input_grad():
    def f(t):
        _, MulAdd, _ = _functions(t)
        x = t.tensor([1.0, 2.0], requires_grad=True)
        y = t.tensor([3.0, 4.0])
        out = MulAdd.apply(x, y, 5.0)
        out.sum().backward()
        return out, x.grad, y.grad, out.grad_fn.name()
    same(f)


def test_custom_function_forward_runs_without_grad():
    def f(t):
        Exp, _, _ = _functions(t)
        LOG.clear()
        x = t.tensor([1.0], requires_grad=True)
        Exp.apply(x, 1.0)
        Exp.apply(t.tensor([1.0]), 1.0)
        return list(LOG)
    same(f)


def test_custom_function_without_grad_inputs():
    def f(t):
        Exp, _, _ = _functions(t)
        y = Exp.apply(t.tensor([1.0]), 1.0)
        with t.no_grad():
            z = Exp.apply(t.tensor([1.0], requires_grad=True), 1.0)
        return y.requires_grad, y.grad_fn, z.requires_grad, z.grad_fn
    same(f)


def test_custom_function_in_a_larger_graph():
    def f(t):
        Exp, _, _ = _functions(t)
        x = t.tensor([0.5, -1.0], requires_grad=True)
        y = (Exp.apply(x * 2, 3.0) + x).mean()
        y.backward()
        return x.grad, graph(y, (x,))
    same(f)


def test_gradcheck_passes_for_correct_function():
    for t in both():
        Exp, MulAdd, _ = _functions(t)
        x = t.tensor([0.3, -0.7, 1.1], dtype=t.float64, requires_grad=True)
        y = t.tensor([2.0, 0.5, -1.0], dtype=t.float64, requires_grad=True)
        assert t.autograd.gradcheck(lambda v: Exp.apply(v, 2.0), (x,)) is True
        assert t.autograd.gradcheck(lambda u, v: MulAdd.apply(u, v, 1.0), (x, y)) is True
        assert t.autograd.gradcheck(lambda u: (u * u).sigmoid().sum(), (x,)) is True


def test_gradcheck_fails_for_wrong_backward():
    for t in both():
        _, _, Wrong = _functions(t)
        x = t.tensor([1.0, 2.0], dtype=t.float64, requires_grad=True)
        assert t.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False
        with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
            t.autograd.gradcheck(Wrong.apply, (x,))


def test_gradcheck_accepts_single_tensor_and_tolerances():
    for t in both():
        x = t.tensor([0.3, 0.8], dtype=t.float64, requires_grad=True)
        assert t.autograd.gradcheck(lambda u: u.exp(), x, eps=1e-6, atol=1e-5, rtol=1e-3) is True


def test_function_repr_of_custom_node():
    for t in both():
        Exp, _, _ = _functions(t)
        y = Exp.apply(t.tensor([1.0], requires_grad=True), 1.0)
        assert re.search(r"grad_fn=<ExpBackward>\)$", repr(y))


def test_requires_grad_true_on_a_computed_tensor_is_allowed():
    """requires_grad_(True) on a non-leaf passes (it already requires grad); the setter and False still fail."""
    def f(t):
        y = t.ones(2, requires_grad=True) * 2
        return [y.requires_grad_(True) is y, y.requires_grad, y.is_leaf]
    same(f)

    def g(t):
        y = t.ones(2, requires_grad=True) * 2
        y.requires_grad = True
    same_error(g)


def test_expand_keeps_strides_of_dims_it_does_not_stretch():
    same(lambda t: [t.ones(3, 1).expand(3, 1).stride(), t.ones(3, 1).expand(1, 3, 1).stride(),
                    t.ones(3, 1).expand(2, 3, 4).stride(), t.tensor(2.0).expand(1, 1).stride(),
                    t.ones(2, 1).expand(1, 2, 5).stride()])


def test_grad_that_views_the_given_gradient_shares_its_memory():
    """backward(v2) through a sum over a dim of size 1: .grad is laid out as required, so PyTorch keeps
    the view of v2 itself as .grad, and the next backward adds into v2's memory."""
    def run(t):
        x = t.tensor([[[0.0]], [[-2.0]]], requires_grad=True)
        y = x.sum(-1)
        given = t.tensor([[2.0], [1.0]])
        y.backward(given)
        y.mean().backward()
        return given.tolist(), x.grad.tolist()
    same(run)


def test_in_place_on_a_view_that_requires_grad_itself():
    def run(t):
        v = t.ones(2, 3).permute(1, 0)
        v.requires_grad = True
        v.clamp_(min=-1)
    same_error(run)
