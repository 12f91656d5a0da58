"""teachgrad.nn and teachgrad.nn.functional compared with real PyTorch: module printing, parameter
registration and order, state_dict, modes, conversions, Linear, activations, dropout, and every loss
(values, grad_fn names, gradients vs PyTorch and vs central differences, stability at logits of
+-1000, error messages).

Run ``TEACHGRAD_TEST_BACKEND=torch pytest tests/test_nn.py`` to self-check against PyTorch itself.
"""

import copy
import math
import warnings

import numpy as np
import pytest

from helpers import assert_same, both, check_fn, load_teachgrad, same, same_error, same_repr, same_warnings

pytest.importorskip("torch")


def copy_weights(mine, ref):
    """Give a teachgrad module exactly the parameter values of the torch module (same names)."""
    tg = load_teachgrad()
    names = [n for n, _ in mine.named_parameters()]
    assert names == [n for n, _ in ref.named_parameters()]
    for (_, p), (_, q) in zip(mine.named_parameters(), ref.named_parameters()):
        with tg.no_grad():
            p.copy_(tg.tensor(q.detach().numpy().copy()))
    return mine


def make_pair(build):
    """build(module) -> model, on both libraries, with torch's weights copied into teachgrad's."""
    tg, torch = both()
    torch.manual_seed(0)
    ref = build(torch)
    mine = build(tg)
    return copy_weights(mine, ref), ref


def mlp(t):
    return t.nn.Sequential(t.nn.Linear(2, 4), t.nn.ReLU(), t.nn.Linear(4, 1))


def mlpnet_class(t):
    """The optimiser article's MLPNet (smaller), written exactly as the article writes it."""
    nn, F = t.nn, t.nn.functional

    class MLPNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(1 * 4 * 4, 8)
            self.fc2 = nn.Linear(8, 8)
            self.fc3 = nn.Linear(8, 10)
            self.dropout1 = nn.Dropout(0.2)
            self.dropout2 = nn.Dropout(0.2)

        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = self.dropout1(x)
            x = F.relu(self.fc2(x))
            x = self.dropout2(x)
            return F.relu(self.fc3(x))

    return MLPNet


# ------------------------------------------------------------------------------------ printing

@pytest.mark.parametrize("build", [
    mlp,
    lambda t: mlpnet_class(t)(),
    lambda t: t.nn.Linear(3, 2, bias=False),
    lambda t: t.nn.Sequential(t.nn.Flatten(), t.nn.Linear(4, 3), t.nn.Tanh(), t.nn.Dropout(0.25),
                              t.nn.Linear(3, 2), t.nn.Sigmoid(), t.nn.Identity()),
    lambda t: t.nn.Sequential(t.nn.Sequential(t.nn.Linear(1, 1), t.nn.ReLU(inplace=True)), t.nn.Softmax(dim=1)),
    lambda t: t.nn.Sequential(t.nn.LogSoftmax(dim=-1), t.nn.Dropout2d(0.2), t.nn.Flatten(0, 2)),
    lambda t: [t.nn.MSELoss(), t.nn.L1Loss(reduction="sum"), t.nn.BCELoss(), t.nn.BCEWithLogitsLoss(),
               t.nn.CrossEntropyLoss(), t.nn.NLLLoss(), t.nn.Module(), t.nn.ReLU()],
    lambda t: mlp(t)[0:2],
    lambda t: list(mlp(t).children()),
    lambda t: list(mlpnet_class(t)().modules()),
], ids=["sequential", "custom", "nobias", "layers", "nested", "more", "losses", "slice", "children", "modules"])
def test_module_repr(build):
    same_repr(build)


def test_parameter_repr():
    same_repr(lambda t: t.nn.Parameter(t.tensor([1.5, -2.0])))
    same_repr(lambda t: t.nn.Parameter(t.tensor([[1.0, 2.0]]), requires_grad=False))
    same_repr(lambda t: t.nn.Parameter())
    same_repr(lambda t: (t.nn.Parameter(t.ones(2)) * 2))


def test_linear_bias_repr_matches_torch_after_copy():
    mine, ref = make_pair(mlp)
    assert repr(mine[0].bias) == repr(ref[0].bias)
    assert repr(mine[2].weight) == repr(ref[2].weight)
    assert str(mine.state_dict()) == str(ref.state_dict())


# ------------------------------------------------------------------------- parameters and modules

def test_named_parameters_order_and_flags():
    # the optimiser article: every parameter of a freshly built network requires grad
    got = same(lambda t: [(n, p.requires_grad, tuple(p.shape)) for n, p in mlpnet_class(t)().named_parameters()])
    assert [n for n, *_ in got] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]


def test_own_parameters_come_first_and_shared_ones_once():
    def build(t):
        class Net(t.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = t.nn.Linear(2, 2)
                self.seq = t.nn.Sequential(self.fc, t.nn.Linear(2, 2, bias=False))
                self.scale = t.nn.Parameter(t.ones(1))

            def forward(self, x):
                return self.seq(x) * self.scale
        net = Net()
        return ([n for n, _ in net.named_parameters()], [n for n, _ in net.named_modules()],
                [n for n, _ in net.named_children()], len(list(net.parameters())),
                [n for n, _ in net.named_parameters(recurse=False)], list(net.state_dict().keys()))
    same(build)


def test_parameter_is_a_leaf_sharing_memory():
    def run(t):
        src = t.tensor([1.0, 2.0])
        p = t.nn.Parameter(src)
        src.mul_(10)  # Parameter(src) shares memory with src
        q = p * 2
        return (p.requires_grad, p.is_leaf, p.tolist(), isinstance(p, t.Tensor), type(q).__name__,
                type(p.data).__name__, isinstance(p, t.nn.Parameter), q.grad_fn.name())
    same(run)


def test_deepcopy_keeps_parameters():
    tg = load_teachgrad()
    model = mlp(tg)
    clone = copy.deepcopy(model)
    for (n1, p1), (n2, p2) in zip(model.named_parameters(), clone.named_parameters()):
        assert n1 == n2 and type(p2) is tg.nn.Parameter and p2.requires_grad
        assert p1.tolist() == p2.tolist() and p1 is not p2
    with tg.no_grad():
        clone[0].weight.fill_(0)
    assert model[0].weight.abs().sum().item() > 0


def test_setattr_errors_like_torch():
    same_error(lambda t: setattr(t.nn.Linear(2, 3), "weight", t.ones(3, 2)))
    same_error(lambda t: t.nn.Linear(2, 3).foo)
    same_error(lambda t: t.nn.Module()(t.ones(1)))
    same_error(lambda t: setattr(t.nn.Sequential(t.nn.ReLU()), "0", 5))

    def before_init(t):
        class Bad(t.nn.Module):
            def __init__(self):
                self.w = t.nn.Parameter(t.ones(1))
        Bad()
    same_error(before_init)


def test_replacing_a_parameter_vs_assigning_data():
    # the optimiser article: a new Parameter is not the tensor the optimizer holds; assigning .data keeps them one
    def run(t):
        net = mlpnet_class(t)()
        opt = t.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        old = net.fc1.weight
        net.fc1.weight = t.nn.Parameter(t.ones(8, 16))
        replaced = (opt.param_groups[0]["params"][0] is old, net.fc1.weight is old,
                    opt.param_groups[0]["params"][0].sum().item() == 128.0)
        net2 = mlpnet_class(t)()
        opt2 = t.optim.SGD(net2.parameters(), lr=0.01, momentum=0.9)
        net2.fc1.weight.data = t.nn.Parameter(t.ones(8, 16))
        kept = (opt2.param_groups[0]["params"][0] is net2.fc1.weight,
                opt2.param_groups[0]["params"][0].sum().item(), type(net2.fc1.weight).__name__,
                net2.fc1.weight.requires_grad)
        return replaced, kept
    same(run)


# ----------------------------------------------------------------------------------- state_dict

def test_state_dict_detached_ordered_and_sharing_memory():
    def run(t):
        model = mlp(t)
        sd = model.state_dict()
        with t.no_grad():
            model[0].bias.fill_(3.0)
        v = sd["0.bias"]
        return (type(sd).__name__, list(sd), v.requires_grad, v.grad_fn, v.tolist(),
                type(v).__name__, [type(x).__name__ for x in model.state_dict(keep_vars=True).values()])
    same(run)


def test_load_state_dict_roundtrip_and_messages():
    tg, torch = both()
    mine, ref = make_pair(mlp)
    fresh = mlp(tg)
    result = fresh.load_state_dict(mine.state_dict())
    assert repr(result) == repr(ref.load_state_dict(ref.state_dict())) == "<All keys matched successfully>"
    for (_, p), (_, q) in zip(fresh.named_parameters(), ref.named_parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    assert fresh[0].weight.requires_grad and fresh[0].weight.is_leaf

    def partial(t):
        return repr(mlp(t).load_state_dict({"0.weight": t.zeros(4, 2)}, strict=False))
    same(partial)


@pytest.mark.parametrize("state", [
    lambda t: {"0.weight": t.zeros(4, 2)},
    lambda t: {"0.weight": t.zeros(4, 3), "0.bias": t.zeros(4), "2.weight": t.zeros(1, 4), "2.bias": t.zeros(1)},
    lambda t: {"0.weight": t.zeros(4, 2), "0.bias": t.zeros(4), "2.weight": t.zeros(1, 4), "2.bias": t.zeros(1),
               "extra": t.zeros(1)},
    lambda t: {"0.weight": t.zeros(4, 2), "extra": t.zeros(1), "2.weight": t.zeros(1, 5)},
], ids=["missing", "size", "unexpected", "all"])
def test_load_state_dict_errors(state):
    same_error(lambda t: mlp(t).load_state_dict(state(t)))


# ------------------------------------------------------------------- modes, grads, conversions

def test_train_eval_flags():
    def run(t):
        net = mlpnet_class(t)()
        flags = [net.training, net.dropout1.training]
        r = net.eval()
        flags += [r is net, net.training, net.dropout1.training, net.fc1.training]
        net.train()
        flags += [net.training, net.dropout2.training]
        net.train(False)
        flags += [net.fc3.training]
        return flags
    same(run)
    same_error(lambda t: t.nn.Linear(1, 1).train("yes"))


def test_zero_grad_and_requires_grad_():
    def run(t):
        model = t.nn.Linear(2, 1)
        model(t.ones(3, 2)).sum().backward()
        before = model.weight.grad is not None
        model.zero_grad(set_to_none=False)
        zeros = model.weight.grad.tolist(), model.bias.grad.tolist()
        model.zero_grad()
        none = model.weight.grad, model.bias.grad
        frozen = model.requires_grad_(False) is model, [p.requires_grad for p in model.parameters()]
        out = model(t.ones(1, 2))
        return before, zeros, none, frozen, out.requires_grad, out.grad_fn
    same(run)


def test_to_dtype_keeps_parameter_objects():
    def run(t):
        model = mlp(t)
        first = model[0].weight
        r = model.to(t.float64)
        out = model(t.ones(1, 2, dtype=t.float64))
        same_obj = r is model and model[0].weight is first
        back = model.float()[0].weight.dtype
        return (same_obj, str(first.dtype), out.dtype, str(back), model.to("cpu") is model,
                model.double()[2].bias.dtype, type(model[0].weight).__name__, model[0].weight.requires_grad)
    same(run)
    same_error(lambda t: t.nn.Linear(1, 1).to(t.int64))


def test_sequential_article_output_requires_grad():
    def run(t):
        x = t.tensor([[1.0, -1.0], [1.0, -1.0]])
        model = mlp(t)
        out = model(x)
        y = out.sum()
        y.backward()
        return (x.requires_grad, out.requires_grad, out.grad_fn.name(), y.requires_grad, x.grad,
                [p.grad is not None for p in model.parameters()])
    same(run)


def test_apply_visits_children_first():
    same(lambda t: (lambda seen: (mlp(t).apply(lambda m: seen.append(type(m).__name__)), seen)[1])([]))


# --------------------------------------------------------------------------------- Sequential

def test_sequential_indexing_len_iteration():
    def run(t):
        s = mlp(t)
        return (len(s), type(s[0]).__name__, type(s[-1]).__name__, [type(m).__name__ for m in s],
                type(s[1:]).__name__, len(s[1:]), s[0] is list(s)[0], [n for n, _ in s[1:].named_parameters()])
    same(run)
    same_error(lambda t: mlp(t)[3])
    same_error(lambda t: mlp(t)[-4])


def test_sequential_from_ordered_dict_and_append():
    from collections import OrderedDict
    same_repr(lambda t: t.nn.Sequential(OrderedDict([("fc", t.nn.Linear(2, 3)), ("act", t.nn.ReLU())])))
    same_repr(lambda t: t.nn.Sequential(t.nn.Linear(2, 3)).append(t.nn.Tanh()))


# --------------------------------------------------------------------------------------- Linear

def test_linear_default_init_distribution():
    tg = load_teachgrad()
    tg.manual_seed(0)
    layer = tg.nn.Linear(100, 300)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    bound = 1 / math.sqrt(100)
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound and abs(w.mean()) < 0.02 * bound
    assert np.abs(w).max() > 0.95 * bound  # uniform over the whole range, not a narrower one
    tg.manual_seed(0)
    assert np.array_equal(tg.nn.Linear(100, 300).weight.detach().numpy(), w)  # seeded


def test_init_functions():
    tg = load_teachgrad()
    w = tg.empty(300, 200)
    for fn, args, std in [("kaiming_uniform_", (), math.sqrt(2 / 200)), ("kaiming_normal_", (), math.sqrt(2 / 200)),
                          ("xavier_uniform_", (), math.sqrt(2 / 500)), ("xavier_normal_", (), math.sqrt(2 / 500)),
                          ("kaiming_normal_", (0, "fan_out", "relu"), math.sqrt(2 / 300)),
                          ("normal_", (1.0, 0.5), 0.5), ("uniform_", (-1.0, 1.0), 1 / math.sqrt(3))]:
        assert getattr(tg.nn.init, fn)(w, *args) is w
        assert abs(w.numpy().std() - std) < 0.03 * std, fn
    assert tg.nn.init.zeros_(w).abs().sum().item() == 0 and tg.nn.init.ones_(w).mean().item() == 1
    assert tg.nn.init.constant_(w, 0.5).mean().item() == 0.5
    p = tg.nn.Linear(3, 2).weight
    tg.nn.init.zeros_(p)  # works on a parameter that requires grad (no graph is recorded)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    same(lambda t: [t.nn.init.calculate_gain(*a) for a in
                    [("linear",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",), ("leaky_relu", math.sqrt(5))]])
    same_error(lambda t: t.nn.init.kaiming_uniform_(t.empty(3)))
    same_error(lambda t: t.nn.init.kaiming_uniform_(t.empty(3, 2), mode="fan_avg"))
    same_warnings(lambda t: t.nn.init.kaiming_uniform_(t.empty(0, 3)).shape)


def test_linear_init_identical_to_torch():
    same(lambda t: (t.manual_seed(0), [p.tolist() for p in mlp(t).parameters()])[1], rtol=0, atol=0)


@pytest.mark.parametrize("shape", [(3, 4), (4,), (2, 3, 4)], ids=["2d", "1d", "3d"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    """Values and the gradients of input, weight and bias (same weights on both sides)."""
    tg, torch = both()
    rng = np.random.default_rng(1)
    w, bvec, xv = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal(shape)
    results = []
    for t in (torch, tg):
        layer = t.nn.Linear(4, 3, bias=bias)
        with t.no_grad():
            layer.weight.copy_(t.tensor(w, dtype=t.float32))
            if bias:
                layer.bias.copy_(t.tensor(bvec, dtype=t.float32))
        x = t.tensor(xv, dtype=t.float32, requires_grad=True)
        out = layer(x)
        seed = t.tensor(np.arange(out.numel()).reshape(tuple(out.shape)), dtype=t.float32)
        (out * seed).sum().backward()
        results.append((out.detach(), x.grad, layer.weight.grad, None if layer.bias is None else layer.bias.grad))
        if len(shape) == 2 or bias:  # (1-D / 3-D input without bias: PyTorch's last node differs)
            results[-1] += (out.grad_fn.name(),)
    want, got = results
    assert_same(got, want)


def test_linear_graph_is_addmm_with_t():
    def run(t):
        model = t.nn.Linear(2, 3)
        out = model(t.ones(4, 2))
        fn = out.grad_fn
        return fn.name(), [None if f is None else f.name().replace("torch::autograd::", "") for f, _ in fn.next_functions], \
            fn.next_functions[2][0].next_functions[0][0].variable is model.weight, \
            fn.next_functions[0][0].variable is model.bias
    got = same(run)
    assert got[0] == "AddmmBackward0"


def test_linear_shape_error():
    same_error(lambda t: t.nn.Linear(2, 3)(t.randn(4, 3)))


# ------------------------------------------------------------------------------- activations

@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_functional_activations(name):
    check_fn([(3, 4)], lambda t, x: getattr(t.nn.functional, name)(x))


@pytest.mark.parametrize("name", ["ReLU", "Sigmoid", "Tanh", "Identity", "Flatten"])
def test_activation_modules(name):
    check_fn([(3, 4)], lambda t, x: getattr(t.nn, name)()(x * 1))


def test_flatten_and_softmax_modules():
    check_fn([(2, 3, 4)], lambda t, x: t.nn.Flatten()(x))
    check_fn([(2, 3, 4)], lambda t, x: t.nn.Flatten(0, 1)(x))
    check_fn([(3, 4)], lambda t, x: t.nn.Softmax(dim=1)(x))
    check_fn([(3, 4)], lambda t, x: t.nn.LogSoftmax(dim=0)(x))
    check_fn([(3, 4)], lambda t, x: t.nn.functional.softmax(x, dim=-1))
    check_fn([(3, 4)], lambda t, x: t.nn.functional.log_softmax(x, 1))


def test_relu_inplace_module():
    check_fn([(3, 4)], lambda t, x: t.nn.ReLU(inplace=True)(x * 1))


def test_implicit_softmax_dim_warns():
    same_warnings(lambda t: t.nn.functional.softmax(t.ones(2, 3)).tolist())


# ----------------------------------------------------------------------------------- dropout

def test_dropout_train_and_eval():
    tg = load_teachgrad()
    tg.manual_seed(0)
    drop = tg.nn.Dropout(0.25)
    x = tg.ones(200, 100, requires_grad=True)
    y = drop(x)
    values = y.detach().numpy()
    assert set(np.unique(values).tolist()) <= {0.0, np.float32(1 / 0.75)}
    assert 0.22 < (values == 0).mean() < 0.28
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)  # the gradient is the same mask
    drop.eval()
    assert drop(x) is x
    assert tg.nn.functional.dropout(x, 0.0) is x
    assert tg.nn.functional.dropout(x, 0.5, training=False) is x
    assert (tg.nn.functional.dropout(x, 1.0) == 0).all()


def test_dropout_masks_identical_to_torch():
    def run(t):
        t.manual_seed(0)
        x = t.ones(12, requires_grad=True)
        out = [t.nn.Dropout(0.5)(x), t.nn.functional.dropout(x, 0.1), t.nn.functional.dropout(x * 2, 0.9),
               t.nn.functional.dropout(x, 1.0), t.nn.Dropout2d(0.3)(t.ones(2, 5, 2, 2))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (the 2-D input warning is tested elsewhere)
            out.append(t.nn.Dropout2d(0.5)(t.ones(3, 4)))
        return out
    same(run, rtol=0, atol=0)
    # the optimiser article's MLPNet in training mode: same init, same masks (matmul rounding may differ in BLAS)
    same(lambda t: (t.manual_seed(0), mlpnet_class(t)()(t.ones(4, 16)))[1])


def test_dropout_errors_and_warnings():
    same_error(lambda t: t.nn.Dropout(1.5))
    same_error(lambda t: t.nn.functional.dropout(t.ones(2), -0.1))
    same_warnings(lambda t: t.nn.Dropout2d(0.0)(t.ones(2, 3)).tolist())
    same_warnings(lambda t: t.nn.Dropout2d(0.5).eval()(t.ones(2, 3, 4)).tolist())
    same_warnings(lambda t: t.nn.Dropout2d(0.5)(t.ones(2, 3, 4, 4)).shape)
    with pytest.warns(UserWarning):
        same_error(lambda t: t.nn.functional.dropout2d(t.ones(3), 0.5))


def test_dropout2d_zeroes_whole_channels():
    tg = load_teachgrad()
    tg.manual_seed(1)
    y = tg.nn.Dropout2d(0.5)(tg.ones(4, 6, 3, 3)).numpy()
    per_channel = y.reshape(4, 6, -1)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    assert 0 < (per_channel == 0).all(-1).sum() < 24


# ------------------------------------------------------------------------------------ losses

REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", [[(3, 4), (3, 4)], [(5,), (5,)], [(), ()]], ids=["2d", "1d", "0d"])
def test_mse_and_l1(shapes, reduction):
    check_fn(shapes, lambda t, x, y: t.nn.functional.mse_loss(x, y, reduction=reduction))
    check_fn(shapes, lambda t, x, y: t.nn.MSELoss(reduction=reduction)(x, y))
    check_fn(shapes, lambda t, x, y: t.nn.functional.l1_loss(x, y, reduction=reduction))
    check_fn(shapes, lambda t, x, y: t.nn.L1Loss(reduction=reduction)(x, y))


def test_mse_broadcast_warning_and_grads():
    same_warnings(lambda t: t.nn.functional.mse_loss(t.ones(2, 1), t.zeros(2)).item())
    with pytest.warns(UserWarning):
        check_fn([(3, 1), (3,)], lambda t, x, y: t.nn.functional.mse_loss(x, y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce(reduction):
    check_fn([(3, 4), (3, 4)], lambda t, x, y: t.nn.functional.binary_cross_entropy(x.sigmoid(), y.sigmoid(),
                                                                                    reduction=reduction))
    check_fn([(3, 4), (3, 4)], lambda t, x, y: t.nn.BCELoss(reduction=reduction)(x.sigmoid(), y.detach().sigmoid()))
    check_fn([(3, 4), (4,)], lambda t, x, w: t.nn.functional.binary_cross_entropy(
        x.sigmoid(), (x * 2).detach().sigmoid(), weight=w.detach().abs(), reduction=reduction))


def test_bce_at_zero_and_one_is_finite():
    check_fn([[0.0, 1.0, 0.5, 1.0, 0.0]],
             lambda t, x: t.nn.functional.binary_cross_entropy(x, t.tensor([0.0, 1.0, 1.0, 0.0, 1.0])),
             grad_rtol=1e-3)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(reduction):
    check_fn([(3, 4), (3, 4)], lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(
        x, y.sigmoid(), reduction=reduction))
    check_fn([(3, 4), (3, 4), (4,), (4,)], lambda t, x, y, w, pw: t.nn.BCEWithLogitsLoss(
        weight=w.detach().abs(), pos_weight=pw.detach().abs(), reduction=reduction)(x, y.sigmoid()))


LOGITS_1000 = [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 5.0], [0.5, -0.5, 1000.0]]


def test_logits_of_1000_are_finite():
    check_fn([LOGITS_1000, [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]]],
             lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(x, y))
    check_fn([LOGITS_1000, [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]],
             lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(x, y, pos_weight=t.tensor([2.0, 1.0, 0.5])))
    check_fn([LOGITS_1000, [1, 0, 2]], lambda t, x, y: t.nn.functional.cross_entropy(x, y))
    check_fn([LOGITS_1000, [0, 2, 1]], lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction="none"))
    tg = load_teachgrad()
    x = tg.tensor(LOGITS_1000, requires_grad=True)
    for loss in (tg.nn.functional.binary_cross_entropy_with_logits(x, tg.ones(3, 3)),
                 tg.nn.functional.cross_entropy(x, tg.tensor([1, 0, 0])),
                 tg.nn.functional.binary_cross_entropy(x.sigmoid(), tg.ones(3, 3))):
        x.grad = None
        loss.backward()
        assert math.isfinite(loss.item()) and np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_and_nll(reduction):
    check_fn([(4, 3), [0, 2, 1, 2]], lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction=reduction))
    check_fn([(4, 3), [0, 2, 1, 2]], lambda t, x, y: t.nn.CrossEntropyLoss(reduction=reduction)(x, y))
    check_fn([(4, 3), [0, 2, 1, 2]], lambda t, x, y: t.nn.NLLLoss(reduction=reduction)(x.log_softmax(1), y))
    check_fn([(3,), 1], lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction=reduction))
    check_fn([(4, 3), [0, 2, -100, 2], (3,)], lambda t, x, y, w: t.nn.functional.cross_entropy(
        x, y, weight=w.detach().abs(), reduction=reduction))
    check_fn([(4, 3), [0, 2, 1, 2]], lambda t, x, y: t.nn.functional.cross_entropy(
        x, y, ignore_index=2, reduction=reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_per_position(reduction):
    # (N, C, d) scores with (N, d) targets: one prediction per position (e.g. per token)
    check_fn([(2, 3, 4), [[0, 1, 2, 1], [2, 2, 0, -100]]],
             lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction=reduction))
    check_fn([(2, 3, 2, 2), [[[0, 1], [2, 1]], [[2, 2], [0, 1]]]],
             lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction=reduction))
    check_fn([(1, 3, 2, 1, 2), [[[[0, 1]], [[2, 1]]]]],
             lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction=reduction))


def test_loss_dtype_rules():
    check_fn([(3,), (3,)], lambda t, x, y: t.nn.functional.mse_loss(x, y.double()))
    check_fn([(3,), (3,)], lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(x, y.double().sigmoid()))
    same_error(lambda t: t.nn.functional.binary_cross_entropy(t.rand(3), t.rand(3, dtype=t.float64)))
    same_error(lambda t: t.nn.functional.binary_cross_entropy(t.rand(3, dtype=t.float64), t.rand(3)))
    same_error(lambda t: t.nn.Parameter(t.tensor([1, 2])))
    same_repr(lambda t: t.nn.Parameter(t.tensor([1, 2]), requires_grad=False))


def test_loss_graphs_match_torch():
    def walk(fn):
        if fn is None:
            return None
        name = fn.name().replace("torch::autograd::", "")
        return name, [walk(f) for f, _ in fn.next_functions]

    def run(t):
        F = t.nn.functional
        x = t.ones(2, 3, requires_grad=True)
        y = t.zeros(2, 3)
        return [walk(loss.grad_fn) for loss in (
            F.mse_loss(x, y), F.l1_loss(x, y), F.l1_loss(x, y, reduction="sum"),
            F.binary_cross_entropy(x.sigmoid(), y), F.binary_cross_entropy_with_logits(x, y),
            F.cross_entropy(x, t.tensor([0, 2])), F.cross_entropy(x[0], t.tensor(1)),
            F.nll_loss(x, t.tensor([1, 1])), F.linear(x, t.ones(4, 3), t.ones(4)), F.linear(x, t.ones(4, 3)),
            F.linear(x[0], t.ones(4, 3, requires_grad=True), t.ones(4)),
            F.linear(x.reshape(2, 1, 3), t.ones(4, 3), t.ones(4, requires_grad=True)))]
    same(run)


def test_mse_on_scalars_as_in_the_optimiser_article():
    def run(t):
        w = t.tensor(2.0, requires_grad=True)
        b = t.tensor(1.0, requires_grad=True)
        loss = t.nn.MSELoss()(w * 3.0 + b, t.tensor(5.0, requires_grad=True))
        loss.backward()
        return loss, w.grad, b.grad
    same(run)


@pytest.mark.parametrize("make", [
    lambda t, F, x, y: F.mse_loss(x, y, reduction="sum"),
    lambda t, F, x, y: F.mse_loss(x, y),
    lambda t, F, x, y: F.l1_loss(x, y + 3.0),
    lambda t, F, x, y: F.binary_cross_entropy(x.sigmoid(), y.sigmoid()),
    lambda t, F, x, y: F.binary_cross_entropy_with_logits(x * 3, y.sigmoid(), pos_weight=t.tensor([2.0, 0.5, 1.0], dtype=t.float64)),
    lambda t, F, x, y: F.cross_entropy(x * 2, t.tensor([2, 0])),
    lambda t, F, x, y: F.linear(x, y.t() @ x, y[0]),
    lambda t, F, x, y: F.linear(x[0], y.t() @ x, y[0]),
    lambda t, F, x, y: F.softmax(x, 1) * y,
], ids=["mse_sum", "mse", "l1", "bce", "bce_logits", "ce", "linear", "linear1d", "softmax"])
def test_gradcheck_central_differences(make):
    tg = load_teachgrad()
    rng = np.random.default_rng(3)
    x = tg.tensor(rng.standard_normal((2, 3)), dtype=tg.float64, requires_grad=True)
    y = tg.tensor(rng.standard_normal((2, 3)), dtype=tg.float64, requires_grad=True)
    assert tg.autograd.gradcheck(lambda a, b: make(tg, tg.nn.functional, a, b), (x, y), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("call", [
    lambda t: t.nn.functional.binary_cross_entropy(t.rand(3), t.rand(3, 1)),
    lambda t: t.nn.functional.binary_cross_entropy_with_logits(t.rand(3), t.rand(3, 1)),
    lambda t: t.nn.functional.binary_cross_entropy(t.tensor([1.5]), t.rand(1)),
    lambda t: t.nn.functional.cross_entropy(t.randn(2, 3), t.tensor([0, 5])),
    lambda t: t.nn.functional.cross_entropy(t.randn(2, 3), t.tensor([0, -1])),
    lambda t: t.nn.functional.cross_entropy(t.randn(2, 3), t.tensor([0.0, 1.0])),
    lambda t: t.nn.functional.cross_entropy(t.randn(2, 3), t.tensor([0, 1, 2])),
    lambda t: t.nn.functional.mse_loss(t.randn(2), t.randn(2), reduction="foo"),
    lambda t: t.nn.functional.l1_loss(t.randn(2), t.randn(2), reduction="foo"),
    lambda t: t.nn.CrossEntropyLoss(reduction="avg")(t.randn(2, 3), t.tensor([0, 1])),
])
def test_loss_errors(call):
    same_error(call)


def test_mse_size_mismatch_error():
    with pytest.warns(UserWarning):
        same_error(lambda t: t.nn.functional.mse_loss(t.randn(2), t.randn(3)))


# ---------------------------------------------------------------------------------- ModuleList

def test_module_list():
    same_repr(lambda t: t.nn.ModuleList([t.nn.Linear(2, 2), t.nn.Linear(2, 2), t.nn.ReLU(), t.nn.Linear(2, 2)]))
    same_repr(lambda t: t.nn.ModuleList())
    same_repr(lambda t: t.nn.ModuleList([t.nn.ReLU()] * 3)[1:])

    def run(t):
        class Net(t.nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = t.nn.ModuleList([t.nn.Linear(2, 2) for _ in range(3)])
                self.layers.append(t.nn.Tanh())

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x
        net = Net()
        return ([n for n, _ in net.named_parameters()], len(net.layers), type(net.layers[-1]).__name__,
                net(t.ones(1, 2)).grad_fn.name(), repr(net))
    same(run)
    same_error(lambda t: t.nn.ModuleList([t.nn.ReLU()])[1])


@pytest.mark.parametrize("make", [
    lambda t, x: t.nn.functional.linear(x, t.ones(2, 3), t.ones(2)).sum(),
    lambda t, x: t.nn.functional.mse_loss(x, t.zeros(4, 3)),
    lambda t, x: t.nn.functional.binary_cross_entropy(x.sigmoid(), t.zeros(4, 3)),
    lambda t, x: t.nn.functional.binary_cross_entropy_with_logits(x, t.zeros(4, 3)),
    lambda t, x: t.nn.functional.cross_entropy(x, t.tensor([0, 1, 2, 0])),
    lambda t, x: t.nn.functional.nll_loss(x, t.tensor([0, 1, 2, 0])),
], ids=["linear", "mse", "bce", "bce_logits", "cross_entropy", "nll"])
def test_fused_ops_free_their_graph(make):
    def run(t):
        x = t.ones(4, 3, requires_grad=True)
        loss = make(t, x)
        loss.backward(retain_graph=True)
        loss.backward()  # retained once: fine
        first = x.grad.tolist()
        loss.backward()  # freed now: PyTorch's "backward through the graph a second time" error
    same_error(run)


def test_members_stay_consistent_through_assignment_deletion_and_conversion():
    """Parameters, buffers and sub-modules are also plain attributes (fast to read in forward); every
    way of changing them keeps the attribute, the registry and PyTorch's behaviour in step."""
    def run(t):
        lin = t.nn.Linear(2, 3)
        seen = [sorted(dict(lin.named_parameters()))]
        lin.bias = None                                   # a parameter slot set to None stays registered
        seen.append((lin.bias, sorted(k for k, _ in lin.named_parameters()), list(lin.state_dict())))
        lin.bias = t.nn.Parameter(t.zeros(3))             # ... and takes a Parameter again
        seen.append((lin.bias.tolist(), sorted(k for k, _ in lin.named_parameters())))
        del lin.weight                                    # deleting unregisters it and the attribute goes
        seen.append((sorted(k for k, _ in lin.named_parameters()), hasattr(lin, "weight")))
        lin.weight = t.nn.Parameter(t.ones(3, 2))
        lin.register_buffer("steps", t.zeros(()))
        lin.steps = t.ones(())                            # assigning to a buffer name updates the buffer
        seen.append((lin.steps.item(), list(lin.state_dict())))
        lin.register_parameter("extra", t.nn.Parameter(t.ones(1)))
        lin.extra = None
        seen.append((lin.extra, sorted(k for k, _ in lin.named_parameters())))
        lin.double()                                      # conversion: same Parameter objects, new buffers
        seen.append((lin.weight.dtype, lin.steps.dtype, lin.state_dict()["steps"] is lin.steps))
        seq = t.nn.Sequential(t.nn.ReLU())
        seq.add_module("1", t.nn.Tanh())
        seq[0] = t.nn.Sigmoid()                           # replacing a child by index
        seen.append((repr(seq), getattr(seq, "0") is seq[0]))
        plain = t.nn.Module()
        plain.name = "not a member"
        plain.name = t.nn.Parameter(t.ones(1))            # a plain attribute becomes a parameter
        seen.append((sorted(k for k, _ in plain.named_parameters()), type(plain.name).__name__))
        return seen
    same(run)


def test_gradient_handed_over_without_copy_only_when_unshared():
    """AccumulateGrad takes a fresh gradient array as .grad (PyTorch steals it too) but copies any
    array that something else still refers to: no two .grad tensors, and no user tensor, share memory."""
    tg = load_teachgrad()
    np = pytest.importorskip("numpy")
    lin = tg.nn.Linear(3, 2)
    x = tg.randn(4, 3)
    lin(x).sum().backward()
    # weight.grad is the matmul's own result (no copy was made) ...
    assert not lin.weight.grad.numpy().flags.owndata
    expected = x.numpy().sum(0)
    assert np.array_equal(lin.weight.grad.numpy(), np.stack([expected, expected]))
    # ... and the next backward adds into it (no aliasing surprises)
    lin(x).sum().backward()
    assert np.array_equal(lin.weight.grad.numpy(), 2 * np.stack([expected, expected]))

    a = tg.randn(3, requires_grad=True)
    b = tg.randn(3, requires_grad=True)
    (a + b).sum().backward()             # Add hands the same array to both inputs
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.add_(1.0)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]

    leaf = tg.zeros(3, requires_grad=True)
    g = tg.ones(3)
    leaf.backward(g)                     # the user's gradient tensor is never taken over
    assert not np.shares_memory(leaf.grad.numpy(), g.numpy())
    leaf.backward(g)
    assert g.tolist() == [1.0, 1.0, 1.0] and leaf.grad.tolist() == [2.0, 2.0, 2.0]

    y = tg.ones(3, requires_grad=True) * 1
    y.retain_grad()
    z = tg.ones(3, requires_grad=True)
    w = y + z                            # y's retained grad and z's grad come from one array
    w.sum().backward()
    assert not np.shares_memory(y.grad.numpy(), z.grad.numpy())


def _with_double(t, name):
    m = t.nn.Linear(3, 1)
    setattr(m, name, t.nn.Parameter(getattr(m, name).data.double()))
    return m


@pytest.mark.parametrize("make", [
    lambda t: t.nn.Linear(3, 1)(t.ones(2, 3, dtype=t.float64)),
    lambda t: t.nn.Linear(3, 1)(t.ones(3, dtype=t.float64)),
    lambda t: t.nn.Linear(3, 1)(t.ones(4, 2, 3, dtype=t.float64)),
    lambda t: _with_double(t, "weight")(t.ones(2, 3)),
    lambda t: _with_double(t, "bias")(t.ones(2, 3)),
    lambda t: _with_double(t, "bias")(t.ones(4, 2, 3)),
    lambda t: t.nn.functional.linear(t.ones(2, 3), t.ones(1, 3, dtype=t.float64)),
])
def test_linear_refuses_mixed_dtypes(make):
    """A float64 input to a float32 layer (or a parameter made float64 behind its back) fails as
    PyTorch's addmm/matmul fail, naming both dtypes."""
    same_error(make)
