"""Tensor and module hooks compared with real PyTorch: when leaf hooks fire and what they may
replace, the warnings and errors hooks cause (with the hook's own name), and the modules' hook
dictionaries as PyTorch keeps them."""

import functools

import pytest

from helpers import same, same_error, same_warnings

pytest.importorskip("torch")


def test_leaf_hooks_fire_before_accumulating():
    """A hook on a leaf sees the gradient before .grad does; a returned tensor is what accumulates."""
    def run(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        x.register_hook(lambda g: seen.append((g.tolist(), None if x.grad is None else x.grad.tolist())))
        x.register_hook(lambda g: g * 10)
        (x * x).sum().backward()
        (x * x).sum().backward()
        return seen, x.grad.tolist()
    same(run)


def test_leaf_hook_removed():
    def run(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        handle = x.register_hook(lambda g: g * 0)
        handle.remove()
        (x * 3).sum().backward()
        return x.grad.tolist()
    same(run)


def _net_with(t, register):
    t.manual_seed(0)
    net = t.nn.Sequential(t.nn.Linear(2, 3), t.nn.ReLU(), t.nn.Linear(3, 1))
    calls = []
    register(net[0], calls)
    net(t.randn(4, 2)).sum().backward()
    return calls


@pytest.mark.parametrize("register", [
    lambda m, calls: m.register_full_backward_pre_hook(lambda mod, go: calls.append("pre")),
    lambda m, calls: m.register_full_backward_hook(lambda mod, gi, go: calls.append(("full", gi))),
    lambda m, calls: (m.register_full_backward_pre_hook(lambda mod, go: calls.append("pre")),
                      m.register_full_backward_hook(lambda mod, gi, go: calls.append(("full", gi)))),
])
def test_full_backward_hooks_without_input_gradients_warn(register):
    """No input of the module requires grad: PyTorch warns (pre-hooks alone too) and runs the hooks."""
    same_warnings(lambda t: _net_with(t, register))


def _bad(g):
    return g.sum()


class _CallableHook:
    def __call__(self, g):
        return g.sum()


@pytest.mark.parametrize("hook", [
    _bad, lambda g: g.sum(), _CallableHook(), functools.partial(lambda g, k: g.sum(), k=1),
    lambda g: g.double(), lambda g: g.long(), lambda g: [g], lambda g: 3,
])
@pytest.mark.parametrize("on", ["non-leaf", "leaf", "node"])
def test_hook_errors_name_the_hook(hook, on):
    def run(t):
        x = t.ones(3, requires_grad=True)
        h = x * 2
        if on == "leaf":
            x.register_hook(hook)
        elif on == "non-leaf":
            h.register_hook(hook)
        else:
            h.grad_fn.register_prehook(lambda grads: (hook(grads[0]),))
        h.sum().backward()
    same_error(run)


def test_module_hook_dicts_exist_from_the_start():
    def run(t):
        m = t.nn.Linear(2, 2)
        names = ["_forward_pre_hooks", "_forward_hooks", "_backward_pre_hooks", "_backward_hooks",
                 "_forward_hooks_with_kwargs", "_forward_pre_hooks_with_kwargs"]
        before = [(type(getattr(m, n)).__name__, len(getattr(m, n))) for n in names]
        hook = lambda mod, args, out: None  # noqa: E731
        handle = m.register_forward_hook(hook)
        m.register_forward_hook(lambda mod, args, kwargs, out: None, with_kwargs=True, prepend=True)
        during = [len(getattr(m, n)) for n in names], list(m._forward_hooks.values())[1] is hook
        m(t.ones(2))
        handle.remove()
        return before, during, [len(getattr(m, n)) for n in names]
    same(run)
