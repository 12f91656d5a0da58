"""Every experiment of the five articles behind the lessons, run with ``import teachgrad as torch``.

Each test runs the article's code on the module under test (the ``torch`` fixture is teachgrad; real
PyTorch in self-check mode, TEACHGRAD_TEST_BACKEND=torch) and checks the values the article shows.
Where the article's numbers came from random data, the data here is fixed and chosen so that the
printout is the article's. Printed text is compared with what PyTorch 2.13 prints (the articles lost
some indentation in copying; PyTorch's own layout is used).
"""

import re

import pytest

from helpers import load_teachgrad, load_torch


@pytest.fixture
def torch():
    """``import teachgrad as torch`` (with .nn, .nn.functional, .optim, .autograd imported)."""
    return load_teachgrad()


def grads(*ts):
    return [None if t.grad is None else t.grad.item() for t in ts]


# =============================================================================================
# The Sequential article: when does requires_grad become True? (nn.Sequential on an input without grad)
# =============================================================================================

def test_000_tensor_default_does_not_require_grad(torch):
    x = torch.tensor([[1., -1.], [1., -1.]])
    y = x.sum()
    assert x.requires_grad is False and y.requires_grad is False
    with pytest.raises(RuntimeError) as e:
        y.backward()
    assert str(e.value) == "element 0 of tensors does not require grad and does not have a grad_fn"


def test_000_requires_grad_true_backward_works(torch):
    x = torch.tensor([[1., -1.], [1., -1.]], requires_grad=True)
    y = x.sum()
    y.backward()
    assert repr(x.grad) == "tensor([[1., 1.],\n        [1., 1.]])"


def _seq_model(torch):
    nn = torch.nn
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))


def test_000_sequential_output_requires_grad(torch):
    x = torch.tensor([[1., -1.], [1., -1.]])
    model = _seq_model(torch)
    assert x.requires_grad is False
    out = model(x)
    assert out.requires_grad is True
    assert out.grad_fn.name() == "AddmmBackward0"
    y = model(x).sum()
    assert y.requires_grad is True
    assert y.grad_fn.name() == "SumBackward0"
    y.backward()  # works: the parameters require grad
    assert x.grad is None  # ... but the input gets no gradient
    names = [n for n, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for _, p in model.named_parameters():
        assert p.requires_grad is True and p.grad is not None and p.grad.shape == p.shape


def test_000_it_is_the_parameters_not_sequential(torch):
    x = torch.tensor([[1., -1.], [1., -1.]])
    model = _seq_model(torch)
    for p in model.parameters():
        p.requires_grad_(False)
    y = model(x).sum()
    assert y.requires_grad is False and y.grad_fn is None
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        y.backward()


# =============================================================================================
# The autograd tutorial article: PyTorch's autograd tutorial (BCE-with-logits, no_grad/detach, Jacobian products)
# =============================================================================================

# Fixed data instead of randn, chosen so that the gradients print as in the article.
W001 = [[-0.7, -0.6, -0.5], [-0.4, -0.3, -0.2], [-0.1, 0.0, 0.1], [0.2, 0.3, 0.4], [0.5, 0.6, 0.7]]
B001 = [-0.0597729341603076, 0.3470416359992212, 1.860941551459523]


def _autograd_tutorial(torch):
    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = torch.tensor(W001, requires_grad=True)
    b = torch.tensor(B001, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    return x, y, w, b, z, loss


def test_001_grad_fn_names(torch):
    x, y, w, b, z, loss = _autograd_tutorial(torch)
    assert re.fullmatch(r"<AddBackward0 object at 0x[0-9a-fA-F]+>", repr(z.grad_fn))
    assert re.fullmatch(r"<BinaryCrossEntropyWithLogitsBackward0 object at 0x[0-9a-fA-F]+>", repr(loss.grad_fn))
    assert z.requires_grad and loss.requires_grad and w.is_leaf and not z.is_leaf


def test_001_gradients(torch):
    x, y, w, b, z, loss = _autograd_tutorial(torch)
    loss.backward()
    row = "[0.1212, 0.1953, 0.3046]"
    assert str(w.grad) == "tensor([" + ",\n        ".join([row] * 5) + "])"
    assert str(b.grad) == "tensor([0.1212, 0.1953, 0.3046])"
    # every row equals b.grad = (sigmoid(z) - y) / 3, since x is all ones
    s = (z.detach().sigmoid() / 3).tolist()
    for r in w.grad.tolist():
        assert r == pytest.approx(s, rel=1e-5)
    assert x.grad is None and y.grad is None


def test_001_no_grad_and_detach(torch):
    x, y, w, b, z, loss = _autograd_tutorial(torch)
    z = torch.matmul(x, w) + b
    assert z.requires_grad is True
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    assert z.requires_grad is False
    z = torch.matmul(x, w) + b
    z_det = z.detach()
    assert z_det.requires_grad is False


def test_001_requires_grad_later(torch):
    x = torch.ones(5)
    assert x.requires_grad is False
    assert x.requires_grad_(True) is x
    assert x.requires_grad is True


ACC_4_2 = ("tensor([[4., 2., 2., 2., 2.],\n        [2., 4., 2., 2., 2.],\n        [2., 2., 4., 2., 2.],\n"
           "        [2., 2., 2., 4., 2.],\n        [2., 2., 2., 2., 4.]])")
ACC_8_4 = ("tensor([[8., 4., 4., 4., 4.],\n        [4., 8., 4., 4., 4.],\n        [4., 4., 8., 4., 4.],\n"
           "        [4., 4., 4., 8., 4.],\n        [4., 4., 4., 4., 8.]])")


def test_001_accumulation_4_2_then_8_4_then_4_2(torch, capsys):
    inp = torch.eye(5, requires_grad=True)
    out = (inp + 1).pow(2)
    assert out.grad_fn.name() == "PowBackward0"
    out.backward(torch.ones_like(inp), retain_graph=True)
    print("First call\n", inp.grad)
    out.backward(torch.ones_like(inp), retain_graph=True)
    print("\nSecond call\n", inp.grad)
    inp.grad.zero_()
    out.backward(torch.ones_like(inp), retain_graph=True)
    print("\nCall after zeroing gradients\n", inp.grad)
    printed = capsys.readouterr().out
    assert printed == (f"First call\n {ACC_4_2}\n\nSecond call\n {ACC_8_4}\n\n"
                       f"Call after zeroing gradients\n {ACC_4_2}\n")


def test_001_backward_is_backward_of_one(torch):
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (a * a).sum().backward()
    g1 = a.grad.tolist()
    a.grad = None
    (a * a).sum().backward(torch.tensor(1.0))
    assert a.grad.tolist() == g1 == [2.0, 4.0, 6.0]


def test_001_backward_twice_without_retain_graph_fails(torch):
    inp = torch.eye(5, requires_grad=True)
    out = (inp + 1).pow(2)
    out.backward(torch.ones_like(inp))
    with pytest.raises(RuntimeError, match=r"^Trying to backward through the graph a second time"):
        out.backward(torch.ones_like(inp))


# =============================================================================================
# The REPL article: PyTorch's tutorial typed into the REPL (x + 2, y*y*3, mean -> 4.5; vector-Jacobian product)
# =============================================================================================

def test_002_printing_and_grad_fn(torch):
    x = torch.ones(2, 2, requires_grad=True)
    assert str(x) == "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"
    y = x + 2
    assert str(y) == "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)"
    assert re.fullmatch(r"<AddBackward0 object at 0x[0-9a-fA-F]+>", str(y.grad_fn))
    z = y * y * 3
    assert str(z) == "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>)"
    out = z.mean()
    assert str(out) == "tensor(27., grad_fn=<MeanBackward0>)"
    assert x.grad_fn is None


def test_002_mean_gradient_is_4_5(torch):
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    assert x.grad is None
    out.backward()
    assert str(x.grad) == "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])"
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]  # d/dx mean(3(x+2)^2) = 6(x+2)/4 = 4.5


# fixed in place of randn(2, 2), chosen so that every printout is the article's
A002 = [[0.61390555, 0.44267085], [0.8859922, -1.05643295]]


def test_002_requires_grad_in_the_middle(torch):
    a = torch.tensor(A002)
    assert str(a) == "tensor([[ 0.6139,  0.4427],\n        [ 0.8860, -1.0564]])"
    a = ((a * 3) / (a - 1))
    assert str(a) == "tensor([[ -4.7701,  -2.3828],\n        [-23.3140,   1.5412]])"
    assert a.requires_grad is False
    r = a.requires_grad_(True)
    assert r is a
    assert str(r) == "tensor([[ -4.7701,  -2.3828],\n        [-23.3140,   1.5412]], requires_grad=True)"
    assert a.requires_grad is True
    b = (a * a).sum()
    assert str(b) == "tensor(574.3494, grad_fn=<SumBackward0>)"
    assert re.fullmatch(r"<SumBackward0 object at 0x[0-9a-fA-F]+>", str(b.grad_fn))


# fixed in place of randn(3), chosen so that y prints as in the article
X002 = [-0.573822265625, -0.292254296875, 2.0070900390625]


def _doubling_loop(torch):
    x = torch.tensor(X002, requires_grad=True)
    y = x * 2
    steps = 1
    while y.data.norm() < 1000:
        y = y * 2
        steps += 1
    return x, y, steps


def test_002_control_flow_loop_and_implicit_grad_error(torch):
    x, y, steps = _doubling_loop(torch)
    assert str(x) == "tensor([-0.5738, -0.2923,  2.0071], requires_grad=True)"
    assert steps == 9  # y = x * 512
    assert str(y) == "tensor([-293.7970, -149.6342, 1027.6301], grad_fn=<MulBackward0>)"
    assert x.grad is None
    with pytest.raises(RuntimeError) as e:
        y.backward()
    assert str(e.value) == "grad can be implicitly created only for scalar outputs"


def test_002_vector_jacobian_product(torch):
    x, y, _ = _doubling_loop(torch)
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    assert str(v) == "tensor([1.0000e-01, 1.0000e+00, 1.0000e-04])"
    y.backward(v)
    assert str(x.grad) == "tensor([5.1200e+01, 5.1200e+02, 5.1200e-02])"
    assert x.grad.tolist() == pytest.approx([51.2, 512.0, 0.0512], rel=1e-6)


def test_002_no_grad_block(torch):
    x = torch.tensor(X002, requires_grad=True)
    assert x.requires_grad is True
    assert (x ** 2).requires_grad is True
    with torch.no_grad():
        assert x.requires_grad is True
        assert (x ** 2).requires_grad is False
    assert (x ** 2).requires_grad is True


# =============================================================================================
# The optimiser article: requires_grad, zero_grad and how optimisers update parameters
# =============================================================================================

def test_003_plain_tensor_does_not_require_grad(torch):
    x = torch.ones([3, 32, 32])
    assert x.requires_grad is False


def _mlpnet(torch):
    nn, F = torch.nn, torch.nn.functional

    class MLPNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(1 * 28 * 28, 512)
            self.fc2 = nn.Linear(512, 512)
            self.fc3 = nn.Linear(512, 10)
            self.dropout1 = nn.Dropout2d(0.2)
            self.dropout2 = nn.Dropout2d(0.2)

        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = self.dropout1(x)
            x = F.relu(self.fc2(x))
            x = self.dropout2(x)
            return F.relu(self.fc3(x))

    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    return MLPNet().to(device)


def test_003_network_parameters_require_grad(torch, capsys):
    net = _mlpnet(torch)
    for name, p in net.named_parameters():
        print(name, p.requires_grad)
    assert capsys.readouterr().out == ("fc1.weight True\nfc1.bias True\nfc2.weight True\nfc2.bias True\n"
                                       "fc3.weight True\nfc3.bias True\n")
    assert isinstance(net.fc1.weight, torch.nn.Parameter)


def _sgd_loop(torch, epochs=3, zero_grad=True, momentum=0.9):
    nn, optim = torch.nn, torch.optim
    x = torch.tensor(3.0, requires_grad=True)
    w = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    yy = torch.tensor(5.0, requires_grad=True)
    opt = optim.SGD([w, b], lr=0.01, momentum=momentum)
    criterion = nn.MSELoss()
    history = []
    for epoch in range(epochs):
        if zero_grad:
            opt.zero_grad()
        y = w * x + b
        loss = criterion(y, yy)
        loss.backward()
        opt.step()
        history.append((loss.item(), w.item(), b.item(), w.grad.item(), b.grad.item(), x.grad.item(), yy.grad.item()))
    return history, loss


def test_003_sgd_momentum_loop_by_hand(torch):
    history, loss = _sgd_loop(torch)
    assert loss.grad_fn.name() == "MseLossBackward0"
    # L = (wx + b - 5)^2, dL/dw = 2(y-5)x, dL/db = 2(y-5); buf = 0.9 buf + g; p -= 0.01 buf
    expected = [  # loss, w, b, w.grad, b.grad, x.grad (accumulates), yy.grad (accumulates: not in opt)
        (4.0, 1.88, 0.96, 12.0, 4.0, 8.0, -4.0),
        (2.56, 1.676, 0.892, 9.6, 3.2, 14.016, -7.2),
        (0.8464, 1.4372, 0.8124, 5.52, 1.84, 17.09984, -9.04),
    ]
    for got, want in zip(history, expected):
        assert got == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("zero_grad,momentum", [(True, 0.9), (False, 0.9), (True, 0.0), (False, 0.0)])
def test_003_sgd_loop_matches_pytorch(torch, zero_grad, momentum):
    ref = load_torch()
    """Bit for bit: the lessons print these numbers (PyTorch's add_(.., alpha=) rounds once)."""
    got, _ = _sgd_loop(torch, epochs=50, zero_grad=zero_grad, momentum=momentum)
    want, _ = _sgd_loop(ref, epochs=50, zero_grad=zero_grad, momentum=momentum)
    for step, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"step {step}: (loss, w, b, w.grad, b.grad, x.grad, yy.grad) teachgrad {g}, torch {w}"


def test_003_update_rule_by_hand_equals_sgd(torch):
    w1 = torch.tensor(2.0, requires_grad=True)
    w2 = torch.tensor(2.0, requires_grad=True)
    opt = torch.optim.SGD([w2], lr=0.01)
    for _ in range(5):
        (w1 * 3 + 1 - 5).pow(2).backward()
        with torch.no_grad():
            w1 -= 0.01 * w1.grad
        w1.grad.zero_()
        opt.zero_grad()
        (w2 * 3 + 1 - 5).pow(2).backward()
        opt.step()
        assert w1.item() == pytest.approx(w2.item(), rel=1e-6)
    assert w1.is_leaf and w1.requires_grad and w1.grad_fn is None


ONES_PARAM = ("Parameter containing:\ntensor([[1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., 1.],\n"
              "        [1., 1., 1.,  ..., 1., 1., 1.],\n        ...,\n        [1., 1., 1.,  ..., 1., 1., 1.],\n"
              "        [1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., 1.]], requires_grad=True)")


def test_003_replacing_parameter_leaves_optimizer_behind(torch):
    nn, optim = torch.nn, torch.optim
    net = _mlpnet(torch)
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    old = net.fc1.weight
    net.fc1.weight = nn.Parameter(torch.ones([512, 784]))
    assert str(net.fc1.weight) == ONES_PARAM
    held = optimizer.param_groups[0]["params"][0]
    assert held is old and held is not net.fc1.weight
    assert str(held) != ONES_PARAM and held.shape == (512, 784)


def test_003_assigning_data_keeps_optimizer_in_sync(torch):
    nn, optim = torch.nn, torch.optim
    net = _mlpnet(torch)
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    net.fc1.weight.data = nn.Parameter(torch.ones([512, 784]))
    assert str(net.fc1.weight) == ONES_PARAM
    assert optimizer.param_groups[0]["params"][0] is net.fc1.weight
    assert str(optimizer.param_groups[0]["params"][0]) == ONES_PARAM


# =============================================================================================
# The detach article: .detach() vs with no_grad() vs .requires_grad = False on y = ax+b, z = cy+d, w = ez+f
# =============================================================================================

NAMES = "abcdefx"


def _leaves(torch):
    vals = [2., 3., 5., 7., 11., 13., 17.]
    return {n: torch.tensor(v, requires_grad=True) for n, v in zip(NAMES, vals)}


def _chain(torch, p, variant):
    a, b, c, d, e, f, x = (p[n] for n in NAMES)
    if variant == "no_grad_y":
        with torch.no_grad():
            y = a * x + b
    else:
        y = a * x + b
    if variant == "no_grad_z":
        with torch.no_grad():
            z = c * (y.detach() if variant == "detach_y" else y) + d
    else:
        z = c * (y.detach() if variant == "detach_y" else y) + d
    w = e * (z.detach() if variant == "detach_z" else z) + f
    return y, z, w


def _report(torch, p, y, z, w):
    """The article's print statements."""
    a, b, c, d, e, f, x = (p[n] for n in NAMES)
    print('y={}, z={}, w={}'.format(y, z, w))
    print('f.grad=1:', f.grad)
    print('e.grad=z={}:'.format(z.item()), e.grad)
    print('d.grad=e={}:'.format(e.item()), d.grad)
    print('c.grad=ey={}:'.format(e.item() * y.item()), c.grad)
    print('b.grad=ey={}:'.format(e.item() * c.item()), b.grad)
    print('a.grad=xey={}:'.format(x.item() * e.item() * c.item()), a.grad)
    print('x.grad=aey={}:'.format(a.item() * e.item() * c.item()), x.grad)


def _expected_lines(g):
    """The article's output for gradients g (dict name -> printed gradient)."""
    return ("y=37.0, z=192.0, w=2125.0\n"
            f"f.grad=1: {g['f']}\n"
            f"e.grad=z=192.0: {g['e']}\n"
            f"d.grad=e=11.0: {g['d']}\n"
            f"c.grad=ey=407.0: {g['c']}\n"
            f"b.grad=ey=55.0: {g['b']}\n"
            f"a.grad=xey=935.0: {g['a']}\n"
            f"x.grad=aey=110.0: {g['x']}\n")


FULL = {"a": 935., "b": 55., "c": 407., "d": 11., "e": 192., "f": 1., "x": 110.}
# which leaves get a gradient in each experiment (the others: None in a fresh run)
REACHED = {
    "normal": "abcdefx",
    "detach_y": "cdef",
    "detach_z": "ef",
    "no_grad_y": "cdef",
    "no_grad_z": "ef",
    "frozen_cd": "abefx",
    "frozen_ef": "abcdx",
}


def _run_variant(torch, p, variant):
    frozen = {"frozen_cd": "cd", "frozen_ef": "ef"}.get(variant, "")
    for n in frozen:
        p[n].requires_grad = False
    y, z, w = _chain(torch, p, variant)
    w.backward()
    return y, z, w, frozen


def test_004_leaves_print_as_in_article(torch):
    p = _leaves(torch)
    params = [p[n] for n in NAMES]
    assert str(params) == ("[tensor(2., requires_grad=True), tensor(3., requires_grad=True), "
                           "tensor(5., requires_grad=True), tensor(7., requires_grad=True), "
                           "tensor(11., requires_grad=True), tensor(13., requires_grad=True), "
                           "tensor(17., requires_grad=True)]")


@pytest.mark.parametrize("variant", list(REACHED))
def test_004_fresh_run_gradient_table(torch, variant, capsys):
    """Each experiment on fresh leaves: unreached leaves have grad None (the article shows 0 only
    because it zeroed earlier gradients with p.grad.data = tensor(0.))."""
    p = _leaves(torch)
    y, z, w, frozen = _run_variant(torch, p, variant)
    assert (y.item(), z.item(), w.item()) == (37.0, 192.0, 2125.0)
    assert w.requires_grad is True
    table = {n: (None if p[n].grad is None else p[n].grad.item()) for n in NAMES}
    assert table == {n: (FULL[n] if n in REACHED[variant] else None) for n in NAMES}
    for n in frozen:
        assert p[n].requires_grad is False and p[n].grad is None
    _report(torch, p, y, z, w)
    shown = {n: (f"tensor({FULL[n]:.0f}.)" if n in REACHED[variant] else "None") for n in NAMES}
    assert capsys.readouterr().out == _expected_lines(shown)


def test_004_flags_per_experiment(torch):
    p = _leaves(torch)
    y, z, w = _chain(torch, p, "no_grad_y")
    assert (y.requires_grad, y.grad_fn, y.is_leaf) == (False, None, True)
    assert z.requires_grad and z.grad_fn.name() == "AddBackward0"
    y, z, w = _chain(torch, _leaves(torch), "detach_y")
    assert y.requires_grad and y.grad_fn.name() == "AddBackward0"
    assert y.detach().requires_grad is False and y.detach().is_leaf
    y, z, w = _chain(torch, _leaves(torch), "no_grad_z")
    assert y.requires_grad and not z.requires_grad and z.is_leaf and w.grad_fn.name() == "AddBackward0"


def test_004_article_sequence_reproduces_its_printout(torch, capsys):
    """The article's exact sequence, zeroing with p.grad.data = tensor(0.) between experiments,
    prints its tables: 0 (not None) for leaves that a later experiment did not reach."""
    p = _leaves(torch)
    params = [p[n] for n in NAMES]
    expected = []
    for variant in ["normal", "detach_y", "detach_z", "no_grad_y", "no_grad_z", "frozen_cd", "frozen_ef"]:
        for q in params:
            if q.grad:
                q.grad.data = torch.tensor(0.0)  # zero_grad
        y, z, w, frozen = _run_variant(torch, p, variant)
        _report(torch, p, y, z, w)
        for n in frozen:
            p[n].requires_grad = True
        expected.append(_expected_lines(
            {n: (f"tensor({FULL[n]:.0f}.)" if n in REACHED[variant] else "tensor(0.)") for n in NAMES}))
    assert capsys.readouterr().out == "".join(expected)


def test_004_requires_grad_false_on_intermediate_fails(torch):
    p = _leaves(torch)
    y = p["a"] * p["x"] + p["b"]
    with pytest.raises(RuntimeError) as e:
        y.requires_grad = False
    assert str(e.value) == (
        "you can only change requires_grad flags of leaf variables. If you want to use a computed "
        "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
    y_no_grad = y.detach()  # the fix the message suggests
    assert y_no_grad.requires_grad is False


def test_004_detach_shares_memory_it_does_not_copy(torch):
    p = _leaves(torch)
    y = p["a"] * p["x"] + p["b"]
    yd = y.detach()
    yd.fill_(100.0)
    assert y.item() == 100.0
    v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    vd = v.detach()
    vd[0] = -5.0
    assert v.tolist() == [-5.0, 2.0, 3.0]


def test_004_gan_detach_vs_no_grad(torch):
    nn = torch.nn
    torch.manual_seed(1)
    netG, netD = nn.Linear(2, 2), nn.Linear(2, 1)
    zin = torch.ones(4, 2)
    fake = netG(zin)
    pred_fake = netD(fake.detach())
    pred_fake.sum().backward()
    assert all(q.grad is None for q in netG.parameters())
    assert all(q.grad is not None for q in netD.parameters())
    netD.zero_grad()
    with torch.no_grad():
        fake2 = netG(zin)
    assert fake2.requires_grad is False
    pred_fake2 = netD(fake2)
    assert pred_fake2.tolist() == pred_fake.tolist()
    pred_fake2.sum().backward()
    assert all(q.grad is None for q in netG.parameters())


def test_004_frozen_pretrained_middle_module_passes_gradients(torch):
    nn = torch.nn
    torch.manual_seed(2)
    module1, module2, module3 = nn.Linear(3, 4), nn.Linear(4, 4), nn.Linear(4, 1)
    for q in module2.parameters():
        q.requires_grad = False
    x = torch.ones(2, 3)
    h1 = module1(x)
    h2 = module2(h1)
    y = module3(h2)
    y.sum().backward()
    assert h2.requires_grad is True
    assert all(q.grad is None for q in module2.parameters())
    assert all(q.grad is not None for q in module1.parameters())
    assert all(q.grad is not None for q in module3.parameters())
