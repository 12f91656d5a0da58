"""teachgrad.optim compared with real PyTorch: param_groups, printing, errors, zero_grad, state, and
parameter trajectories over several steps for every SGD and Adam variant (to 1e-6).

Run ``TEACHGRAD_TEST_BACKEND=torch pytest tests/test_optim.py`` to self-check against PyTorch itself.
"""

import copy

import numpy as np
import pytest

from helpers import assert_same, both, load_teachgrad, same, same_error, same_repr

pytest.importorskip("torch")

RNG = np.random.default_rng(7)
W1, B1 = RNG.uniform(-0.5, 0.5, (5, 3)), RNG.uniform(-0.5, 0.5, 5)
W2, B2 = RNG.uniform(-0.5, 0.5, (2, 5)), RNG.uniform(-0.5, 0.5, 2)
X, Y = RNG.standard_normal((8, 3)), RNG.standard_normal((8, 2))


def model(t):
    """A small MLP with fixed weights (identical on both libraries)."""
    net = t.nn.Sequential(t.nn.Linear(3, 5), t.nn.Tanh(), t.nn.Linear(5, 2))
    with t.no_grad():
        for p, v in zip(net.parameters(), (W1, B1, W2, B2)):
            p.copy_(t.tensor(v, dtype=t.float32))
    return net


def trajectory(t, make_opt, steps=6, groups=False):
    """Train model(t) for a few steps; return the loss and every parameter after each step."""
    net = model(t)
    params = ([{"params": net[0].parameters()}, {"params": net[2].parameters(), "lr": 0.05}]
              if groups else net.parameters())
    opt = make_opt(t, params)
    x, y = t.tensor(X, dtype=t.float32), t.tensor(Y, dtype=t.float32)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss = t.nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        history.append((loss.item(), [p.detach().numpy().copy() for p in net.parameters()]))
    return history


def compare_trajectories(make_opt, **kw):
    tg, torch = both()
    want, got = trajectory(torch, make_opt, **kw), trajectory(tg, make_opt, **kw)
    for step, ((lw, pw), (lg, pg)) in enumerate(zip(want, got)):
        assert abs(lg - lw) <= 1e-6 + 1e-5 * abs(lw), f"step {step}: loss {lg} vs {lw}"
        for i, (a, b) in enumerate(zip(pg, pw)):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-6, err_msg=f"step {step}, parameter {i}")
    return got


SGD_CONFIGS = {
    "plain": dict(lr=0.1),
    "momentum": dict(lr=0.1, momentum=0.9),
    "dampening": dict(lr=0.1, momentum=0.9, dampening=0.3),
    "nesterov": dict(lr=0.1, momentum=0.8, nesterov=True),
    "weight_decay": dict(lr=0.1, weight_decay=0.1),
    "all": dict(lr=0.05, momentum=0.5, weight_decay=0.01, nesterov=True),
    "wd_momentum_dampening": dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.2),
    "maximize": dict(lr=0.01, momentum=0.9, maximize=True),
    "default_lr": dict(),
}


@pytest.mark.parametrize("config", SGD_CONFIGS.values(), ids=SGD_CONFIGS.keys())
def test_sgd_trajectory(config):
    compare_trajectories(lambda t, params: t.optim.SGD(params, **config))


ADAM_CONFIGS = {
    "default": dict(),
    "lr": dict(lr=0.05),
    "betas_eps": dict(lr=0.02, betas=(0.5, 0.9), eps=1e-4),
    "weight_decay": dict(lr=0.01, weight_decay=0.1),
    "amsgrad": dict(lr=0.05, amsgrad=True),
    "maximize": dict(lr=0.01, maximize=True),
    "decoupled": dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
}


@pytest.mark.parametrize("config", ADAM_CONFIGS.values(), ids=ADAM_CONFIGS.keys())
def test_adam_trajectory(config):
    compare_trajectories(lambda t, params: t.optim.Adam(params, **config), steps=8)


def test_adamw_trajectory():
    compare_trajectories(lambda t, params: t.optim.AdamW(params, lr=0.01), steps=8)
    compare_trajectories(lambda t, params: t.optim.AdamW(params, lr=0.01, weight_decay=0.3, amsgrad=True))


def test_param_groups_with_their_own_lr():
    compare_trajectories(lambda t, params: t.optim.SGD(params, lr=0.1, momentum=0.9), groups=True)
    compare_trajectories(lambda t, params: t.optim.Adam(params, lr=0.01), groups=True)


def test_changing_lr_in_param_groups_takes_effect():
    def make(t, params):
        opt = t.optim.SGD(params, lr=0.1, momentum=0.9)
        opt.param_groups[0]["lr"] = 0.01
        return opt
    compare_trajectories(make)


# ------------------------------------------------------- the optimiser article: the w, b loop

def optimiser_article_loop(t, epochs=3, zero_grad=True, lr=0.01, momentum=0.9):
    x = t.tensor(3.0, requires_grad=True)
    w = t.tensor(2.0, requires_grad=True)
    b = t.tensor(1.0, requires_grad=True)
    yy = t.tensor(5.0, requires_grad=True)
    opt = t.optim.SGD([w, b], lr=lr, momentum=momentum)
    criterion = t.nn.MSELoss()
    rows = []
    for _ in range(epochs):
        if zero_grad:
            opt.zero_grad()
        y = w * x + b
        loss = criterion(y, yy)
        loss.backward()
        opt.step()
        rows.append((loss.item(), w.item(), b.item(), w.grad.item(), b.grad.item()))
    return rows


def test_optimiser_article_loop():
    got = same(lambda t: optimiser_article_loop(t), rtol=0, atol=0)
    # by hand: loss (2*3+1-5)^2 = 4, dL/dw = 2*2*3 = 12, dL/db = 4; first step w = 2 - 0.01*12
    assert got[0][0] == 4.0 and got[0][3] == 12.0 and got[0][4] == 4.0
    assert abs(got[0][1] - 1.88) < 1e-6 and abs(got[0][2] - 0.96) < 1e-6


def test_optimiser_article_loop_without_zero_grad_and_long_runs():
    same(lambda t: optimiser_article_loop(t, epochs=5, zero_grad=False), rtol=0, atol=0)
    # Long runs stay identical to the last bit (updates are fused multiply-adds, as in PyTorch).
    same(lambda t: optimiser_article_loop(t, epochs=50), rtol=0, atol=0)
    same(lambda t: optimiser_article_loop(t, epochs=50, zero_grad=False), rtol=0, atol=0)
    same(lambda t: optimiser_article_loop(t, epochs=50, zero_grad=False, momentum=0.0), rtol=0, atol=0)


# ------------------------------------------------------------------------------ structure, repr

def test_param_groups_and_defaults():
    def run(t):
        w = t.tensor(2.0, requires_grad=True)
        b = t.tensor(1.0, requires_grad=True)
        sgd = t.optim.SGD([w, b], lr=0.01, momentum=0.9)
        adam = t.optim.Adam([{"params": [w]}, {"params": b, "lr": 0.1}])
        return (sgd.defaults, [{k: v for k, v in g.items() if k != "params"} for g in sgd.param_groups],
                list(sgd.param_groups[0]), sgd.param_groups[0]["params"][0] is w, sgd.param_groups[0]["params"],
                list(adam.param_groups[1]), adam.param_groups[1]["lr"], adam.param_groups[0]["lr"],
                adam.param_groups[1]["params"][0] is b, adam.defaults)
    same(run)


@pytest.mark.parametrize("make", [
    lambda t, ps: t.optim.SGD(ps, lr=0.01, momentum=0.9),
    lambda t, ps: t.optim.SGD(ps),
    lambda t, ps: t.optim.SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.5, "nesterov": True, "momentum": 0.1}]),
    lambda t, ps: t.optim.Adam(ps),
    lambda t, ps: t.optim.Adam(ps, lr=0.1, betas=(0.8, 0.9), weight_decay=1e-3, amsgrad=True),
    lambda t, ps: t.optim.AdamW(ps),
], ids=["sgd", "sgd_default", "sgd_groups", "adam", "adam_options", "adamw"])
def test_optimizer_repr(make):
    same_repr(lambda t: make(t, [t.ones(2, requires_grad=True), t.zeros(1, requires_grad=True)]))


@pytest.mark.parametrize("make", [
    lambda t, w: t.optim.SGD([w], lr=-1),
    lambda t, w: t.optim.SGD([w], lr=0.1, momentum=-1),
    lambda t, w: t.optim.SGD([w], lr=0.1, weight_decay=-1),
    lambda t, w: t.optim.SGD([w], lr=0.1, nesterov=True),
    lambda t, w: t.optim.SGD([w], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
    lambda t, w: t.optim.Adam([w], lr=-1),
    lambda t, w: t.optim.Adam([w], eps=-1),
    lambda t, w: t.optim.Adam([w], betas=(1.0, 0.9)),
    lambda t, w: t.optim.Adam([w], betas=(0.9, -0.1)),
    lambda t, w: t.optim.Adam([w], weight_decay=-1),
    lambda t, w: t.optim.SGD([], lr=0.1),
    lambda t, w: t.optim.SGD(w, lr=0.1),
    lambda t, w: t.optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1),
    lambda t, w: t.optim.SGD([w * 2], lr=0.1),
    lambda t, w: t.optim.SGD([1.0], lr=0.1),
    lambda t, w: t.optim.SGD([{"params": {w}}], lr=0.1),
    lambda t, w: t.optim.Adam(w),
])
def test_errors_like_torch(make):
    same_error(lambda t: make(t, t.ones(2, requires_grad=True)))


def test_zero_grad():
    def run(t):
        w = t.ones(2, requires_grad=True)
        opt = t.optim.SGD([w], lr=0.1)
        (w * 3).sum().backward()
        opt.zero_grad(set_to_none=False)
        zeros = w.grad.tolist(), w.grad.requires_grad
        (w * 3).sum().backward()
        opt.zero_grad()
        return zeros, w.grad
    same(run)


def test_gradients_accumulate_without_zero_grad():
    def run(t):
        w = t.tensor([1.0, -1.0], requires_grad=True)
        opt = t.optim.SGD([w], lr=0.1)
        out = []
        for _ in range(3):
            (w * w).sum().backward()
            opt.step()
            out.append((w.tolist(), w.grad.tolist()))
        return out
    same(run)


def test_state_contents():
    def run(t):
        w = t.tensor([1.0, 2.0], requires_grad=True)
        unused = t.tensor([5.0], requires_grad=True)
        sgd = t.optim.SGD([w, unused], lr=0.1, momentum=0.9)
        plain = t.optim.SGD([w], lr=0.1)
        adam = t.optim.Adam([w, unused])
        ams = t.optim.Adam([w], amsgrad=True)
        (w * w).sum().backward()
        for opt in (sgd, plain, adam, ams):
            opt.step()
        return (sgd.state[w], len(sgd.state), unused in sgd.state, len(plain.state), adam.state[w],
                sorted(ams.state[w]), unused.tolist(), unused.grad, type(adam.state).__name__)
    same(run)
    tg = load_teachgrad()
    w = tg.ones(2, requires_grad=True)
    adam = tg.optim.Adam([w])
    (w * 2).sum().backward()
    adam.step()
    adam.step()
    assert repr(adam.state[w]["step"]) == "tensor(2.)"


def test_closure_and_step_result():
    def run(t):
        w = t.tensor([1.0, 2.0], requires_grad=True)
        opt = t.optim.SGD([w], lr=0.1)

        def closure():
            opt.zero_grad()
            loss = (w * w).sum()
            loss.backward()
            return loss
        with t.no_grad():
            loss = opt.step(closure)
        return loss, w.tolist(), opt.step()
    same(run)


def test_add_param_group():
    def run(t):
        a, b = t.ones(1, requires_grad=True), t.ones(2, requires_grad=True)
        opt = t.optim.SGD([a], lr=0.1, momentum=0.5)
        opt.add_param_group({"params": b, "lr": 0.2})
        return [(len(g["params"]), g["lr"], g["momentum"]) for g in opt.param_groups]
    same(run)
    same_error(lambda t: (lambda a: t.optim.SGD([a], lr=0.1).add_param_group({"params": [a]}))(
        t.ones(1, requires_grad=True)))


def test_step_changes_the_models_own_parameters():
    def run(t):
        net = model(t)
        weight = net[0].weight
        array_before = weight.detach().numpy()
        opt = t.optim.SGD(net.parameters(), lr=0.1)
        net(t.ones(1, 3)).sum().backward()
        opt.step()
        return (net[0].weight is weight, opt.param_groups[0]["params"][0] is weight,
                np.shares_memory(array_before, weight.detach().numpy()), weight.requires_grad, weight.is_leaf,
                weight.grad_fn)
    same(run)


def test_float64_parameters():
    tg, torch = both()

    def run(t):
        w = t.tensor([1.0, -2.0], dtype=t.float64, requires_grad=True)
        opt = t.optim.Adam([w], lr=0.1)
        for _ in range(4):
            opt.zero_grad()
            (w ** 2).sum().backward()
            opt.step()
        return w.detach(), opt.state[w]["exp_avg"], opt.state[w]["step"]
    assert_same(run(tg), run(torch), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_state_dict_roundtrip_resumes_training(name):
    def run(t):
        kwargs = dict(lr=0.05, momentum=0.9) if name == "SGD" else dict(lr=0.05)
        net = model(t)
        opt = getattr(t.optim, name)(net.parameters(), **kwargs)
        x, y = t.tensor(X, dtype=t.float32), t.tensor(Y, dtype=t.float32)

        def train(net, opt, steps):
            for _ in range(steps):
                opt.zero_grad()
                t.nn.functional.mse_loss(net(x), y).backward()
                opt.step()
        train(net, opt, 3)
        # deepcopy, as torch.save/torch.load would: a loaded state dict shares its tensors otherwise
        saved_model, saved_opt = copy.deepcopy(net.state_dict()), copy.deepcopy(opt.state_dict())
        summary = (sorted(saved_opt), saved_opt["param_groups"], sorted(saved_opt["state"]),
                   sorted(saved_opt["state"][0]))
        net2 = model(t)
        opt2 = getattr(t.optim, name)(net2.parameters(), **kwargs)
        net2.load_state_dict(saved_model)
        opt2.load_state_dict(saved_opt)
        key = "momentum_buffer" if name == "SGD" else "exp_avg"
        summary += (opt2.state[net2[0].weight][key] is saved_opt["state"][0][key],)
        train(net, opt, 3)
        train(net2, opt2, 3)
        return summary, [p.detach() for p in net2.parameters()], [p.detach() for p in net.parameters()]
    got = same(run)
    for a, b in zip(got[1], got[2]):
        assert a.tolist() == b.tolist()


def test_load_state_dict_errors():
    same_error(lambda t: t.optim.SGD([t.ones(1, requires_grad=True)]).load_state_dict(
        t.optim.SGD([{"params": [t.ones(1, requires_grad=True)]}, {"params": [t.ones(1, requires_grad=True)]}]).state_dict()))
    same_error(lambda t: t.optim.SGD([t.ones(1, requires_grad=True)]).load_state_dict(
        t.optim.SGD([t.ones(1, requires_grad=True), t.ones(1, requires_grad=True)]).state_dict()))


# --------------------------------------------------------------- bit-exact float32 SGD updates

def small_trajectory(t, make_opt, steps=25):
    """An elementwise model (no matmul, whose summation order differs between BLAS libraries), so the
    gradients are identical on both libraries and any difference comes from the optimizer."""
    w = t.tensor([2.0, -1.5, 0.25], requires_grad=True)
    b = t.tensor(1.0, requires_grad=True)
    x = t.tensor([3.0, 0.5, -2.0])
    target = t.tensor([5.0, -1.0, 0.5])
    opt = make_opt(t, [w, b])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = t.nn.functional.mse_loss(w * x + b, target)
        loss.backward()
        opt.step()
        out.append((loss.item(), w.tolist(), b.item()))
    return out


@pytest.mark.parametrize("config", SGD_CONFIGS.values(), ids=SGD_CONFIGS.keys())
def test_sgd_bit_exact(config):
    # PyTorch's add_(..., alpha=...) is a fused multiply-add; teachgrad rounds the same way, so the
    # numbers stay identical to the last bit however long the loop runs.
    tg, torch = both()
    make = lambda t, ps: t.optim.SGD(ps, **config)  # noqa: E731
    assert small_trajectory(tg, make, steps=60) == small_trajectory(torch, make, steps=60)


@pytest.mark.filterwarnings("ignore:optimizer contains a parameter group with duplicate parameters")
@pytest.mark.parametrize("case", ["listed twice", "sharing memory", "float64 among float32"])
def test_sgd_updates_parameters_in_turn_where_order_matters(case):
    """SGD updates small parameters together, but a parameter listed twice, or two parameters on the same
    memory, are updated one after the other as in PyTorch (the second update starts from the first's
    result); parameters of another dtype round in their own."""
    def run(t):
        a = t.tensor([1.0, -2.0, 0.5, 3.0], requires_grad=True)
        if case == "sharing memory":
            b = a.detach()[:2].requires_grad_()
        else:
            b = t.tensor([0.25, -0.75], dtype=t.float64 if case.startswith("float64") else t.float32,
                         requires_grad=True)
        opt = t.optim.SGD([a, b, a] if case == "listed twice" else [a, b], lr=0.1)
        out = []
        for _ in range(5):
            opt.zero_grad()
            loss = (a * t.tensor([0.3, 1.7, -2.1, 0.9])).sum() + (b * b).sum()
            loss.backward()
            opt.step()
            out.append((a.tolist(), b.tolist(), a._version))
        return out
    tg, torch = both()
    assert run(tg) == run(torch)


@pytest.mark.parametrize("make", [
    *[lambda t, ps, c=c: t.optim.Adam(ps, **c) for c in ADAM_CONFIGS.values()],
    lambda t, ps: t.optim.Adam(ps, lr=0.1, betas=(0.3, 0.9)),  # lerp's other branch (weight >= 0.5)
    lambda t, ps: t.optim.AdamW(ps, lr=0.05),
], ids=[f"adam_{k}" for k in ADAM_CONFIGS] + ["adam_beta1_0.3", "adamw"])
def test_adam_small_parameters(make):
    # Every step of Adam rounds as PyTorch does except sqrt: PyTorch takes it from MKL, which is not
    # correctly rounded (up to 0.73 ulp), so results may differ in the last bit of float32.
    tg, torch = both()
    assert_same(small_trajectory(tg, make), small_trajectory(torch, make), rtol=2e-6, atol=1e-6)


def test_step_counts_as_an_in_place_change():
    def run(t):
        m = t.nn.Linear(4, 2)
        versions = [m.weight._version]
        for opt in (t.optim.SGD(m.parameters(), lr=0.1, momentum=0.9), t.optim.Adam(m.parameters()),
                    t.optim.AdamW(m.parameters()), t.optim.Adam(m.parameters(), weight_decay=0.1)):
            m(t.ones(3, 4)).sum().backward()
            opt.step()
            versions.append((m.weight._version, m.bias._version))
        return versions
    same(run)

    def stale(t):  # the weight is saved for the input's gradient: a step in between makes it stale
        m = t.nn.Linear(4, 2)
        x = t.ones(3, 4, requires_grad=True)
        loss = m(x).sum()
        m(t.ones(1, 4)).sum().backward()
        t.optim.SGD(m.parameters(), lr=0.1).step()
        loss.backward()
    got, want = same_error(stale, message=False)
    # (PyTorch also names the stale tensor: "[torch.FloatTensor [4, 2]], which is output 0 of AsStrided,")
    assert str(got).startswith("one of the variables needed for gradient computation has been modified by an "
                               "inplace operation")
    assert "is at version 2; expected version 1 instead." in str(got) and "is at version 2" in str(want)


def test_named_parameters_are_accepted():
    same_repr(lambda t: t.optim.SGD(t.nn.Linear(2, 1).named_parameters(), lr=0.1))
    same(lambda t: (lambda m: (lambda o: (o.param_groups[0]["param_names"], o.param_groups[0]["params"][0] is m.weight,
                                          list(o.param_groups[0]), o.state_dict()["param_groups"]))(
        t.optim.Adam(m.named_parameters())))(t.nn.Linear(2, 1)))
    same_error(lambda t: t.optim.SGD([("w", t.ones(1, requires_grad=True)), t.ones(1, requires_grad=True)]))
