"""repr / str / format of tensors compared with real PyTorch's, character for character.

Many generated cases: float32/float64/int64/bool tensors of 0-2 dims (a few 3-d), whole numbers,
4-decimal fixed notation, scientific notation by PyTorch's rules, nan/inf, column alignment, line
wrapping, summarisation of large tensors, empty tensors, the dtype / requires_grad / grad_fn
suffixes, ``Parameter containing:``, and ``format()`` of 0-d tensors.
"""

import numpy as np
import pytest

from helpers import both, same_error, same_repr

pytest.importorskip("torch")

INF, NAN = float("inf"), float("nan")

# ------------------------------------------------------------------ value lists, by hand
SCALARS = [0.0, 1.0, -1.0, 0.5, 1 / 3, 37.0, 2125.0, 123.456, -0.0, 1e-4, 1e-5, 1e-10, 9999.5, 1e8, 1.5e8,
           123456789.0, 1e20, -2.5e-7, 4.5, 27.0, 574.3494, NAN, INF, -INF]
VECTORS = [
    [1.0, 2.0, 3.0], [1.0, 2.5], [0.1, 1.0, 0.0001], [51.2, 512.0, 0.0512], [1e-5, 1.0], [1000.0, 0.5],
    [100.0, 0.5], [999.0, 1.0], [1001.0, 1.0], [-293.797, -149.6342, 1027.6301], [0.0, 0.0], [1e8, 1.0],
    [1e9], [1e-4, 2e-4], [0.0001, 1.0], [-1.0, 1.0], [-0.5738, -0.2923, 2.0071], [0.1212, 0.1953, 0.3046],
    [4.5, 4.5, 4.5], [1.0, NAN], [1.0, INF, -INF], [NAN, NAN], [0.0, 1e-9], [1.0, -0.0], [12345.678, 1.0],
    [123.0, 4.0, -56.0], [0.25, 0.125, 0.0625], [1e3, 1e4, 1e5], [-1e-3, 5e-3], [3.0], [], [1e-45, 1.0],
]
MATRICES = [
    [[1.0, -1.0], [1.0, -1.0]], [[3.0, 3.0], [3.0, 3.0]], [[27.0, 27.0], [27.0, 27.0]],
    [[0.6139, 0.4427], [0.886, -1.0564]], [[-4.7701, -2.3828], [-23.314, 1.5412]],
    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[1e-5, 1.0], [2.0, 3.0]], [[1e5, 1.0], [2.0, 3.0]],
    [[0.0, 0.0, 0.0]], [[1.0], [2.0], [3.0]], [[NAN, 1.0], [INF, -2.5]], [[-0.001, 100.0], [3.0, 4.0]],
]
INT_VALUES = [0, 7, -3, 123456789012, [1, 2, 3], [-1, 20, -300], [[1, -20], [300, 4]], [[0, 0]], [[5], [-6]],
              [10 ** 12, 1], list(range(12)), []]
BOOL_VALUES = [True, False, [True, False], [[True, False], [False, True]], [False], []]


def _ids(values):
    return [repr(v)[:40] for v in values]


@pytest.mark.parametrize("v", SCALARS + VECTORS + MATRICES, ids=_ids(SCALARS + VECTORS + MATRICES))
def test_float32(v): same_repr(lambda t: t.tensor(v))


@pytest.mark.parametrize("v", SCALARS[::2] + VECTORS[::2] + MATRICES[::2],
                         ids=_ids(SCALARS[::2] + VECTORS[::2] + MATRICES[::2]))
def test_float64(v): same_repr(lambda t: t.tensor(v, dtype=t.float64))


@pytest.mark.parametrize("v", INT_VALUES, ids=_ids(INT_VALUES))
def test_int64(v): same_repr(lambda t: t.tensor(v))


@pytest.mark.parametrize("v", BOOL_VALUES, ids=_ids(BOOL_VALUES))
def test_bool(v): same_repr(lambda t: t.tensor(v, dtype=t.bool))


# ------------------------------------------------------------------ generated: many scales and shapes
def _generated():
    rng = np.random.default_rng(2024)
    cases = []
    for scale in [1e-8, 1e-5, 1e-3, 0.1, 1.0, 10.0, 1e3, 1e5, 1e9]:
        for shape in [(), (3,), (2, 3), (4, 2)]:
            cases.append((f"normal{scale:g}_{shape}", (rng.standard_normal(shape) * scale).tolist()))
    for shape in [(5,), (3, 3)]:
        cases.append((f"whole_{shape}", rng.integers(-100, 100, shape).astype(float).tolist()))
        cases.append((f"positive_{shape}", rng.uniform(0, 1, shape).tolist()))
        cases.append((f"mixed_mag_{shape}", (rng.uniform(0, 1, shape) * 10.0 ** rng.integers(-6, 6, shape)).tolist()))
    return cases


GENERATED = _generated()


@pytest.mark.parametrize("v", [v for _, v in GENERATED], ids=[i for i, _ in GENERATED])
def test_generated_float32(v): same_repr(lambda t: t.tensor(v))


@pytest.mark.parametrize("v", [v for _, v in GENERATED[::3]], ids=[i for i, _ in GENERATED[::3]])
def test_generated_float64(v): same_repr(lambda t: t.tensor(v, dtype=t.float64))


# ------------------------------------------------------------------ layout: wrapping, summarisation, 3-d, empty
LAYOUT = {
    "wrap_float": lambda t: t.arange(30.0) * 1.5,
    "wrap_int": lambda t: t.arange(40) * 1000,
    "wrap_bool": lambda t: t.tensor([i % 3 == 0 for i in range(30)]),
    "wrap_sci": lambda t: t.linspace(0, 1, 25) * 1e-6,
    "wide_matrix": lambda t: t.arange(24.0).reshape(2, 12) / 7,
    "summarised_1d": lambda t: t.arange(2000.0),
    "summarised_1d_int": lambda t: t.arange(1001),
    "summarised_2d": lambda t: t.ones(512, 784),
    "summarised_rows": lambda t: t.arange(3000.0).reshape(1000, 3),
    "summarised_cols": lambda t: t.arange(3000).reshape(3, 1000),
    "not_summarised_1000": lambda t: t.arange(1000.0) / 3,
    "3d": lambda t: t.arange(12.0).reshape(2, 3, 2),
    "3d_int": lambda t: t.arange(8).reshape(2, 2, 2),
    "empty": lambda t: t.tensor([]),
    "empty_2d": lambda t: t.zeros(0, 3),
    "empty_int": lambda t: t.tensor([], dtype=t.int64),
    "empty_f64": lambda t: t.zeros(2, 0, dtype=t.float64),
    "eye": lambda t: t.eye(5),
    "eye_3": lambda t: t.eye(3) * 4.5,
    "zeros_like": lambda t: t.zeros_like(t.ones(2, 2)),
    "full": lambda t: t.full((2, 3), 7),
}


@pytest.mark.parametrize("name", list(LAYOUT))
def test_layout(name): same_repr(LAYOUT[name])


# ------------------------------------------------------------------ suffixes: dtype, requires_grad, grad_fn
def _grad_cases():
    def leaf(t, v, **kw):
        return t.tensor(v, requires_grad=True, **kw)
    return {
        "leaf_0d": lambda t: leaf(t, 2.0),
        "leaf_1d": lambda t: leaf(t, [1.0, 2.0]),
        "leaf_2d": lambda t: leaf(t, [[1.0, 1.0], [1.0, 1.0]]),
        "leaf_f64": lambda t: leaf(t, [1.0, 2.0], dtype=t.float64),
        "leaf_sci": lambda t: leaf(t, [1e-5, 1.0]),
        "ones_requires_grad": lambda t: t.ones(2, 2, requires_grad=True),
        "add": lambda t: leaf(t, [[1.0, 1.0], [1.0, 1.0]]) + 2,
        "mul": lambda t: leaf(t, 3.0) * 9,
        "mean": lambda t: leaf(t, [[1.0, 2.0], [3.0, 4.0]]).mean(),
        "sum": lambda t: leaf(t, [[1.0, 2.0], [3.0, 4.0]]).sum(),
        "pow": lambda t: leaf(t, [1.0, 2.0]).pow(2),
        "mm": lambda t: leaf(t, [[1.0, 2.0]]).mm(t.ones(2, 1)),
        "relu": lambda t: leaf(t, [-1.0, 2.0]).relu(),
        "sigmoid": lambda t: leaf(t, [0.0]).sigmoid(),
        "f64_grad_fn": lambda t: leaf(t, [1.0, 2.0], dtype=t.float64) * 2,
        "f64_0d_grad_fn": lambda t: (leaf(t, [1.0, 2.0], dtype=t.float64) * 2).sum(),
        "sci_grad_fn": lambda t: leaf(t, [0.1, 1.0, 0.0001]) * 512,
        "neg": lambda t: -leaf(t, [1.0]),
        "detached": lambda t: (leaf(t, [1.0]) * 2).detach(),
        "no_grad": lambda t: _no_grad(t, lambda: leaf(t, [1.0]) * 2),
        "getitem": lambda t: leaf(t, [1.0, 2.0])[0],
        "view": lambda t: leaf(t, [1.0, 2.0]).view(2, 1),
        "requires_grad_": lambda t: t.tensor([1.5]).requires_grad_(),
        "argmax_int": lambda t: leaf(t, [1.0, 2.0]).argmax(),
        "compare_bool": lambda t: leaf(t, [1.0, 2.0]) > 1,
        "max_dim": lambda t: leaf(t, [[1.0, 5.0], [3.0, 2.0]]).max(dim=1),
        "list_of_leaves": lambda t: [t.tensor(v, requires_grad=True) for v in (2.0, 3.0, 5.0)],
    }


def _no_grad(t, f):
    with t.no_grad():
        return f()


GRAD_CASES = _grad_cases()


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_grad_suffixes(name): same_repr(GRAD_CASES[name])


def test_grad_printed_without_suffix():
    def f(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        return x.grad
    same_repr(f)


# ------------------------------------------------------------------ Parameter containing:
PARAMS = {
    "param_1d": lambda t: t.nn.Parameter(t.tensor([1.0, 2.0])),
    "param_0d": lambda t: t.nn.Parameter(t.tensor(0.5)),
    "param_2d": lambda t: t.nn.Parameter(t.tensor([[0.1, -0.2], [3.0, 4.0]])),
    "param_f64": lambda t: t.nn.Parameter(t.tensor([1.0], dtype=t.float64)),
    "param_no_grad": lambda t: t.nn.Parameter(t.tensor([1.0, 2.0]), requires_grad=False),
    "param_big": lambda t: t.nn.Parameter(t.ones([512, 784])),
    "param_sci": lambda t: t.nn.Parameter(t.tensor([1e-6, 1.0])),
    "param_list": lambda t: [t.nn.Parameter(t.tensor([1.0])), t.nn.Parameter(t.tensor(2.0))],
    "param_times_2": lambda t: t.nn.Parameter(t.tensor([1.0])) * 2,
    "param_detach": lambda t: t.nn.Parameter(t.tensor([1.0])).detach(),
    "param_data": lambda t: t.nn.Parameter(t.tensor([1.0])).data,
}


@pytest.mark.parametrize("name", list(PARAMS))
def test_parameter(name): same_repr(PARAMS[name])


# ------------------------------------------------------------------ format(), print(), str.format
FORMATS = {
    "empty_spec_0d": lambda t: "{}".format(t.tensor(37.0)),
    "empty_spec_0d_grad": lambda t: "{}".format(t.tensor(2125.0, requires_grad=True) * 1),
    "fstring_0d": lambda t: f"{t.tensor(192.0)}",
    "f_spec": lambda t: "{:.2f}".format(t.tensor(3.14159)),
    "e_spec": lambda t: "{:e}".format(t.tensor(12345.678)),
    "width_spec": lambda t: "{:>8}".format(t.tensor(1.5)),
    "int_d_spec": lambda t: "{:d}".format(t.tensor(7)),
    "int_0d": lambda t: "{}".format(t.tensor(7)),
    "bool_0d": lambda t: "{}".format(t.tensor(True)),
    "f64_0d": lambda t: "{}".format(t.tensor(0.1, dtype=t.float64)),
    "f32_0d_tenth": lambda t: "{}".format(t.tensor(0.1)),
    "1d_empty_spec": lambda t: "{}".format(t.tensor([1.0, 2.0])),
    "1d_grad_empty_spec": lambda t: "{}".format(t.tensor([1.0, 2.0], requires_grad=True)),
    "format_builtin": lambda t: format(t.tensor(2.5)),
    "print_list": lambda t: str([t.tensor(1.0), t.tensor([2, 3])]),
    "str_dict": lambda t: str({"w": t.tensor(1.5, requires_grad=True)}),
}


@pytest.mark.parametrize("name", list(FORMATS))
def test_format(name):
    tg, torch = both()
    assert FORMATS[name](tg) == FORMATS[name](torch)


def test_format_spec_on_1d_is_an_error():
    same_error(lambda t: "{:.2f}".format(t.tensor([1.0, 2.0])))


def test_print_function(capsys):
    tg, torch = both()
    outs = []
    for mod in (torch, tg):
        x = mod.ones(2, 2, requires_grad=True)
        print(x)
        print("x.grad:", x.grad)
        print(x + 2, (x * 3).mean(), sep=" | ")
        outs.append(capsys.readouterr().out)
    assert outs[1] == outs[0]


def test_grad_fn_repr():
    tg, torch = both()
    import re
    for mod in (torch, tg):
        x = mod.ones(2, requires_grad=True)
        y = (x * 2).sum()
        assert re.fullmatch(r"<SumBackward0 object at 0x[0-9a-fA-F]+>", repr(y.grad_fn)), repr(y.grad_fn)
        assert re.fullmatch(r"<MulBackward0 object at 0x[0-9a-fA-F]+>", str(y.grad_fn.next_functions[0][0]))
